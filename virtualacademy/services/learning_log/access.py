"""Who may write and correct a learner's log, in terms of :mod:`virtualacademy.policies.relations` (registered
as rules by ``policies/learning_log.py``, which also says who may read)."""

from __future__ import annotations

from virtualacademy.errors import NotAllowed
from virtualacademy.models import Learner, User
from virtualacademy.policies.relations import FAMILY, Relation, is_related

# --- who may do what (registered as rules by policies/learning_log.py, which also says who may read) ---------

#: Write the log: the learner, their guardians, their current mentor and admins (coordinators only read).
WRITES = FAMILY | Relation.MENTOR | Relation.ADMIN
#: Change an entry after its edit window: the current mentor, or an admin.
CORRECTS = Relation.MENTOR | Relation.ADMIN


def may_write(user: User, learner: Learner) -> bool:
    return is_related(user, learner, WRITES)


def may_correct(user: User, learner: Learner) -> bool:
    return is_related(user, learner, CORRECTS)


def _require_write(actor: User, learner: Learner) -> None:
    if not may_write(actor, learner):
        raise NotAllowed("Only the learner, their parents or carers and their mentor can change this log")
