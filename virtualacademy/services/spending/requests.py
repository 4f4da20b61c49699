"""Asking to spend: a draft checked for the "check your answers" page, sent to the people who decide, and
drafts nobody sent discarded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from virtualacademy import clock, money
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    Learner,
    LocalityRole,
    LocalityStaff,
    SpendingCategory,
    SpendRequest,
    SpendStatus,
    User,
)
from virtualacademy.services import audit, ledger, mentoring, notifications
from virtualacademy.services.spending.access import may_request
from virtualacademy.services.spending.budgets import budget
from virtualacademy.services.spending.common import (
    DRAFT_DAYS,
    MAX_SUPPLIER,
    MAX_WHAT_FOR,
    NOTIFICATION_KIND,
    PERSONAL_CATEGORIES,
    _active_admins,
    _category,
    _locked,
    _path,
    _text,
)
from virtualacademy.services.spending.documents import (
    _display_name,
    _store,
    check_document,
    discard_old_held_documents,
    document_file,
    remove_document_after_commit,
)

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
        held = f", and {money.pounds_text(current.pending)} is already asked for" if current.pending else ""
        raise ValidationError(
            f"The amount must be {money.pounds_text(current.available)} or less: {learner.known_as}'s learning budget has "
            f"{money.pounds_text(current.balance)}{held}",
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
            f"A request to spend {money.pounds_text(request.amount_pence)} from {learner.known_as}'s learning budget",
            body="Sign in to approve or decline it.",
            link=_path("funding.spend_request", request_id=request.id),
            email_template="notification",
        )
