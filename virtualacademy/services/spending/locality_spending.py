"""Other spending: a locality's spending recorded by its coordinator, other modules' charges to a learner's
budget, and the coordinator's view of a locality's budget."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Integer, and_, cast, func, null, or_, select, union_all
from sqlalchemy.orm import aliased

from virtualacademy import clock, money
from virtualacademy.database import one_of
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    AccountKind,
    Learner,
    LedgerAccount,
    LedgerFlowMonth,
    SpendingCategory,
    SpendRequest,
    SpendStatus,
    Transfer,
    TransferKind,
    User,
)
from virtualacademy.models.funding import SPENDING_CATEGORY_LABELS
from virtualacademy.models.localities import Locality
from virtualacademy.policies.relations import coordinated_localities, oversees_every_locality
from virtualacademy.services import audit, ledger
from virtualacademy.services.spending.access import may_manage_locality
from virtualacademy.services.spending.common import (
    LOCALITY_CATEGORIES,
    MAX_SUPPLIER,
    MAX_WHAT_FOR,
    OPEN_STATUSES,
    _category,
    _text,
    funding_year_start,
)

# --- other spending: localities and other modules ------------------------------------------------------

_FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_form_key() -> str:
    """A fresh idempotency key for a spending form: a retry of the same form never records twice."""
    return secrets.token_urlsafe(24)


def _lock_account(account: LedgerAccount) -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(LedgerAccount.id).where(LedgerAccount.id == account.id).with_for_update())


@dataclass(frozen=True)
class Recorded:
    transfer: Transfer
    #: False when the same form was sent before: nothing more was taken.
    new: bool


def record_locality_spend(
    actor: User,
    locality: Locality,
    *,
    category: SpendingCategory | str,
    amount_pence: int,
    what_for: str,
    supplier: str | None,
    key: str,
) -> Recorded:
    """Spending from a locality budget (events and trips, coordinator costs, other), by its coordinator or
    an admin. ``key`` comes from the form, so sending the same form twice records it once."""
    if not may_manage_locality(actor, locality):
        raise NotAllowed("Only the locality's coordinator or an admin can record its spending")
    category = _category(category, LOCALITY_CATEGORIES)
    amount_pence = ledger.check_amount(amount_pence)
    what_for = _text(what_for, "what_for", "Enter what the money was spent on", MAX_WHAT_FOR)
    supplier = (supplier or "").strip()
    if len(supplier) > MAX_SUPPLIER:
        raise ValidationError(f"Write {MAX_SUPPLIER} characters or fewer", field="supplier")
    if not isinstance(key, str) or not _FORM_KEY.match(key):
        raise ValidationError("The form was not complete. Reload the page and try again.")
    idempotency_key = f"locality-spend:{locality.id}:{key}"
    source = ledger.locality_account(locality)
    db.session.flush()
    _lock_account(source)
    earlier = db.session.scalar(select(Transfer).where(Transfer.idempotency_key == idempotency_key))
    memo = f"{what_for} ({supplier})" if supplier else what_for
    try:
        transfer = ledger.post(
            actor,
            source,
            ledger.spending_account(category),
            amount_pence,
            TransferKind.SPEND,
            memo,
            idempotency_key,
        )
    except ledger.DuplicateKey:
        raise ValidationError(
            "This form was already used to record different spending. Reload the page and try again."
        ) from None
    except ledger.InsufficientFunds:
        raise ledger.InsufficientFunds(
            f"There is not enough in the {locality.name} budget: it has {money.pounds_text(source.balance_pence)}, "
            f"not enough for {money.pounds_text(amount_pence)}. Nothing has been recorded.",
            field="amount",
        ) from None
    if earlier is None:
        audit.record(
            "funding.locality_spend",
            actor=actor,
            obj=transfer,
            detail={"locality_id": locality.id, "category": category.value, "amount_pence": amount_pence},
        )
    return Recorded(transfer, earlier is None)


def charge_personal_budget(
    actor: User | None,
    learner: Learner,
    category: SpendingCategory,
    amount_pence: int,
    memo: str,
    idempotency_key: str,
) -> Transfer:
    """For other modules (exam fees, event costs): pay from a learner's learning budget. Use a key that
    names the thing paid for (``exam-entry:<id>``): a retry returns the first transfer and charges nothing."""
    return ledger.post(
        actor,
        ledger.personal_account(learner),
        ledger.spending_account(_category(category, tuple(SpendingCategory))),
        amount_pence,
        TransferKind.SPEND,
        memo,
        idempotency_key,
    )


# --- the coordinator's view ----------------------------------------------------------------------------


@dataclass
class CategorySpend:
    category: SpendingCategory
    from_locality: int
    from_personal: int

    @property
    def label(self) -> str:
        return SPENDING_CATEGORY_LABELS[self.category]

    @property
    def total(self) -> int:
        return self.from_locality + self.from_personal


@dataclass
class LocalityBudget:
    locality: Locality
    account: LedgerAccount | None
    balance: int
    #: The sum of the learning budgets of the locality's learners.
    personal_balance: int
    #: Requests waiting for a first decision.
    pending_count: int
    pending: int
    #: Approved once but not yet paid: waiting for an admin's second approval.
    committed_count: int
    committed: int
    since: date
    by_category: list[CategorySpend]

    @property
    def spent(self) -> int:
        return sum(c.total for c in self.by_category)


def locality_budget(locality: Locality, today: date | None = None) -> LocalityBudget:
    """The locality's budget, what is waiting and committed, and what has been spent this funding year (from
    the locality budget and from its learners' learning budgets) by category, net of reversals: as
    :func:`locality_budgets` gives it (the same statements, for one locality)."""
    return locality_budgets([locality], today)[0]


_OURS = (AccountKind.PERSONAL.value, AccountKind.LOCALITY.value)
_FLOW_SIDES = (
    LedgerFlowMonth.from_kind,
    LedgerFlowMonth.from_locality_id,
    LedgerFlowMonth.from_category,
    LedgerFlowMonth.to_kind,
    LedgerFlowMonth.to_locality_id,
    LedgerFlowMonth.to_category,
)


def _add(totals: dict, key: tuple[int, SpendingCategory, bool], pence: int) -> None:
    totals[key] = totals.get(key, 0) + pence


def _spent_from_summary(ids: list[int], since: date, totals: dict) -> None:
    """Spending from the ledger's flow summary by month (``since`` is the first of a month): the budgets counted
    under the locality their account was made with (a learning budget's ``locality_id``). One statement over a
    few thousand rows, never the transfers."""
    f = LedgerFlowMonth
    spending_kind = AccountKind.SPENDING.value
    spent = and_(f.from_kind.in_(_OURS), f.to_kind == spending_kind, f.from_locality_id.in_(ids))
    refunded = and_(f.from_kind == spending_kind, f.to_kind.in_(_OURS), f.to_locality_id.in_(ids))
    for from_kind, from_locality, from_category, to_kind, to_locality, to_category, total in db.session.execute(
        select(*_FLOW_SIDES, func.sum(f.amount_pence))
        .where(f.month >= since, or_(spent, refunded))
        .group_by(*_FLOW_SIDES)
    ):
        if to_kind == spending_kind:
            key = (from_locality, SpendingCategory(to_category), from_kind == AccountKind.LOCALITY.value)
            _add(totals, key, int(total))
        else:
            key = (to_locality, SpendingCategory(from_category), to_kind == AccountKind.LOCALITY.value)
            _add(totals, key, -int(total))


#: Up to this many localities (a coordinator's), the budgets that moved are found through the indexes on locality.
_FEW_LOCALITIES = 10


@dataclass(frozen=True)
class _Moved:
    """A learning budget whose learner is no longer in the locality the account was made with (or has gone)."""

    made_in: int | None
    now_in: int | None
    balance: int


def _balances(ids: list[int]) -> tuple[dict[int, int], dict[int, _Moved]]:
    """The learning budgets' balances by their learner's locality now, and the budgets that have moved (by
    account id). One statement: the balances by the locality each account was made with, summed from the index
    on (kind, locality) that holds them, and beside them the few budgets whose learner has moved since."""
    wanted = set(ids)
    account, learner = aliased(LedgerAccount), aliased(Learner)
    personal, moved = account.kind == AccountKind.PERSONAL, account.locality_id.is_distinct_from(learner.locality_id)
    none = cast(null(), Integer)
    placed = (
        select(account.locality_id, none, none, func.sum(account.balance_pence))
        .where(personal, account.locality_id.in_(ids))
        .group_by(account.locality_id)
    )
    each = select(account.locality_id, account.id, learner.locality_id, account.balance_pence)
    if len(ids) <= _FEW_LOCALITIES:  # each side found through its index on locality
        here = each.join(learner, learner.id == account.learner_id).where(personal, moved, learner.locality_id.in_(ids))
        away = each.outerjoin(learner, learner.id == account.learner_id).where(
            personal, moved, account.locality_id.in_(ids)
        )
        rows = union_all(placed, here, away)
    else:  # most of the academy: one pass over the budgets and learners rather than two
        near = or_(account.locality_id.in_(ids), learner.locality_id.in_(ids))
        rows = union_all(placed, each.outerjoin(learner, learner.id == account.learner_id).where(personal, moved, near))
    balances: dict[int, int] = {}
    budgets: dict[int, _Moved] = {}
    for made_in, account_id, now_in, pence in db.session.execute(rows):
        if account_id is None:
            balances[made_in] = balances.get(made_in, 0) + int(pence or 0)
        else:
            budgets[account_id] = _Moved(made_in, now_in, int(pence))
    for budget in budgets.values():
        if budget.made_in in wanted:
            balances[budget.made_in] -= budget.balance
        if budget.now_in in wanted:
            balances[budget.now_in] = balances.get(budget.now_in, 0) + budget.balance
    return balances, budgets


def _spent_by_moved(moved: dict[int, _Moved], ids: list[int], since: date, totals: dict) -> None:
    """Moves the spending of the learning budgets in ``moved`` from the locality each was made with to its
    learner's locality now, summed from their transfers. One statement (sent even when none has moved, so a page
    sends as many whatever its data): each side's index finds them (a UNION ALL of the two sides, never an
    ``OR``)."""
    start = datetime.combine(since, time(0), clock.LONDON).astimezone(UTC)
    wanted, spending, account_ids = set(ids), aliased(LedgerAccount), list(moved)
    sides = union_all(
        select(
            Transfer.from_account_id.label("ours"),
            Transfer.to_account_id.label("other"),
            Transfer.amount_pence.label("pence"),
        ).where(one_of(Transfer.from_account_id, account_ids), Transfer.created_at >= start),
        select(Transfer.to_account_id, Transfer.from_account_id, -Transfer.amount_pence).where(
            one_of(Transfer.to_account_id, account_ids), Transfer.created_at >= start
        ),
    ).subquery()
    for account_id, category, total in db.session.execute(
        select(sides.c.ours, spending.category, func.sum(sides.c.pence))
        .join(spending, spending.id == sides.c.other)
        .where(spending.kind == AccountKind.SPENDING)
        .group_by(sides.c.ours, spending.category)
    ):
        budget, category = moved[account_id], SpendingCategory(category)
        if budget.made_in in wanted:
            _add(totals, (budget.made_in, category, False), -int(total))
        if budget.now_in in wanted:
            _add(totals, (budget.now_in, category, False), int(total))


def _waiting(ids: list[int]) -> dict[tuple[int, SpendStatus], tuple[int, int]]:
    """Requests waiting for a decision, by the learner's locality and status: (how many, pence)."""
    waiting: dict[tuple[int, SpendStatus], tuple[int, int]] = {}
    for locality_id, status, n, total in db.session.execute(
        select(
            Learner.locality_id,
            SpendRequest.status,
            func.count(),
            func.coalesce(func.sum(SpendRequest.amount_pence), 0),
        )
        .join(Learner, Learner.id == SpendRequest.learner_id)
        .where(Learner.locality_id.in_(ids), SpendRequest.status.in_(OPEN_STATUSES))
        .group_by(Learner.locality_id, SpendRequest.status)
    ):
        waiting[locality_id, status] = (int(n), int(total))
    return waiting


