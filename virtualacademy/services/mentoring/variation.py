"""The variation report: per mentor and per locality, how punctual check-ins were over a period."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import CheckIn, Learner, Locality, MentorAssignment, MentorProfile, User
from virtualacademy.models.mentoring import DEFAULT_CASELOAD_LIMIT
from virtualacademy.services.mentoring.contact import ContactState, _london_date, contact_states

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


@dataclass
class VariationRow:
    """One mentor's or locality's figures. ``check_ins``, ``on_time`` and ``late_days`` are about the same
    check-ins (those made in the period), so they always agree: every check-in is either on time or late by some
    days. ``overdue_at_end`` and ``without_contact`` are about the learners on the period's last day."""

    name: str
    check_ins: int = 0
    on_time: int = 0
    #: How many days late each late check-in in the period was (one entry per late check-in).
    late_days: list[int] = field(default_factory=list)
    #: Learners whose next check-in was overdue on the last day of the period.
    overdue_at_end: int = 0
    without_contact: int = 0
    caseload: int = 0
    limit: int | None = None
    wellbeing: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])  # scores 1..5

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.on_time / self.check_ins) if self.check_ins else None

    @property
    def average_days_late(self) -> float | None:
        """Of the check-ins made late, how many days late on average (None when none was late)."""
        return round(sum(self.late_days) / len(self.late_days), 1) if self.late_days else None


@dataclass
class VariationReport:
    start: date
    end: date
    mentors: list[VariationRow]
    localities: list[VariationRow]


def variation_report(start: date, end: date, locality_ids: list[int] | None = None) -> VariationReport:
    """Per mentor and per locality, for check-ins made from ``start`` to ``end`` (London days): the share made
    on time (on or before the day they were due) and, of those made late, how many days late on average; and, on
    ``end``, the learners whose check-in was overdue, those without contact for more than 14 days, caseload
    against limit; and the wellbeing scores recorded."""
    if end < start:
        raise ValidationError("The end of the period must be on or after its start", field="end")
    states = contact_states(end)
    learner_locality = dict(db.session.execute(select(Learner.id, Learner.locality_id)).all())
    if locality_ids is not None:
        states = [s for s in states if learner_locality.get(s.learner_id) in locality_ids]
    starts = dict(
        db.session.execute(
            select(MentorAssignment.learner_id, MentorAssignment.starts_on).where(MentorAssignment.ends_on.is_(None))
        ).all()
    )
    contacts = _contacts_made(locality_ids)
    mentors = _mentor_rows(states)
    locality_names = dict(db.session.execute(select(Locality.id, Locality.name)).all())
    places: dict[int | None, VariationRow] = {}
    for s in states:
        loc = learner_locality.get(s.learner_id)
        rows = [mentors[s.mentor_id], places.setdefault(loc, VariationRow(locality_names.get(loc, "No locality")))]
        _count_at_end(rows, s, starts.get(s.learner_id), end)
        _count_check_ins(rows, s, starts.get(s.learner_id), contacts.get(s.learner_id, []), start, end)
    return VariationReport(
        start,
        end,
        sorted(mentors.values(), key=lambda r: r.name),
        sorted(places.values(), key=lambda r: r.name),
    )


def _contacts_made(locality_ids: list[int] | None) -> dict[int, list[tuple[date, int | None, int | None]]]:
    """Each currently mentored learner's contacts made, oldest first: (London day, wellbeing, mentor id)."""
    # The learners with a current mentor (in these localities), read by the database: at national size they are
    # over 100,000, far more ids than one statement may bind.
    mentored = select(MentorAssignment.learner_id).where(MentorAssignment.ends_on.is_(None))
    if locality_ids is not None:
        mentored = mentored.where(
            MentorAssignment.learner_id.in_(select(Learner.id).where(Learner.locality_id.in_(locality_ids)))
        )
    contacts: dict[int, list[tuple[date, int | None, int | None]]] = defaultdict(list)
    for learner_id, occurred_at, wellbeing, mentor_id in db.session.execute(
        select(CheckIn.learner_id, CheckIn.occurred_at, CheckIn.wellbeing, CheckIn.mentor_id)
        .where(CheckIn.learner_id.in_(mentored), CheckIn.contact_made.is_(True))
        .order_by(CheckIn.learner_id, CheckIn.occurred_at)
    ):
        contacts[learner_id].append((_london_date(occurred_at), wellbeing, mentor_id))
    return contacts


def _mentor_rows(states: list[ContactState]) -> dict[int, VariationRow]:
    """An empty row for each mentor of these learners, with their name and caseload limit."""
    mentor_ids = sorted({s.mentor_id for s in states})
    names = dict(
        db.session.execute(
            select(User.id, User.name).where(
                User.id.in_(select(MentorAssignment.mentor_id).where(MentorAssignment.ends_on.is_(None)))
            )
        ).all()
    )
    limits = {p.user_id: p.caseload_limit for p in db.session.scalars(select(MentorProfile))}
    return {m: VariationRow(names.get(m, "Unknown"), limit=limits.get(m, DEFAULT_CASELOAD_LIMIT)) for m in mentor_ids}


def _count_at_end(rows: list[VariationRow], s: ContactState, assigned_on: date | None, end: date) -> None:
    """The learner in the caseload, overdue and without-contact counts of their mentor's and locality's rows."""
    for row in rows:
        row.caseload += 1
        row.overdue_at_end += 1 if s.days_overdue > 0 else 0
        # No contact for more than 14 days: counted from the last contact, or from when this mentor
        # started if there has been none (a learner assigned three days ago is not "without contact").
        if without_contact(s.last_contact or assigned_on, end):
            row.without_contact += 1


def _count_check_ins(
    rows: list[VariationRow],
    s: ContactState,
    assigned_on: date | None,
    contacts: list[tuple[date, int | None, int | None]],
    start: date,
    end: date,
) -> None:
    """The learner's check-ins made in the period, each on time or so many days late, and their wellbeing."""
    # As in contact_states: the first contact is due the day the mentor starts, each later one a
    # cadence after the last contact.
    last = None
    for day, wellbeing, _mentor in contacts:
        due = last + timedelta(days=s.cadence) if last is not None and last >= assigned_on else assigned_on
        if start <= day <= end:
            late = max((day - due).days, 0)
            for row in rows:
                row.check_ins += 1
                if late:
                    row.late_days.append(late)
                else:
                    row.on_time += 1
                if wellbeing:
                    row.wellbeing[wellbeing - 1] += 1
        last = day
