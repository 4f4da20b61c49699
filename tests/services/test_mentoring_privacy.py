"""Mentoring records in a family's subject-access export, and what erasure does to them."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from tests.factories import UserFactory
from tests.services.test_data_protection import AT_DUE, requested
from virtualacademy.models import (
    ActionOwner,
    AgreedAction,
    CheckIn,
    ContactMethod,
    ContactWith,
    Learner,
    MentorAssignment,
    OtherAdult,
    OtherAdultRole,
    Role,
)
from virtualacademy.services import data_protection


def with_mentoring_records(ctx, learner_id: int):
    mentor = UserFactory(roles=[Role.MENTOR], name="Mo Mentor")
    learner = ctx.get(Learner, learner_id)
    ctx.add(
        MentorAssignment(
            learner_id=learner.id,
            mentor_id=mentor.id,
            starts_on=date(2026, 9, 1),
            ends_on=date(2027, 7, 20),
            handover_note="Prefers texts to calls.",
        )
    )
    check_in = CheckIn(
        learner_id=learner.id,
        mentor_id=mentor.id,
        occurred_at=datetime(2026, 10, 1, 10, tzinfo=UTC),
        method=ContactMethod.PHONE,
        with_whom=ContactWith.BOTH,
        contact_made=True,
        wellbeing=3,
        notes="Talked about sleep and the astronomy club.",
    )
    ctx.add(check_in)
    ctx.flush()
    ctx.add(
        AgreedAction(
            learner_id=learner.id, check_in_id=check_in.id, text="Join the astronomy club", owner=ActionOwner.LEARNER
        )
    )
    ctx.add(
        OtherAdult(
            learner_id=learner.id,
            name="Dr Priya Stargazer",
            role=OtherAdultRole.TUTOR,
            organisation="Doncaster Observatory",
            starts_on=date(2026, 9, 1),
        )
    )
    ctx.commit()
    return mentor


def test_the_export_holds_mentoring_records_without_staff_names(ctx):
    mine = requested(ctx)
    mentor = with_mentoring_records(ctx, mine.learner_ids[0])
    data = data_protection.subject_access(mine.family)
    text = str(data)
    assert "Talked about sleep and the astronomy club." in text
    assert "Join the astronomy club" in text and "Dr Priya Stargazer" in text and "Prefers texts to calls." in text
    assert mentor.name not in text and mentor.email not in text


def test_erasure_removes_the_free_text_and_keeps_dates_and_scores(ctx):
    mine = requested(ctx)
    with_mentoring_records(ctx, mine.learner_ids[0])
    data_protection.erase_due(AT_DUE)
    ctx.expire_all()
    (check_in,) = ctx.scalars(select(CheckIn)).all()
    assert check_in.notes is None and check_in.wellbeing == 3
    assert check_in.occurred_at == datetime(2026, 10, 1, 10, tzinfo=UTC)
    assert ctx.scalars(select(AgreedAction.text)).all() == ["Erased"]
    (adult,) = ctx.scalars(select(OtherAdult)).all()
    assert (adult.name, adult.organisation, adult.role) == ("Erased", None, OtherAdultRole.TUTOR)
    assert ctx.scalars(select(MentorAssignment.handover_note)).all() == [None]
