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

Functions take the acting user, flush and never commit; broken rules raise domain errors.
"""

from __future__ import annotations

import heapq
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import Select, and_, case, false, func, literal_column, or_, select, union_all
from sqlalchemy.orm import aliased

from virtualacademy import clock, csv_export, uploads
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    Account,
    AccountKind,
    Family,
    Learner,
    LocalityRole,
    LocalityStaff,
    Role,
    SpendingCategory,
    SpendRequest,
    SpendStatus,
    Transfer,
    TransferKind,
    User,
    UserRole,
)
from virtualacademy.models.funding import SPENDING_CATEGORY_LABELS
from virtualacademy.models.localities import Locality
from virtualacademy.paging import PageNumbers
from virtualacademy.policies.relations import (
    FAMILY,
    SEES,
    Relation,
    coordinates,
    is_related,
    only_related,
    possible,
    related_learner_ids,
)
from virtualacademy.services import audit, ledger, mentoring, notifications
from virtualacademy.services.localities import coordinated_by

NOTIFICATION_KIND = "spending"
#: What a family may spend a learning budget on.
PERSONAL_CATEGORIES = (
    SpendingCategory.TUITION,
    SpendingCategory.RESOURCES,
    SpendingCategory.EXAM_FEES,
    SpendingCategory.ACCESS_ARRANGEMENTS,
    SpendingCategory.EVENTS,
    SpendingCategory.OTHER,
)
#: What a coordinator records against a locality budget.
LOCALITY_CATEGORIES = (SpendingCategory.EVENTS, SpendingCategory.COORDINATOR_COSTS, SpendingCategory.OTHER)
#: Requests still waiting for a decision (their amounts are held back from what can be asked for).
OPEN_STATUSES = (SpendStatus.PENDING, SpendStatus.AWAITING_SECOND_APPROVAL)
STATUS_LABELS = {
    SpendStatus.DRAFT: "Not sent yet",
    SpendStatus.PENDING: "Waiting for a decision",
    SpendStatus.AWAITING_SECOND_APPROVAL: "Waiting for a second approval",
    SpendStatus.APPROVED: "Approved and paid",
    SpendStatus.DECLINED: "Declined",
}
#: The deciders' list of requests, by filter: the statuses each shows (``None``: every status). The first is the
#: default.
QUEUE_FILTERS: dict[str, tuple[SpendStatus, ...] | None] = {
    "waiting": OPEN_STATUSES,
    "approved": (SpendStatus.APPROVED,),
    "declined": (SpendStatus.DECLINED,),
    "all": None,
}
#: As a family sees them: how many approvals a request needs inside the academy is the academy's business, so a
#: request waiting for a second approval is simply waiting for a decision.
FAMILY_STATUS_LABELS = {**STATUS_LABELS, SpendStatus.AWAITING_SECOND_APPROVAL: STATUS_LABELS[SpendStatus.PENDING]}


def status_labels(user: User) -> dict[SpendStatus, str]:
    """The status names ``user`` reads: staff see each stage of approval, families only whether it is decided."""
    return STATUS_LABELS if user.is_staff else FAMILY_STATUS_LABELS


MAX_WHAT_FOR = 2_000
MAX_SUPPLIER = 200
MAX_REASON = 2_000
#: A draft (a request filled in but not sent from its "check your answers" page) is discarded after this long.
DRAFT_DAYS = 7
DOCUMENTS_FOLDER = "spend-documents"
#: The most transfers one PDF statement shows (a longer period is refused: choose a shorter one, or the CSV).
MAX_PDF_LINES = 2_000
STATEMENT_PAGE_SIZE = 50


def funding_year_start(on: date) -> date:
    """1 September of the funding year ``on`` falls in."""
    return date(on.year if on.month >= 9 else on.year - 1, 9, 1)


def _path(endpoint: str, **values) -> str:
    """The app path of ``endpoint`` (there may be no request: jobs and other modules call services too)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _text(value: str | None, field: str, missing: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(missing, field=field)
    if len(value) > limit:
        raise ValidationError(f"Write {limit:,} characters or fewer", field=field)
    return value


def _category(value: SpendingCategory | str | None, allowed: tuple[SpendingCategory, ...]) -> SpendingCategory:
    try:
        category = SpendingCategory(value)
    except ValueError:
        category = None
    if category not in allowed:
        raise ValidationError("Choose what kind of spending this is", field="category")
    return category


# --- invoices and receipts: checked by content ------------------------------------------------------


PDF, JPEG, PNG, DOCX, XLSX = uploads.PDF, uploads.JPEG, uploads.PNG, uploads.DOCX, uploads.XLSX
DocumentType = uploads.Format
DOCUMENT_TYPES = (PDF, JPEG, PNG, DOCX, XLSX)
ACCEPTED_TYPES = "a PDF, JPG, PNG, Word (.docx) or Excel (.xlsx) file"
#: Invoices and receipts, checked by the product's one file checker; a refused file gets the GOV.UK pattern's one
#: plain message saying what is accepted.
POLICY = uploads.Policy(
    formats=DOCUMENT_TYPES,
    max_bytes_setting="SPEND_DOCUMENT_MAX_BYTES",
    field="document",
    refusal=f"The selected file must be {ACCEPTED_TYPES}",
    explain=False,
)
_STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(?:pdf|jpg|png|docx|xlsx)$")


def max_document_bytes() -> int:
    return POLICY.max_bytes()


def check_document(data: bytes | None, filename: str | None = None) -> DocumentType:
    """The type of an uploaded invoice or receipt (:func:`uploads.check`); refuses an empty, oversized or
    unaccepted file, and one whose name says another kind of file."""
    if data is None:
        raise ValidationError("Select the invoice or receipt", field="document")
    return uploads.check(POLICY, filename, data)


def _display_name(filename: str | None, kind: DocumentType) -> str:
    """The uploaded name without any folder or control characters, ending in the extension of its real type."""
    return uploads.display_name(filename, kind, default="document")


def documents_folder() -> Path:
    return Path(current_app.instance_path) / DOCUMENTS_FOLDER


def _store(data: bytes, kind: DocumentType) -> str:
    return uploads.write(documents_folder(), data, suffix=f".{kind.extension}")


def remove_document_after_commit(request: SpendRequest) -> None:
    """Delete the request's stored invoice once (and only if) the current transaction commits."""
    path = document_file(request)
    if path is not None:
        uploads.delete_after_commit(path)


def document_file(request: SpendRequest) -> Path | None:
    """The stored invoice or receipt of ``request`` (None if it has none, or the file is missing)."""
    name = request.document_path
    if not name or not _STORED_NAME.match(name):
        return None
    path = documents_folder() / name
    return path if path.is_file() else None


# --- who may see and do what (in terms of policies.relations; policies/funding.py registers the rules) --------

#: Decide a learner's requests: the current mentor, the coordinator of their locality, an admin (never someone in
#: the learner's own family, nor whoever asked).
DECIDES = Relation.MENTOR | Relation.COORDINATOR | Relation.ADMIN


def _signed_in(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _is_admin(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def may_request(user: User | None, learner: Learner) -> bool:
    """A guardian of the learner's family, or the learner's own account (each holding that role)."""
    if not _signed_in(user):
        return False
    return (user.has_role(Role.LEARNER) and is_related(user, learner, Relation.SELF)) or (
        user.has_role(Role.GUARDIAN) and is_related(user, learner, Relation.GUARDIAN)
    )


def is_decider(user: User | None, request: SpendRequest) -> bool:
    """May decide requests for this learner: admin, the current mentor or the coordinator; never the family.

    Whether *this* request can be decided now (its status, the second approval) is for :func:`approve` and
    :func:`decline` to say, with a message."""
    if not _signed_in(user) or is_related(user, request.learner, FAMILY) or request.requested_by_id == user.id:
        return False
    if request.status is SpendStatus.DRAFT:
        return False
    return is_related(user, request.learner, DECIDES)


def can_decide_now(user: User | None, request: SpendRequest) -> bool:
    """Whether the page should offer ``user`` the approve and decline buttons."""
    if not is_decider(user, request):
        return False
    if request.status is SpendStatus.PENDING:
        return True
    if request.status is SpendStatus.AWAITING_SECOND_APPROVAL:
        return _is_admin(user) and user.id != request.first_approver_id
    return False


def second_approval_over() -> int:
    """A request for more than this many pence needs a second approval, by an admin (``SECOND_APPROVAL_OVER_PENCE``)."""
    return current_app.config["SECOND_APPROVAL_OVER_PENCE"]


def needs_second_approval(request: SpendRequest) -> bool:
    """Approving this request now would not pay it yet: it waits for its first decision and is for more than
    :func:`second_approval_over`, so an admin then gives the second approval."""
    return request.status is SpendStatus.PENDING and request.amount_pence > second_approval_over()


def can_reverse_now(user: User | None, request: SpendRequest, reversal: Transfer | None) -> bool:
    """Whether the page should offer ``user`` the reversal of the payment (``reversal``: the one already made, if
    any): an admin, for an approved and paid request not reversed yet."""
    return _signed_in(user) and _is_admin(user) and request.status is SpendStatus.APPROVED and reversal is None


def may_manage_locality(user: User | None, locality: Locality) -> bool:
    """The locality's budget page and its spending: its coordinator, or an admin."""
    return _signed_in(user) and (_is_admin(user) or coordinates(user, locality.id))


def visible_requests(user: User | None, stmt: Select) -> Select:
    """Requests ``user`` may see in lists: never drafts (the family reaches its own from the form it sent); those
    of the learners whose budgets they see (``relations.SEES``)."""
    if not _signed_in(user):
        return stmt.where(false())
    stmt = stmt.where(SpendRequest.status != SpendStatus.DRAFT)
    return only_related(stmt, SpendRequest.learner_id, user, SEES)


def visible_accounts(user: User | None, stmt: Select) -> Select:
    """Accounts whose statements ``user`` may see: all for an admin; the learning budgets of their own family's
    learners and, for a coordinator, of their locality's learners, and their locality's budget."""
    if not _signed_in(user):
        return stmt.where(false())
    if _is_admin(user):
        return stmt
    learners = related_learner_ids(user, FAMILY | Relation.COORDINATOR)
    conditions = [and_(Account.kind == AccountKind.PERSONAL, Account.learner_id.in_(learners))]
    if user.has_role(Role.COORDINATOR):
        conditions.append(and_(Account.kind == AccountKind.LOCALITY, Account.locality_id.in_(coordinated_by(user))))
    return stmt.where(or_(*conditions))


def decider_queue(user: User, statuses: tuple[SpendStatus, ...] | None) -> Select:
    """Requests ``user`` may see, newest first, narrowed to ``statuses``."""
    stmt = select(SpendRequest).order_by(SpendRequest.created_at.desc(), SpendRequest.id.desc())
    if statuses:
        stmt = stmt.where(SpendRequest.status.in_(statuses))
    return visible_requests(user, stmt)


def queue_filter(name: str | None) -> str:
    """The :data:`QUEUE_FILTERS` filter called ``name``, or the default (the requests waiting for a decision)."""
    return name if name in QUEUE_FILTERS else next(iter(QUEUE_FILTERS))


def waiting_in_locality(user: User, locality: Locality, limit: int) -> list[SpendRequest]:
    """The newest requests from ``locality``'s learners that are waiting for a decision and ``user`` may see."""
    return list(
        db.session.scalars(
            decider_queue(user, OPEN_STATUSES)
            .join(Learner, Learner.id == SpendRequest.learner_id)
            .where(Learner.locality_id == locality.id)
            .limit(limit)
        )
    )


def waiting_for(user: User) -> int:
    """How many requests are waiting for ``user``'s decision (first decisions, or second approvals for admins)."""
    first = select(func.count()).select_from(SpendRequest).where(SpendRequest.status == SpendStatus.PENDING)
    if not _is_admin(user):
        # first decisions for the learners they coordinate or mentor now
        if not possible(user) & (Relation.COORDINATOR | Relation.MENTOR):
            return 0
        learners = related_learner_ids(user, Relation.COORDINATOR | Relation.MENTOR)
        first = first.where(SpendRequest.learner_id.in_(learners))
    count = db.session.scalar(first) or 0
    if _is_admin(user):
        count += (
            db.session.scalar(
                select(func.count())
                .select_from(SpendRequest)
                .where(
                    SpendRequest.status == SpendStatus.AWAITING_SECOND_APPROVAL,
                    or_(SpendRequest.first_approver_id.is_(None), SpendRequest.first_approver_id != user.id),
                )
            )
            or 0
        )
    return count


# --- budgets ---------------------------------------------------------------------------------------


def _personal_account(learner: Learner) -> Account | None:
    """The learner's personal account if it exists (looking never creates one)."""
    return db.session.scalar(select(Account).where(Account.key == f"personal:{learner.id}"))


def _spent_from(account_ids) -> int:
    """Net money moved from the accounts to spending accounts (payments less their reversals)."""
    spending = select(Account.id).where(Account.kind == AccountKind.SPENDING)
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
    account: Account | None
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


# --- asking to spend --------------------------------------------------------------------------------


def save_draft(
    actor: User,
    learner: Learner,
    *,
    what_for: str,
    category: SpendingCategory | str,
    amount_pence: int,
    supplier: str,
    document: bytes | None,
    filename: str | None,
    draft: SpendRequest | None = None,
) -> SpendRequest:
    """The family's answers, checked and kept as a draft for the "check your answers" page; nobody else sees
    it until :func:`send_request`. With ``draft``, its answers are changed; its invoice is kept unless a new
    file is given (the old one is deleted once the change commits)."""
    if not may_request(actor, learner):
        raise NotAllowed("Only the learner's family can ask to spend from their budget")
    if draft is not None and (draft.status is not SpendStatus.DRAFT or draft.learner_id != learner.id):
        raise NotAllowed("This request has already been sent: it can no longer be changed")
    what_for = _text(what_for, "what_for", "Enter what the money is for", MAX_WHAT_FOR)
    category = _category(category, PERSONAL_CATEGORIES)
    amount_pence = ledger.check_amount(amount_pence)
    supplier = _text(supplier, "supplier", "Enter who is being paid", MAX_SUPPLIER)
    kind = None
    if document is not None or draft is None or document_file(draft) is None:
        kind = check_document(document, filename)
    _check_available(learner, amount_pence)
    if draft is None:
        draft = SpendRequest(learner_id=learner.id, status=SpendStatus.DRAFT)
        db.session.add(draft)
    draft.requested_by_id = actor.id
    draft.what_for, draft.category, draft.amount_pence, draft.supplier = what_for, category, amount_pence, supplier
    if kind is not None:
        remove_document_after_commit(draft)
        draft.document_name = _display_name(filename, kind)
        draft.document_type = kind.content_type
        # The file is written last, once everything else has been accepted.
        draft.document_path = _store(document, kind)
    db.session.flush()
    return draft


def _check_available(learner: Learner, amount_pence: int) -> None:
    current = budget(learner, with_requests=False)
    if amount_pence > current.available:
        held = f", and {ledger.pounds(current.pending)} is already asked for" if current.pending else ""
        raise ValidationError(
            f"The amount must be {ledger.pounds(current.available)} or less: {learner.known_as}'s learning budget has "
            f"{ledger.pounds(current.balance)}{held}",
            field="amount",
        )


@dataclass(frozen=True)
class Sent:
    request: SpendRequest
    #: False when it had been sent already (a second click): nothing was sent again.
    new: bool


def send_request(actor: User, draft: SpendRequest) -> Sent:
    """Send a checked draft to the people who decide: from now on it waits for a decision. Sending twice (a
    double click) sends it once; the amount is checked again against what can still be asked for."""
    request = _locked(draft)
    if not may_request(actor, request.learner):
        raise NotAllowed("Only the learner's family can ask to spend from their budget")
    if request.status is not SpendStatus.DRAFT:
        return Sent(request, False)
    if document_file(request) is None:
        raise ValidationError("Select the invoice or receipt", field="document")
    _check_available(request.learner, request.amount_pence)
    request.status = SpendStatus.PENDING
    request.requested_by_id = actor.id
    request.created_at = clock.now()  # asked on: when it was sent
    db.session.flush()
    audit.record(
        "funding.spend_requested",
        actor=actor,
        obj=request,
        detail={
            "learner_id": request.learner_id,
            "amount_pence": request.amount_pence,
            "category": request.category.value,
        },
    )
    _tell_deciders(request)
    return Sent(request, True)


def request_spend(
    actor: User,
    learner: Learner,
    *,
    what_for: str,
    category: SpendingCategory | str,
    amount_pence: int,
    supplier: str,
    document: bytes | None,
    filename: str | None,
) -> SpendRequest:
    """Save and send a request in one step (the web form has a "check your answers" page in between)."""
    draft = save_draft(
        actor,
        learner,
        what_for=what_for,
        category=category,
        amount_pence=amount_pence,
        supplier=supplier,
        document=document,
        filename=filename,
    )
    return send_request(actor, draft).request


# --- an invoice held while the rest of the form is put right ------------------------------------------------

#: A held invoice not used within this long is deleted by the ``spend-drafts`` job.
HELD_HOURS = 24


def _held_folder() -> Path:
    return documents_folder() / "held"


def hold_document(data: bytes) -> str:
    """Keep an invoice that passed its checks while other answers on the form did not, so the family need not
    choose the file again. Returns a random token (the caller keeps it with the file's name, e.g. in the
    session); nothing is written to the database."""
    check_document(data)
    folder = _held_folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    fd = os.open(folder / token, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    held_at = clock.now().timestamp()  # its age is read on the one clock
    os.utime(folder / token, (held_at, held_at))
    return token


def held_document(token: str | None) -> bytes | None:
    """The held invoice's bytes, or None if there is none (used, expired, or a token that is not one)."""
    if not token or not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    try:
        return (_held_folder() / token).read_bytes()
    except OSError:
        return None


def release_document(token: str | None) -> None:
    if token and re.fullmatch(r"[0-9a-f]{32}", token):
        (_held_folder() / token).unlink(missing_ok=True)


def discard_old_held_documents(now: datetime | None = None) -> int:
    folder = _held_folder()
    if not folder.is_dir():
        return 0
    cutoff = ((now or clock.now()) - timedelta(hours=HELD_HOURS)).timestamp()
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def discard_old_drafts(now: datetime | None = None) -> int:
    """Delete drafts nobody has touched for :data:`DRAFT_DAYS` days, with their invoices (after the commit), and
    invoices held for a form for more than :data:`HELD_HOURS` hours. Level-triggered: run twice or late, it
    removes the same drafts once."""
    discard_old_held_documents(now)
    cutoff = (now or clock.now()) - timedelta(days=DRAFT_DAYS)
    drafts = list(
        db.session.scalars(
            select(SpendRequest).where(SpendRequest.status == SpendStatus.DRAFT, SpendRequest.updated_at < cutoff)
        )
    )
    for draft in drafts:
        remove_document_after_commit(draft)
        db.session.delete(draft)
    db.session.flush()
    return len(drafts)


def _active_admins() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.ADMIN, User.active.is_(True))
            .order_by(User.id)
        )
    )


def _tell_deciders(request: SpendRequest) -> None:
    learner = request.learner
    deciders = {}
    mentor = mentoring.current_mentor(learner)
    if mentor is not None and mentor.active:
        deciders[mentor.id] = mentor
    if learner.locality_id is not None:
        for user in db.session.scalars(
            select(User)
            .join(LocalityStaff, LocalityStaff.user_id == User.id)
            .where(
                LocalityStaff.locality_id == learner.locality_id,
                LocalityStaff.role == LocalityRole.COORDINATOR,
                User.active.is_(True),
            )
        ):
            deciders[user.id] = user
    if not deciders:
        deciders = {admin.id: admin for admin in _active_admins()}
    for user in deciders.values():
        notifications.notify(
            user,
            f"spend-request:{request.id}:new:{user.id}",
            NOTIFICATION_KIND,
            f"A request to spend {ledger.pounds(request.amount_pence)} from {learner.known_as}'s learning budget",
            body="Sign in to approve or decline it.",
            link=_path("funding.spend_request", request_id=request.id),
            email_template="notification",
        )


def _tell_family(request: SpendRequest, outcome: str, title: str, body: str | None = None) -> None:
    learner = request.learner
    people = {g.user_id: g.user for g in learner.family.guardians if g.user_id is not None}
    if learner.user_id is not None:
        people[learner.user_id] = learner.user
    for user in people.values():
        notifications.notify(
            user,
            f"spend-request:{request.id}:{outcome}:{user.id}",
            NOTIFICATION_KIND,
            title,
            body=body,
            link=_path("funding.spend_request", request_id=request.id),
            email_template="notification",
        )


# --- deciding ---------------------------------------------------------------------------------------


def _locked(request: SpendRequest) -> SpendRequest:
    """The request reloaded under a row lock, so its status is the one committed last."""
    stmt = select(SpendRequest).where(SpendRequest.id == request.id).execution_options(populate_existing=True)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt)


