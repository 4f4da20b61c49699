"""How a user is related to a learner."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select

from virtualacademy.extensions import db
from virtualacademy.models import Guardian, LocalityRole, LocalityStaff, MentorAssignment, Role, User


def guardian_of_family(user: User, family_id: int) -> bool:
    return (
        db.session.scalar(
            select(Guardian.id).where(Guardian.family_id == family_id, Guardian.user_id == user.id).limit(1)
        )
        is not None
    )


def coordinates(user: User, locality_id: int | None) -> bool:
    if locality_id is None or not user.has_role(Role.COORDINATOR):
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


def mentors(user: User, learner_id: int, *, recently: bool) -> bool:
    """The learner's current mentor, or (``recently``) one who handed over in the last 30 days."""
    if not user.has_role(Role.MENTOR):
        return False
    from virtualacademy import clock
    from virtualacademy.services.mentoring import HANDOVER_READ_DAYS

    stmt = select(MentorAssignment.id).where(
        MentorAssignment.learner_id == learner_id, MentorAssignment.mentor_id == user.id
    )
    if recently:
        cutoff = clock.today() - timedelta(days=HANDOVER_READ_DAYS)
        stmt = stmt.where(or_(MentorAssignment.ends_on.is_(None), MentorAssignment.ends_on > cutoff))
    else:
        stmt = stmt.where(MentorAssignment.ends_on.is_(None))
    return db.session.scalar(stmt.limit(1)) is not None
