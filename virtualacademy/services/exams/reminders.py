"""Exam reminders: level-triggered, each asks the data what is due on ``now``'s London date and notifies through the
one notification path with a key that names what it is about, so a run repeated, late or after a crash sends
nothing twice. A fixed number of statements per kind, however many learners.

* **Ready, no entry, deadline near**: a learner whose current judgement is "ready" for a qualification sat in a
  series (it has papers there) whose entry deadline is within 21 days, with no live entry: the exams officers and
  the learner's mentor.
* **Access-arrangement deadlines**: an arrangement still in draft whose application deadline (the centre's own
  for the series, else the series') is within 14 days: the exams officers and the learner's mentor.
* **Statements of entry**: an entry the centre has confirmed (candidate number given): the family, once.
* **Results day**: on results day (and for a week after, if the job was down): the family, once per day.
* **Tomorrow's papers**: the day before each paper of a confirmed entry: the family.

Staff get each reminder in the app and, by email, one digest a day; families get each by email too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import lazyload

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import (
    AccessArrangement,
    ArrangementStatus,
    CentreSeriesCapacity,
    Enrolment,
    EntryState,
    ExamCentre,
    ExamEntry,
    ExamPaper,
    ExamSeries,
    ExamSession,
    Guardian,
    Learner,
    MentorAssignment,
    Qualification,
    QualificationType,
    Readiness,
    ReadinessJudgement,
    Role,
    User,
    UserRole,
)
from virtualacademy.models.exams import ARRANGEMENT_TYPE_LABELS
from virtualacademy.services import notifications
from virtualacademy.services.exams.common import long_date
from virtualacademy.services.localities import on_roll_filter

READY_WINDOW_DAYS = 21
ARRANGEMENT_WINDOW_DAYS = 14
RESULTS_GRACE_DAYS = 7


@dataclass
class ExamReminderReport:
    ready_without_entry: int = 0
    arrangement_deadlines: int = 0
    statements: int = 0
    results_day: int = 0
    papers_tomorrow: int = 0
    digests: int = 0
    #: Each member of staff with new reminders, and their lines for the day's digest email.
    staff: dict[int, tuple[User, list[str]]] = field(default_factory=dict)


def _name(legal: str, preferred: str | None) -> str:
    return preferred or legal.split()[0]


def _on_roll(today: date):
    return Learner.id.in_(select(Enrolment.learner_id).where(on_roll_filter(today)))


# --- who is told ----------------------------------------------------------------------------------------


def _exams_officers() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                User.id.in_(select(UserRole.user_id).where(UserRole.role == Role.EXAMS_OFFICER)),
            )
            .options(lazyload(User.role_links))
            .order_by(User.id)
        )
    )


def _mentors(learner_ids: Select) -> dict[int, User]:
    return {
        learner_id: user
        for learner_id, user in db.session.execute(
            select(MentorAssignment.learner_id, User)
            .join(User, User.id == MentorAssignment.mentor_id)
            .where(
                MentorAssignment.ends_on.is_(None),
                MentorAssignment.learner_id.in_(learner_ids),
                User.active.is_(True),
            )
            .options(lazyload(User.role_links))
        )
    }


def _families(learner_ids: Select) -> dict[int, list[tuple[User, bool]]]:
    """Each learner's family accounts: (account, is the learner's own)."""
    people: dict[int, list[tuple[User, bool]]] = defaultdict(list)
    for learner_id, user in db.session.execute(
        select(Learner.id, User)
        .join(Guardian, Guardian.family_id == Learner.family_id)
        .join(User, User.id == Guardian.user_id)
        .where(Learner.id.in_(learner_ids), User.active.is_(True))
        .options(lazyload(User.role_links))
        .order_by(User.id)
    ):
        people[learner_id].append((user, False))
    for learner_id, user in db.session.execute(
        select(Learner.id, User)
        .join(User, User.id == Learner.user_id)
        .where(Learner.id.in_(learner_ids), User.active.is_(True))
        .options(lazyload(User.role_links))
    ):
        people[learner_id].append((user, True))
    return people


# --- what is due --------------------------------------------------------------------------------------------


def ready_without_entry(today: date) -> Select:
    """(judgement id, learner id, legal name, preferred name, subject, series id, series name, entry deadline) for
    each ready learner with no entry in a series whose entry deadline is within 21 days."""
    latest = (
        select(func.max(ReadinessJudgement.id).label("id"))
        .group_by(ReadinessJudgement.learner_id, ReadinessJudgement.qualification_id)
        .subquery()
    )
    offered = exists().where(
        ExamPaper.qualification_id == ReadinessJudgement.qualification_id, ExamPaper.series_id == ExamSeries.id
    )
    entered = exists().where(
        ExamEntry.learner_id == ReadinessJudgement.learner_id,
        ExamEntry.qualification_id == ReadinessJudgement.qualification_id,
        ExamEntry.series_id == ExamSeries.id,
        ExamEntry.state != EntryState.WITHDRAWN,
    )
    return (
        select(
            ReadinessJudgement.id,
            Learner.id,
            Learner.legal_name,
            Learner.preferred_name,
            Qualification.subject,
            ExamSeries.id,
            ExamSeries.name,
            ExamSeries.entry_deadline,
        )
        .select_from(ReadinessJudgement)
        .join(latest, latest.c.id == ReadinessJudgement.id)
        .join(Learner, Learner.id == ReadinessJudgement.learner_id)
        .join(Qualification, Qualification.id == ReadinessJudgement.qualification_id)
        .join(
            ExamSeries,
            and_(
                ExamSeries.entry_deadline >= today,
                ExamSeries.entry_deadline <= today + timedelta(days=READY_WINDOW_DAYS),
            ),
        )
        .where(ReadinessJudgement.judgement == Readiness.READY, offered, ~entered, _on_roll(today))
        .order_by(ExamSeries.entry_deadline, Learner.id, ReadinessJudgement.id)
    )


def arrangement_deadline_sql():
    """The application deadline of each arrangement, in SQL: the earliest of its centres' own deadlines for the
    series (its entry's centre, or those of the learner's live entries in the series), else the series'."""
    centres = (
        select(func.min(func.coalesce(CentreSeriesCapacity.access_deadline, ExamSeries.access_deadline)))
        .select_from(ExamEntry)
        .outerjoin(
            CentreSeriesCapacity,
            and_(
                CentreSeriesCapacity.centre_id == ExamEntry.centre_id,
                CentreSeriesCapacity.series_id == ExamEntry.series_id,
            ),
        )
        .where(
            ExamEntry.learner_id == AccessArrangement.learner_id,
            ExamEntry.series_id == AccessArrangement.series_id,
            ExamEntry.state != EntryState.WITHDRAWN,
            or_(AccessArrangement.entry_id.is_(None), ExamEntry.id == AccessArrangement.entry_id),
        )
        .correlate(AccessArrangement, ExamSeries)
        .scalar_subquery()
    )
    return func.coalesce(centres, ExamSeries.access_deadline)


