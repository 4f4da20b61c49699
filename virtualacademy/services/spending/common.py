"""What every part of spending shares: categories, statuses and their names, the limits on what is
written, and small helpers (the acting user's standing, the request's row lock, the active admins)."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Role, SpendingCategory, SpendRequest, SpendStatus, User, UserRole

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


def _signed_in(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _is_admin(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def _locked(request: SpendRequest) -> SpendRequest:
    """The request reloaded under a row lock, so its status is the one committed last."""
    stmt = select(SpendRequest).where(SpendRequest.id == request.id).execution_options(populate_existing=True)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt)


def _active_admins() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.ADMIN, User.active.is_(True))
            .order_by(User.id)
        )
    )
