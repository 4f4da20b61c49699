"""Deciding spend requests: approval (a second one, by another admin, above the threshold), which pays the
supplier through the ledger; declining; and an admin's reversal of a payment. The family is told of each."""

from __future__ import annotations

from sqlalchemy import select

from virtualacademy import clock, money
from virtualacademy.errors import NotAllowed
from virtualacademy.extensions import db
from virtualacademy.models import SpendRequest, SpendStatus, Transfer, TransferKind, User
from virtualacademy.models.funding import SPENDING_CATEGORY_LABELS
from virtualacademy.services import audit, ledger, notifications
from virtualacademy.services.spending.access import is_decider, needs_second_approval
from virtualacademy.services.spending.budgets import _personal_account
from virtualacademy.services.spending.common import (
    MAX_REASON,
    NOTIFICATION_KIND,
    _active_admins,
    _is_admin,
    _locked,
    _path,
    _text,
)

# --- deciding ---------------------------------------------------------------------------------------


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
    return f"{money.pounds_text(request.amount_pence)} to {request.supplier} for {request.learner.known_as}"


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
                f"A request for {money.pounds_text(request.amount_pence)} needs a second approval",
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
        f"There is not enough in {request.learner.known_as}'s learning budget: it has {money.pounds_text(balance)} and this "
        f"request is for {money.pounds_text(request.amount_pence)}. Nothing has been paid.",
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
        f"Payment reversed: {money.pounds_text(request.amount_pence)} is back in {request.learner.known_as}'s learning budget",
        f"Reason: {reason}",
    )
    return reversal