def _already_decided(request: SpendRequest) -> NotAllowed | None:
    if request.status is SpendStatus.APPROVED:
        return NotAllowed("This request has already been approved and paid. Nothing more has been paid.")
    if request.status is SpendStatus.DECLINED:
        return NotAllowed("This request has already been declined. Nothing has been paid.")
    return None


def _memo(request: SpendRequest) -> str:
    """The payment's memo in the ledger, which is never edited or erased: the request's reference and category
    only, never its free text (which can name the learner, a tutor or another person; erasure clears it)."""
    return f"Spend request {request.id}: {SPENDING_CATEGORY_LABELS[request.category].lower()}"


def _description(request: SpendRequest) -> str:
    return f"{ledger.pounds(request.amount_pence)} to {request.supplier} for {request.learner.known_as}"


def approve(actor: User, request: SpendRequest) -> SpendRequest:
    """Approve ``request``: the first approval of a large request waits for an admin's second approval;
    the approval that completes it pays the supplier from the learner's budget (one transfer, ever)."""
    request = _locked(request)
    refused = _already_decided(request)
    if refused is not None:
        raise refused
    if not is_decider(actor, request):
        raise NotAllowed("You cannot decide this request")
    learner = request.learner
    second = request.status is SpendStatus.AWAITING_SECOND_APPROVAL
    if second:
        if not _is_admin(actor):
            raise NotAllowed("This request is waiting for a second approval, which only an admin can give")
        if actor.id == request.first_approver_id:
            raise NotAllowed("The second approval must come from someone other than the first approver")
    elif needs_second_approval(request):
        account = _personal_account(learner)
        balance = account.balance_pence if account else 0
        if balance < request.amount_pence:
            raise _not_enough(request, balance)
        request.first_approver_id = actor.id
        request.status = SpendStatus.AWAITING_SECOND_APPROVAL
        db.session.flush()
        audit.record(
            "funding.spend_first_approval",
            actor=actor,
            obj=request,
            detail={"learner_id": learner.id, "amount_pence": request.amount_pence},
        )
        for admin in _active_admins():
            if admin.id == actor.id:
                continue
            notifications.notify(
                admin,
                f"spend-request:{request.id}:second-approval:{admin.id}",
                NOTIFICATION_KIND,
                f"A request for {ledger.pounds(request.amount_pence)} needs a second approval",
                link=_path("funding.spend_request", request_id=request.id),
                email_template="notification",
            )
        return request
    try:
        transfer = ledger.post(
            actor,
            ledger.personal_account(learner),
            ledger.spending_account(request.category),
            request.amount_pence,
            TransferKind.SPEND,
            _memo(request),
            f"spend-request:{request.id}",
        )
    except ledger.InsufficientFunds:
        account = _personal_account(learner)
        raise _not_enough(request, account.balance_pence if account else 0) from None
    if second:
        request.second_approver_id = actor.id
    else:
        request.first_approver_id = actor.id
    request.status = SpendStatus.APPROVED
    request.decided_by_id = actor.id
    request.decided_at = clock.now()
    request.transfer_id = transfer.id
    db.session.flush()
    audit.record(
        "funding.spend_approved",
        actor=actor,
        obj=request,
        detail={
            "learner_id": learner.id,
            "amount_pence": request.amount_pence,
            "transfer_id": transfer.id,
            "second_approval": second,
        },
    )
    _tell_family(request, "approved", f"Approved: {_description(request)}", "The payment has been made.")
    return request


