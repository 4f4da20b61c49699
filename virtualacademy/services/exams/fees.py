"""Exam fees, through the one ledger (``services/ledger.py``).

Each fee of an entry (the awarding body's entry fee, the centre's administration fee, a late or very late fee, an
access arrangement's cost) is one ledger transfer from the paying budget to exam spending, with the idempotency key
``exam-fee:<learner>:<entry>:<kind>`` (``...:arrangement:<id>`` for an arrangement), so nothing is ever charged
twice, and one :class:`ExamFee` row saying what it paid for. The paying budget is the academy's central exams
budget or the learner's own learning budget, by the academy's setting ``EXAM_FEES_PAID_FROM``. A refund reverses
the transfers (the ledger never edits or deletes one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import (
    AccessArrangement,
    AccountKind,
    ExamEntry,
    ExamFee,
    FeeKind,
    Learner,
    LedgerAccount,
    PaidFrom,
    SpendingCategory,
    TransferKind,
    User,
)
from virtualacademy.models.exams import ARRANGEMENT_TYPE_LABELS, FEE_KIND_LABELS
from virtualacademy.services import ledger
from virtualacademy.services.exams.common import pounds


def academy_setting() -> PaidFrom:
    """Who pays for exam entries in this academy: ``central`` (the exams budget, the default) or ``personal``
    (each learner's learning budget)."""
    value = str(current_app.config.get("EXAM_FEES_PAID_FROM") or PaidFrom.CENTRAL.value).strip().lower()
    try:
        paid_from = PaidFrom(value)
    except ValueError as error:
        raise RuntimeError(f"EXAM_FEES_PAID_FROM must be central or personal, not {value!r}") from error
    if paid_from is PaidFrom.FAMILY:
        raise RuntimeError("EXAM_FEES_PAID_FROM must be central or personal")
    return paid_from


def paying_account(learner: Learner, paid_from: PaidFrom) -> LedgerAccount | None:
    if paid_from is PaidFrom.CENTRAL:
        return ledger.central(AccountKind.CENTRAL_EXAMS)
    if paid_from is PaidFrom.PERSONAL:
        return ledger.personal_account(learner)
    return None  # the family paid the centre themselves


@dataclass(frozen=True)
class FeeLine:
    kind: FeeKind
    amount_pence: int
    arrangement: AccessArrangement | None = None

    @property
    def label(self) -> str:
        if self.arrangement is not None:
            return f"{FEE_KIND_LABELS[self.kind]}: {ARRANGEMENT_TYPE_LABELS[self.arrangement.arrangement_type]}"
        return FEE_KIND_LABELS[self.kind]


def fee_key(entry: ExamEntry, line: FeeLine) -> str:
    key = f"exam-fee:{entry.learner_id}:{entry.id}:{line.kind.value}"
    return f"{key}:{line.arrangement.id}" if line.arrangement is not None else key


def lock_payer(account: LedgerAccount | None) -> int | None:
    """Lock the paying budget's row (on PostgreSQL) and return its balance. Every exam operation that moves money
    or seats takes its locks in one order, so two never wait on each other: the funding year (shared, as the
    ledger takes it), the paying budget, the centre's seats, then exam spending (in the ledger's posting)."""
    if account is None:
        return None
    year = ledger.year_at(clock.now())
    if year is not None:
        ledger.year_closed(year)  # takes the year's shared lock before the account's, as the ledger does
    stmt = select(LedgerAccount.balance_pence).where(LedgerAccount.id == account.id)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt)


def check_covers(account: LedgerAccount | None, lines: Sequence[FeeLine], what: str) -> None:
    """Refuse, showing the shortfall, if the paying budget cannot cover every line."""
    if account is None:
        return
    total = sum(line.amount_pence for line in lines)
    if total <= 0:
        return
    balance = lock_payer(account)
    if balance < total:
        raise ledger.InsufficientFunds(
            f"{account.name} has {pounds(balance)}, {pounds(total - balance)} short of the {pounds(total)} "
            f"{what} costs",
            field="paid_from",
        )


@dataclass(frozen=True)
class Cover:
    """For a "check the fees" page: the paying budget, what it holds, and how much it is short (0 if none)."""

    account_name: str
    balance_pence: int
    shortfall_pence: int


def cover(account: LedgerAccount | None, lines: Sequence[FeeLine]) -> Cover | None:
    """Whether the paying budget covers the lines, read without a lock (the entry checks again under one)."""
    if account is None:
        return None
    total = sum(line.amount_pence for line in lines)
    balance = db.session.scalar(select(LedgerAccount.balance_pence).where(LedgerAccount.id == account.id)) or 0
    return Cover(account.name, balance, max(0, total - balance))


def _spending(line: FeeLine) -> LedgerAccount:
    category = SpendingCategory.ACCESS_ARRANGEMENTS if line.kind is FeeKind.ARRANGEMENT else SpendingCategory.EXAM_FEES
    return ledger.spending_account(category)


def charge(actor: User | None, entry: ExamEntry, lines: Sequence[FeeLine]) -> list[ExamFee]:
    """Post each line (a zero line is skipped) from the entry's paying budget; a line already charged and not
    refunded is not charged again. The caller checks first that the budget covers them (:func:`check_covers`)."""
    account = paying_account(entry.learner, entry.paid_from)
    if account is None:
        return []
    posted = []
    for line in lines:
        if line.amount_pence <= 0:
            continue
        if line.arrangement is not None:  # charged once, with whichever entry came first
            same = ExamFee.arrangement_id == line.arrangement.id
        else:
            same = (ExamFee.entry_id == entry.id) & (ExamFee.kind == line.kind)
        existing = db.session.scalar(select(ExamFee.id).where(same, ExamFee.refund_transfer_id.is_(None)).limit(1))
        if existing is not None:
            continue
        transfer = ledger.post(
            actor,
            account,
            _spending(line),
            line.amount_pence,
            TransferKind.SPEND,
            f"Exam entry {entry.id}: {line.label}",
            fee_key(entry, line),
        )
        fee = ExamFee(
            entry_id=entry.id,
            kind=line.kind,
            arrangement_id=line.arrangement.id if line.arrangement is not None else None,
            amount_pence=line.amount_pence,
            paid_from=entry.paid_from,
            transfer_id=transfer.id,
        )
        db.session.add(fee)
        posted.append(fee)
    db.session.flush()
    return posted


def refund(actor: User, fees: Sequence[ExamFee], reason: str) -> int:
    """Reverse the transfers of fees not yet refunded; returns the pence given back."""
    given = 0
    for fee in fees:
        if fee.refund_transfer_id is not None:
            continue
        reversal = ledger.reverse(actor, fee.transfer, reason)
        fee.refund_transfer_id = reversal.id
        given += fee.amount_pence
    db.session.flush()
    return given


def live_fees(entry: ExamEntry) -> list[ExamFee]:
    return list(
        db.session.scalars(
            select(ExamFee)
            .where(ExamFee.entry_id == entry.id, ExamFee.refund_transfer_id.is_(None))
            .order_by(ExamFee.id)
        )
    )
