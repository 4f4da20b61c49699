"""The learning log: entries and their rules, the 14-day edit lock and the mentor's correction, attendance in
learning (checked against numbers worked out by hand), the gap job over simulated days, and the log's part of
a subject-access export and erasure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import (
    GuardianFactory,
    LearnerFactory,
    LogEntryFactory,
    SubjectAreaFactory,
    UserFactory,
    many_learners,
)
from virtualacademy import clock
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.jobs import JOBS
from virtualacademy.models import (
    ActivityType,
    AuditEvent,
    Goal,
    Learner,
    LearningPlan,
    LocalityRole,
    LocalityStaff,
    LogEntry,
    Notification,
    OutboxMessage,
    Role,
    WithdrawalReason,
)
from virtualacademy.policies import can
from virtualacademy.services import families, learning_log, mentoring
from virtualacademy.services.learning_log import LogInput, Season, Term, WeekAttendance, weekly_attendance

TODAY = date(2026, 11, 18)  # a Wednesday in the autumn term


@pytest.fixture
def family(ctx):
    """Robin (enrolled 1 September 2026) with a guardian, a mentor, a coordinator, an admin and two subject areas."""
    learner = LearnerFactory(legal_name="Robin Example", preferred_name="Robbie", enrolled=date(2026, 9, 1))
    guardian = GuardianFactory(family=learner.family).user
    admin = UserFactory(roles=[Role.ADMIN])
    mentor = UserFactory(roles=[Role.MENTOR], name="Mo Mentor")
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    ctx.add(LocalityStaff(user_id=coordinator.id, locality_id=learner.locality_id, role=LocalityRole.COORDINATOR))
    mentoring.assign(admin, learner, mentor, date(2026, 9, 1))
    maths = SubjectAreaFactory(name="Maths", position=1)
    sciences = SubjectAreaFactory(name="Sciences", position=2)
    ctx.commit()
    return {
        "learner": learner,
        "guardian": guardian,
        "admin": admin,
        "mentor": mentor,
        "coordinator": coordinator,
        "maths": maths,
        "sciences": sciences,
    }


def entry(f, on: date, minutes: int = 60, **changes) -> LogInput:
    return LogInput(
        on_date=on,
        minutes=minutes,
        activity=changes.get("activity", ActivityType.PROJECT_WORK),
        subject_ids=changes.get("subject_ids", [f["maths"].id]),
        description=changes.get("description", "Measured the garden and drew it to scale."),
        goal_id=changes.get("goal_id"),
    )


def count_entries(ctx) -> int:
    return ctx.scalar(select(func.count()).select_from(LogEntry))


# --- logging learning, and what is refused ---------------------------------------------------------


def test_a_guardian_logs_learning_with_subjects_and_the_learner_and_mentor_can_too(ctx, family):
    f = family
    logged = learning_log.add_entry(f["guardian"], f["learner"], entry(f, TODAY, 90), today=TODAY)
    assert (logged.minutes, logged.on_date, [s.name for s in logged.subjects]) == (90, TODAY, ["Maths"])
    assert logged.created_by_id == f["guardian"].id and logged.corrected_by_id is None
    learning_log.add_entry(f["mentor"], f["learner"], entry(f, TODAY, 30), today=TODAY)
    assert learning_log.minutes_logged_on(f["learner"], TODAY) == 120


@pytest.mark.parametrize(
    ("change", "message", "field"),
    [
        ({"on": TODAY + timedelta(days=1)}, "must be today or in the past", "on_date"),
        ({"minutes": 0}, "Enter how long the learning took", "hours"),
        ({"minutes": 24 * 60 + 1}, "One entry cannot be more than 24 hours", "hours"),
        ({"subject_ids": []}, "Select at least one subject area", "subjects"),
        ({"description": "   "}, "Describe the learning", "description"),
        ({"description": "x" * 501}, "500 characters or fewer", "description"),
        ({"activity": None}, "Select the type of activity", "activity"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(ctx, family, change, message, field):
    f = family
    before = count_entries(ctx)
    data = entry(f, change.pop("on", TODAY), change.pop("minutes", 60), **change)
    with pytest.raises(ValidationError, match=message) as refused:
        learning_log.add_entry(f["guardian"], f["learner"], data, today=TODAY)
    assert refused.value.field == field
    ctx.rollback()
    assert count_entries(ctx) == before


def test_a_day_holds_at_most_24_hours_and_the_refusal_names_the_total(ctx, family):
    f = family
    learning_log.add_entry(f["guardian"], f["learner"], entry(f, TODAY, 20 * 60), today=TODAY)
    learning_log.add_entry(f["guardian"], f["learner"], entry(f, TODAY, 4 * 60), today=TODAY)  # exactly 24 hours
    ctx.commit()
    with pytest.raises(ValidationError) as refused:
        learning_log.add_entry(f["guardian"], f["learner"], entry(f, TODAY, 1), today=TODAY)
    assert "24 hours 1 minute of learning logged on Wednesday 18 November 2026" in refused.value.message
    assert "(24 hours is logged already)" in refused.value.message
    ctx.rollback()
    # The next day is a new day.
    learning_log.add_entry(f["guardian"], f["learner"], entry(f, TODAY - timedelta(days=1), 60), today=TODAY)
    # Changing an entry counts the day without the entry itself.
    first = ctx.scalars(select(LogEntry).where(LogEntry.minutes == 20 * 60)).one()
    learning_log.update_entry(f["guardian"], first, entry(f, TODAY, 20 * 60), today=TODAY)
    with pytest.raises(ValidationError, match="24 hours 30 minutes"):
        learning_log.update_entry(f["guardian"], first, entry(f, TODAY, 20 * 60 + 30), today=TODAY)


def test_a_goal_must_be_from_the_learners_own_plan(ctx, family):
    f = family
    other = LearnerFactory()
    plan = LearningPlan(learner_id=other.id)
    ctx.add(plan)
    ctx.flush()
    theirs = Goal(plan_id=plan.id, title="Someone else's goal")
    ours_plan = LearningPlan(learner_id=f["learner"].id)
    ctx.add_all([theirs, ours_plan])
    ctx.flush()
    ours = Goal(plan_id=ours_plan.id, title="Grow tomatoes")
    ctx.add(ours)
    ctx.flush()
    with pytest.raises(ValidationError, match="Choose one of the learner's goals"):
        learning_log.add_entry(f["guardian"], f["learner"], entry(f, TODAY, goal_id=theirs.id), today=TODAY)
    logged = learning_log.add_entry(f["guardian"], f["learner"], entry(f, TODAY, goal_id=ours.id), today=TODAY)
    assert logged.goal_id == ours.id


def test_coordinators_read_but_do_not_write_and_other_families_do_neither(ctx, family):
    f = family
    stranger = GuardianFactory().user
    assert can(f["coordinator"], "log_view", f["learner"]) and not learning_log.may_write(
        f["coordinator"], f["learner"]
    )
    assert not can(stranger, "log_view", f["learner"])
    for who in (f["coordinator"], stranger):
        with pytest.raises(NotAllowed):
            learning_log.add_entry(who, f["learner"], entry(f, TODAY), today=TODAY)


def test_a_mentor_who_handed_over_can_still_read_for_30_days_but_not_write(ctx, family):
    f = family
    new_mentor = UserFactory(roles=[Role.MENTOR])
    mentoring.assign(f["admin"], f["learner"], new_mentor, clock.today())
    old = f["mentor"]
    assert can(old, "log_view", f["learner"])
    assert not learning_log.may_write(old, f["learner"]) and not learning_log.may_correct(old, f["learner"])
    assert learning_log.may_correct(new_mentor, f["learner"])


# --- the 14-day edit window, and the mentor's correction ----------------------------------------------


def test_the_family_can_change_an_entry_for_14_days_then_only_the_mentor_corrects_it_on_the_record(ctx, family):
    f = family
    day = date(2026, 11, 2)
    logged = learning_log.add_entry(f["guardian"], f["learner"], entry(f, day, 60), today=day)
    # Day 14 after: still the family's to change.
    learning_log.update_entry(f["guardian"], logged, entry(f, day, 75), today=day + timedelta(days=14))
    assert logged.minutes == 75 and logged.corrected_by_id is None
    # Day 15: locked for the family (and the learner), for changing and for deleting.
    later = day + timedelta(days=15)
    assert learning_log.is_locked(logged, later)
    with pytest.raises(NotAllowed, match="locked"):
        learning_log.update_entry(f["guardian"], logged, entry(f, day, 90), today=later)
    with pytest.raises(NotAllowed, match="locked"):
        learning_log.delete_entry(f["guardian"], logged, today=later)
    assert not learning_log.may_edit(f["guardian"], logged, later)
    # The mentor corrects it: who and when are on the entry, and the before and after in the audit log.
    assert learning_log.may_edit(f["mentor"], logged, later)
    learning_log.update_entry(f["mentor"], logged, entry(f, day, 90, activity=ActivityType.TUTORING), today=later)
    assert (logged.minutes, logged.activity, logged.corrected_by_id) == (90, ActivityType.TUTORING, f["mentor"].id)
    assert logged.corrected_at is not None
    event = ctx.scalars(select(AuditEvent).where(AuditEvent.action == "learning.log_corrected")).one()
    assert event.actor_id == f["mentor"].id
    assert event.detail["before"]["minutes"] == 75 and event.detail["after"]["minutes"] == 90
    assert event.detail["after"]["activity"] == "tutoring"


def test_learning_older_than_14_days_is_logged_only_by_the_mentor_as_a_correction(ctx, family):
    f = family
    old_day = TODAY - timedelta(days=15)
    with pytest.raises(ValidationError, match="from the last 14 days"):
        learning_log.add_entry(f["guardian"], f["learner"], entry(f, old_day), today=TODAY)
    ok = learning_log.add_entry(f["guardian"], f["learner"], entry(f, TODAY - timedelta(days=14)), today=TODAY)
    assert ok.corrected_by_id is None
    late = learning_log.add_entry(f["mentor"], f["learner"], entry(f, old_day), today=TODAY)
    assert late.corrected_by_id == f["mentor"].id
    assert ctx.scalar(select(func.count()).where(AuditEvent.action == "learning.log_corrected")) == 1


def test_a_locked_entry_deleted_by_the_mentor_is_audited(ctx, family):
    f = family
    logged = LogEntryFactory(learner=f["learner"], on_date=TODAY - timedelta(days=20), subjects=[f["maths"]])
    learning_log.delete_entry(f["mentor"], logged, today=TODAY)
    event = ctx.scalars(select(AuditEvent).where(AuditEvent.action == "learning.log_deleted")).one()
    assert event.detail["before"]["minutes"] == 60


# --- attendance in learning, worked out by hand ---------------------------------------------------------


def test_terms_are_fixed_autumn_spring_and_summer():
    assert learning_log.term_of(date(2026, 9, 1)) == Term(2026, Season.AUTUMN)
    assert learning_log.term_of(date(2026, 12, 31)) == Term(2026, Season.AUTUMN)
    assert learning_log.term_of(date(2027, 1, 1)) == Term(2027, Season.SPRING)
    assert learning_log.term_of(date(2027, 3, 31)).season is Season.SPRING
    assert learning_log.term_of(date(2027, 4, 1)).season is Season.SUMMER
    assert learning_log.term_of(date(2027, 8, 31)).season is Season.SUMMER
    autumn = Term(2026, Season.AUTUMN)
    assert (autumn.start, autumn.end, autumn.key, autumn.name) == (
        date(2026, 9, 1),
        date(2026, 12, 31),
        "2026-autumn",
        "Autumn term 2026",
    )
    assert autumn.next == Term(2027, Season.SPRING) and autumn.previous == Term(2026, Season.SUMMER)
    assert learning_log.term_from_key("2026-autumn") == autumn
    assert learning_log.term_from_key("2026-winter") is None and learning_log.term_from_key("x") is None


def test_weekly_attendance_by_hand():
    """Autumn 2026 starts on Tuesday 1 September, so its first week is a part-week (1 to 6 September).

    - Mon 31 Aug, 60 min: before the term, not counted.
    - Tue 1 Sep, 60 + 30 min: one day, 90 min.
    - Sun 6 Sep, 45 min: the same week (weeks run Monday to Sunday).       -> week 1: 2 days, 135 min
    - Mon 7 Sep, 120 min; Sun 13 Sep, 1440 min (a full 24 hours).          -> week 2: 2 days, 1560 min
    - nothing from 14 to 20 September.                                      -> week 3: 0 days, 0 min
    - Mon 21 Sep 30 min, Tue 22 Sep 30 min, Wed 23 Sep 30 min.              -> week 4 (to Wed 23): 3 days, 90 min
    """
    entries = [
        (date(2026, 8, 31), 60),
        (date(2026, 9, 1), 60),
        (date(2026, 9, 1), 30),
        (date(2026, 9, 6), 45),
        (date(2026, 9, 7), 120),
        (date(2026, 9, 13), 1440),
        (date(2026, 9, 21), 30),
        (date(2026, 9, 22), 30),
        (date(2026, 9, 23), 30),
    ]
    weeks = weekly_attendance(entries, date(2026, 9, 1), date(2026, 9, 23))
    assert weeks == [
        WeekAttendance(date(2026, 9, 1), date(2026, 9, 6), 2, 135),
        WeekAttendance(date(2026, 9, 7), date(2026, 9, 13), 2, 1560),
        WeekAttendance(date(2026, 9, 14), date(2026, 9, 20), 0, 0),
        WeekAttendance(date(2026, 9, 21), date(2026, 9, 23), 3, 90),
    ]
    assert [w.partial for w in weeks] == [True, False, False, True]
    assert weekly_attendance(entries, date(2026, 9, 10), date(2026, 9, 1)) == []


def test_term_attendance_from_the_log_matches_the_hand_count(ctx, family):
    """The same entries through the database; "today" is Wednesday 23 September, so the term's weeks stop there."""
    f = family
    learner = f["learner"]
    for day, minutes in [
        (date(2026, 8, 31), 60),
        (date(2026, 9, 1), 60),
        (date(2026, 9, 1), 30),
        (date(2026, 9, 6), 45),
        (date(2026, 9, 7), 120),
        (date(2026, 9, 13), 1440),
        (date(2026, 9, 21), 30),
        (date(2026, 9, 22), 30),
        (date(2026, 9, 23), 30),
    ]:
        LogEntryFactory(learner=learner, on_date=day, minutes=minutes, subjects=[f["maths"]])
    result = learning_log.term_attendance(learner, Term(2026, Season.AUTUMN), today=date(2026, 9, 23))
    assert [(w.start, w.days, w.minutes) for w in result.weeks] == [
        (date(2026, 9, 1), 2, 135),
        (date(2026, 9, 7), 2, 1560),
        (date(2026, 9, 14), 0, 0),
        (date(2026, 9, 21), 3, 90),
    ]
    assert (result.days, result.minutes, result.until) == (7, 1785, date(2026, 9, 23))
    assert result.average_days == pytest.approx(7 / 4)
    # The summer term before holds only 31 August (a Monday): one week, one day.
    summer = learning_log.term_attendance(learner, Term(2026, Season.SUMMER), today=date(2026, 9, 23))
    assert (summer.weeks[-1].start, summer.weeks[-1].days, summer.minutes) == (date(2026, 8, 31), 1, 60)
    # A term that has not started has no weeks.
    assert learning_log.term_attendance(learner, Term(2027, Season.SPRING), today=date(2026, 9, 23)).weeks == []


