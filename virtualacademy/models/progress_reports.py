"""Termly progress reports: one row per learner and term, holding the mentor's narrative comment and whether (and
when, by whom) the term's reports were published to families. The report's figures are gathered when it is
rendered (``services/progress_reports``), never stored here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from virtualacademy.models.accounts import User
from virtualacademy.models.base import Base, TimestampMixin
from virtualacademy.models.families import Learner


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
