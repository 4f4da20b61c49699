"""Money per locality: what was allocated to the locality's budget and its learners' budgets in a period, what
was spent from them by category (net of reversals), and their balances now; and the academy's income.

A transfer belongs to a locality through the budget on its locality side: the locality's own account, or a
learner's personal budget (by the learner's locality). Balances are the accounts' kept balances (the ledger keeps
them in the same transaction as each transfer), summed per locality."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, case, func, or_, select, union_all
from sqlalchemy.orm import aliased

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import Learner, LedgerAccount, LedgerFlow, LedgerFlowMonth, Transfer
from virtualacademy.models.funding import AccountKind, SpendingCategory, TransferKind
from virtualacademy.services.overview.common import Period, chosen

BUDGETS = (AccountKind.LOCALITY, AccountKind.PERSONAL)
#: Where allocations come from (and a reversed allocation goes back to).
FUNDERS = (
    AccountKind.FUNDING_SOURCE,
    AccountKind.CENTRAL_CORE,
    AccountKind.CENTRAL_MENTOR,
    AccountKind.CENTRAL_EXAMS,
)


@dataclass
class LocalityMoney:
    allocated: int = 0
    #: category -> pence spent in the period (net of reversals)
    spent: dict[SpendingCategory, int] = field(default_factory=lambda: dict.fromkeys(SpendingCategory, 0))
    locality_balance: int = 0
    personal_balances: int = 0

    @property
    def spent_total(self) -> int:
        return sum(self.spent.values())


@dataclass
class Money:
    period: Period
    income: int = 0
    by_locality: dict[int, LocalityMoney] = field(default_factory=dict)

    def total(self, locality_ids=None) -> LocalityMoney:
        result = LocalityMoney()
        for locality_id, row in chosen(self.by_locality, locality_ids):
            if locality_ids is None or locality_id in locality_ids:
                result.allocated += row.allocated
                for category, pence in row.spent.items():
                    result.spent[category] += pence
                result.locality_balance += row.locality_balance
                result.personal_balances += row.personal_balances
        return result


def _budget_locality(account, learner):
    """The locality a budget account belongs to: its own, or its learner's."""
    return func.coalesce(account.locality_id, learner.locality_id)


def _kinds(kinds) -> list[str]:
    return [k.value for k in kinds]


_SIDES = ("kind", "from_kind", "from_locality_id", "from_category", "to_kind", "to_locality_id", "to_category")


def _flows(period: Period):
    """The flow summary's rows that make up the period, with the sign each is counted with: a whole month from the
    summary by month; a part month either from its daily rows, or from the month's row less the daily rows of its
    days outside the period (whichever reads fewer days). As a subquery of
    ``_SIDES`` and ``pence``."""
    today = clock.today()
    whole, inside, outside = [], [], []
    for first, last in period.months():
        month_start = first.replace(day=1)
        month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        before, after = (month_start, first - timedelta(days=1)), (last + timedelta(days=1), month_end)
        # days after today are counted as nothing to read (usually they hold nothing; they are still subtracted)
        days_outside = sum(max(0, (min(b, today) - a).days + 1) for a, b in (before, after))
        if days_outside < (last - first).days + 1:
            whole.append(month_start)
            outside += [(a, b) for a, b in (before, after) if a <= b]
        else:
            inside.append((first, last))
    daily, monthly = LedgerFlow.__table__.c, LedgerFlowMonth.__table__.c

    def rows(table, sign, *where):
        return select(*(table[name] for name in _SIDES), (sign * table.amount_pence).label("pence")).where(*where)

    parts = [rows(daily, 1, or_(*(daily.day.between(a, b) for a, b in inside)))] if inside else []
    if whole:
        parts.append(rows(monthly, 1, monthly.month.in_(whole)))
    if outside:
        parts.append(rows(daily, -1, or_(*(daily.day.between(a, b) for a, b in outside))))
    return union_all(*parts).subquery()


def _from_summary(period: Period):
    """Income, allocations and spending per locality from the ledger's flow summary (:class:`LedgerFlow`, kept with
    every transfer, summed by London day and by month, and by the kind, locality and category of each side): budgets
    whose account names its locality. One statement: each row making up the period (:func:`_flows`) is read once,
    given its measure, locality, category and sign, and summed by those (a row per measure, locality and
    category)."""
    f = _flows(period).c
    budgets, funders, spending = _kinds(BUDGETS), _kinds(FUNDERS), AccountKind.SPENDING.value
    income = and_(f.kind == TransferKind.INCOME.value, f.from_kind == AccountKind.FUNDING_SOURCE.value)
    allocated = and_(f.kind == TransferKind.ALLOCATION.value, f.to_kind.in_(budgets), f.from_kind.in_(funders))
    unallocated = and_(f.kind == TransferKind.REVERSAL.value, f.from_kind.in_(budgets), f.to_kind.in_(funders))
    spent = and_(f.from_kind.in_(budgets), f.to_kind == spending)
    refunded = and_(f.to_kind.in_(budgets), f.from_kind == spending)
    measure = case((income, "income"), (or_(allocated, unallocated), "allocated"), else_="spent")
    locality = case((or_(allocated, refunded), f.to_locality_id), else_=f.from_locality_id)
    category = case((spent, f.to_category), (refunded, f.from_category), else_=None)
    pence = case((or_(unallocated, refunded), -f.pence), else_=f.pence)
    found = (
        select(
            measure.label("measure"), locality.label("locality_id"), category.label("category"), pence.label("pence")
        )
        .where(or_(income, allocated, unallocated, spent, refunded))
        .subquery()
    )
    income_pence, allocations, spendings = 0, [], []
    for what, locality_id, category_name, total in db.session.execute(
        select(found.c.measure, found.c.locality_id, found.c.category, func.sum(found.c.pence)).group_by(
            found.c.measure, found.c.locality_id, found.c.category
        )
    ):
        if what == "income":
            income_pence += int(total)
        elif locality_id is None:
            continue
        elif what == "allocated":
            allocations.append((locality_id, total))
        else:
            spendings.append((locality_id, category_name, total))
    return income_pence, allocations, spendings


