"""The mentor's narrative comment on a learner's term."""

from __future__ import annotations

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Learner, ProgressReport, User
from virtualacademy.services import audit
from virtualacademy.services.learning_log.attendance import Term
from virtualacademy.services.progress_reports.access import may_comment

COMMENT_MAX = 6000


def save_comment(actor: User, learner: Learner, term: Term, text: str | None) -> ProgressReport:
    """Write (or rewrite) the comment on ``learner``'s report for ``term``: their current mentor, or an admin. A
    published report can still be corrected; the family sees the change the next time they download it."""
    if not may_comment(actor, learner):
        raise NotAllowed("Only the learner's mentor can write the comment on their progress report")
    if term.start > clock.today():
        raise ValidationError(f"The {term.name.lower()} has not begun", field="comment")
    body = (text or "").strip()
    if not body:
        raise ValidationError("Write the comment", field="comment")
    if len(body) > COMMENT_MAX:
        raise ValidationError(f"Write {COMMENT_MAX:,} characters or fewer", field="comment")
    report = db.session.scalar(
        select(ProgressReport).where(ProgressReport.learner_id == learner.id, ProgressReport.term_key == term.key)
    )
    if report is None:
        report = ProgressReport(learner_id=learner.id, term_key=term.key)
        db.session.add(report)
    report.comment, report.comment_by_id, report.comment_at = body, actor.id, clock.now()
    db.session.flush()
    audit.record("progress_reports.comment_saved", actor=actor, obj=learner, detail={"term": term.key})
    return report
