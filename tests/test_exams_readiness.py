"""Readiness: the mentor judges on evidence (never age); the learner and a guardian confirm they want to sit it."""

from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import GuardianFactory, LearnerFactory, QualificationFactory, UserFactory
from virtualacademy.errors import DomainError, NotAllowed, ValidationError
from virtualacademy.models import MentorAssignment, Notification, Readiness, Role, Tier
from virtualacademy.services.exams import readiness
from virtualacademy.services.exams.readiness import MockInput


@pytest.fixture
def family(ctx):
    """A learner aged 12 with a mentor, a parent with an account and their own account."""
    learner = LearnerFactory(date_of_birth=date(2014, 9, 30))
    guardian = GuardianFactory(family=learner.family)
    own = UserFactory(roles=[Role.LEARNER])
    learner.user_id = own.id
    mentor = UserFactory(roles=[Role.MENTOR])
    ctx.add(MentorAssignment(learner_id=learner.id, mentor_id=mentor.id, starts_on=date(2026, 9, 1)))
    ctx.flush()
    return learner, guardian.user, own, mentor


def judge(mentor, learner, qualification, **kwargs):
    values = {
        "judgement": Readiness.READY,
        "evidence": "Two past papers at grade 7; the tutor says the course is covered.",
        "mocks": [MockInput(date(2027, 1, 20), "June 2024 Paper 1H", "64/80")],
    }
    return readiness.record_judgement(mentor, learner, qualification, **{**values, **kwargs})


def test_a_mentor_judges_a_twelve_year_old_ready_and_the_family_is_asked_to_confirm(ctx, family):
    learner, parent, own, mentor = family
    maths = QualificationFactory(subject="Mathematics", tiered=True)
    judgement = judge(mentor, learner, maths, recommended_tier=Tier.HIGHER)
    assert (judgement.judgement, judgement.recommended_tier, judgement.judged_on) == (
        Readiness.READY,
        Tier.HIGHER,
        date(2027, 3, 2),
    )
    assert [(m.paper, m.result) for m in judgement.mocks] == [("June 2024 Paper 1H", "64/80")]
    told = {n.user_id: n.title for n in ctx.scalars(select(Notification).where(Notification.kind == "exam_readiness"))}
    assert told == {
        parent.id: f"{learner.known_as}'s mentor thinks they are ready to sit Mathematics ({maths.spec_code})",
        own.id: f"Your mentor thinks you are ready to sit Mathematics ({maths.spec_code})",
    }
    assert not judgement.confirmed
    readiness.confirm_as_learner(own, judgement)
    readiness.confirm_as_guardian(parent, judgement)
    assert judgement.confirmed and judgement.guardian_confirmed_by_id == parent.id
    assert readiness.entry_ready(learner, maths) is judgement


def test_a_guardian_may_confirm_for_a_learner_without_an_account(ctx, family):
    learner, parent, _own, mentor = family
    learner.user_id = None
    judgement = judge(mentor, learner, QualificationFactory())
    readiness.confirm_as_learner(parent, judgement)
    assert judgement.learner_confirmed_by_id == parent.id
    with pytest.raises(NotAllowed, match="Only a parent or carer"):
        readiness.confirm_as_guardian(UserFactory(roles=[Role.LEARNER]), judgement)


def test_not_yet_says_what_is_still_needed_and_cannot_be_confirmed(ctx, family):
    learner, parent, own, mentor = family
    q = QualificationFactory()
    with pytest.raises(ValidationError, match="what is still needed"):
        judge(mentor, learner, q, judgement=Readiness.NOT_YET)
    not_yet = judge(mentor, learner, q, judgement=Readiness.NOT_YET, still_needed="Fractions and ratio")
    with pytest.raises(DomainError, match="nothing to confirm"):
        readiness.confirm_as_learner(own, not_yet)
    assert ctx.scalar(select(Notification.id).where(Notification.kind == "exam_readiness")) is None


def test_a_newer_judgement_replaces_the_last_and_needs_confirming_again(ctx, family):
    learner, parent, own, mentor = family
    q = QualificationFactory()
    first = judge(mentor, learner, q)
    readiness.confirm_as_learner(own, first)
    readiness.confirm_as_guardian(parent, first)
    second = judge(mentor, learner, q)
    assert readiness.current_judgement(learner.id, q.id) is second
    with pytest.raises(DomainError, match="A newer judgement"):
        readiness.confirm_as_guardian(parent, first)
    with pytest.raises(DomainError, match="have not yet confirmed"):
        readiness.entry_ready(learner, q)
    assert readiness.judgements_of(learner) == [second, first]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"evidence": " "}, "evidence"),
        ({"judged_on": date(2027, 3, 3)}, "judged_on"),
        ({"recommended_tier": None}, "recommended_tier"),
        ({"mocks": [MockInput(date(2027, 4, 1), "Paper 1", "60/80")]}, "mocks-1-sat_on"),
        ({"mocks": [MockInput(date(2027, 1, 1), "", "60/80")]}, "mocks-1-paper"),
    ],
)
def test_a_judgement_needs_evidence_a_tier_where_there_are_tiers_and_real_dates(ctx, family, changes, field):
    learner, _parent, _own, mentor = family
    with pytest.raises(ValidationError) as refused:
        judge(mentor, learner, QualificationFactory(tiered=True), **{"recommended_tier": Tier.HIGHER, **changes})
    assert refused.value.field == field


def test_only_the_current_mentor_or_an_admin_judges_and_only_the_family_confirms(ctx, family):
    learner, parent, own, mentor = family
    q = QualificationFactory()
    for outsider in (
        UserFactory(roles=[Role.MENTOR]),
        UserFactory(roles=[Role.EXAMS_OFFICER]),
        UserFactory(roles=[Role.COORDINATOR]),
        parent,
    ):
        with pytest.raises(NotAllowed):
            judge(outsider, learner, q)
    judgement = judge(UserFactory(roles=[Role.ADMIN]), learner, q)
    with pytest.raises(NotAllowed):
        readiness.confirm_as_learner(mentor, judgement)
    with pytest.raises(NotAllowed):
        readiness.confirm_as_guardian(own, judgement)  # the learner is not their own guardian


def test_nothing_about_readiness_reads_the_learners_age(ctx, family):
    """A five-year-old and a forty-year-old are judged, confirmed and ready alike."""
    learner, parent, own, mentor = family
    for born in (date(2022, 1, 1), date(1987, 1, 1)):
        learner.date_of_birth = born
        judgement = judge(mentor, learner, QualificationFactory())
        readiness.confirm_as_learner(own, judgement)
        readiness.confirm_as_guardian(parent, judgement)
        assert readiness.entry_ready(learner, judgement.qualification) is judgement
