"""Punctuality kept in step (services/mentoring/punctuality.py): after any sequence of check-ins recorded, edited
and deleted, mentors assigned, support levels and the academy's cadences changed, each learner's last contact and
next due day equal ``contact_states``', and each contact's days late equals a recount from scratch."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from tests.factories import LearnerFactory, UserFactory
from virtualacademy import clock
from virtualacademy.blueprints.mentoring.jobs import contact_figures
from virtualacademy.models import (
    CheckIn,
    ContactMethod,
    ContactWith,
    Learner,
    MentorAssignment,
    Role,
    SupportLevel,
    WithdrawalReason,
)
from virtualacademy.services import families, mentoring
from virtualacademy.services.mentoring.punctuality import stale_learners

TODAY = date(2026, 11, 23)


def recount(ctx, learner: Learner) -> tuple[date | None, date | None, dict[int, int | None]]:
    """(last contact, next due, days late of each contact) worked out from scratch."""
    states = {s.learner_id: s for s in mentoring.contact_states(TODAY, learner_ids=[learner.id])}
    cadence = mentoring.cadence_days(mentoring.support_of(learner))
    spans = ctx.execute(
        select(MentorAssignment.starts_on, MentorAssignment.ends_on).where(MentorAssignment.learner_id == learner.id)
    ).all()
    late: dict[int, int | None] = {}
    last = None
    for check_in in ctx.scalars(
        select(CheckIn)
        .where(CheckIn.learner_id == learner.id, CheckIn.contact_made.is_(True))
        .order_by(CheckIn.occurred_at, CheckIn.id)
    ):
        day = check_in.occurred_at.astimezone(clock.LONDON).date()
        starts = [a for a, b in spans if a <= day and (b is None or day < b)]
        if starts:
            due = last + timedelta(days=cadence) if last and last >= max(starts) else max(starts)
            late[check_in.id] = max(0, (day - due).days)
        else:
            late[check_in.id] = None
        last = day
    state = states.get(learner.id)
    return last, state.due_on if state else None, late


def stored(ctx, learner: Learner):
    ctx.refresh(learner)
    late = dict(
        ctx.execute(
            select(CheckIn.id, CheckIn.days_late).where(CheckIn.learner_id == learner.id, CheckIn.contact_made)
        ).all()
    )
    return learner.last_contact_on, learner.contact_due_on, late


def test_kept_in_step_through_a_random_sequence_of_changes(ctx):
    rng = random.Random(20261203)
    admin = UserFactory(roles=[Role.ADMIN])
    mentors = [UserFactory(roles=[Role.MENTOR]) for _ in range(3)]
    learners = [LearnerFactory(enrolled=date(2026, 9, 1)) for _ in range(4)]
    starts = {}
    for n, learner in enumerate(learners[:3]):  # most start with a mentor and a contact, so every change tells
        mentoring.assign(admin, learner, mentors[n], date(2026, 9, 1))
        starts[learner.id] = date(2026, 9, 1)
        mentoring.record_check_in(
            admin,
            learner,
            occurred_at=datetime(2026, 9, 3 + n, 10, tzinfo=UTC),
            method=ContactMethod.PHONE,
            with_whom=ContactWith.BOTH,
            contact_made=True,
            now=datetime(2026, 11, 23, 18, tzinfo=UTC),
        )
    ctx.commit()
    done = []
    for step in range(80):
        learner = rng.choice(learners)
        action = rng.choice(["check_in", "check_in", "check_in", "assign", "support", "cadence", "delete", "move"])
        if action == "assign":
            mentor = rng.choice(mentors)
            current = mentoring.current_assignment(learner)
            if current is not None and current.mentor_id == mentor.id:
                continue
            start = max(starts.get(learner.id, date(2026, 9, 1)), date(2026, 9, 1) + timedelta(rng.randrange(70)))
            mentoring.assign(admin, learner, mentor, start, confirm_over_limit=True)
            starts[learner.id] = start
        elif action == "check_in":
            day = date(2026, 9, 1) + timedelta(rng.randrange(83))
            at = datetime(day.year, day.month, day.day, rng.choice([0, 9, 23]), 30, tzinfo=UTC)
            mentoring.record_check_in(
                admin,
                learner,
                occurred_at=at,
                method=ContactMethod.PHONE,
                with_whom=ContactWith.BOTH,
                contact_made=rng.random() < 0.8,
                now=datetime(2026, 11, 23, 18, tzinfo=UTC),
            )
        elif action == "support":
            mentoring.set_support(admin, learner, rng.choice(list(SupportLevel)), rng.choice([None, 2, 10]))
        elif action == "cadence":
            mentoring.set_cadence_defaults(admin, {level: rng.randrange(1, 15) for level in SupportLevel})
        elif action in ("delete", "move"):
            check_in = ctx.scalars(select(CheckIn).where(CheckIn.learner_id == learner.id).limit(1)).first()
            if check_in is None:
                continue
            if action == "delete":
                ctx.delete(check_in)
            else:
                check_in.occurred_at -= timedelta(days=rng.randrange(1, 20))
        ctx.commit()
        done.append(action)
        for someone in learners:
            assert stored(ctx, someone) == recount(ctx, someone), (step, action)
            # the learners without a mentor are found by their missing due day (``unassigned_learners``)
            assert (stored(ctx, someone)[1] is None) == (mentoring.current_assignment(someone) is None), (step, action)
    assert {"check_in", "assign", "support", "cadence", "delete", "move"} <= set(done)
    assert any(stored(ctx, someone)[1] is not None for someone in learners)
    assert any(v for someone in learners for v in stored(ctx, someone)[2].values())  # some were late


def test_the_scheduled_job_fills_in_figures_missing_after_a_bulk_change(ctx):
    admin, mentor = UserFactory(roles=[Role.ADMIN]), UserFactory(roles=[Role.MENTOR])
    learner = LearnerFactory(enrolled=date(2026, 9, 1))
    mentoring.assign(admin, learner, mentor, date(2026, 11, 2))
    mentoring.record_check_in(
        mentor,
        learner,
        occurred_at=datetime(2026, 11, 5, 10, tzinfo=UTC),
        method=ContactMethod.VIDEO,
        with_whom=ContactWith.LEARNER,
        contact_made=True,
        now=datetime(2026, 11, 23, 10, tzinfo=UTC),
    )
    ctx.commit()
    expected = stored(ctx, learner)
    assert expected[:2] == (date(2026, 11, 5), date(2026, 11, 12))
    # rows written before the figures were kept (or by a bulk insert): nothing stored
    ctx.execute(update(Learner).values(last_contact_on=None, contact_due_on=None))
    ctx.execute(update(CheckIn).values(days_late=None))
    ctx.commit()
    assert stale_learners() == [learner.id]
    assert contact_figures() == 1
    assert stored(ctx, learner) == expected
    assert contact_figures() == 0  # level-triggered: nothing left to fill in


def test_no_due_day_is_kept_exactly_while_a_learner_has_no_mentor(ctx):
    """What ``unassigned_learners`` reads: a learner whose mentor's assignment ends (on leaving) has no due day,
    and is waiting for a mentor again when re-enrolled."""
    admin, mentor = UserFactory(roles=[Role.ADMIN]), UserFactory(roles=[Role.MENTOR])
    learner = LearnerFactory(enrolled=date(2026, 9, 1))
    waiting = set(ctx.scalars(mentoring.unassigned_learners(TODAY)))
    assert learner in waiting and learner.contact_due_on is None
    mentoring.assign(admin, learner, mentor, date(2026, 9, 1))
    ctx.commit()
    assert stored(ctx, learner)[1] == date(2026, 9, 1)
    assert learner not in set(ctx.scalars(mentoring.unassigned_learners(TODAY)))
    families.withdraw(admin, learner, date(2026, 10, 1), WithdrawalReason.RETURNED_TO_SCHOOL)
    ctx.commit()
    assert stored(ctx, learner)[1] is None and mentoring.current_assignment(learner) is None
    families.re_enrol(admin, learner, date(2026, 11, 2), learner.locality)
    ctx.commit()
    assert learner in set(ctx.scalars(mentoring.unassigned_learners(TODAY)))