def arrangements_due(today: date) -> Select:
    """(arrangement id, learner id, legal, preferred, type, series name, deadline) for draft arrangements whose
    deadline is within 14 days."""
    deadline = arrangement_deadline_sql().label("deadline")
    due = (
        select(
            AccessArrangement.id.label("id"),
            AccessArrangement.learner_id.label("learner_id"),
            AccessArrangement.arrangement_type.label("kind"),
            ExamSeries.name.label("series"),
            deadline,
        )
        .join(ExamSeries, ExamSeries.id == AccessArrangement.series_id)
        .where(AccessArrangement.status == ArrangementStatus.DRAFT)
        .subquery()
    )
    return (
        select(
            due.c.id,
            due.c.learner_id,
            Learner.legal_name,
            Learner.preferred_name,
            due.c.kind,
            due.c.series,
            due.c.deadline,
        )
        .join(Learner, Learner.id == due.c.learner_id)
        .where(due.c.deadline >= today, due.c.deadline <= today + timedelta(days=ARRANGEMENT_WINDOW_DAYS))
        .order_by(due.c.deadline, due.c.id)
    )


def statements_available(today: date) -> Select:
    """Entries confirmed by the centre in series not yet over."""
    return (
        select(
            ExamEntry.id, Learner.id, Learner.legal_name, Learner.preferred_name, Qualification.subject, ExamSeries.name
        )
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .join(Qualification, Qualification.id == ExamEntry.qualification_id)
        .join(ExamSeries, ExamSeries.id == ExamEntry.series_id)
        .where(
            ExamEntry.state == EntryState.ENTERED,
            ExamEntry.candidate_number.is_not(None),
            ExamSeries.last_exam_on >= today,
        )
        .order_by(ExamEntry.id)
    )


