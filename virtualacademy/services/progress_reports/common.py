"""What the progress-report services share: terms as they appear in addresses, and which learners a term's
reports are for."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import Enrolment, EnrolmentStatus, Learner, ProgressReport
from virtualacademy.services.learning_log.attendance import Term, term_from_key, term_of

#: How many past terms the pages offer to choose from.
TERMS_BACK = 6


def term_or_none(key: str | None, today: date | None = None) -> Term | None:
    """The term a key names (``2027-spring``), if it has begun: reports are not written for terms to come."""
    term = term_from_key(key)
    if term is None or term.start > (today or clock.today()):
        return None
    return term


def terms_open(today: date | None = None) -> list[Term]:
    """The current term and the few before it, newest first."""
    term = term_of(today or clock.today())
    found = [term]
    for _ in range(TERMS_BACK - 1):
        term = term.previous
        found.append(term)
    return found


def on_roll_in(term: Term):
    """SQL condition on :class:`Enrolment`: the learner was on roll at some point of ``term``."""
    return and_(
        Enrolment.status != EnrolmentStatus.APPLIED,
        Enrolment.start_date <= term.end,
        or_(Enrolment.end_date.is_(None), Enrolment.end_date > term.start),
    )


def learners_in(term: Term):
    """A select of the ids of the learners on roll in ``term`` (a subquery, never a list)."""
    return select(Enrolment.learner_id).where(on_roll_in(term))


def report_for(learner: Learner, term: Term) -> ProgressReport | None:
    return db.session.scalar(
        select(ProgressReport).where(ProgressReport.learner_id == learner.id, ProgressReport.term_key == term.key)
    )
