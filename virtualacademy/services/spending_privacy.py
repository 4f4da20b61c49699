"""Spending records in subject-access exports and erasure (see docs/data-protection.md and docs/funding.md).

* **Export**: the children's spend requests (what for, kind, amount, supplier, status, dates, reasons; never
  who decided: staff are "academy staff"), and the transfers in and out of their learning budgets
  (amount, kind, memo, date).
* **Erasure**: the requests' free text (what for and supplier become "Erased"; the decline and reversal
  reasons go) and their invoice files (deleted once the erasure commits); the personal account's name, which
  holds the learner's name, becomes a reference. Amounts, kinds, statuses and dates are kept, and transfers are
  never edited: they are financial records the academy must keep, and their memos name only references
  (``Spend request 12: tuition``), never a person.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from virtualacademy.extensions import db
from virtualacademy.models import AccountKind, LedgerAccount, SpendRequest, Transfer
from virtualacademy.services import data_protection, spending
from virtualacademy.services.data_protection import ERASED, Section, Subject, record

STAFF = "academy staff"
#: Staff identities: a subject access request does not name them (third parties).
STAFF_COLUMNS = {"first_approver_id", "second_approver_id", "decided_by_id", "requested_by_id", "document_path"}


def _learner_ids(subject: Subject) -> list[int]:
    return [learner.id for learner in subject.learners]


def _personal_accounts(subject: Subject) -> list[LedgerAccount]:
    ids = _learner_ids(subject)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(LedgerAccount)
            .where(LedgerAccount.kind == AccountKind.PERSONAL, LedgerAccount.learner_id.in_(ids))
            .order_by(LedgerAccount.id)
        )
    )


def personal_account_name(account: LedgerAccount) -> str:
    """The name an erased learner's personal account is given: a reference, never the learner's name."""
    return f"Learning budget {account.id}"


def export(subject: Subject) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for request in db.session.scalars(
        select(SpendRequest).where(SpendRequest.learner_id.in_(_learner_ids(subject))).order_by(SpendRequest.id)
    ):
        family = request.requested_by_id in subject.user_ids
        rows.append(
            {
                "record": "spend request",
                **record(request, exclude=STAFF_COLUMNS),
                "requested_by": "family member" if family else STAFF,
                "decided_by": STAFF if request.decided_by_id else None,
            }
        )
    for account in _personal_accounts(subject):
        rows.append(
            {
                "record": "learning budget",
                "learner_id": account.learner_id,
                "name": account.name,
                "balance_pence": account.balance_pence,
                "created_at": account.created_at.isoformat(),
            }
        )
        for transfer in db.session.scalars(
            select(Transfer)
            .where(or_(Transfer.from_account_id == account.id, Transfer.to_account_id == account.id))
            .order_by(Transfer.id)
        ):
            incoming = transfer.to_account_id == account.id
            rows.append(
                {
                    "record": "budget transfer",
                    "learner_id": account.learner_id,
                    "transfer_id": transfer.id,
                    "date": transfer.created_at.isoformat(),
                    "direction": "in" if incoming else "out",
                    "amount_pence": transfer.amount_pence,
                    "kind": transfer.kind.value,
                    "memo": transfer.memo,
                }
            )
    return rows


def erase(subject: Subject) -> int:
    """Free text and invoices go; amounts, kinds, statuses and dates stay (financial records). Transfers are
    never edited: their memos hold references only."""
    changed = 0
    for request in db.session.scalars(select(SpendRequest).where(SpendRequest.learner_id.in_(_learner_ids(subject)))):
        if (
            request.what_for != ERASED
            or request.supplier != ERASED
            or request.decline_reason
            or request.reversal_reason
            or request.document_path
            or request.document_name
        ):
            spending.remove_document_after_commit(request)
            request.what_for, request.supplier = ERASED, ERASED
            request.decline_reason = request.reversal_reason = None
            request.document_path = request.document_name = None
            changed += 1
    for account in _personal_accounts(subject):
        if account.name != personal_account_name(account):
            account.name = personal_account_name(account)
            changed += 1
    return changed


data_protection.register(Section("spending", "Learning budgets and spending requests", export, erase))
