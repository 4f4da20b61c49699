"""Events: a coordinator posts them for their locality (an admin for any, or academy-wide), as drafts, then
publishes; recurring ones (a weekly club for a term) are one event per occurrence, each bookable. Cancelling
cancels every booking, refunds what was paid and tells every booked family.

Every time is stored in UTC; the form gives London times and the view converts them. Every refusal is a
:class:`~virtualacademy.errors.DomainError` naming its field, and nothing is written when one is raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from dateutil.rrule import rrulestr
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from virtualacademy import clock
from virtualacademy.errors import DomainError, NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    Booking,
    BookingState,
    Event,
    EventStatus,
    EventType,
    Locality,
    PlacePaidFrom,
    Role,
    SubjectArea,
    User,
)
from virtualacademy.services import audit
from virtualacademy.services.community import access
from virtualacademy.services.community.common import clean_markdown, optional_text, render_markdown, require_text

MAX_CAPACITY = 10_000
MAX_COST_PENCE = 1_000_000
#: The most occurrences one recurrence rule may make (a weekly club for a long term, with room to spare).
MAX_OCCURRENCES = 60


@dataclass
class EventInput:
    """What the event form sends (times are timezone-aware; the view turns London times into them)."""

    title: str
    event_type: EventType
    starts_at: datetime | None
    ends_at: datetime | None
    capacity: int
    booking_closes_at: datetime | None = None
    cancel_closes_at: datetime | None = None
    booking_opens_at: datetime | None = None
    locality_id: int | None = None
    description: str = ""
    venue: str | None = None
    address: str | None = None
    online_link: str | None = None
    cost_pence: int = 0
    paid_from: PlacePaidFrom = PlacePaidFrom.LOCALITY
    suitable_for: str | None = None
    accessibility: str | None = None
    guardians_attend: bool = False
    subject_ids: list[int] = field(default_factory=list)


def _check_link(value: str | None) -> str | None:
    link = optional_text(value, "online_link", 500)
    if link is None:
        return None
    parts = urlsplit(link)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValidationError("Enter the online link starting with https://", field="online_link")
    return link


def _check_times(data: EventInput) -> tuple[datetime, datetime, datetime, datetime]:
    """(starts, ends, booking closes, cancellation closes), or the broken rule."""
    if data.starts_at is None:
        raise ValidationError("Enter when the event starts", field="starts_at")
    if data.ends_at is None:
        raise ValidationError("Enter when the event ends", field="ends_at")
    if data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    if data.ends_at <= data.starts_at:
        raise ValidationError("The event must end after it starts", field="ends_at")
    closes = data.booking_closes_at or data.starts_at
    if closes > data.starts_at:
        raise ValidationError("Booking must close before the event starts", field="booking_closes_at")
    if data.booking_opens_at is not None and data.booking_opens_at >= closes:
        raise ValidationError("Booking must open before it closes", field="booking_opens_at")
    cancel = data.cancel_closes_at or closes
    if cancel > data.starts_at:
        raise ValidationError("Cancellations must close before the event starts", field="cancel_closes_at")
    return data.starts_at, data.ends_at, closes, cancel


def _check_subjects(ids: list[int]) -> list[SubjectArea]:
    wanted = sorted({int(i) for i in ids or []})
    if not wanted:
        raise ValidationError("Select at least one subject area (attendance is logged under them)", field="subjects")
    subjects = list(db.session.scalars(select(SubjectArea).where(SubjectArea.id.in_(wanted), SubjectArea.active)))
    if len(subjects) != len(wanted):
        raise ValidationError("Select subject areas from the list", field="subjects")
    return sorted(subjects, key=lambda s: s.position)


def _check_where(actor: User, data: EventInput) -> Locality | None:
    locality = db.session.get(Locality, data.locality_id) if data.locality_id is not None else None
    if data.locality_id is not None and locality is None:
        raise ValidationError("Choose a locality from the list", field="locality_id")
    if not access.manages_locality(actor, data.locality_id):
        if data.locality_id is None:
            raise NotAllowed("Only an admin can post an academy-wide event")
        raise NotAllowed("You can only post events for a locality you coordinate")
    return locality


def _apply(actor: User, event: Event, data: EventInput) -> None:
    """Check every field, then write them all (nothing is written if one is refused)."""
    _check_where(actor, data)
    title = require_text(data.title, "title", "Enter the event's title", 200)
    if not isinstance(data.event_type, EventType):
        raise ValidationError("Choose the type of event", field="event_type")
    starts, ends, closes, cancel = _check_times(data)
    capacity = data.capacity
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 0 < capacity <= MAX_CAPACITY:
        raise ValidationError(f"Enter the number of places, from 1 to {MAX_CAPACITY:,}", field="capacity")
    if capacity < event.seats_taken:
        raise ValidationError(
            f"{event.seats_taken} places are already booked or offered: the capacity cannot be less than that",
            field="capacity",
        )
    cost = data.cost_pence
    if isinstance(cost, bool) or not isinstance(cost, int) or not 0 <= cost <= MAX_COST_PENCE:
        raise ValidationError("Enter the cost of a place, £0 or more", field="cost_pence")
    if event.seats_taken and event.id is not None and cost != event.cost_pence:
        raise ValidationError("The cost cannot change once places are booked", field="cost_pence")
    if cost and data.paid_from is PlacePaidFrom.LOCALITY and data.locality_id is None:
        raise ValidationError(
            "An academy-wide event has no locality budget: pay from learners' budgets, or make it free",
            field="paid_from",
        )
    link = _check_link(data.online_link)
    venue = optional_text(data.venue, "venue", 200)
    if data.event_type is EventType.ONLINE_SESSION and link is None:
        raise ValidationError("Enter the link families will use to join the session", field="online_link")
    if data.event_type is not EventType.ONLINE_SESSION and venue is None:
        raise ValidationError("Enter where the event is", field="venue")
    subjects = _check_subjects(data.subject_ids)
    source = clean_markdown(data.description)
    if len(source) > 10_000:
        raise ValidationError("Use 10,000 characters or fewer", field="description")
    event.locality_id, event.title, event.event_type = data.locality_id, title, data.event_type
    event.description, event.description_html = source, render_markdown(source)
    event.starts_at, event.ends_at, event.booking_closes_at, event.cancel_closes_at = starts, ends, closes, cancel
    event.booking_opens_at, event.capacity, event.cost_pence = data.booking_opens_at, capacity, cost
    event.paid_from, event.venue, event.online_link = PlacePaidFrom(data.paid_from), venue, link
    event.address = optional_text(data.address, "address", 1000, multiline=True)
    event.suitable_for = optional_text(data.suitable_for, "suitable_for", 1000, multiline=True)
    event.accessibility = optional_text(data.accessibility, "accessibility", 2000, multiline=True)
    event.guardians_attend, event.subjects = bool(data.guardians_attend), subjects


def create_event(actor: User, data: EventInput) -> Event:
    """A draft event."""
    event = Event(seats_taken=0, status=EventStatus.DRAFT, created_by_id=actor.id)
    _apply(actor, event, data)
    db.session.add(event)
    db.session.flush()
    audit.record("community.event_created", actor=actor, obj=event, detail={"locality": event.locality_id})
    return event


def update_event(actor: User, event: Event, data: EventInput) -> Event:
    """Change an event not cancelled (its capacity never below the places already taken)."""
    if not access.may_manage_event(actor, event):
        raise NotAllowed("You can only change events of a locality you coordinate")
    if event.status is EventStatus.CANCELLED:
        raise DomainError("This event is cancelled: it cannot be changed")
    db.session.refresh(event, ["seats_taken"])
    _apply(actor, event, data)
    db.session.flush()
    audit.record("community.event_changed", actor=actor, obj=event)
    from virtualacademy.services.community import bookings

    bookings.promote_waiting(event)  # more places: the waiting list moves up
    return event


def publish(actor: User, event: Event) -> Event:
    if not access.may_manage_event(actor, event):
        raise NotAllowed("You can only publish events of a locality you coordinate")
    if event.status is not EventStatus.DRAFT:
        raise DomainError("Only a draft can be published")
    if event.booking_closes_at <= clock.now():
        raise DomainError("Booking for this event has already closed: change its dates before publishing it")
    event.status, event.published_at = EventStatus.PUBLISHED, clock.now()
    audit.record("community.event_published", actor=actor, obj=event)
    return event


def cancel_event(actor: User, event: Event, reason: str) -> Event:
    """Cancel the event: every booking ends (refunded), and every booked or waiting family is told."""
    from virtualacademy.services.community import bookings

    if not access.may_manage_event(actor, event):
        raise NotAllowed("You can only cancel events of a locality you coordinate")
    if event.status is EventStatus.CANCELLED:
        raise DomainError("This event is already cancelled")
    reason = require_text(reason, "reason", "Say why the event is cancelled (families are told)", 1000)
    live = list(
        db.session.scalars(
            select(Booking)
            .where(Booking.event_id == event.id, Booking.state != BookingState.CANCELLED)
            .order_by(Booking.id)
        )
    )
    for booking in live:
        bookings.end_booking(actor, booking, bookings.EVENT_CANCELLED, give_back=True)
    event.status, event.cancelled_at, event.cancel_reason = EventStatus.CANCELLED, clock.now(), reason
    db.session.flush()
    bookings.tell_families_cancelled(event, live, reason)
    audit.record("community.event_cancelled", actor=actor, obj=event, detail={"bookings": len(live)})
    return event


def create_recurring(actor: User, data: EventInput, rule: str) -> list[Event]:
    """One draft event per occurrence of an RFC 5545 recurrence rule (``FREQ=WEEKLY;COUNT=10``), each at the same
    London wall-clock time (so a club at 16:00 stays at 16:00 across the change to summer time), with its booking
    and cancellation closing the same time before it as the first's."""
    text = require_text(rule, "rule", "Enter how often the event repeats", 500).upper().removeprefix("RRULE:")
    if "COUNT=" not in text and "UNTIL=" not in text:
        raise ValidationError("Say how many times it repeats (COUNT) or until when (UNTIL)", field="rule")
    _check_times(data)
    local_start = clock.london(data.starts_at).replace(tzinfo=None)
    try:
        starts = list(rrulestr(text, dtstart=local_start))[: MAX_OCCURRENCES + 1]
    except (ValueError, TypeError) as error:
        raise ValidationError("That repeat rule is not one we can read", field="rule") from error
    if not 0 < len(starts) <= MAX_OCCURRENCES:
        raise ValidationError(f"A repeating event can have at most {MAX_OCCURRENCES} occurrences", field="rule")
    made: list[Event] = []
    for local in starts:
        # In UTC throughout: aware times in the same zone would add and subtract as wall-clock times.
        shift = local.replace(tzinfo=clock.LONDON).astimezone(UTC) - data.starts_at.astimezone(UTC)

        def moved(moment: datetime | None, by: timedelta = shift) -> datetime | None:
            return moment.astimezone(UTC) + by if moment is not None else None

        occurrence = EventInput(**{**data.__dict__})
        occurrence.starts_at, occurrence.ends_at = moved(data.starts_at), moved(data.ends_at)
        occurrence.booking_closes_at = moved(data.booking_closes_at)
        occurrence.cancel_closes_at = moved(data.cancel_closes_at)
        event = create_event(actor, occurrence)
        event.series_id = made[0].id if made else None
        made.append(event)
    db.session.flush()
    return made


