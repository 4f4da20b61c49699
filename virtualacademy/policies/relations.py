"""How a user is related to a learner: answered here once, for one learner and as a set.

Every rule about a learner, or anything that belongs to one (the record, plan, log, evidence, budget, spend
requests, statement ...), is written as "which relations may do this", for example
``is_related(user, learner, SEES)``; no other module works out who a learner's guardian, mentor or
coordinator is.

* :class:`Relation` - the ways a user can be related to a learner. ``SELF`` and ``GUARDIAN`` come from the
  family, whatever roles the account holds; ``MENTOR``, ``HANDOVER_MENTOR`` and ``COORDINATOR`` need the
  matching role as well as the assignment; ``SAFEGUARDING_LEAD``, ``EXAMS_OFFICER`` and ``ADMIN`` are roles
  that reach every learner in the academy.
* :func:`relations` - every relation ``user`` has to one learner; :func:`is_related` - whether they have any
  of some relations (it stops at the first found, cheapest first, so a check costs at most the queries it
  needs).
* :func:`related_learner_ids` - the set form: a select of the ids of the learners ``user`` has any of some
  relations to, for list queries (a subquery, never a list of ids: the academy may hold 150,000 learners);
  :func:`only_related` narrows a query with it.
* :func:`coordinates` - whether ``user`` acts as the coordinator of a locality (the coordinator relation,
  for the locality itself); :func:`coordinated_localities` - the localities they act as coordinator of, as a
  subquery; :func:`overseen_localities` - the localities whose learners and figures a report shows them (every
  one for an admin: :func:`oversees_every_locality`). Which localities someone is attached to as coordinator is
  :func:`virtualacademy.services.localities.coordinated_by`; these add the coordinator role.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta

from sqlalchemy import ColumnElement, CompoundSelect, Select, false, or_, select, union

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import Guardian, Learner, LocalityStaff, MentorAssignment, Role, User
from virtualacademy.services.localities import coordinated_by

#: A mentor keeps read-only access to a learner's records for this long after handing over.
HANDOVER_READ_DAYS = 30


class Relation(enum.Flag):
    #: The learner's own account.
    SELF = enum.auto()
    #: A guardian in the learner's family.
    GUARDIAN = enum.auto()
    #: The learner's current mentor (holding the mentor role).
    MENTOR = enum.auto()
    #: A mentor whose assignment ended within ``HANDOVER_READ_DAYS`` days: reads, no longer writes.
    HANDOVER_MENTOR = enum.auto()
    #: Holding the coordinator role, and coordinating the learner's locality.
    COORDINATOR = enum.auto()
    #: Academy-wide roles: related to every learner.
    SAFEGUARDING_LEAD = enum.auto()
    EXAMS_OFFICER = enum.auto()
    ADMIN = enum.auto()


NONE = Relation(0)
#: The learner and their guardians.
FAMILY = Relation.SELF | Relation.GUARDIAN
#: Whoever may see a learner and what is theirs: the family, the mentor (and for 30 days after handing over),
#: the coordinator of their locality, admins.
SEES = FAMILY | Relation.MENTOR | Relation.HANDOVER_MENTOR | Relation.COORDINATOR | Relation.ADMIN
#: The relations that reach every learner.
ACADEMY_WIDE = Relation.SAFEGUARDING_LEAD | Relation.EXAMS_OFFICER | Relation.ADMIN

_ROLES = {
    Relation.MENTOR: Role.MENTOR,
    Relation.HANDOVER_MENTOR: Role.MENTOR,
    Relation.COORDINATOR: Role.COORDINATOR,
    Relation.SAFEGUARDING_LEAD: Role.SAFEGUARDING_LEAD,
    Relation.EXAMS_OFFICER: Role.EXAMS_OFFICER,
    Relation.ADMIN: Role.ADMIN,
}


def possible(user: User) -> Relation:
    """The relations ``user``'s roles allow them to have to any learner (the family ones need no role)."""
    held = FAMILY
    for relation, role in _ROLES.items():
        if user.has_role(role):
            held |= relation
    return held


def _handover_cutoff(today: date | None) -> date:
    """A mentor whose assignment ended after this day still reads (the handover)."""
    return (today or clock.today()) - timedelta(days=HANDOVER_READ_DAYS)


def _mentoring(wanted: Relation, today: date | None) -> ColumnElement[bool]:
    """The condition on ``MentorAssignment`` for the mentor relations in ``wanted``."""
    current = MentorAssignment.ends_on.is_(None)
    if Relation.HANDOVER_MENTOR not in wanted:
        return current
    recent = MentorAssignment.ends_on > _handover_cutoff(today)
    if Relation.MENTOR not in wanted:
        return MentorAssignment.ends_on.is_not(None) & recent
    return or_(current, recent)


def _is_guardian(user: User, learner: Learner) -> bool:
    return any(g.user_id == user.id for g in learner.family.guardians)


def _is_self(user: User, learner: Learner) -> bool:
    return learner.user_id is not None and learner.user_id == user.id


