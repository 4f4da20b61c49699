"""Planning a census run: the learners on roll, the income they bring and how it is allocated (worked out by
:func:`plan_census`, writing nothing; :mod:`.census_records` posts it)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select

from virtualacademy import money
from virtualacademy.extensions import db
from virtualacademy.models import CensusDate, Enrolment, FundingYear, Learner, Locality, TransferKind
from virtualacademy.services import ledger
from virtualacademy.services.funding.common import _long, _third, census_due, percent
from virtualacademy.services.localities import on_roll_filter


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
    plan = CensusPlan(census=census, year=census.year)
    if census.recorded_at is not None:
        plan.recorded = True
        return plan
    plan.problem = _why_not_yet(census, on)
    if plan.problem:
        return plan
    roll = learners_on_roll(census.on_date)
    if not roll:
        plan.problem = f"No learners were on roll on {_long(census.on_date)}, so there is no census income to record"
        return plan
    plan.learners = len(roll)
    _allocate(plan, *_learners_by_locality(roll))
    if plan.problem:
        return plan
    plan.postings = [part for p in _postings(plan, roll) if p.amount_pence > 0 for part in _in_parts(p)]
    if plan.allocated_pence != plan.income_pence:  # the arithmetic's invariant: never true
        raise RuntimeError(f"census {census.id}: allocations do not add up to the income")
    return plan


def _why_not_yet(census: CensusDate, on: date | None) -> str | None:
    """Why a census that is not recorded cannot be recorded ``on`` this day, before counting anyone."""
    year = census.year
    if year.closed_at is not None:
        return f"{year.label} is closed: no more census income can be recorded for it"
    if year.base_rate_pence <= 0:
        return f"No base rate is set for {year.label}: set the year's rates before recording census income"
    if not census_due(census.on_date, on):
        return f"The {census.key} census is on {_long(census.on_date)}: it can be recorded on or after that day"
    return None


def _learners_by_locality(roll: list[tuple[OnRoll, Locality]]) -> tuple[dict[int, int], dict[int, Locality]]:
    """How many learners on roll each locality has, and the localities by id: every one with a learner on roll,
    and every active one (with none, it still gets its coordinator grant)."""
    counts: dict[int, int] = defaultdict(int)
    places: dict[int, Locality] = {}
    for _learner, locality in roll:
        counts[locality.id] += 1
        places[locality.id] = locality
    for locality in db.session.scalars(select(Locality).where(Locality.active.is_(True))):
        places.setdefault(locality.id, locality)
        counts.setdefault(locality.id, 0)
    return counts, places


def _allocate(plan: CensusPlan, counts: dict[int, int], places: dict[int, Locality]) -> None:
    """The income and what each part of it goes to, on ``plan`` (its ``localities`` in name order); or, if the
    income cannot cover the top-slices, grants and learning budgets, the ``problem``."""
    year, n = plan.year, plan.learners
    plan.income_pence = n * year.base_rate_pence * year.academy_share_bp // 30_000
    plan.core_pence = plan.income_pence * year.core_topslice_bp // 10_000
    plan.mentor_pence = plan.income_pence * year.mentor_topslice_bp // 10_000
    plan.grant_each_pence = _third(year.coordinator_grant_pence, plan.census.key)
    plan.personal_each_pence = _third(year.personal_budget_pence, plan.census.key)
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
        income, needed = money.pounds(plan.income_pence, ascii_minus=True), money.pounds(fixed, ascii_minus=True)
        plan.problem = (
            f"The census income of {income} ({n} learner{'' if n == 1 else 's'}) is not "
            f"enough for the top-slices, coordinator grants and learning budgets, which need "
            f"{needed}. Lower the grant, the learning budget or the top-slices for {year.label} first"
        )
        return
    plan.remainder_pence = plan.income_pence - fixed
    for lid, share in _largest_remainder(plan.remainder_pence, dict(counts)).items():
        lines[lid].share_pence = share


def _postings(plan: CensusPlan, roll: list[tuple[OnRoll, Locality]]) -> list[Posting]:
    """Every transfer of an allocated plan, in posting order: the income, the mentor top-slice, each locality's
    grant and share, then each learner's learning budget (zero amounts included)."""
    census, year, n = plan.census, plan.year, plan.learners
    name = f"{census.key} census {year.label}"
    prefix = f"census:{census.id}"
    postings = [
        Posting(
            f"{prefix}:income",
            TransferKind.INCOME,
            "central_core",
            plan.income_pence,
            f"Income, {name}: {n} learner{'' if n == 1 else 's'} on roll on {_long(census.on_date)} × "
            f"{money.pounds(year.base_rate_pence, ascii_minus=True)} × {percent(year.academy_share_bp)} ÷ 3",
            "Core provision (income received)",
        ),
        Posting(
            f"{prefix}:mentor",
            TransferKind.ALLOCATION,
            "central_mentor",
            plan.mentor_pence,
            f"Mentor team top-slice ({percent(year.mentor_topslice_bp)}), {name}",
            "Mentor team",
        ),
    ]
    for line in plan.localities:
        loc = line.locality
        postings.append(
            Posting(
                f"{prefix}:grant:{loc.id}",
                TransferKind.ALLOCATION,
                "locality",
                line.grant_pence,
                f"Coordinator grant (a third of {money.pounds(year.coordinator_grant_pence, ascii_minus=True)} a "
                f"year), {name}",
                f"{loc.name}: coordinator grant",
                locality=loc,
            )
        )
        postings.append(
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
    memo = f"Learning budget (a third of {money.pounds(year.personal_budget_pence, ascii_minus=True)} a year), {name}"
    postings.extend(
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
        for learner, locality in roll
    )
    return postings