def test_the_week_view_groups_entries_by_day_with_totals(ctx, family):
    f = family
    learner = f["learner"]
    LogEntryFactory(learner=learner, on_date=date(2026, 11, 16), minutes=45, subjects=[f["maths"]])
    LogEntryFactory(learner=learner, on_date=date(2026, 11, 16), minutes=30, subjects=[f["sciences"]])
    LogEntryFactory(learner=learner, on_date=date(2026, 11, 22), minutes=120, subjects=[f["maths"]])
    LogEntryFactory(learner=learner, on_date=date(2026, 11, 23), minutes=999, subjects=[f["maths"]])  # next week
    shown = learning_log.week(learner, date(2026, 11, 18))
    assert shown.start == date(2026, 11, 16) and shown.end == date(2026, 11, 22)
    assert [d.minutes for d in shown.days] == [75, 0, 0, 0, 0, 0, 120]
    assert (shown.days_with_learning, shown.minutes) == (2, 195)


def test_hours_by_subject_share_an_entry_between_its_subjects_and_add_up(ctx, family):
    f = family
    learner = f["learner"]
    LogEntryFactory(learner=learner, on_date=date(2026, 10, 1), minutes=45, subjects=[f["sciences"], f["maths"]])
    LogEntryFactory(learner=learner, on_date=date(2026, 10, 2), minutes=60, subjects=[f["maths"]])
    LogEntryFactory(
        learner=learner,
        on_date=date(2026, 10, 3),
        minutes=30,
        subjects=[f["sciences"]],
        activity=ActivityType.MUSEUM_OR_GALLERY,
    )
    by_subject = learning_log.hours_by_subject(learner, date(2026, 9, 1), date(2026, 12, 31))
    # 45 minutes shared: Maths (position 1) gets 23, Sciences 22.  Maths 23 + 60 = 83; Sciences 22 + 30 = 52.
    assert [(b.label, b.minutes) for b in by_subject] == [("Maths", 83), ("Sciences", 52)]
    assert sum(b.minutes for b in by_subject) == 135
    by_activity = learning_log.hours_by_activity(learner, date(2026, 9, 1), date(2026, 12, 31))
    assert [(b.label, b.minutes) for b in by_activity] == [("Project work", 105), ("Museum or gallery", 30)]
    assert learning_log.hours_by_subject(learner, date(2026, 10, 2), date(2026, 10, 2))[0].minutes == 60


