"""People who sign in, and the roles they hold."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from virtualacademy.models.base import Base, TimestampMixin, enum_type, utcnow


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
    #: The name the person goes by, when the product knows one other than their full name: a learner's own
    #: account carries the learner's known-as name (kept in step with the learner). Emails and pages greet by it.
    preferred_name: Mapped[str | None] = mapped_column(String(100))
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

    #: The key of the signed-in session this object was loaded for (set by ``services.sessions``, never stored):
    #: Flask-Login keeps it in the session cookie, and the server keeps only its hash (``UserSession``).
    session_key = None
    #: The ``UserSession`` id of that session, so a page can mark "this device" (not stored either).
    current_session_id = None

    def get_id(self) -> str:
        if not self.session_key:
            raise RuntimeError("start a session (services.sessions.start) before signing the user in")
        return self.session_key

    @property
    def known_as(self) -> str:
        """The name to greet this person by: their preferred name if there is one, else their full name."""
        return self.preferred_name or self.name

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


class UserSession(Base):
    """One signed-in browser: made at sign-in, checked on every request, deleted on sign-out.

    A session ends when it is signed out, when it is not used for its idle timeout, when its owner signs out
    everywhere else or changes or resets their password, and when the account is deactivated or erased. Only
    what a person needs to recognise their own devices is kept: no IP address (the audit log keeps the
    address of each sign-in, for as long as the audit log is kept).
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the random key held in the browser's session cookie; the key itself is never stored.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The browser and system as a person would recognise them ("Chrome on Android"), from the user agent.
    device: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the session was last used, to the minute (it is written at most once a minute).
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The end of the session if it is not used again: ``last_seen_at`` plus the idle timeout for the user.
    expires_at: Mapped[datetime] = mapped_column(index=True)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id} {self.device!r}>"


class ThrottleKind(enum.StrEnum):
    ACCOUNT = "account"
    DEVICE = "device"
    IP = "ip"


class SignInThrottle(Base):
    """Failed sign-ins counted for one account, one known browser of an account, or one IP address, and the
    time before which the next attempt is refused (the delay grows with each failure)."""

    __tablename__ = "sign_in_throttle"
    __table_args__ = (Index("ix_sign_in_throttle_kind_last_failure_at", "kind", "last_failure_at"),)

    #: HMAC-SHA-256 (keyed with the app's secret) of the email address typed, the browser's device key or the IP
    #: address: the throttle works without storing any of them.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[ThrottleKind] = mapped_column(enum_type(ThrottleKind, "throttle_kind", length=16))
    #: The account the row is about, so an admin can clear its delays (none for IP addresses, or for an email
    #: address that has no account).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]
    #: No attempt is checked before this time; one made earlier is refused without looking at the password.
    not_before: Mapped[datetime | None]
