"""How a user stands to a learner in mentoring: the learner's current mentor (and whether a user is it, or was it
lately), and the locality coordinators who manage them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from virtualacademy.errors import NotAllowed
from virtualacademy.extensions import db
from virtualacademy.models import Learner, LocalityRole, LocalityStaff, MentorAssignment, Role, User

#: A mentor keeps read-only access to a learner's records for this long after handing over.
HANDOVER_READ_DAYS = 30


def current_assignment(learner: Learner) -> MentorAssignment | None:
    return db.session.scalar(
        select(MentorAssignment).where(MentorAssignment.learner_id == learner.id, MentorAssignment.ends_on.is_(None))
    )


def current_mentor(learner: Learner) -> User | None:
    assignment = current_assignment(learner)
    return assignment.mentor if assignment else None


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