def test_durations_read_naturally():
    assert learning_log.duration(90) == "1 hour 30 minutes"
    assert learning_log.duration(45) == "45 minutes"
    assert learning_log.duration(120) == "2 hours"
    assert learning_log.duration(1441) == "24 hours 1 minute"
    assert learning_log.hours(90) == "1.5"


# --- gaps: the learning-gaps job over simulated days --------------------------------------------------------


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 7, 15, tzinfo=UTC)


def gap_notices(ctx) -> list[Notification]:
    return list(ctx.scalars(select(Notification).where(Notification.kind == "learning_gap").order_by(Notification.id)))


def test_the_gap_job_tells_the_mentor_once_per_gap(ctx, family):
    f = family
    learner = f["learner"]
    run = JOBS["learning-gaps"].func
    # Enrolled on 1 September with nothing logged: 13 days on the 14th, so nothing yet.
    assert run(now=at(date(2026, 9, 14))).flagged == 0
    assert gap_notices(ctx) == []
    # 15 September: 14 days. One notice, to the mentor, linking to the attendance page.
    report = run(now=at(date(2026, 9, 15)))
    assert (report.flagged, report.notified) == (1, 1)
    [notice] = gap_notices(ctx)
    assert notice.user_id == f["mentor"].id
    assert notice.title == "No learning logged for 14 days: Robbie Example"
    assert notice.key == f"learning-gap:{learner.id}:2026-09-01:{f['mentor'].id}"
    assert notice.link == f"/learning/learners/{learner.id}/attendance"
    assert "since Robbie Example was enrolled on 1 September 2026" in notice.body
    # And one email: the mentor's digest for the day, naming the learner.
    [email] = ctx.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("learning-gap-digest:%"))).all()
    assert email.dedupe_key == f"learning-gap-digest:{f['mentor'].id}:2026-09-15"
    assert email.to_address == f["mentor"].email
    assert email.subject == "No learning logged for 14 days: 1 learner"
    assert "- Robbie Example. Nothing has been logged since Robbie Example was enrolled on 1 September" in (
        email.body_text
    )
    # Run again that day, and the next: still one notice (the same gap), and no more email.
    assert run(now=at(date(2026, 9, 15))).notified == 0
    assert run(now=at(date(2026, 9, 16))).notified == 0
    assert len(gap_notices(ctx)) == 1
    # Learning is logged on 16 September: the gap is over; a new one is 14 days later, on 30 September.
    LogEntryFactory(learner=learner, on_date=date(2026, 9, 16), subjects=[f["maths"]])
    assert run(now=at(date(2026, 9, 29))).flagged == 0
    assert run(now=at(date(2026, 9, 30))).notified == 1
    second = gap_notices(ctx)[-1]
    assert second.key == f"learning-gap:{learner.id}:2026-09-16:{f['mentor'].id}"
    assert "Nothing has been logged since 16 September 2026" in second.body
    assert learning_log.gap_of(learner, date(2026, 10, 3)).days == 17
    # A new mentor takes over during the gap: they hear about it too, once.
    new_mentor = UserFactory(roles=[Role.MENTOR])
    mentoring.assign(f["admin"], learner, new_mentor, date(2026, 10, 1))
    assert run(now=at(date(2026, 10, 2))).notified == 1
    assert run(now=at(date(2026, 10, 3))).notified == 0
    assert gap_notices(ctx)[-1].user_id == new_mentor.id


