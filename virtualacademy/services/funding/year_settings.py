"""Funding years: setting one up with its rates and census days, changing its settings, and finding years."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from virtualacademy import clock
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import CensusDate, FundingYear, User, YearEndPolicy
from virtualacademy.services import audit, ledger
from virtualacademy.services.funding.common import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_PER_LEARNER_PENCE,
    _third,
    percent,
    year_label,
)


def _nth_thursday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 7 * (n - 1))


def default_census_dates(start_year: int) -> dict[str, date]:
    """First Thursday of October, third Thursday of January, third Thursday of May."""
    return {
        "autumn": _nth_thursday(start_year, 10, 1),
        "spring": _nth_thursday(start_year + 1, 1, 3),
        "summer": _nth_thursday(start_year + 1, 5, 3),
    }


@dataclass
class YearSettings:
    """What admin sets for a year. Money in pence, shares in basis points; a base rate of 0 means not set yet."""

    base_rate_pence: int = 0
    academy_share_bp: int = 5000
    core_topslice_bp: int = 0
    mentor_topslice_bp: int = 0
    coordinator_grant_pence: int = 0
    personal_budget_pence: int = 0
    year_end_policy: YearEndPolicy = YearEndPolicy.CARRY_FORWARD

    @classmethod
    def of(cls, year: FundingYear) -> YearSettings:
        return cls(**{name: getattr(year, name) for name in SETTING_FIELDS})


SETTING_FIELDS = (
    "base_rate_pence",
    "academy_share_bp",
    "core_topslice_bp",
    "mentor_topslice_bp",
    "coordinator_grant_pence",
    "personal_budget_pence",
    "year_end_policy",
)
#: Settings that decide census allocations: fixed once a census of the year is recorded.
RATE_FIELDS = SETTING_FIELDS[:-1]
#: The form field each setting is entered in (for errors).
FORM_FIELD = {
    "base_rate_pence": "base_rate",
    "academy_share_bp": "academy_share",
    "core_topslice_bp": "core_topslice",
    "mentor_topslice_bp": "mentor_topslice",
    "coordinator_grant_pence": "coordinator_grant",
    "personal_budget_pence": "personal_budget",
    "year_end_policy": "year_end_policy",
}


def _check_settings(settings: YearSettings) -> None:
    def whole(value, name: str, what: str, most: int, most_text: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(f"{what} must be a whole number of pence, £0 or more", field=FORM_FIELD[name])
        if value > most:
            raise ValidationError(f"{what} is too large: the most is {most_text}", field=FORM_FIELD[name])

    whole(settings.base_rate_pence, "base_rate_pence", "The base rate", MAX_PER_LEARNER_PENCE, "£100,000 a learner")
    whole(
        settings.coordinator_grant_pence,
        "coordinator_grant_pence",
        "The coordinator grant",
        ledger.MAX_TRANSFER_PENCE,
        "£10,000,000",
    )
    whole(
        settings.personal_budget_pence,
        "personal_budget_pence",
        "The learning budget",
        MAX_PER_LEARNER_PENCE,
        "£100,000 a learner",
    )
    for name, what in (
        ("academy_share_bp", "The academy's share"),
        ("core_topslice_bp", "The core provision top-slice"),
        ("mentor_topslice_bp", "The mentor team top-slice"),
    ):
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
            raise ValidationError(f"{what} must be from 0% to 100%", field=FORM_FIELD[name])
    if settings.core_topslice_bp + settings.mentor_topslice_bp > 10_000:
        raise ValidationError(
            f"The top-slices add up to {percent(settings.core_topslice_bp + settings.mentor_topslice_bp)}: "
            "core provision and the mentor team together can take at most 100%",
            field="mentor_topslice",
        )
    if not isinstance(settings.year_end_policy, YearEndPolicy):
        raise ValidationError("Choose what happens to unspent money at the end of the year", field="year_end_policy")


def _settings_detail(settings: YearSettings) -> dict:
    return {name: str(getattr(settings, name)) for name in SETTING_FIELDS}


def years() -> list[FundingYear]:
    return list(db.session.scalars(select(FundingYear).order_by(FundingYear.starts_on.desc())))


def open_years() -> list[FundingYear]:
    return [y for y in years() if y.closed_at is None]


def year_starting(start_year: int) -> FundingYear | None:
    return db.session.scalar(select(FundingYear).where(FundingYear.starts_on == date(start_year, 9, 1)))


def suggested_start_year(on: date | None = None) -> int:
    """The year a new funding year most likely starts: the current one, or the first after it not set up."""
    on = on or clock.today()
    start = on.year if on.month >= 9 else on.year - 1
    taken = {y.starts_on.year for y in years()}
    while start in taken:
        start += 1
    return start


def year_covering(on: date) -> FundingYear | None:
    return ledger.year_covering(on)


@dataclass(frozen=True)
class LearningBudgetPlan:
    """How money comes into learners' learning budgets in the funding year of a day, for families to read."""

    year_label: str
    #: The year's learning budget for each learner.
    yearly_pence: int
    #: The year's census days: each learner enrolled on one gets a third of the yearly amount.
    census_days: list[date]
    #: The next census day still to come (today included, and not yet recorded), and what it adds; None when the
    #: year's last census has passed.
    next_on: date | None
    next_pence: int


