"""Families, their guardians and learners, localities, applications and enrolments."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from virtualacademy.models.accounts import User
from virtualacademy.models.base import Base, TimestampMixin, enum_type, utcnow
from virtualacademy.models.localities import Locality


class EheReason(enum.StrEnum):
    PHILOSOPHICAL = "philosophical"
    UNMET_SEND = "unmet_send"
    LEFT_UNDER_PRESSURE = "left_under_pressure"
    HEALTH = "health"
    OTHER = "other"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"


EHE_REASON_LABELS = {
    EheReason.PHILOSOPHICAL: "Philosophical or preference",
    EheReason.UNMET_SEND: "Unmet special educational needs",
    EheReason.LEFT_UNDER_PRESSURE: "Left school under pressure or at risk of exclusion",
    EheReason.HEALTH: "Health, including anxiety or medical needs",
    EheReason.OTHER: "Other",
    EheReason.PREFER_NOT_TO_SAY: "Prefer not to say",
}


class SendStatus(enum.StrEnum):
    NONE = "none"
    SEN_SUPPORT = "sen_support"
    EHCP = "ehcp"


SEND_STATUS_LABELS = {
    SendStatus.NONE: "None",
    SendStatus.SEN_SUPPORT: "SEN support",
    SendStatus.EHCP: "Education, Health and Care Plan (EHCP)",
}


class Family(TimestampMixin, Base):
    """The unit of enrolment: one or more guardians and one or more learners."""

    __tablename__ = "family"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Shown to the family and staff, e.g. ``F7Q2K9``.
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    address_line_1: Mapped[str] = mapped_column(String(200))
    address_line_2: Mapped[str | None] = mapped_column(String(200))
    town: Mapped[str] = mapped_column(String(100))
    #: Normalised UK postcode, e.g. ``DN4 5HX``.
    postcode: Mapped[str] = mapped_column(String(8))
    #: How the family came to the academy: ``application`` or ``import``.
    source: Mapped[str] = mapped_column(String(16), default="application")
    #: The authority's own reference, for imported families (makes re-imports idempotent).
    external_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    privacy_consent_at: Mapped[datetime | None]
    #: Set by admin when a withdrawn family asks to be forgotten; anonymised once retention ends.
    erasure_requested_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]

    guardians: Mapped[list[Guardian]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="Guardian.id"
    )
    learners: Mapped[list[Learner]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="Learner.id"
    )


class Guardian(TimestampMixin, Base):
    """A parent or carer in a family; linked to a sign-in account once they have one."""

    __tablename__ = "guardian"
    __table_args__ = (UniqueConstraint("family_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    #: The main contact (the applicant).
    is_primary: Mapped[bool] = mapped_column(default=False)

    family: Mapped[Family] = relationship(back_populates="guardians")
    user: Mapped[User | None] = relationship()


class GuardianInvitation(Base):
    """An invitation to become a parent or carer in a family, sent to an email address.

    Nothing changes for the address's account (if it has one) until the person accepts the emailed link while
    signed in as that address (or, without an account, sets a password): only then is a :class:`Guardian`
    linked to their account. Single use (``accepted_at``) and expiring (the link's age).
    """

    __tablename__ = "guardian_invitation"
    __table_args__ = (Index("ix_guardian_invitation_family_email", "family_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    #: The family's record of this person, if there is one already (from an application or an import).
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Lower-case, as typed by whoever invited them.
    email: Mapped[str] = mapped_column(String(254))
    #: The address came from the family (their invitation, or their application): a staff account may not accept.
    from_family: Mapped[bool] = mapped_column(default=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the latest link was sent: only a link from then on is accepted (sending again spends older ones).
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)

    family: Mapped[Family] = relationship()
    guardian: Mapped[Guardian | None] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])


class Learner(TimestampMixin, Base):
    __tablename__ = "learner"
    #: Staff lists of learners are in name order (then id, so pages are stable).
    __table_args__ = (Index("ix_learner_name", "legal_name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    #: The learner's own sign-in account (optional; invited by a guardian).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), unique=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    preferred_name: Mapped[str | None] = mapped_column(String(100))
    date_of_birth: Mapped[date]
    previous_school: Mapped[str | None] = mapped_column(String(200))
    #: The school's Unique Reference Number (6 digits), if known.
    previous_school_urn: Mapped[str | None] = mapped_column(String(6))
    date_left_school: Mapped[date | None]
    reason: Mapped[EheReason] = mapped_column(enum_type(EheReason, "ehe_reason"))
    send_status: Mapped[SendStatus] = mapped_column(enum_type(SendStatus, "send_status", 16), default=SendStatus.NONE)
    ehcp_review_date: Mapped[date | None]
    fsm_eligible: Mapped[bool] = mapped_column(default=False)
    young_carer: Mapped[bool] = mapped_column(default=False)
    #: Anything the academy should know (needs, adjustments), written by the family.
    needs: Mapped[str | None] = mapped_column(Text)
    photo_consent: Mapped[bool] = mapped_column(default=False)
    #: The learner's locality: suggested from the family's postcode, can be overridden.
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"), index=True)
    #: The last day with logged learning (None: nothing logged). Derived from the learning log and kept in step
    #: with it in the same flush (``services/learning_log.py``), so staff lists can sort by it at national scale.
    last_logged_on: Mapped[date | None]
    #: The London day of the last contact made with the learner (None: none ever), and, while they have a mentor,
    #: the day their next check-in is due (None: no mentor). Derived from check-ins, mentor assignments, support
    #: levels and enrolments, and kept in step in the same flush (``services/mentoring/punctuality.py``), so the
    #: overview counts overdue check-ins and learners without contact in the database.
    last_contact_on: Mapped[date | None]
    contact_due_on: Mapped[date | None] = mapped_column(index=True)

    family: Mapped[Family] = relationship(back_populates="learners")
    locality: Mapped[Locality | None] = relationship()
    user: Mapped[User | None] = relationship()
    enrolments: Mapped[list[Enrolment]] = relationship(
        back_populates="learner", cascade="all, delete-orphan", order_by="Enrolment.start_date"
    )

    @property
    def known_as(self) -> str:
        return self.preferred_name or self.legal_name.split()[0]

    @property
    def current_enrolment(self) -> Enrolment | None:
        live = [e for e in self.enrolments if e.status is not EnrolmentStatus.WITHDRAWN]
        return live[-1] if live else None


class EnrolmentStatus(enum.StrEnum):
    APPLIED = "applied"
    ENROLLED = "enrolled"
    WITHDRAWN = "withdrawn"


class WithdrawalReason(enum.StrEnum):
    RETURNED_TO_SCHOOL = "returned_to_school"
    MOVED_OUT_OF_AREA = "moved_out_of_area"
    COLLEGE_OR_WORK = "college_or_work"
    NO_LONGER_WISHES = "no_longer_wishes"
    OTHER = "other"


WITHDRAWAL_REASON_LABELS = {
    WithdrawalReason.RETURNED_TO_SCHOOL: "Returned to school",
    WithdrawalReason.MOVED_OUT_OF_AREA: "Moved out of area",
    WithdrawalReason.COLLEGE_OR_WORK: "Started college or work",
    WithdrawalReason.NO_LONGER_WISHES: "No longer wishes to be enrolled",
    WithdrawalReason.OTHER: "Other",
}


class Enrolment(TimestampMixin, Base):
    """One spell on the academy's roll. Re-enrolment is a new row; history is kept.

    Numbers on roll on a date are counted from ``start_date`` and ``end_date``.
    """

    __tablename__ = "enrolment"
    __table_args__ = (Index("ix_enrolment_dates", "locality_id", "start_date", "end_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id"))
    status: Mapped[EnrolmentStatus] = mapped_column(enum_type(EnrolmentStatus, "enrolment_status", 16))
    start_date: Mapped[date]
    #: The last day on roll is the day before; empty while enrolled.
    end_date: Mapped[date | None]
    withdrawal_reason: Mapped[WithdrawalReason | None] = mapped_column(enum_type(WithdrawalReason, "withdrawal_reason"))
    withdrawal_note: Mapped[str | None] = mapped_column(Text)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id", ondelete="SET NULL"), index=True)

    learner: Mapped[Learner] = relationship(back_populates="enrolments")
    locality: Mapped[Locality] = relationship()


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    MORE_INFO_REQUESTED = "more_info_requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"


APPLICATION_STATUS_LABELS = {
    ApplicationStatus.DRAFT: "Draft",
    ApplicationStatus.SUBMITTED: "Submitted",
    ApplicationStatus.MORE_INFO_REQUESTED: "More information requested",
    ApplicationStatus.ACCEPTED: "Accepted",
    ApplicationStatus.DECLINED: "Declined",
}


class Application(TimestampMixin, Base):
    """A family's application to enrol. Answers are kept as the family typed them
    until an admin accepts, which creates the family, learners and enrolments."""

    __tablename__ = "application"
    __table_args__ = (Index("ix_application_queue", "status", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Quoted to the family in emails, e.g. ``VA-7K3D9Q``.
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_type(ApplicationStatus, "application_status", 24), default=ApplicationStatus.DRAFT
    )
    #: The applicant's email (lower-case), where resume links and decisions are sent.
    email: Mapped[str] = mapped_column(String(254), index=True)
    #: Everything typed so far: guardian, address, second guardian, children, consents.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"), index=True)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    #: The guardian account created from the confirmation email's link.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id", ondelete="SET NULL"), index=True)

    locality: Mapped[Locality | None] = relationship()
    messages: Mapped[list[ApplicationMessage]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationMessage.id"
    )


class ApplicationMessage(Base):
    """A question from the academy, or the family's answer."""

    __tablename__ = "application_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    from_family: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="messages")
