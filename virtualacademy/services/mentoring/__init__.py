"""Mentoring: caseloads, contact cadence, check-ins and agreed actions, other adults,
and the reminders and escalations the scheduler sends."""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.orm import lazyload

from virtualacademy import clock
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    ActionOwner,
    AgreedAction,
    CadenceDefault,
    CheckIn,
    ContactMethod,
    ContactWith,
    Enrolment,
    EnrolmentStatus,
    Learner,
    LearnerSupport,
    LocalityRole,
    LocalityStaff,
    MentorAssignment,
    MentorProfile,
    OtherAdult,
    OtherAdultRole,
    Role,
    SupportLevel,
    User,
    UserRole,
)
from virtualacademy.models.mentoring import DEFAULT_CASELOAD_LIMIT
from virtualacademy.services import audit, notifications
from virtualacademy.services.localities import on_roll_or_starting_filter

LONDON = clock.LONDON
#: Used when an admin has not changed them (and if the table is ever empty).
DEFAULT_CADENCE = {SupportLevel.STANDARD: 7, SupportLevel.ENHANCED: 3, SupportLevel.INTENSIVE: 1}
#: "Due soon": due within this many days.
DUE_SOON_DAYS = 2
#: A mentor keeps read-only access to a learner's records for this long after handing over.
HANDOVER_READ_DAYS = 30


# --- cadence ------------------------------------------------------------------------------


def cadence_defaults() -> dict[SupportLevel, int]:
    stored = {row.level: row.days for row in db.session.scalars(select(CadenceDefault))}
    return {level: stored.get(level, days) for level, days in DEFAULT_CADENCE.items()}


def set_cadence_defaults(actor: User, days: dict[SupportLevel, int]) -> None:
    for level, value in days.items():
        if not 1 <= int(value) <= 90:
            raise ValidationError("Each cadence must be between 1 and 90 days", field=level.value)
    for level, value in days.items():
        row = db.session.get(CadenceDefault, level)
        if row is None:
            db.session.add(CadenceDefault(level=level, days=int(value)))
        else:
            row.days = int(value)
    db.session.flush()
    audit.record("mentoring.cadence_defaults_changed", actor=actor, detail={k.value: int(v) for k, v in days.items()})


def support_of(learner: Learner) -> LearnerSupport:
    return db.session.get(LearnerSupport, learner.id) or LearnerSupport(
        learner_id=learner.id, level=SupportLevel.STANDARD
    )


def cadence_days(support: LearnerSupport, defaults: dict[SupportLevel, int] | None = None) -> int:
    if support.override_days:
        return support.override_days
    return (defaults or cadence_defaults())[support.level or SupportLevel.STANDARD]


def set_support(actor: User, learner: Learner, level: SupportLevel, override_days: int | None) -> None:
    _require_can_manage(actor, learner)
    if override_days is not None and not 1 <= override_days <= 90:
        raise ValidationError("An individual cadence must be between 1 and 90 days", field="override_days")
    support = db.session.get(LearnerSupport, learner.id)
    if support is None:
        support = LearnerSupport(learner_id=learner.id)
        db.session.add(support)
    support.level = level
    support.override_days = override_days
    db.session.flush()
    audit.record(
        "mentoring.support_changed",
        actor=actor,
        obj=learner,
        detail={"level": level.value, "override_days": override_days},
    )


# --- caseloads and assignment -----------------------------------------------------------------


def current_assignment(learner: Learner) -> MentorAssignment | None:
    return db.session.scalar(
        select(MentorAssignment).where(MentorAssignment.learner_id == learner.id, MentorAssignment.ends_on.is_(None))
    )


def current_mentor(learner: Learner) -> User | None:
    assignment = current_assignment(learner)
    return assignment.mentor if assignment else None


def caseload_limit(mentor: User) -> int:
    profile = db.session.get(MentorProfile, mentor.id)
    return profile.caseload_limit if profile else DEFAULT_CASELOAD_LIMIT


