"""Caseloads: mentors' limits and sizes, choosing and assigning a learner's mentor, and learners still without
one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, exists, func, select

from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    Enrolment,
    Learner,
    LocalityRole,
    LocalityStaff,
    MentorAssignment,
    MentorProfile,
    Role,
    User,
    UserRole,
)
from virtualacademy.models.mentoring import DEFAULT_CASELOAD_LIMIT
from virtualacademy.services import audit, notifications
from virtualacademy.services.localities import on_roll_or_starting_filter
from virtualacademy.services.mentoring.relations import MANAGES, current_assignment, require


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


#: The most mentors the assign page offers at once: a search by name finds the others.
MENTOR_CHOICES = 20
#: Mentors per page of the settings page's caseloads table.
MENTORS_PER_PAGE = 50


@dataclass
class MentorOption:
    mentor: User
    caseload: int
    limit: int
    in_locality: bool

    @property
    def spare(self) -> int:
        return self.limit - self.caseload


def caseloads_and_limits(mentor_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Each of a page of mentors' (caseload, limit) in one grouped statement (``mentor_ids``: the few shown)."""
    if not mentor_ids:
        return {}
    rows = db.session.execute(
        select(
            User.id,
            func.count(MentorAssignment.id),
            func.coalesce(MentorProfile.caseload_limit, DEFAULT_CASELOAD_LIMIT),
        )
        .outerjoin(MentorProfile, MentorProfile.user_id == User.id)
        .outerjoin(MentorAssignment, and_(MentorAssignment.mentor_id == User.id, MentorAssignment.ends_on.is_(None)))
        .where(User.id.in_(mentor_ids))
        .group_by(User.id, MentorProfile.caseload_limit)
    )
    return {mentor_id: (caseload, limit) for mentor_id, caseload, limit in rows}


def _name_contains(search: str):
    """Names containing ``search``, whatever the case; ``%`` and ``_`` are the characters themselves."""
    return User.name.icontains(search, autoescape=True)


def mentor_options(
    learner: Learner, search: str = "", *, limit: int = MENTOR_CHOICES, chosen_id: int | None = None
) -> tuple[list[MentorOption], bool]:
    """At most ``limit`` active mentors whose name contains ``search`` (any when empty): those in the learner's
    locality first, of those the ones with spare capacity first, then by name; and whether more match.

    ``chosen_id``, an active mentor already chosen on the form, is offered first whether or not they match, so
    re-displaying the form keeps the choice. Three statements, whatever the number of mentors."""
    search = " ".join((search or "").split())
    local = (
        select(LocalityStaff.user_id)
        .where(LocalityStaff.locality_id == learner.locality_id, LocalityStaff.role == LocalityRole.MENTOR)
        .subquery()
    )
    # Only the locality's few mentors' caseloads are counted (grouped on the mentor index), never the academy's
    # thousands: a correlated count per mentor made the planner expect thousands of counts (and compile the plan).
    local_caseloads = (
        select(MentorAssignment.mentor_id, func.count().label("size"))
        .where(MentorAssignment.ends_on.is_(None), MentorAssignment.mentor_id.in_(select(local.c.user_id)))
        .group_by(MentorAssignment.mentor_id)
        .subquery()
    )
    in_locality = local.c.user_id.is_not(None)
    full = and_(
        in_locality,
        func.coalesce(local_caseloads.c.size, 0) >= func.coalesce(MentorProfile.caseload_limit, DEFAULT_CASELOAD_LIMIT),
    )
    stmt = (
        select(User, in_locality)
        .join(UserRole, UserRole.user_id == User.id)
        .outerjoin(MentorProfile, MentorProfile.user_id == User.id)
        .outerjoin(local, local.c.user_id == User.id)
        .outerjoin(local_caseloads, local_caseloads.c.mentor_id == User.id)
        .where(UserRole.role == Role.MENTOR, User.active.is_(True))
    )
    matching = stmt.where(_name_contains(search)) if search else stmt
    if chosen_id is not None:
        matching = matching.where(User.id != chosen_id)
    rows = db.session.execute(
        matching.order_by(case((in_locality, 0), else_=1), case((full, 1), else_=0), User.name, User.id).limit(
            limit + 1
        )
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if chosen_id is not None:
        rows = db.session.execute(stmt.where(User.id == chosen_id)).all() + rows
    sizes = caseloads_and_limits([user.id for user, _is_local in rows])
    return [MentorOption(user, *sizes[user.id], bool(is_local)) for user, is_local in rows], more


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
    require(actor, learner, MANAGES, "Only an admin or the learner's locality coordinator can do this")
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


def unassigned_learners(today: date, locality_ids: list[int] | None = None):
    """A query of learners on roll today, or enrolled from a day still to come, without a current primary
    mentor (so a mentor can be arranged before they start)."""
    # A learner without an open assignment has no next check-in due (``contact_due_on``, kept in step with the
    # assignments by ``punctuality``), so the few learners without a due day, read by its index, are the only
    # ones to check against the one-open-assignment-per-learner index: never an anti-join of everyone on roll.
    has_mentor = exists().where(MentorAssignment.learner_id == Learner.id, MentorAssignment.ends_on.is_(None))
    stmt = (
        select(Learner)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(on_roll_or_starting_filter(today), Learner.contact_due_on.is_(None), ~has_mentor)
        .order_by(Enrolment.start_date, Learner.legal_name, Learner.id)
    )
    if locality_ids is not None:
        stmt = stmt.where(Enrolment.locality_id.in_(locality_ids))
    return stmt


@dataclass
class MentorSummary:
    mentor: User
    caseload: int
    limit: int


def mentor_summaries(search: str = ""):
    """A query of the people with the mentor role whose name contains ``search`` (every one when empty), by name:
    to paginate, then :func:`summaries_of` the page."""
    stmt = select(User).join(UserRole).where(UserRole.role == Role.MENTOR).order_by(User.name, User.id)
    search = " ".join((search or "").split())
    return stmt.where(_name_contains(search)) if search else stmt


def summaries_of(mentors: list[User]) -> list[MentorSummary]:
    """A page of mentors with their caseloads and limits (one statement)."""
    sizes = caseloads_and_limits([m.id for m in mentors])
    return [MentorSummary(m, *sizes[m.id]) for m in mentors]
