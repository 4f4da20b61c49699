"""Attendance in learning per locality: days with learning and hours per learner per week over a period, and the
learners on roll with nothing logged for 14 days (the learning log's gap rule)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select

from virtualacademy.extensions import db
from virtualacademy.models import Enrolment, Learner, LogEntry
from virtualacademy.services.learning_log.common import GAP_DAYS
from virtualacademy.services.localities import on_roll_filter
from virtualacademy.services.overview.common import Period


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
        for locality_id, row in self.by_locality.items():
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


def attendance(period: Period, today: date) -> Attendance:
    """Per locality (the learner's): learners on roll at the period's end, days with learning and minutes logged in
    the period, and learners on roll ``today`` without learning for 14 days. Three grouped statements."""
    result = Attendance(period, today)

    def row(locality_id: int) -> LocalityAttendance:
        return result.by_locality.setdefault(locality_id, LocalityAttendance())

    for locality_id, count in db.session.execute(
        select(Enrolment.locality_id, func.count()).where(on_roll_filter(period.end)).group_by(Enrolment.locality_id)
    ):
        row(locality_id).on_roll = count
    days = (
        select(LogEntry.learner_id, LogEntry.on_date, func.sum(LogEntry.minutes).label("minutes"))
        .where(LogEntry.on_date.between(period.start, period.end))
        .group_by(LogEntry.learner_id, LogEntry.on_date)
        .subquery()
    )
    for locality_id, learning_days, minutes in db.session.execute(
        select(Learner.locality_id, func.count(), func.coalesce(func.sum(days.c.minutes), 0))
        .join(Learner, Learner.id == days.c.learner_id)
        .where(days.c.minutes > 0)
        .group_by(Learner.locality_id)
    ):
        if locality_id is not None:
            row(locality_id).learning_days = learning_days
            row(locality_id).minutes = int(minutes)
    for locality_id, count in db.session.execute(
        select(Enrolment.locality_id, func.count())
        .join(Learner, Learner.id == Enrolment.learner_id)
        .where(on_roll_filter(today), without_learning_filter(today))
        .group_by(Enrolment.locality_id)
    ):
        row(locality_id).without_learning = count
    return result