def set_caseload_limit(actor: User, mentor: User, limit: int) -> None:
    if not mentor.has_role(Role.MENTOR):
        raise ValidationError(f"{mentor.name} is not a mentor")
    if not 1 <= limit <= 200:
        raise ValidationError("A caseload limit must be between 1 and 200", field="caseload_limit")
    profile = db.session.get(MentorProfile, mentor.id)
    if profile is None:
        db.session.add(MentorProfile(user_id=mentor.id, caseload_limit=limit))
    else:
        profile.caseload_limit = limit
    db.session.flush()
    audit.record("mentoring.caseload_limit_changed", actor=actor, obj=mentor, detail={"limit": limit})


def caseload_sizes(mentor_ids: list[int] | None = None) -> dict[int, int]:
    """Each mentor's current number of learners (``mentor_ids``: a few mentors; None: every mentor)."""
    stmt = select(MentorAssignment.mentor_id, func.count()).where(MentorAssignment.ends_on.is_(None))
    if mentor_ids is not None:
        stmt = stmt.where(MentorAssignment.mentor_id.in_(mentor_ids))
    return dict(db.session.execute(stmt.group_by(MentorAssignment.mentor_id)).all())


def coordinates_locality(user: User, locality_id: int | None) -> bool:
    if locality_id is None:
        return False
    return (
        db.session.scalar(
            select(LocalityStaff.user_id).where(
                LocalityStaff.user_id == user.id,
                LocalityStaff.locality_id == locality_id,
                LocalityStaff.role == LocalityRole.COORDINATOR,
            )
        )
        is not None
    )


def _require_can_manage(actor: User, learner: Learner) -> None:
    if not (actor.has_role(Role.ADMIN) or coordinates_locality(actor, learner.locality_id)):
        raise NotAllowed("Only an admin or the learner's locality coordinator can do this")


@dataclass
class MentorOption:
    mentor: User
    caseload: int
    limit: int
    in_locality: bool

    @property
    def spare(self) -> int:
        return self.limit - self.caseload


def mentor_options(learner: Learner) -> list[MentorOption]:
    """Every active mentor; those in the learner's locality with spare capacity first."""
    mentors = list(
        db.session.scalars(
            select(User).join(UserRole).where(UserRole.role == Role.MENTOR, User.active.is_(True)).order_by(User.name)
        )
    )
    # Every mentor's caseload and limit, never a list of every mentor's id (8,000 at national size).
    sizes = caseload_sizes()
    limits = {p.user_id: p.caseload_limit for p in db.session.scalars(select(MentorProfile))}
    local = set(
        db.session.scalars(
            select(LocalityStaff.user_id).where(
                LocalityStaff.locality_id == learner.locality_id, LocalityStaff.role == LocalityRole.MENTOR
            )
        )
    )
    options = [
        MentorOption(m, sizes.get(m.id, 0), limits.get(m.id, DEFAULT_CASELOAD_LIMIT), m.id in local) for m in mentors
    ]
    options.sort(key=lambda o: (not o.in_locality, o.spare <= 0, -o.spare, o.mentor.name))
    return options


