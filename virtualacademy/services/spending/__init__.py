"""Spending from budgets, and statements of any account.

* **Spend requests** (:func:`request_spend`): a guardian of the learner, or the learner's own account, asks to
  pay for something from the learner's learning budget: what for, a category, an amount, the
  supplier, and the invoice or receipt. The file is checked by its content, never its name, by the product's
  one file checker (:func:`check_document`, :mod:`virtualacademy.uploads`): a PDF, JPEG or PNG image, or a Word
  or Excel document; never empty, never larger than ``SPEND_DOCUMENT_MAX_BYTES``. It is kept outside ``static/`` under ``instance/spend-documents/`` with a
  random name. A request for more than the learner can still ask for (the balance less every request still
  waiting for a decision, :attr:`Budget.available`) is refused.
* **Decisions** (:func:`approve`, :func:`decline`): the learner's current mentor, the coordinator of the
  learner's locality, or an admin (never someone in the learner's own family). A request for more than
  ``SECOND_APPROVAL_OVER_PENCE`` needs a second approval, by an admin other than the first approver.
  The approval that completes a request posts the payment through the ledger (idempotency key
  ``spend-request:<id>``) in the same transaction as the status change. The request's row is locked first
  (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite transactions hold the write lock from ``BEGIN
  IMMEDIATE``), so two approvals racing on one request post one transfer, and the ledger's own locks keep
  racing approvals on one budget from overdrawing it. The family is told of every decision.
* **Other spending**: coordinators (and admins) record locality spending against the locality budget
  (:func:`record_locality_spend`); other modules charge a learner's budget directly with their own
  idempotency key (:func:`charge_personal_budget`). An admin can reverse an approved payment
  (:func:`reverse_payment`).
* **Statements** (:func:`statement`, :func:`statement_lines`): any account, any period, with an opening
  balance, every transfer in or out with a running balance, and a closing balance, all derived from the
  transfers themselves (never from the stored running balance, so a statement also checks it).

Functions take the acting user, flush and never commit; broken rules raise domain errors. The package's modules,
each importable from here:

- :mod:`.requests`: asking to spend (drafts, sending, discarding old drafts);
- :mod:`.decisions`: approving (and the second approval), declining, reversing a payment;
- :mod:`.documents`: invoices and receipts, and an invoice held while a form is put right;
- :mod:`.access`: who may ask, decide, reverse and see, and the deciders' lists;
- :mod:`.budgets`: a learner's learning budget as the family sees it;
- :mod:`.locality_spending`: locality spending, other modules' charges and the coordinator's view;
- :mod:`.statements`: statements of any account, as pages, CSV and PDF;
- :mod:`.common`: what they share (categories, statuses, limits, the row lock).
"""

from __future__ import annotations

from virtualacademy.services.spending.access import (
    DECIDES,
    can_decide_now,
    can_reverse_now,
    decider_queue,
    is_decider,
    may_manage_locality,
    may_request,
    needs_second_approval,
    queue_filter,
    second_approval_over,
    visible_accounts,
    visible_requests,
    waiting_for,
    waiting_in_locality,
)
from virtualacademy.services.spending.budgets import (
    Budget,
    budget,
    family_budgets,
)
from virtualacademy.services.spending.common import (
    DOCUMENTS_FOLDER,
    DRAFT_DAYS,
    FAMILY_STATUS_LABELS,
    LOCALITY_CATEGORIES,
    MAX_REASON,
    MAX_SUPPLIER,
    MAX_WHAT_FOR,
    NOTIFICATION_KIND,
    OPEN_STATUSES,
    PERSONAL_CATEGORIES,
    QUEUE_FILTERS,
    STATUS_LABELS,
    funding_year_start,
    status_labels,
)
from virtualacademy.services.spending.decisions import (
    approve,
    decline,
    reversal_of,
    reverse_payment,
)
from virtualacademy.services.spending.documents import (
    ACCEPTED_TYPES,
    DOCUMENT_TYPES,
    DOCX,
    HELD_HOURS,
    JPEG,
    PDF,
    PNG,
    POLICY,
    XLSX,
    DocumentType,
    check_document,
    discard_old_held_documents,
    document_file,
    documents_folder,
    held_document,
    hold_document,
    max_document_bytes,
    release_document,
    remove_document_after_commit,
)
from virtualacademy.services.spending.locality_spending import (
    CategorySpend,
    LocalityBudget,
    Recorded,
    charge_personal_budget,
    locality_budget,
    locality_budgets,
    managed_localities,
    new_form_key,
    record_locality_spend,
)
from virtualacademy.services.spending.requests import (
    Sent,
    discard_old_drafts,
    request_spend,
    save_draft,
    send_request,
)
from virtualacademy.services.spending.statements import (
    CSV_HEADER,
    MAX_PDF_LINES,
    STATEMENT_PAGE_SIZE,
    TRANSFER_KIND_LABELS,
    Statement,
    StatementLine,
    check_period,
    statement,
    statement_csv_rows,
    statement_lines,
    statement_pdf,
)

__all__ = [
    "ACCEPTED_TYPES",
    "CSV_HEADER",
    "DECIDES",
    "DOCUMENTS_FOLDER",
    "DOCUMENT_TYPES",
    "DOCX",
    "DRAFT_DAYS",
    "FAMILY_STATUS_LABELS",
    "HELD_HOURS",
    "JPEG",
    "LOCALITY_CATEGORIES",
    "MAX_PDF_LINES",
    "MAX_REASON",
    "MAX_SUPPLIER",
    "MAX_WHAT_FOR",
    "NOTIFICATION_KIND",
    "OPEN_STATUSES",
    "PDF",
    "PERSONAL_CATEGORIES",
    "PNG",
    "POLICY",
    "QUEUE_FILTERS",
    "STATEMENT_PAGE_SIZE",
    "STATUS_LABELS",
    "TRANSFER_KIND_LABELS",
    "XLSX",
    "approve",
    "budget",
    "can_decide_now",
    "can_reverse_now",
    "charge_personal_budget",
    "check_document",
    "check_period",
    "decider_queue",
    "decline",
    "discard_old_drafts",
    "discard_old_held_documents",
    "document_file",
    "documents_folder",
    "family_budgets",
    "funding_year_start",
    "held_document",
    "hold_document",
    "is_decider",
    "locality_budget",
    "locality_budgets",
    "managed_localities",
    "max_document_bytes",
    "may_manage_locality",
    "may_request",
    "needs_second_approval",
    "new_form_key",
    "queue_filter",
    "record_locality_spend",
    "release_document",
    "remove_document_after_commit",
    "request_spend",
    "reversal_of",
    "reverse_payment",
    "save_draft",
    "second_approval_over",
    "send_request",
    "statement",
    "statement_csv_rows",
    "statement_lines",
    "statement_pdf",
    "status_labels",
    "visible_accounts",
    "visible_requests",
    "waiting_for",
    "waiting_in_locality",
    "Budget",
    "CategorySpend",
    "DocumentType",
    "LocalityBudget",
    "Recorded",
    "Sent",
    "Statement",
    "StatementLine",
]
