"""Caseloads: mentors' limits and sizes, choosing and assigning a learner's mentor, and learners still without
one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

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
