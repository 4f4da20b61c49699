"""Attendance in learning: distinct days with logged learning and the minutes logged, by week and by term."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import Learner, LogEntry
from virtualacademy.services.learning_log.common import _as_date
from virtualacademy.services.learning_log.week_view import monday_of

# --- attendance in learning --------------------------------------------------------------------------------


class Season(enum.StrEnum):
    AUTUMN = "autumn"
    SPRING = "spring"
    SUMMER = "summer"


@dataclass(frozen=True)
class Term:
    """One of three fixed terms: autumn (1 Sep - 31 Dec), spring (1 Jan - 31 Mar), summer (1 Apr - 31 Aug)."""

    year: int
    season: Season

    @property
    def start(self) -> date:
        return {
            Season.AUTUMN: date(self.year, 9, 1),
            Season.SPRING: date(self.year, 1, 1),
            Season.SUMMER: date(self.year, 4, 1),
        }[self.season]

    @property
    def end(self) -> date:
        return {
            Season.AUTUMN: date(self.year, 12, 31),
            Season.SPRING: date(self.year, 3, 31),
            Season.SUMMER: date(self.year, 8, 31),
        }[self.season]

    @property
    def key(self) -> str:
        return f"{self.year}-{self.season.value}"

    @property
    def name(self) -> str:
        return f"{self.season.value.capitalize()} term {self.year}"

    @property
    def previous(self) -> Term:
        return term_of(self.start - timedelta(days=1))

    @property
    def next(self) -> Term:
        return term_of(self.end + timedelta(days=1))


def term_of(day: date) -> Term:
    if day.month >= 9:
        return Term(day.year, Season.AUTUMN)
    if day.month <= 3:
        return Term(day.year, Season.SPRING)
    return Term(day.year, Season.SUMMER)


def term_from_key(key: str | None) -> Term | None:
    """``"2026-autumn"`` -> the autumn term 2026; anything else -> None."""
    if not key or "-" not in key:
        return None
    year, _, season = key.partition("-")
    try:
        return Term(int(year), Season(season)) if 1900 <= int(year) <= 9999 else None
    except ValueError:
        return None


@dataclass
class WeekAttendance:
    """Attendance in learning for one week (clipped to the period asked about)."""

    start: date
    end: date
    days: int
    minutes: int

    @property
    def partial(self) -> bool:
        return (self.end - self.start).days < 6


def weekly_attendance(entries: Iterable[tuple[date, int]], start: date, end: date) -> list[WeekAttendance]:
    """Attendance per Monday-to-Sunday week from ``start`` to ``end`` (both included; the first and last weeks
    are clipped to them), from ``(day, minutes)`` pairs. Days outside the period are ignored."""
    if end < start:
        return []
    per_day: dict[date, int] = defaultdict(int)
    for day, minutes in entries:
        if start <= day <= end:
            per_day[day] += int(minutes)
    weeks = []
    monday = monday_of(start)
    while monday <= end:
        first, last = max(monday, start), min(monday + timedelta(days=6), end)
        days = [d for d in per_day if first <= d <= last and per_day[d] > 0]
        weeks.append(WeekAttendance(first, last, len(days), sum(per_day[d] for d in days)))
        monday += timedelta(days=7)
    return weeks


@dataclass
class TermAttendance:
    term: Term
    #: The last day counted: the term's end, or today while the term is under way.
    until: date
    weeks: list[WeekAttendance]

    @property
    def days(self) -> int:
        return sum(w.days for w in self.weeks)

    @property
    def minutes(self) -> int:
        return sum(w.minutes for w in self.weeks)

    @property
    def average_days(self) -> float:
        return self.days / len(self.weeks) if self.weeks else 0.0


def term_attendance(learner: Learner, term: Term, today: date | None = None) -> TermAttendance:
    """Weeks of the term up to today (none if the term has not started)."""
    today = today or clock.today()
    until = min(term.end, today)
    rows = db.session.execute(
        select(LogEntry.on_date, func.sum(LogEntry.minutes))
        .where(LogEntry.learner_id == learner.id, LogEntry.on_date >= term.start, LogEntry.on_date <= until)
        .group_by(LogEntry.on_date)
    ).all()
    return TermAttendance(term, until, weekly_attendance(((_as_date(d), m) for d, m in rows), term.start, until))
