"""The learning log: what learning happened, when and for how long; attendance in learning counted from it;
and the learners who have gone quiet.

*Who*: anyone who may see a learner may read their log (``relations.SEES``: the learner, their guardians, their
mentor, a mentor for 30 days after handing over, their locality's coordinator, admins). The learner, their guardians and their
current mentor (and admins) may write it. An entry may be changed or deleted for :data:`EDIT_WINDOW_DAYS`
days after the day it is about; after that it is locked, and only the current mentor (or an admin) may correct
it: the correction is recorded on the entry (``corrected_by``/``corrected_at``) and in the audit log. Logging
learning older than the window is a correction too.

*Attendance in learning* for a week (Monday to Sunday) is the number of distinct days with logged learning and
the minutes logged. A term's weeks are clipped to the term (its first and last weeks may be part-weeks). Terms
are fixed: autumn 1 September to 31 December, spring 1 January to 31 March, summer 1 April to 31 August.

*Gaps*: a learner on roll has a gap when :data:`GAP_DAYS` days have passed since the last day with logged
learning (or, if nothing has been logged since they were enrolled, since their enrolment started). The daily
``learning-gaps`` job tells their current mentor once per gap (and per mentor).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, event, func, select, update
from sqlalchemy.orm import Session, lazyload

from virtualacademy import clock
from virtualacademy.database import chunked
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    AchievementNarrative,
    ActivityType,
    Enrolment,
    Evidence,
    EvidenceComment,
    Exhibition,
    ExhibitionFeedback,
    Goal,
    Learner,
    LearningPlan,
    LogEntry,
    MentorAssignment,
    SubjectArea,
    User,
)
from virtualacademy.models.learning import ACTIVITY_TYPE_LABELS, log_entry_subject
from virtualacademy.policies.relations import FAMILY, Relation, is_related
from virtualacademy.services import audit, data_protection, notifications
from virtualacademy.services.data_protection import ERASED, Section, Subject, record
from virtualacademy.services.localities import on_roll_filter

#: An entry can be changed by the family (and mentor) until this many days after the day it is about.
EDIT_WINDOW_DAYS = 14
#: A learner with no logged learning for this many days is flagged to their mentor.
GAP_DAYS = 14
DESCRIPTION_MAX = 500
DAY_MINUTES = 24 * 60


# --- who may do what (registered as rules by policies/learning_log.py, which also says who may read) ---------

#: Write the log: the learner, their guardians, their current mentor and admins (coordinators only read).
WRITES = FAMILY | Relation.MENTOR | Relation.ADMIN
#: Change an entry after its edit window: the current mentor, or an admin.
CORRECTS = Relation.MENTOR | Relation.ADMIN


def may_write(user: User, learner: Learner) -> bool:
    return is_related(user, learner, WRITES)


def may_correct(user: User, learner: Learner) -> bool:
    return is_related(user, learner, CORRECTS)


def _require_write(actor: User, learner: Learner) -> None:
    if not may_write(actor, learner):
        raise NotAllowed("Only the learner, their parents or carers and their mentor can change this log")


# --- durations --------------------------------------------------------------------------------------


def duration(minutes: int) -> str:
    """``90`` -> ``1 hour 30 minutes``; ``45`` -> ``45 minutes``; ``0`` -> ``0 minutes``."""
    hours, rest = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def hours(minutes: int | float) -> str:
    """Minutes as hours to one decimal place, for tables: ``90`` -> ``1.5``."""
    return f"{minutes / 60:.1f}"


# --- entries ----------------------------------------------------------------------------------------


@dataclass
class LogInput:
    """What the log entry form sends."""

    on_date: date | None
    minutes: int
    activity: ActivityType | None
    subject_ids: list[int]
    description: str | None
    goal_id: int | None = None


def editable_until(entry_date: date) -> date:
    """The last day an entry about ``entry_date`` can be changed by the family."""
    return entry_date + timedelta(days=EDIT_WINDOW_DAYS)


def is_locked(entry: LogEntry, today: date) -> bool:
    return today > editable_until(entry.on_date)


def may_log_on(day: date, today: date) -> bool:
    """A day the family can still log learning on: today, or one of the :data:`EDIT_WINDOW_DAYS` days before it
    (older days are the mentor's to correct)."""
    return day <= today <= editable_until(day)


def may_edit(user: User, entry: LogEntry, today: date) -> bool:
    """Change or delete this entry now (in the window: anyone who writes the log; after: the mentor or admin)."""
    learner = entry.learner
    return may_correct(user, learner) if is_locked(entry, today) else may_write(user, learner)


def active_subjects() -> list[SubjectArea]:
    return list(
        db.session.scalars(select(SubjectArea).where(SubjectArea.active.is_(True)).order_by(SubjectArea.position))
    )


def current_goals(learner: Learner) -> list[Goal]:
    """The goals of the learner's plan that are not archived (for "which goal did this serve?")."""
    return list(
        db.session.scalars(
            select(Goal)
            .join(LearningPlan, LearningPlan.id == Goal.plan_id)
            .where(LearningPlan.learner_id == learner.id, Goal.archived_at.is_(None))
            .order_by(Goal.id)
        )
    )


def minutes_logged_on(learner: Learner, on: date, *, excluding: int | None = None) -> int:
    stmt = select(func.coalesce(func.sum(LogEntry.minutes), 0)).where(
        LogEntry.learner_id == learner.id, LogEntry.on_date == on
    )
    if excluding is not None:
        stmt = stmt.where(LogEntry.id != excluding)
    return int(db.session.scalar(stmt) or 0)


def _lock_learner(learner: Learner) -> None:
    """Serialise writes to one learner's log (the 24-hour check reads, then writes). PostgreSQL locks the row;
    SQLite's write transactions are already one at a time (BEGIN IMMEDIATE)."""
    db.session.execute(select(Learner.id).where(Learner.id == learner.id).with_for_update())


def _check(
    actor: User, learner: Learner, data: LogInput, today: date, *, entry: LogEntry | None = None
) -> tuple[list[SubjectArea], Goal | None, str, int]:
    """Validate everything before anything is written: (subjects, goal, description, minutes), or ValidationError."""
    if data.on_date is None:
        raise ValidationError("Enter the date of the learning", field="on_date")
    if data.on_date > today:
        raise ValidationError("The date of the learning must be today or in the past", field="on_date")
    if today > editable_until(data.on_date) and not may_correct(actor, learner):
        raise ValidationError(
            f"You can log learning from the last {EDIT_WINDOW_DAYS} days. For anything older, ask the mentor.",
            field="on_date",
        )
    if learner.date_of_birth and data.on_date < learner.date_of_birth:
        raise ValidationError("The date of the learning must be after the learner was born", field="on_date")
    minutes = int(data.minutes or 0)
    if minutes <= 0:
        raise ValidationError("Enter how long the learning took, in hours and minutes", field="hours")
    if minutes > DAY_MINUTES:
        raise ValidationError("One entry cannot be more than 24 hours", field="hours")
    if data.activity is None:
        raise ValidationError("Select the type of activity", field="activity")
    ids = sorted({int(i) for i in data.subject_ids or []})
    if not ids:
        raise ValidationError("Select at least one subject area", field="subjects")
    subjects = list(db.session.scalars(select(SubjectArea).where(SubjectArea.id.in_(ids), SubjectArea.active)))
    if len(subjects) != len(ids):
        raise ValidationError("Select subject areas from the list", field="subjects")
    description = (data.description or "").strip()
    if not description:
        raise ValidationError("Describe the learning in a sentence or two", field="description")
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError(f"The description must be {DESCRIPTION_MAX} characters or fewer", field="description")
    goal = None
    if data.goal_id:
        goal = db.session.get(Goal, data.goal_id)
        if goal is None or goal.plan.learner_id != learner.id:
            raise ValidationError("Choose one of the learner's goals", field="goal_id")
    _lock_learner(learner)
    already = minutes_logged_on(learner, data.on_date, excluding=entry.id if entry is not None else None)
    if already + minutes > DAY_MINUTES:
        raise ValidationError(
            f"That would make {duration(already + minutes)} of learning logged on {data.on_date:%A %-d %B %Y}, "
            f"more than the 24 hours in a day ({duration(already)} is logged already). Check the times.",
            field="hours",
        )
    return subjects, goal, description, minutes


def add_entry(actor: User, learner: Learner, data: LogInput, today: date | None = None) -> LogEntry:
    """Log learning. Raises ValidationError (nothing written) for bad input."""
    today = today or clock.today()
    _require_write(actor, learner)
    subjects, goal, description, minutes = _check(actor, learner, data, today)
    entry = LogEntry(
        learner_id=learner.id,
        on_date=data.on_date,
        minutes=minutes,
        activity=data.activity,
        description=description,
        goal_id=goal.id if goal else None,
        created_by_id=actor.id,
        subjects=subjects,
    )
    if today > editable_until(data.on_date):  # only a mentor or admin gets here (checked above)
        entry.corrected_by_id, entry.corrected_at = actor.id, clock.now()
    db.session.add(entry)
    db.session.flush()
    if entry.corrected_by_id:
        audit.record("learning.log_corrected", actor=actor, obj=entry, detail={"added": _snapshot(entry)})
    return entry


def _snapshot(entry: LogEntry) -> dict:
    return {
        "on_date": entry.on_date.isoformat(),
        "minutes": entry.minutes,
        "activity": entry.activity.value,
        "subjects": sorted(s.name for s in entry.subjects),
        "goal_id": entry.goal_id,
        "description": entry.description,
    }


def update_entry(actor: User, entry: LogEntry, data: LogInput, today: date | None = None) -> LogEntry:
    """Change an entry: in its edit window by anyone who writes the log; after, as a recorded correction."""
    today = today or clock.today()
    learner = entry.learner
    locked = is_locked(entry, today)
    if not may_edit(actor, entry, today):
        if locked and may_write(actor, learner):
            raise NotAllowed(
                f"This entry is locked: it can be changed for {EDIT_WINDOW_DAYS} days. Ask the mentor to correct it."
            )
        _require_write(actor, learner)
    subjects, goal, description, minutes = _check(actor, learner, data, today, entry=entry)
    before = _snapshot(entry)
    entry.on_date = data.on_date
    entry.minutes = minutes
    entry.activity = data.activity
    entry.description = description
    entry.goal_id = goal.id if goal else None
    entry.subjects = subjects
    if locked or today > editable_until(data.on_date):
        entry.corrected_by_id, entry.corrected_at = actor.id, clock.now()
        db.session.flush()
        audit.record(
            "learning.log_corrected", actor=actor, obj=entry, detail={"before": before, "after": _snapshot(entry)}
        )
    db.session.flush()
    return entry


def delete_entry(actor: User, entry: LogEntry, today: date | None = None) -> None:
    today = today or clock.today()
    learner = entry.learner
    if not may_edit(actor, entry, today):
        if is_locked(entry, today) and may_write(actor, learner):
            raise NotAllowed(
                f"This entry is locked: it can be deleted for {EDIT_WINDOW_DAYS} days. Ask the mentor to correct it."
            )
        _require_write(actor, learner)
    if is_locked(entry, today):
        audit.record("learning.log_deleted", actor=actor, obj=entry, detail={"before": _snapshot(entry)})
    db.session.delete(entry)
    db.session.flush()


def add_attended(actor: User, learner: Learner, data: LogInput, today: date | None = None) -> LogEntry:
    """Attendance at something the academy ran (an event's register), logged by whoever took the register (a
    coordinator or admin; the caller checks they may, as ``services/community/registers.py`` does). The same
    checks as :func:`add_entry` except who writes."""
    today = today or clock.today()
    subjects, _goal, description, minutes = _check(actor, learner, data, today)
    entry = LogEntry(
        learner_id=learner.id,
        on_date=data.on_date,
        minutes=minutes,
        activity=data.activity,
        description=description,
        created_by_id=actor.id,
        subjects=subjects,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def remove_attended(entry: LogEntry) -> None:
    """Take back an entry :func:`add_attended` made (the register was corrected: the learner was not there)."""
    db.session.delete(entry)
    db.session.flush()


# --- the week view ---------------------------------------------------------------------------------------


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class Day:
    on: date
    entries: list[LogEntry] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(e.minutes for e in self.entries)


@dataclass
class Week:
    start: date
    days: list[Day]

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def minutes(self) -> int:
        return sum(d.minutes for d in self.days)

    @property
    def days_with_learning(self) -> int:
        return sum(1 for d in self.days if d.entries)


def entries_between(learner: Learner, start: date, end: date) -> list[LogEntry]:
    return list(
        db.session.scalars(
            select(LogEntry)
            .where(LogEntry.learner_id == learner.id, LogEntry.on_date >= start, LogEntry.on_date <= end)
            .order_by(LogEntry.on_date, LogEntry.id)
        )
    )


def evidence_counts(learner: Learner, start: date, end: date) -> dict[int, int]:
    """How many pieces of evidence each of the learner's log entries from ``start`` to ``end`` has (entries with
    none are left out)."""
    entries = select(LogEntry.id).where(LogEntry.learner_id == learner.id, LogEntry.on_date.between(start, end))
    return dict(
        db.session.execute(
            select(Evidence.log_entry_id, func.count())
            .where(Evidence.log_entry_id.in_(entries))
            .group_by(Evidence.log_entry_id)
        ).all()
    )


def week(learner: Learner, any_day: date) -> Week:
    start = monday_of(any_day)
    days = {start + timedelta(days=n): Day(start + timedelta(days=n)) for n in range(7)}
    for entry in entries_between(learner, start, start + timedelta(days=6)):
        days[entry.on_date].entries.append(entry)
    return Week(start, list(days.values()))


# --- attendance in learning --------------------------------------------------------------------------------


class Season(enum.StrEnum):
    AUTUMN = "autumn"
    SPRING = "spring"
    SUMMER = "summer"


@dataclass(frozen=True)
class Term:
    """One of three fixed terms: autumn (1 Sep - 31 Dec), spring (1 Jan - 31 Mar), summer (1 Apr - 31 Aug)."""

    year: int
    season: Season

    @property
    def start(self) -> date:
        return {
            Season.AUTUMN: date(self.year, 9, 1),
            Season.SPRING: date(self.year, 1, 1),
            Season.SUMMER: date(self.year, 4, 1),
        }[self.season]

    @property
    def end(self) -> date:
        return {
            Season.AUTUMN: date(self.year, 12, 31),
            Season.SPRING: date(self.year, 3, 31),
            Season.SUMMER: date(self.year, 8, 31),
        }[self.season]

    @property
    def key(self) -> str:
        return f"{self.year}-{self.season.value}"

    @property
    def name(self) -> str:
        return f"{self.season.value.capitalize()} term {self.year}"

    @property
    def previous(self) -> Term:
        return term_of(self.start - timedelta(days=1))

    @property
    def next(self) -> Term:
        return term_of(self.end + timedelta(days=1))


def term_of(day: date) -> Term:
    if day.month >= 9:
        return Term(day.year, Season.AUTUMN)
    if day.month <= 3:
        return Term(day.year, Season.SPRING)
    return Term(day.year, Season.SUMMER)


def term_from_key(key: str | None) -> Term | None:
    """``"2026-autumn"`` -> the autumn term 2026; anything else -> None."""
    if not key or "-" not in key:
        return None
    year, _, season = key.partition("-")
    try:
        return Term(int(year), Season(season)) if 1900 <= int(year) <= 9999 else None
    except ValueError:
        return None


@dataclass
class WeekAttendance:
    """Attendance in learning for one week (clipped to the period asked about)."""

    start: date
    end: date
    days: int
    minutes: int

    @property
    def partial(self) -> bool:
        return (self.end - self.start).days < 6


def weekly_attendance(entries: Iterable[tuple[date, int]], start: date, end: date) -> list[WeekAttendance]:
    """Attendance per Monday-to-Sunday week from ``start`` to ``end`` (both included; the first and last weeks
    are clipped to them), from ``(day, minutes)`` pairs. Days outside the period are ignored."""
    if end < start:
        return []
    per_day: dict[date, int] = defaultdict(int)
    for day, minutes in entries:
        if start <= day <= end:
            per_day[day] += int(minutes)
    weeks = []
    monday = monday_of(start)
    while monday <= end:
        first, last = max(monday, start), min(monday + timedelta(days=6), end)
        days = [d for d in per_day if first <= d <= last and per_day[d] > 0]
        weeks.append(WeekAttendance(first, last, len(days), sum(per_day[d] for d in days)))
        monday += timedelta(days=7)
    return weeks


@dataclass
class TermAttendance:
    term: Term
    #: The last day counted: the term's end, or today while the term is under way.
    until: date
    weeks: list[WeekAttendance]

    @property
    def days(self) -> int:
        return sum(w.days for w in self.weeks)

    @property
    def minutes(self) -> int:
        return sum(w.minutes for w in self.weeks)

    @property
    def average_days(self) -> float:
        return self.days / len(self.weeks) if self.weeks else 0.0


def term_attendance(learner: Learner, term: Term, today: date | None = None) -> TermAttendance:
    """Weeks of the term up to today (none if the term has not started)."""
    today = today or clock.today()
    until = min(term.end, today)
    rows = db.session.execute(
        select(LogEntry.on_date, func.sum(LogEntry.minutes))
        .where(LogEntry.learner_id == learner.id, LogEntry.on_date >= term.start, LogEntry.on_date <= until)
        .group_by(LogEntry.on_date)
    ).all()
    return TermAttendance(term, until, weekly_attendance(((_as_date(d), m) for d, m in rows), term.start, until))


def _as_date(value) -> date | None:
    """Aggregates over a date column can come back as text on SQLite."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --- each learner's last logged day, kept in step with the log ---------------------------------------------


def last_logged_on_column():
    """``Learner.last_logged_on`` recomputed from the log (for back-fills after bulk inserts, and checks)."""
    return (
        select(func.max(LogEntry.on_date)).where(LogEntry.learner_id == Learner.id).correlate(Learner).scalar_subquery()
    )


def refresh_last_logged(learner_ids: Iterable[int] | None = None) -> None:
    """Set ``Learner.last_logged_on`` from the log for these learners (all, if None). Used after bulk inserts that
    bypass the ORM; ORM changes to log entries keep it in step on their own (below)."""
    stmt = update(Learner).values(last_logged_on=last_logged_on_column()).execution_options(synchronize_session=False)
    if learner_ids is None:
        db.session.execute(stmt)
        return
    for some in chunked(sorted(set(learner_ids))):
        db.session.execute(stmt.where(Learner.id.in_(some)))


_PENDING = "learning_log.last_logged"


@event.listens_for(Session, "after_flush")
def _note_changed_learners(session: Session, _context) -> None:
    changed = {
        obj.learner_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, LogEntry) and obj.learner_id is not None
    }
    if changed:
        session.info.setdefault(_PENDING, set()).update(changed)


@event.listens_for(Session, "after_flush_postexec")
def _keep_last_logged_in_step(session: Session, _context) -> None:
    """In the same transaction as any flush that adds, changes or deletes log entries, however they were made."""
    learner_ids = session.info.pop(_PENDING, None)
    if not learner_ids:
        return
    stmt = update(Learner.__table__).values(
        last_logged_on=select(func.max(LogEntry.__table__.c.on_date))
        .where(LogEntry.__table__.c.learner_id == Learner.__table__.c.id)
        .scalar_subquery()
    )
    for some in chunked(sorted(learner_ids)):  # one statement per flush, unless it changed a great many learners
        session.connection().execute(stmt.where(Learner.__table__.c.id.in_(some)))
    for learner_id in learner_ids:
        loaded = session.identity_map.get(session.identity_key(Learner, learner_id))
        if loaded is not None:
            session.expire(loaded, ["last_logged_on"])


# --- gaps: learners with no logged learning ---------------------------------------------------------------


@dataclass
class Gap:
    learner_id: int
    #: The last day with logged learning, or the first day on roll if nothing has been logged since.
    since: date
    days: int
    last_logged: date | None

    @property
    def flagged(self) -> bool:
        return self.days >= GAP_DAYS


def _gap_rows(today: date, learner_ids: list[int] | None = None, *, with_mentor: bool = False):
    """(learner_id, start of current enrolment, last logged day, current mentor id or None) for learners on roll."""
    start = (
        select(Enrolment.learner_id, func.max(Enrolment.start_date).label("started"))
        .where(on_roll_filter(today))
        .group_by(Enrolment.learner_id)
    )
    last = select(LogEntry.learner_id, func.max(LogEntry.on_date).label("last")).where(LogEntry.on_date <= today)
    if learner_ids is not None:
        start = start.where(Enrolment.learner_id.in_(learner_ids))
        last = last.where(LogEntry.learner_id.in_(learner_ids))
    start = start.subquery()
    last = last.group_by(LogEntry.learner_id).subquery()
    columns = [start.c.learner_id, start.c.started, last.c.last]
    joined = start.outerjoin(last, last.c.learner_id == start.c.learner_id)
    if with_mentor:
        columns.append(MentorAssignment.mentor_id)
        joined = joined.join(
            MentorAssignment,
            and_(MentorAssignment.learner_id == start.c.learner_id, MentorAssignment.ends_on.is_(None)),
        )
    return db.session.execute(select(*columns).select_from(joined)).all()


def _gap(learner_id: int, started, last, today: date) -> Gap:
    started, last = _as_date(started), _as_date(last)
    since = max(d for d in (started, last) if d is not None)
    return Gap(learner_id, since, (today - since).days, last)


def gaps(learner_ids: list[int], today: date | None = None) -> dict[int, Gap]:
    """The gap (flagged or not) of each of these learners who is on roll today."""
    today = today or clock.today()
    if not learner_ids:
        return {}
    return {row[0]: _gap(row[0], row[1], row[2], today) for row in _gap_rows(today, learner_ids)}


def gap_of(learner: Learner, today: date | None = None) -> Gap | None:
    return gaps([learner.id], today).get(learner.id)


@dataclass
class GapReport:
    flagged: int = 0
    notified: int = 0
    #: Emails queued: one per mentor with newly flagged learners.
    emails: int = 0


def _gap_body(gap: Gap, name: str) -> str:
    if gap.last_logged and gap.last_logged >= gap.since:
        return f"Nothing has been logged since {gap.last_logged:%-d %B %Y}."
    return f"Nothing has been logged since {name} was enrolled on {gap.since:%-d %B %Y}."


def flag_gaps(now: datetime | None = None) -> GapReport:
    """The ``learning-gaps`` job: tell each learner's current mentor, once per gap, about learners on roll with
    no logged learning for GAP_DAYS days.

    Each gap is one notification in the mentor's notification centre. Its key names the learner, the day the gap
    started from and the mentor, so a re-run adds nothing, a new gap (after more learning is logged) is a new
    notice, and a new mentor hears about a gap that began before they took over. Email is one digest per mentor
    a day listing the learners newly flagged, so a first run at national scale sends a few thousand emails, not
    one per learner. All of it in the same few statements however many learners there are."""
    today = clock.today(now)
    report = GapReport()
    gaps_found = [(_gap(r[0], r[1], r[2], today), r[3]) for r in _gap_rows(today, with_mentor=True)]
    gaps_found = [(g, mentor_id) for g, mentor_id in gaps_found if g.flagged]
    report.flagged = len(gaps_found)
    if not gaps_found:
        return report
    names = {
        learner_id: f"{preferred or legal.split()[0]} {legal.split()[-1]}"
        for learner_id, legal, preferred in db.session.execute(
            select(Learner.id, Learner.legal_name, Learner.preferred_name).where(
                Learner.id.in_(select(Enrolment.learner_id).where(on_roll_filter(today)))
            )
        )
    }
    mentors = {
        u.id: u
        for u in db.session.scalars(
            select(User)
            .where(
                User.id.in_(select(MentorAssignment.mentor_id).where(MentorAssignment.ends_on.is_(None))),
                User.active.is_(True),
            )
            .options(lazyload(User.role_links))
        )
    }
    notices, lines = [], {}
    for gap, mentor_id in gaps_found:
        mentor = mentors.get(mentor_id)
        if mentor is None:
            continue
        name = names[gap.learner_id]
        key = f"learning-gap:{gap.learner_id}:{gap.since.isoformat()}:{mentor.id}"
        lines[key] = (name, _gap_body(gap, name))
        notices.append(
            notifications.Notice(
                mentor,
                key,
                "learning_gap",
                f"No learning logged for {gap.days} days: {name}",
                body=_gap_body(gap, name) + " It may be worth checking in with the family.",
                link=f"/learning/learners/{gap.learner_id}/attendance",
            )
        )
    created = notifications.notify_many(notices)
    report.notified = len(created)
    by_mentor: dict[int, list[notifications.Notice]] = defaultdict(list)
    for notice in created:
        by_mentor[notice.user.id].append(notice)
    digests = []
    for mentor_id, items in by_mentor.items():
        count = len(items)
        digests.append(
            notifications.Digest(
                mentors[mentor_id],
                f"learning-gap-digest:{mentor_id}:{today.isoformat()}",
                f"No learning logged for {GAP_DAYS} days: {count} learner{'s' if count != 1 else ''}",
                f"{'One learner on your caseload has' if count == 1 else f'{count} learners on your caseload have'} "
                f"had no learning logged for {GAP_DAYS} days:",
                [f"{name}. {detail}" for name, detail in sorted(lines[n.key] for n in items)],
                link="/learning/log",
                outro=f"It may be worth checking in with {'the family' if count == 1 else 'these families'}. "
                "Your learners, those longest without logged learning first:",
            )
        )
    report.emails = notifications.email_digests(digests)
    return report


# --- hours by subject area and activity type (for the record of achievement) ----------------------------------


@dataclass
class Breakdown:
    label: str
    minutes: int


def hours_by_subject(learner: Learner, start: date, end: date) -> list[Breakdown]:
    """Minutes per subject area over the period. An entry with several subject areas is shared between them
    equally (whole minutes; any remainder goes to the first by position), so the rows add up to the total."""
    in_period = and_(LogEntry.learner_id == learner.id, LogEntry.on_date >= start, LogEntry.on_date <= end)
    minutes = dict(db.session.execute(select(LogEntry.id, LogEntry.minutes).where(in_period)).all())
    if not minutes:
        return []
    links: dict[int, list[SubjectArea]] = defaultdict(list)
    for entry_id, subject in db.session.execute(
        select(log_entry_subject.c.log_entry_id, SubjectArea)
        .join(SubjectArea, SubjectArea.id == log_entry_subject.c.subject_area_id)
        .where(log_entry_subject.c.log_entry_id.in_(select(LogEntry.id).where(in_period)))
    ).all():
        links[entry_id].append(subject)
    totals: dict[int, int] = defaultdict(int)
    subjects: dict[int, SubjectArea] = {}
    for entry_id, total in minutes.items():
        shared = sorted(links.get(entry_id, []), key=lambda s: (s.position, s.id))
        if not shared:
            continue
        each, remainder = divmod(total, len(shared))
        for n, subject in enumerate(shared):
            subjects[subject.id] = subject
            totals[subject.id] += each + (1 if n < remainder else 0)
    ordered = sorted(subjects.values(), key=lambda s: (-totals[s.id], s.position, s.name))
    return [Breakdown(s.name, totals[s.id]) for s in ordered]


def hours_by_activity(learner: Learner, start: date, end: date) -> list[Breakdown]:
    rows = db.session.execute(
        select(LogEntry.activity, func.sum(LogEntry.minutes))
        .where(LogEntry.learner_id == learner.id, LogEntry.on_date >= start, LogEntry.on_date <= end)
        .group_by(LogEntry.activity)
    ).all()
    rows = sorted(rows, key=lambda r: (-int(r[1]), list(ActivityType).index(r[0])))
    return [Breakdown(ACTIVITY_TYPE_LABELS[activity], int(total)) for activity, total in rows]


# --- data protection: the log, portfolio, exhibitions and narratives in exports and erasure ---------------------
# (docs/learning.md; registered with services/data_protection.py when this module is imported)

STAFF = "academy staff"
FAMILY = "family member"


def _who(user_id: int | None, subject: Subject) -> str:
    return FAMILY if user_id is not None and user_id in subject.user_ids else STAFF


def export_section(subject: Subject) -> list[dict]:
    """Every log entry, piece of evidence (not the files themselves), comment, exhibition, feedback and narrative.
    Staff are named only as "academy staff"; audience members' names are left out (third parties)."""
    ids = [learner.id for learner in subject.learners]
    rows: list[dict] = []
    for entry in db.session.scalars(
        select(LogEntry).where(LogEntry.learner_id.in_(ids)).order_by(LogEntry.on_date, LogEntry.id)
    ):
        rows.append(
            {
                "record": "learning log entry",
                **record(entry, exclude={"created_by_id", "corrected_by_id"}),
                "subjects": [s.name for s in entry.subjects],
                "logged_by": _who(entry.created_by_id, subject),
                "corrected_by": _who(entry.corrected_by_id, subject) if entry.corrected_by_id else None,
            }
        )
    for item in db.session.scalars(select(Evidence).where(Evidence.learner_id.in_(ids)).order_by(Evidence.id)):
        rows.append(
            {
                "record": "portfolio evidence",
                **record(item, exclude={"stored_name", "created_by_id"}),
                "added_by": _who(item.created_by_id, subject),
            }
        )
        for comment in item.comments:
            rows.append(
                {"record": "comment on evidence", **record(comment), "written_by": _who(comment.author_id, subject)}
            )
    for show in db.session.scalars(select(Exhibition).where(Exhibition.learner_id.in_(ids)).order_by(Exhibition.id)):
        rows.append({"record": "exhibition", **record(show), "items_shown": [e.id for e in show.items]})
        for feedback in show.feedback:
            rows.append(
                {"record": "exhibition feedback", **record(feedback, exclude={"reviewer_name", "recorded_by_id"})}
            )
    for narrative in db.session.scalars(
        select(AchievementNarrative).where(AchievementNarrative.learner_id.in_(ids)).order_by(AchievementNarrative.id)
    ):
        rows.append({"record": "record of achievement summary", **record(narrative), "written_by": STAFF})
    return rows


def erase_section(subject: Subject) -> int:
    """Free text and files go (stored files are deleted once the erasure commits); dates, durations, activity
    types, subject areas and rubric scores stay: they identify nobody and feed the statistics."""
    from virtualacademy.services.evidence import remove_after_commit

    ids = [learner.id for learner in subject.learners]
    changed = 0
    for entry in db.session.scalars(
        select(LogEntry).where(LogEntry.learner_id.in_(ids), LogEntry.description != ERASED)
    ):
        entry.description = ERASED
        changed += 1
    for item in db.session.scalars(select(Evidence).where(Evidence.learner_id.in_(ids))):
        if item.title != ERASED or item.url or item.stored_name or item.original_name:
            remove_after_commit(item)
            item.title, item.url, item.stored_name, item.original_name = ERASED, None, None, None
            changed += 1
    for comment in db.session.scalars(
        select(EvidenceComment)
        .join(Evidence, Evidence.id == EvidenceComment.evidence_id)
        .where(Evidence.learner_id.in_(ids), EvidenceComment.body != ERASED)
    ):
        comment.body = ERASED
        changed += 1
    for show in db.session.scalars(select(Exhibition).where(Exhibition.learner_id.in_(ids))):
        if show.where != ERASED or show.description or show.audience:
            show.where, show.description, show.audience = ERASED, None, None
            changed += 1
    for feedback in db.session.scalars(
        select(ExhibitionFeedback)
        .join(Exhibition, Exhibition.id == ExhibitionFeedback.exhibition_id)
        .where(Exhibition.learner_id.in_(ids))
    ):
        if feedback.reviewer_name != ERASED or feedback.reviewer_role or feedback.comments:
            feedback.reviewer_name, feedback.reviewer_role, feedback.comments = ERASED, None, None
            changed += 1
    for narrative in db.session.scalars(
        select(AchievementNarrative).where(
            AchievementNarrative.learner_id.in_(ids), AchievementNarrative.text != ERASED
        )
    ):
        narrative.text = ERASED
        changed += 1
    return changed


data_protection.register(
    Section("learning_log", "Learning log, portfolio and exhibitions", export_section, erase_section)
)