def test_a_mentor_gets_one_digest_email_a_day_for_all_their_newly_flagged_learners(ctx, family):
    f = family
    run = JOBS["learning-gaps"].func
    second = LearnerFactory(legal_name="Ada Lovelace", preferred_name=None, enrolled=date(2026, 9, 1))
    third = LearnerFactory(legal_name="Alan Turing", preferred_name=None, enrolled=date(2026, 9, 3))
    other_mentor = UserFactory(roles=[Role.MENTOR])
    mentoring.assign(f["admin"], second, f["mentor"], date(2026, 9, 1))
    mentoring.assign(f["admin"], third, other_mentor, date(2026, 9, 3))
    LogEntryFactory(learner=second, on_date=date(2026, 9, 2), subjects=[f["maths"]])
    ctx.commit()

    def digests():
        return ctx.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.dedupe_key.like("learning-gap-digest:%"))
            .order_by(OutboxMessage.id)
        ).all()

    # 16 September: Robbie (since 1 Sep) and Ada (since 2 Sep) for Mo; Alan (since 3 Sep) is 13 days in.
    report = run(now=at(date(2026, 9, 16)))
    assert (report.flagged, report.notified, report.emails) == (2, 2, 1)
    [email] = digests()
    assert email.subject == "No learning logged for 14 days: 2 learners"
    assert email.body_text.index("- Ada Lovelace. Nothing has been logged since 2 September 2026.") < (
        email.body_text.index("- Robbie Example.")
    )
    assert "Alan" not in email.body_text
    assert len(gap_notices(ctx)) == 2  # one notification per learner in the notification centre
    # The next day Alan is flagged: his mentor's digest only; nothing again for Mo.
    report = run(now=at(date(2026, 9, 17)))
    assert (report.flagged, report.notified, report.emails) == (3, 1, 1)
    assert [m.to_address for m in digests()] == [f["mentor"].email, other_mentor.email]
    assert (run(now=at(date(2026, 9, 17))).emails, len(digests())) == (0, 2)