def browse(
    user: User,
    *,
    event_type: EventType | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    locality_id: int | None = None,
):
    """Events ``user`` may see, soonest first (a select for a list or a month's calendar to paginate): those
    starting in ``[start, end)`` (default: not yet ended), of one type, in one locality (with the academy-wide
    ones), if asked."""
    stmt = access.narrow_events(user, select(Event))
    stmt = stmt.where(Event.ends_at > (start or clock.now()))
    if end is not None:
        stmt = stmt.where(Event.starts_at < end)
    if start is not None:
        stmt = stmt.where(Event.starts_at >= start)
    if event_type is not None:
        stmt = stmt.where(Event.event_type == event_type)
    if locality_id is not None:
        stmt = stmt.where((Event.locality_id == locality_id) | Event.locality_id.is_(None))
    return stmt.order_by(Event.starts_at, Event.id)


# --- for the coordinator's pages ------------------------------------------------------------------------------


def managed(
    user: User,
    *,
    status: EventStatus | None = None,
    locality_id: int | None = None,
    academy_wide: bool = False,
    ended: bool = False,
):
    """The events ``user`` manages (drafts too), to paginate: a coordinator's localities', or for an admin every
    event. Those not yet ended soonest first (or, with ``ended``, those ended, latest first); of one state, one
    locality or (``academy_wide``) the academy-wide ones, if asked."""
    from virtualacademy.services.localities import coordinated_by

    stmt = select(Event).options(joinedload(Event.locality))
    if not user.has_role(Role.ADMIN):
        stmt = stmt.where(Event.locality_id.in_(coordinated_by(user)))
    if status is not None:
        stmt = stmt.where(Event.status == status)
    if academy_wide:
        stmt = stmt.where(Event.locality_id.is_(None))
    elif locality_id is not None:
        stmt = stmt.where(Event.locality_id == locality_id)
    now = clock.now()
    if ended:
        return stmt.where(Event.ends_at <= now).order_by(Event.starts_at.desc(), Event.id.desc())
    return stmt.where(Event.ends_at > now).order_by(Event.starts_at, Event.id)


