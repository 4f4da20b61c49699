"""Termly progress reports: what the report gathers for a hand-built learner (checked in the PDF's text), the
mentor's comment, publishing (each family emailed once, through a real SMTP server) and the bounded number of
queries per report."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import event, func, select

from tests.exams_objects import exam_objects
from tests.factories import (
    GoalFactory,
    GuardianFactory,
    LearnerFactory,
    LearningPlanFactory,
    LogEntryFactory,
    UserFactory,
)
from virtualacademy import clock, mail
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    Attendance,
    AttendanceMark,
    Booking,
    BookingState,
    CheckIn,
    ContactMethod,
    ContactWith,
    EntryState,
    Event,
    EventType,
    ExamEntry,
    Exhibition,
    ExhibitionMode,
    GoalReview,
    GoalStatus,
    LearningPlan,
    Notification,
    PlanReview,
    ProgressReport,
    Role,
)
from virtualacademy.services import mentoring, progress_reports
from virtualacademy.services.learning_log.attendance import term_from_key

SPRING = term_from_key("2027-spring")


def london(day: date, hour: int = 10) -> datetime:
    return clock.london_midnight(day) + timedelta(hours=hour)


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def build_learner(ctx, name: str = "Robin Example") -> dict:
    """A learner with one of everything a spring 2027 report shows, and some things from other terms that it
    must leave out."""
    learner = LearnerFactory(legal_name=name, preferred_name="Robbie", enrolled=date(2026, 9, 1))
    guardian = GuardianFactory(family=learner.family).user
    admin = UserFactory(roles=[Role.ADMIN])
    mentor = UserFactory(roles=[Role.MENTOR], name="Mo Mentor")
    mentoring.assign(admin, learner, mentor, date(2026, 9, 1))
    plan = LearningPlanFactory(learner=learner)
    romans = GoalFactory(plan=plan, title="Finish the Romans project", status=GoalStatus.ACHIEVED)
    GoalFactory(plan=plan, title="Swim 400 metres", status=GoalStatus.WORKING_ON_IT)
    review = PlanReview(plan_id=plan.id, held_on=date(2027, 2, 10), next_review_on=date(2027, 3, 24))
    review.goal_reviews.append(
        GoalReview(goal_id=romans.id, progress="Presented the villa model", status=GoalStatus.ACHIEVED)
    )
    ctx.add(review)
    # learning: 3 days in the week of 4 January (2 h + 1 h + 30 min), 1 day in the week of 1 March (45 min);
    # one entry in December, outside the term
    for day, minutes in [
        (date(2027, 1, 4), 120),
        (date(2027, 1, 5), 60),
        (date(2027, 1, 7), 30),
        (date(2027, 3, 1), 45),
    ]:
        LogEntryFactory(learner=learner, on_date=day, minutes=minutes)
    LogEntryFactory(learner=learner, on_date=date(2026, 12, 15), minutes=600)
    # check-ins: two held in the term, one attempt that made no contact, one in the autumn
    for at, made in [
        (london(date(2027, 1, 12)), True),
        (london(date(2027, 2, 9)), True),
        (london(date(2027, 2, 16)), False),
        (london(date(2026, 12, 1)), True),
    ]:
        ctx.add(
            CheckIn(
                learner_id=learner.id,
                mentor_id=mentor.id,
                occurred_at=at,
                method=ContactMethod.VIDEO,
                with_whom=ContactWith.LEARNER,
                contact_made=made,
            )
        )
    ctx.add(
        Exhibition(
            learner_id=learner.id,
            held_on=date(2027, 2, 20),
            mode=ExhibitionMode.IN_PERSON,
            where="Doncaster Central Library",
        )
    )
    for title, day, mark in [
        ("Rock pooling at Filey", date(2027, 1, 20), AttendanceMark.PRESENT),
        ("Pottery workshop", date(2027, 2, 3), AttendanceMark.ABSENT),
        ("Christmas social", date(2026, 12, 18), AttendanceMark.PRESENT),
    ]:
        starts = london(day)
        outing = Event(
            title=title,
            event_type=EventType.TRIP,
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            capacity=10,
            booking_closes_at=starts,
            cancel_closes_at=starts,
            locality_id=learner.locality_id,
        )
        ctx.add(outing)
        ctx.flush()
        booking = Booking(
            event_id=outing.id, family_id=learner.family_id, learner_id=learner.id, state=BookingState.BOOKED
        )
        ctx.add(booking)
        ctx.flush()
        ctx.add(Attendance(event_id=outing.id, booking_id=booking.id, learner_id=learner.id, mark=mark))
    ids = exam_objects(learner)
    entry = db.session.get(ExamEntry, ids["exam_entry"])
    entry.state, entry.grade, entry.result_on = EntryState.RESULT_RECORDED, "7", date(2027, 1, 14)
    qualification = entry.qualification.title
    ctx.commit()
    return {"learner": learner, "guardian": guardian, "admin": admin, "mentor": mentor, "qualification": qualification}


@pytest.fixture
def robin(ctx):
    return build_learner(ctx)


def test_the_report_gathers_the_terms_goals_attendance_check_ins_events_and_exams(ctx, robin):
    data = progress_reports.gather(robin["learner"], SPRING)
    assert [(g.title, g.status_label, g.progress) for g in data.goals] == [
        ("Finish the Romans project", "Achieved", "Presented the villa model"),
        ("Swim 400 metres", "Working on it", None),
    ]
    assert (data.attendance.days, data.attendance.minutes) == (4, 255)
    weeks = {w.start: (w.days, w.minutes) for w in data.attendance.weeks}
    assert weeks[date(2027, 1, 4)] == (3, 210) and weeks[date(2027, 3, 1)] == (1, 45)
    assert data.attendance.until == date(2027, 3, 2)
    assert [c.on for c in data.check_ins] == [date(2027, 1, 12), date(2027, 2, 9)]
    assert [e.what for e in data.events] == ["Rock pooling at Filey"]
    assert [e.on for e in data.exhibitions] == [date(2027, 2, 20)]
    assert [(e.qualification, e.grade) for e in data.exams] == [(robin["qualification"], "7")]
    assert data.mentor_name == "Mo Mentor" and data.comment is None


def test_the_pdf_says_what_the_term_held_and_the_mentors_comment(ctx, robin):
    progress_reports.save_comment(robin["mentor"], robin["learner"], SPRING, "Robbie has grown in confidence.")
    ctx.commit()
    text = text_of(progress_reports.render(robin["learner"], SPRING))
    assert "Termly progress report" in text.replace("TERMLY PROGRESS REPORT", "Termly progress report")
    assert "Robin Example" in text and "Spring term 2027" in text
    assert "Draft: not yet published" in text
    assert "Finish the Romans project" in text and "Presented the villa model" in text and "Swim 400 metres" in text
    assert "1 of 2" in text  # goals achieved
    assert "Learning was logged on 4 days, 4.2 hours in all" in text
    assert "4 January 2027 to 10 January 2027 3 3.5" in text  # the week's days and hours
    assert "2 check-ins held this term: 12 January 2027 (video call), 9 February 2027 (video call)." in text
    assert "Rock pooling at Filey" in text and "Pottery workshop" not in text and "Christmas social" not in text
    assert "Exhibition of their learning" in text and "Doncaster Central Library" in text
    assert robin["qualification"] in text and "7 (14 January 2027)" in text
    assert "Robbie has grown in confidence." in text and "Mo Mentor, mentor" in text


def test_gathering_a_report_takes_a_fixed_number_of_queries(app, ctx, robin):
    def count() -> int:
        statements = []

        def seen(*_args):
            statements.append(1)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", seen)
        try:
            db.session.expire_all()
            learner = db.session.get(type(robin["learner"]), robin["learner"].id)
            progress_reports.gather(learner, SPRING)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        return len(statements)

    before = count()
    learner = robin["learner"]
    plan = ctx.scalar(select(LearningPlan).where(LearningPlan.learner_id == learner.id))
    for n in range(5):  # more goals, learning days and check-ins: the same number of queries
        GoalFactory(plan=plan, title=f"Goal {n}")
        LogEntryFactory(learner=learner, on_date=date(2027, 2, 1 + n), minutes=30)
        ctx.add(
            CheckIn(
                learner_id=learner.id,
                occurred_at=london(date(2027, 2, 20 + n)),
                method=ContactMethod.VIDEO,
                with_whom=ContactWith.LEARNER,
            )
        )
    ctx.commit()
    assert count() == before <= 12


def test_only_the_mentor_or_an_admin_writes_the_comment_and_it_is_checked(ctx, robin):
    learner = robin["learner"]
    with pytest.raises(NotAllowed):
        progress_reports.save_comment(robin["guardian"], learner, SPRING, "Lovely term")
    with pytest.raises(NotAllowed):
        progress_reports.save_comment(UserFactory(roles=[Role.MENTOR]), learner, SPRING, "Lovely term")
    with pytest.raises(ValidationError, match="Write the comment"):
        progress_reports.save_comment(robin["mentor"], learner, SPRING, "   ")
    with pytest.raises(ValidationError, match="characters or fewer"):
        progress_reports.save_comment(robin["mentor"], learner, SPRING, "x" * (progress_reports.COMMENT_MAX + 1))
    with pytest.raises(ValidationError, match="has not begun"):
        progress_reports.save_comment(robin["mentor"], learner, term_from_key("2027-summer"), "Too soon")
    progress_reports.save_comment(robin["mentor"], learner, SPRING, "First go")
    report = progress_reports.save_comment(robin["admin"], learner, SPRING, "Second go")
    ctx.commit()
    assert ctx.scalar(select(func.count()).select_from(ProgressReport)) == 1
    assert (report.comment, report.comment_by_id) == ("Second go", robin["admin"].id)


def test_terms_in_addresses(ctx):
    assert progress_reports.term_or_none("2027-spring") == SPRING
    assert progress_reports.term_or_none("2026-autumn").name == "Autumn term 2026"
    for bad in ["9999-winter", "2027-summer", "spring", "", None, "99999999999999999999999-spring", "2027-"]:
        assert progress_reports.term_or_none(bad) is None


def test_publishing_emails_each_family_once_and_counts_the_comments(app, ctx, robin, smtp_server):
    other = build_learner(ctx, "Sasha Other")
    leaver = LearnerFactory(enrolled=date(2027, 4, 20))  # not on roll in the spring term
    GuardianFactory(family=leaver.family)
    progress_reports.save_comment(robin["mentor"], robin["learner"], SPRING, "A strong term.")
    ctx.commit()
    summary = progress_reports.publish_summary(SPRING)
    assert (summary.learners, summary.with_comment, summary.published) == (2, 1, 0)
    with pytest.raises(NotAllowed):
        progress_reports.publish(robin["mentor"], SPRING)
    assert progress_reports.publish(robin["admin"], SPRING) == 2
    ctx.commit()
    assert progress_reports.publish(robin["admin"], SPRING) == 0  # publishing again tells nobody again
    ctx.commit()
    summary = progress_reports.publish_summary(SPRING)
    assert (summary.learners, summary.with_comment, summary.published) == (2, 1, 2)
    mail.deliver_pending(clock.now() + timedelta(minutes=1))
    mail.deliver_pending(clock.now() + timedelta(minutes=2))
    sent = [m for m in smtp_server.messages if "progress report" in m["Subject"]]
    to_robin = [m for m in sent if m["To"] == robin["guardian"].email]
    assert len(to_robin) == 1
    assert "Robbie’s progress report for the spring term 2027 is ready" in to_robin[0]["Subject"]
    assert "/reports/" in to_robin[0].get_content()
    assert [m["To"] for m in sent if m["To"] != robin["guardian"].email] == [other["guardian"].email]
    assert ctx.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "progress_report")) == 2
    # the family now sees the report in their list; the draft mark is gone
    listed = ctx.scalars(progress_reports.family_reports(robin["guardian"])).all()
    assert [r.learner_id for r in listed] == [robin["learner"].id]
    assert "Draft" not in text_of(progress_reports.render(robin["learner"], SPRING))


def test_a_mentors_list_and_dashboard_count(ctx, robin):
    due = progress_reports.reports_due(robin["mentor"])
    assert (due.term, due.learners, due.to_write) == (SPRING, 1, 1)
    progress_reports.save_comment(robin["mentor"], robin["learner"], SPRING, "Done")
    ctx.commit()
    assert progress_reports.reports_due(robin["mentor"]).to_write == 0
    assert ctx.scalars(progress_reports.caseload_reports(robin["mentor"], SPRING)).all() == [robin["learner"]]
    assert ctx.scalars(progress_reports.caseload_reports(UserFactory(roles=[Role.MENTOR]), SPRING)).all() == []
    assert progress_reports.reports_due(robin["mentor"], date(2027, 1, 20)) is None  # early in the term: not due
