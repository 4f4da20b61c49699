"""Personal learning plans and their reviews, the learning log (attendance in learning), portfolio
evidence, exhibitions, and the mentor's narrative for a record of achievement."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from virtualacademy.models.accounts import User
from virtualacademy.models.base import Base, TimestampMixin, enum_type, utcnow
from virtualacademy.models.families import Learner


class SubjectArea(Base):
    """A configurable subject area (English, maths, sciences, ...), used by goals and log entries."""

    __tablename__ = "subject_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


goal_subject = Table(
    "goal_subject",
    Base.metadata,
    Column("goal_id", ForeignKey("goal.id", ondelete="CASCADE"), primary_key=True),
    Column("subject_area_id", ForeignKey("subject_area.id"), primary_key=True),
)

log_entry_subject = Table(
    "log_entry_subject",
    Base.metadata,
    Column("log_entry_id", ForeignKey("log_entry.id", ondelete="CASCADE"), primary_key=True),
    Column("subject_area_id", ForeignKey("subject_area.id"), primary_key=True),
)


class LearningPlan(TimestampMixin, Base):
    """The learner's one current plan, written together by learner, guardians and mentor."""

    __tablename__ = "learning_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), unique=True)
    interests: Mapped[str | None] = mapped_column(Text)
    aspirations: Mapped[str | None] = mapped_column(Text)
    strengths: Mapped[str | None] = mapped_column(Text)
    support_needs: Mapped[str | None] = mapped_column(Text)
    #: Staff only: never shown to the family.
    staff_notes: Mapped[str | None] = mapped_column(Text)
    review_every_weeks: Mapped[int] = mapped_column(default=6)
    next_review_on: Mapped[date | None]
    #: Increases with every saved change; each version is kept in PlanVersion.
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    learner: Mapped[Learner] = relationship()
    goals: Mapped[list[Goal]] = relationship(back_populates="plan", cascade="all, delete-orphan", order_by="Goal.id")
    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanVersion.version"
    )


