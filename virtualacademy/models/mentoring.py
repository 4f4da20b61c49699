"""Mentors, their caseloads, contact cadence, check-ins, agreed actions, other adults,
and safeguarding concerns."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from virtualacademy.models.accounts import User
from virtualacademy.models.base import Base, TimestampMixin, enum_type, utcnow
from virtualacademy.models.families import Learner

DEFAULT_CASELOAD_LIMIT = 15


class MentorProfile(Base):
    """Settings of a person with the mentor role."""

    __tablename__ = "mentor_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    caseload_limit: Mapped[int] = mapped_column(default=DEFAULT_CASELOAD_LIMIT)

    user: Mapped[User] = relationship()


class MentorAssignment(Base):
    """A learner's primary mentor for a spell. One open assignment per learner; history is kept."""

    __tablename__ = "mentor_assignment"
    __table_args__ = (
        Index(
            "uq_mentor_assignment_one_open_per_learner",
            "learner_id",
            unique=True,
            sqlite_where=text("ends_on IS NULL"),
            postgresql_where=text("ends_on IS NULL"),
        ),
        Index("ix_mentor_assignment_mentor", "mentor_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    starts_on: Mapped[date]
    #: First day without this mentor; empty while current.
    ends_on: Mapped[date | None]
    #: For the new mentor: what they should know (written by whoever assigns).
    handover_note: Mapped[str | None] = mapped_column(Text)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    learner: Mapped[Learner] = relationship()
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])


class SupportLevel(enum.StrEnum):
    STANDARD = "standard"
    ENHANCED = "enhanced"
    INTENSIVE = "intensive"


SUPPORT_LEVEL_LABELS = {
    SupportLevel.STANDARD: "Standard",
    SupportLevel.ENHANCED: "Enhanced",
    SupportLevel.INTENSIVE: "Intensive",
}


class CadenceDefault(Base):
    """How often each support level is contacted, in days (admin-configurable)."""

    __tablename__ = "cadence_default"
    __table_args__ = (CheckConstraint("days >= 1 AND days <= 90", name="days_range"),)

    level: Mapped[SupportLevel] = mapped_column(enum_type(SupportLevel, "support_level", 16), primary_key=True)
    days: Mapped[int]


class LearnerSupport(Base):
    """A learner's support level, and an individual cadence that overrides the level's default."""

    __tablename__ = "learner_support"
    __table_args__ = (
        CheckConstraint("override_days IS NULL OR (override_days >= 1 AND override_days <= 90)", name="override_range"),
    )

    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[SupportLevel] = mapped_column(
        enum_type(SupportLevel, "support_level", 16), default=SupportLevel.STANDARD
    )
    override_days: Mapped[int | None]


class ContactMethod(enum.StrEnum):
    PHONE = "phone"
    VIDEO = "video"
    HOME_VISIT = "home_visit"
    COMMUNITY_MEETING = "community_meeting"
    MESSAGE = "message"


CONTACT_METHOD_LABELS = {
    ContactMethod.PHONE: "Phone",
    ContactMethod.VIDEO: "Video call",
    ContactMethod.HOME_VISIT: "Home visit",
    ContactMethod.COMMUNITY_MEETING: "Community meeting",
    ContactMethod.MESSAGE: "Message",
}


class ContactWith(enum.StrEnum):
    LEARNER = "learner"
    GUARDIAN = "guardian"
    BOTH = "both"


CONTACT_WITH_LABELS = {
    ContactWith.LEARNER: "Learner",
    ContactWith.GUARDIAN: "Parent or carer",
    ContactWith.BOTH: "Both",
}


