"""Enrolment rules: eligibility, duplicates, withdrawal and re-enrolment, and who sees which learner."""

from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import (
    ApplicationFactory,
    GuardianFactory,
    LearnerFactory,
    LocalityFactory,
    UserFactory,
    application_answers,
)
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    ApplicationStatus,
    EnrolmentStatus,
    Learner,
    LocalityRole,
    LocalityStaff,
    Role,
    WithdrawalReason,
)
from virtualacademy.policies import can, scoped
from virtualacademy.services import families, localities

TODAY = date(2026, 11, 23)


def child(**overrides):
    data = {
        "legal_name": "Kim Lee",
        "date_of_birth": date(2014, 1, 1),
        "reason": "philosophical",
        "send_status": "none",
    }
    return {**data, **overrides}


@pytest.mark.parametrize(
    ("born", "ok"),
    [
        (date(2022, 11, 23), True),
        (date(2022, 11, 24), False),  # 4th birthday today / tomorrow
        (date(2007, 11, 24), True),
        (date(2007, 11, 23), False),
    ],  # 18 until the 19th birthday
)
def test_eligibility_is_statutory_school_age_up_to_18(born, ok):
    if ok:
        assert families.check_child(child(date_of_birth=born), TODAY)["date_of_birth"] == born.isoformat()
    else:
        with pytest.raises(ValidationError, match="statutory school age"):
            families.check_child(child(date_of_birth=born), TODAY)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"legal_name": " "}, "legal_name"),
        ({"date_of_birth": None}, "date_of_birth"),
        ({"previous_school_urn": "12AB"}, "previous_school_urn"),
        ({"reason": "bored"}, "reason"),
        ({"send_status": "ehcp"}, "ehcp_review_date"),
        ({"date_left_school": date(2013, 1, 1)}, "date_left_school"),
    ],
)
def test_bad_child_details_name_the_field(overrides, field):
    with pytest.raises(ValidationError) as error:
        families.check_child(child(**overrides), TODAY)
    assert error.value.field == field


def test_duplicates_are_warned_about(ctx):
    existing = LearnerFactory(legal_name="Child0 Parent", date_of_birth=date(2010, 3, 1))
    GuardianFactory(family=existing.family, email="dup@example.com", user__email="dup@example.com")
    application = ApplicationFactory(email="dup@example.com", answers=application_answers(email="dup@example.com"))
    warnings = families.duplicate_warnings(application)
    assert any("Child0 Parent" in w and "already known" in w for w in warnings)
    assert any("dup@example.com already belongs to a guardian" in w for w in warnings)


def test_withdrawal_keeps_history_and_re_enrolment_adds_a_new_spell(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    learner = LearnerFactory(enrolled=date(2026, 9, 1))
    other = LocalityFactory()
    with pytest.raises(ValidationError, match="cannot be before the enrolment started"):
        families.withdraw(admin, learner, date(2026, 8, 1), WithdrawalReason.MOVED_OUT_OF_AREA)
    with pytest.raises(ValidationError, match="Say why"):
        families.withdraw(admin, learner, date(2027, 1, 1), WithdrawalReason.OTHER, " ")
    families.withdraw(admin, learner, date(2027, 1, 1), WithdrawalReason.RETURNED_TO_SCHOOL)
    assert learner.current_enrolment is None
    with pytest.raises(ValidationError, match="is not enrolled"):
        families.withdraw(admin, learner, date(2027, 2, 1), WithdrawalReason.RETURNED_TO_SCHOOL)
    with pytest.raises(ValidationError, match="on or after 1 January 2027"):
        families.re_enrol(admin, learner, date(2026, 12, 1), other)
    families.re_enrol(admin, learner, date(2027, 4, 1), other)
    assert [(e.status, e.start_date, e.end_date) for e in learner.enrolments] == [
        (EnrolmentStatus.WITHDRAWN, date(2026, 9, 1), date(2027, 1, 1)),
        (EnrolmentStatus.ENROLLED, date(2027, 4, 1), None),
    ]
    assert learner.locality_id == other.id
    with pytest.raises(ValidationError, match="already enrolled"):
        families.re_enrol(admin, learner, date(2027, 5, 1), other)
    assert localities.numbers_on_roll(date(2027, 2, 1)).get(other.id) is None
    assert localities.numbers_on_roll(date(2027, 4, 1)) == {other.id: 1}


def test_decisions_only_on_open_applications(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    application = ApplicationFactory()
    families.decline(admin, application, "Outside the area")
    with pytest.raises(NotAllowed, match="already been decided"):
        families.accept(admin, application, date(2026, 12, 1), LocalityFactory())
    with pytest.raises(NotAllowed):
        families.request_more_information(admin, application, "Why?")


def test_who_sees_which_learner(ctx):
    mine = LearnerFactory()
    guardian = GuardianFactory(family=mine.family).user
    theirs = LearnerFactory()
    GuardianFactory(family=theirs.family)
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    ctx.add(LocalityStaff(user_id=coordinator.id, locality_id=theirs.locality_id, role=LocalityRole.COORDINATOR))
    mentor = UserFactory(roles=[Role.MENTOR])
    admin = UserFactory(roles=[Role.ADMIN])
    ctx.flush()

    def visible(user):
        return set(ctx.scalars(scoped(user, select(Learner))))

    assert visible(guardian) == {mine}
    assert can(guardian, "view", mine) and not can(guardian, "view", theirs)
    assert can(guardian, "edit_details", mine) and not can(guardian, "edit_details", theirs)
    assert visible(coordinator) == {theirs}
    assert can(coordinator, "view", theirs) and not can(coordinator, "view", mine)
    assert not can(coordinator, "edit_details", theirs)
    assert visible(mentor) == set()  # a mentor's caseload comes with the mentoring module
    assert visible(admin) >= {mine, theirs}
    assert not can(guardian, "manage", mine) and can(admin, "manage", mine)


def test_the_applications_queue_holds_sent_applications_and_never_drafts(ctx):
    draft = ApplicationFactory(status=ApplicationStatus.DRAFT, submitted_at=None)
    sent = {status: ApplicationFactory(status=status) for status in ApplicationStatus if status is not draft.status}
    assert not families.is_sent(draft) and all(families.is_sent(a) for a in sent.values())
    assert set(families.SENT_STATUSES) == set(sent)
    queued = set(db.session.scalars(families.applications_queue(None, None)))
    assert queued == set(sent.values())
