"""Reports per locality and period: events held, places offered, places booked, attendance rate, unique learners
reached, the share of the locality's learners on roll who attended anything, and cost per attendance.

Everything is counted in the database (``GROUP BY`` locality, a fixed number of statements however many events,
bookings and learners). An event counts in the period of its London start date, once it has started and unless it
was cancelled. Academy-wide events are reported under "academy-wide" (locality ``None``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, select

from virtualacademy import clock
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Attendance, AttendanceMark, Booking, BookingState, Event, EventStatus
from virtualacademy.services.localities import numbers_on_roll


@dataclass
class LocalityReport:
    locality_id: int | None
    events_held: int = 0
    places_offered: int = 0
    places_booked: int = 0
    attended: int = 0
    learners_reached: int = 0
    learners_on_roll: int = 0
    cost_pence: int = 0

    @property
    def attendance_rate(self) -> float | None:
        """Attended (present or late) as a share of places booked."""
        return self.attended / self.places_booked if self.places_booked else None

    @property
    def share_reached(self) -> float | None:
        return self.learners_reached / self.learners_on_roll if self.learners_on_roll else None

    @property
    def cost_per_attendance_pence(self) -> int | None:
        return round(self.cost_pence / self.attended) if self.attended else None


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    if end < start:
        raise ValidationError("The end of the period must be on or after its start", field="end")
    begin = clock.london_midnight(start)
    finish = min(clock.london_midnight(end + timedelta(days=1)), clock.now())
    return begin, finish


def report(
    start: date, end: date, locality_id: int | None = None, *, all_localities: bool = True
) -> list[LocalityReport]:
    """One row per locality with events held in the period (or only ``locality_id`` when ``all_localities`` is
    false), in locality order (academy-wide last)."""
    begin, finish = _bounds(start, end)
    held = and_(Event.status == EventStatus.PUBLISHED, Event.starts_at >= begin, Event.starts_at < finish)
    if not all_localities:
        held = and_(held, Event.locality_id == locality_id if locality_id is not None else Event.locality_id.is_(None))
    rows: dict[int | None, LocalityReport] = {}

    def row(key: int | None) -> LocalityReport:
        return rows.setdefault(key, LocalityReport(key))

    for key, count, places in db.session.execute(
        select(Event.locality_id, func.count(Event.id), func.coalesce(func.sum(Event.capacity), 0))
        .where(held)
        .group_by(Event.locality_id)
    ):
        row(key).events_held, row(key).places_offered = count, int(places)
    live_cost = case((Booking.refund_transfer_id.is_(None), Booking.cost_pence), else_=0)
    for key, booked, cost in db.session.execute(
        select(Event.locality_id, func.count(Booking.id), func.coalesce(func.sum(live_cost), 0))
        .join(Booking, Booking.event_id == Event.id)
        .where(held, Booking.state == BookingState.BOOKED)
        .group_by(Event.locality_id)
    ):
        row(key).places_booked, row(key).cost_pence = booked, int(cost)
    attended = Attendance.mark.in_([AttendanceMark.PRESENT, AttendanceMark.LATE])
    for key, marks, learners in db.session.execute(
        select(Event.locality_id, func.count(Attendance.id), func.count(func.distinct(Attendance.learner_id)))
        .join(Attendance, Attendance.event_id == Event.id)
        .where(held, attended)
        .group_by(Event.locality_id)
    ):
        row(key).attended, row(key).learners_reached = marks, learners
    on_roll = numbers_on_roll(min(end, clock.today()))
    for key, item in rows.items():
        item.learners_on_roll = on_roll.get(key, 0) if key is not None else sum(on_roll.values())
    return sorted(rows.values(), key=lambda r: (r.locality_id is None, r.locality_id or 0))


def locality_report(locality_id: int | None, start: date, end: date) -> LocalityReport:
    """The report for one locality (``None``: academy-wide events)."""
    found = report(start, end, locality_id, all_localities=False)
    if found:
        return found[0]
    empty = LocalityReport(locality_id)
    on_roll = numbers_on_roll(min(end, clock.today()))
    empty.learners_on_roll = on_roll.get(locality_id, 0) if locality_id is not None else sum(on_roll.values())
    return empty
