"""A year's three census days: finding one, and moving one before it is recorded (with a preview of what the
new day would record)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import CensusDate, Enrolment, FundingYear, User
from virtualacademy.services import audit
from virtualacademy.services.funding.common import CENSUS_KEYS, _long, census_due
from virtualacademy.services.funding.year_settings import find_year
from virtualacademy.services.localities import on_roll_filter


def census_of(year: FundingYear, key: str) -> CensusDate | None:
    return next((c for c in year.census_dates if c.key == key), None)


def find_census(year_text: str, key: str) -> CensusDate:
    """``("2026", "autumn")`` or ``("2026/27", "autumn")`` -> the census, or a ValidationError saying why not."""
    year = find_year(year_text)
    census = census_of(year, (key or "").strip().lower())
    if census is None:
        raise ValidationError(f"The census must be one of {', '.join(CENSUS_KEYS)}", field="census")
    return census


@dataclass
class CensusDateChange:
    """What moving a census day would mean, shown before the move is confirmed."""

    census: CensusDate
    before: date
    after: date
    #: Learners on roll on the new day, as enrolments stand now, and the income they would bring.
    learners: int
    income_pence: int
    #: The new day is today or past: once moved, the census can be recorded straight away.
    due_now: bool


def preview_census_date(census: CensusDate, on_date: date | None, today: date | None = None) -> CensusDateChange:
    """Check a new census day (as :func:`set_census_date` would) and work out what the census would then record,
    changing nothing."""
    _check_census_date(census, on_date)
    year = census.year
    learners = db.session.scalar(select(func.count(func.distinct(Enrolment.learner_id))).where(on_roll_filter(on_date)))
    return CensusDateChange(
        census=census,
        before=census.on_date,
        after=on_date,
        learners=learners,
        income_pence=learners * year.base_rate_pence * year.academy_share_bp // 30_000,
        due_now=census_due(on_date, today),
    )


def set_census_date(actor: User | None, census: CensusDate, on_date: date | None) -> CensusDate:
    """Move a census day, before it is recorded; it stays inside the year and in autumn-spring-summer order."""
    _check_census_date(census, on_date)
    if on_date == census.on_date:
        return census
    before = census.on_date
    census.on_date = on_date
    db.session.flush()
    audit.record(
        "funding.census_date_changed",
        actor=actor,
        obj=census,
        detail={
            "year": census.year.label,
            "census": census.key,
            "from": before.isoformat(),
            "to": on_date.isoformat(),
        },
    )
    return census


def _check_census_date(census: CensusDate, on_date: date | None) -> None:
    year = census.year
    if year.closed_at is not None:
        raise NotAllowed(f"{year.label} is closed: its census dates can no longer change")
    if census.recorded_at is not None:
        raise NotAllowed(f"The {census.key} census has been recorded: its date can no longer change", field="on_date")
    if on_date is None:
        raise ValidationError("Enter the census date", field="on_date")
    if not year.starts_on <= on_date <= year.ends_on:
        raise ValidationError(
            f"The census date must be in the funding year, from {_long(year.starts_on)} to {_long(year.ends_on)}",
            field="on_date",
        )
    position = CENSUS_KEYS.index(census.key)
    for other in year.census_dates:
        if other is census:
            continue
        other_position = CENSUS_KEYS.index(other.key)
        if other_position < position and other.on_date >= on_date:
            raise ValidationError(
                f"The {census.key} census must be after the {other.key} census ({_long(other.on_date)})",
                field="on_date",
            )
        if other_position > position and other.on_date <= on_date:
            raise ValidationError(
                f"The {census.key} census must be before the {other.key} census ({_long(other.on_date)})",
                field="on_date",
            )
