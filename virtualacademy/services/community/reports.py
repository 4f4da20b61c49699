"""Reports per locality and period: events held, places offered, places booked, attendance rate, unique learners
reached, the share of the locality's learners on roll who attended anything, and cost per attendance.

Everything is counted in the database (``GROUP BY`` locality, a fixed number of statements however many events,
bookings and learners). An event counts in the period of its London start date, once it has started and unless it
was cancelled. Academy-wide events are reported under "academy-wide" (locality ``None``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, select

from virtualacademy import clock
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    Attendance,
    AttendanceMark,
    Booking,
    BookingState,
    Event,
    EventStatus,
    Locality,
)
from virtualacademy.money import pounds_number
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


# --- the report page: named rows, the academy average and academy-wide events ------------------------------------

#: The name of the row for events open to the whole academy.
ACADEMY_WIDE = "Academy-wide events"
#: The name of the row that averages every active locality.
ACADEMY_AVERAGE = "Academy average (per locality)"


def percent(share: float | None) -> Decimal | None:
    """A share (0 to 1) as a percentage to one decimal place (``4 / 6`` -> ``66.7``; ``0.5`` -> ``50``)."""
    return None if share is None else _tidy(Decimal(share) * 100)


def _tidy(value: Decimal) -> Decimal:
    """To one decimal place, and whole numbers without one (``66.67`` -> ``66.7``, ``50.0`` -> ``50``)."""
    value = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def _average(value: int, localities: int) -> Decimal:
    """A count per locality (``5 / 2`` -> ``2.5``; ``4 / 2`` -> ``2``)."""
    return _tidy(Decimal(value) / localities) if localities else Decimal(0)


@dataclass
class ReportLine:
    """One row of the report as shown, in the page, its table and its CSV: a locality, the academy-wide events,
    or the academy average (counts per locality, to one decimal place; rates from the academy's totals)."""

    name: str
    locality_id: int | None
    events_held: int | Decimal
    places_offered: int | Decimal
    places_booked: int | Decimal
    attended: int | Decimal
    attendance_percent: Decimal | None
    learners_reached: int | Decimal
    learners_on_roll: int | Decimal
    reached_percent: Decimal | None
    cost_pence: int
    cost_per_attendance_pence: int | None
    kind: str = "locality"  # "locality", "academy-wide" or "average"


def _line(name: str, row: LocalityReport, kind: str = "locality") -> ReportLine:
    return ReportLine(
        name,
        row.locality_id,
        row.events_held,
        row.places_offered,
        row.places_booked,
        row.attended,
        percent(row.attendance_rate),
        row.learners_reached,
        row.learners_on_roll,
        percent(row.share_reached),
        row.cost_pence,
        row.cost_per_attendance_pence,
        kind,
    )


@dataclass
class CommunityReport:
    start: date
    end: date
    #: The localities asked about, by name (every one, with zeros where nothing was held).
    lines: list[ReportLine]
    #: Every active locality averaged, for comparison.
    average: ReportLine
    #: The academy-wide events (None unless every locality was asked about).
    academy_wide: ReportLine | None

    @property
    def every_line(self) -> list[ReportLine]:
        return [*self.lines, *([self.academy_wide] if self.academy_wide else []), self.average]


def community_report(start: date, end: date, locality_ids: list[int] | None = None) -> CommunityReport:
    """The report page's rows for the period: one per locality in ``locality_ids`` (``None``: every locality, and
    the academy-wide events too), by name, then the academy average over every active locality. The same few
    grouped statements however many localities, events and learners (``report`` counts every locality at once)."""
    counted = {row.locality_id: row for row in report(start, end)}
    on_roll = numbers_on_roll(min(end, clock.today()))
    named = select(Locality.id, Locality.name, Locality.active).order_by(Locality.name, Locality.id)
    if locality_ids is not None:
        named = named.where(Locality.id.in_(locality_ids))
    localities = db.session.execute(named).all()
    lines = []
    for locality_id, name, _active in localities:
        row = counted.get(locality_id) or LocalityReport(locality_id, learners_on_roll=on_roll.get(locality_id, 0))
        lines.append(_line(name, row))
    academy_wide = None
    if locality_ids is None and None in counted:
        academy_wide = _line(ACADEMY_WIDE, counted[None], "academy-wide")
    return CommunityReport(start, end, lines, _academy_average(counted, on_roll), academy_wide)


def _academy_average(counted: dict[int | None, LocalityReport], on_roll: dict[int, int]) -> ReportLine:
    active = set(db.session.scalars(select(Locality.id).where(Locality.active.is_(True))))
    total = LocalityReport(None)
    for key, row in counted.items():
        if key in active:
            for name in ("events_held", "places_offered", "places_booked", "attended", "learners_reached"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
            total.cost_pence += row.cost_pence
    total.learners_on_roll = sum(count for key, count in on_roll.items() if key in active)
    n = len(active)
    return ReportLine(
        ACADEMY_AVERAGE,
        None,
        _average(total.events_held, n),
        _average(total.places_offered, n),
        _average(total.places_booked, n),
        _average(total.attended, n),
        percent(total.attendance_rate),
        _average(total.learners_reached, n),
        _average(total.learners_on_roll, n),
        percent(total.share_reached),
        round(total.cost_pence / n) if n else 0,
        total.cost_per_attendance_pence,
        "average",
    )


CSV_HEADER = [
    "Locality",
    "From",
    "To",
    "Events held",
    "Places offered",
    "Places booked",
    "Attendances",
    "Attendance rate (%)",
    "Learners reached",
    "Learners on roll",
    "Learners reached (% of those on roll)",
    "Cost (GBP)",
    "Cost per attendance (GBP)",
]


def csv_rows(found: CommunityReport):
    """The report's rows for ``csv_export.response``: the same figures as the page, money in pounds."""
    yield CSV_HEADER
    for line in found.every_line:
        yield [
            line.name,
            found.start,
            found.end,
            line.events_held,
            line.places_offered,
            line.places_booked,
            line.attended,
            line.attendance_percent,
            line.learners_reached,
            line.learners_on_roll,
            line.reached_percent,
            pounds_number(line.cost_pence),
            pounds_number(line.cost_per_attendance_pence) if line.cost_per_attendance_pence is not None else None,
        ]
