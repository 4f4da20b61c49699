"""The week view: a learner's entries and evidence counts for one Monday-to-Sunday week."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from virtualacademy.extensions import db
from virtualacademy.models import Evidence, Learner, LogEntry

# --- the week view ---------------------------------------------------------------------------------------


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class Day:
    on: date
    entries: list[LogEntry] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(e.minutes for e in self.entries)


@dataclass
class Week:
    start: date
    days: list[Day]

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def minutes(self) -> int:
        return sum(d.minutes for d in self.days)

    @property
    def days_with_learning(self) -> int:
        return sum(1 for d in self.days if d.entries)


def entries_between(learner: Learner, start: date, end: date) -> list[LogEntry]:
    return list(
        db.session.scalars(
            select(LogEntry)
            .options(selectinload(LogEntry.subjects))
            .where(LogEntry.learner_id == learner.id, LogEntry.on_date >= start, LogEntry.on_date <= end)
            .order_by(LogEntry.on_date, LogEntry.id)
        )
    )


def evidence_counts(learner: Learner, start: date, end: date) -> dict[int, int]:
    """How many pieces of evidence each of the learner's log entries from ``start`` to ``end`` has (entries with
    none are left out)."""
    entries = select(LogEntry.id).where(LogEntry.learner_id == learner.id, LogEntry.on_date.between(start, end))
    return dict(
        db.session.execute(
            select(Evidence.log_entry_id, func.count())
            .where(Evidence.log_entry_id.in_(entries))
            .group_by(Evidence.log_entry_id)
        ).all()
    )


def week(learner: Learner, any_day: date) -> Week:
    start = monday_of(any_day)
    days = {start + timedelta(days=n): Day(start + timedelta(days=n)) for n in range(7)}
    for entry in entries_between(learner, start, start + timedelta(days=6)):
        days[entry.on_date].entries.append(entry)
    return Week(start, list(days.values()))
