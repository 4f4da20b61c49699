"""All models, imported here so Alembic and the app see the whole schema."""

from virtualacademy.models.accounts import Role, User, UserRole
from virtualacademy.models.audit import AuditEvent
from virtualacademy.models.base import Base
from virtualacademy.models.notifications import OutboxMessage, OutboxStatus
from virtualacademy.models.scheduler import SchedulerLock

__all__ = [
    "AuditEvent",
    "Base",
    "OutboxMessage",
    "OutboxStatus",
    "Role",
    "SchedulerLock",
    "User",
    "UserRole",
]
