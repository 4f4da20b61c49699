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
    return _budgets([learner], [learner.id], None if with_requests else 0)[0]


#: How many of each child's latest requests the family's page of budgets shows.
FAMILY_REQUESTS = 5


def family_budgets(user: User, *, with_requests: bool = True) -> list[Budget]:
    """Each child of the guardian's families (or the learner's own budget), oldest family first, each with its
    latest :data:`FAMILY_REQUESTS` requests (``with_requests``): the same few statements however many children."""
    ids = related_learner_ids(user, FAMILY)
    learners = db.session.scalars(
        select(Learner)
        .join(Family, Family.id == Learner.family_id)
        .where(Learner.id.in_(ids))
        .order_by(Learner.family_id, Learner.id)
    ).all()
    return _budgets(list(learners), ids, FAMILY_REQUESTS if with_requests else 0) if learners else []


def _budgets(learners: list[Learner], ids, requests: int | None) -> list[Budget]:
    """The budgets of ``learners`` (whose ids ``ids`` selects or lists), with each one's latest ``requests``
    requests (None: all of them), read together."""
    accounts = {
        account.learner_id: account
        for account in db.session.scalars(
            select(LedgerAccount).where(LedgerAccount.kind == AccountKind.PERSONAL, LedgerAccount.learner_id.in_(ids))
        )
    }
    open_requests = {
        learner_id: (int(count), int(pending))
        for learner_id, count, pending in db.session.execute(
            select(SpendRequest.learner_id, func.count(), func.coalesce(func.sum(SpendRequest.amount_pence), 0))
            .where(SpendRequest.learner_id.in_(ids), SpendRequest.status.in_(OPEN_STATUSES))
            .group_by(SpendRequest.learner_id)
        )
    }
    latest = _latest_requests(ids, requests) if requests != 0 else {}
    spent = _spent_by_account([account.id for account in accounts.values()])
    budgets = []
    for learner in learners:
        account = accounts.get(learner.id)
        count, pending = open_requests.get(learner.id, (0, 0))
        budgets.append(
            Budget(
                learner=learner,
                account=account,
                balance=account.balance_pence if account else 0,
                pending_count=count,
                pending=pending,
                spent=spent.get(account.id, 0) if account else 0,
                requests=latest.get(learner.id, []),
            )
        )
    return budgets


def _latest_requests(ids, limit: int | None) -> dict[int, list[SpendRequest]]:
    """Each learner's requests but drafts, newest first (at most ``limit`` each), by learner id."""
    newest_first = (SpendRequest.created_at.desc(), SpendRequest.id.desc())
    wanted = select(SpendRequest.id).where(SpendRequest.learner_id.in_(ids), SpendRequest.status != SpendStatus.DRAFT)
    if limit is not None:
        ranked = wanted.add_columns(
            func.row_number().over(partition_by=SpendRequest.learner_id, order_by=newest_first).label("place")
        ).subquery()
        wanted = select(ranked.c.id).where(ranked.c.place <= limit)
    found: dict[int, list[SpendRequest]] = {}
    for request in db.session.scalars(select(SpendRequest).where(SpendRequest.id.in_(wanted)).order_by(*newest_first)):
        found.setdefault(request.learner_id, []).append(request)
    return found


def _spent_by_account(account_ids: list[int]) -> dict[int, int]:
    """Net money moved from each account to spending accounts (payments less their reversals), by account id.

    Each side sums the accounts' own transfers by the account on the other side first (a few rows, read by the
    index on the accounts' side) and only then keeps the spending ones: joined straight to the spending accounts,
    PostgreSQL would read the index of everything ever paid to them (hundreds of thousands of rows at national
    size) to find a family's few payments."""
    if not account_ids:
        return {}

    def net(ours, theirs) -> dict[int, int]:
        pairs = (
            select(ours.label("ours"), theirs.label("theirs"), func.sum(Transfer.amount_pence).label("pence"))
            .where(ours.in_(account_ids))
            .group_by(ours, theirs)
            .subquery()
        )
        rows = db.session.execute(
            select(pairs.c.ours, func.sum(pairs.c.pence))
            .join(LedgerAccount, LedgerAccount.id == pairs.c.theirs)
            .where(LedgerAccount.kind == AccountKind.SPENDING)
            .group_by(pairs.c.ours)
        )
        return {account_id: int(total) for account_id, total in rows}

    spent = net(Transfer.from_account_id, Transfer.to_account_id)
    for account_id, total in net(Transfer.to_account_id, Transfer.from_account_id).items():
        spent[account_id] = spent.get(account_id, 0) - total
    return spent
