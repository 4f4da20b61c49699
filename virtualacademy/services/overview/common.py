"""What every section of the overview shares: the period, the localities, and a measure's spread."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Locality

#: The longest period the overview covers at once.
MAX_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError("The end of the period must be on or after its start", field="end")
        if (self.end - self.start).days > MAX_PERIOD_DAYS:
            raise ValidationError("Choose a period of three years or less", field="start")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def weeks(self) -> float:
        return self.days / 7

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as stored (UTC) times: from London midnight on its first day to London midnight after its
        last."""
        return clock.london_midnight(self.start), clock.london_midnight(self.end + timedelta(days=1))

    def month_ends(self) -> list[date]:
        """The last day of each month in the period (the period's own end for its last, part month)."""
        ends = []
        year, month = self.start.year, self.start.month
        while True:
            following = date(year + (month == 12), month % 12 + 1, 1)
            last = min(following - timedelta(days=1), self.end)
            ends.append(last)
            if last >= self.end:
                return ends
            year, month = following.year, following.month

    def months(self) -> list[tuple[date, date]]:
        """Each month of the period as (first day in the period, last day in the period)."""
        return [(max(end.replace(day=1), self.start), end) for end in self.month_ends()]


def month_label(day: date) -> str:
    return day.strftime("%b %Y")


def localities(ids: list[int] | None = None) -> list[Locality]:
    """The localities a view shows, by name (every one when ``ids`` is None)."""
    stmt = select(Locality).order_by(Locality.name)
    if ids is not None:
        stmt = stmt.where(Locality.id.in_(ids))
    return list(db.session.scalars(stmt))


def chosen(by_locality: dict, locality_ids) -> list[tuple]:
    """The ``(locality id, figures)`` pairs of ``by_locality`` for ``locality_ids`` (every one when None), found by
    key: the page asks for each locality on its own, so this is called a few thousand times a view."""
    if locality_ids is None:
        return list(by_locality.items())
    return [(i, by_locality[i]) for i in set(locality_ids) if i in by_locality]


@dataclass(frozen=True)
class Spread:
    """A measure across every locality: the academy's figure (its total, or its rate over all learners), the
    average locality's, and the lowest, middle and highest locality's."""

    academy: float | None
    average: float | None
    lowest: float | None
    middle: float | None
    highest: float | None
    localities: int = 0

    @classmethod
    def of(cls, values: list[float | None], academy: float | None) -> Spread:
        known = [v for v in values if v is not None]
        if not known:
            return cls(academy, None, None, None, None, 0)
        return cls(
            academy,
            round(sum(known) / len(known), 1),
            min(known),
            round(median(known), 1),
            max(known),
            len(known),
        )


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` as a percentage to one decimal place (None when there is no whole)."""
    return round(100 * part / whole, 1) if whole else None


@dataclass
class PerLocality:
    """One number for each locality (by id), and the academy's."""

    values: dict[int, float | int | None] = field(default_factory=dict)
    academy: float | int | None = None

    def spread(self) -> Spread:
        return Spread.of(list(self.values.values()), self.academy)
