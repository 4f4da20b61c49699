"""Publishing a term's reports: every learner on roll in the term gets their report (with or without a comment),
and each parent or carer (and a learner with their own account) is told, in the app and by email, through the one
notification path. Publishing again publishes only reports not yet published (a learner who joined since) and
tells nobody twice: each notification's key is the report's and the person's."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, insert, literal, select, update

from virtualacademy import clock
from virtualacademy.database import one_of
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Guardian, Learner, ProgressReport, Role, User
from virtualacademy.services import audit, notifications
from virtualacademy.services.learning_log.attendance import Term
from virtualacademy.services.progress_reports.common import learners_in

#: Reports published (and families told) per round of statements.
BATCH = 500


@dataclass(frozen=True)
class PublishSummary:
    term: Term
    learners: int
    with_comment: int
    published: int

    @property
    def without_comment(self) -> int:
        return self.learners - self.with_comment

    @property
    def to_publish(self) -> int:
        return self.learners - self.published


def publish_summary(term: Term) -> PublishSummary:
    """How many learners the term's reports are for, how many have a comment and how many are published (one
    query, counted in the database)."""
    learners, commented, published = db.session.execute(
        select(func.count(Learner.id), func.count(ProgressReport.comment), func.count(ProgressReport.published_at))
        .select_from(Learner)
        .outerjoin(ProgressReport, (ProgressReport.learner_id == Learner.id) & (ProgressReport.term_key == term.key))
        .where(Learner.id.in_(learners_in(term)))
    ).one()
    return PublishSummary(term, int(learners), int(commented), int(published))


def _audience(report_ids: list[int]) -> list[tuple[ProgressReport, Learner, User]]:
    """Each published report's learner with every person to tell: their guardians, and the learner's own account."""
    guardians = (
        select(ProgressReport, Learner, User)
        .join(Learner, Learner.id == ProgressReport.learner_id)
        .join(Guardian, Guardian.family_id == Learner.family_id)
        .join(User, User.id == Guardian.user_id)
        .where(one_of(ProgressReport.id, report_ids), User.active.is_(True))
    )
    own = (
        select(ProgressReport, Learner, User)
        .join(Learner, Learner.id == ProgressReport.learner_id)
        .join(User, User.id == Learner.user_id)
        .where(one_of(ProgressReport.id, report_ids), User.active.is_(True))
    )
    return [*db.session.execute(guardians).all(), *db.session.execute(own).all()]


def publish(actor: User, term: Term) -> int:
    """Publish the term's reports; returns how many were published now (0 when they already all were)."""
    if not actor.has_role(Role.ADMIN):
        raise NotAllowed("Only an admin can publish a term's progress reports")
    if term.start > clock.today():
        raise ValidationError(f"The {term.name.lower()} has not begun: its reports cannot be published yet")
    now = clock.now()
    # a report row for every learner on roll in the term who has none yet (no comment was written)
    missing = (
        select(Learner.id, literal(term.key), literal(now), literal(now))
        .where(Learner.id.in_(learners_in(term)))
        .where(~exists().where(ProgressReport.learner_id == Learner.id, ProgressReport.term_key == term.key))
    )
    db.session.execute(
        insert(ProgressReport).from_select(["learner_id", "term_key", "created_at", "updated_at"], missing)
    )
    published = 0
    while True:
        ids = list(
            db.session.scalars(
                select(ProgressReport.id)
                .where(
                    ProgressReport.term_key == term.key,
                    ProgressReport.published_at.is_(None),
                    ProgressReport.learner_id.in_(learners_in(term)),
                )
                .order_by(ProgressReport.id)
                .limit(BATCH)
            )
        )
        if not ids:
            break
        db.session.execute(
            update(ProgressReport)
            .where(one_of(ProgressReport.id, ids))
            .values(published_at=now, published_by_id=actor.id, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        notifications.notify_many(
            notifications.Notice(
                user=user,
                key=f"progress-report:{report.id}:{user.id}",
                kind="progress_report",
                title=f"{learner.known_as}’s progress report for the {term.name.lower()} is ready",
                body=f"You can read and download {learner.known_as}’s progress report for the {term.name.lower()}.",
                link="/reports/",
                email_template="notification",
            )
            for report, learner, user in _audience(ids)
        )
        published += len(ids)
    db.session.expire_all()
    audit.record("progress_reports.published", actor=actor, detail={"term": term.key, "published": published})
    return published