class PlanVersion(Base):
    """A snapshot of the plan (and its goals) as saved: who changed what, when."""

    __tablename__ = "plan_version"
    __table_args__ = (Index("uq_plan_version", "plan_id", "version", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("learning_plan.id", ondelete="CASCADE"))
    version: Mapped[int]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[LearningPlan] = relationship(back_populates="versions")
    changed_by: Mapped[User | None] = relationship()


class GoalStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    WORKING_ON_IT = "working_on_it"
    ACHIEVED = "achieved"
    NOT_YET = "not_yet"


GOAL_STATUS_LABELS = {
    GoalStatus.NOT_STARTED: "Not started",
    GoalStatus.WORKING_ON_IT: "Working on it",
    GoalStatus.ACHIEVED: "Achieved",
    GoalStatus.NOT_YET: "Not yet",
}


class Goal(TimestampMixin, Base):
    __tablename__ = "goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("learning_plan.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    #: What success looks like.
    success: Mapped[str | None] = mapped_column(Text)
    target_date: Mapped[date | None]
    status: Mapped[GoalStatus] = mapped_column(enum_type(GoalStatus, "goal_status", 16), default=GoalStatus.NOT_STARTED)
    #: Removed from the current plan (kept for history and reviews).
    archived_at: Mapped[datetime | None]

    plan: Mapped[LearningPlan] = relationship(back_populates="goals")
    subjects: Mapped[list[SubjectArea]] = relationship(secondary=goal_subject, order_by="SubjectArea.position")


class PlanReview(Base):
    """A review of the plan with the family and learner; the next review date is set here."""

    __tablename__ = "plan_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("learning_plan.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    summary: Mapped[str | None] = mapped_column(Text)
    next_review_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    goal_reviews: Mapped[list[GoalReview]] = relationship(back_populates="review", cascade="all, delete-orphan")


class GoalReview(Base):
    __tablename__ = "goal_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("plan_review.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    progress: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    status: Mapped[GoalStatus] = mapped_column(enum_type(GoalStatus, "goal_status", 16))

    review: Mapped[PlanReview] = relationship(back_populates="goal_reviews")
    goal: Mapped[Goal] = relationship()


class ActivityType(enum.StrEnum):
    ONLINE_COURSE = "online_course"
    TUTORING = "tutoring"
    INDEPENDENT_STUDY = "independent_study"
    PROJECT_WORK = "project_work"
    COMMUNITY_EVENT = "community_event"
    MUSEUM_OR_GALLERY = "museum_or_gallery"
    INTERNSHIP = "internship"
    SPORT = "sport"
    ARTS_OR_MUSIC = "arts_or_music"
    VOLUNTEERING = "volunteering"
    OTHER = "other"


ACTIVITY_TYPE_LABELS = {
    ActivityType.ONLINE_COURSE: "Online course",
    ActivityType.TUTORING: "Tutoring",
    ActivityType.INDEPENDENT_STUDY: "Independent study",
    ActivityType.PROJECT_WORK: "Project work",
    ActivityType.COMMUNITY_EVENT: "Community event",
    ActivityType.MUSEUM_OR_GALLERY: "Museum or gallery",
    ActivityType.INTERNSHIP: "Internship or placement",
    ActivityType.SPORT: "Sport",
    ActivityType.ARTS_OR_MUSIC: "Arts or music",
    ActivityType.VOLUNTEERING: "Volunteering",
    ActivityType.OTHER: "Other",
}


class LearningDay(Base):
    """Learning logged on one day by the learners of one locality (by each learner's locality now): how many of
    them logged learning that day, and the minutes. A summary of the learning log for the overview, which would
    otherwise read millions of entries; kept by :mod:`virtualacademy.services.overview.attendance` in the same
    flush as any change to the log or to a learner's locality, and equal to the log (its tests prove it)."""

    __tablename__ = "learning_day"
    __table_args__ = (UniqueConstraint("locality_id", "on_date", name="uq_learning_day_locality_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id", ondelete="CASCADE"))
    on_date: Mapped[date] = mapped_column(index=True)
    learners: Mapped[int]
    minutes: Mapped[int] = mapped_column(BigInteger)


class LogEntry(TimestampMixin, Base):
    """Learning that happened: attendance in learning is counted from these."""

    __tablename__ = "log_entry"
    __table_args__ = (
        Index("ix_log_entry_learner_day", "learner_id", "on_date"),
        # Learning logged in a period, whoever logged it (the overview's attendance): read from the index alone.
        Index("ix_log_entry_day", "on_date", "learner_id", "minutes"),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    on_date: Mapped[date]
    minutes: Mapped[int]
    activity: Mapped[ActivityType] = mapped_column(enum_type(ActivityType, "activity_type", 24))
    description: Mapped[str] = mapped_column(Text)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goal.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: A mentor's correction after the 14-day edit window (who and when).
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    corrected_at: Mapped[datetime | None]

    learner: Mapped[Learner] = relationship()
    subjects: Mapped[list[SubjectArea]] = relationship(secondary=log_entry_subject, order_by="SubjectArea.position")


class EvidenceKind(enum.StrEnum):
    FILE = "file"
    LINK = "link"


class Evidence(TimestampMixin, Base):
    """A piece of portfolio evidence: a file (checked by content, stored outside static/) or a link."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goal.id", ondelete="SET NULL"), index=True)
    log_entry_id: Mapped[int | None] = mapped_column(ForeignKey("log_entry.id", ondelete="SET NULL"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(enum_type(EvidenceKind, "evidence_kind", 8))
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    #: Random name under the instance folder; never a user-supplied path.
    stored_name: Mapped[str | None] = mapped_column(String(100))
    original_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int | None]
    is_draft: Mapped[bool] = mapped_column(default=False)
    #: Chosen by the learner for their showcase portfolio.
    in_showcase: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    learner: Mapped[Learner] = relationship()
    comments: Mapped[list[EvidenceComment]] = relationship(
        back_populates="evidence", cascade="all, delete-orphan", order_by="EvidenceComment.id"
    )


class EvidenceComment(Base):
    """Critique from the mentor or family on a draft or piece of evidence."""

    __tablename__ = "evidence_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    evidence: Mapped[Evidence] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()


class ExhibitionMode(enum.StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"


exhibition_item = Table(
    "exhibition_item",
    Base.metadata,
    Column("exhibition_id", ForeignKey("exhibition.id", ondelete="CASCADE"), primary_key=True),
    Column("evidence_id", ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Exhibition(TimestampMixin, Base):
    """A learner presents their learning to an audience."""

    __tablename__ = "exhibition"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date]
    mode: Mapped[ExhibitionMode] = mapped_column(enum_type(ExhibitionMode, "exhibition_mode", 16))
    #: A place, or a link for an online exhibition.
    where: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    #: Who is invited (family, mentor, community experts).
    audience: Mapped[str | None] = mapped_column(Text)
    #: Set when the exhibition is part of a locality event (events module).
    event_id: Mapped[int | None]

    items: Mapped[list[Evidence]] = relationship(secondary=exhibition_item)
    feedback: Mapped[list[ExhibitionFeedback]] = relationship(
        back_populates="exhibition", cascade="all, delete-orphan", order_by="ExhibitionFeedback.id"
    )


class ExhibitionFeedback(Base):
    """One audience member's feedback against the rubric (each 1 to 4)."""

    __tablename__ = "exhibition_feedback"
    __table_args__ = tuple(
        CheckConstraint(f"{c} BETWEEN 1 AND 4", name=f"{c}_range") for c in ("content", "explanation", "reflection")
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibition_id: Mapped[int] = mapped_column(ForeignKey("exhibition.id", ondelete="CASCADE"), index=True)
    reviewer_name: Mapped[str] = mapped_column(String(200))
    reviewer_role: Mapped[str | None] = mapped_column(String(100))
    content: Mapped[int] = mapped_column(SmallInteger)
    explanation: Mapped[int] = mapped_column(SmallInteger)
    reflection: Mapped[int] = mapped_column(SmallInteger)
    comments: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    exhibition: Mapped[Exhibition] = relationship(back_populates="feedback")


class AchievementNarrative(TimestampMixin, Base):
    """The mentor's narrative summary for a record of achievement covering a period."""

    __tablename__ = "achievement_narrative"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