def learning_budget_plan(on: date) -> LearningBudgetPlan | None:
    """The plan for ``on``'s funding year, or None if no year covers it (nothing can be said about money)."""
    year = year_covering(on)
    if year is None:
        return None
    censuses = sorted(year.census_dates, key=lambda c: c.on_date)
    upcoming = next((c for c in censuses if c.recorded_at is None and c.on_date >= on), None)
    return LearningBudgetPlan(
        year_label=year.label,
        yearly_pence=year.personal_budget_pence,
        census_days=[c.on_date for c in censuses],
        next_on=upcoming.on_date if upcoming else None,
        next_pence=_third(year.personal_budget_pence, upcoming.key) if upcoming else 0,
    )


def create_year(actor: User | None, start_year: int, settings: YearSettings) -> FundingYear:
    """A new funding year (1 September to 31 August) with its three census dates at their defaults."""
    if isinstance(start_year, bool) or not isinstance(start_year, int) or not FIRST_YEAR <= start_year <= LAST_YEAR:
        raise ValidationError(
            f"Enter the year it starts as 4 digits, from {FIRST_YEAR} to {LAST_YEAR}", field="start_year"
        )
    _check_settings(settings)
    if year_starting(start_year) is not None:
        raise ValidationError(f"There is already a funding year {year_label(start_year)}", field="start_year")
    year = FundingYear(starts_on=date(start_year, 9, 1), **{n: getattr(settings, n) for n in SETTING_FIELDS})
    year.census_dates = [CensusDate(key=k, on_date=d) for k, d in default_census_dates(start_year).items()]
    try:
        with db.session.begin_nested():
            db.session.add(year)
    except IntegrityError:  # created at the same moment by someone else
        raise ValidationError(f"There is already a funding year {year_label(start_year)}", field="start_year") from None
    audit.record(
        "funding.year_created",
        actor=actor,
        obj=year,
        detail={
            "year": year.label,
            **_settings_detail(settings),
            "census_dates": {c.key: c.on_date.isoformat() for c in year.census_dates},
        },
    )
    return year


def recorded_censuses(year: FundingYear) -> list[CensusDate]:
    return [c for c in year.census_dates if c.recorded_at is not None]


def update_year(actor: User | None, year: FundingYear, settings: YearSettings) -> FundingYear:
    """Change a year's settings. Rates are fixed once any census of the year has been recorded, so every census
    of a year is allocated by the same rules; the year-end policy can change until the year is closed."""
    if year.closed_at is not None:
        raise NotAllowed(f"{year.label} is closed: its settings can no longer change")
    _check_settings(settings)
    before = YearSettings.of(year)
    changed = [n for n in SETTING_FIELDS if getattr(before, n) != getattr(settings, n)]
    recorded = recorded_censuses(year)
    if recorded:
        locked = [n for n in changed if n in RATE_FIELDS]
        if locked:
            raise ValidationError(
                f"The rates cannot change: census income has already been recorded for {year.label} "
                f"({', '.join(c.key for c in recorded)})",
                field=FORM_FIELD[locked[0]],
            )
    if not changed:
        return year
    for name in changed:
        setattr(year, name, getattr(settings, name))
    db.session.flush()
    audit.record(
        "funding.year_updated",
        actor=actor,
        obj=year,
        detail={"year": year.label, **{n: [str(getattr(before, n)), str(getattr(settings, n))] for n in changed}},
    )
    return year


def find_year(year_text: str) -> FundingYear:
    match = re.fullmatch(r"\s*(\d{4})(?:/(\d{2}))?\s*", year_text or "")
    if not match or (match.group(2) and int(match.group(2)) != (int(match.group(1)) + 1) % 100):
        raise ValidationError("Give the funding year by the year it starts, like 2026 (or 2026/27)", field="year")
    start = int(match.group(1))
    year = year_starting(start)
    if year is None:
        raise ValidationError(
            f"There is no funding year {year_label(start)}: set it up (and its rates) first", field="year"
        )
    return year
