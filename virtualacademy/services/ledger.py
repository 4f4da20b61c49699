"""The ledger: the one service every module posts money through.

Every movement is a :class:`Transfer` of a positive number of pence between two accounts, with a unique
idempotency key (a retry never moves money twice). Transfers are never edited or deleted; a mistake is undone
by a reversing transfer. Each account keeps a running balance updated in the same transaction as the transfer,
with the accounts involved locked in a consistent order (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
transactions take the write lock at ``BEGIN IMMEDIATE``), so concurrent spends can never overdraw a budget.
``verify()`` proves the invariants.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import Row, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from virtualacademy import clock, money
from virtualacademy.context import request_ip
from virtualacademy.database import insert_many, new_ids, one_of, set_many
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    AccountKind,
    AuditEvent,
    FundingYear,
    Learner,
    LedgerAccount,
    Locality,
    Role,
    SpendingCategory,
    Transfer,
    TransferKind,
    User,
)
from virtualacademy.models.funding import BUDGET_KINDS, SPENDING_CATEGORY_LABELS
from virtualacademy.services import audit
from virtualacademy.services.ledger_flows import (  # the flow summary, kept with every transfer below
    Flow,
    count_flows,
    flow_problems,
    rebuild_flows,  # noqa: F401 - part of the ledger's interface (after bulk loads)
)

#: Funding years and posting dates are UK calendar dates.
LONDON = clock.LONDON

#: The largest single transfer accepted: £10 million. Anything bigger is a typo.
MAX_TRANSFER_PENCE = 1_000_000_000


class InsufficientFunds(ValidationError):
    """The transfer would take a budget below zero."""


class DuplicateKey(ValidationError):
    """An idempotency key was reused for a different movement."""


# --- amounts --------------------------------------------------------------------------------------


#: A number as people type it: whole digits, with or without commas between groups of three (``1,250``, never
#: ``5,00`` or ``1,0000``), then optionally a full stop and more digits. ASCII digits only: no signs, exponents
#: (``1E+9``), underscores (``1_000``) or other scripts' digits, which Python's own number parsers would accept.
_NUMBER = re.compile(r"(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.(?P<fraction>[0-9]*))?")
_MINUS = ("-", "\u2212")
ENTER_AN_AMOUNT = "Enter an amount in pounds, like 45.50"


@dataclass(frozen=True)
class TypedNumber:
    negative: bool
    #: The whole part's digits, without commas or leading zeros ("" for zero).
    whole: str
    #: The digits after the full stop, as typed ("" if none).
    fraction: str

    def scaled(self, places: int, most_digits: int) -> int | None:
        """The number times 10**places, dropping anything past ``places`` decimals (the caller checks); None
        if the whole part has more than ``most_digits`` digits (far too large for anything)."""
        if len(self.whole) > most_digits:
            return None
        return int(self.whole or "0") * 10**places + int(self.fraction[:places].ljust(places, "0"))

    def beyond(self, places: int) -> bool:
        """Whether there are non-zero digits past ``places`` decimals."""
        return bool(self.fraction[places:].strip("0"))


def read_number(text: str | None, *, prefix: str = "", suffix: str = "") -> TypedNumber | None:
    """The product's one reading of a typed decimal number (amounts in pounds, percentages): surrounding spaces, an
    optional ``prefix`` (``£``) and ``suffix`` (``%``) and a leading minus sign are allowed; None if it is not such
    a number."""
    value = (text or "").strip()
    negative = value[:1] in _MINUS
    if negative:
        value = value[1:].lstrip()
    if prefix and value.startswith(prefix):
        value = value[len(prefix) :].lstrip()
    if not negative and value[:1] in _MINUS:
        negative, value = True, value[1:].lstrip()  # "£-5"
    if suffix and value.endswith(suffix):
        value = value[: -len(suffix)].rstrip()
    match = _NUMBER.fullmatch(value)
    if match is None or not any(c.isdigit() for c in value):
        return None
    return TypedNumber(negative, match["whole"].replace(",", "").lstrip("0"), match["fraction"] or "")


def parse_pounds(text: str | None, field: str = "amount", *, allow_zero: bool = False) -> int:
    """``"12.50"``, ``"£1,250"`` or ``"1,250.00"`` -> pence. Commas only between groups of three digits; a full
    stop before the pence (``5,00`` is refused, never read as £500). Refuses negative, zero (unless
    ``allow_zero``), part-penny and absurd amounts, and anything else (``1E+9``, ``1_000``, ``NaN``)."""
    number = read_number(text, prefix="£")
    if number is None:
        if re.fullmatch(r"\s*£?\s*[0-9]+,[0-9]{1,2}\s*", text or ""):
            raise ValidationError("Use a full stop before the pence, like 5.00", field=field)
        raise ValidationError(ENTER_AN_AMOUNT, field=field)
    if number.beyond(2):
        raise ValidationError("The amount cannot include part of a penny", field=field)
    pence = number.scaled(2, most_digits=12)
    if pence is None:
        pence = MAX_TRANSFER_PENCE + 1
    if number.negative and pence:
        raise ValidationError("The amount must be more than £0", field=field)
    if pence == 0 and allow_zero:
        return 0
    return check_amount(pence, field)


def check_amount(pence: int, field: str = "amount") -> int:
    if isinstance(pence, bool) or not isinstance(pence, int):
        raise ValidationError("The amount must be a whole number of pence", field=field)
    if pence <= 0:
        raise ValidationError("The amount must be more than £0", field=field)
    if pence > MAX_TRANSFER_PENCE:
        raise ValidationError("The amount is too large: the most one transfer can move is £10,000,000", field=field)
    return pence


# --- accounts ---------------------------------------------------------------------------------------


def _account(key: str, kind: AccountKind, name: str, **scope) -> LedgerAccount:
    existing = db.session.scalar(select(LedgerAccount).where(LedgerAccount.key == key))
    if existing is not None:
        return existing
    account = LedgerAccount(key=key, kind=kind, name=name, **scope)
    try:
        with db.session.begin_nested():
            db.session.add(account)
    except IntegrityError:  # created concurrently
        return db.session.scalar(select(LedgerAccount).where(LedgerAccount.key == key))
    return account


def funding_source() -> LedgerAccount:
    return _account("funding_source", AccountKind.FUNDING_SOURCE, "Funding received")


CENTRAL_NAMES = {
    AccountKind.CENTRAL_CORE: "Core provision",
    AccountKind.CENTRAL_MENTOR: "Mentor team",
    AccountKind.CENTRAL_EXAMS: "Exams budget",
}


def central(kind: AccountKind) -> LedgerAccount:
    if kind not in CENTRAL_NAMES:
        raise ValueError(f"{kind} is not a central account")
    return _account(kind.value, kind, CENTRAL_NAMES[kind])


def locality_account(locality: Locality) -> LedgerAccount:
    return _account(f"locality:{locality.id}", AccountKind.LOCALITY, f"{locality.name} budget", locality_id=locality.id)


def personal_account(learner: Learner) -> LedgerAccount:
    return _account(
        f"personal:{learner.id}",
        AccountKind.PERSONAL,
        f"Learning budget: {learner.legal_name}",
        learner_id=learner.id,
        locality_id=learner.locality_id,
    )


class Payee(Protocol):
    """A learner as far as their personal account is concerned (a :class:`Learner`, or a census's row)."""

    id: int
    legal_name: str
    locality_id: int | None


def personal_account_ids(learners: Sequence[Payee]) -> dict[int, int]:
    """Each learner's personal account id by learner id, creating the accounts missing (as
    :func:`personal_account` would), in a few statements however many learners: a census at national size pays
    over 100,000 of them."""
    wanted = {learner.id: learner for learner in learners}
    if not wanted:
        return {}
    table = LedgerAccount.__table__
    found = dict(
        db.session.execute(
            select(table.c.learner_id, table.c.id).where(
                table.c.kind == AccountKind.PERSONAL, one_of(table.c.learner_id, list(wanted))
            )
        ).all()
    )
    missing = [learner for learner_id, learner in wanted.items() if learner_id not in found]
    if missing:
        now = clock.now()
        made = dict(zip((learner.id for learner in missing), new_ids(table, len(missing)), strict=True))
        try:
            with db.session.begin_nested():
                insert_many(
                    table,
                    [
                        {
                            "id": made[learner.id],
                            "key": f"personal:{learner.id}",
                            "kind": AccountKind.PERSONAL,
                            "name": f"Learning budget: {learner.legal_name}",
                            "learner_id": learner.id,
                            "locality_id": learner.locality_id,
                            "balance_pence": 0,
                            "created_at": now,
                        }
                        for learner in missing
                    ],
                )
        except IntegrityError:  # some were made by another transaction meanwhile: one at a time, as ever
            made = {learner.id: personal_account(learner).id for learner in missing}
        found.update(made)
    return found


def spending_account(category: SpendingCategory) -> LedgerAccount:
    return _account(
        f"spending:{category.value}",
        AccountKind.SPENDING,
        f"Spending: {SPENDING_CATEGORY_LABELS[category]}",
        category=category,
    )


# --- funding years ----------------------------------------------------------------------------------


def year_covering(on: date) -> FundingYear | None:
    """The funding year (1 September to 31 August) that ``on`` falls in, if it has been set up."""
    start = on.year if on.month >= 9 else on.year - 1
    return db.session.scalar(select(FundingYear).where(FundingYear.starts_on == date(start, 9, 1)))


def year_at(moment: datetime) -> FundingYear | None:
    """The funding year covering the London calendar date of ``moment`` (a UTC time)."""
    return year_covering(moment.astimezone(LONDON).date())


def year_closed(year: FundingYear) -> bool:
    """Whether the year is closed, read under a shared lock on PostgreSQL: a posting waits for a year being
    closed at that moment and then sees it closed (closing holds the row's exclusive lock). Taken before the
    accounts' locks, in the same order as census runs and year-end take them, so they never deadlock.

    Once a year has been read open in a transaction, nobody else can close it before the transaction ends (the
    lock; SQLite's single writer), so a census posting thousands of transfers reads it once."""
    if year.closed_at is not None:  # closed in this very transaction (year-end)
        return True
    checked = db.session().info.setdefault("open_years", set())
    if year.id in checked:
        return False
    stmt = select(FundingYear.closed_at).where(FundingYear.id == year.id)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(read=True)
    if db.session.scalar(stmt) is not None:
        return True
    checked.add(year.id)
    return False


@event.listens_for(Session, "after_transaction_end")
def _forget_open_years(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("open_years", None)


# --- posting -----------------------------------------------------------------------------------------


def _lock(*accounts: LedgerAccount) -> dict[int, LedgerAccount]:
    """Lock the accounts in id order (no deadlocks) and reload their balances."""
    ids = sorted({a.id for a in accounts})
    stmt = select(LedgerAccount).where(LedgerAccount.id.in_(ids)).order_by(LedgerAccount.id)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    locked = {a.id: a for a in db.session.scalars(stmt.execution_options(populate_existing=True))}
    return locked


def post(
    actor: User | None,
    from_account: LedgerAccount,
    to_account: LedgerAccount,
    amount_pence: int,
    kind: TransferKind,
    memo: str,
    idempotency_key: str,
    *,
    year: FundingYear | None = None,
    reverses: Transfer | None = None,
) -> Transfer:
    """Move money. With a key already used for the same movement, returns the earlier transfer and moves
    nothing; with a key used for a different movement, refuses.

    Every transfer carries its funding year: ``year`` if given, otherwise the year covering today's London date
    (none only if that year has not been set up). A year that is closed takes no more postings."""
    amount_pence, memo = _checked(amount_pence, memo, idempotency_key)
    if from_account.id is None or to_account.id is None:
        db.session.flush()
    if from_account.id == to_account.id:
        raise ValidationError("Choose two different accounts", field="to_account")
    now = clock.now()
    if year is None:
        year = year_at(now)
    closed = year is not None and year_closed(year)  # the year's lock first, then the accounts'
    locked = _lock(from_account, to_account)
    earlier = _by_key(idempotency_key)
    if earlier is not None:
        if _same_movement(earlier, from_account.id, to_account.id, amount_pence):
            return earlier
        raise DuplicateKey(f"The key {idempotency_key!r} was already used for a different transfer")
    if closed:
        raise NotAllowed(f"{year.label} is closed: no more money can be posted to it. Nothing has been posted.")
    source, target = locked[from_account.id], locked[to_account.id]
    _check_funds(source.kind, source.name, source.balance_pence, amount_pence)
    transfer = Transfer(
        from_account_id=source.id,
        to_account_id=target.id,
        amount_pence=amount_pence,
        kind=kind,
        memo=memo[:500],
        idempotency_key=idempotency_key,
        year_id=year.id if year else None,
        reverses_id=reverses.id if reverses else None,
        created_by_id=actor.id if actor else None,
        created_at=now,
    )
    stored = _add(transfer, source, target, amount_pence)
    if stored is not transfer:  # the same movement, committed concurrently under the same key
        return stored
    audit.record(
        "funding.transfer",
        actor=actor,
        obj=transfer,
        detail={"from": source.key, "to": target.key, "amount_pence": amount_pence, "kind": kind.value},
    )
    return transfer


def _checked(amount_pence: int, memo: str | None, idempotency_key: str) -> tuple[int, str]:
    """The amount and the memo of a movement, checked; every movement needs an idempotency key."""
    amount_pence = check_amount(amount_pence)
    memo = (memo or "").strip()
    if not memo:
        raise ValidationError("Say what the money is for", field="memo")
    if not idempotency_key:
        raise ValueError("every transfer needs an idempotency key")
    return amount_pence, memo


def _by_key(idempotency_key: str) -> Transfer | None:
    return db.session.scalar(select(Transfer).where(Transfer.idempotency_key == idempotency_key))


def _same_movement(earlier: Transfer, from_account_id: int, to_account_id: int, amount_pence: int) -> bool:
    return (earlier.from_account_id, earlier.to_account_id, earlier.amount_pence) == (
        from_account_id,
        to_account_id,
        amount_pence,
    )


def _check_funds(kind: AccountKind | str, name: str, balance_pence: int, amount_pence: int) -> None:
    """A budget (:data:`BUDGET_KINDS`) never goes below zero."""
    if AccountKind(kind) in BUDGET_KINDS and balance_pence < amount_pence:
        raise InsufficientFunds(
            f"{name} has {money.pounds_text(balance_pence)}, not enough for {money.pounds_text(amount_pence)}",
            field="amount",
        )


def _add(transfer: Transfer, source: LedgerAccount, target: LedgerAccount, amount_pence: int) -> Transfer:
    """Add ``transfer`` and move the locked accounts' balances, in a savepoint. If the same key committed
    concurrently (its balance changes went with it), the earlier transfer when it is the same movement."""
    try:
        with db.session.begin_nested():
            db.session.add(transfer)
            source.balance_pence -= amount_pence
            target.balance_pence += amount_pence
            count_flows(
                [
                    Flow.of(
                        transfer.created_at,
                        transfer.year_id,
                        transfer.kind,
                        transfer.reverses_id is not None,
                        source,
                        target,
                        amount_pence,
                    )
                ]
            )
    except IntegrityError:
        db.session.expire(source)
        db.session.expire(target)
        earlier = _by_key(transfer.idempotency_key)
        if earlier is not None and _same_movement(earlier, source.id, target.id, amount_pence):
            return earlier
        raise
    return transfer


@dataclass(frozen=True)
class Movement:
    """One transfer for :func:`post_many` to make, between accounts named by id."""

    from_account_id: int
    to_account_id: int
    amount_pence: int
    kind: TransferKind
    memo: str
    idempotency_key: str


def post_many(actor: User | None, movements: Sequence[Movement], *, year: FundingYear | None = None) -> list[int]:
    """Make these transfers, in this order, as :func:`post` would one after another (the same checks, balances
    and audit events), in a fixed number of statements however many there are: a census at national size posts
    over 100,000. All are posted or, on any refusal, none. Returns the new transfers' ids, in order.

    Every key must be new: one already used refuses the lot with :class:`DuplicateKey` (a caller that could be
    retried makes sure first, as a census does by being recorded once, under a lock). Every account involved is
    locked in id order, like :func:`post`'s two (``SELECT ... FOR UPDATE`` on PostgreSQL, in one statement)."""
    if not movements:
        return []
    rows = _rows(movements)
    _check_keys_unused([m.idempotency_key for m in movements])
    now = clock.now()
    if year is None:
        year = year_at(now)
    if year is not None and year_closed(year):
        raise NotAllowed(f"{year.label} is closed: no more money can be posted to it. Nothing has been posted.")
    accounts = _lock_many(sorted({m.from_account_id for m in movements} | {m.to_account_id for m in movements}))
    balances = {i: row.balance_pence for i, row in accounts.items()}
    for row in rows:
        source, amount = accounts[row["from_account_id"]], row["amount_pence"]
        _check_funds(source.kind, source.name, balances[source.id], amount)
        balances[source.id] -= amount
        balances[row["to_account_id"]] += amount
        row.update(
            year_id=year.id if year else None,
            reverses_id=None,
            created_by_id=actor.id if actor else None,
            created_at=now,
        )
    ids = _insert_transfers(rows)
    count_flows(
        Flow.of(
            now,
            row["year_id"],
            row["kind"],
            False,
            accounts[row["from_account_id"]],
            accounts[row["to_account_id"]],
            row["amount_pence"],
        )
        for row in rows
    )
    _store_balances(accounts, balances)
    _audit_many(actor, now, rows, accounts)
    return ids


def _rows(movements: Sequence[Movement]) -> list[dict]:
    """Each movement checked (as :func:`post` checks one), as a row of the transfer table without its year,
    author, time and id."""
    rows = []
    for m in movements:
        memo = (m.memo or "").strip()
        if not memo:
            raise ValidationError("Say what the money is for", field="memo")
        if not m.idempotency_key:
            raise ValueError("every transfer needs an idempotency key")
        if m.from_account_id == m.to_account_id:
            raise ValidationError("Choose two different accounts", field="to_account")
        rows.append(
            {
                "from_account_id": m.from_account_id,
                "to_account_id": m.to_account_id,
                "amount_pence": check_amount(m.amount_pence),
                "kind": m.kind,
                "memo": memo[:500],
                "idempotency_key": m.idempotency_key,
            }
        )
    return rows


def _check_keys_unused(keys: list[str]) -> None:
    """Every key is given once and has not been used before."""
    if len(set(keys)) != len(keys):
        raise DuplicateKey("The same key was given for two transfers")
    used = db.session.scalar(select(Transfer.idempotency_key).where(one_of(Transfer.idempotency_key, keys)).limit(1))
    if used is not None:
        raise DuplicateKey(f"The key {used!r} was already used for an earlier transfer: nothing has been posted")


def _lock_many(account_ids: list[int]) -> dict[int, Row]:
    """The accounts (id, key, kind, name, balance, locality, category) by id, locked in id order in one statement
    on PostgreSQL."""
    table = LedgerAccount.__table__
    stmt = (
        select(
            table.c.id,
            table.c.key,
            table.c.kind,
            table.c.name,
            table.c.balance_pence,
            table.c.locality_id,
            table.c.category,
        )
        .where(one_of(table.c.id, account_ids))
        .order_by(table.c.id)
    )
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    accounts = {row.id: row for row in db.session.execute(stmt)}
    if len(accounts) != len(account_ids):
        raise ValueError("a transfer names an account that does not exist")
    return accounts


def _insert_transfers(rows: list[dict]) -> list[int]:
    """Insert the rows with new ids, ascending in the order given (as if posted one by one); returns the ids."""
    transfers = Transfer.__table__
    ids = new_ids(transfers, len(rows))
    for row, transfer_id in zip(rows, ids, strict=True):
        row["id"] = transfer_id
    try:
        with db.session.begin_nested():
            insert_many(transfers, rows)
    except IntegrityError as error:  # a key taken by another transaction since the check
        raise DuplicateKey("A key was already used for an earlier transfer: nothing has been posted") from error
    return ids


def _store_balances(accounts: dict[int, Row], balances: dict[int, int]) -> None:
    """Write the balances that changed; accounts the session holds show the new balances."""
    set_many(
        LedgerAccount.__table__.c.balance_pence,
        {i: balances[i] for i in accounts if balances[i] != accounts[i].balance_pence},
    )
    for loaded in list(db.session.identity_map.values()):
        if isinstance(loaded, LedgerAccount) and loaded.id in balances:
            set_committed_value(loaded, "balance_pence", balances[loaded.id])


def _audit_many(actor: User | None, now: datetime, rows: list[dict], accounts: dict[int, Row]) -> None:
    """One ``funding.transfer`` audit event per transfer, as :func:`post` records, in one statement."""
    ip = request_ip.get()
    insert_many(
        AuditEvent.__table__,
        [
            {
                "occurred_at": now,
                "actor_id": actor.id if actor else None,
                "action": "funding.transfer",
                "object_type": "Transfer",
                "object_id": str(row["id"]),
                "ip": ip,
                "detail": {
                    "from": accounts[row["from_account_id"]].key,
                    "to": accounts[row["to_account_id"]].key,
                    "amount_pence": row["amount_pence"],
                    "kind": TransferKind(row["kind"]).value,
                },
            }
            for row in rows
        ],
    )


def reverse(actor: User, transfer: Transfer, reason: str) -> Transfer:
    """Undo a transfer with an equal and opposite one that points to it."""
    if transfer.kind is TransferKind.REVERSAL or transfer.reverses_id is not None:
        raise NotAllowed("A reversal cannot itself be reversed; post a new transfer instead")
    if db.session.scalar(select(Transfer.id).where(Transfer.reverses_id == transfer.id)) is not None:
        raise NotAllowed("This transfer has already been reversed")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give the reason for the reversal", field="reason")
    # In the original's year while it is open; once that year is closed, the money moves back in the year it
    # moves (a prior-year correction, e.g. a supplier's refund in October for a July purchase).
    original_year = db.session.get(FundingYear, transfer.year_id) if transfer.year_id else None
    if original_year is not None and year_closed(original_year):
        original_year = None
    return post(
        actor,
        transfer.to_account,
        transfer.from_account,
        transfer.amount_pence,
        TransferKind.REVERSAL,
        f"Reversal of transfer {transfer.id}: {reason}",
        f"reversal:{transfer.id}",
        year=original_year,
        reverses=transfer,
    )


# --- balances and verification ----------------------------------------------------------------------


def derived_balances() -> dict[int, int]:
    """Every account's balance recomputed from transfers alone."""
    incoming = dict(
        db.session.execute(
            select(Transfer.to_account_id, func.sum(Transfer.amount_pence)).group_by(Transfer.to_account_id)
        ).all()
    )
    outgoing = dict(
        db.session.execute(
            select(Transfer.from_account_id, func.sum(Transfer.amount_pence)).group_by(Transfer.from_account_id)
        ).all()
    )
    ids = set(db.session.scalars(select(LedgerAccount.id)))
    return {i: int(incoming.get(i, 0) or 0) - int(outgoing.get(i, 0) or 0) for i in ids}


@dataclass
class Verification:
    problems: list[str]
    transfers: int
    accounts: int

    @property
    def ok(self) -> bool:
        return not self.problems


def verify() -> Verification:
    """Prove the ledger's invariants; each problem found is described in plain words."""
    problems: list[str] = []
    derived = derived_balances()
    if sum(derived.values()) != 0:
        problems.append(f"Money appeared or vanished: balances add up to {sum(derived.values())} pence, not 0")
    accounts = {a.id: a for a in db.session.scalars(select(LedgerAccount))}
    for account_id, balance in derived.items():
        account = accounts[account_id]
        if account.kind in BUDGET_KINDS and balance < 0:
            problems.append(f"{account.name} (account {account_id}) is overdrawn: {money.pounds_text(balance)}")
        if account.balance_pence != balance:
            problems.append(
                f"{account.name} (account {account_id}) shows {money.pounds_text(account.balance_pence)} but its transfers "
                f"add up to {money.pounds_text(balance)}"
            )
    for key, count in db.session.execute(
        select(Transfer.idempotency_key, func.count()).group_by(Transfer.idempotency_key).having(func.count() > 1)
    ).all():
        problems.append(f"The idempotency key {key!r} is used {count} times")
    original = Transfer.__table__.alias("original")
    for rid, oid, amount, oamount, okind, ofrom, oto, rfrom, rto, oreverses in db.session.execute(
        select(
            Transfer.id,
            original.c.id,
            Transfer.amount_pence,
            original.c.amount_pence,
            original.c.kind,
            original.c.from_account_id,
            original.c.to_account_id,
            Transfer.from_account_id,
            Transfer.to_account_id,
            original.c.reverses_id,
        )
        .join(original, original.c.id == Transfer.reverses_id, isouter=True)
        .where((Transfer.reverses_id.is_not(None)) | (Transfer.kind == TransferKind.REVERSAL))
    ):
        if oid is None:
            problems.append(f"Reversal {rid} does not point to the transfer it reverses")
        elif oamount != amount or (rfrom, rto) != (oto, ofrom):
            problems.append(f"Reversal {rid} does not mirror transfer {oid}")
        elif okind == TransferKind.REVERSAL.value or okind == TransferKind.REVERSAL or oreverses is not None:
            problems.append(f"Reversal {rid} reverses another reversal ({oid})")
    problems += flow_problems()
    transfers = db.session.scalar(select(func.count()).select_from(Transfer)) or 0
    return Verification(problems, transfers, len(accounts))


def balance(account: LedgerAccount) -> int:
    return account.balance_pence


def verify_and_alert(now=None) -> Verification:
    """Run :func:`verify`; on failure notify every active admin once a day (the scheduler's nightly job)."""
    from virtualacademy.models import UserRole
    from virtualacademy.services import notifications

    result = verify()
    if result.ok:
        return result
    day = clock.today(now)
    admins = db.session.scalars(select(User).join(UserRole).where(UserRole.role == Role.ADMIN, User.active.is_(True)))
    for admin in admins:
        notifications.notify(
            admin,
            f"funding-verify-failed:{day.isoformat()}:{admin.id}",
            "funding_verify",
            "The funding ledger failed its integrity check",
            body="\n".join(result.problems[:20]),
            link="/funding/",
            email_template="notification",
        )
    return result
