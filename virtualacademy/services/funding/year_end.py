"""Closing a funding year by its policy: unspent learning and locality budgets carried forward or returned to
core provision."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.orm import aliased

from virtualacademy import clock, money
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import AccountKind, FundingYear, LedgerAccount, Transfer, TransferKind, User, YearEndPolicy
from virtualacademy.services import audit, ledger
from virtualacademy.services.funding.common import LONDON, StalePreview, _bounds, _lock, _long


@dataclass
class YearEndLine:
    account: LedgerAccount
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


def _balances_at_end(year: FundingYear) -> list[tuple[LedgerAccount, int]]:
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
        select(LedgerAccount, at_end.c.pence)
        .join(at_end, at_end.c.account_id == LedgerAccount.id)
        .where(
            LedgerAccount.kind.in_([AccountKind.LOCALITY, AccountKind.PERSONAL]),
            LedgerAccount.balance_pence > 0,
            at_end.c.pence > 0,
        )
        .order_by(LedgerAccount.kind, LedgerAccount.name, LedgerAccount.id)
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
        unspent = money.pounds(self.plan.total_pence, ascii_minus=True)
        if self.plan.returns:
            return (
                f"{year.label} is closed: {unspent} of unspent money in learning and "
                f"locality budgets returned to core provision in {len(self.transfers)} transfers"
            )
        return f"{year.label} is closed: {unspent} of unspent money in learning and locality budgets carried forward"


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
