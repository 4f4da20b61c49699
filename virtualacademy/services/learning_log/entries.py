"""Log entries: what the form sends, the edit window, the checks (a day holds at most 24 hours), and adding,
changing and deleting an entry (a change after the window is a correction, recorded as one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from virtualacademy import clock
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import ActivityType, Goal, Learner, LearningPlan, LogEntry, SubjectArea, User
from virtualacademy.services import audit
from virtualacademy.services.learning_log.access import _require_write, may_correct, may_write
from virtualacademy.services.learning_log.common import DAY_MINUTES, DESCRIPTION_MAX, EDIT_WINDOW_DAYS, duration

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


def may_edit_each(user: User, learner: Learner, entries: list[LogEntry], today: date) -> dict[int, bool]:
    """:func:`may_edit` for each of ``learner``'s ``entries``, by entry id: each relation is asked once, however
    many entries there are."""
    answers: dict[bool, bool] = {}

    def allowed(locked: bool) -> bool:
        if locked not in answers:
            answers[locked] = may_correct(user, learner) if locked else may_write(user, learner)
        return answers[locked]

    return {entry.id: allowed(is_locked(entry, today)) for entry in entries}


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