def _not_enough(request: SpendRequest, balance: int) -> ledger.InsufficientFunds:
    return ledger.InsufficientFunds(
        f"There is not enough in {request.learner.known_as}'s learning budget: it has {ledger.pounds(balance)} and this "
        f"request is for {ledger.pounds(request.amount_pence)}. Nothing has been paid.",
        field="amount",
    )


def decline(actor: User, request: SpendRequest, reason: str) -> SpendRequest:
    request = _locked(request)
    refused = _already_decided(request)
    if refused is not None:
        raise refused
    if not is_decider(actor, request):
        raise NotAllowed("You cannot decide this request")
    if request.status is SpendStatus.AWAITING_SECOND_APPROVAL and not _is_admin(actor):
        raise NotAllowed("This request is waiting for a second approval, which only an admin can give")
    reason = _text(reason, "reason", "Enter why the request is declined", MAX_REASON)
    request.status = SpendStatus.DECLINED
    request.decline_reason = reason
    request.decided_by_id = actor.id
    request.decided_at = clock.now()
    db.session.flush()
    audit.record(
        "funding.spend_declined",
        actor=actor,
        obj=request,
        detail={"learner_id": request.learner_id, "amount_pence": request.amount_pence},
    )
    _tell_family(request, "declined", f"Declined: {_description(request)}", f"Reason: {reason}")
    return request


