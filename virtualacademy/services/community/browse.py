"""What the family's event pages show: the events a person may see (a list, or one month's calendar), the
family's bookings on them, who in the family may be booked, and the family's bookings and offers.

Every list is a select the view paginates, eager-loading what each row shows, so a page costs the same few
statements however many events or bookings it lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import Booking, BookingState, Event, EventStatus, EventType, Guardian, Learner, User
from virtualacademy.models.community import HOLDING_STATES
from virtualacademy.policies.relations import FAMILY, related_learner_ids
from virtualacademy.services.community import access, events
from virtualacademy.services.community.common import family_ids_of

#: The earliest and latest months the calendar shows (anything else is a typing mistake).
FIRST_YEAR, LAST_YEAR = 2000, 2199


# --- the events ------------------------------------------------------------------------------------------------


def event_list(user: User, *, event_type: EventType | None = None, start: datetime | None = None, end=None):
    """Events ``user`` may see, soonest first, with their locality loaded (a select to paginate)."""
    return events.browse(user, event_type=event_type, start=start, end=end).options(joinedload(Event.locality))


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The first moment of the month and of the next, in London, as UTC."""
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return clock.london_midnight(date(year, month, 1)), clock.london_midnight(following)


def month_events(user: User, year: int, month: int, *, event_type: EventType | None = None):
    """Events ``user`` may see that start in the month (London time), in the order they start (a select)."""
    start, end = month_bounds(year, month)
    stmt = access.narrow_events(user, select(Event)).where(Event.starts_at >= start, Event.starts_at < end)
    if event_type is not None:
        stmt = stmt.where(Event.event_type == event_type)
    return stmt.options(joinedload(Event.locality)).order_by(Event.starts_at, Event.id)


def by_day(rows: list[Event]) -> list[tuple[date, list[Event]]]:
    """Events grouped by the London day they start, in order."""
    days: dict[date, list[Event]] = {}
    for event in rows:
        days.setdefault(clock.today(event.starts_at), []).append(event)
    return list(days.items())


def places_text(event: Event, now: datetime | None = None) -> str:
    """What a family needs to know about booking: "3 places left", "Full – join the waiting list", "Booking
    closes 5 March", "Booking closed", "Cancelled"."""
    now = now or clock.now()
    if event.status is EventStatus.CANCELLED:
        return "Cancelled"
    if event.status is EventStatus.DRAFT:
        return "Draft: not open for booking"
    if now >= event.booking_closes_at:
        return "Booking closed"
    if event.booking_opens_at is not None and now < event.booking_opens_at:
        return f"Booking opens {clock.long_date(event.booking_opens_at)}"
    left = event.places_left
    if left <= 0:
        return "Full – join the waiting list"
    places = "1 place left" if left == 1 else f"{left:,} places left"
    return f"{places}. Booking closes {clock.long_date(event.booking_closes_at)}"


def is_bookable(event: Event, now: datetime | None = None) -> bool:
    now = now or clock.now()
    return (
        event.status is EventStatus.PUBLISHED
        and now < event.booking_closes_at
        and (event.booking_opens_at is None or now >= event.booking_opens_at)
    )


# --- the family's bookings ---------------------------------------------------------------------------------------


def _own(user: User):
    return Booking.family_id.in_(family_ids_of(user))


def _with_people(stmt):
    return stmt.options(
        joinedload(Booking.event).joinedload(Event.locality),
        joinedload(Booking.learner),
        joinedload(Booking.guardian),
    )


def places_on(user: User, event_ids: list[int]) -> dict[int, list[Booking]]:
    """The family's live bookings on each of these events (one statement; the ids are one page's)."""
    if not event_ids:
        return {}
    rows = db.session.scalars(
        select(Booking)
        .where(Booking.event_id.in_(event_ids), _own(user), Booking.state != BookingState.CANCELLED)
        .options(joinedload(Booking.learner), joinedload(Booking.guardian))
        .order_by(Booking.created_at, Booking.id)
    )
    found: dict[int, list[Booking]] = {}
    for booking in rows:
        found.setdefault(booking.event_id, []).append(booking)
    return found


def waiting_positions(bookings: list[Booking]) -> dict[int, int]:
    """The place on its waiting list of each waiting booking (1: next to be offered), in one statement."""
    waiting = [b for b in bookings if b.state is BookingState.WAITING]
    if not waiting:
        return {}
    ranked = (
        select(
            Booking.id.label("id"),
            func.row_number()
            .over(partition_by=Booking.event_id, order_by=(Booking.created_at, Booking.id))
            .label("position"),
        )
        .where(Booking.event_id.in_({b.event_id for b in waiting}), Booking.state == BookingState.WAITING)
        .subquery()
    )
    wanted = [b.id for b in waiting]
    return {row.id: int(row.position) for row in db.session.execute(select(ranked).where(ranked.c.id.in_(wanted)))}


