"""Who may see and do what with spend requests, budgets and statements, in terms of
:mod:`virtualacademy.policies.relations` (``policies/funding.py`` registers the rules), and the deciders' lists."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import selectinload

from virtualacademy.extensions import db
from virtualacademy.models import AccountKind, Learner, LedgerAccount, Role, SpendRequest, SpendStatus, Transfer, User
from virtualacademy.models.localities import Locality
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
from virtualacademy.services.localities import coordinated_by
from virtualacademy.services.spending.common import OPEN_STATUSES, QUEUE_FILTERS, _is_admin, _signed_in

# --- who may see and do what (in terms of policies.relations; policies/funding.py registers the rules) --------

#: Decide a learner's requests: the current mentor, the coordinator of their locality, an admin (never someone in
#: the learner's own family, nor whoever asked).
DECIDES = Relation.MENTOR | Relation.COORDINATOR | Relation.ADMIN


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
    conditions = [and_(LedgerAccount.kind == AccountKind.PERSONAL, LedgerAccount.learner_id.in_(learners))]
    if user.has_role(Role.COORDINATOR):
        conditions.append(
            and_(LedgerAccount.kind == AccountKind.LOCALITY, LedgerAccount.locality_id.in_(coordinated_by(user)))
        )
    return stmt.where(or_(*conditions))


def decider_queue(user: User, statuses: tuple[SpendStatus, ...] | None) -> Select:
    """Requests ``user`` may see, newest first, narrowed to ``statuses``, each with its learner (lists show them)."""
    stmt = (
        select(SpendRequest)
        .options(selectinload(SpendRequest.learner))
        .order_by(SpendRequest.created_at.desc(), SpendRequest.id.desc())
    )
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
