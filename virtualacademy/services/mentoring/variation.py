"""Contact figures per locality or per mentor: how punctual check-ins made in a period were, and, today, the
learners whose check-in is overdue or who have had no contact for more than 14 days. Counted in the database from
the punctuality kept in step with every check-in (``punctuality.py``), a fixed number of statements whatever the
size of the academy. The overview's contact section and its mentor table read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, delete, func, insert, literal, or_, select

from virtualacademy.extensions import db
from virtualacademy.models import CheckIn, ContactDay, ContactNow, Enrolment, Learner, MentorAssignment

#: "Without contact": no contact made for more than this many days.
NO_CONTACT_DAYS = 14


def without_contact(since: date | None, today: date) -> bool:
    """The one rule for a learner "without contact" on ``today``: no contact made for more than
    :data:`NO_CONTACT_DAYS` days, counted from ``since`` (the last contact made, or, if there has been none, the
    day the current mentor started); with neither, none ever."""
    return since is None or since <= no_contact_cutoff(today)


def no_contact_cutoff(today: date) -> date:
    """The latest ``since`` day that leaves a learner without contact on ``today`` (for queries that count them
    in the database: ``since <= no_contact_cutoff(today)``)."""
    return today - timedelta(days=NO_CONTACT_DAYS + 1)


def without_contact_filter(today: date):
    """SQL condition on a learner outer-joined to their current mentor assignment (:func:`current_mentor_join`):
    :func:`without_contact` (a learner with no mentor and no contact ever is without contact)."""
    since = func.coalesce(Learner.last_contact_on, MentorAssignment.starts_on)
    return or_(since.is_(None), since <= no_contact_cutoff(today))


def overdue_filter(today: date):
    """SQL condition on a learner with a mentor: their next check-in was due before ``today``."""
    return Learner.contact_due_on < today


def current_mentor_join():
    """The join condition of a learner to their current mentor assignment."""
    return (MentorAssignment.learner_id == Learner.id) & MentorAssignment.ends_on.is_(None)


@dataclass
class ContactFigures:
    """One locality's or mentor's figures. ``check_ins``, ``on_time``, ``late`` and ``days_late`` are about the
    contacts made in the period while the learner had a mentor (each either on time or late by some days);
    ``mentored`` and ``overdue`` about the learners on roll with a mentor today, ``without_contact`` about those on
    roll today (with a mentor or not: with no mentor and no contact ever, a learner is without contact)."""

    check_ins: int = 0
    on_time: int = 0
    late: int = 0
    #: The days late of the late check-ins, added up.
    days_late: int = 0
    mentored: int = 0
    overdue: int = 0
    without_contact: int = 0

    @property
    def on_time_percent(self) -> float | None:
        return round(100 * self.on_time / self.check_ins, 1) if self.check_ins else None

    @property
    def average_days_late(self) -> float | None:
        """Of the check-ins made late, how many days late on average (None when none was late)."""
        return round(self.days_late / self.late, 1) if self.late else None

    def add(self, other: ContactFigures) -> None:
        for name in ("check_ins", "on_time", "late", "days_late", "mentored", "overdue", "without_contact"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _on_roll(today: date):
    from virtualacademy.services.localities import on_roll_filter

    return on_roll_filter(today)


def contact_figures(
    key, bounds, today: date, *, locality_ids: list[int] | None = None, mentor_ids=None
) -> dict[int, ContactFigures]:
    """Figures grouped by ``key`` (``Learner.locality_id`` or ``MentorAssignment.mentor_id``, the learner's
    current mentor), for check-ins made from ``bounds[0]`` up to ``bounds[1]`` (UTC) and learners on roll
    ``today``; narrowed to learners in ``locality_ids`` and to ``mentor_ids`` (a list or a subquery) when given.
    Two grouped statements."""
    by_mentor = key is MentorAssignment.mentor_id
    result: dict[int, ContactFigures] = {}

    def narrowed(stmt, locality_column):
        if locality_ids is not None:
            stmt = stmt.where(locality_column.in_(locality_ids))
        if mentor_ids is not None:
            stmt = stmt.where(MentorAssignment.mentor_id.in_(mentor_ids))
        return stmt

    start, finish = bounds
    made = (
        select(
            key,
            func.count(),
            func.count().filter(CheckIn.days_late == 0),
            func.count().filter(CheckIn.days_late > 0),
            func.coalesce(func.sum(CheckIn.days_late), 0),
        )
        .select_from(CheckIn)
        .join(Learner, Learner.id == CheckIn.learner_id)
        .where(
            CheckIn.contact_made.is_(True),
            CheckIn.days_late.is_not(None),
            CheckIn.occurred_at >= start,
            CheckIn.occurred_at < finish,
        )
        .group_by(key)
    )
    if by_mentor or mentor_ids is not None:
        made = made.join(MentorAssignment, current_mentor_join())
    for group, count, on_time, late, days in db.session.execute(narrowed(made, Learner.locality_id)):
        if group is not None:
            result[group] = ContactFigures(count, on_time, late, int(days))
    now_key = Enrolment.locality_id if key is Learner.locality_id else key
    now = _now_statement(now_key, today)
    for group, mentored, overdue, silent in db.session.execute(narrowed(now, Enrolment.locality_id)):
        if group is not None:
            row = result.setdefault(group, ContactFigures())
            row.mentored, row.overdue, row.without_contact = mentored, overdue, silent
    return result


def _now_statement(key, today: date):
    """Per ``key``: learners on roll ``today`` with a mentor, those with a check-in overdue, and those without
    contact (with a mentor or not)."""
    return (
        select(
            key,
            func.count(func.distinct(MentorAssignment.learner_id)),
            func.count(func.distinct(MentorAssignment.learner_id)).filter(overdue_filter(today)),
            func.count(func.distinct(Learner.id)).filter(without_contact_filter(today)),
        )
        .select_from(Learner)
        .outerjoin(MentorAssignment, current_mentor_join())
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(_on_roll(today))
        .group_by(key)
    )


def rebuild_contact_summary(today: date, now: datetime) -> None:
    """Recount the summaries the overview reads (:class:`ContactDay`, :class:`ContactNow`) from the check-ins and
    learners, in the database (two INSERT ... SELECTs, whatever the size of the academy)."""
    db.session.execute(delete(ContactDay))
    db.session.execute(
        insert(ContactDay).from_select(
            ["locality_id", "day", "check_ins", "on_time", "late", "days_late"],
            select(
                Learner.locality_id,
                CheckIn.contact_on,
                func.count(),
                func.count().filter(CheckIn.days_late == 0),
                func.count().filter(CheckIn.days_late > 0),
                func.coalesce(func.sum(CheckIn.days_late), 0),
            )
            .join(Learner, Learner.id == CheckIn.learner_id)
            .where(
                CheckIn.contact_made.is_(True),
                CheckIn.days_late.is_not(None),
                CheckIn.contact_on.is_not(None),
                Learner.locality_id.is_not(None),
            )
            .group_by(Learner.locality_id, CheckIn.contact_on),
        )
    )
    db.session.execute(delete(ContactNow))
    counted = _now_statement(Enrolment.locality_id, today).subquery()
    db.session.execute(
        insert(ContactNow).from_select(
            ["locality_id", "counted_on", "rebuilt_at", "mentored", "overdue", "without_contact"],
            select(
                counted.c[0],
                literal(today, Date),
                literal(now, ContactNow.__table__.c.rebuilt_at.type),
                counted.c[1],
                counted.c[2],
                counted.c[3],
            ).where(counted.c[0].is_not(None)),
        )
    )
    db.session.flush()