def test_the_gap_job_skips_learners_off_roll_or_without_a_mentor(ctx, family):
    f = family
    unassigned = LearnerFactory(enrolled=date(2026, 9, 1))
    families.withdraw(f["admin"], f["learner"], date(2026, 9, 10), WithdrawalReason.RETURNED_TO_SCHOOL)
    report = JOBS["learning-gaps"].func(now=at(date(2026, 10, 15)))
    assert (report.flagged, report.notified) == (0, 0)
    # Flagged or not, a learner without a mentor still shows their gap where staff look.
    assert learning_log.gap_of(unassigned, date(2026, 10, 15)).flagged
    assert learning_log.gap_of(f["learner"], date(2026, 10, 15)) is None  # not on roll


# --- data protection ----------------------------------------------------------------------------------------


def test_the_export_holds_the_log_and_erasure_clears_its_text_but_keeps_the_numbers(ctx, family):
    from virtualacademy.services import data_protection

    f = family
    logged = learning_log.add_entry(f["guardian"], f["learner"], entry(f, TODAY, 50), today=TODAY)
    learning_log.add_entry(f["mentor"], f["learner"], entry(f, TODAY, 10), today=TODAY)
    subject = data_protection.subject(f["learner"].family)
    rows = [r for r in learning_log.export_section(subject) if r["record"] == "learning log entry"]
    assert {r["logged_by"] for r in rows} == {"family member", "academy staff"}
    assert rows[0]["description"] == "Measured the garden and drew it to scale." and rows[0]["subjects"] == ["Maths"]
    assert "created_by_id" not in rows[0] and f["mentor"].name not in str(rows)
    assert learning_log.erase_section(subject) == 2
    assert learning_log.erase_section(subject) == 0  # done once
    assert (logged.description, logged.minutes, logged.on_date) == ("Erased", 50, TODAY)


