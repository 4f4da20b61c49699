"""All models, imported here so Alembic and the app see the whole schema."""

from virtualacademy.models.accounts import Role, User, UserRole
from virtualacademy.models.audit import AuditEvent
from virtualacademy.models.base import Base
from virtualacademy.models.families import (
    Application,
    ApplicationMessage,
    ApplicationStatus,
    EheReason,
    Enrolment,
    EnrolmentStatus,
    Family,
    Guardian,
    Learner,
    SendStatus,
    WithdrawalReason,
)
from virtualacademy.models.localities import Locality, LocalityDistrict, LocalityRole, LocalityStaff
from virtualacademy.models.notifications import OutboxMessage, OutboxStatus
from virtualacademy.models.scheduler import SchedulerLock

__all__ = [
    "Application",
    "ApplicationMessage",
    "ApplicationStatus",
    "AuditEvent",
    "Base",
    "EheReason",
    "Enrolment",
    "EnrolmentStatus",
    "Family",
    "Guardian",
    "Learner",
    "Locality",
    "LocalityDistrict",
    "LocalityRole",
    "LocalityStaff",
    "SendStatus",
    "WithdrawalReason",
    "OutboxMessage",
    "OutboxStatus",
    "Role",
    "SchedulerLock",
    "User",
    "UserRole",
]
