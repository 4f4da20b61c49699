"""Locality community: events with bookings, waiting lists and registers; learning-through-interest
opportunities and placements; announcements; calendar feeds; and conversations between a family and the
people who support their child.

Nothing here is keyed on age: an event says whom it suits in words (``suitable_for``), never as an age gate.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from virtualacademy.models.accounts import User
from virtualacademy.models.base import Base, TimestampMixin, enum_type, utcnow
from virtualacademy.models.families import Family, Guardian, Learner
from virtualacademy.models.funding import Transfer
from virtualacademy.models.learning import SubjectArea
from virtualacademy.models.localities import Locality

# --- events -------------------------------------------------------------------------------------------------


class EventType(enum.StrEnum):
    WORKSHOP = "workshop"
    TRIP = "trip"
    ENRICHMENT_CLUB = "enrichment_club"
    SPORT = "sport"
    ARTS = "arts"
    SOCIAL = "social"
    EXHIBITION_EVENING = "exhibition_evening"
    EXAM_PREPARATION = "exam_preparation"
    ONLINE_SESSION = "online_session"


EVENT_TYPE_LABELS = {
    EventType.WORKSHOP: "Workshop",
    EventType.TRIP: "Trip",
    EventType.ENRICHMENT_CLUB: "Enrichment club",
    EventType.SPORT: "Sport",
    EventType.ARTS: "Arts",
    EventType.SOCIAL: "Social",
    EventType.EXHIBITION_EVENING: "Exhibition evening",
    EventType.EXAM_PREPARATION: "Exam preparation",
    EventType.ONLINE_SESSION: "Online session",
}


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


EVENT_STATUS_LABELS = {
    EventStatus.DRAFT: "Draft",
    EventStatus.PUBLISHED: "Published",
    EventStatus.CANCELLED: "Cancelled",
}


class PlacePaidFrom(enum.StrEnum):
    #: The locality's devolved budget.
    LOCALITY = "locality"
    #: Each learner's personal learning budget.
    PERSONAL = "personal"


PLACE_PAID_FROM_LABELS = {
    PlacePaidFrom.LOCALITY: "The locality's budget",
    PlacePaidFrom.PERSONAL: "The learner's learning budget",
}

event_subject = Table(
    "event_subject",
    Base.metadata,
    Column("event_id", ForeignKey("community_event.id", ondelete="CASCADE"), primary_key=True),
    Column("subject_area_id", ForeignKey("subject_area.id"), primary_key=True, index=True),
)


class Event(TimestampMixin, Base):
    """An event a coordinator runs for their locality (or an admin for the whole academy: ``locality_id`` empty).

    ``seats_taken`` counts the bookings holding a place (booked, or offered to a family from the waiting list).
    It changes only through one conditional UPDATE (``seats_taken < capacity``), so bookings racing for the last
    places can never overbook."""

    __tablename__ = "community_event"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_taken_range"),
        CheckConstraint("cost_pence >= 0", name="cost_not_negative"),
        Index("ix_community_event_locality_starts", "locality_id", "starts_at"),
        Index("ix_community_event_status_starts", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Empty: an academy-wide event, open to every family.
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    title: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[EventType] = mapped_column(enum_type(EventType, "event_type", 24))
    #: Markdown as the coordinator typed it; ``description_html`` is what pages show (rendered and sanitised).
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    venue: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    #: For an online session: shown only to booked families, never in the public feed.
    online_link: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0)
    #: Empty: bookable as soon as it is published.
    booking_opens_at: Mapped[datetime | None]
    booking_closes_at: Mapped[datetime]
    #: Up to this time a family may cancel (and a cost is refunded); after it, places are kept.
    cancel_closes_at: Mapped[datetime]
    #: Cost of one place in pence, posted through the ledger from ``paid_from``.
    cost_pence: Mapped[int] = mapped_column(default=0)
    paid_from: Mapped[PlacePaidFrom] = mapped_column(
        enum_type(PlacePaidFrom, "place_paid_from", 16), default=PlacePaidFrom.LOCALITY
    )
    #: Guidance in words (never an age gate): "for confident readers", "beginners welcome".
    suitable_for: Mapped[str | None] = mapped_column(Text)
    accessibility: Mapped[str | None] = mapped_column(Text)
    #: Guardians attend with their children (and book places of their own).
    guardians_attend: Mapped[bool] = mapped_column(default=False)
    status: Mapped[EventStatus] = mapped_column(enum_type(EventStatus, "event_status", 16), default=EventStatus.DRAFT)
    published_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    #: One occurrence of a recurring event: the first occurrence's id (empty for a one-off or the first).
    series_id: Mapped[int | None] = mapped_column(ForeignKey("community_event.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)

    locality: Mapped[Locality | None] = relationship()
    subjects: Mapped[list[SubjectArea]] = relationship(secondary=event_subject, order_by="SubjectArea.position")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_online(self) -> bool:
        return self.event_type is EventType.ONLINE_SESSION


class BookingState(enum.StrEnum):
    BOOKED = "booked"
    WAITING = "waiting"
    #: Promoted from the waiting list: a place is held until ``offer_expires_at`` for the family to confirm.
    OFFERED = "offered"
    CANCELLED = "cancelled"


BOOKING_STATE_LABELS = {
    BookingState.BOOKED: "Booked",
    BookingState.WAITING: "On the waiting list",
    BookingState.OFFERED: "Place offered",
    BookingState.CANCELLED: "Cancelled",
}

#: States that hold one of the event's places.
HOLDING_STATES = (BookingState.BOOKED, BookingState.OFFERED)


class Booking(Base):
    """One place at an event, for a learner or (when guardians attend) a guardian of the booking family. The
    waiting list is the ``waiting`` bookings in the order they were made."""

    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("(learner_id IS NULL) <> (guardian_id IS NULL)", name="one_attendee"),
        CheckConstraint("cost_pence >= 0", name="cost_not_negative"),
        Index(
            "uq_booking_live_learner",
            "event_id",
            "learner_id",
            unique=True,
            sqlite_where=text("state <> 'cancelled' AND learner_id IS NOT NULL"),
            postgresql_where=text("state <> 'cancelled' AND learner_id IS NOT NULL"),
        ),
        Index(
            "uq_booking_live_guardian",
            "event_id",
            "guardian_id",
            unique=True,
            sqlite_where=text("state <> 'cancelled' AND guardian_id IS NOT NULL"),
            postgresql_where=text("state <> 'cancelled' AND guardian_id IS NOT NULL"),
        ),
        Index("ix_booking_event_state_created", "event_id", "state", "created_at"),
        Index("ix_booking_family_state", "family_id", "state"),
        Index("ix_booking_state_offer_expires", "state", "offer_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("community_event.id", ondelete="CASCADE"))
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"), index=True)
    state: Mapped[BookingState] = mapped_column(enum_type(BookingState, "booking_state", 16))
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    #: The waiting list's order: first come, first offered.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    offered_at: Mapped[datetime | None]
    offer_expires_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    #: Why it ended: "cancelled by the family", "offer expired", "event cancelled".
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    #: What the place cost (0: free, or a guardian's place paid from a personal budget).
    cost_pence: Mapped[int] = mapped_column(default=0)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"), unique=True)
    refund_transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"), unique=True)

    event: Mapped[Event] = relationship()
    family: Mapped[Family] = relationship()
    learner: Mapped[Learner | None] = relationship()
    guardian: Mapped[Guardian | None] = relationship()
    transfer: Mapped[Transfer | None] = relationship(foreign_keys=[transfer_id])
    refund_transfer: Mapped[Transfer | None] = relationship(foreign_keys=[refund_transfer_id])

    @property
    def attendee_name(self) -> str:
        if self.learner is not None:
            return self.learner.known_as
        return self.guardian.name if self.guardian is not None else ""


class AttendanceMark(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"


ATTENDANCE_MARK_LABELS = {
    AttendanceMark.PRESENT: "Present",
    AttendanceMark.LATE: "Late",
    AttendanceMark.ABSENT: "Absent",
}


class Attendance(Base):
    """One row of an event's register: a booked attendee's mark, and the learning-log entry it made."""

    __tablename__ = "event_attendance"
    __table_args__ = (Index("ix_event_attendance_event_mark", "event_id", "mark"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("community_event.id", ondelete="CASCADE"))
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), unique=True)
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    mark: Mapped[AttendanceMark] = mapped_column(enum_type(AttendanceMark, "attendance_mark", 16))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    booking: Mapped[Booking] = relationship()


#: The attendance-in-learning entries a register row made (one per London day the event ran).
attendance_log_entry = Table(
    "event_attendance_log_entry",
    Base.metadata,
    Column("attendance_id", ForeignKey("event_attendance.id", ondelete="CASCADE"), primary_key=True),
    Column("log_entry_id", ForeignKey("log_entry.id", ondelete="CASCADE"), primary_key=True, index=True),
)


# --- opportunities ------------------------------------------------------------------------------------------


class OpportunityKind(enum.StrEnum):
    INTERNSHIP = "internship"
    PLACEMENT = "placement"
    VOLUNTEERING = "volunteering"
    MASTERCLASS = "masterclass"


OPPORTUNITY_KIND_LABELS = {
    OpportunityKind.INTERNSHIP: "Internship",
    OpportunityKind.PLACEMENT: "Placement",
    OpportunityKind.VOLUNTEERING: "Volunteering",
    OpportunityKind.MASTERCLASS: "Masterclass",
}


class Opportunity(TimestampMixin, Base):
    """Learning through interest with a local host, curated by a coordinator."""

    __tablename__ = "opportunity"
    __table_args__ = (
        CheckConstraint("places > 0", name="places_positive"),
        Index("ix_opportunity_locality_open", "locality_id", "open"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Empty: open to learners anywhere in the academy.
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OpportunityKind] = mapped_column(enum_type(OpportunityKind, "opportunity_kind", 16))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    host_organisation: Mapped[str] = mapped_column(String(200))
    #: The named adult at the host who works with the learner (recorded as one of the learner's other adults).
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    #: When the host's safeguarding check (DBS or equivalent) was last confirmed.
    host_checked_on: Mapped[date | None]
    location: Mapped[str | None] = mapped_column(String(200))
    time_commitment: Mapped[str | None] = mapped_column(String(200))
    places: Mapped[int] = mapped_column(default=1)
    open: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)

    locality: Mapped[Locality | None] = relationship()
    interests: Mapped[list[OpportunityInterest]] = relationship(
        back_populates="opportunity", cascade="all, delete-orphan", order_by="OpportunityInterest.interest"
    )


class OpportunityInterest(Base):
    """An interest an opportunity suits (``animals``, ``coding``), lower-case, searched in the database."""

    __tablename__ = "opportunity_interest"

    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunity.id", ondelete="CASCADE"), primary_key=True)
    interest: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)

    opportunity: Mapped[Opportunity] = relationship(back_populates="interests")


class PlacementState(enum.StrEnum):
    INTERESTED = "interested"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


PLACEMENT_STATE_LABELS = {
    PlacementState.INTERESTED: "Interest expressed",
    PlacementState.APPROVED: "Placement approved",
    PlacementState.DECLINED: "Not approved",
    PlacementState.WITHDRAWN: "Withdrawn",
}


class Placement(TimestampMixin, Base):
    """A learner's interest in an opportunity, and once a coordinator approves it, their placement."""

    __tablename__ = "placement"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "learner_id"),
        Index("ix_placement_opportunity_state", "opportunity_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunity.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    state: Mapped[PlacementState] = mapped_column(enum_type(PlacementState, "placement_state", 16))
    #: What the learner or family said about why it interests them.
    note: Mapped[str | None] = mapped_column(Text)
    expressed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    decided_at: Mapped[datetime | None]
    starts_on: Mapped[date | None]
    #: The host, recorded as one of the learner's named other adults when approved.
    other_adult_id: Mapped[int | None] = mapped_column(ForeignKey("other_adult.id", ondelete="SET NULL"), index=True)

    opportunity: Mapped[Opportunity] = relationship()
    learner: Mapped[Learner] = relationship()


placement_log_entry = Table(
    "placement_log_entry",
    Base.metadata,
    Column("placement_id", ForeignKey("placement.id", ondelete="CASCADE"), primary_key=True),
    Column("log_entry_id", ForeignKey("log_entry.id", ondelete="CASCADE"), primary_key=True, index=True),
)


# --- announcements, preferences and feeds -------------------------------------------------------------------


class Announcement(Base):
    """News for a locality's families (or, ``locality_id`` empty, every family): in the app, and by email to
    those who opted in."""

    __tablename__ = "announcement"
    __table_args__ = (Index("ix_announcement_locality_created", "locality_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    locality: Mapped[Locality | None] = relationship()


class CommunityPreference(Base):
    """One person's choices about community email (no row: the defaults)."""

    __tablename__ = "community_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    #: Announcements by email too (in the app they are always shown).
    announcement_emails: Mapped[bool] = mapped_column(default=False)
    #: The weekly digest of new events and upcoming bookings.
    weekly_digest: Mapped[bool] = mapped_column(default=True)


class FollowedLocality(Base):
    """A neighbouring locality whose events a family has opted in to see."""

    __tablename__ = "followed_locality"

    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), primary_key=True)
    locality_id: Mapped[int] = mapped_column(
        ForeignKey("locality.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class FamilyFeed(Base):
    """A family's private calendar feed: only a hash of its token is kept, so the link cannot be read back from
    the database; resetting makes a new token and the old link stops working at once."""

    __tablename__ = "family_feed"

    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), primary_key=True)
    #: SHA-256 (hex) of the token in the feed's address.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- conversations ------------------------------------------------------------------------------------------


class Conversation(Base):
    """A thread about one learner between their family, their mentor (whoever that is now) and their locality's
    coordinator. Nobody is stored as a participant: who may read it is the learner's relations today."""

    __tablename__ = "conversation"
    __table_args__ = (Index("ix_conversation_learner_last", "learner_id", "last_message_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(200))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)

    learner: Mapped[Learner] = relationship()
    messages: Mapped[list[Message]] = relationship(back_populates="conversation", order_by="Message.id")


class Message(Base):
    __tablename__ = "message"
    __table_args__ = (Index("ix_message_conversation_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[MessageAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="MessageAttachment.id"
    )


class MessageAttachment(Base):
    """A file sent with a message: checked by content (``uploads.check``), stored under a random name."""

    __tablename__ = "message_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"), index=True)
    #: The random name under the attachments folder (32 hex characters).
    stored_name: Mapped[str] = mapped_column(String(64))
    #: The name the sender's browser gave, kept only to offer the file back.
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]

    message: Mapped[Message] = relationship(back_populates="attachments")


class ConversationRead(Base):
    """How far one person has read a thread (messages after ``last_read_message_id`` are unread)."""

    __tablename__ = "conversation_read"

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)
    last_read_message_id: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
