"""Who may do what with a plan, in terms of :mod:`virtualacademy.policies.relations` (the rules are registered
by ``policies/learning_plans.py``; seeing a plan is ``relations.SEES``)."""

from __future__ import annotations

from virtualacademy.errors import NotAllowed
from virtualacademy.models import Learner, Role, User
from virtualacademy.policies.relations import FAMILY, Relation, is_related

# --- who may do what ------------------------------------------------------------------------------


def _is_admin(user: User) -> bool:
    return user.has_role(Role.ADMIN)


# Seeing a plan is ``relations.SEES`` (the rule is in ``policies/learning_plans.py``).
#: Edit the plan text and goals: the learner, their guardians, their current mentor, admins.
EDITS = FAMILY | Relation.MENTOR | Relation.ADMIN
#: Review the plan, set its review dates, write the staff notes: the current mentor, admins.
REVIEWS = Relation.MENTOR | Relation.ADMIN
#: Read the staff notes: the mentor (and for 30 days after a handover), admins.
READS_STAFF_NOTES = Relation.MENTOR | Relation.HANDOVER_MENTOR | Relation.ADMIN


def may_edit(user: User, learner: Learner) -> bool:
    return is_related(user, learner, EDITS)


def may_review(user: User, learner: Learner) -> bool:
    return is_related(user, learner, REVIEWS)


def sees_staff_notes(user: User, learner: Learner) -> bool:
    return is_related(user, learner, READS_STAFF_NOTES)


def writes_staff_notes(user: User, learner: Learner) -> bool:
    return is_related(user, learner, REVIEWS)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)
