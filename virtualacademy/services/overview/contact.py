"""Contact per locality (the learner's): check-ins made in a period on time or late, and the learners on roll with
a mentor today whose check-in is overdue or who have had no contact for more than 14 days; and the same per mentor,
a page of mentors at a time (the variation report's figures, folded into the overview)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from virtualacademy.extensions import db
from virtualacademy.models import ContactDay, ContactNow, Learner, MentorAssignment, MentorProfile, User
from virtualacademy.models.mentoring import DEFAULT_CASELOAD_LIMIT
from virtualacademy.paging import PER_PAGE, PageNumbers
from virtualacademy.services.mentoring.variation import ContactFigures, contact_figures
from virtualacademy.services.overview.common import Period


@dataclass
class Contact:
    period: Period
    today: date
    by_locality: dict[int, ContactFigures] = field(default_factory=dict)
    #: When the summaries these figures were read from were counted (None: counted live, just now).
    counted_at: datetime | None = None

    def total(self, locality_ids=None) -> ContactFigures:
        result = ContactFigures()
        for locality_id, row in self.by_locality.items():
            if locality_ids is None or locality_id in locality_ids:
                result.add(row)
        return result


def contact(period: Period, today: date) -> Contact:
    """Per locality, every locality (the spread needs them all): from the summaries the ``contact-figures`` job
    recounts every few minutes when they were counted today (three statements over at most a row per locality and
    day), otherwise counted live (two grouped statements over the check-ins and learners)."""
    counted_on, counted_at = db.session.execute(
        select(func.min(ContactNow.counted_on), func.max(ContactNow.rebuilt_at))
    ).one()
    if counted_on != today or counted_at is None:
        return Contact(period, today, contact_figures(Learner.locality_id, period.bounds(), today))
    result = Contact(period, today, counted_at=counted_at)
    for locality_id, check_ins, on_time, late, days_late in db.session.execute(
        select(
            ContactDay.locality_id,
            func.sum(ContactDay.check_ins),
            func.sum(ContactDay.on_time),
            func.sum(ContactDay.late),
            func.sum(ContactDay.days_late),
        )
        .where(ContactDay.day.between(period.start, period.end))
        .group_by(ContactDay.locality_id)
    ):
        result.by_locality[locality_id] = ContactFigures(int(check_ins), int(on_time), int(late), int(days_late))
    for row in db.session.scalars(select(ContactNow)):
        figures = result.by_locality.setdefault(row.locality_id, ContactFigures())
        figures.mentored, figures.overdue, figures.without_contact = row.mentored, row.overdue, row.without_contact
    return result


@dataclass
class MentorRow:
    id: int
    name: str
    limit: int
    figures: ContactFigures


@dataclass
class MentorPage(PageNumbers):
    """One page of mentors (by name) with their learners' contact figures, in the ``paging`` protocol."""

    items: list[MentorRow]
    page: int
    per_page: int
    count: int

    @property
    def total(self) -> int:
        return self.count


def _mentors_of(locality_ids: list[int] | None):
    """A subquery of the mentors of learners in ``locality_ids`` now (every mentor with a learner when None)."""
    mentors = select(MentorAssignment.mentor_id).where(MentorAssignment.ends_on.is_(None))
    if locality_ids is not None:
        mentors = mentors.join(Learner, Learner.id == MentorAssignment.learner_id).where(
            Learner.locality_id.in_(locality_ids)
        )
    return mentors.distinct().subquery()


def _named(mentors):
    return (
        select(User.id, User.name, MentorProfile.caseload_limit)
        .join(mentors, mentors.c.mentor_id == User.id)
        .outerjoin(MentorProfile, MentorProfile.user_id == User.id)
        .order_by(User.name, User.id)
    )


def every_mentor(period: Period, today: date, locality_ids: list[int] | None):
    """(name, caseload limit, figures) of every mentor of learners in ``locality_ids``, by name (for the CSV).
    Three statements."""
    figures = contact_figures(MentorAssignment.mentor_id, period.bounds(), today, locality_ids=locality_ids)
    for m in db.session.execute(_named(_mentors_of(locality_ids))):
        yield m.name, m.caseload_limit or DEFAULT_CASELOAD_LIMIT, figures.get(m.id, ContactFigures())


def mentor_page(
    period: Period, today: date, locality_ids: list[int] | None, page: int = 1, per_page: int = PER_PAGE
) -> MentorPage:
    """The mentors of learners in ``locality_ids`` (every mentor when None), a page at a time by name, each with
    their current learners' figures. Four statements, whatever the page or the academy."""
    mentors = _mentors_of(locality_ids)
    total = db.session.scalar(select(func.count()).select_from(mentors)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    shown = db.session.execute(_named(mentors).limit(per_page).offset((page - 1) * per_page)).all()
    ids = [row.id for row in shown]  # one page of mentors: bounded
    figures = (
        contact_figures(MentorAssignment.mentor_id, period.bounds(), today, locality_ids=locality_ids, mentor_ids=ids)
        if ids
        else {}
    )
    rows = [
        MentorRow(m.id, m.name, m.caseload_limit or DEFAULT_CASELOAD_LIMIT, figures.get(m.id, ContactFigures()))
        for m in shown
    ]
    return MentorPage(rows, page, per_page, total)