class CheckIn(Base):
    """A contact, or an attempt at one. Only a contact made counts as a check-in for the cadence."""

    __tablename__ = "check_in"
    __table_args__ = (
        Index("ix_check_in_learner_time", "learner_id", "occurred_at"),
        # The last contact made per learner (the reminder job, caseloads) reads only this smaller index.
        Index(
            "ix_check_in_contact_made",
            "learner_id",
            "occurred_at",
            sqlite_where=text("contact_made IS 1"),
            postgresql_where=text("contact_made IS TRUE"),
        ),
        # Wellbeing scores by time (the overview's scores in a period) and each learner's scores newest first (the
        # learners whose wellbeing fell): only the check-ins that recorded one.
        Index(
            "ix_check_in_wellbeing_time",
            "occurred_at",
            "learner_id",
            "wellbeing",
            sqlite_where=text("wellbeing IS NOT NULL"),
            postgresql_where=text("wellbeing IS NOT NULL"),
        ),
        Index(
            "ix_check_in_wellbeing",
            "learner_id",
            "occurred_at",
            "id",
            "wellbeing",
            sqlite_where=text("wellbeing IS NOT NULL"),
            postgresql_where=text("wellbeing IS NOT NULL"),
        ),
        CheckConstraint("wellbeing IS NULL OR (wellbeing >= 1 AND wellbeing <= 5)", name="wellbeing_range"),
        CheckConstraint("engagement IS NULL OR (engagement >= 1 AND engagement <= 5)", name="engagement_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    occurred_at: Mapped[datetime]
    method: Mapped[ContactMethod] = mapped_column(enum_type(ContactMethod, "contact_method", 24))
    with_whom: Mapped[ContactWith] = mapped_column(enum_type(ContactWith, "contact_with", 16))
    #: False for an attempt that did not reach anyone.
    contact_made: Mapped[bool] = mapped_column(default=True)
    #: Learner-reported, 1 (very low) to 5 (very good).
    wellbeing: Mapped[int | None] = mapped_column(SmallInteger)
    #: Engagement with learning, 1 to 5.
    engagement: Mapped[int | None] = mapped_column(SmallInteger)
    #: For a contact made while the learner had a mentor: how many days after it was due it was made (0: on time).
    #: Kept in step with the learner's check-ins, mentor and cadence (``services/mentoring/punctuality.py``).
    days_late: Mapped[int | None] = mapped_column(Integer)
    #: For a contact made: its London day (kept with ``days_late``), so figures group by day in the database.
    contact_on: Mapped[date | None]
    #: Staff only: never shown to the family.
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    learner: Mapped[Learner] = relationship()
    mentor: Mapped[User | None] = relationship()
    actions: Mapped[list[AgreedAction]] = relationship(back_populates="check_in", order_by="AgreedAction.id")


class ContactDay(Base):
    """Contacts made on one London day by learners of one locality (while they had a mentor): a summary of
    ``check_in`` rebuilt by the ``contact-figures`` job, so the overview adds up days, not check-ins."""

    __tablename__ = "contact_day"

    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    check_ins: Mapped[int] = mapped_column(default=0)
    on_time: Mapped[int] = mapped_column(default=0)
    late: Mapped[int] = mapped_column(default=0)
    days_late: Mapped[int] = mapped_column(Integer, default=0)


class ContactNow(Base):
    """One locality's learners on roll on ``counted_on``: with a mentor, with a check-in overdue, and without
    contact for more than 14 days. Rebuilt with :class:`ContactDay`; ``rebuilt_at`` is shown on the page."""

    __tablename__ = "contact_now"

    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id", ondelete="CASCADE"), primary_key=True)
    counted_on: Mapped[date]
    rebuilt_at: Mapped[datetime]
    mentored: Mapped[int] = mapped_column(default=0)
    overdue: Mapped[int] = mapped_column(default=0)
    without_contact: Mapped[int] = mapped_column(default=0)


class LatestWellbeing(Base):
    """Each learner's latest wellbeing score and the one before it (by check-in time, then id): the overview's
    learners whose wellbeing fell, for periods that end today, without ranking every check-in. Kept by
    :mod:`virtualacademy.services.overview.wellbeing` in the same flush as any change to a learner's check-ins."""

    __tablename__ = "latest_wellbeing"

    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True)
    latest_at: Mapped[datetime]
    latest: Mapped[int] = mapped_column(SmallInteger)
    previous: Mapped[int | None] = mapped_column(SmallInteger)


class WellbeingDay(Base):
    """Wellbeing scores recorded at check-ins on one London day by the learners of one locality (by each learner's
    locality now), counted per score: the overview's wellbeing over long periods without reading every check-in.
    Kept by :mod:`virtualacademy.services.overview.wellbeing` in the same flush as any change to a learner's
    check-ins or locality, and equal to the check-ins (its tests prove it)."""

    __tablename__ = "wellbeing_day"
    __table_args__ = (UniqueConstraint("locality_id", "on_date", "score", name="uq_wellbeing_day_locality_date_score"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id", ondelete="CASCADE"))
    on_date: Mapped[date] = mapped_column(index=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    check_ins: Mapped[int]


class CohortNow(Base):
    """The learners on roll on ``counted_on`` of one locality with one reason, SEND status, free-school-meals
    eligibility and phase, and how many of them had no learning logged for 14 days: the overview's cohort for today
    without joining every enrolment to its learner. Recounted every 10 minutes by the ``overview-figures`` job
    (:func:`virtualacademy.services.overview.cohort.recount_cohort`); read only when counted today, and the page
    says when."""

    __tablename__ = "cohort_now"

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id", ondelete="CASCADE"), index=True)
    counted_on: Mapped[date]
    counted_at: Mapped[datetime]
    #: ``EheReason`` and ``SendStatus`` values.
    reason: Mapped[str] = mapped_column(String(32))
    send_status: Mapped[str] = mapped_column(String(16))
    fsm_eligible: Mapped[bool]
    secondary: Mapped[bool]
    learners: Mapped[int]
    without_learning: Mapped[int]


class ActionOwner(enum.StrEnum):
    LEARNER = "learner"
    GUARDIAN = "guardian"
    MENTOR = "mentor"


ACTION_OWNER_LABELS = {
    ActionOwner.LEARNER: "Learner",
    ActionOwner.GUARDIAN: "Parent or carer",
    ActionOwner.MENTOR: "Mentor",
}


class AgreedAction(TimestampMixin, Base):
    """Something agreed at a check-in; open actions carry over until closed."""

    __tablename__ = "agreed_action"
    __table_args__ = (Index("ix_agreed_action_open", "learner_id", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_in.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[ActionOwner] = mapped_column(enum_type(ActionOwner, "action_owner", 16))
    due_on: Mapped[date | None]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    check_in: Mapped[CheckIn | None] = relationship(back_populates="actions")
    learner: Mapped[Learner] = relationship()


class OtherAdultRole(enum.StrEnum):
    TUTOR = "tutor"
    INTERNSHIP_HOST = "internship_host"
    COMMUNITY_MENTOR = "community_mentor"
    OTHER = "other"


OTHER_ADULT_ROLE_LABELS = {
    OtherAdultRole.TUTOR: "Tutor",
    OtherAdultRole.INTERNSHIP_HOST: "Internship host",
    OtherAdultRole.COMMUNITY_MENTOR: "Community mentor",
    OtherAdultRole.OTHER: "Other",
}


class OtherAdult(TimestampMixin, Base):
    """Another named adult in a learner's learning: a tutor, an internship host, a community mentor."""

    __tablename__ = "other_adult"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[OtherAdultRole] = mapped_column(enum_type(OtherAdultRole, "other_adult_role", 24))
    organisation: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]


class ConcernStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ConcernEntryKind(enum.StrEnum):
    NOTE = "note"
    MONITOR = "monitor"
    EARLY_HELP = "early_help"
    REFERRAL = "referral"
    CLOSED = "closed"


CONCERN_ENTRY_LABELS = {
    ConcernEntryKind.NOTE: "Note",
    ConcernEntryKind.MONITOR: "Monitor",
    ConcernEntryKind.EARLY_HELP: "Early help",
    ConcernEntryKind.REFERRAL: "Referral to children's social care",
    ConcernEntryKind.CLOSED: "Closed",
}


class SafeguardingConcern(Base):
    """Seen only by safeguarding leads and the person who raised it. Every view is audited."""

    __tablename__ = "safeguarding_concern"
    __table_args__ = (Index("ix_safeguarding_concern_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    #: When what is reported was seen or heard.
    observed_at: Mapped[datetime]
    what_happened: Mapped[str] = mapped_column(Text)
    immediate_action: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ConcernStatus] = mapped_column(
        enum_type(ConcernStatus, "concern_status", 16), default=ConcernStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    learner: Mapped[Learner] = relationship()
    raised_by: Mapped[User | None] = relationship()
    entries: Mapped[list[ConcernEntry]] = relationship(
        back_populates="concern", cascade="all, delete-orphan", order_by="ConcernEntry.id"
    )


class ConcernEntry(Base):
    """A safeguarding lead's action or outcome, in the concern's chronology."""

    __tablename__ = "concern_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_concern.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[ConcernEntryKind] = mapped_column(enum_type(ConcernEntryKind, "concern_entry_kind", 16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    concern: Mapped[SafeguardingConcern] = relationship(back_populates="entries")
    author: Mapped[User | None] = relationship()
