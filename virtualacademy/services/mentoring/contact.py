"""Contact status: when each learner's next check-in is due, and a mentor's caseload sorted by it."""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import (
    AgreedAction,
    CheckIn,
    Enrolment,
    EnrolmentStatus,
    Learner,
    LearnerSupport,
    MentorAssignment,
    SupportLevel,
    User,
)
from virtualacademy.services.mentoring.cadence import cadence_defaults

LONDON = clock.LONDON
#: "Due soon": due within this many days.
DUE_SOON_DAYS = 2


class ContactStatus(enum.StrEnum):
    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    DUE_SOON = "due_soon"
    ON_TRACK = "on_track"
    #: Enrolled from a day still to come: nothing is due before they start.
    NOT_STARTED = "not_started"


CONTACT_STATUS_LABELS = {
    ContactStatus.OVERDUE: "Overdue",
    ContactStatus.DUE_TODAY: "Due today",
    ContactStatus.DUE_SOON: "Due soon",
    ContactStatus.ON_TRACK: "On track",
    ContactStatus.NOT_STARTED: "Not started yet",
}


@dataclass
class ContactState:
    learner_id: int
    mentor_id: int
    last_contact: date | None
    cadence: int
    due_on: date
    today: date
    #: The day the learner's enrolment starts, when that is after today (None once they are on roll).
    starts_on: date | None = None

    @property
    def days_overdue(self) -> int:
        return max(0, (self.today - self.due_on).days)

    @property
    def status(self) -> ContactStatus:
        if self.starts_on is not None:
            return ContactStatus.NOT_STARTED
        if self.due_on < self.today:
            return ContactStatus.OVERDUE
        if self.due_on == self.today:
            return ContactStatus.DUE_TODAY
        if (self.due_on - self.today).days <= DUE_SOON_DAYS:
            return ContactStatus.DUE_SOON
        return ContactStatus.ON_TRACK

    @property
    def escalate(self) -> bool:
        """Overdue by more than one full cadence (the threshold is configurable)."""
        cadences = current_app.config.get("CHECKIN_ESCALATE_AFTER_CADENCES", 1)
        return self.days_overdue > self.cadence * cadences


