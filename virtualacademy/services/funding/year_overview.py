"""The academy overview: a funding year in figures, for each holder of money and each census."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlalchemy.orm import aliased

from virtualacademy.extensions import db
from virtualacademy.models import (
    AccountKind,
    CensusDate,
    FundingYear,
    LedgerFlow,
    Locality,
    SpendingCategory,
    Transfer,
)
from virtualacademy.models.funding import BUDGET_KINDS, SPENDING_CATEGORY_LABELS
from virtualacademy.services import ledger
from virtualacademy.services.funding.common import CENTRAL_KINDS


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

    @property
    def reconciles(self) -> bool:
        """Brought forward + income - spending = balances, to the penny (whole academy only)."""
        return (
            self.total("brought_forward_pence") + self.income_pence - self.total("spent_pence")
            == self.total("balance_pence")
            and self.total("received_pence") - self.total("paid_out_pence") == self.income_pence
        )


@dataclass(frozen=True)
class _Side:
    """What a holder of money is, as far as the overview cares: the kind of account, its locality and category."""

    kind: AccountKind
    locality_id: int | None
    category: SpendingCategory | None


def _side(kind: str, locality_id: int | None, category: str | None) -> _Side:
    return _Side(AccountKind(kind), locality_id, SpendingCategory(category) if category else None)


def _flows(year: FundingYear, before: bool) -> list[tuple[_Side, _Side, int]]:
    """Net money moved ``(from, to, pence)`` in the year (or in every earlier year), between kinds of account. A
    transfer belongs to its funding year; one posted without a year belongs to the year its London date falls in.
    A reversal counts as minus its original, in the original's direction (a reversal mirrors its original).

    Summed from the ledger's flow summary (:class:`LedgerFlow`, kept with every transfer), a few hundred rows a
    day, not from the transfers."""
    posted_in = aliased(FundingYear)
    if before:
        when = or_(
            posted_in.starts_on < year.starts_on, and_(LedgerFlow.year_id.is_(None), LedgerFlow.day < year.starts_on)
        )
    else:
        when = or_(
            LedgerFlow.year_id == year.id,
            and_(LedgerFlow.year_id.is_(None), LedgerFlow.day.between(year.starts_on, year.ends_on)),
        )
    sides = (
        LedgerFlow.from_kind,
        LedgerFlow.from_locality_id,
        LedgerFlow.from_category,
        LedgerFlow.to_kind,
        LedgerFlow.to_locality_id,
        LedgerFlow.to_category,
        LedgerFlow.reversal,
    )
    rows = db.session.execute(
        select(*sides, func.sum(LedgerFlow.amount_pence))
        .outerjoin(posted_in, LedgerFlow.year_id == posted_in.id)
        .where(when)
        .group_by(*sides)
    ).all()
    flows = []
    for fk, fl, fc, tk, tl, tc, reversal, total in rows:
        source, target = _side(fk, fl, fc), _side(tk, tl, tc)
        if reversal:
            flows.append((target, source, -int(total)))
        else:
            flows.append((source, target, int(total)))
    return flows


def overview(year: FundingYear, locality_ids: list[int] | None = None) -> Overview:
    """The year in figures: for each holder of money, what it brought forward, received, paid on and spent, and
    its balance; income; spending by locality and category; and (whole academy) what each census allocated.

    For the latest year the balances are the accounts' balances; for an earlier one, the balances at its end.
    """
    result = Overview(year=year, locality_ids=locality_ids)
    holders = _Holders(locality_ids)
    holders.bring_forward(_flows(year, before=True))
    _count_the_year(result, holders, _flows(year, before=False))
    result.holders = [h for h in holders.lines.values()]
    if locality_ids is None:
        result.censuses = _census_lines(year)
    else:
        result.income_pence = 0
    return result


class _Holders:
    """The overview's rows by key (central accounts, then each locality's budget and learning budgets), and the
    row an account's money counts in (None for an account outside the overview)."""

    def __init__(self, locality_ids: list[int] | None):
        self.locality_ids = locality_ids
        self.places = {loc.id: loc for loc in db.session.scalars(select(Locality))}
        self.lines: dict[str, HolderLine] = {}
        if locality_ids is None:
            for kind in CENTRAL_KINDS:
                self.lines[kind.value] = HolderLine(kind.value, ledger.CENTRAL_NAMES[kind])
        for place in sorted(self.places.values(), key=lambda p: (p.name, p.id)):
            if (locality_ids is None and place.active) or (locality_ids is not None and place.id in locality_ids):
                self.lines[f"locality:{place.id}"] = HolderLine(
                    f"locality:{place.id}", f"{place.name}: locality budget", place.id
                )
                self.lines[f"personal:{place.id}"] = HolderLine(
                    f"personal:{place.id}", f"{place.name}: learning budgets", place.id
                )

    def of(self, account: _Side) -> HolderLine | None:
        if account.kind not in BUDGET_KINDS:
            return None
        if self.locality_ids is not None and account.locality_id not in self.locality_ids:
            return None
        if account.kind in CENTRAL_KINDS:
            key, label, place = account.kind.value, ledger.CENTRAL_NAMES[account.kind], None
        else:
            place = account.locality_id
            name = self.places[place].name if place in self.places else "No locality"
            if account.kind is AccountKind.LOCALITY:
                key, label = f"locality:{place}", f"{name}: locality budget"
            else:
                key, label = f"personal:{place}", f"{name}: learning budgets"
        if key not in self.lines:
            self.lines[key] = HolderLine(key, label, place)
        return self.lines[key]

    def place_name(self, line: HolderLine) -> str:
        if line.key in {k.value for k in CENTRAL_KINDS}:
            return "Central"
        return self.places[line.locality_id].name if line.locality_id in self.places else "No locality"

    def bring_forward(self, flows: list[tuple[_Side, _Side, int]]) -> None:
        """What each row held when the year began: every earlier year's net flows."""
        for source, target, pence in flows:
            giver, taker = self.of(source), self.of(target)
            if giver:
                giver.brought_forward_pence -= pence
            if taker:
                taker.brought_forward_pence += pence


