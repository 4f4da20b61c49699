"""Who may see and do what with readiness judgements, entries and access arrangements.

Written in terms of how a person is related to the learner, answered once by the policy's relationship helpers
(``virtualacademy/policies``); ``virtualacademy/policies/exams.py`` registers these as the rules and scopes that
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

from datetime import timedelta

from sqlalchemy import Select, false, or_, select, union

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import Guardian, Learner, Locality, MentorAssignment, Role, User
from virtualacademy.policies import _coordinates, _guardian_of_family, _mentors
from virtualacademy.services.exams.common import is_exams_staff


def _signed_in(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


# --- relationships (one place: swapped for ``policies.relations`` when it exists) -------------------------


def _family(user: User, learner: Learner) -> bool:
    return learner.user_id == user.id or _guardian_of_family(user, learner.family_id)


def _guardian(user: User, learner: Learner) -> bool:
    return _guardian_of_family(user, learner.family_id)


def _mentor(user: User, learner: Learner, *, recently: bool) -> bool:
    return _mentors(user, learner.id, recently=recently)


def _coordinator(user: User, locality_id: int | None) -> bool:
    return _coordinates(user, locality_id)


# --- one learner -------------------------------------------------------------------------------------------


def may_view(user: User | None, learner: Learner) -> bool:
    """A learner's readiness, entries, arrangements, timetable and statements."""
    if not _signed_in(user):
        return False
    return is_exams_staff(user) or _family(user, learner) or _mentor(user, learner, recently=True)


def may_manage(user: User | None) -> bool:
    """Series, centres, the catalogue, entries and arrangements."""
    return _signed_in(user) and is_exams_staff(user)


def may_judge(user: User | None, learner: Learner) -> bool:
    """Record a readiness judgement: the learner's current mentor, or an admin."""
    if not _signed_in(user):
        return False
    return user.has_role(Role.ADMIN) or _mentor(user, learner, recently=False)


def may_confirm_as_learner(user: User | None, learner: Learner) -> bool:
    """Say the learner wants to sit it: the learner's own account, or a guardian on their behalf."""
    return _signed_in(user) and _family(user, learner)


def may_confirm_as_guardian(user: User | None, learner: Learner) -> bool:
    return _signed_in(user) and _guardian(user, learner)


def may_draft_arrangement(user: User | None, learner: Learner) -> bool:
    if not _signed_in(user):
        return False
    return is_exams_staff(user) or _mentor(user, learner, recently=False)


def may_see_locality_counts(user: User | None, locality: Locality) -> bool:
    """Counts of entries for a locality (never whose): its coordinator, the exams officer, admins."""
    if not _signed_in(user):
        return False
    return is_exams_staff(user) or _coordinator(user, locality.id)


# --- lists -------------------------------------------------------------------------------------------------


def visible_learner_ids(user: User | None) -> Select | None:
    """The ids of the learners whose exam records ``user`` may see, as a subquery; None means every learner
    (exams staff). Coordinators reach none here: they see counts only."""
    if not _signed_in(user):
        return select(Learner.id).where(false())
    if is_exams_staff(user):
        return None
    reachable = [
        select(Learner.id).where(Learner.user_id == user.id),
        select(Learner.id).where(Learner.family_id.in_(select(Guardian.family_id).where(Guardian.user_id == user.id))),
    ]
    if user.has_role(Role.MENTOR):
        from virtualacademy.services.mentoring import HANDOVER_READ_DAYS

        cutoff = clock.today() - timedelta(days=HANDOVER_READ_DAYS)
        reachable.append(
            select(MentorAssignment.learner_id).where(
                MentorAssignment.mentor_id == user.id,
                or_(MentorAssignment.ends_on.is_(None), MentorAssignment.ends_on > cutoff),
            )
        )
    return union(*reachable)


def narrow(user: User | None, stmt: Select, learner_id_column) -> Select:
    """``stmt`` narrowed to rows whose ``learner_id_column`` is a learner ``user`` may see."""
    ids = visible_learner_ids(user)
    return stmt if ids is None else stmt.where(learner_id_column.in_(ids))


def learner_visible(user: User | None, learner_id: int) -> bool:
    learner = db.session.get(Learner, learner_id)
    return learner is not None and may_view(user, learner)