def _london_date(value) -> date | None:
    """The London calendar day of a stored UTC time. ``max()`` over a column comes back untyped on
    SQLite (text), so it is parsed here."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LONDON).date()


def contact_states(
    today: date, mentor_ids: list[int] | None = None, learner_ids: list[int] | None = None
) -> list[ContactState]:
    """Contact status of every learner with a current mentor (optionally narrowed), in a fixed number of queries.

    The next check-in is due one cadence after the last contact made, or on the day the mentor started if
    there has been no contact since; for a learner whose enrolment starts after ``today``, nothing is due
    before that day.
    """
    # The learners asked about (the mentors' current caseloads, or the learners named).
    assigned = select(MentorAssignment.learner_id).where(MentorAssignment.ends_on.is_(None))
    if mentor_ids is not None:
        assigned = assigned.where(MentorAssignment.mentor_id.in_(mentor_ids))
    if learner_ids is not None:
        assigned = assigned.where(MentorAssignment.learner_id.in_(learner_ids))
    starting = select(Enrolment.learner_id, func.max(Enrolment.start_date).label("start_date")).where(
        Enrolment.status == EnrolmentStatus.ENROLLED
    )
    if mentor_ids is not None or learner_ids is not None:
        # A caseload's few learners' enrolments, never every enrolment grouped before the join.
        starting = starting.where(Enrolment.learner_id.in_(assigned))
    starting = starting.group_by(Enrolment.learner_id).subquery()
    stmt = (
        select(
            MentorAssignment.learner_id,
            MentorAssignment.mentor_id,
            MentorAssignment.starts_on,
            LearnerSupport.level,
            LearnerSupport.override_days,
            starting.c.start_date.label("enrolled_from"),
        )
        .outerjoin(LearnerSupport, LearnerSupport.learner_id == MentorAssignment.learner_id)
        .outerjoin(starting, starting.c.learner_id == MentorAssignment.learner_id)
        .where(MentorAssignment.ends_on.is_(None))
    )
    if mentor_ids is not None:
        stmt = stmt.where(MentorAssignment.mentor_id.in_(mentor_ids))
    if learner_ids is not None:
        stmt = stmt.where(MentorAssignment.learner_id.in_(learner_ids))
    rows = db.session.execute(stmt).all()
    last_stmt = (
        select(CheckIn.learner_id, func.max(CheckIn.occurred_at))
        .where(CheckIn.contact_made.is_(True))
        .group_by(CheckIn.learner_id)
    )
    if mentor_ids is not None or learner_ids is not None:
        # The same learners as ``rows``, read by the database (never a list of their ids).
        last_stmt = last_stmt.where(CheckIn.learner_id.in_(assigned))
    last = {lid: at for lid, at in db.session.execute(last_stmt)}
    defaults = cadence_defaults()
    states = []
    for r in rows:
        cadence = r.override_days or defaults[r.level or SupportLevel.STANDARD]
        last_day = _london_date(last.get(r.learner_id))
        due = last_day + timedelta(days=cadence) if last_day and last_day >= r.starts_on else r.starts_on
        if r.enrolled_from is not None:
            due = max(due, r.enrolled_from)  # nothing is due before the enrolment starts
        later = r.enrolled_from if r.enrolled_from is not None and r.enrolled_from > today else None
        states.append(ContactState(r.learner_id, r.mentor_id, last_day, cadence, due, today, later))
    return states


@dataclass
class CaseloadRow:
    learner: Learner
    state: ContactState
    wellbeing: list[int] = field(default_factory=list)  # oldest first, at most five
    open_actions: int = 0


STATUS_ORDER = {
    ContactStatus.OVERDUE: 0,
    ContactStatus.DUE_TODAY: 1,
    ContactStatus.DUE_SOON: 2,
    ContactStatus.ON_TRACK: 3,
    ContactStatus.NOT_STARTED: 4,
}


def caseload(mentor: User, today: date, status: ContactStatus | None = None) -> list[CaseloadRow]:
    states = contact_states(today, mentor_ids=[mentor.id])
    # The caseload's learners, read by the database (never a list of their ids).
    ids = select(MentorAssignment.learner_id).where(
        MentorAssignment.mentor_id == mentor.id, MentorAssignment.ends_on.is_(None)
    )
    learners = {lr.id: lr for lr in db.session.scalars(select(Learner).where(Learner.id.in_(ids)))}
    trends: dict[int, list[int]] = defaultdict(list)
    ranked = (
        select(
            CheckIn.learner_id,
            CheckIn.wellbeing,
            func.row_number()
            .over(partition_by=CheckIn.learner_id, order_by=(CheckIn.occurred_at.desc(), CheckIn.id.desc()))
            .label("n"),
        )
        .where(CheckIn.learner_id.in_(ids), CheckIn.wellbeing.is_not(None))
        .subquery()
    )
    for learner_id, score, _n in db.session.execute(
        select(ranked).where(ranked.c.n <= 5).order_by(ranked.c.learner_id, ranked.c.n.desc())
    ):
        trends[learner_id].append(score)
    actions = dict(
        db.session.execute(
            select(AgreedAction.learner_id, func.count())
            .where(AgreedAction.learner_id.in_(ids), AgreedAction.closed_at.is_(None))
            .group_by(AgreedAction.learner_id)
        ).all()
    )
    rows = [
        CaseloadRow(learners[s.learner_id], s, trends.get(s.learner_id, []), actions.get(s.learner_id, 0))
        for s in states
        if s.learner_id in learners
    ]
    if status is not None:
        rows = [r for r in rows if r.state.status is status]
    rows.sort(key=lambda r: (STATUS_ORDER[r.state.status], -r.state.days_overdue, r.state.due_on, r.learner.legal_name))
    return rows


def family_contact_summary(learner: Learner, today: date) -> tuple[date | None, date | None]:
    """(last check-in, next due) as the family sees them: dates only."""
    states = contact_states(today, learner_ids=[learner.id])
    if not states:
        return None, None
    return states[0].last_contact, states[0].due_on