def _count_the_year(result: Overview, holders: _Holders, flows: list[tuple[_Side, _Side, int]]) -> None:
    """The year's flows counted as income, spending (by place and category) or money paid on and received."""
    spending: dict[str, dict[SpendingCategory, int]] = {}
    for source, target, pence in flows:
        giver, taker = holders.of(source), holders.of(target)
        if source.kind is AccountKind.FUNDING_SOURCE and target.kind in BUDGET_KINDS:
            result.income_pence += pence
        elif target.kind is AccountKind.FUNDING_SOURCE and source.kind in BUDGET_KINDS:
            result.income_pence -= pence
        if target.kind is AccountKind.SPENDING and giver is not None:
            giver.spent_pence += pence
            row = spending.setdefault(holders.place_name(giver), {})
            row[target.category] = row.get(target.category, 0) + pence
            continue
        if source.kind is AccountKind.SPENDING and taker is not None:  # money back from a supplier
            taker.spent_pence -= pence
            row = spending.setdefault(holders.place_name(taker), {})
            row[source.category] = row.get(source.category, 0) - pence
            continue
        if giver is not None:
            giver.paid_out_pence += pence
        if taker is not None:
            taker.received_pence += pence
    result.spending = dict(sorted(spending.items(), key=lambda item: (item[0] != "Central", item[0])))


#: The part of a census transfer's key (``census:<id>:<part>...``) -> the census line's attribute it adds to.
_CENSUS_PARTS = {
    "income": "income_pence",
    "mentor": "mentor_pence",
    "grant": "grants_pence",
    "share": "shares_pence",
    "personal": "personal_pence",
}


#: The census transfers, as the partial index ``ix_transfer_census`` names them (a literal, so the planner can match it).
CENSUS_KEYS = Transfer.idempotency_key.like(literal_column("'census:%'"))


def _census_lines(year: FundingYear) -> list[CensusLine]:
    """What each recorded census of the year allocated, in census order, from its transfers' keys
    (``census:<id>:<part>`` or ``census:<id>:<part>:...``): summed in the database, one statement."""
    lines = {c.id: CensusLine(c) for c in year.census_dates if c.recorded_at is not None}
    if not lines:
        return []
    key = Transfer.idempotency_key
    columns = []
    for census_id in lines:
        for part in _CENSUS_PARTS:
            prefix = f"census:{census_id}:{part}"
            matches = or_(key == prefix, key.like(f"{prefix}:%"))
            columns.append(func.coalesce(func.sum(case((matches, Transfer.amount_pence), else_=0)), 0))
    sums = iter(db.session.execute(select(*columns).where(Transfer.year_id == year.id, key.like("census:%"))).one())
    for line in lines.values():
        for attribute in _CENSUS_PARTS.values():
            setattr(line, attribute, getattr(line, attribute) + int(next(sums)))
    return sorted(lines.values(), key=lambda line: line.census.on_date)
