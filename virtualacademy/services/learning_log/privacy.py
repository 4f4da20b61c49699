"""Data protection: the log, portfolio, exhibitions and narratives in the subject-access export and in erasure."""

from __future__ import annotations

from sqlalchemy import select

from virtualacademy.extensions import db
from virtualacademy.models import (
    AchievementNarrative,
    Evidence,
    EvidenceComment,
    Exhibition,
    ExhibitionFeedback,
    LogEntry,
)
from virtualacademy.services import data_protection
from virtualacademy.services.data_protection import ERASED, Section, Subject, record

# --- data protection: the log, portfolio, exhibitions and narratives in exports and erasure ---------------------
# (docs/learning.md; registered with services/data_protection.py when this module is imported)

STAFF = "academy staff"
FAMILY = "family member"


def _who(user_id: int | None, subject: Subject) -> str:
    return FAMILY if user_id is not None and user_id in subject.user_ids else STAFF


def export_section(subject: Subject) -> list[dict]:
    """Every log entry, piece of evidence (not the files themselves), comment, exhibition, feedback and narrative.
    Staff are named only as "academy staff"; audience members' names are left out (third parties)."""
    ids = [learner.id for learner in subject.learners]
    rows: list[dict] = []
    for entry in db.session.scalars(
        select(LogEntry).where(LogEntry.learner_id.in_(ids)).order_by(LogEntry.on_date, LogEntry.id)
    ):
        rows.append(
            {
                "record": "learning log entry",
                **record(entry, exclude={"created_by_id", "corrected_by_id"}),
                "subjects": [s.name for s in entry.subjects],
                "logged_by": _who(entry.created_by_id, subject),
                "corrected_by": _who(entry.corrected_by_id, subject) if entry.corrected_by_id else None,
            }
        )
    for item in db.session.scalars(select(Evidence).where(Evidence.learner_id.in_(ids)).order_by(Evidence.id)):
        rows.append(
            {
                "record": "portfolio evidence",
                **record(item, exclude={"stored_name", "created_by_id"}),
                "added_by": _who(item.created_by_id, subject),
            }
        )
        for comment in item.comments:
            rows.append(
                {"record": "comment on evidence", **record(comment), "written_by": _who(comment.author_id, subject)}
            )
    for show in db.session.scalars(select(Exhibition).where(Exhibition.learner_id.in_(ids)).order_by(Exhibition.id)):
        rows.append({"record": "exhibition", **record(show), "items_shown": [e.id for e in show.items]})
        for feedback in show.feedback:
            rows.append(
                {"record": "exhibition feedback", **record(feedback, exclude={"reviewer_name", "recorded_by_id"})}
            )
    for narrative in db.session.scalars(
        select(AchievementNarrative).where(AchievementNarrative.learner_id.in_(ids)).order_by(AchievementNarrative.id)
    ):
        rows.append({"record": "record of achievement summary", **record(narrative), "written_by": STAFF})
    return rows


def erase_section(subject: Subject) -> int:
    """Free text and files go (stored files are deleted once the erasure commits); dates, durations, activity
    types, subject areas and rubric scores stay: they identify nobody and feed the statistics."""
    from virtualacademy.services.evidence import remove_after_commit

    ids = [learner.id for learner in subject.learners]
    changed = 0
    for entry in db.session.scalars(
        select(LogEntry).where(LogEntry.learner_id.in_(ids), LogEntry.description != ERASED)
    ):
        entry.description = ERASED
        changed += 1
    for item in db.session.scalars(select(Evidence).where(Evidence.learner_id.in_(ids))):
        if item.title != ERASED or item.url or item.stored_name or item.original_name:
            remove_after_commit(item)
            item.title, item.url, item.stored_name, item.original_name = ERASED, None, None, None
            changed += 1
    for comment in db.session.scalars(
        select(EvidenceComment)
        .join(Evidence, Evidence.id == EvidenceComment.evidence_id)
        .where(Evidence.learner_id.in_(ids), EvidenceComment.body != ERASED)
    ):
        comment.body = ERASED
        changed += 1
    for show in db.session.scalars(select(Exhibition).where(Exhibition.learner_id.in_(ids))):
        if show.where != ERASED or show.description or show.audience:
            show.where, show.description, show.audience = ERASED, None, None
            changed += 1
    for feedback in db.session.scalars(
        select(ExhibitionFeedback)
        .join(Exhibition, Exhibition.id == ExhibitionFeedback.exhibition_id)
        .where(Exhibition.learner_id.in_(ids))
    ):
        if feedback.reviewer_name != ERASED or feedback.reviewer_role or feedback.comments:
            feedback.reviewer_name, feedback.reviewer_role, feedback.comments = ERASED, None, None
            changed += 1
    for narrative in db.session.scalars(
        select(AchievementNarrative).where(
            AchievementNarrative.learner_id.in_(ids), AchievementNarrative.text != ERASED
        )
    ):
        narrative.text = ERASED
        changed += 1
    return changed


data_protection.register(
    Section("learning_log", "Learning log, portfolio and exhibitions", export_section, erase_section)
)
