"""The report's data for one learner and term, in a fixed number of queries however many goals, weeks, check-ins,
events or entries there are: one each for the goals, the goals' reviews in the term, the attendance (summed per
day in the database), the check-ins, the exhibitions, the events attended, the exam entries, the report row and
the current mentor."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import (
    Attendance,
    AttendanceMark,
    CheckIn,
    EntryState,
    Event,
    ExamEntry,
    ExamSeries,
    Exhibition,
    Goal,
    GoalReview,
    GoalStatus,
    Learner,
    LearningPlan,
    MentorAssignment,
    PlanReview,
    ProgressReport,
    Qualification,
)
from virtualacademy.models.community import ATTENDANCE_MARK_LABELS
from virtualacademy.models.exams import ENTRY_STATE_LABELS
from virtualacademy.models.learning import GOAL_STATUS_LABELS
from virtualacademy.models.mentoring import CONTACT_METHOD_LABELS
from virtualacademy.services.exhibitions import MODE_LABELS
from virtualacademy.services.learning_log.attendance import Term, TermAttendance, term_attendance
from virtualacademy.services.learning_log.common import _as_date


@dataclass
class GoalProgress:
    title: str
    status: GoalStatus
    status_label: str
    target_date: date | None
    #: What the latest review in the term said about it (None: not reviewed this term).
    progress: str | None = None
    next_steps: str | None = None
    reviewed_on: date | None = None


@dataclass
class CheckInHeld:
    on: date
    method: str


@dataclass
class Attended:
    """An exhibition the learner gave, or a community event they were marked at."""

    on: date
    what: str
    detail: str


@dataclass
class ExamLine:
    qualification: str
    series: str
    state: str
    grade: str | None
    result_on: date | None


@dataclass
class ReportData:
    learner: Learner
    term: Term
    issued_on: date
    goals: list[GoalProgress]
    attendance: TermAttendance
    check_ins: list[CheckInHeld]
    exhibitions: list[Attended]
    events: list[Attended]
    exams: list[ExamLine]
    report: ProgressReport | None
    mentor_name: str | None
    comment_author: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def comment(self) -> str | None:
        return self.report.comment if self.report is not None else None

    @property
    def published(self) -> bool:
        return self.report is not None and self.report.published_at is not None

    @property
    def goals_achieved(self) -> int:
        return sum(1 for g in self.goals if g.status is GoalStatus.ACHIEVED)


def _moments(term: Term) -> tuple[datetime, datetime]:
    """The term as [first instant, instant after the last day), London days."""
    return clock.london_midnight(term.start), clock.london_midnight(term.end + timedelta(days=1))


def _goals(learner: Learner, term: Term, began: datetime) -> list[GoalProgress]:
    goals = db.session.scalars(
        select(Goal)
        .join(LearningPlan, LearningPlan.id == Goal.plan_id)
        .where(LearningPlan.learner_id == learner.id, or_(Goal.archived_at.is_(None), Goal.archived_at >= began))
        .order_by(Goal.id)
    ).all()
    found = {g.id: GoalProgress(g.title, g.status, GOAL_STATUS_LABELS[g.status], g.target_date) for g in goals}
    if not found:
        return []
    reviews = db.session.execute(
        select(GoalReview.goal_id, GoalReview.progress, GoalReview.next_steps, PlanReview.held_on)
        .join(PlanReview, PlanReview.id == GoalReview.review_id)
        .join(LearningPlan, LearningPlan.id == PlanReview.plan_id)
        .where(LearningPlan.learner_id == learner.id, PlanReview.held_on >= term.start, PlanReview.held_on <= term.end)
        .order_by(PlanReview.held_on, PlanReview.id)
    )
    for goal_id, progress, next_steps, held_on in reviews:  # the latest review of each goal wins
        goal = found.get(goal_id)
        if goal is not None:
            goal.progress, goal.next_steps, goal.reviewed_on = progress, next_steps, _as_date(held_on)
    return list(found.values())


def _exam_line(title: str, series: str, state: EntryState, grade: str | None, result_on, term: Term) -> ExamLine:
    """An entry as the report shows it: its grade once the result is out (by the end of the term)."""
    if grade and result_on is not None and result_on <= term.end:
        return ExamLine(title, series, "Result", grade, result_on)
    shown = EntryState.SAT if state is EntryState.RESULT_RECORDED else state
    return ExamLine(title, series, ENTRY_STATE_LABELS[shown], None, None)


def _check_ins(learner: Learner, began: datetime, ended: datetime) -> list[CheckInHeld]:
    return [
        CheckInHeld(clock.london(at).date(), CONTACT_METHOD_LABELS[method])
        for at, method in db.session.execute(
            select(CheckIn.occurred_at, CheckIn.method)
            .where(
                CheckIn.learner_id == learner.id,
                CheckIn.contact_made.is_(True),
                CheckIn.occurred_at >= began,
                CheckIn.occurred_at < ended,
            )
            .order_by(CheckIn.occurred_at)
        )
    ]


def _exhibitions(learner: Learner, term: Term) -> list[Attended]:
    return [
        Attended(
            _as_date(e.held_on),
            "Exhibition of their learning",
            f"{MODE_LABELS[e.mode]}" + (f", {e.where}" if e.where else ""),
        )
        for e in db.session.scalars(
            select(Exhibition)
            .where(
                Exhibition.learner_id == learner.id, Exhibition.held_on >= term.start, Exhibition.held_on <= term.end
            )
            .order_by(Exhibition.held_on, Exhibition.id)
        )
    ]


def _events(learner: Learner, began: datetime, ended: datetime) -> list[Attended]:
    return [
        Attended(clock.london(starts).date(), title, ATTENDANCE_MARK_LABELS[mark])
        for title, starts, mark in db.session.execute(
            select(Event.title, Event.starts_at, Attendance.mark)
            .join(Event, Event.id == Attendance.event_id)
            .where(
                Attendance.learner_id == learner.id,
                Attendance.mark != AttendanceMark.ABSENT,
                Event.starts_at >= began,
                Event.starts_at < ended,
            )
            .order_by(Event.starts_at, Event.id)
        )
    ]


def _exams(learner: Learner, term: Term, began: datetime) -> list[ExamLine]:
    return [
        _exam_line(qualification.title, series, state, grade, _as_date(result_on), term)
        for qualification, series, state, grade, result_on in db.session.execute(
            select(Qualification, ExamSeries.name, ExamEntry.state, ExamEntry.grade, ExamEntry.result_on)
            .join(Qualification, Qualification.id == ExamEntry.qualification_id)
            .join(ExamSeries, ExamSeries.id == ExamEntry.series_id)
            .where(
                ExamEntry.learner_id == learner.id,
                ExamEntry.entered_on <= term.end,
                or_(ExamEntry.result_on.is_(None), ExamEntry.result_on >= term.start),
                or_(ExamEntry.state != EntryState.WITHDRAWN, ExamEntry.withdrawn_at >= began),
            )
            .order_by(ExamSeries.first_exam_on, Qualification.subject, ExamEntry.id)
        )
    ]


def _report_and_mentor(learner: Learner, term: Term) -> tuple[ProgressReport | None, MentorAssignment | None]:
    report = db.session.scalar(
        select(ProgressReport)
        .options(joinedload(ProgressReport.comment_by))
        .where(ProgressReport.learner_id == learner.id, ProgressReport.term_key == term.key)
    )
    mentor = db.session.scalar(
        select(MentorAssignment)
        .options(joinedload(MentorAssignment.mentor))
        .where(MentorAssignment.learner_id == learner.id, MentorAssignment.starts_on <= term.end)
        .order_by(MentorAssignment.ends_on.is_(None).desc(), MentorAssignment.starts_on.desc())
        .limit(1)
    )
    return report, mentor


def gather(learner: Learner, term: Term, today: date | None = None) -> ReportData:
    today = today or clock.today()
    began, ended = _moments(term)
    report, mentor = _report_and_mentor(learner, term)
    return ReportData(
        learner=learner,
        term=term,
        issued_on=today,
        goals=_goals(learner, term, began),
        attendance=term_attendance(learner, term, today),
        check_ins=_check_ins(learner, began, ended),
        exhibitions=_exhibitions(learner, term),
        events=_events(learner, began, ended),
        exams=_exams(learner, term, began),
        report=report,
        mentor_name=mentor.mentor.name if mentor is not None else None,
        comment_author=report.comment_by.name if report is not None and report.comment_by is not None else None,
    )
