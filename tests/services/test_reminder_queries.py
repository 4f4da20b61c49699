"""The reminder job issues the same number of SQL statements however many learners and mentors there
are (its speed at national scale is measured in bench/reminders.py, not here), and its bulk writes
stay exact when two runs overlap."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, false, func, select, update

from tests.factories import LearnerFactory, LocalityFactory, UserFactory
from tests.statements import counting
from virtualacademy.models import LocalityRole, LocalityStaff, MentorAssignment, Notification, OutboxMessage, Role
from virtualacademy.services import mentoring, notifications

MONDAY = date(2026, 11, 23)


def caseloads(ctx, mentors: int, learners_each: int) -> list[int]:
    """Mentors whose learners are all due: half overdue by three days, half by 20 (escalated)."""
    locality = LocalityFactory()
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    ctx.add(LocalityStaff(user_id=coordinator.id, locality_id=locality.id, role=LocalityRole.COORDINATOR))
    learner_ids = []
    for _ in range(mentors):
        mentor = UserFactory(roles=[Role.MENTOR])
        for n in range(learners_each):
            learner = LearnerFactory(locality=locality, enrolled=date(2026, 9, 1))
            starts = MONDAY - timedelta(days=20 if n % 2 else 3)
            ctx.add(MentorAssignment(learner_id=learner.id, mentor_id=mentor.id, starts_on=starts))
            learner_ids.append(learner.id)
    ctx.flush()
    return learner_ids


def run_twice(ctx) -> tuple[int, int, mentoring.ReminderReport]:
    """Statements for the morning's run, and for a re-run an hour later (which adds nothing)."""
    with counting() as first:
        report = mentoring.send_reminders(datetime(2026, 11, 23, 8, tzinfo=UTC))
    with counting() as again:
        assert mentoring.send_reminders(datetime(2026, 11, 23, 9, tzinfo=UTC)).digests == 0
    # One look for the keys already used: the second look is only for when another run took some meanwhile.
    assert len([s for s in first if s.startswith("SELECT") and "FROM notification" in s]) == 1
    return len(first), len(again), report


def test_the_reminder_job_issues_the_same_statements_for_5_or_20_mentors(ctx):
    UserFactory(roles=[Role.ADMIN])
    small = caseloads(ctx, mentors=5, learners_each=3)
    small_first, small_again, report = run_twice(ctx)
    assert (report.digests, report.escalations) == (5, 5 * 1 * 2)  # one learner in three escalated, to two people
    # By email: a digest per mentor, and one escalation digest each for the coordinator and the admin (not one
    # per learner).
    emails = ctx.scalar(select(func.count()).select_from(OutboxMessage))
    assert (emails, report.escalation_emails) == (5 + 2, 2)

    # Start again with a larger academy: the first set's mentors hand over, and today's output is removed.
    ctx.execute(update(MentorAssignment).where(MentorAssignment.learner_id.in_(small)).values(ends_on=MONDAY))
    ctx.execute(delete(Notification))
    ctx.execute(delete(OutboxMessage))
    caseloads(ctx, mentors=20, learners_each=10)
    large_first, large_again, report = run_twice(ctx)
    assert (report.digests, report.escalations) == (20, 20 * 5 * 2)
    assert ctx.scalar(select(func.count()).select_from(OutboxMessage)) == 20 + 2

    assert small_first == large_first
    assert small_again == large_again
    assert large_again < large_first


def test_a_digest_another_run_wrote_meanwhile_is_neither_counted_nor_mailed_again(ctx, monkeypatch):
    """Two runs at once: this one looked before the other committed, so it tries the same keys."""
    caseloads(ctx, mentors=2, learners_each=1)
    mentor_ids = ctx.scalars(select(MentorAssignment.mentor_id).order_by(MentorAssignment.mentor_id)).all()
    taken = f"checkin-digest:{mentor_ids[0]}:{MONDAY.isoformat()}"
    ctx.add(Notification(user_id=mentor_ids[0], key=taken, kind="checkin_digest", title="From the other run"))
    ctx.flush()
    real_one_of = notifications._one_of
    calls = []

    def blind_first_look(column, values):
        calls.append(values)
        return false() if len(calls) == 1 else real_one_of(column, values)

    monkeypatch.setattr(notifications, "_one_of", blind_first_look)
    report = mentoring.send_reminders(datetime(2026, 11, 23, 8, tzinfo=UTC))
    assert len(calls) == 2  # the second look only because the insert skipped a key
    assert report.digests == 1
    assert ctx.scalar(select(Notification.title).where(Notification.key == taken)) == "From the other run"
    assert ctx.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like("%digest%"))).all() == [
        f"notification:checkin-digest:{mentor_ids[1]}:{MONDAY.isoformat()}"
    ]


def test_the_learning_gaps_job_issues_the_same_statements_for_5_or_20_mentors(ctx):
    from virtualacademy.services import learning_log

    def run(now: datetime) -> tuple[int, learning_log.GapReport]:
        with counting() as statements:
            report = learning_log.flag_gaps(now)
        return len(statements), report

    # Enrolled on 1 September with nothing logged: every learner flagged on 23 November.
    small = caseloads(ctx, mentors=5, learners_each=3)
    small_first, report = run(datetime(2026, 11, 23, 7, tzinfo=UTC))
    assert (report.flagged, report.notified, report.emails) == (15, 15, 5)
    small_again, report = run(datetime(2026, 11, 23, 9, tzinfo=UTC))
    assert (report.notified, report.emails) == (0, 0)

    ctx.execute(update(MentorAssignment).where(MentorAssignment.learner_id.in_(small)).values(ends_on=MONDAY))
    ctx.execute(delete(Notification))
    ctx.execute(delete(OutboxMessage))
    caseloads(ctx, mentors=20, learners_each=10)
    large_first, report = run(datetime(2026, 11, 23, 7, tzinfo=UTC))
    assert (report.notified, report.emails) == (200, 20)
    assert ctx.scalar(select(func.count()).select_from(OutboxMessage)) == 20
    large_again, _ = run(datetime(2026, 11, 23, 9, tzinfo=UTC))
    assert (small_first, small_again) == (large_first, large_again)
