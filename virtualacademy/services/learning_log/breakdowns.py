"""Hours by subject area and by activity type (for the record of achievement)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select

from virtualacademy.extensions import db
from virtualacademy.models import ActivityType, Learner, LogEntry, SubjectArea
from virtualacademy.models.learning import ACTIVITY_TYPE_LABELS, log_entry_subject

# --- hours by subject area and activity type (for the record of achievement) ----------------------------------


@dataclass
class Breakdown:
    label: str
    minutes: int


def hours_by_subject(learner: Learner, start: date, end: date) -> list[Breakdown]:
    """Minutes per subject area over the period. An entry with several subject areas is shared between them
    equally (whole minutes; any remainder goes to the first by position), so the rows add up to the total."""
    in_period = and_(LogEntry.learner_id == learner.id, LogEntry.on_date >= start, LogEntry.on_date <= end)
    minutes = dict(db.session.execute(select(LogEntry.id, LogEntry.minutes).where(in_period)).all())
    if not minutes:
        return []
    links: dict[int, list[SubjectArea]] = defaultdict(list)
    for entry_id, subject in db.session.execute(
        select(log_entry_subject.c.log_entry_id, SubjectArea)
        .join(SubjectArea, SubjectArea.id == log_entry_subject.c.subject_area_id)
        .where(log_entry_subject.c.log_entry_id.in_(select(LogEntry.id).where(in_period)))
    ).all():
        links[entry_id].append(subject)
    totals: dict[int, int] = defaultdict(int)
    subjects: dict[int, SubjectArea] = {}
    for entry_id, total in minutes.items():
        shared = sorted(links.get(entry_id, []), key=lambda s: (s.position, s.id))
        if not shared:
            continue
        each, remainder = divmod(total, len(shared))
        for n, subject in enumerate(shared):
            subjects[subject.id] = subject
            totals[subject.id] += each + (1 if n < remainder else 0)
    ordered = sorted(subjects.values(), key=lambda s: (-totals[s.id], s.position, s.name))
    return [Breakdown(s.name, totals[s.id]) for s in ordered]


def hours_by_activity(learner: Learner, start: date, end: date) -> list[Breakdown]:
    rows = db.session.execute(
        select(LogEntry.activity, func.sum(LogEntry.minutes))
        .where(LogEntry.learner_id == learner.id, LogEntry.on_date >= start, LogEntry.on_date <= end)
        .group_by(LogEntry.activity)
    ).all()
    rows = sorted(rows, key=lambda r: (-int(r[1]), list(ActivityType).index(r[0])))
    return [Breakdown(ACTIVITY_TYPE_LABELS[activity], int(total)) for activity, total in rows]