def assign(
    actor: User,
    learner: Learner,
    mentor: User,
    starts_on: date,
    handover_note: str | None = None,
    *,
    confirm_over_limit: bool = False,
) -> MentorAssignment:
    """Make ``mentor`` the learner's primary mentor from ``starts_on``, ending any current assignment."""
    _require_can_manage(actor, learner)
    if learner.current_enrolment is None:
        raise ValidationError(f"{learner.known_as} is not enrolled, so cannot be given a mentor", field="mentor_id")
    if not (mentor.active and mentor.has_role(Role.MENTOR)):
        raise ValidationError("Choose someone with the mentor role", field="mentor_id")
    current = current_assignment(learner)
    if current is not None and current.mentor_id == mentor.id:
        raise ValidationError(f"{mentor.name} is already {learner.known_as}'s mentor", field="mentor_id")
    if current is not None and starts_on < current.starts_on:
        raise ValidationError(
            f"The start date must be on or after {current.starts_on:%-d %B %Y}, when the current mentor started",
            field="starts_on",
        )
    size, limit = caseload_sizes([mentor.id]).get(mentor.id, 0), caseload_limit(mentor)
    if size >= limit and not confirm_over_limit:
        raise ValidationError(
            f"{mentor.name} already has {size} learner{'s' if size != 1 else ''}, their limit is {limit}. "
            "Tick the box to confirm you want to go over it.",
            field="confirm_over_limit",
        )
    if current is not None:
        current.ends_on = starts_on
        db.session.flush()
    assignment = MentorAssignment(
        learner_id=learner.id,
        mentor_id=mentor.id,
        starts_on=starts_on,
        handover_note=(handover_note or "").strip() or None,
        assigned_by_id=actor.id,
    )
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        "mentoring.assigned",
        actor=actor,
        obj=learner,
        detail={"mentor": mentor.id, "previous": current.mentor_id if current else None, "over_limit": size >= limit},
    )
    notifications.notify(
        mentor,
        f"assigned:{assignment.id}",
        "assignment",
        f"{learner.known_as} has joined your caseload",
        body="Read the handover note on their page." if assignment.handover_note else None,
        link=f"/caseload/learners/{learner.id}",
        email_template="notification",
    )
    return assignment


def managed_localities(user: User) -> list[int] | None:
    """None for an admin (every locality); otherwise the localities the user coordinates."""
    if user.has_role(Role.ADMIN):
        return None
    return list(
        db.session.scalars(
            select(LocalityStaff.locality_id).where(
                LocalityStaff.user_id == user.id, LocalityStaff.role == LocalityRole.COORDINATOR
            )
        )
    )


def unassigned_learners(today: date, locality_ids: list[int] | None = None):
    """A query of learners on roll today, or enrolled from a day still to come, without a current primary
    mentor (so a mentor can be arranged before they start)."""
    has_mentor = select(MentorAssignment.learner_id).where(MentorAssignment.ends_on.is_(None))
    stmt = (
        select(Learner)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(on_roll_or_starting_filter(today), Learner.id.not_in(has_mentor))
        .order_by(Enrolment.start_date, Learner.legal_name)
    )
    if locality_ids is not None:
        stmt = stmt.where(Enrolment.locality_id.in_(locality_ids))
    return stmt


# --- other adults -----------------------------------------------------------------------------