def _results_day():
    """Each entry's results day in SQL: the series' A level day for A level and AS, when it has one."""
    return case(
        (
            and_(
                Qualification.qualification_type.in_([QualificationType.A_LEVEL, QualificationType.AS]),
                ExamSeries.a_level_results_day.is_not(None),
            ),
            ExamSeries.a_level_results_day,
        ),
        else_=ExamSeries.results_day,
    )


def results_days(today: date) -> Select:
    """(series id, series name, day, learner id, legal, preferred) for each learner with results due out today or
    in the last week."""
    day = _results_day().label("day")
    stmt = (
        select(ExamSeries.id, ExamSeries.name, day, Learner.id, Learner.legal_name, Learner.preferred_name)
        .select_from(ExamEntry)
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .join(Qualification, Qualification.id == ExamEntry.qualification_id)
        .join(ExamSeries, ExamSeries.id == ExamEntry.series_id)
        .where(
            ExamEntry.state.in_([EntryState.ENTERED, EntryState.SAT, EntryState.RESULT_RECORDED]),
            _results_day() <= today,
            _results_day() >= today - timedelta(days=RESULTS_GRACE_DAYS),
        )
        .distinct()
    )
    return stmt.order_by(ExamSeries.id, day, Learner.id)


def papers_tomorrow(today: date) -> Select:
    """(entry id, paper id, learner id, legal, preferred, subject, paper title, session, duration, centre name,
    room) for each paper of a confirmed entry sat tomorrow."""
    return (
        select(
            ExamEntry.id,
            ExamPaper.id,
            Learner.id,
            Learner.legal_name,
            Learner.preferred_name,
            Qualification.subject,
            ExamPaper.title,
            ExamPaper.session,
            ExamPaper.duration_minutes,
            ExamCentre.name,
            ExamPaper.room,
        )
        .select_from(ExamEntry)
        .join(
            ExamPaper,
            and_(
                ExamPaper.qualification_id == ExamEntry.qualification_id,
                ExamPaper.series_id == ExamEntry.series_id,
                or_(ExamPaper.tier.is_(None), ExamEntry.tier.is_(None), ExamPaper.tier == ExamEntry.tier),
            ),
        )
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .join(Qualification, Qualification.id == ExamEntry.qualification_id)
        .join(ExamCentre, ExamCentre.id == ExamEntry.centre_id)
        .where(ExamEntry.state == EntryState.ENTERED, ExamPaper.sits_on == today + timedelta(days=1))
        .order_by(ExamEntry.id, ExamPaper.session, ExamPaper.id)
    )


# --- sending ------------------------------------------------------------------------------------------------


def _ids(stmt: Select, column: int) -> Select:
    """The learner ids of a due query, as a subquery (never a list sent back to the database)."""
    sub = stmt.order_by(None).subquery()
    return select(sub.c[list(sub.c.keys())[column]])


def _staff_notices(report, today, rows, learner_ids, key, kind, title_for) -> list[notifications.Notice]:
    officers = _exams_officers()
    mentors = _mentors(learner_ids)
    notices = []
    for row, learner_id in rows:
        title, link = title_for(row)
        for user in [*officers, mentors.get(learner_id)]:
            if user is None:
                continue
            notices.append(notifications.Notice(user, key(row, user), kind, title, link=link))
    new = notifications.notify_many(notices)
    for notice in new:
        report.staff.setdefault(notice.user.id, (notice.user, []))[1].append(notice.title)
    return new


def remind_ready_without_entry(today: date, report: ExamReminderReport) -> int:
    stmt = ready_without_entry(today)
    rows = db.session.execute(stmt).all()
    if not rows:
        return 0
    new = _staff_notices(
        report,
        today,
        [(r, r[1]) for r in rows],
        _ids(stmt, 1),
        lambda r, user: f"exam-ready-no-entry:{r[5]}:{r[0]}:{user.id}",
        "exam_ready_no_entry",
        lambda r: (
            f"{_name(r[2], r[3])} is ready for {r[4]} but not entered: {r[6]} entries close on {long_date(r[7])}",
            f"/exams/learners/{r[1]}",
        ),
    )
    return len(new)


