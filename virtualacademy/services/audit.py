"""Writing and reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select

from virtualacademy import clock
from virtualacademy.context import request_ip
from virtualacademy.extensions import db
from virtualacademy.models import AuditEvent, User

LONDON = clock.LONDON


def record(
    action: str,
    *,
    actor: User | None = None,
    obj: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits it with the change)."""
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        ip=request_ip.get(),
        detail=detail or {},
    )
    db.session.add(event)
    db.session.flush()
    return event


@dataclass
class AuditFilter:
    action: str | None = None
    actor_email: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def query(filters: AuditFilter) -> Select:
    """Newest first, narrowed by the given filters (dates are London calendar days)."""
    stmt = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if filters.action:
        stmt = stmt.where(AuditEvent.action.startswith(filters.action.strip()))
    if filters.actor_email:
        stmt = stmt.join(User, AuditEvent.actor_id == User.id).where(User.email == filters.actor_email.strip().lower())
    if filters.object_type:
        stmt = stmt.where(AuditEvent.object_type == filters.object_type.strip())
    if filters.object_id:
        stmt = stmt.where(AuditEvent.object_id == filters.object_id.strip())
    if filters.date_from:
        stmt = stmt.where(AuditEvent.occurred_at >= datetime.combine(filters.date_from, time(), LONDON))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), LONDON)
        stmt = stmt.where(AuditEvent.occurred_at < end)
    return stmt


def actions() -> list[str]:
    """The distinct actions recorded so far, for the filter's choices."""
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
