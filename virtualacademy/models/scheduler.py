"""The lock that lets only one scheduler process act at a time (SQLite; PostgreSQL
uses an advisory lock instead)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from virtualacademy.models.base import Base


class SchedulerLock(Base):
    __tablename__ = "scheduler_lock"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Host and process id of the holder; empty when free.
    holder: Mapped[str | None] = mapped_column(String(200))
    #: The holder renews this; once it passes, another process may take the lock.
    expires_at: Mapped[datetime | None]