# --- each learner's stored last logged day -------------------------------------------------------------------


def test_the_stored_last_logged_day_follows_every_change_to_the_log(ctx, family):
    f = family
    learner, guardian = f["learner"], f["guardian"]
    other = LearnerFactory()
    ctx.flush()
    assert learner.last_logged_on is None
    first = learning_log.add_entry(guardian, learner, entry(f, TODAY - timedelta(days=3)), today=TODAY)
    ctx.flush()
    assert learner.last_logged_on == TODAY - timedelta(days=3)
    later = learning_log.add_entry(guardian, learner, entry(f, TODAY - timedelta(days=1)), today=TODAY)
    ctx.flush()
    assert learner.last_logged_on == TODAY - timedelta(days=1)
    # Moving the later entry back, then deleting it, takes the day back with it.
    learning_log.update_entry(guardian, later, entry(f, TODAY - timedelta(days=5)), today=TODAY)
    ctx.flush()
    assert learner.last_logged_on == TODAY - timedelta(days=3)
    learning_log.delete_entry(guardian, first, today=TODAY)
    ctx.flush()
    assert learner.last_logged_on == TODAY - timedelta(days=5)
    learning_log.delete_entry(guardian, later, today=TODAY)
    ctx.commit()
    assert learner.last_logged_on is None
    # Entries made any other way through the ORM count too; another learner is untouched.
    LogEntryFactory(learner=learner, on_date=TODAY, subjects=[f["maths"]])
    assert (learner.last_logged_on, other.last_logged_on) == (TODAY, None)
    # After a bulk insert that bypasses the ORM, refresh_last_logged brings it into step.
    ctx.execute(
        LogEntry.__table__.insert(),
        [{"learner_id": other.id, "on_date": TODAY, "minutes": 30, "activity": "sport", "description": "Swam"}],
    )
    learning_log.refresh_last_logged([other.id])
    ctx.expire(other)
    assert other.last_logged_on == TODAY
    stale = ctx.scalar(
        select(func.count())
        .select_from(Learner)
        .where(Learner.last_logged_on.is_distinct_from(learning_log.last_logged_on_column()))
    )
    assert stale == 0


