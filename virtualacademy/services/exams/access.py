"""Who may see and do what with readiness judgements, entries and access arrangements.

Written in terms of how a person is related to the learner, answered once by ``policies.relations``; ``virtualacademy/policies/exams.py`` registers these as the rules and scopes that
``can()``, ``get_or_404()`` and ``scoped()`` use.

* **See** a learner's readiness, entries, arrangements and statements: the learner, their family, their mentor
  (current, or handed over in the last 30 days), the exams officer and admins.
* **Coordinators** see only counts for their locality (:func:`may_see_locality_counts`), never a learner's entries.
* **Judge readiness**: the learner's current mentor, or an admin.
* **Confirm** wanting to sit: the learner (their own account, or a guardian saying so for them) and a guardian.
* **Manage** series, centres, entries and arrangements: the exams officer or an admin; the current mentor may also
  draft an access arrangement (they write the account of the normal way of working).
"""

from __future__ import annotations

from sqlalchemy import Select, false, select

from virtualacademy.extensions import db
from virtualacademy.models import Learner, Locality, User
from virtualacademy.policies.relations import (
    FAMILY,
    Relation,
    coordinates,
    is_related,
    only_related,
    related_learner_ids,
)
from virtualacademy.services.exams.common import is_exams_staff

#: Who sees a learner's exam records: the family, the mentor (and for 30 days after handing over), and the
#: academy-wide exams officer and admins. Coordinators are deliberately absent: they see counts only.
SEES_EXAMS = FAMILY | Relation.MENTOR | Relation.HANDOVER_MENTOR | Relation.EXAMS_OFFICER | Relation.ADMIN
#: Who works on a learner's exams with the exams officer: the current mentor, and admins.
MENTORS_NOW = Relation.MENTOR | Relation.ADMIN


def _signed_in(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


# --- one learner -------------------------------------------------------------------------------------------


def may_view(user: User | None, learner: Learner) -> bool:
    """A learner's readiness, entries, arrangements, timetable and statements."""
    return _signed_in(user) and is_related(user, learner, SEES_EXAMS)


def may_manage(user: User | None) -> bool:
    """Series, centres, the catalogue, entries and arrangements."""
    return _signed_in(user) and is_exams_staff(user)


def may_judge(user: User | None, learner: Learner) -> bool:
    """Record a readiness judgement: the learner's current mentor, or an admin."""
    return _signed_in(user) and is_related(user, learner, MENTORS_NOW)


def may_confirm_as_learner(user: User | None, learner: Learner) -> bool:
    """Say the learner wants to sit it: the learner's own account, or a guardian on their behalf."""
    return _signed_in(user) and is_related(user, learner, FAMILY)


def may_confirm_as_guardian(user: User | None, learner: Learner) -> bool:
    return _signed_in(user) and is_related(user, learner, Relation.GUARDIAN)


def may_draft_arrangement(user: User | None, learner: Learner) -> bool:
    return _signed_in(user) and is_related(user, learner, MENTORS_NOW | Relation.EXAMS_OFFICER)


def may_see_locality_counts(user: User | None, locality: Locality) -> bool:
    """Counts of entries for a locality (never whose): its coordinator, the exams officer, admins."""
    return _signed_in(user) and (is_exams_staff(user) or coordinates(user, locality.id))


# --- lists -------------------------------------------------------------------------------------------------


def visible_learner_ids(user: User | None) -> Select | None:
    """The ids of the learners whose exam records ``user`` may see, as a subquery; None means every learner
    (exams staff). Coordinators reach none here: they see counts only."""
    if not _signed_in(user):
        return select(Learner.id).where(false())
    if is_exams_staff(user):
        return None
    return related_learner_ids(user, SEES_EXAMS)


def narrow(user: User | None, stmt: Select, learner_id_column) -> Select:
    """``stmt`` narrowed to rows whose ``learner_id_column`` is a learner ``user`` may see."""
    if not _signed_in(user):
        return stmt.where(false())
    return only_related(stmt, learner_id_column, user, SEES_EXAMS)


def learner_visible(user: User | None, learner_id: int) -> bool:
    learner = db.session.get(Learner, learner_id)
    return learner is not None and may_view(user, learner)
