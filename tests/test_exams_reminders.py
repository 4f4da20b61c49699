"""Exam reminders, on a frozen clock: level-triggered (each asks what is due on the day it runs), idempotent (a
second run sends nothing), in a fixed number of statements however many learners."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from tests.factories import (
    CentreSeriesCapacityFactory,
    ExamCentreFactory,
    ExamSeriesFactory,
    GuardianFactory,
    LearnerFactory,
    QualificationFactory,
    ReadinessJudgementFactory,
    UserFactory,
    fund_exams_budget,
)
from tests.statements import counting
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.jobs import JOBS
from virtualacademy.models import (
    ArrangementEvidence,
    ArrangementType,
    EntryState,
    ExamPaper,
    ExamSession,
    MentorAssignment,
    Notification,
    OutboxMessage,
    Readiness,
    Role,
    Tier,
)
from virtualacademy.services.exams import arrangements, entries, reminders


def at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=clock.LONDON)


@pytest.fixture
def world(ctx):
    """A June 2027 series with a maths paper, a centre, an exams officer, and a learner judged ready for maths with a
    mentor, a parent with an account and their own account."""
    officer = UserFactory(roles=[Role.EXAMS_OFFICER])
    series = ExamSeriesFactory(name="June 2027")
    centre = ExamCentreFactory(name="Doncaster College")
    CentreSeriesCapacityFactory(centre=centre, series=series, access_deadline=date(2027, 1, 24))
    maths = QualificationFactory(subject="Mathematics", tiered=True)
    ctx.add(
        ExamPaper(
            qualification_id=maths.id,
            series_id=series.id,
            paper_code="8300/1H",
            title="Paper 1 (non-calculator)",
            tier=Tier.HIGHER,
            sits_on=date(2027, 5, 14),
            session=ExamSession.AM,
            duration_minutes=90,
            room="Sports hall",
        )
    )
    learner = LearnerFactory(legal_name="Ella Jones", preferred_name="Ellie")
    parent = GuardianFactory(family=learner.family).user
    own = UserFactory(roles=[Role.LEARNER])
    learner.user_id = own.id
    mentor = UserFactory(roles=[Role.MENTOR])
    ctx.add(MentorAssignment(learner_id=learner.id, mentor_id=mentor.id, starts_on=date(2026, 9, 1)))
    judgement = ReadinessJudgementFactory(learner=learner, qualification=maths, recommended_tier=Tier.HIGHER)
    fund_exams_budget()
    ctx.flush()
    return officer, series, centre, maths, learner, parent, own, mentor, judgement


def titles(ctx, kind: str) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for n in ctx.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)):
        found.setdefault(n.user_id, []).append(n.title)
    return found


def test_a_ready_learner_without_an_entry_is_flagged_within_21_days_of_the_deadline(ctx, world):
    officer, series, centre, maths, learner, _parent, _own, mentor, _judgement = world
    assert reminders.send_reminders(at(date(2027, 1, 30))).ready_without_entry == 0  # 22 days before
    report = reminders.send_reminders(at(date(2027, 1, 31)))  # 21 days before
    assert report.ready_without_entry == 2
    expected = "Ellie is ready for Mathematics but not entered: June 2027 entries close on 21 February 2027"
    assert titles(ctx, "exam_ready_no_entry") == {officer.id: [expected], mentor.id: [expected]}
    digests = {m.to_address: m for m in ctx.scalars(select(OutboxMessage))}
    assert {officer.email, mentor.email} <= set(digests)
    assert reminders.send_reminders(at(date(2027, 2, 1))).ready_without_entry == 0  # once per judgement and series
    entries.create_entry(officer, learner, maths, series, centre, today=date(2027, 2, 1))
    assert db.session.execute(reminders.ready_without_entry(date(2027, 2, 2))).all() == []
    assert reminders.send_reminders(at(date(2027, 2, 22))).ready_without_entry == 0  # the deadline has passed


def test_not_ready_not_offered_or_off_roll_is_not_flagged(ctx, world):
    _officer, series, _centre, maths, learner, _parent, _own, mentor, _judgement = world
    day = date(2027, 2, 10)
    ReadinessJudgementFactory(learner=learner, qualification=maths, judgement=Readiness.NOT_YET, still_needed="x")
    assert db.session.execute(reminders.ready_without_entry(day)).all() == []
    other = ReadinessJudgementFactory(learner=learner)  # ready, but its qualification has no papers in the series
    assert db.session.execute(reminders.ready_without_entry(day)).all() == []
    ReadinessJudgementFactory(learner=LearnerFactory(enrolled=False), qualification=maths)
    assert db.session.execute(reminders.ready_without_entry(day)).all() == []
    assert other.judgement is Readiness.READY and mentor


def test_a_draft_arrangement_is_flagged_before_the_centres_own_deadline(ctx, world):
    officer, series, centre, maths, learner, _parent, _own, mentor, _judgement = world
    entry = entries.create_entry(officer, learner, maths, series, centre, today=date(2027, 1, 5))
    arrangement = arrangements.add_arrangement(
        officer, learner, series, ArrangementType.EXTRA_TIME_25, ArrangementEvidence.EHCP, entry=entry
    )
    assert reminders.send_reminders(at(date(2027, 1, 9))).arrangement_deadlines == 0  # 15 days before
    assert reminders.send_reminders(at(date(2027, 1, 10))).arrangement_deadlines == 2
    expected = "Apply for 25% extra time for Ellie (June 2027) by 24 January 2027"
    assert titles(ctx, "exam_arrangement_deadline") == {officer.id: [expected], mentor.id: [expected]}
    assert reminders.send_reminders(at(date(2027, 1, 11))).arrangement_deadlines == 0
    arrangements.apply(officer, arrangement, today=date(2027, 1, 11))
    assert db.session.execute(reminders.arrangements_due(date(2027, 1, 12))).all() == []


def test_the_family_hears_once_that_the_statement_of_entry_is_ready(ctx, world):
    officer, series, centre, maths, learner, parent, own, _mentor, _judgement = world
    entry = entries.create_entry(officer, learner, maths, series, centre)
    assert reminders.send_reminders(at(date(2027, 3, 3))).statements == 0  # requested: no candidate number yet
    entries.confirm_entered(officer, entry, "0042", "12345A7000421")
    assert reminders.send_reminders(at(date(2027, 3, 4))).statements == 2
    assert titles(ctx, "exam_statement") == {
        parent.id: ["Ellie’s statement of entry for June 2027 is ready"],
        own.id: ["Your statement of entry for June 2027 is ready"],
    }
    assert reminders.send_reminders(at(date(2027, 3, 5))).statements == 0
    assert {m.to_address for m in ctx.scalars(select(OutboxMessage))} >= {parent.email, own.email}


def test_tomorrows_papers_and_results_day(ctx, world, travel):
    officer, series, centre, maths, learner, parent, own, _mentor, _judgement = world
    entry = entries.create_entry(officer, learner, maths, series, centre)
    entries.confirm_entered(officer, entry, "0042", "12345A7000421")
    assert reminders.send_reminders(at(date(2027, 5, 12))).papers_tomorrow == 0
    assert reminders.send_reminders(at(date(2027, 5, 13))).papers_tomorrow == 2
    assert titles(ctx, "exam_paper_tomorrow") == {
        parent.id: ["Tomorrow: Mathematics Paper 1 (non-calculator) (morning, 1h 30m) at Doncaster College for Ellie"],
        own.id: ["Tomorrow: Mathematics Paper 1 (non-calculator) (morning, 1h 30m) at Doncaster College"],
    }
    assert reminders.send_reminders(at(date(2027, 5, 13), 18)).papers_tomorrow == 0
    travel(at(date(2027, 5, 14), 12))
    entries.mark_sat(officer, entry)
    assert reminders.send_reminders(at(date(2027, 8, 18))).results_day == 0
    assert reminders.send_reminders(at(date(2027, 8, 19))).results_day == 2
    assert titles(ctx, "exam_results_day")[parent.id] == ["Ellie’s June 2027 results are out today"]
    assert reminders.send_reminders(at(date(2027, 8, 20))).results_day == 0


def test_results_day_reminder_sent_late_says_when_they_came_out(ctx, world):
    officer, series, centre, maths, learner, parent, _own, _mentor, _judgement = world
    entry = entries.create_entry(officer, learner, maths, series, centre)
    entries.confirm_entered(officer, entry, "0042", "12345A7000421")
    entry.state = EntryState.SAT
    assert reminders.send_reminders(at(date(2027, 8, 23))).results_day == 2
    assert titles(ctx, "exam_results_day")[parent.id] == ["Ellie’s June 2027 results came out on 19 August 2027"]
    assert reminders.send_reminders(at(date(2027, 8, 27))).results_day == 0  # past the week: not sent at all


def test_the_job_is_registered_and_the_statements_do_not_grow_with_the_learners(ctx, world):
    officer, series, centre, maths, _learner, _parent, _own, mentor, _judgement = world
    with counting() as one:
        assert JOBS["exam-reminders"].func(now=at(date(2027, 2, 1))).ready_without_entry == 2
    for _ in range(6):
        extra = LearnerFactory()
        GuardianFactory(family=extra.family)
        ctx.add(MentorAssignment(learner_id=extra.id, mentor_id=mentor.id, starts_on=date(2026, 9, 1)))
        ReadinessJudgementFactory(learner=extra, qualification=maths, recommended_tier=Tier.HIGHER)
    ctx.flush()
    with counting() as many:
        report = reminders.send_reminders(at(date(2027, 2, 3)))
    assert report.ready_without_entry == 12
    assert len(many) == len(one), (one, many)