def _without_locality(period: Period):
    """Allocations and spending of budgets whose account names no locality (a learner's budget made while the
    learner had none): counted by the learner's locality now, from their transfers. Two statements; such accounts
    are rare, and each is found through its index."""
    begin, finish = period.bounds()
    in_period = (Transfer.created_at >= begin, Transfer.created_at < finish)
    budget, other, learner = aliased(LedgerAccount), aliased(LedgerAccount), aliased(Learner)
    unplaced = (budget.kind.in_(BUDGETS), budget.locality_id.is_(None))
    if not db.session.scalar(select(select(budget.id).where(*unplaced).exists())):
        return [], []

    def side(budget_column, other_column, sign, *where, category=None):
        return (
            select(
                learner.locality_id.label("locality_id"),
                *(category or ()),
                (sign * Transfer.amount_pence).label("pence"),
            )
            .select_from(budget)
            .join(Transfer, budget_column == budget.id)
            .join(other, other.id == other_column)
            .join(learner, learner.id == budget.learner_id)
            .where(*unplaced, *in_period, *where)
        )

    allocated = union_all(
        side(
            Transfer.to_account_id,
            Transfer.from_account_id,
            1,
            Transfer.kind == TransferKind.ALLOCATION,
            other.kind.in_(FUNDERS),
        ),
        side(
            Transfer.from_account_id,
            Transfer.to_account_id,
            -1,
            Transfer.kind == TransferKind.REVERSAL,
            other.kind.in_(FUNDERS),
        ),
    ).subquery()
    allocations = db.session.execute(
        select(allocated.c.locality_id, func.sum(allocated.c.pence))
        .where(allocated.c.locality_id.is_not(None))
        .group_by(allocated.c.locality_id)
    ).all()
    spent = union_all(
        side(
            Transfer.from_account_id,
            Transfer.to_account_id,
            1,
            other.kind == AccountKind.SPENDING,
            category=[other.category.label("category")],
        ),
        side(
            Transfer.to_account_id,
            Transfer.from_account_id,
            -1,
            other.kind == AccountKind.SPENDING,
            category=[other.category.label("category")],
        ),
    ).subquery()
    spendings = db.session.execute(
        select(spent.c.locality_id, spent.c.category, func.sum(spent.c.pence))
        .where(spent.c.locality_id.is_not(None))
        .group_by(spent.c.locality_id, spent.c.category)
    ).all()
    return allocations, spendings


def money(period: Period) -> Money:
    """Income, allocations and spending in the period (from the ledger's flow summary), and balances now (the
    accounts' kept balances): a handful of grouped statements, none over the transfers of the whole academy."""
    result = Money(period)

    def row(locality_id: int) -> LocalityMoney:
        return result.by_locality.setdefault(locality_id, LocalityMoney())

    result.income, allocations, spendings = _from_summary(period)
    more_allocations, more_spendings = _without_locality(period)
    for locality_id, pence in [*allocations, *more_allocations]:
        row(locality_id).allocated += int(pence)
    for locality_id, category, pence in [*spendings, *more_spendings]:
        if category is not None:
            row(locality_id).spent[SpendingCategory(category)] += int(pence)
    account, learner = aliased(LedgerAccount), aliased(Learner)
    placed = select(account.locality_id, account.kind, func.sum(account.balance_pence)).where(
        account.kind.in_(BUDGETS), account.locality_id.is_not(None)
    )
    unplaced = (
        select(learner.locality_id, account.kind, func.sum(account.balance_pence))
        .join(learner, learner.id == account.learner_id)
        .where(account.kind.in_(BUDGETS), account.locality_id.is_(None))
    )
    balances = [
        *db.session.execute(placed.group_by(account.locality_id, account.kind)),
        *db.session.execute(unplaced.group_by(learner.locality_id, account.kind)),
    ]
    for locality_id, kind, pence in balances:
        if locality_id is not None:
            if kind == AccountKind.LOCALITY:
                row(locality_id).locality_balance += int(pence)
            else:
                row(locality_id).personal_balances += int(pence)
    return result
