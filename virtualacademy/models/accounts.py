"""People who sign in, and the roles they hold."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from virtualacademy.models.base import Base, TimestampMixin, utcnow


class Role(enum.StrEnum):
    GUARDIAN = "guardian"
    LEARNER = "learner"
    MENTOR = "mentor"
    COORDINATOR = "coordinator"
    EXAMS_OFFICER = "exams_officer"
    SAFEGUARDING_LEAD = "safeguarding_lead"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.GUARDIAN: "Guardian",
    Role.LEARNER: "Learner",
    Role.MENTOR: "Mentor",
    Role.COORDINATOR: "Locality coordinator",
    Role.EXAMS_OFFICER: "Exams officer",
    Role.SAFEGUARDING_LEAD: "Safeguarding lead",
    Role.ADMIN: "Admin",
}

#: Roles held by academy staff (invited by an admin); the others belong to families.
STAFF_ROLES = (Role.MENTOR, Role.COORDINATOR, Role.EXAMS_OFFICER, Role.SAFEGUARDING_LEAD, Role.ADMIN)

role_type = Enum(
    Role,
    name="role",
    native_enum=False,
    create_constraint=True,
    length=32,
    values_callable=lambda roles: [r.value for r in roles],
)


def new_security_stamp() -> str:
    return secrets.token_hex(16)


class User(TimestampMixin, Base):
    __tablename__ = "user"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Always stored lower-cased, so uniqueness is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: argon2id hash; empty until an invited person sets their password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    #: Rotated whenever the password changes: ends other sessions and spends
    #: outstanding reset and invitation links.
    security_stamp: Mapped[str] = mapped_column(String(32), default=new_security_stamp)
    last_sign_in_at: Mapped[datetime | None]

    role_links: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.security_stamp}"

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(link.role for link in self.role_links)

    def has_role(self, *roles: Role | str) -> bool:
        return any(Role(r) in self.roles for r in roles)

    @property
    def is_staff(self) -> bool:
        return any(r in STAFF_ROLES for r in self.roles)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(role_type, primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="role_links")
