"""Money per locality: what was allocated to the locality's budget and its learners' budgets in a period, what
was spent from them by category (net of reversals), and their balances now; and the academy's income.

A transfer belongs to a locality through the budget on its locality side: the locality's own account, or a
learner's personal budget (by the learner's locality). Balances are the accounts' kept balances (the ledger keeps
them in the same transaction as each transfer), summed per locality."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import aliased

from virtualacademy.extensions import db
from virtualacademy.models import Learner, LedgerAccount, Transfer
from virtualacademy.models.funding import AccountKind, SpendingCategory, TransferKind
from virtualacademy.services.overview.common import Period

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
        for locality_id, row in self.by_locality.items():
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


def money(period: Period) -> Money:
    """Income, allocations and spending in the period, and balances now: four grouped statements."""
    begin, finish = period.bounds()
    result = Money(period)

    def row(locality_id: int) -> LocalityMoney:
        return result.by_locality.setdefault(locality_id, LocalityMoney())

    in_period = (Transfer.created_at >= begin, Transfer.created_at < finish)
    source = aliased(LedgerAccount)
    result.income = int(
        db.session.scalar(
            select(func.coalesce(func.sum(Transfer.amount_pence), 0))
            .join(source, source.id == Transfer.from_account_id)
            .where(*in_period, Transfer.kind == TransferKind.INCOME, source.kind == AccountKind.FUNDING_SOURCE)
        )
        or 0
    )
    # allocations into a budget (from the source or the centre), less those reversed back to them
    budget, other, learner = aliased(LedgerAccount), aliased(LedgerAccount), aliased(Learner)
    locality = _budget_locality(budget, learner)
    allocated = case((Transfer.kind == TransferKind.ALLOCATION, Transfer.amount_pence), else_=-Transfer.amount_pence)
    for locality_id, pence in db.session.execute(
        select(locality, func.sum(allocated))
        .join(budget, or_(budget.id == Transfer.to_account_id, budget.id == Transfer.from_account_id))
        .join(other, or_(other.id == Transfer.to_account_id, other.id == Transfer.from_account_id))
        .outerjoin(learner, learner.id == budget.learner_id)
        .where(
            *in_period,
            budget.kind.in_(BUDGETS),
            other.kind.in_(FUNDERS),
            or_(
                (Transfer.kind == TransferKind.ALLOCATION) & (Transfer.to_account_id == budget.id),
                (Transfer.kind == TransferKind.REVERSAL) & (Transfer.from_account_id == budget.id),
            ),
        )
        .group_by(locality)
    ):
        if locality_id is not None:
            row(locality_id).allocated += int(pence)
    # spending: budget -> spending account, less spending account -> budget (reversals)
    budget, spending, learner = aliased(LedgerAccount), aliased(LedgerAccount), aliased(Learner)
    signed = case((Transfer.from_account_id == budget.id, Transfer.amount_pence), else_=-Transfer.amount_pence)
    locality = _budget_locality(budget, learner)
    for locality_id, category, pence in db.session.execute(
        select(locality, spending.category, func.sum(signed))
        .join(budget, or_(budget.id == Transfer.to_account_id, budget.id == Transfer.from_account_id))
        .join(spending, or_(spending.id == Transfer.to_account_id, spending.id == Transfer.from_account_id))
        .outerjoin(learner, learner.id == budget.learner_id)
        .where(*in_period, budget.kind.in_(BUDGETS), spending.kind == AccountKind.SPENDING)
        .group_by(locality, spending.category)
    ):
        if locality_id is not None and category is not None:
            row(locality_id).spent[category] += int(pence)
    learner = aliased(Learner)
    account = aliased(LedgerAccount)
    where = _budget_locality(account, learner)
    for locality_id, kind, pence in db.session.execute(
        select(where, account.kind, func.sum(account.balance_pence))
        .outerjoin(learner, learner.id == account.learner_id)
        .where(account.kind.in_(BUDGETS))
        .group_by(where, account.kind)
    ):
        if locality_id is not None:
            if kind == AccountKind.LOCALITY:
                row(locality_id).locality_balance = int(pence)
            else:
                row(locality_id).personal_balances = int(pence)
    return result
