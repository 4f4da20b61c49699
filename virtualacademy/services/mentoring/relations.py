"""A learner's mentor, and who may arrange and write their mentoring, in terms of
:mod:`virtualacademy.policies.relations` (the one answer to how a user is related to a learner)."""

from __future__ import annotations

from sqlalchemy import Select, select

from virtualacademy.errors import NotAllowed
from virtualacademy.extensions import db
from virtualacademy.models import Learner, MentorAssignment, User
from virtualacademy.policies.relations import HANDOVER_READ_DAYS, Relation, is_related

__all__ = [
    "HANDOVER_READ_DAYS",
    "MANAGES",
    "READS",
    "WRITES",
    "current_assignment",
    "current_mentor",
    "current_mentor_names",
    "require",
]

#: Who writes a learner's staff records (check-ins, agreed actions, other adults): their mentor, the
#: coordinator of their locality, admins.
WRITES = Relation.ADMIN | Relation.COORDINATOR | Relation.MENTOR
#: Who reads them: those who write, and a mentor for ``HANDOVER_READ_DAYS`` after handing over.
READS = WRITES | Relation.HANDOVER_MENTOR
#: Who arranges a learner's mentoring (assigns their mentor, sets their support): the coordinator of their
#: locality, admins.
MANAGES = Relation.ADMIN | Relation.COORDINATOR


def current_assignment(learner: Learner) -> MentorAssignment | None:
    return db.session.scalar(
        select(MentorAssignment).where(MentorAssignment.learner_id == learner.id, MentorAssignment.ends_on.is_(None))
    )


def current_mentor(learner: Learner) -> User | None:
    assignment = current_assignment(learner)
    return assignment.mentor if assignment else None


def current_mentor_names(learner_ids: Select) -> dict[int, str]:
    """The name of each current mentor of the learners ``learner_ids`` selects, by learner id (one statement)."""
    return dict(
        db.session.execute(
            select(MentorAssignment.learner_id, User.name)
            .join(User, User.id == MentorAssignment.mentor_id)
            .where(MentorAssignment.learner_id.in_(learner_ids), MentorAssignment.ends_on.is_(None))
        ).all()
    )


def require(actor: User, learner: Learner, any_of: Relation, message: str) -> None:
    """:class:`NotAllowed` with ``message`` unless ``actor`` has one of the relations ``any_of`` to ``learner``."""
    if not is_related(actor, learner, any_of):
        raise NotAllowed(message)