def reversal_of(request: SpendRequest) -> Transfer | None:
    if request.transfer_id is None:
        return None
    return db.session.scalar(select(Transfer).where(Transfer.reverses_id == request.transfer_id))


def reverse_payment(actor: User, request: SpendRequest, reason: str) -> Transfer:
    """Admin: put an approved request's payment back into the learner's budget (a refund, a mistake)."""
    if not _is_admin(actor):
        raise NotAllowed("Only an admin can reverse a payment")
    request = _locked(request)
    if request.status is not SpendStatus.APPROVED or request.transfer_id is None:
        raise NotAllowed("Only an approved and paid request can be reversed")
    reason = _text(reason, "reason", "Enter why the payment is being reversed", MAX_REASON)
    transfer = db.session.get(Transfer, request.transfer_id)
    # The reason is kept on the request (erasable); the ledger's memo names the request only.
    reversal = ledger.reverse(actor, transfer, f"payment for spend request {request.id} reversed")
    request.reversal_reason = reason
    audit.record(
        "funding.spend_reversed",
        actor=actor,
        obj=request,
        detail={"learner_id": request.learner_id, "transfer_id": transfer.id, "reversal_id": reversal.id},
    )
    _tell_family(
        request,
        "reversed",
        f"Payment reversed: {ledger.pounds(request.amount_pence)} is back in {request.learner.known_as}'s learning budget",
        f"Reason: {reason}",
    )
    return reversal


