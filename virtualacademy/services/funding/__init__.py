"""Funding years, census runs, central and locality money, year-end and the academy overview.

Every penny moves through :mod:`virtualacademy.services.ledger`; this module decides *what* to post. The scheme
and its rounding are described in ``docs/funding.md``; in short, for one census of a year:

1. **Income**: ``learners on roll × base rate × academy share ÷ 3``, computed on whole numbers (pence and basis
   points) and rounded *down* to a whole penny once, for the census as a whole. It is posted from the funding
   source to core provision.
2. **Allocations** out of core provision, each a separate transfer: the mentor top-slice; a third of the yearly
   coordinator grant to each locality; a third of the yearly learning budget to each learner on roll; and the
   *remainder* to localities in proportion to the learners on roll there (largest-remainder rounding). Core keeps
   its own top-slice. The summer census carries the odd pennies of the thirds, so the three add up to the year.
3. Top-slices are rounded down; their odd pennies fall into the remainder. So the allocations always add up to the
   income exactly, and every transfer has an idempotency key derived from the census (``census:<id>:...``).

Services flush; the caller commits once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property

from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from virtualacademy import clock
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    Account,
    AccountKind,
    CensusDate,
    Enrolment,
    FundingYear,
    Learner,
    Locality,
    LocalityRole,
    LocalityStaff,
    Role,
    SpendingCategory,
    SpendRequest,
    Transfer,
    TransferKind,
    User,
    YearEndPolicy,
)
from virtualacademy.models.funding import BUDGET_KINDS, SPENDING_CATEGORY_LABELS
from virtualacademy.services import audit, ledger
from virtualacademy.services.localities import on_roll_filter

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
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


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


def _lock(model, ident):
    """Reload one row, locked for the rest of the transaction on PostgreSQL (SQLite's writers are already
    serialised by ``BEGIN IMMEDIATE``)."""
    stmt = select(model).where(model.id == ident).execution_options(populate_existing=True)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt)


# --- funding years ----------------------------------------------------------------------------------


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


def census_of(year: FundingYear, key: str) -> CensusDate | None:
    return next((c for c in year.census_dates if c.key == key), None)


def find_census(year_text: str, key: str) -> CensusDate:
    """``("2026", "autumn")`` or ``("2026/27", "autumn")`` -> the census, or a ValidationError saying why not."""
    year = find_year(year_text)
    census = census_of(year, (key or "").strip().lower())
    if census is None:
        raise ValidationError(f"The census must be one of {', '.join(CENSUS_KEYS)}", field="census")
    return census


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
        due_now=on_date <= (today or clock.today()),
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


def _long(value: date) -> str:
    return value.strftime("%-d %B %Y")


# --- census runs ---------------------------------------------------------------------------------------


@dataclass
class Posting:
    """One transfer a census will post: from core provision (or, for the income, from the funding source)."""

    key: str
    kind: TransferKind
    #: ``central_core``, ``central_mentor``, ``locality`` or ``personal``.
    to: str
    amount_pence: int
    memo: str
    #: Who receives it, for the preview.
    label: str
    locality: Locality | None = None
    learner: OnRoll | None = None

    @property
    def source(self) -> str:
        return "funding_source" if self.kind is TransferKind.INCOME else "central_core"


@dataclass
class LocalityLine:
    locality: Locality
    learners: int
    grant_pence: int = 0
    share_pence: int = 0
    personal_pence: int = 0

    @property
    def total_pence(self) -> int:
        return self.grant_pence + self.share_pence + self.personal_pence


@dataclass
class CensusPlan:
    """What a census run would post. ``problem`` says why it cannot; ``recorded`` that it already was."""

    census: CensusDate
    year: FundingYear
    recorded: bool = False
    problem: str | None = None
    learners: int = 0
    income_pence: int = 0
    core_pence: int = 0
    mentor_pence: int = 0
    grant_each_pence: int = 0
    personal_each_pence: int = 0
    remainder_pence: int = 0
    localities: list[LocalityLine] = field(default_factory=list)
    postings: list[Posting] = field(default_factory=list)

    @property
    def grants_pence(self) -> int:
        return sum(line.grant_pence for line in self.localities)

    @property
    def shares_pence(self) -> int:
        return sum(line.share_pence for line in self.localities)

    @property
    def personal_pence(self) -> int:
        return sum(line.personal_pence for line in self.localities)

    @property
    def allocated_pence(self) -> int:
        """Everything the census gives out, including what core keeps: always equal to the income."""
        return self.core_pence + self.mentor_pence + self.grants_pence + self.shares_pence + self.personal_pence

    @property
    def can_record(self) -> bool:
        return not self.recorded and self.problem is None

    @property
    def digest(self) -> str:
        """A fingerprint of the postings, so a confirmation posts exactly what the preview showed."""
        text = "|".join(f"{p.key}={p.amount_pence}" for p in self.postings)
        return hashlib.sha256(f"{self.census.id}:{self.problem}:{text}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class OnRoll:
    """A learner on roll on a census date: what a census needs to know of them."""

    id: int
    legal_name: str
    #: The learner's locality now (their personal budget's), which may not be the enrolment's.
    locality_id: int | None


def learners_on_roll(on: date) -> list[tuple[OnRoll, Locality]]:
    """Each learner on roll on ``on`` with the locality of that enrolment (from enrolment history, not the
    learner's current locality). With overlapping enrolments, the one that started last counts.

    One query joining the enrolments to their learners, never a list of their ids (at national size over
    100,000: more than one statement may bind), reading only what a census needs."""
    places = {
        loc.id: loc
        for loc in db.session.scalars(
            select(Locality).where(Locality.id.in_(select(Enrolment.locality_id).where(on_roll_filter(on))))
        )
    }
    chosen: dict[int, tuple[OnRoll, Locality]] = {}
    for learner_id, legal_name, current, locality_id in db.session.execute(
        select(Learner.id, Learner.legal_name, Learner.locality_id, Enrolment.locality_id)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(on_roll_filter(on))
        .order_by(Enrolment.learner_id, Enrolment.start_date, Enrolment.id)
    ):
        chosen[learner_id] = (OnRoll(learner_id, legal_name, current), places[locality_id])  # the last one wins
    return sorted(chosen.values(), key=lambda p: (p[1].name, p[0].legal_name, p[0].id))


def _largest_remainder(total: int, weights: dict[int, int]) -> dict[int, int]:
    """Share ``total`` pence in proportion to ``weights`` (locality id -> learners): each gets the whole pence
    of its exact share, and the pennies left over go one each to the largest fractions, ties to the lowest id."""
    whole = sum(weights.values())
    if whole == 0:
        return dict.fromkeys(weights, 0)
    shares = {k: total * w // whole for k, w in weights.items()}
    left = total - sum(shares.values())
    by_fraction = sorted(weights, key=lambda k: (-(total * weights[k] % whole), k))
    for k in by_fraction[:left]:
        shares[k] += 1
    return shares


def _in_parts(posting: Posting) -> list[Posting]:
    """The posting, or if it is more than one transfer may move (the ledger's £10,000,000, a guard against a
    mistyped amount) the transfers of at most that which add up to it: at national size a census brings in over
    £100 million, and its mentor top-slice alone can pass £10 million. The parts' keys and memos say which part of
    how many each is."""
    most = ledger.MAX_TRANSFER_PENCE
    if posting.amount_pence <= most:
        return [posting]
    count = -(-posting.amount_pence // most)
    return [
        replace(
            posting,
            key=f"{posting.key}:part-{n}",
            amount_pence=most if n < count else posting.amount_pence - most * (count - 1),
            memo=f"{posting.memo} (part {n} of {count})",
            label=f"{posting.label} (part {n} of {count})",
        )
        for n in range(1, count + 1)
    ]


def plan_census(census: CensusDate, on: date | None = None) -> CensusPlan:
    """The census run worked out, writing nothing. ``on`` is today (for tests and the command line)."""
    year = census.year
    plan = CensusPlan(census=census, year=year)
    name = f"{census.key} census {year.label}"
    if census.recorded_at is not None:
        plan.recorded = True
        return plan
    if year.closed_at is not None:
        plan.problem = f"{year.label} is closed: no more census income can be recorded for it"
        return plan
    if year.base_rate_pence <= 0:
        plan.problem = f"No base rate is set for {year.label}: set the year's rates before recording census income"
        return plan
    if census.on_date > (on or clock.today()):
        plan.problem = f"The {census.key} census is on {_long(census.on_date)}: it can be recorded on or after that day"
        return plan
    roll = learners_on_roll(census.on_date)
    if not roll:
        plan.problem = f"No learners were on roll on {_long(census.on_date)}, so there is no census income to record"
        return plan

    counts: dict[int, int] = defaultdict(int)
    places: dict[int, Locality] = {}
    for _learner, locality in roll:
        counts[locality.id] += 1
        places[locality.id] = locality
    for locality in db.session.scalars(select(Locality).where(Locality.active.is_(True))):
        places.setdefault(locality.id, locality)
        counts.setdefault(locality.id, 0)

    n = len(roll)
    plan.learners = n
    plan.income_pence = n * year.base_rate_pence * year.academy_share_bp // 30_000
    plan.core_pence = plan.income_pence * year.core_topslice_bp // 10_000
    plan.mentor_pence = plan.income_pence * year.mentor_topslice_bp // 10_000
    plan.grant_each_pence = _third(year.coordinator_grant_pence, census.key)
    plan.personal_each_pence = _third(year.personal_budget_pence, census.key)
    lines = {
        lid: LocalityLine(places[lid], counts[lid], grant_pence=plan.grant_each_pence)
        for lid in sorted(places, key=lambda i: (places[i].name, i))
    }
    for lid, count in counts.items():
        lines[lid].personal_pence = count * plan.personal_each_pence
    fixed = (
        plan.core_pence
        + plan.mentor_pence
        + sum(line.grant_pence for line in lines.values())
        + sum(line.personal_pence for line in lines.values())
    )
    plan.localities = list(lines.values())
    if fixed > plan.income_pence:
        plan.problem = (
            f"The census income of {ledger.pounds(plan.income_pence)} ({n} learner{'' if n == 1 else 's'}) is not "
            f"enough for the top-slices, coordinator grants and learning budgets, which need "
            f"{ledger.pounds(fixed)}. Lower the grant, the learning budget or the top-slices for {year.label} first"
        )
        return plan
    plan.remainder_pence = plan.income_pence - fixed
    for lid, share in _largest_remainder(plan.remainder_pence, dict(counts)).items():
        lines[lid].share_pence = share

    prefix = f"census:{census.id}"
    each = plan.postings.append
    each(
        Posting(
            f"{prefix}:income",
            TransferKind.INCOME,
            "central_core",
            plan.income_pence,
            f"Income, {name}: {n} learner{'' if n == 1 else 's'} on roll on {_long(census.on_date)} × "
            f"{ledger.pounds(year.base_rate_pence)} × {percent(year.academy_share_bp)} ÷ 3",
            "Core provision (income received)",
        )
    )
    each(
        Posting(
            f"{prefix}:mentor",
            TransferKind.ALLOCATION,
            "central_mentor",
            plan.mentor_pence,
            f"Mentor team top-slice ({percent(year.mentor_topslice_bp)}), {name}",
            "Mentor team",
        )
    )
    for line in plan.localities:
        loc = line.locality
        each(
            Posting(
                f"{prefix}:grant:{loc.id}",
                TransferKind.ALLOCATION,
                "locality",
                line.grant_pence,
                f"Coordinator grant (a third of {ledger.pounds(year.coordinator_grant_pence)} a year), {name}",
                f"{loc.name}: coordinator grant",
                locality=loc,
            )
        )
        each(
            Posting(
                f"{prefix}:share:{loc.id}",
                TransferKind.ALLOCATION,
                "locality",
                line.share_pence,
                f"Share of the remainder for {line.learners} of {n} learners on roll, {name}",
                f"{loc.name}: share for {line.learners} learner{'' if line.learners == 1 else 's'}",
                locality=loc,
            )
        )
    memo = f"Learning budget (a third of {ledger.pounds(year.personal_budget_pence)} a year), {name}"
    for learner, locality in roll:
        each(
            Posting(
                f"{prefix}:personal:{learner.id}",
                TransferKind.ALLOCATION,
                "personal",
                plan.personal_each_pence,
                memo,
                f"{learner.legal_name} ({locality.name}): learning budget",
                locality=locality,
                learner=learner,
            )
        )
    plan.postings = [part for p in plan.postings if p.amount_pence > 0 for part in _in_parts(p)]
    if plan.allocated_pence != plan.income_pence:  # the arithmetic's invariant: never true
        raise RuntimeError(f"census {census.id}: allocations do not add up to the income")
    return plan


@dataclass
class CensusResult:
    plan: CensusPlan
    #: The transfers posted, by id in posting order (none if the census had already been recorded).
    transfer_ids: list[int] = field(default_factory=list)
    #: True when the census had already been recorded: nothing was posted.
    already_recorded: bool = False

    @cached_property
    def transfers(self) -> list[Transfer]:
        """The transfers posted, loaded when asked for: at national size there are over 100,000."""
        return census_transfers(self.plan.census) if self.transfer_ids else []

    @property
    def message(self) -> str:
        census = self.plan.census
        name = f"{CENSUS_LABELS[census.key]} census {self.plan.year.label}"
        if self.already_recorded:
            when = census.recorded_at.astimezone(LONDON).strftime("%-d %B %Y at %H:%M")
            return f"The {name.lower()} was already recorded on {when}: nothing was posted"
        return (
            f"{name} recorded: {ledger.pounds(self.plan.income_pence)} income for {self.plan.learners} "
            f"learner{'' if self.plan.learners == 1 else 's'}, in {len(self.transfer_ids)} transfers"
        )


def _target(posting: Posting, personal: dict[int, int]) -> int:
    """The id of the account a posting pays (``personal``: each learner's personal account id)."""
    if posting.to == "locality":
        return ledger.locality_account(posting.locality).id
    if posting.to == "personal":
        return personal[posting.learner.id]
    return ledger.central(AccountKind(posting.to)).id


def record_census(
    actor: User | None, census: CensusDate, *, expected_digest: str | None = None, on: date | None = None
) -> CensusResult:
    """Post a census's income and allocations in the caller's transaction, or nothing if already recorded.

    Two admins (or a command and an admin) at once: the year and census rows are locked first, so the second
    waits, then finds the census recorded and posts nothing; the idempotency keys would refuse a double post
    even without the lock. ``expected_digest`` (the preview's) makes a changed plan a :class:`StalePreview`.
    The transfers are made by :func:`ledger.post_many`: a fixed number of statements however many learners.
    """
    year = _lock(FundingYear, census.year_id)
    census = _lock(CensusDate, census.id)
    if census.recorded_at is not None:
        return CensusResult(CensusPlan(census=census, year=year, recorded=True), already_recorded=True)
    plan = plan_census(census, on)
    if plan.problem:
        raise ValidationError(plan.problem)
    if expected_digest is not None and expected_digest != plan.digest:
        raise StalePreview(
            "The figures have changed since the preview (enrolments or rates were updated): "
            "check them again before recording"
        )
    source, core = ledger.funding_source(), ledger.central(AccountKind.CENTRAL_CORE)
    personal = ledger.personal_account_ids([p.learner for p in plan.postings if p.to == "personal"])
    posted = ledger.post_many(
        actor,
        [
            ledger.Movement(
                (source if posting.kind is TransferKind.INCOME else core).id,
                _target(posting, personal),
                posting.amount_pence,
                posting.kind,
                posting.memo,
                posting.key,
            )
            for posting in plan.postings
        ],
        year=year,
    )
    census.recorded_at = clock.now()
    census.recorded_by_id = actor.id if actor else None
    db.session.flush()
    audit.record(
        "funding.census_recorded",
        actor=actor,
        obj=census,
        detail={
            "year": year.label,
            "census": census.key,
            "on_date": census.on_date.isoformat(),
            "learners": plan.learners,
            "income_pence": plan.income_pence,
            "core_pence": plan.core_pence,
            "mentor_pence": plan.mentor_pence,
            "localities": {
                str(line.locality.id): {
                    "learners": line.learners,
                    "grant_pence": line.grant_pence,
                    "share_pence": line.share_pence,
                    "personal_pence": line.personal_pence,
                }
                for line in plan.localities
            },
            "transfers": len(posted),
        },
    )
    return CensusResult(plan, posted)


def census_transfers_query(census: CensusDate):
    """A query of what a recorded census posted, in posting order, with both accounts of each (for a page of it:
    at national size a census posts over 100,000 transfers)."""
    return (
        select(Transfer)
        .where(Transfer.idempotency_key.like(f"census:{census.id}:%"))
        .order_by(Transfer.id)
        .options(joinedload(Transfer.from_account), joinedload(Transfer.to_account))
    )


def census_transfers(census: CensusDate) -> list[Transfer]:
    """What a recorded census posted, in posting order."""
    return list(
        db.session.scalars(
            select(Transfer).where(Transfer.idempotency_key.like(f"census:{census.id}:%")).order_by(Transfer.id)
        )
    )


def recorded_by(census: CensusDate) -> User | None:
    return db.session.get(User, census.recorded_by_id) if census.recorded_by_id else None


# --- moving money between central accounts and localities ---------------------------------------------------


def new_token() -> str:
    """A fresh token for a money-moving form: the transfer's idempotency key, so a double submit posts once."""
    return secrets.token_hex(16)


def movable_accounts() -> list[tuple[str, str]]:
    """``(key, name)`` of the accounts admin moves money between: central accounts, then localities."""
    central = [(kind.value, ledger.CENTRAL_NAMES[kind]) for kind in CENTRAL_KINDS]
    places = [
        (f"locality:{loc.id}", f"{loc.name} budget")
        for loc in db.session.scalars(select(Locality).order_by(Locality.name))
    ]
    return central + places


def movable_account(key: str, field_name: str) -> Account:
    """The account behind a key from :func:`movable_accounts` (created when first used)."""
    key = (key or "").strip()
    for kind in CENTRAL_KINDS:
        if key == kind.value:
            return ledger.central(kind)
    match = re.fullmatch(r"locality:([0-9]{1,18})", key)
    locality = db.session.get(Locality, int(match.group(1))) if match else None
    if locality is None:
        raise ValidationError("Choose a central account or a locality", field=field_name)
    return ledger.locality_account(locality)


def balance_of(key: str) -> int:
    """The balance of a movable account by key (0 before it exists), without creating it."""
    return db.session.scalar(select(Account.balance_pence).where(Account.key == key)) or 0


@dataclass
class MoveResult:
    transfer: Transfer
    #: True when this form had already been sent: the earlier transfer, nothing moved again.
    already: bool = False


def move_money(
    actor: User | None,
    from_key: str,
    to_key: str,
    amount_pence: int,
    reason: str,
    token: str,
    year: FundingYear,
) -> MoveResult:
    """Move money between central accounts and localities, with a reason; ``token`` (from the form) is the
    transfer's idempotency key, so sending the same form twice moves the money once."""
    if not _TOKEN.match(token or ""):
        raise ValidationError("The form had expired: check the details and send it again")
    if year is None:
        raise ValidationError("Choose the funding year", field="year")
    if year.closed_at is not None:
        raise ValidationError(f"{year.label} is closed: choose an open funding year", field="year")
    amount_pence = ledger.check_amount(amount_pence)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give the reason for moving the money", field="reason")
    if (from_key or "").strip() == (to_key or "").strip():
        raise ValidationError("Choose two different accounts", field="to_account")
    source = movable_account(from_key, "from_account")
    target = movable_account(to_key, "to_account")
    # Lock the source first: a double-click's second request waits here, then finds the first one's transfer.
    _lock(Account, source.id)
    key = f"move:{token}"
    earlier = db.session.scalar(select(Transfer).where(Transfer.idempotency_key == key))
    if earlier is not None:
        if (earlier.from_account_id, earlier.to_account_id, earlier.amount_pence) == (
            source.id,
            target.id,
            amount_pence,
        ):
            return MoveResult(earlier, already=True)
        raise ValidationError("This form was already used to move different money: check the details and send it again")
    transfer = ledger.post(actor, source, target, amount_pence, TransferKind.MOVE, reason, key, year=year)
    audit.record(
        "funding.moved",
        actor=actor,
        obj=transfer,
        detail={
            "year": year.label,
            "from": source.key,
            "to": target.key,
            "amount_pence": amount_pence,
            "reason": reason[:500],
        },
    )
    return MoveResult(transfer)


# --- the journal ------------------------------------------------------------------------------------------


def transfers_query(year: FundingYear | None = None, kind: TransferKind | None = None, account: Account | None = None):
    """Every transfer, newest first, narrowed by year, kind or account (either side)."""
    stmt = select(Transfer).order_by(Transfer.id.desc())
    if year is not None:
        stmt = stmt.where(Transfer.year_id == year.id)
    if kind is not None:
        stmt = stmt.where(Transfer.kind == kind)
    if account is not None:
        stmt = stmt.where(or_(Transfer.from_account_id == account.id, Transfer.to_account_id == account.id))
    return stmt


def account_by_key(key: str | None) -> Account | None:
    return db.session.scalar(select(Account).where(Account.key == key)) if key else None


# --- reversals ---------------------------------------------------------------------------------------------


def reversal_of(transfer: Transfer) -> Transfer | None:
    return db.session.scalar(select(Transfer).where(Transfer.reverses_id == transfer.id))


def why_not_reversible(transfer: Transfer) -> str | None:
    """Why admin cannot reverse this transfer here, or None if they can."""
    if transfer.kind is TransferKind.REVERSAL or transfer.reverses_id is not None:
        return "A reversal cannot itself be reversed: post a new transfer instead"
    if reversal_of(transfer) is not None:
        return "This transfer has already been reversed"
    if transfer.year_id is not None:
        year = db.session.get(FundingYear, transfer.year_id)
        if year.closed_at is not None:
            return f"{year.label} is closed: its transfers can no longer be reversed"
    paid = db.session.scalar(select(SpendRequest.id).where(SpendRequest.transfer_id == transfer.id))
    if paid is not None:
        return "This transfer paid a spend request: correct it from the spend request, not here"
    return None


def reverse_transfer(actor: User, transfer: Transfer, reason: str) -> Transfer:
    """Undo a transfer with an equal and opposite one (the ledger refuses if that would overdraw a budget)."""
    problem = why_not_reversible(transfer)
    if problem:
        raise NotAllowed(problem)
    reversal = ledger.reverse(actor, transfer, reason)
    audit.record(
        "funding.transfer_reversed",
        actor=actor,
        obj=transfer,
        detail={"reversal_id": reversal.id, "amount_pence": transfer.amount_pence, "reason": reason.strip()[:500]},
    )
    return reversal


# --- year-end ---------------------------------------------------------------------------------------------


@dataclass
class YearEndLine:
    account: Account
    #: What the account held at the end of the year, but never more than it holds now (money spent since
    #: cannot be returned or carried twice).
    balance_pence: int


@dataclass
class YearEndPlan:
    year: FundingYear
    policy: YearEndPolicy
    closed: bool = False
    problem: str | None = None
    #: Every learning budget and locality account with money in it: returned to core, or carried forward.
    lines: list[YearEndLine] = field(default_factory=list)

    @property
    def total_pence(self) -> int:
        return sum(line.balance_pence for line in self.lines)

    @property
    def personal_pence(self) -> int:
        return sum(line.balance_pence for line in self.lines if line.account.kind is AccountKind.PERSONAL)

    @property
    def locality_pence(self) -> int:
        return sum(line.balance_pence for line in self.lines if line.account.kind is AccountKind.LOCALITY)

    @property
    def returns(self) -> bool:
        return self.policy is YearEndPolicy.RETURN_TO_CENTRAL

    @property
    def can_close(self) -> bool:
        return not self.closed and self.problem is None

    @property
    def digest(self) -> str:
        text = "|".join(f"{line.account.id}={line.balance_pence}" for line in self.lines)
        return hashlib.sha256(f"{self.year.id}:{self.policy.value}:{self.problem}:{text}".encode()).hexdigest()[:32]


def plan_year_end(year: FundingYear, on: date | None = None) -> YearEndPlan:
    plan = YearEndPlan(year=year, policy=year.year_end_policy)
    if year.closed_at is not None:
        plan.closed = True
        return plan
    if (on or clock.today()) <= year.ends_on:
        plan.problem = (
            f"{year.label} runs until {_long(year.ends_on)}: it can be closed from "
            f"{_long(year.ends_on + timedelta(days=1))}"
        )
    else:
        missing = [c.key for c in sorted(year.census_dates, key=lambda c: c.on_date) if c.recorded_at is None]
        if missing:
            plan.problem = (
                f"Record the {' and '.join(missing)} census{'' if len(missing) == 1 else 'es'} "
                f"before closing {year.label}"
            )
    plan.lines = [
        YearEndLine(account, min(at_end, account.balance_pence))
        for account, at_end in _balances_at_end(year)
        if min(at_end, account.balance_pence) > 0
    ]
    return plan


def _balances_at_end(year: FundingYear) -> list[tuple[Account, int]]:
    """Each learning budget and locality account with money in it at the end of ``year``, and that balance: the sum
    of every transfer that belongs to this year or an earlier one (its funding year; a transfer without one
    by its London date, before 1 September). Money that came in or went out in the next year is left out, so
    closing a year after the next year's census never sweeps the new year's money. One grouped query over
    both sides of the transfers (an index on each side; no per-account queries, whatever the number)."""
    _start, end = _bounds(year)
    posted_in = aliased(FundingYear)
    belongs = or_(posted_in.starts_on <= year.starts_on, and_(Transfer.year_id.is_(None), Transfer.created_at < end))

    def side(account_column, signed):
        return (
            select(account_column.label("account_id"), signed.label("signed"))
            .outerjoin(posted_in, Transfer.year_id == posted_in.id)
            .where(belongs)
        )

    sides = union_all(
        side(Transfer.to_account_id, Transfer.amount_pence), side(Transfer.from_account_id, -Transfer.amount_pence)
    ).subquery()
    at_end = select(sides.c.account_id, func.sum(sides.c.signed).label("pence")).group_by(sides.c.account_id).subquery()
    rows = db.session.execute(
        select(Account, at_end.c.pence)
        .join(at_end, at_end.c.account_id == Account.id)
        .where(
            Account.kind.in_([AccountKind.LOCALITY, AccountKind.PERSONAL]),
            Account.balance_pence > 0,
            at_end.c.pence > 0,
        )
        .order_by(Account.kind, Account.name, Account.id)
        .execution_options(populate_existing=True)
    ).all()
    return [(account, int(pence)) for account, pence in rows]


@dataclass
class YearEndResult:
    plan: YearEndPlan
    transfers: list[Transfer] = field(default_factory=list)
    already_closed: bool = False

    @property
    def message(self) -> str:
        year = self.plan.year
        if self.already_closed:
            when = year.closed_at.astimezone(LONDON).strftime("%-d %B %Y at %H:%M")
            return f"{year.label} was already closed on {when}: nothing was moved"
        if self.plan.returns:
            return (
                f"{year.label} is closed: {ledger.pounds(self.plan.total_pence)} of unspent money in learning and "
                f"locality budgets returned to core provision in {len(self.transfers)} transfers"
            )
        return (
            f"{year.label} is closed: {ledger.pounds(self.plan.total_pence)} of unspent money in learning and "
            "locality budgets carried forward"
        )


def close_year(
    actor: User | None, year: FundingYear, *, expected_digest: str | None = None, on: date | None = None
) -> YearEndResult:
    """Close a year by its policy: carry forward (nothing moves) or return every unspent learning budget and locality
    balance to core provision, one transfer each. Safe to run twice or at once (the year row is locked)."""
    year = _lock(FundingYear, year.id)
    if year.closed_at is not None:
        return YearEndResult(YearEndPlan(year=year, policy=year.year_end_policy, closed=True), already_closed=True)
    plan = plan_year_end(year, on)
    if plan.problem:
        raise ValidationError(plan.problem)
    if expected_digest is not None and expected_digest != plan.digest:
        raise StalePreview("The balances have changed since the preview: check them again before closing the year")
    transfers = []
    if plan.returns:
        core = ledger.central(AccountKind.CENTRAL_CORE)
        for line in plan.lines:
            transfers.append(
                ledger.post(
                    actor,
                    line.account,
                    core,
                    line.balance_pence,
                    TransferKind.RETURN,
                    f"End of {year.label}: unspent balance returned to core provision",
                    f"year-end:{year.id}:{line.account.id}",
                    year=year,
                )
            )
    year.closed_at = clock.now()
    db.session.flush()
    audit.record(
        "funding.year_closed",
        actor=actor,
        obj=year,
        detail={
            "year": year.label,
            "policy": plan.policy.value,
            "personal_pence": plan.personal_pence,
            "locality_pence": plan.locality_pence,
            "accounts": len(plan.lines),
            "transfers": len(transfers),
        },
    )
    return YearEndResult(plan, transfers)


# --- the overview -------------------------------------------------------------------------------------------


def coordinated_localities(user: User) -> list[int] | None:
    """None for an admin (the whole academy); otherwise the localities the user coordinates."""
    if user.has_role(Role.ADMIN):
        return None
    return list(
        db.session.scalars(
            select(LocalityStaff.locality_id).where(
                LocalityStaff.user_id == user.id, LocalityStaff.role == LocalityRole.COORDINATOR
            )
        )
    )


@dataclass
class HolderLine:
    """A row of the overview: a central account, a locality's budget, or a locality's learning budgets."""

    key: str
    label: str
    locality_id: int | None = None
    brought_forward_pence: int = 0
    received_pence: int = 0
    paid_out_pence: int = 0
    spent_pence: int = 0

    @property
    def balance_pence(self) -> int:
        return self.brought_forward_pence + self.received_pence - self.paid_out_pence - self.spent_pence


@dataclass
class CensusLine:
    census: CensusDate
    income_pence: int = 0
    mentor_pence: int = 0
    grants_pence: int = 0
    shares_pence: int = 0
    personal_pence: int = 0

    @property
    def core_pence(self) -> int:
        return self.income_pence - self.mentor_pence - self.grants_pence - self.shares_pence - self.personal_pence


@dataclass
class Overview:
    year: FundingYear
    #: None: the whole academy; otherwise the localities shown.
    locality_ids: list[int] | None
    holders: list[HolderLine] = field(default_factory=list)
    income_pence: int = 0
    censuses: list[CensusLine] = field(default_factory=list)
    spending: dict[str, dict[SpendingCategory, int]] = field(default_factory=dict)

    @property
    def whole_academy(self) -> bool:
        return self.locality_ids is None

    def total(self, attribute: str) -> int:
        return sum(getattr(h, attribute) for h in self.holders)

    @property
    def categories(self) -> list[SpendingCategory]:
        used = {c for row in self.spending.values() for c, v in row.items() if v}
        return [c for c in SpendingCategory if c in used]

    def spending_by_category(self) -> list[tuple[str, int]]:
        return [
            (SPENDING_CATEGORY_LABELS[c], sum(row.get(c, 0) for row in self.spending.values())) for c in self.categories
        ]

    def spending_by_place(self) -> list[tuple[str, int]]:
        return [(place, sum(row.values())) for place, row in self.spending.items() if any(row.values())]

    def balance_chart(self) -> list[tuple[str, int]]:
        """Each holder's balance in whole pounds (rounded), for the bar chart."""
        return [(h.label, _whole_pounds(h.balance_pence)) for h in self.holders]

    def spending_chart(self) -> list[tuple[str, int]]:
        return [(label, _whole_pounds(pence)) for label, pence in self.spending_by_category()]

    @property
    def reconciles(self) -> bool:
        """Brought forward + income - spending = balances, to the penny (whole academy only)."""
        return (
            self.total("brought_forward_pence") + self.income_pence - self.total("spent_pence")
            == self.total("balance_pence")
            and self.total("received_pence") - self.total("paid_out_pence") == self.income_pence
        )


def _whole_pounds(pence: int) -> int:
    return (pence + 50) // 100


def _bounds(year: FundingYear) -> tuple[datetime, datetime]:
    return (
        datetime.combine(year.starts_on, time(), LONDON),
        datetime.combine(year.ends_on + timedelta(days=1), time(), LONDON),
    )


def _flows(year: FundingYear, before: bool) -> list[tuple[int, int, TransferKind, int]]:
    """Net money moved ``(from, to, kind, pence)`` in the year (or in every earlier year). A transfer belongs to
    its funding year; one posted without a year belongs to the year its date falls in. A reversal counts as
    minus its original, in the original's direction."""
    original = aliased(Transfer)
    posted_in = aliased(FundingYear)
    start, end = _bounds(year)
    if before:
        when = or_(posted_in.starts_on < year.starts_on, and_(Transfer.year_id.is_(None), Transfer.created_at < start))
    else:
        when = or_(
            Transfer.year_id == year.id,
            and_(Transfer.year_id.is_(None), Transfer.created_at >= start, Transfer.created_at < end),
        )
    rows = db.session.execute(
        select(
            Transfer.from_account_id,
            Transfer.to_account_id,
            Transfer.kind,
            original.from_account_id,
            original.to_account_id,
            original.kind,
            func.sum(Transfer.amount_pence),
        )
        .outerjoin(original, Transfer.reverses_id == original.id)
        .outerjoin(posted_in, Transfer.year_id == posted_in.id)
        .where(when)
        .group_by(
            Transfer.from_account_id,
            Transfer.to_account_id,
            Transfer.kind,
            original.from_account_id,
            original.to_account_id,
            original.kind,
        )
    ).all()
    flows = []
    for from_id, to_id, kind, ofrom, oto, okind, total in rows:
        if ofrom is not None:
            flows.append((ofrom, oto, TransferKind(okind), -int(total)))
        else:
            flows.append((from_id, to_id, TransferKind(kind), int(total)))
    return flows


def overview(year: FundingYear, locality_ids: list[int] | None = None) -> Overview:
    """The year in figures: for each holder of money, what it brought forward, received, paid on and spent, and
    its balance; income; spending by locality and category; and (whole academy) what each census allocated.

    For the latest year the balances are the accounts' balances; for an earlier one, the balances at its end.
    """
    result = Overview(year=year, locality_ids=locality_ids)
    accounts = {a.id: a for a in db.session.scalars(select(Account))}
    places = {loc.id: loc for loc in db.session.scalars(select(Locality))}
    holders: dict[str, HolderLine] = {}

    def holder(account: Account) -> HolderLine | None:
        if account.kind not in BUDGET_KINDS:
            return None
        if locality_ids is not None and account.locality_id not in locality_ids:
            return None
        if account.kind in CENTRAL_KINDS:
            key, label, place = account.kind.value, ledger.CENTRAL_NAMES[account.kind], None
        else:
            place = account.locality_id
            name = places[place].name if place in places else "No locality"
            if account.kind is AccountKind.LOCALITY:
                key, label = f"locality:{place}", f"{name}: locality budget"
            else:
                key, label = f"personal:{place}", f"{name}: learning budgets"
        if key not in holders:
            holders[key] = HolderLine(key, label, place)
        return holders[key]

    def place_name(line: HolderLine) -> str:
        if line.key in {k.value for k in CENTRAL_KINDS}:
            return "Central"
        return places[line.locality_id].name if line.locality_id in places else "No locality"

    if locality_ids is None:
        for kind in CENTRAL_KINDS:
            holders[kind.value] = HolderLine(kind.value, ledger.CENTRAL_NAMES[kind])
    for place in sorted(places.values(), key=lambda p: (p.name, p.id)):
        if (locality_ids is None and place.active) or (locality_ids is not None and place.id in locality_ids):
            holders[f"locality:{place.id}"] = HolderLine(
                f"locality:{place.id}", f"{place.name}: locality budget", place.id
            )
            holders[f"personal:{place.id}"] = HolderLine(
                f"personal:{place.id}", f"{place.name}: learning budgets", place.id
            )

    for from_id, to_id, _kind, pence in _flows(year, before=True):
        giver, taker = holder(accounts[from_id]), holder(accounts[to_id])
        if giver:
            giver.brought_forward_pence -= pence
        if taker:
            taker.brought_forward_pence += pence

    spending: dict[str, dict[SpendingCategory, int]] = {}
    for from_id, to_id, _kind, pence in _flows(year, before=False):
        source, target = accounts[from_id], accounts[to_id]
        giver, taker = holder(source), holder(target)
        if source.kind is AccountKind.FUNDING_SOURCE and target.kind in BUDGET_KINDS:
            result.income_pence += pence
        elif target.kind is AccountKind.FUNDING_SOURCE and source.kind in BUDGET_KINDS:
            result.income_pence -= pence
        if target.kind is AccountKind.SPENDING and giver is not None:
            giver.spent_pence += pence
            row = spending.setdefault(place_name(giver), {})
            row[target.category] = row.get(target.category, 0) + pence
            continue
        if source.kind is AccountKind.SPENDING and taker is not None:  # money back from a supplier
            taker.spent_pence -= pence
            row = spending.setdefault(place_name(taker), {})
            row[source.category] = row.get(source.category, 0) - pence
            continue
        if giver is not None:
            giver.paid_out_pence += pence
        if taker is not None:
            taker.received_pence += pence
    result.spending = dict(sorted(spending.items(), key=lambda item: (item[0] != "Central", item[0])))
    result.holders = [h for h in holders.values()]

    if locality_ids is None:
        lines = {c.id: CensusLine(c) for c in year.census_dates if c.recorded_at is not None}
        for key, amount in db.session.execute(
            select(Transfer.idempotency_key, Transfer.amount_pence).where(
                Transfer.year_id == year.id, Transfer.idempotency_key.like("census:%")
            )
        ):
            _census, census_id, part, *_rest = key.split(":")
            line = lines.get(int(census_id))
            if line is None:
                continue
            attribute = {
                "income": "income_pence",
                "mentor": "mentor_pence",
                "grant": "grants_pence",
                "share": "shares_pence",
                "personal": "personal_pence",
            }[part]
            setattr(line, attribute, getattr(line, attribute) + amount)
        result.censuses = sorted(lines.values(), key=lambda line: line.census.on_date)
    else:
        result.income_pence = 0
    return result
