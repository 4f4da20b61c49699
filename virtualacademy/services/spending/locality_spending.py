"""Other spending: a locality's spending recorded by its coordinator, other modules' charges to a learner's
budget, and the coordinator's view of a locality's budget."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from virtualacademy import clock, money
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    AccountKind,
    Learner,
    LedgerAccount,
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
    the locality budget and from its learners' learning budgets) by category, net of reversals."""
    since = funding_year_start(today or clock.today())
    account = db.session.scalar(select(LedgerAccount).where(LedgerAccount.key == f"locality:{locality.id}"))
    learners = select(Learner.id).where(Learner.locality_id == locality.id)
    personal_ids = select(LedgerAccount.id).where(
        LedgerAccount.kind == AccountKind.PERSONAL, LedgerAccount.learner_id.in_(learners)
    )
    personal_balance = db.session.scalar(
        select(func.coalesce(func.sum(LedgerAccount.balance_pence), 0)).where(LedgerAccount.id.in_(personal_ids))
    )
    waiting = dict(
        (status, (int(n), int(total)))
        for status, n, total in db.session.execute(
            select(SpendRequest.status, func.count(), func.coalesce(func.sum(SpendRequest.amount_pence), 0))
            .where(SpendRequest.learner_id.in_(learners), SpendRequest.status.in_(OPEN_STATUSES))
            .group_by(SpendRequest.status)
        )
    )
    start = datetime.combine(since, time(0), clock.LONDON).astimezone(UTC)
    spending = aliased(LedgerAccount)
    totals: dict[tuple[SpendingCategory, bool], int] = {}
    for sign, ours_col, spending_col in (
        (1, Transfer.from_account_id, Transfer.to_account_id),
        (-1, Transfer.to_account_id, Transfer.from_account_id),
    ):
        is_locality = ours_col == (account.id if account else -1)
        rows = db.session.execute(
            select(spending.category, is_locality, func.sum(Transfer.amount_pence))
            .join(spending, spending.id == spending_col)
            .where(
                spending.kind == AccountKind.SPENDING,
                or_(ours_col.in_(personal_ids), is_locality),
                Transfer.created_at >= start,
            )
            .group_by(spending.category, is_locality)
        )
        for category, from_locality, total in rows:
            key = (SpendingCategory(category), bool(from_locality))
            totals[key] = totals.get(key, 0) + sign * int(total or 0)
    by_category = [
        CategorySpend(c, totals.get((c, True), 0), totals.get((c, False), 0))
        for c in SpendingCategory
        if totals.get((c, True), 0) or totals.get((c, False), 0)
    ]
    return LocalityBudget(
        locality=locality,
        account=account,
        balance=account.balance_pence if account else 0,
        personal_balance=int(personal_balance or 0),
        pending_count=waiting.get(SpendStatus.PENDING, (0, 0))[0],
        pending=waiting.get(SpendStatus.PENDING, (0, 0))[1],
        committed_count=waiting.get(SpendStatus.AWAITING_SECOND_APPROVAL, (0, 0))[0],
        committed=waiting.get(SpendStatus.AWAITING_SECOND_APPROVAL, (0, 0))[1],
        since=since,
        by_category=by_category,
    )


def _spent_by_locality(personal, locality_of_account: dict[int, int], since: date):
    """Spent since ``since`` (net of reversals) by (locality, category, from the locality budget?): from the
    learning budgets in ``personal`` (a subquery of account ids and their learner's locality) and from the
    locality budgets ``locality_of_account`` (account id -> locality id). Four grouped statements."""
    start = datetime.combine(since, time(0), clock.LONDON).astimezone(UTC)
    spending = aliased(LedgerAccount)
    totals: dict[tuple[int, SpendingCategory, bool], int] = {}
    for sign, ours_col, spending_col in (
        (1, Transfer.from_account_id, Transfer.to_account_id),
        (-1, Transfer.to_account_id, Transfer.from_account_id),
    ):
        moved = (
            select(spending.category, func.sum(Transfer.amount_pence))
            .join(spending, spending.id == spending_col)
            .where(spending.kind == AccountKind.SPENDING, Transfer.created_at >= start)
        )
        by_learners = moved.add_columns(personal.c.locality_id).join(personal, personal.c.account_id == ours_col)
        for category, total, locality_id in db.session.execute(
            by_learners.group_by(spending.category, personal.c.locality_id)
        ):
            key = (locality_id, SpendingCategory(category), False)
            totals[key] = totals.get(key, 0) + sign * int(total or 0)
        if locality_of_account:
            for category, total, account_id in db.session.execute(
                moved.add_columns(ours_col)
                .where(ours_col.in_(list(locality_of_account)))
                .group_by(spending.category, ours_col)
            ):
                key = (locality_of_account[account_id], SpendingCategory(category), True)
                totals[key] = totals.get(key, 0) + sign * int(total or 0)
    return totals


def locality_budgets(localities: list[Locality], today: date | None = None) -> list[LocalityBudget]:
    """:func:`locality_budget` for each of ``localities`` (in their order), in a fixed number of grouped
    statements however many localities and learners there are (the list of every locality's budget)."""
    if not localities:
        return []
    since = funding_year_start(today or clock.today())
    ids = [locality.id for locality in localities]  # the localities shown: bounded (150 at national size)
    keys = {f"locality:{i}": i for i in ids}
    accounts = {keys[a.key]: a for a in db.session.scalars(select(LedgerAccount).where(LedgerAccount.key.in_(keys)))}
    personal = (
        select(LedgerAccount.id.label("account_id"), Learner.locality_id.label("locality_id"))
        .join(Learner, Learner.id == LedgerAccount.learner_id)
        .where(LedgerAccount.kind == AccountKind.PERSONAL, Learner.locality_id.in_(ids))
        .subquery()
    )
    balances = dict(
        db.session.execute(
            select(personal.c.locality_id, func.coalesce(func.sum(LedgerAccount.balance_pence), 0))
            .join(personal, personal.c.account_id == LedgerAccount.id)
            .group_by(personal.c.locality_id)
        ).all()
    )
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
    totals = _spent_by_locality(personal, {a.id: i for i, a in accounts.items()}, since)
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
                personal_balance=int(balances.get(i, 0) or 0),
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
