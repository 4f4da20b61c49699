"""The lists: a family's published reports, and a mentor's (or an admin's) learners for a term with whether each
comment is written. Selects for the page to paginate; a page's reports are fetched in one more query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from virtualacademy import clock
from virtualacademy.database import one_of
from virtualacademy.extensions import db
from virtualacademy.models import Learner, ProgressReport, Role, User
from virtualacademy.policies.relations import FAMILY, Relation, related_learner_ids
from virtualacademy.services.learning_log.attendance import Term, term_of
from virtualacademy.services.progress_reports.common import learners_in

#: The mentor's dashboard asks for the term's comments in its last weeks.
DUE_DAYS = 35


def family_reports(user: User) -> Select:
    """Published reports of the user's children (or their own), newest term first."""
    return (
        select(ProgressReport)
        .options(joinedload(ProgressReport.learner))
        .join(Learner, Learner.id == ProgressReport.learner_id)
        .where(
            ProgressReport.published_at.is_not(None),
            ProgressReport.learner_id.in_(related_learner_ids(user, FAMILY)),
        )
        .order_by(ProgressReport.published_at.desc(), Learner.legal_name, ProgressReport.id)
    )


def caseload_reports(user: User, term: Term) -> Select:
    """The learners on roll in ``term`` whose comment ``user`` writes: their current caseload (every learner,
    for an admin), by name."""
    stmt = select(Learner).where(Learner.id.in_(learners_in(term))).order_by(Learner.legal_name, Learner.id)
    if not user.has_role(Role.ADMIN):
        stmt = stmt.where(Learner.id.in_(related_learner_ids(user, Relation.MENTOR)))
    return stmt


def reports_of(learners: list[Learner], term: Term) -> dict[int, ProgressReport]:
    """The term's reports of a page of learners, by learner id (one query)."""
    if not learners:
        return {}
    rows = db.session.scalars(
        select(ProgressReport).where(
            ProgressReport.term_key == term.key, one_of(ProgressReport.learner_id, [x.id for x in learners])
        )
    )
    return {r.learner_id: r for r in rows}


@dataclass(frozen=True)
class Due:
    term: Term
    to_write: int
    learners: int


def due_term(today: date | None = None) -> Term | None:
    """The term whose reports are due: the current one in its last weeks."""
    today = today or clock.today()
    term = term_of(today)
    return term if today >= term.end - timedelta(days=DUE_DAYS) else None


def reports_due(user: User, today: date | None = None) -> Due | None:
    """For the mentor's dashboard: how many of their caseload's comments for the due term are still to write."""
    term = due_term(today)
    if term is None:
        return None
    caseload = select(Learner.id).where(
        Learner.id.in_(learners_in(term)), Learner.id.in_(related_learner_ids(user, Relation.MENTOR))
    )
    learners, written = db.session.execute(
        select(func.count(Learner.id), func.count(ProgressReport.comment))
        .select_from(Learner)
        .outerjoin(ProgressReport, (ProgressReport.learner_id == Learner.id) & (ProgressReport.term_key == term.key))
        .where(Learner.id.in_(caseload))
    ).one()
    return Due(term, int(learners) - int(written), int(learners))