def add_other_adult(
    actor: User,
    learner: Learner,
    name: str,
    role: OtherAdultRole,
    organisation: str | None,
    starts_on: date,
    ends_on: date | None,
) -> OtherAdult:
    if not (
        actor.has_role(Role.ADMIN)
        or coordinates_locality(actor, learner.locality_id)
        or is_current_mentor(actor, learner)
    ):
        raise NotAllowed("Only the learner's mentor, coordinator or an admin can do this")
    name = (name or "").strip()
    if not name:
        raise ValidationError("Enter the person's name", field="name")
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError("The end date must be on or after the start date", field="ends_on")
    adult = OtherAdult(
        learner_id=learner.id,
        name=name,
        role=role,
        organisation=(organisation or "").strip() or None,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    db.session.add(adult)
    db.session.flush()
    audit.record("mentoring.other_adult_added", actor=actor, obj=learner, detail={"role": role.value})
    return adult


def other_adults(learner: Learner) -> list[OtherAdult]:
    return list(
        db.session.scalars(
            select(OtherAdult).where(OtherAdult.learner_id == learner.id).order_by(OtherAdult.starts_on.desc())
        )
    )


# --- check-ins -----------------------------------------------------------------------------------


def is_current_mentor(user: User, learner: Learner) -> bool:
    return (
        db.session.scalar(
            select(MentorAssignment.id).where(
                MentorAssignment.learner_id == learner.id,
                MentorAssignment.mentor_id == user.id,
                MentorAssignment.ends_on.is_(None),
            )
        )
        is not None
    )


def was_recent_mentor(user: User, learner: Learner, today: date) -> bool:
    """Handed over within HANDOVER_READ_DAYS: may still read, not write."""
    return (
        db.session.scalar(
            select(MentorAssignment.id).where(
                MentorAssignment.learner_id == learner.id,
                MentorAssignment.mentor_id == user.id,
                MentorAssignment.ends_on.is_not(None),
                MentorAssignment.ends_on > today - timedelta(days=HANDOVER_READ_DAYS),
            )
        )
        is not None
    )


@dataclass
class ActionInput:
    text: str
    owner: ActionOwner
    due_on: date | None = None


def record_check_in(
    actor: User,
    learner: Learner,
    *,
    occurred_at: datetime,
    method: ContactMethod,
    with_whom: ContactWith,
    contact_made: bool,
    wellbeing: int | None = None,
    engagement: int | None = None,
    notes: str | None = None,
    actions: list[ActionInput] | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """Record a contact (or an attempt). A very low or sharply falling wellbeing score alerts the mentor."""
    now = now or clock.now()
    if not (
        is_current_mentor(actor, learner)
        or actor.has_role(Role.ADMIN)
        or coordinates_locality(actor, learner.locality_id)
    ):
        raise NotAllowed("Only the learner's mentor, coordinator or an admin can record a check-in")
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    if occurred_at > now + timedelta(minutes=5):
        raise ValidationError("A check-in cannot be in the future", field="occurred_on")
    for name, value in (("wellbeing", wellbeing), ("engagement", engagement)):
        if value is not None and not 1 <= int(value) <= 5:
            raise ValidationError(f"{name.capitalize()} must be a score from 1 to 5", field=name)
    if not contact_made and (wellbeing is not None or engagement is not None):
        raise ValidationError("Scores can only be recorded when contact was made", field="wellbeing")
    previous = last_wellbeing(learner, before=occurred_at)
    check_in = CheckIn(
        learner_id=learner.id,
        mentor_id=actor.id,
        occurred_at=occurred_at,
        method=method,
        with_whom=with_whom,
        contact_made=contact_made,
        wellbeing=wellbeing,
        engagement=engagement,
        notes=(notes or "").strip() or None,
    )
    db.session.add(check_in)
    db.session.flush()
    for item in actions or []:
        text = (item.text or "").strip()
        if not text:
            continue
        db.session.add(
            AgreedAction(
                learner_id=learner.id, check_in_id=check_in.id, text=text, owner=item.owner, due_on=item.due_on
            )
        )
    db.session.flush()
    audit.record(
        "mentoring.check_in_recorded",
        actor=actor,
        obj=learner,
        detail={"check_in": check_in.id, "contact_made": contact_made},
    )
    if wellbeing is not None and (wellbeing == 1 or (previous is not None and previous - wellbeing >= 2)):
        mentor = current_mentor(learner) or actor
        reason = "a wellbeing score of 1" if wellbeing == 1 else f"wellbeing down from {previous} to {wellbeing}"
        notifications.notify(
            mentor,
            f"wellbeing:{check_in.id}",
            "wellbeing",
            f"Wellbeing alert for {learner.known_as}",
            body=f"The check-in on {occurred_at.astimezone(LONDON):%-d %B} recorded {reason}.",
            link=f"/caseload/learners/{learner.id}",
            email_template="notification",
        )
    return check_in


def last_wellbeing(learner: Learner, before: datetime | None = None) -> int | None:
    """The latest wellbeing score (before ``before``, so a back-dated check-in compares with its past)."""
    stmt = select(CheckIn.wellbeing).where(CheckIn.learner_id == learner.id, CheckIn.wellbeing.is_not(None))
    if before is not None:
        stmt = stmt.where(CheckIn.occurred_at < before)
    return db.session.scalar(stmt.order_by(CheckIn.occurred_at.desc(), CheckIn.id.desc()).limit(1))


def close_action(actor: User, action: AgreedAction) -> None:
    learner = db.session.get(Learner, action.learner_id)
    if not (
        is_current_mentor(actor, learner)
        or actor.has_role(Role.ADMIN)
        or coordinates_locality(actor, learner.locality_id)
    ):
        raise NotAllowed("Only the learner's mentor, coordinator or an admin can close an action")
    if action.closed_at is not None:
        raise ValidationError("This action is already closed")
    action.closed_at = clock.now()
    action.closed_by_id = actor.id
    audit.record("mentoring.action_closed", actor=actor, obj=learner, detail={"action": action.id})


def chronology(learner: Learner) -> list[CheckIn]:
    return list(
        db.session.scalars(
            select(CheckIn)
            .where(CheckIn.learner_id == learner.id)
            .order_by(CheckIn.occurred_at.desc(), CheckIn.id.desc())
        )
    )


def open_actions(learner: Learner, owners: tuple[ActionOwner, ...] | None = None) -> list[AgreedAction]:
    stmt = select(AgreedAction).where(AgreedAction.learner_id == learner.id, AgreedAction.closed_at.is_(None))
    if owners:
        stmt = stmt.where(AgreedAction.owner.in_(owners))
    return list(db.session.scalars(stmt.order_by(AgreedAction.due_on.is_(None), AgreedAction.due_on, AgreedAction.id)))


# --- contact status ---------------------------------------------------------------------------------


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
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(LONDON).date()


def contact_states(
    today: date, mentor_ids: list[int] | None = None, learner_ids: list[int] | None = None
) -> list[ContactState]:
    """Contact status of every learner with a current mentor (optionally narrowed), in a fixed number of queries.

    The next check-in is due one cadence after the last contact made, or on the day the mentor started if
    there has been no contact since; for a learner whose enrolment starts after ``today``, nothing is due
    before that day.
    """
    starting = (
        select(Enrolment.learner_id, func.max(Enrolment.start_date).label("start_date"))
        .where(Enrolment.status == EnrolmentStatus.ENROLLED)
        .group_by(Enrolment.learner_id)
        .subquery()
    )
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
        narrowed = select(MentorAssignment.learner_id).where(MentorAssignment.ends_on.is_(None))
        if mentor_ids is not None:
            narrowed = narrowed.where(MentorAssignment.mentor_id.in_(mentor_ids))
        if learner_ids is not None:
            narrowed = narrowed.where(MentorAssignment.learner_id.in_(learner_ids))
        last_stmt = last_stmt.where(CheckIn.learner_id.in_(narrowed))
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


# --- reminders and escalations (the scheduler job) ------------------------------------------------


@dataclass
class ReminderReport:
    digests: int = 0
    #: Escalation notifications (one per learner per person told) ...
    escalations: int = 0
    #: ... and the emails gathering them: one per person a day.
    escalation_emails: int = 0
    skipped_weekend: bool = False
    too_early: bool = False


def send_reminders(now: datetime | None = None) -> ReminderReport:
    """Level-triggered: for today (London), one digest per mentor with due or overdue check-ins, and an
    escalation per learner overdue by more than a cadence, to their coordinator(s) and the admins: in the app one
    notification per learner, by email one digest per person a day. Unique keys make a re-run send nothing
    twice."""
    now = now or clock.now()
    today = clock.today(now)
    report = ReminderReport()
    if current_app.config.get("CHECKIN_SKIP_WEEKENDS", True) and today.weekday() >= 5:
        report.skipped_weekend = True
        return report
    hour, minute = (int(p) for p in current_app.config.get("CHECKIN_REMINDER_TIME", "07:30").split(":"))
    if now.astimezone(LONDON).time() < time(hour, minute):
        report.too_early = True  # today's digest is not due yet (a restarted scheduler runs every job at once)
        return report
    states = [s for s in contact_states(today) if s.status in (ContactStatus.OVERDUE, ContactStatus.DUE_TODAY)]
    if not states:
        return report
    # A fixed number of statements however many learners and mentors: every lookup below is one query
    # (none takes a list of ids, which could run to tens of thousands), and notify_many writes all
    # the notifications and their emails at once.
    current = MentorAssignment.ends_on.is_(None)
    names, locality_of = {}, {}
    for learner_id, legal, preferred, locality_id in db.session.execute(
        select(Learner.id, Learner.legal_name, Learner.preferred_name, Learner.locality_id).join(
            MentorAssignment, and_(MentorAssignment.learner_id == Learner.id, current)
        )
    ):
        names[learner_id] = preferred or legal.split()[0]
        locality_of[learner_id] = locality_id
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User)
            .where(User.id.in_(select(MentorAssignment.mentor_id).where(current)))
            .options(lazyload(User.role_links))
        )
    }
    by_mentor: dict[int, list[ContactState]] = defaultdict(list)
    for s in states:
        by_mentor[s.mentor_id].append(s)
    notices, escalation_lines = [], {}
    for mentor_id, items in by_mentor.items():
        mentor = users.get(mentor_id)
        if mentor is None or not mentor.active:
            continue
        items.sort(key=lambda s: (-s.days_overdue, names[s.learner_id]))
        lines = [
            f"- {names[s.learner_id]}: "
            + (
                f"overdue by {s.days_overdue} day{'s' if s.days_overdue != 1 else ''}"
                if s.days_overdue
                else "due today"
            )
            for s in items
        ]
        notices.append(
            notifications.Notice(
                mentor,
                f"checkin-digest:{mentor_id}:{today.isoformat()}",
                "checkin_digest",
                f"{len(items)} check-in{'s' if len(items) != 1 else ''} due or overdue",
                body="\n".join(lines),
                link="/caseload",
                email_template="notification",
            )
        )
    to_escalate = [s for s in states if s.escalate]
    if to_escalate:
        admins = list(
            db.session.scalars(
                select(User)
                .join(UserRole)
                .where(UserRole.role == Role.ADMIN, User.active.is_(True))
                .options(lazyload(User.role_links))
            )
        )
        coordinators: dict[int, list[User]] = defaultdict(list)
        for locality_id, user in db.session.execute(
            select(LocalityStaff.locality_id, User)
            .join(User, User.id == LocalityStaff.user_id)
            .where(LocalityStaff.role == LocalityRole.COORDINATOR, User.active.is_(True))
            .options(lazyload(User.role_links))
        ):
            coordinators[locality_id].append(user)
        mentor_names = {m.id: m.name for m in users.values()}
        for s in to_escalate:
            recipients = {u.id: u for u in coordinators.get(locality_of[s.learner_id], []) + admins}
            mentor_name = mentor_names.get(s.mentor_id, "unknown")
            for user in recipients.values():
                key = f"checkin-escalation:{s.learner_id}:{s.due_on.isoformat()}:{user.id}"
                escalation_lines[key] = (
                    -s.days_overdue,
                    names[s.learner_id],
                    f"{names[s.learner_id]} (mentor {mentor_name}): due {s.due_on:%-d %B %Y}, "
                    f"overdue by {s.days_overdue} days",
                )
                # In the app, one each; by email, one digest per person a day (below).
                notices.append(
                    notifications.Notice(
                        user,
                        key,
                        "checkin_escalation",
                        f"Check-in overdue by {s.days_overdue} days for {names[s.learner_id]}",
                        body=f"Mentor: {mentor_name}. The check-in was due on "
                        f"{s.due_on:%-d %B %Y} (every {s.cadence} day{'s' if s.cadence != 1 else ''}).",
                        link=f"/caseload/learners/{s.learner_id}",
                    )
                )
    escalated: dict[int, list[notifications.Notice]] = defaultdict(list)
    for notice in notifications.notify_many(notices):
        if notice.kind == "checkin_digest":
            report.digests += 1
        else:
            report.escalations += 1
            escalated[notice.user.id].append(notice)
    digests = []
    for items in escalated.values():
        count, user = len(items), items[0].user
        digests.append(
            notifications.Digest(
                user,
                f"checkin-escalation-digest:{user.id}:{today.isoformat()}",
                f"Check-ins overdue by more than a cadence: {count} learner{'s' if count != 1 else ''}",
                f"{'One learner has' if count == 1 else f'{count} learners have'} gone more than a full cadence "
                "past their check-in, the longest overdue first:",
                [line for *_, line in sorted(escalation_lines[n.key] for n in items)],
                link="/notifications/",
                outro="Each is also in your notifications, linking to the learner's contact history:",
            )
        )
    report.escalation_emails = notifications.email_digests(digests)
    return report


