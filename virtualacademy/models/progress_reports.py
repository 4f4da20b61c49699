"""Termly progress reports: one row per learner and term, holding the mentor's narrative comment and whether (and
when, by whom) the term's reports were published to families. The report's figures are gathered when it is
rendered (``services/progress_reports``), never stored here."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from virtualacademy.models.accounts import User
from virtualacademy.models.base import Base, TimestampMixin, enum_type
from virtualacademy.models.families import Learner
from virtualacademy.models.localities import Locality


class ProgressReport(TimestampMixin, Base):
    """A learner's report for one term (``term_key`` like ``2027-spring``)."""

    __tablename__ = "progress_report"
    __table_args__ = (
        UniqueConstraint("learner_id", "term_key", name="uq_progress_report_learner_term"),
        Index("ix_progress_report_term_published", "term_key", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    term_key: Mapped[str] = mapped_column(String(16))
    #: The mentor's narrative comment (None: not written yet).
    comment: Mapped[str | None] = mapped_column(Text)
    comment_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    comment_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    learner: Mapped[Learner] = relationship()
    comment_by: Mapped[User | None] = relationship(foreign_keys=[comment_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])


class RunStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReportRun(Base):
    """A build of a term's report PDFs started from the browser (for the academy, or one locality), carried out by
    the scheduler (``services/progress_reports/runs.py``), with its progress."""

    __tablename__ = "report_run"
    __table_args__ = (
        Index("ix_report_run_term_requested", "term_key", "requested_at"),
        Index("ix_report_run_status_requested", "status", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_key: Mapped[str] = mapped_column(String(16))
    #: The locality whose learners' reports are built; None: the whole academy.
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    requested_at: Mapped[datetime]
    status: Mapped[RunStatus] = mapped_column(enum_type(RunStatus, "report_run_status", 16), default=RunStatus.QUEUED)
    #: ``<term>:<scope>`` while the run is queued or running, None once it has finished: unique, so a term and
    #: scope have at most one run under way.
    active_key: Mapped[str | None] = mapped_column(String(48), unique=True)
    #: Reports the run is for, built by it, already there before it (skipped), and that could not be built.
    total: Mapped[int] = mapped_column(default=0)
    built: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    #: How many times a scheduler has taken the run up (more than once: it was resumed after a crash).
    attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    #: Written with each batch of progress; a running run whose heartbeat is old was left by a stopped process.
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    locality: Mapped[Locality | None] = relationship()
    requested_by: Mapped[User | None] = relationship()

    @property
    def ready(self) -> int:
        """Reports there now: built by this run or before it."""
        return self.built + self.skipped

    @property
    def under_way(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)