def locality_budgets(localities: list[Locality], today: date | None = None) -> list[LocalityBudget]:
    """:func:`locality_budget` for each of ``localities`` (in their order), in five statements however many
    localities, learners and transfers there are (the list of every locality's budget), none of them over the
    transfers of the academy: spending comes from the ledger's flow summary by month, which counts a learning
    budget under the locality its account was made with, and is moved for the few budgets whose learner has
    changed locality since (a learner's budget counts under the learner's locality today)."""
    if not localities:
        return []
    since = funding_year_start(today or clock.today())
    ids = [locality.id for locality in localities]  # the localities shown: bounded (150 at national size)
    keys = {f"locality:{i}": i for i in ids}
    accounts = {keys[a.key]: a for a in db.session.scalars(select(LedgerAccount).where(LedgerAccount.key.in_(keys)))}
    balances, moved = _balances(ids)
    waiting = _waiting(ids)
    totals: dict[tuple[int, SpendingCategory, bool], int] = {}
    _spent_from_summary(ids, since, totals)
    _spent_by_moved(moved, ids, since, totals)
    result = []
    for locality in localities:
        i, account = locality.id, accounts.get(locality.id)
        pending = waiting.get((i, SpendStatus.PENDING), (0, 0))
        committed = waiting.get((i, SpendStatus.AWAITING_SECOND_APPROVAL), (0, 0))
        result.append(
            LocalityBudget(
                locality=locality,
                account=account,
                balance=account.balance_pence if account else 0,
                personal_balance=balances.get(i, 0),
                pending_count=pending[0],
                pending=pending[1],
                committed_count=committed[0],
                committed=committed[1],
                since=since,
                by_category=[
                    CategorySpend(c, totals.get((i, c, True), 0), totals.get((i, c, False), 0))
                    for c in SpendingCategory
                    if totals.get((i, c, True), 0) or totals.get((i, c, False), 0)
                ],
            )
        )
    return result


def managed_localities(user: User) -> list[Locality]:
    """The localities whose budgets ``user`` manages: every locality for an admin, else those they coordinate
    (``policies.relations``: the coordinator role and the locality link)."""
    stmt = select(Locality).order_by(Locality.name)
    if not oversees_every_locality(user):
        stmt = stmt.where(Locality.id.in_(coordinated_localities(user)))
    return list(db.session.scalars(stmt))