@dataclass
class MentorSummary:
    mentor: User
    caseload: int
    limit: int


def mentor_summaries() -> list[MentorSummary]:
    mentors = list(
        db.session.scalars(select(User).join(UserRole).where(UserRole.role == Role.MENTOR).order_by(User.name))
    )
    sizes = caseload_sizes()  # every mentor's, never a list of every mentor's id
    limits = {p.user_id: p.caseload_limit for p in db.session.scalars(select(MentorProfile))}
    return [MentorSummary(m, sizes.get(m.id, 0), limits.get(m.id, DEFAULT_CASELOAD_LIMIT)) for m in mentors]


# --- variation report --------------------------------------------------------------------------

#: "Without contact" in the report: no contact made for more than this many days.
NO_CONTACT_DAYS = 14


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
    from virtualacademy.models import Locality

    states = contact_states(end)
    learner_locality = dict(db.session.execute(select(Learner.id, Learner.locality_id)).all())
    if locality_ids is not None:
        states = [s for s in states if learner_locality.get(s.learner_id) in locality_ids]
    # The learners with a current mentor (in these localities), read by the database: at national size they are
    # over 100,000, far more ids than one statement may bind.
    mentored = select(MentorAssignment.learner_id).where(MentorAssignment.ends_on.is_(None))
    if locality_ids is not None:
        mentored = mentored.where(
            MentorAssignment.learner_id.in_(select(Learner.id).where(Learner.locality_id.in_(locality_ids)))
        )
    starts = dict(
        db.session.execute(
            select(MentorAssignment.learner_id, MentorAssignment.starts_on).where(MentorAssignment.ends_on.is_(None))
        ).all()
    )
    contacts: dict[int, list[tuple[date, int | None, int | None]]] = defaultdict(list)
    for learner_id, occurred_at, wellbeing, mentor_id in db.session.execute(
        select(CheckIn.learner_id, CheckIn.occurred_at, CheckIn.wellbeing, CheckIn.mentor_id)
        .where(CheckIn.learner_id.in_(mentored), CheckIn.contact_made.is_(True))
        .order_by(CheckIn.learner_id, CheckIn.occurred_at)
    ):
        contacts[learner_id].append((_london_date(occurred_at), wellbeing, mentor_id))

    mentor_ids = sorted({s.mentor_id for s in states})
    names = dict(
        db.session.execute(
            select(User.id, User.name).where(
                User.id.in_(select(MentorAssignment.mentor_id).where(MentorAssignment.ends_on.is_(None)))
            )
        ).all()
    )
    limits = {p.user_id: p.caseload_limit for p in db.session.scalars(select(MentorProfile))}
    locality_names = dict(db.session.execute(select(Locality.id, Locality.name)).all())
    mentors = {
        m: VariationRow(names.get(m, "Unknown"), limit=limits.get(m, DEFAULT_CASELOAD_LIMIT)) for m in mentor_ids
    }
    places: dict[int | None, VariationRow] = {}

    for s in states:
        rows = [mentors[s.mentor_id]]
        loc = learner_locality.get(s.learner_id)
        rows.append(places.setdefault(loc, VariationRow(locality_names.get(loc, "No locality"))))
        for row in rows:
            row.caseload += 1
            row.overdue_at_end += 1 if s.days_overdue > 0 else 0
            # No contact for more than 14 days: counted from the last contact, or from when this mentor
            # started if there has been none (a learner assigned three days ago is not "without contact").
            since = s.last_contact or starts.get(s.learner_id)
            if since is None or (end - since).days > NO_CONTACT_DAYS:
                row.without_contact += 1
        # As in contact_states: the first contact is due the day the mentor starts, each later one a
        # cadence after the last contact.
        assigned_on = starts.get(s.learner_id)
        last = None
        for day, wellbeing, _mentor in contacts.get(s.learner_id, []):
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
    return VariationReport(
        start,
        end,
        sorted(mentors.values(), key=lambda r: r.name),
        sorted(places.values(), key=lambda r: r.name),
    )