def booking_counts(event_ids: list[int]) -> dict[int, dict[BookingState, int]]:
    """For each of a page of events, how many bookings are in each state (one grouped query)."""
    counts: dict[int, dict[BookingState, int]] = {event_id: {} for event_id in event_ids}
    if not event_ids:
        return counts
    rows = db.session.execute(
        select(Booking.event_id, Booking.state, func.count())
        .where(Booking.event_id.in_(event_ids), Booking.state != BookingState.CANCELLED)
        .group_by(Booking.event_id, Booking.state)
    )
    for event_id, state, count in rows:
        counts[event_id][state] = count
    return counts


def event_bookings(event: Event):
    """The event's live bookings for its manager, to paginate: booked places, then places offered (soonest to
    lapse first), then the waiting list in its order; each with its attendee loaded."""
    order = case(
        (Booking.state == BookingState.BOOKED, 0),
        (Booking.state == BookingState.OFFERED, 1),
        else_=2,
    )
    return (
        select(Booking)
        .options(joinedload(Booking.learner), joinedload(Booking.guardian))
        .where(Booking.event_id == event.id, Booking.state != BookingState.CANCELLED)
        .order_by(order, Booking.offer_expires_at, Booking.created_at, Booking.id)
    )


@dataclass
class Cancelled:
    families: int
    refunded: int


def cancel_and_count(actor: User, event: Event, reason: str) -> Cancelled:
    """:func:`cancel_event`, saying how many families were told and how many places were refunded."""
    from virtualacademy.services.community import bookings

    cancel_event(actor, event, reason)
    ended = (Booking.event_id == event.id) & (Booking.cancel_reason == bookings.EVENT_CANCELLED)
    families = db.session.scalar(select(func.count(func.distinct(Booking.family_id))).where(ended)) or 0
    refunded = db.session.scalar(select(func.count()).where(ended, Booking.refund_transfer_id.is_not(None))) or 0
    return Cancelled(families, refunded)