def test_the_stored_last_logged_day_keeps_step_when_one_flush_changes_more_learners_than_one_statement_may_bind(ctx):
    """The day is set for every learner a flush touched: once all their ids in one IN list. 1,200 learners are more
    than the suite's parameter guard allows in one statement; so is bringing them into step after a bulk insert."""
    locality = LearnerFactory().locality
    ids = many_learners(locality, 1_200, date(2026, 9, 1))
    ctx.add_all(
        LogEntry(learner_id=i, on_date=TODAY, minutes=60, activity=ActivityType.SPORT, description="Swam") for i in ids
    )
    ctx.flush()
    logged = select(func.count()).select_from(Learner).where(Learner.last_logged_on == TODAY)
    assert ctx.scalar(logged) == 1_200
    ctx.execute(
        LogEntry.__table__.insert(),
        [
            {
                "learner_id": i,
                "on_date": TODAY + timedelta(days=1),
                "minutes": 30,
                "activity": "sport",
                "description": "Ran",
            }
            for i in ids
        ],
    )
    learning_log.refresh_last_logged(ids)
    later = select(func.count()).select_from(Learner).where(Learner.last_logged_on == TODAY + timedelta(days=1))
    assert ctx.scalar(later) == 1_200


def test_learning_can_be_logged_on_today_and_the_days_of_the_edit_window_before_it():
    today = date(2027, 3, 2)
    window = learning_log.EDIT_WINDOW_DAYS
    assert learning_log.may_log_on(today, today)
    assert learning_log.may_log_on(today - timedelta(days=window), today)
    assert not learning_log.may_log_on(today - timedelta(days=window + 1), today)
    assert not learning_log.may_log_on(today + timedelta(days=1), today)