# --- other spending: localities and other modules ------------------------------------------------------

_FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_form_key() -> str:
    """A fresh idempotency key for a spending form: a retry of the same form never records twice."""
    return secrets.token_urlsafe(24)


def _lock_account(account: Account) -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(Account.id).where(Account.id == account.id).with_for_update())


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
            f"There is not enough in the {locality.name} budget: it has {ledger.pounds(source.balance_pence)}, "
            f"not enough for {ledger.pounds(amount_pence)}. Nothing has been recorded.",
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
    account: Account | None
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
    account = db.session.scalar(select(Account).where(Account.key == f"locality:{locality.id}"))
    learners = select(Learner.id).where(Learner.locality_id == locality.id)
    personal_ids = select(Account.id).where(Account.kind == AccountKind.PERSONAL, Account.learner_id.in_(learners))
    personal_balance = db.session.scalar(
        select(func.coalesce(func.sum(Account.balance_pence), 0)).where(Account.id.in_(personal_ids))
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
    spending = aliased(Account)
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


def managed_localities(user: User) -> list[Locality]:
    stmt = select(Locality).order_by(Locality.name)
    if not _is_admin(user):
        stmt = stmt.where(Locality.id.in_(coordinated_by(user)))
    return list(db.session.scalars(stmt))


# --- statements ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    id: int
    created_at: datetime
    description: str
    kind: TransferKind
    #: The other account: where the money came from, or went to.
    other: str
    money_in: int
    money_out: int
    balance: int


@dataclass
class Statement(PageNumbers):
    account: Account
    start: date | None
    end: date | None
    opening: int
    money_in: int
    money_out: int
    count: int
    lines: list[StatementLine]
    page: int = 1
    per_page: int = STATEMENT_PAGE_SIZE

    @property
    def closing(self) -> int:
        return self.opening + self.money_in - self.money_out

    @property
    def total(self) -> int:
        """For the page numbers (``PageNumbers``): every transfer in the period."""
        return self.count


def _period_bounds(start: date | None, end: date | None) -> tuple[int, int | None]:
    """The period as a range of transfer ids ``[low, high)``: transfers are numbered in the order they are
    posted, so consecutive periods share a boundary and every transfer is in exactly one of them."""
    london = clock.LONDON

    def first_id_from(day: date) -> int | None:
        moment = datetime.combine(day, time(0), london).astimezone(UTC)
        return db.session.scalar(
            select(Transfer.id).where(Transfer.created_at >= moment).order_by(Transfer.created_at, Transfer.id).limit(1)
        )

    low = 0
    if start is not None:
        found = first_id_from(start)
        low = found if found is not None else (db.session.scalar(select(func.max(Transfer.id))) or 0) + 1
    high = None
    if end is not None:
        high = first_id_from(end + timedelta(days=1))
    return low, high


def _side(account_id: int, incoming: bool, low: int, high: int | None, *, details: bool = False) -> Select:
    """One side of the account (money in, or money out) in ``[low, high)``, in id order, read through its index
    (``ix_transfer_to`` or ``ix_transfer_from``), as (id, signed amount, other account id[, created_at, memo,
    kind, the other account's name])."""
    t = Transfer.__table__
    column, other = (t.c.to_account_id, t.c.from_account_id) if incoming else (t.c.from_account_id, t.c.to_account_id)
    signed = t.c.amount_pence if incoming else -t.c.amount_pence
    stmt = select(t.c.id, signed.label("signed"), other.label("other")).where(column == account_id, t.c.id >= low)
    if details:
        names = Account.__table__.alias("other_account")
        stmt = stmt.add_columns(t.c.created_at, t.c.memo, t.c.kind, names.c.name).join(names, names.c.id == other)
    if high is not None:
        stmt = stmt.where(t.c.id < high)
    return stmt.order_by(t.c.id)


def _streamed(account_id: int, low: int, high: int | None):
    """Every transfer of the account in ``[low, high)`` with its details, in id order: both sides streamed in
    their indexes' order and merged as they are read (nothing sorted, nothing held in memory)."""
    sides = [
        db.session.execute(_side(account_id, incoming, low, high, details=True).execution_options(yield_per=2_000))
        for incoming in (True, False)
    ]
    return heapq.merge(*sides, key=lambda row: row[0])


def _page(account_id: int, low: int, high: int | None, limit: int, offset: int):
    """One page of both sides of the account merged in id order, in SQL: SQLite merges the two index-ordered
    sides of a compound query as it reads them; PostgreSQL is given each side cut off at ``offset + limit``
    (so it reads them through their indexes and merges them, whatever it estimates)."""
    sides = [_side(account_id, incoming, low, high) for incoming in (True, False)]
    if db.engine.dialect.name == "postgresql":
        sides = [select(side.limit(offset + limit).subquery()) for side in sides]
    else:
        sides = [side.order_by(None) for side in sides]
    stmt = union_all(*sides).order_by(literal_column("id")).limit(limit).offset(offset)
    return db.session.execute(stmt).all()


def _line(row, balance: int, created_at, memo, kind, other: str) -> StatementLine:
    signed = row[1]
    return StatementLine(
        id=row[0],
        created_at=created_at,
        description=memo,
        kind=TransferKind(kind),
        other=other,
        money_in=signed if signed > 0 else 0,
        money_out=-signed if signed < 0 else 0,
        balance=balance,
    )


def _lines(rows, balance: int) -> list[StatementLine]:
    """Statement lines for a page of rows (id, signed, other), the running balance starting from ``balance``."""
    if not rows:
        return []
    t = Transfer.__table__
    details = {
        r.id: r
        for r in db.session.execute(
            select(t.c.id, t.c.created_at, t.c.memo, t.c.kind).where(t.c.id.in_([r[0] for r in rows]))
        )
    }
    names = dict(db.session.execute(select(Account.id, Account.name).where(Account.id.in_({r[2] for r in rows}))).all())
    lines = []
    for row in rows:
        balance += row[1]
        detail = details[row[0]]
        lines.append(_line(row, balance, detail.created_at, detail.memo, detail.kind, names[row[2]]))
    return lines


def _totals(account_id: int, low: int, high: int | None, page_start: int | None) -> tuple[int, int, int, int, int]:
    """(opening, money in, money out, count, net of the period's transfers before ``page_start``), in one
    pass over the account's transfers below ``high`` (one statement, so one snapshot on PostgreSQL)."""
    t = Transfer.__table__
    is_in = t.c.to_account_id == account_id
    signed = case((is_in, t.c.amount_pence), else_=-t.c.amount_pence)
    in_period = t.c.id >= low
    before_page = and_(in_period, t.c.id < page_start) if page_start is not None else false()

    def total(condition, value):
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    stmt = select(
        total(t.c.id < low, signed),
        total(and_(in_period, is_in), t.c.amount_pence),
        total(and_(in_period, ~is_in), t.c.amount_pence),
        total(in_period, 1),
        total(before_page, signed),
    ).where(or_(t.c.to_account_id == account_id, t.c.from_account_id == account_id))
    if high is not None:
        stmt = stmt.where(t.c.id < high)
    return tuple(int(v) for v in db.session.execute(stmt).one())


def check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValidationError("The start of the period must be on or before its end", field="start")


def statement(
    account: Account, start: date | None, end: date | None, page: int = 1, per_page: int = STATEMENT_PAGE_SIZE
) -> Statement:
    """One page of the account's statement for the period (either end may be open), oldest first."""
    check_period(start, end)
    low, high = _period_bounds(start, end)
    page = min(max(1, page), 10_000_000)  # any page number typed into the address is safe
    offset = (page - 1) * per_page
    rows = _page(account.id, low, high, per_page, offset)
    page_start = rows[0][0] if rows else None
    opening, money_in, money_out, count, before = _totals(account.id, low, high, page_start)
    lines = _lines(rows, opening + before)
    return Statement(account, start, end, opening, money_in, money_out, count, lines, page, per_page)


def statement_lines(account: Account, start: date | None, end: date | None) -> tuple[int, Iterator[StatementLine]]:
    """The opening balance of the period, and an iterator over every line of it (both sides of the account
    streamed in id order and merged) for CSV and PDF. Their totals are added up from the lines
    themselves, so what a file shows always adds up, even while money is moving."""
    check_period(start, end)
    low, high = _period_bounds(start, end)
    opening = _totals(account.id, low, low, None)[0]

    def lines() -> Iterator[StatementLine]:
        balance = opening
        for row in _streamed(account.id, low, high):
            balance += row[1]
            yield _line(row, balance, *row[3:])

    return opening, lines()


TRANSFER_KIND_LABELS = {
    TransferKind.INCOME: "Income",
    TransferKind.ALLOCATION: "Allocation",
    TransferKind.SPEND: "Payment",
    TransferKind.MOVE: "Move",
    TransferKind.REVERSAL: "Reversal",
    TransferKind.CARRY_FORWARD: "Carried forward",
    TransferKind.RETURN: "Returned",
}

CSV_HEADER = ["Date", "Transfer", "Description", "Type", "From or to", "Money in", "Money out", "Balance"]


def statement_csv_rows(account: Account, start: date | None, end: date | None) -> Iterator[list]:
    """The statement as CSV rows (:func:`csv_export.row`): a header, the opening balance, every transfer with its
    running balance, and a closing row carrying the period's totals in and out. Amounts are numbers in pounds
    (``12.50``, ``-3.00``); text that a spreadsheet could read as a formula is quoted."""
    opening, lines = statement_lines(account, start, end)
    london = clock.LONDON
    pounds = csv_export.pounds

    def rows() -> Iterator[list]:
        yield csv_export.row(CSV_HEADER)
        yield csv_export.row(
            [start.isoformat() if start else "", "", "Opening balance", "", "", "", "", pounds(opening)]
        )
        money_in = money_out = 0
        for line in lines:
            money_in += line.money_in
            money_out += line.money_out
            yield csv_export.row(
                [
                    line.created_at.astimezone(london).strftime("%Y-%m-%d %H:%M"),
                    line.id,
                    line.description,
                    TRANSFER_KIND_LABELS[line.kind],
                    line.other,
                    pounds(line.money_in) if line.money_in else "",
                    pounds(line.money_out) if line.money_out else "",
                    pounds(line.balance),
                ]
            )
        yield csv_export.row(
            [
                (end or clock.today()).isoformat(),
                "",
                "Closing balance",
                "",
                "",
                pounds(money_in),
                pounds(money_out),
                pounds(opening + money_in - money_out),
            ]
        )

    return rows()


def statement_pdf(account: Account, start: date | None, end: date | None) -> bytes:
    """The statement as a PDF document (at most :data:`MAX_PDF_LINES` transfers: choose a shorter period)."""
    from virtualacademy import pdf

    check_period(start, end)
    low, high = _period_bounds(start, end)
    count = _totals(account.id, low, high, None)[3]
    if count > MAX_PDF_LINES:
        raise ValidationError(
            f"This period has {count:,} transfers, too many for a PDF (the most is {MAX_PDF_LINES:,}). "
            "Choose a shorter period, or download the CSV file."
        )
    opening, lines = statement_lines(account, start, end)
    lines = list(lines)
    money_in, money_out = sum(x.money_in for x in lines), sum(x.money_out for x in lines)
    summary = Statement(account, start, end, opening, money_in, money_out, len(lines), [], 1, max(len(lines), 1))
    return pdf.render_pdf(
        "pdf/statement.html",
        statement=summary,
        lines=lines,
        kinds=TRANSFER_KIND_LABELS,
        generated_at=clock.now(),
        today=clock.today(),
    )
