"""Who may see and write the staff's record of contact with a learner, and arrange their mentor."""

from __future__ import annotations

from virtualacademy.models import Learner, User
from virtualacademy.policies.registry import rule
from virtualacademy.policies.relations import is_related
from virtualacademy.services.mentoring import MANAGES, READS, WRITES


@rule(Learner, "mentor_view")
def _mentor_view_learner(user: User, learner: Learner) -> bool:
    """Staff records of contact: the mentor (read-only for 30 days after handover), coordinator, admin."""
    return is_related(user, learner, READS)


@rule(Learner, "mentor_write")
def _mentor_write_learner(user: User, learner: Learner) -> bool:
    return is_related(user, learner, WRITES)


@rule(Learner, "assign_mentor")
def _assign_mentor(user: User, learner: Learner) -> bool:
    return is_related(user, learner, MANAGES)
