"""Attendance in learning per locality: days with learning and hours per learner per week over a period, and the
learners on roll with nothing logged for 14 days (the learning log's gap rule)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, event, func, inspect, or_, select
from sqlalchemy.orm import Session

from virtualacademy.database import chunked
from virtualacademy.extensions import db
from virtualacademy.models import Enrolment, Learner, LearningDay, LogEntry
from virtualacademy.services.learning_log.common import GAP_DAYS
from virtualacademy.services.localities import on_roll_filter
from virtualacademy.services.overview.common import Period, chosen


@dataclass
class LocalityAttendance:
    #: learners on roll at the end of the period
    on_roll: int = 0
    #: days on which a learner logged learning (one per learner per day), and the minutes logged
    learning_days: int = 0
    minutes: int = 0
    #: learners on roll on the day asked about with no learning logged for GAP_DAYS days
    without_learning: int = 0

    def per_learner_week(self, weeks: float) -> tuple[float | None, float | None]:
        """(days, hours) of learning per learner per week."""
        if not self.on_roll or weeks <= 0:
            return None, None
        return (
            round(self.learning_days / self.on_roll / weeks, 1),
            round(self.minutes / 60 / self.on_roll / weeks, 1),
        )


@dataclass
class Attendance:
    period: Period
    today: date
    by_locality: dict[int, LocalityAttendance] = field(default_factory=dict)

    def total(self, locality_ids: list[int] | None = None) -> LocalityAttendance:
        result = LocalityAttendance()
        for locality_id, row in chosen(self.by_locality, locality_ids):
            if locality_ids is None or locality_id in locality_ids:
                result.on_roll += row.on_roll
                result.learning_days += row.learning_days
                result.minutes += row.minutes
                result.without_learning += row.without_learning
        return result


def without_learning_filter(today: date):
    """SQL condition on a learner and their enrolment on roll: nothing logged for ``GAP_DAYS`` days, counted from
    the last logged day or, if nothing since, from the start of the enrolment."""
    since = today - timedelta(days=GAP_DAYS)
    return and_(
        Enrolment.start_date <= since,
        or_(Learner.last_logged_on.is_(None), Learner.last_logged_on <= since),
    )


def attendance(
    period: Period,
    today: date,
    on_roll: dict[int, int] | None = None,
    without_learning: dict[int, int] | None = None,
) -> Attendance:
    """Per locality (the learner's): learners on roll at the period's end, days with learning and minutes logged in
    the period (from the summary :class:`LearningDay`, a row per locality a day, kept below), and learners on roll
    ``today`` without learning for 14 days. ``on_roll`` and ``without_learning``, when the caller has counted them
    already (the roll and the cohort do), are used as given. One to three grouped statements."""
    result = Attendance(period, today)

    def row(locality_id: int) -> LocalityAttendance:
        return result.by_locality.setdefault(locality_id, LocalityAttendance())

    if on_roll is None:
        on_roll = dict(
            db.session.execute(
                select(Enrolment.locality_id, func.count())
                .where(on_roll_filter(period.end))
                .group_by(Enrolment.locality_id)
            ).all()
        )
    for locality_id, count in on_roll.items():
        row(locality_id).on_roll = count
    for locality_id, learning_days, minutes in db.session.execute(
        select(LearningDay.locality_id, func.sum(LearningDay.learners), func.sum(LearningDay.minutes))
        .where(LearningDay.on_date.between(period.start, period.end))
        .group_by(LearningDay.locality_id)
        .having(func.sum(LearningDay.learners) > 0)
    ):
        row(locality_id).learning_days = int(learning_days)
        row(locality_id).minutes = int(minutes)
    if without_learning is None:
        without_learning = dict(
            db.session.execute(
                select(Enrolment.locality_id, func.count())
                .join(Learner, Learner.id == Enrolment.learner_id)
                .where(on_roll_filter(today), without_learning_filter(today))
                .group_by(Enrolment.locality_id)
            ).all()
        )
    for locality_id, count in without_learning.items():
        row(locality_id).without_learning = count
    return result


# --- the summary of learning days, kept in step with the log ---------------------------------------------------
#
# Each flush that adds, changes or deletes log entries, or changes (or deletes) a learner whose locality matters,
# notes those learners before it writes: their learning days (minutes a day) and locality as the database holds
# them. After the flush the same is read again, and the difference is added to ``learning_day``: the learner's
# days leave their old locality's rows and join their new one's. The change goes in the same transaction.

_BEFORE = "overview.learning_days.before"


def _days_of(connection, learner_ids: set[int]) -> dict[int, tuple[int | None, dict[date, int]]]:
    """Each learner's locality and minutes logged a day, as the database holds them now."""
    log, learner = LogEntry.__table__, Learner.__table__
    found: dict[int, tuple[int | None, dict[date, int]]] = {}
    for some in chunked(sorted(learner_ids)):
        for learner_id, locality_id in connection.execute(
            select(learner.c.id, learner.c.locality_id).where(learner.c.id.in_(some))
        ):
            found[learner_id] = (locality_id, {})
        for learner_id, on_date, minutes in connection.execute(
            select(log.c.learner_id, log.c.on_date, func.sum(log.c.minutes))
            .where(log.c.learner_id.in_(some))
            .group_by(log.c.learner_id, log.c.on_date)
        ):
            found.setdefault(learner_id, (None, {}))[1][on_date] = int(minutes)
    return found


def learners_changing(session: Session, kind: type) -> set[int]:
    """The learners a flush is about to change rows of ``kind`` (anything with ``learner_id`` and ``learner``) for,
    before and after the change, and the learners it moves to another locality or deletes: whose figures in a
    summary per locality must be noted before the flush and read again after it."""
    learners: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, kind):
            state = inspect(obj)
            learners.update(v for v in state.attrs.learner_id.history.sum() if v is not None)
            learners.update(v.id for v in state.attrs.learner.history.sum() if v is not None and v.id is not None)
            if obj.learner_id is not None:
                learners.add(obj.learner_id)
        elif isinstance(obj, Learner) and obj.id is not None and (obj in session.deleted or _moved(obj)):
            learners.add(obj.id)
    return learners