def coordinates(user: User, locality_id: int | None) -> bool:
    """``user`` holds the coordinator role and coordinates locality ``locality_id``."""
    if locality_id is None or not user.has_role(Role.COORDINATOR):
        return False
    return db.session.scalar(coordinated_by(user).where(LocalityStaff.locality_id == locality_id).limit(1)) is not None


def coordinated_localities(user: User) -> Select:
    """A select of the ids of the localities ``user`` acts as coordinator of: those they coordinate
    (:func:`coordinated_by`) if they hold the coordinator role, none otherwise. For a subquery."""
    if not user.has_role(Role.COORDINATOR):
        return select(LocalityStaff.locality_id).where(false())
    return coordinated_by(user)


def oversees_every_locality(user: User) -> bool:
    """Whether ``user`` oversees the whole academy, every locality (an admin) rather than the ones they
    coordinate: reports show them every locality, and they choose among every locality's budget."""
    return user.has_role(Role.ADMIN)


def overseen_localities(user: User) -> list[int] | None:
    """The localities whose learners and figures the academy's reports show ``user`` (the cohort profile, the
    funding overview, the overview, learners without a mentor): ``None`` for an admin, meaning every
    locality; otherwise the ones they act as coordinator of (a coordinator runs one locality, so the list is
    short), none for anyone else."""
    if oversees_every_locality(user):
        return None
    return list(db.session.scalars(coordinated_localities(user)))


def is_related(user: User, learner: Learner, any_of: Relation, *, today: date | None = None) -> bool:
    """Whether ``user`` has any of the relations ``any_of`` to ``learner`` (``today`` dates the handover)."""
    wanted = any_of & possible(user)
    if wanted & ACADEMY_WIDE:
        return True
    if Relation.SELF in wanted and _is_self(user, learner):
        return True
    if Relation.GUARDIAN in wanted and _is_guardian(user, learner):
        return True
    if Relation.COORDINATOR in wanted and coordinates(user, learner.locality_id):
        return True
    if wanted & (Relation.MENTOR | Relation.HANDOVER_MENTOR):
        found = db.session.scalar(
            select(MentorAssignment.id)
            .where(
                MentorAssignment.learner_id == learner.id,
                MentorAssignment.mentor_id == user.id,
                _mentoring(wanted, today),
            )
            .limit(1)
        )
        return found is not None
    return False


def relations(user: User, learner: Learner, *, today: date | None = None) -> Relation:
    """Every relation ``user`` has to ``learner`` (``today`` dates the handover)."""
    held = possible(user)
    found = held & ACADEMY_WIDE
    if _is_self(user, learner):
        found |= Relation.SELF
    if _is_guardian(user, learner):
        found |= Relation.GUARDIAN
    if Relation.COORDINATOR in held and coordinates(user, learner.locality_id):
        found |= Relation.COORDINATOR
    if Relation.MENTOR in held:
        for ends_on in db.session.scalars(
            select(MentorAssignment.ends_on).where(
                MentorAssignment.learner_id == learner.id,
                MentorAssignment.mentor_id == user.id,
                _mentoring(Relation.MENTOR | Relation.HANDOVER_MENTOR, today),
            )
        ):
            found |= Relation.MENTOR if ends_on is None else Relation.HANDOVER_MENTOR
    return found


def reaches_everyone(user: User, any_of: Relation) -> bool:
    """Whether one of the relations ``any_of`` that ``user`` holds reaches every learner (an academy-wide role)."""
    return bool(any_of & possible(user) & ACADEMY_WIDE)


def related_learner_ids(user: User, any_of: Relation, *, today: date | None = None) -> Select | CompoundSelect:
    """A select of the ids of the learners ``user`` has any of the relations ``any_of`` to.

    One set of ids from each way of reaching a learner, each found through its own index, joined by UNION,
    rather than an OR tested against every learner in the academy."""
    wanted = any_of & possible(user)
    if wanted & ACADEMY_WIDE:
        return select(Learner.id)
    parts: list[Select] = []
    if Relation.SELF in wanted:
        parts.append(select(Learner.id).where(Learner.user_id == user.id))
    if Relation.GUARDIAN in wanted:
        families = select(Guardian.family_id).where(Guardian.user_id == user.id)
        parts.append(select(Learner.id).where(Learner.family_id.in_(families)))
    if Relation.COORDINATOR in wanted:
        parts.append(select(Learner.id).where(Learner.locality_id.in_(coordinated_by(user))))
    if wanted & (Relation.MENTOR | Relation.HANDOVER_MENTOR):
        parts.append(
            select(MentorAssignment.learner_id).where(MentorAssignment.mentor_id == user.id, _mentoring(wanted, today))
        )
    if not parts:
        return select(Learner.id).where(false())
    return parts[0] if len(parts) == 1 else union(*parts)


def only_related(stmt: Select, learner_id, user: User, any_of: Relation, *, today: date | None = None) -> Select:
    """``stmt`` narrowed to rows whose ``learner_id`` column is a learner ``user`` has any of ``any_of`` to
    (unchanged for an academy-wide relation)."""
    if reaches_everyone(user, any_of):
        return stmt
    return stmt.where(learner_id.in_(related_learner_ids(user, any_of, today=today)))
