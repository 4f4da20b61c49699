"""What every part of funding shares: the census names, limits, how shares and years are written, and the
row lock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import AccountKind, FundingYear, YearEndPolicy
from virtualacademy.services import ledger

LONDON = clock.LONDON

CENSUS_KEYS = ("autumn", "spring", "summer")
CENSUS_LABELS = {"autumn": "Autumn", "spring": "Spring", "summer": "Summer"}
YEAR_END_POLICY_LABELS = {
    YearEndPolicy.CARRY_FORWARD: "Carry forward: unspent balances stay where they are into the next year",
    YearEndPolicy.RETURN_TO_CENTRAL: "Return: unspent learning budgets and locality budgets go back to core provision",
}
#: The first and last funding years the academy can set up (anything else is a typo).
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: A per-learner rate or learning budget above £100,000 a year is a typo.
MAX_PER_LEARNER_PENCE = 10_000_000
#: Central accounts and localities: the only accounts money is moved between by hand.
CENTRAL_KINDS = (AccountKind.CENTRAL_CORE, AccountKind.CENTRAL_MENTOR, AccountKind.CENTRAL_EXAMS)


class StalePreview(ValidationError):
    """The figures changed between the preview the admin saw and the confirmation."""


def year_label(start_year: int) -> str:
    return f"{start_year}/{str(start_year + 1)[-2:]}"


def percent(bp: int) -> str:
    """Basis points shown as a percentage: 1250 -> ``12.5%``."""
    return f"{format((Decimal(bp) / 100).normalize(), 'f')}%"


def parse_percent(text: str | None, field: str = "percent", what: str = "the percentage") -> int:
    """``"12.5"`` or ``"12.50%"`` -> 1250 basis points; at most two decimal places, from 0 to 100. Read by the
    ledger's one reading of typed numbers (:func:`ledger.read_number`), so ``1E+2`` or ``5_0`` are refused."""
    what_ = f"{what[0].upper()}{what[1:]}"
    number = ledger.read_number(text, suffix="%")
    if number is None:
        raise ValidationError(f"Enter {what} as a number, like 12.5", field=field)
    bp = number.scaled(2, most_digits=3)
    if number.negative and (bp or number.beyond(2)):
        raise ValidationError(f"{what_} cannot be negative", field=field)
    if bp is None or bp > 10_000 or (bp == 10_000 and number.beyond(2)):
        raise ValidationError(f"{what_} must be 100% or less", field=field)
    if number.beyond(2):
        raise ValidationError(f"{what_} can have at most two decimal places, like 12.75", field=field)
    return bp


def _third(yearly_pence: int, key: str) -> int:
    """A third of a yearly amount for one census; the summer census takes the odd pennies."""
    base = yearly_pence // 3
    return yearly_pence - 2 * base if key == "summer" else base


def census_due(on_date: date, today: date | None = None) -> bool:
    """Whether a census on ``on_date`` is due ``today``: it may be recorded on its day or after, never before."""
    return on_date <= (today or clock.today())


def _lock(model, ident):
    """Reload one row, locked for the rest of the transaction on PostgreSQL (SQLite's writers are already
    serialised by ``BEGIN IMMEDIATE``)."""
    stmt = select(model).where(model.id == ident).execution_options(populate_existing=True)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt)


def _long(value: date) -> str:
    return value.strftime("%-d %B %Y")


def _bounds(year: FundingYear) -> tuple[datetime, datetime]:
    return (
        datetime.combine(year.starts_on, time(), LONDON),
        datetime.combine(year.ends_on + timedelta(days=1), time(), LONDON),
    )