def family_bookings(user: User, *, past: bool = False):
    """The family's bookings (all states), upcoming soonest first or past latest first (a select to paginate)."""
    now = clock.now()
    stmt = _with_people(select(Booking).join(Booking.event).where(_own(user)))
    if past:
        return stmt.where(Event.ends_at <= now).order_by(Event.starts_at.desc(), Booking.id)
    return stmt.where(Event.ends_at > now).order_by(Event.starts_at, Booking.id)


def offers(user: User, limit: int = 50) -> list[Booking]:
    """Places offered to the family from waiting lists, waiting for them to confirm, the soonest to lapse first."""
    return list(
        db.session.scalars(
            _with_people(
                select(Booking)
                .where(
                    _own(user),
                    Booking.state == BookingState.OFFERED,
                    Booking.offer_expires_at > clock.now(),
                )
                .order_by(Booking.offer_expires_at, Booking.id)
                .limit(limit)
            )
        ).unique()
    )


def next_bookings(user: User, limit: int = 3) -> list[Booking]:
    """The family's next few places (booked), soonest first: for the dashboard."""
    return list(
        db.session.scalars(
            _with_people(
                select(Booking)
                .join(Booking.event)
                .where(_own(user), Booking.state == BookingState.BOOKED, Event.ends_at > clock.now())
                .order_by(Event.starts_at, Booking.id)
                .limit(limit)
            )
        ).unique()
    )


# --- booking ------------------------------------------------------------------------------------------------------


@dataclass
class Bookable:
    """Whom ``user`` may book at an event: their children (or themselves, a learner), and their own place when
    guardians attend; and those already booked or waiting (not offered again)."""

    learners: list[Learner] = field(default_factory=list)
    guardian: Guardian | None = None
    taken: dict[str, Booking] = field(default_factory=dict)

    @property
    def anyone(self) -> bool:
        return bool(self.choices)

    @property
    def choices(self) -> list[tuple[str, str]]:
        found = [(f"learner-{learner.id}", learner.known_as) for learner in self.learners]
        if self.guardian is not None:
            found.append((f"guardian-{self.guardian.id}", f"{self.guardian.name} (you)"))
        return [(key, name) for key, name in found if key not in self.taken]


def key_of(booking: Booking) -> str:
    return f"learner-{booking.learner_id}" if booking.learner_id is not None else f"guardian-{booking.guardian_id}"


def bookable(user: User, event: Event, live: list[Booking]) -> Bookable:
    """Who ``user`` may book at ``event`` (``live``: the family's live bookings on it)."""
    # The family's learners and the user's own, each found through its index (a UNION), never an OR that walks
    # every learner in the name order.
    learners = list(
        db.session.scalars(
            select(Learner)
            .where(Learner.id.in_(related_learner_ids(user, FAMILY)))
            .order_by(Learner.legal_name, Learner.id)
            .limit(50)
        )
    )
    guardian = None
    if event.guardians_attend:
        guardian = db.session.scalar(select(Guardian).where(Guardian.user_id == user.id).order_by(Guardian.id).limit(1))
    return Bookable(learners, guardian, {key_of(b): b for b in live})


def chosen(user: User, keys: list[str], offer: Bookable) -> tuple[list[Learner], list[Guardian]]:
    """The learners and guardian behind the keys ticked (only those offered)."""
    wanted = set(keys)
    learners = [learner for learner in offer.learners if f"learner-{learner.id}" in wanted]
    guardians = [offer.guardian] if offer.guardian is not None and f"guardian-{offer.guardian.id}" in wanted else []
    return learners, guardians


def has_place(bookings: list[Booking]) -> bool:
    return any(b.state in HOLDING_STATES for b in bookings)


def outcome(made: list[Booking]) -> str:
    """What a booking made, in words: who has a place, who is on the waiting list."""
    booked = [b.attendee_name for b in made if b.state is BookingState.BOOKED]
    waiting = [b.attendee_name for b in made if b.state is BookingState.WAITING]
    parts = []
    if booked:
        parts.append(f"Places booked for {_names(booked)}.")
    if waiting:
        parts.append(
            f"The event is full: {_names(waiting)} {'is' if len(waiting) == 1 else 'are'} on the waiting list."
        )
    return " ".join(parts)


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def refund_applies(booking: Booking, now: datetime | None = None) -> bool:
    """Whether cancelling now gives back what the place cost."""
    now = now or clock.now()
    return bool(booking.transfer_id and not booking.refund_transfer_id and now <= booking.event.cancel_closes_at)


def family_may_cancel(booking: Booking, now: datetime | None = None) -> bool:
    now = now or clock.now()
    return booking.state is BookingState.WAITING or now <= booking.event.cancel_closes_at


def times_text(event: Event) -> str:
    """When the event runs, in words, London time: "Tuesday 9 March 2027, 10:00 to 12:00", or from one day to
    another."""
    start, end = clock.london(event.starts_at), clock.london(event.ends_at)
    if start.date() == end.date():
        return f"{start:%A %-d %B %Y}, {start:%H:%M} to {end:%H:%M}"
    return f"From {start:%A %-d %B %Y} at {start:%H:%M} to {end:%A %-d %B %Y} at {end:%H:%M}"
