"""Money moved by hand between central accounts and localities, the journal of every transfer, and reversals."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import FundingYear, LedgerAccount, Locality, SpendRequest, Transfer, TransferKind, User
from virtualacademy.paging import Key, ordering
from virtualacademy.services import audit, ledger
from virtualacademy.services.funding.common import CENTRAL_KINDS, _lock

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


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


def movable_account(key: str, field_name: str) -> LedgerAccount:
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
    return db.session.scalar(select(LedgerAccount.balance_pence).where(LedgerAccount.key == key)) or 0


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
    _lock(LedgerAccount, source.id)
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


#: The journal's order, newest first: transfers are numbered as they are posted (a keyset order, one unique key).
TRANSFER_ORDER = (Key(Transfer.id, descending=True),)


def transfers_query(year: FundingYear | None = None, kind: TransferKind | None = None):
    """Every transfer, newest first (:data:`TRANSFER_ORDER`), narrowed by year or kind (each read through its
    index, ``ix_transfer_year_id`` or ``ix_transfer_kind``), with both accounts of each loaded in the same
    statement."""
    stmt = (
        select(Transfer)
        .options(joinedload(Transfer.from_account), joinedload(Transfer.to_account))
        .order_by(*ordering(TRANSFER_ORDER))
    )
    if year is not None:
        stmt = stmt.where(Transfer.year_id == year.id)
    if kind is not None:
        stmt = stmt.where(Transfer.kind == kind)
    return stmt


def account_sides(account: LedgerAccount | None) -> list | None:
    """An account's transfers as its two sides, money out and money in, for a keyset page to read each through
    its own index (``ix_transfer_from``, ``ix_transfer_to``) and merge; None for every account."""
    if account is None:
        return None
    return [Transfer.from_account_id == account.id, Transfer.to_account_id == account.id]


def account_by_key(key: str | None) -> LedgerAccount | None:
    return db.session.scalar(select(LedgerAccount).where(LedgerAccount.key == key)) if key else None


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
