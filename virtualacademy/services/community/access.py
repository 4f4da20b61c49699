"""Who may see and do what in the locality community, written in terms of the one relationship function
(:mod:`virtualacademy.policies.relations`). ``policies/community.py`` registers these as the rules; the services
check them again.

* **Managing** a locality's events, registers, opportunities and announcements: a coordinator of that locality,
  or an admin; academy-wide ones (no locality): admins only.
* **Seeing an event**: published events are open to staff, and to families in its locality (or any family, for
  an academy-wide one, or a family that follows the locality); drafts only to those who manage it.
* **Booking** a learner: the learner or their guardians (``FAMILY``); a guardian's own place: that guardian.
  A booking is seen by its family and by those who manage the event; the register and who else is booked
  never by another family.
* **Conversations** about a learner: their family, their current mentor and their locality's coordinator
  (:data:`TALKS`); a handover passes the thread to the new mentor because nobody is stored as a participant.
  A safeguarding lead may read any thread (each view audited) but does not post.
"""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from virtualacademy.extensions import db
from virtualacademy.models import (
    Booking,
    Conversation,
    Event,
    EventStatus,
    FollowedLocality,
    Learner,
    Opportunity,
    Placement,
    Role,
    User,
)
from virtualacademy.policies.relations import FAMILY, SEES, Relation, coordinates, is_related, only_related
from virtualacademy.services.community.common import family_ids_of
from virtualacademy.services.localities import coordinated_by

#: Who takes part in a learner's conversations.
TALKS = FAMILY | Relation.MENTOR | Relation.COORDINATOR
STAFF_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.MENTOR, Role.SAFEGUARDING_LEAD, Role.EXAMS_OFFICER)


def _active(user: User | None) -> bool:
    return bool(user is not None and user.is_active)


def is_staff(user: User) -> bool:
    return user.has_role(*STAFF_ROLES)


def manages_locality(user: User | None, locality_id: int | None) -> bool:
    """A coordinator of the locality, or an admin (academy-wide: admins only)."""
    if not _active(user):
        return False
    if user.has_role(Role.ADMIN):
        return True
    return locality_id is not None and coordinates(user, locality_id)


def may_manage_event(user: User | None, event: Event) -> bool:
    return manages_locality(user, event.locality_id)


def visible_locality_ids(user: User) -> Select:
    """A select of the localities whose events a family member sees: their children's and those they follow."""
    families = family_ids_of(user)
    return (
        select(Learner.locality_id)
        .where(Learner.family_id.in_(families), Learner.locality_id.is_not(None))
        .union(select(FollowedLocality.locality_id).where(FollowedLocality.family_id.in_(families)))
    )


def may_see_event(user: User | None, event: Event) -> bool:
    if not _active(user):
        return False
    if may_manage_event(user, event):
        return True
    if event.status is EventStatus.DRAFT:
        return False
    if is_staff(user) or event.locality_id is None:
        return True
    if db.session.scalar(
        select(Booking.id).where(Booking.event_id == event.id, Booking.family_id.in_(family_ids_of(user))).limit(1)
    ):
        return True
    wanted = visible_locality_ids(user).subquery()
    return db.session.scalar(select(wanted.c[0]).where(wanted.c[0] == event.locality_id).limit(1)) is not None


def narrow_events(user: User, stmt: Select) -> Select:
    """Events ``user`` may see (drafts only where they manage them)."""
    if user.has_role(Role.ADMIN):
        return stmt
    managed = Event.locality_id.in_(coordinated_by(user)) if user.has_role(Role.COORDINATOR) else false()
    if is_staff(user):
        return stmt.where(or_(Event.status != EventStatus.DRAFT, managed))
    return stmt.where(
        Event.status != EventStatus.DRAFT,
        or_(Event.locality_id.is_(None), Event.locality_id.in_(visible_locality_ids(user))),
    )


def may_book_learner(user: User | None, learner: Learner) -> bool:
    return _active(user) and is_related(user, learner, FAMILY)


def in_family(user: User, family_id: int) -> bool:
    wanted = family_ids_of(user).subquery()
    return db.session.scalar(select(wanted.c[0]).where(wanted.c[0] == family_id).limit(1)) is not None


def may_see_booking(user: User | None, booking: Booking) -> bool:
    return _active(user) and (in_family(user, booking.family_id) or may_manage_event(user, booking.event))


def narrow_bookings(user: User, stmt: Select) -> Select:
    """A family's own bookings; and every booking of the events the user manages."""
    if user.has_role(Role.ADMIN):
        return stmt
    own = Booking.family_id.in_(family_ids_of(user))
    if user.has_role(Role.COORDINATOR):
        managed = Booking.event_id.in_(select(Event.id).where(Event.locality_id.in_(coordinated_by(user))))
        return stmt.where(or_(own, managed))
    return stmt.where(own)


def may_manage_opportunity(user: User | None, opportunity: Opportunity) -> bool:
    return manages_locality(user, opportunity.locality_id)


def may_see_opportunity(user: User | None, opportunity: Opportunity) -> bool:
    if not _active(user):
        return False
    if may_manage_opportunity(user, opportunity) or is_staff(user):
        return True
    if not opportunity.open:
        return False
    if opportunity.locality_id is None:
        return True
    wanted = visible_locality_ids(user).subquery()
    return db.session.scalar(select(wanted.c[0]).where(wanted.c[0] == opportunity.locality_id).limit(1)) is not None


def may_see_placement(user: User | None, placement: Placement) -> bool:
    return _active(user) and (
        is_related(user, placement.learner, SEES) or may_manage_opportunity(user, placement.opportunity)
    )


def may_decide_placement(user: User | None, placement: Placement) -> bool:
    return may_manage_opportunity(user, placement.opportunity)


def may_talk(user: User | None, learner: Learner) -> bool:
    """Read and post in the learner's conversations."""
    return _active(user) and is_related(user, learner, TALKS)


def may_read_any_thread(user: User | None) -> bool:
    """The safeguarding lead: reads any thread, and each view is audited."""
    return _active(user) and user.has_role(Role.SAFEGUARDING_LEAD)


def may_read_conversation(user: User | None, conversation: Conversation) -> bool:
    return may_talk(user, conversation.learner) or may_read_any_thread(user)


def narrow_conversations(user: User, stmt: Select) -> Select:
    if may_read_any_thread(user):
        return stmt
    return only_related(stmt, Conversation.learner_id, user, TALKS)


def may_see_announcement(user: User | None, announcement) -> bool:
    if not _active(user):
        return False
    if is_staff(user) or announcement.locality_id is None:
        return True
    wanted = visible_locality_ids(user).subquery()
    return db.session.scalar(select(wanted.c[0]).where(wanted.c[0] == announcement.locality_id).limit(1)) is not None


def narrow_by_locality(user: User, stmt: Select, column) -> Select:
    """Rows of academy-wide or visible localities (everything, for staff)."""
    if is_staff(user):
        return stmt
    return stmt.where(or_(column.is_(None), column.in_(visible_locality_ids(user))))