def remind_arrangement_deadlines(today: date, report: ExamReminderReport) -> int:
    stmt = arrangements_due(today)
    rows = db.session.execute(stmt).all()
    if not rows:
        return 0
    new = _staff_notices(
        report,
        today,
        [(r, r[1]) for r in rows],
        _ids(stmt, 1),
        lambda r, user: f"exam-aa-deadline:{r[0]}:{r[6]}:{user.id}",
        "exam_arrangement_deadline",
        lambda r: (
            f"Apply for {ARRANGEMENT_TYPE_LABELS[r[4]].lower()} for {_name(r[2], r[3])} ({r[5]}) by {long_date(r[6])}",
            f"/exams/learners/{r[1]}",
        ),
    )
    return len(new)


def _family_notices(rows, learner_ids: Select, key, kind, title_for) -> list[notifications.Notice]:
    families = _families(learner_ids)
    notices = []
    for row, learner_id in rows:
        for user, own in families.get(learner_id, []):
            title, body, link = title_for(row, own)
            notices.append(
                notifications.Notice(
                    user, key(row, user), kind, title, body=body, link=link, email_template="notification"
                )
            )
    return notifications.notify_many(notices)


def remind_statements(today: date) -> int:
    stmt = statements_available(today)
    rows = db.session.execute(stmt).all()
    if not rows:
        return 0
    return len(
        _family_notices(
            [(r, r[1]) for r in rows],
            _ids(stmt, 1),
            lambda r, user: f"exam-statement:{r[0]}:{user.id}",
            "exam_statement",
            lambda r, own: (
                f"{'Your' if own else _name(r[2], r[3]) + chr(8217) + 's'} statement of entry for {r[5]} is ready",
                f"{r[4]} is entered. The statement shows the centre, the candidate number, each paper's date "
                "and time, any access arrangements and what to bring.",
                f"/exams/learners/{r[1]}",
            ),
        )
    )


def remind_results_day(today: date) -> int:
    stmt = results_days(today)
    rows = db.session.execute(stmt).all()
    if not rows:
        return 0
    return len(
        _family_notices(
            [(r, r[3]) for r in rows],
            _ids(stmt, 3),
            lambda r, user: f"exam-results-day:{r[0]}:{r[2].isoformat()}:{r[3]}:{user.id}",
            "exam_results_day",
            lambda r, own: (
                f"{'Your' if own else _name(r[4], r[5]) + chr(8217) + 's'} {r[1]} results "
                + ("are out today" if r[2] == today else f"came out on {long_date(r[2])}"),
                "The centre gives results to candidates on results day. Your mentor can talk through what next.",
                f"/exams/learners/{r[3]}",
            ),
        )
    )


def _when(session: ExamSession, minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    length = f"{hours}h {mins:02d}m" if hours else f"{mins} minutes"
    return f"{'morning' if session is ExamSession.AM else 'afternoon'}, {length}"


def remind_papers_tomorrow(today: date) -> int:
    stmt = papers_tomorrow(today)
    rows = db.session.execute(stmt).all()
    if not rows:
        return 0
    return len(
        _family_notices(
            [(r, r[2]) for r in rows],
            _ids(stmt, 2),
            lambda r, user: f"exam-paper-tomorrow:{r[0]}:{r[1]}:{user.id}",
            "exam_paper_tomorrow",
            lambda r, own: (
                f"Tomorrow: {r[5]} {r[6]} ({_when(ExamSession(r[7]), r[8])}) at {r[9]}"
                + ("" if own else f" for {_name(r[3], r[4])}"),
                (f"Room: {r[10]}. " if r[10] else "")
                + "Bring the statement of entry, black pens, a pencil, a ruler and a clear water bottle. "
                "Arrive 30 minutes early.",
                f"/exams/learners/{r[2]}",
            ),
        )
    )


def send_reminders(now: datetime | None = None) -> ExamReminderReport:
    """Everything due on ``now``'s London date; then one digest email to each member of staff with new reminders."""
    now = now or clock.now()
    today = clock.today(now)
    report = ExamReminderReport()
    report.ready_without_entry = remind_ready_without_entry(today, report)
    report.arrangement_deadlines = remind_arrangement_deadlines(today, report)
    report.statements = remind_statements(today)
    report.results_day = remind_results_day(today)
    report.papers_tomorrow = remind_papers_tomorrow(today)
    report.digests = notifications.email_digests(
        notifications.Digest(
            user,
            f"exam-reminders:{user_id}:{today.isoformat()}",
            f"{len(lines)} exam reminder{'' if len(lines) == 1 else 's'}",
            "Exams that need you:",
            [f"- {line}" for line in lines],
            link="/exams/",
        )
        for user_id, (user, lines) in report.staff.items()
    )
    return report
