"""A learner's learning budget as the family sees it: the balance, what is waiting for a decision, what is
spent."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from virtualacademy.extensions import db
from virtualacademy.models import AccountKind, Family, Learner, LedgerAccount, SpendRequest, SpendStatus, Transfer, User
from virtualacademy.policies.relations import FAMILY, related_learner_ids
from virtualacademy.services.spending.common import OPEN_STATUSES

# --- budgets ---------------------------------------------------------------------------------------


def _personal_account(learner: Learner) -> LedgerAccount | None:
    """The learner's personal account if it exists (looking never creates one)."""
    return db.session.scalar(select(LedgerAccount).where(LedgerAccount.key == f"personal:{learner.id}"))


def _spent_from(account_ids) -> int:
    """Net money moved from the accounts to spending accounts (payments less their reversals)."""
    spending = select(LedgerAccount.id).where(LedgerAccount.kind == AccountKind.SPENDING)
    out = db.session.scalar(
        select(func.coalesce(func.sum(Transfer.amount_pence), 0)).where(
            Transfer.from_account_id.in_(account_ids), Transfer.to_account_id.in_(spending)
        )
    )
    back = db.session.scalar(
        select(func.coalesce(func.sum(Transfer.amount_pence), 0)).where(
            Transfer.to_account_id.in_(account_ids), Transfer.from_account_id.in_(spending)
        )
    )
    return int(out or 0) - int(back or 0)


@dataclass
class Budget:
    """A learner's learning budget as the family sees it."""

    learner: Learner
    account: LedgerAccount | None
    balance: int
    #: Requests waiting for a first or second decision: how many, and how much.
    pending_count: int
    pending: int
    #: Paid out to suppliers so far (approved requests and other modules' charges, less reversals).
    spent: int
    requests: list[SpendRequest] = field(default_factory=list)

    @property
    def available(self) -> int:
        """What can still be asked for: the balance less every request still waiting for a decision."""
        return max(self.balance - self.pending, 0)

    def cannot_pay(self, request: SpendRequest) -> bool:
        """The budget holds less than ``request`` asks for: it cannot be paid as things stand."""
        return self.balance < request.amount_pence

    def asked_for_besides(self, request: SpendRequest) -> int:
        """What the requests waiting for a decision ask for besides ``request`` (0 if nothing)."""
        return max(self.pending - request.amount_pence, 0)


def budget(learner: Learner, *, with_requests: bool = True) -> Budget:
    account = _personal_account(learner)
    count, pending = db.session.execute(
        select(func.count(), func.coalesce(func.sum(SpendRequest.amount_pence), 0)).where(
            SpendRequest.learner_id == learner.id, SpendRequest.status.in_(OPEN_STATUSES)
        )
    ).one()
    requests = []
    if with_requests:
        requests = list(
            db.session.scalars(
                select(SpendRequest)
                .where(SpendRequest.learner_id == learner.id, SpendRequest.status != SpendStatus.DRAFT)
                .order_by(SpendRequest.created_at.desc(), SpendRequest.id.desc())
            )
        )
    return Budget(
        learner=learner,
        account=account,
        balance=account.balance_pence if account else 0,
        pending_count=int(count),
        pending=int(pending),
        spent=_spent_from([account.id]) if account else 0,
        requests=requests,
    )


def family_budgets(user: User, *, with_requests: bool = True) -> list[Budget]:
    """Each child of the guardian's families (or the learner's own budget), oldest family first."""
    learners = db.session.scalars(
        select(Learner)
        .join(Family, Family.id == Learner.family_id)
        .where(Learner.id.in_(related_learner_ids(user, FAMILY)))
        .order_by(Learner.family_id, Learner.id)
    )
    return [budget(learner, with_requests=with_requests) for learner in learners]