@event.listens_for(Session, "before_flush")
def _note_learners(session: Session, _context, _instances) -> None:
    learners = learners_changing(session, LogEntry)
    # noted afresh for each flush (a flush that failed leaves nothing behind for the next)
    session.info[_BEFORE] = _days_of(session.connection(), learners) if learners else {}


def _moved(learner: Learner) -> bool:
    attrs = inspect(learner).attrs
    return attrs.locality_id.history.has_changes() or attrs.locality.history.has_changes()


@event.listens_for(Session, "after_flush_postexec")
def _keep_learning_days(session: Session, _context) -> None:
    before = session.info.pop(_BEFORE, None)
    if not before:
        return
    after = _days_of(session.connection(), set(before))
    change: dict[tuple[int, date], list[int]] = {}
    for learner_id, (locality_id, days) in before.items():
        for on_date, minutes in days.items():
            if locality_id is not None:
                sums = change.setdefault((locality_id, on_date), [0, 0])
                sums[0] -= 1
                sums[1] -= minutes
        locality_id, days = after.get(learner_id, (None, {}))
        for on_date, minutes in days.items():
            if locality_id is not None:
                sums = change.setdefault((locality_id, on_date), [0, 0])
                sums[0] += 1
                sums[1] += minutes
    rows = [
        {"locality_id": locality_id, "on_date": on_date, "learners": n, "minutes": minutes}
        for (locality_id, on_date), (n, minutes) in sorted(change.items())
        if n or minutes
    ]
    if rows:
        session.connection().execute(_upsert(), rows)


def _upsert():
    table = LearningDay.__table__
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.locality_id, table.c.on_date],
        set_={
            "learners": table.c.learners + stmt.excluded.learners,
            "minutes": table.c.minutes + stmt.excluded.minutes,
        },
    )


def learning_days_from_the_log():
    """A select of the summary's rows worked out from the log: (locality, day, learners, minutes)."""
    days = (
        select(LogEntry.learner_id, LogEntry.on_date, func.sum(LogEntry.minutes).label("minutes"))
        .group_by(LogEntry.learner_id, LogEntry.on_date)
        .subquery()
    )
    return (
        select(Learner.locality_id, days.c.on_date, func.count(), func.sum(days.c.minutes))
        .join(Learner, Learner.id == days.c.learner_id)
        .where(Learner.locality_id.is_not(None))
        .group_by(Learner.locality_id, days.c.on_date)
    )


def rebuild_learning_days() -> None:
    """Rebuild the summary from the log, in the session's transaction (after bulk inserts that bypass the ORM)."""
    table = LearningDay.__table__
    db.session.execute(table.delete())
    db.session.execute(
        table.insert().from_select(["locality_id", "on_date", "learners", "minutes"], learning_days_from_the_log())
    )
