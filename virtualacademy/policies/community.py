"""Who may see and do what in the locality community (registered into the policies package).

The rules live in ``services/community/access.py`` (the services enforce the same ones), written with the one
relationship function; this module registers them, so ``can()``, ``get_or_404()`` and ``scoped()`` use them.

* Events (``view``, ``manage``, ``register``): published ones are seen by staff and by families in the locality
  (academy-wide ones by everyone); drafts, changes and the register by the locality's coordinator or an admin.
* Booking a learner (``Learner``, ``"community_book"``): the learner and their guardians. A booking (``view``,
  ``cancel``, ``confirm``): its family, and who manages the event.
* Opportunities (``view``, ``manage``), placements (``view``, ``decide``), announcements (``view``,
  ``manage``): as for events.
* A locality's community (``Locality``, ``"community_manage"`` and ``"community_report"``): its coordinator or
  an admin. A family's calendar feed (``Family``, ``"community_feed"``): the family.
* Conversations about a learner (``Learner``, ``"community_talk"``; ``Conversation``, ``"post"``): the family,
  the current mentor and the locality's coordinator; ``Conversation`` ``"view"`` adds the safeguarding lead
  (each such view audited by the service), as does ``Learner`` ``"community_read"`` (the list of a learner's
  threads); an attachment (``"download"``) as its conversation.
"""

from __future__ import annotations

from sqlalchemy import Select

from virtualacademy.models import (
    Announcement,
    Booking,
    Conversation,
    Event,
    Family,
    Learner,
    Locality,
    MessageAttachment,
    Opportunity,
    Placement,
    User,
)
from virtualacademy.policies import rule, scope
from virtualacademy.services.community import access


@rule(Event, "view")
def _see_event(user: User, event: Event) -> bool:
    return access.may_see_event(user, event)


@rule(Event, "manage")
@rule(Event, "register")
def _manage_event(user: User, event: Event) -> bool:
    return access.may_manage_event(user, event)


@rule(Learner, "community_book")
def _book(user: User, learner: Learner) -> bool:
    return access.may_book_learner(user, learner)


@rule(Booking, "view")
@rule(Booking, "cancel")
def _see_booking(user: User, booking: Booking) -> bool:
    return access.may_see_booking(user, booking)


@rule(Booking, "confirm")
def _confirm(user: User, booking: Booking) -> bool:
    return access.in_family(user, booking.family_id)


@rule(Opportunity, "view")
def _see_opportunity(user: User, opportunity: Opportunity) -> bool:
    return access.may_see_opportunity(user, opportunity)


@rule(Opportunity, "manage")
def _manage_opportunity(user: User, opportunity: Opportunity) -> bool:
    return access.may_manage_opportunity(user, opportunity)


@rule(Placement, "view")
def _see_placement(user: User, placement: Placement) -> bool:
    return access.may_see_placement(user, placement)


@rule(Placement, "decide")
def _decide(user: User, placement: Placement) -> bool:
    return access.may_decide_placement(user, placement)


@rule(Announcement, "view")
def _see_announcement(user: User, announcement: Announcement) -> bool:
    return access.may_see_announcement(user, announcement)


@rule(Announcement, "manage")
def _manage_announcement(user: User, announcement: Announcement) -> bool:
    return access.manages_locality(user, announcement.locality_id)


@rule(Locality, "community_manage")
@rule(Locality, "community_report")
def _manage_locality(user: User, locality: Locality) -> bool:
    return access.manages_locality(user, locality.id)


@rule(Family, "community_feed")
def _feed(user: User, family: Family) -> bool:
    return user.is_active and access.in_family(user, family.id)


@rule(Learner, "community_talk")
def _talk(user: User, learner: Learner) -> bool:
    return access.may_talk(user, learner)


@rule(Learner, "community_read")
def _read_learner_threads(user: User, learner: Learner) -> bool:
    """The list of a learner's threads: those who talk about them, and the safeguarding lead (who reads)."""
    return access.may_talk(user, learner) or access.may_read_any_thread(user)


@rule(Conversation, "view")
def _read(user: User, conversation: Conversation) -> bool:
    return access.may_read_conversation(user, conversation)


@rule(Conversation, "post")
def _post(user: User, conversation: Conversation) -> bool:
    return access.may_talk(user, conversation.learner)


@rule(MessageAttachment, "download")
def _download(user: User, attachment: MessageAttachment) -> bool:
    return access.may_read_conversation(user, attachment.message.conversation)


@scope(Event)
def _events(user: User, stmt: Select) -> Select:
    return access.narrow_events(user, stmt)


@scope(Booking)
def _bookings(user: User, stmt: Select) -> Select:
    return access.narrow_bookings(user, stmt)


@scope(Opportunity)
def _opportunities(user: User, stmt: Select) -> Select:
    return access.narrow_by_locality(user, stmt, Opportunity.locality_id)


@scope(Announcement)
def _announcements(user: User, stmt: Select) -> Select:
    return access.narrow_by_locality(user, stmt, Announcement.locality_id)


@scope(Conversation)
def _conversations(user: User, stmt: Select) -> Select:
    return access.narrow_conversations(user, stmt)
