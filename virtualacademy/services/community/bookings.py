"""Booking places at events, the waiting list, and offers to the waiting.

A place is taken with one conditional UPDATE of the event's ``seats_taken`` (``seats_taken < capacity``): the
row's lock makes concurrent bookings queue, so the last place goes to exactly one of them and the rest join the
waiting list, first come first served (by the time they were made). A cancellation frees its place and the first
waiting booking is *offered* it at once: the family is emailed and has ``COMMUNITY_OFFER_HOURS`` (48 by
default) to confirm, after which the offer lapses and the place moves on (:func:`expire_offers`, a
level-triggered job).

Money: a place with a cost is paid when it is booked (or an offer confirmed), through the one ledger, from the
locality's budget or the learner's own learning budget (the event says which; a guardian's own place is paid only
from a locality budget), with the idempotency key ``event-place:<booking>``. A cancellation up to the event's
cancellation close (or the event being cancelled) refunds it by reversing the transfer.

Locks are always taken in one order, the event's row first, then (in the ledger) the funding year and accounts,
so booking, cancelling and expiring never wait on each other in a circle.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from virtualacademy import clock
from virtualacademy.errors import DomainError, NotAllowed
from virtualacademy.extensions import db
from virtualacademy.models import (
    Booking,
    BookingState,
    Event,
    EventStatus,
    Guardian,
    Learner,
    PlacePaidFrom,
    SpendingCategory,
    TransferKind,
    User,
)
from virtualacademy.services import audit, ledger, notifications
from virtualacademy.services.community import access
from virtualacademy.services.community.common import family_users, offer_hours, pounds, when

HOLDING = (BookingState.BOOKED, BookingState.OFFERED)
#: Why bookings end when their event is cancelled (the family feed shows those events as cancelled).
EVENT_CANCELLED = "event cancelled"


def event_link(event: Event) -> str:
    return f"/community/events/{event.id}"


# --- places -------------------------------------------------------------------------------------------------


def take_place(event: Event) -> bool:
    """One place, only if one is free (the UPDATE's condition is checked under the row's lock)."""
    taken = db.session.execute(
        update(Event)
        .where(Event.id == event.id, Event.seats_taken < Event.capacity)
        .values(seats_taken=Event.seats_taken + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(event, ["seats_taken"])
    return bool(taken)


def free_place(event: Event) -> None:
    db.session.execute(
        update(Event)
        .where(Event.id == event.id, Event.seats_taken > 0)
        .values(seats_taken=Event.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(event, ["seats_taken"])


# --- money --------------------------------------------------------------------------------------------------


def _payer(event: Event, learner: Learner | None):
    if not event.cost_pence:
        return None
    if event.paid_from is PlacePaidFrom.LOCALITY and event.locality is not None:
        return ledger.locality_account(event.locality)
    if event.paid_from is PlacePaidFrom.PERSONAL and learner is not None:
        return ledger.personal_account(learner)
    return None  # a guardian's own place on a personally paid event: free


def check_covers(event: Event, learner: Learner | None, name: str) -> None:
    """Refuse, before anything is written, when the paying budget cannot cover a place (the ledger checks again,
    under its lock, as it posts)."""
    payer = _payer(event, learner)
    if payer is not None and payer.balance_pence < event.cost_pence:
        raise ledger.InsufficientFunds(
            f"{payer.name} has {pounds(payer.balance_pence)}: not enough for {name}'s place "
            f"({pounds(event.cost_pence)})",
            field="attendees",
        )


def charge(actor: User | None, booking: Booking) -> None:
    """Pay for the place (once: the key names the booking)."""
    event = booking.event
    payer = _payer(event, booking.learner)
    if payer is None or booking.transfer_id is not None:
        return
    transfer = ledger.post(
        actor,
        payer,
        ledger.spending_account(SpendingCategory.EVENTS),
        event.cost_pence,
        TransferKind.SPEND,
        f"Event {event.id}: place (booking {booking.id})",
        f"event-place:{booking.id}",
    )
    booking.transfer_id, booking.cost_pence = transfer.id, event.cost_pence


def refund(actor: User | None, booking: Booking, reason: str) -> int:
    if booking.transfer is None or booking.refund_transfer_id is not None:
        return 0
    reversal = ledger.reverse(actor, booking.transfer, reason)
    booking.refund_transfer_id = reversal.id
    return booking.cost_pence


# --- booking ------------------------------------------------------------------------------------------------


def _check_open(event: Event, now: datetime) -> None:
    if event.status is not EventStatus.PUBLISHED:
        word = "cancelled" if event.status is EventStatus.CANCELLED else "not open for booking"
        raise DomainError(f"{event.title} is {word}")
    if event.booking_opens_at is not None and now < event.booking_opens_at:
        raise DomainError(f"Booking for {event.title} opens on {when(event.booking_opens_at)}")
    if now >= event.booking_closes_at:
        raise DomainError(f"Booking for {event.title} closed on {when(event.booking_closes_at)}")


def _attendee(actor: User, event: Event, learner: Learner | None, guardian: Guardian | None) -> tuple[int, str]:
    """(family id, name) of whom the place is for, if ``actor`` may book it."""
    if (learner is None) == (guardian is None):
        raise ValueError("book for one learner or one guardian")
    if learner is not None:
        if not access.may_book_learner(actor, learner):
            raise NotAllowed("You can only book places for your own children")
        return learner.family_id, learner.known_as
    if guardian.user_id != actor.id:
        raise NotAllowed("A parent or carer books their own place")
    if not event.guardians_attend:
        raise DomainError("Parents and carers do not attend this event: book places for the children only")
    return guardian.family_id, guardian.name


def _live(event: Event, learner: Learner | None, guardian: Guardian | None) -> Booking | None:
    who = Booking.learner_id == learner.id if learner is not None else Booking.guardian_id == guardian.id
    return db.session.scalar(
        select(Booking).where(Booking.event_id == event.id, who, Booking.state != BookingState.CANCELLED)
    )


def book(actor: User, event: Event, *, learner: Learner | None = None, guardian: Guardian | None = None) -> Booking:
    """A place for one of the actor's children (or, when guardians attend, the actor), or a place on the waiting
    list when the event is full. Refused: not published, booking not open or closed, not the actor's child,
    already booked or waiting, or the paying budget cannot cover the cost."""
    now = clock.now()
    if not access.may_see_event(actor, event):
        raise NotAllowed("This event is not open to your family")
    family_id, name = _attendee(actor, event, learner, guardian)
    _check_open(event, now)
    earlier = _live(event, learner, guardian)
    if earlier is not None:
        already = "is on the waiting list for" if earlier.state is BookingState.WAITING else "already has a place at"
        raise DomainError(f"{name} {already} {event.title}")
    if event.seats_taken < event.capacity:
        check_covers(event, learner, name)
    state = BookingState.BOOKED if take_place(event) else BookingState.WAITING
    booking = Booking(
        event_id=event.id,
        family_id=family_id,
        learner_id=learner.id if learner is not None else None,
        guardian_id=guardian.id if guardian is not None else None,
        state=state,
        booked_by_id=actor.id,
        created_at=now,
        confirmed_at=now if state is BookingState.BOOKED else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(booking)
            db.session.flush()
    except IntegrityError as error:  # the same place booked at the same moment elsewhere
        raise DomainError(f"{name} already has a place at {event.title}") from error
    if state is BookingState.BOOKED:
        charge(actor, booking)
    db.session.flush()
    audit.record("community.booked", actor=actor, obj=booking, detail={"event": event.id, "state": state.value})
    return booking


def book_places(
    actor: User, event: Event, learners: list[Learner], *, guardians: list[Guardian] | None = None
) -> list[Booking]:
    """Places for several of the actor's children (and the actor, when guardians attend) at once, in the order
    given: all are made or, on any refusal, none (the caller's unit of work rolls back)."""
    if not learners and not guardians:
        raise DomainError("Choose who the places are for", field="attendees")
    made = [book(actor, event, learner=learner) for learner in learners]
    return made + [book(actor, event, guardian=guardian) for guardian in guardians or []]


def waiting_position(booking: Booking) -> int | None:
    """1 for the first on the waiting list."""
    if booking.state is not BookingState.WAITING:
        return None
    ahead = db.session.scalar(
        select(db.func.count())
        .select_from(Booking)
        .where(
            Booking.event_id == booking.event_id,
            Booking.state == BookingState.WAITING,
            (Booking.created_at < booking.created_at)
            | ((Booking.created_at == booking.created_at) & (Booking.id < booking.id)),
        )
    )
    return int(ahead) + 1


# --- ending, offering, confirming ---------------------------------------------------------------------------


def end_booking(actor: User | None, booking: Booking, reason: str, *, give_back: bool) -> int | None:
    """Cancel a booking (conditionally: one already ended is left alone, and None is returned), free its place
    and, if ``give_back``, refund what it cost. Returns the pence refunded."""
    held = booking.state in HOLDING
    ended = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.state != BookingState.CANCELLED)
        .values(state=BookingState.CANCELLED, cancelled_at=clock.now(), cancel_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(booking)
    if not ended:
        return None
    if held:
        free_place(booking.event)
    given = refund(actor, booking, f"booking {booking.id}: {reason}") if give_back else 0
    db.session.flush()
    return given


def cancel(actor: User, booking: Booking) -> int:
    """The family (or the event's coordinator) cancels a booking; the first on the waiting list is offered the
    place. Families may cancel up to the event's cancellation close; before it a cost is refunded."""
    event = booking.event
    manager = access.may_manage_event(actor, event)
    if not (manager or access.in_family(actor, booking.family_id)):
        raise NotAllowed("You can only cancel your own family's bookings")
    if booking.state is BookingState.CANCELLED:
        raise DomainError("This booking is already cancelled")
    now = clock.now()
    in_time = now <= event.cancel_closes_at
    if not in_time and not manager and booking.state is not BookingState.WAITING:
        raise DomainError(f"Cancellations for {event.title} closed on {when(event.cancel_closes_at)}")
    by = "cancelled by the coordinator" if manager else "cancelled by the family"
    given = end_booking(actor, booking, by, give_back=in_time) or 0
    audit.record("community.booking_cancelled", actor=actor, obj=booking, detail={"refunded_pence": given})
    promote_waiting(event, now)
    return given


def promote_waiting(event: Event, now: datetime | None = None) -> list[Booking]:
    """Offer free places to the waiting list, first come first served, while the event is published and has not
    started. Each family offered a place is emailed."""
    now = now or clock.now()
    offered: list[Booking] = []
    if event.status is not EventStatus.PUBLISHED or now >= event.starts_at:
        return offered
    while True:
        first = db.session.scalar(
            select(Booking)
            .where(Booking.event_id == event.id, Booking.state == BookingState.WAITING)
            .order_by(Booking.created_at, Booking.id)
            .limit(1)
        )
        if first is None or not take_place(event):
            break
        expires = min(now + timedelta(hours=offer_hours()), event.starts_at)
        first.state, first.offered_at, first.offer_expires_at = BookingState.OFFERED, now, expires
        db.session.flush()
        _tell_offered(first)
        offered.append(first)
    return offered


def _tell_offered(booking: Booking) -> None:
    event = booking.event
    for user in family_users(booking.family_id):
        notifications.notify(
            user,
            f"community-offer:{booking.id}:{user.id}",
            "community_offer",
            f"A place at {event.title} for {booking.attendee_name}",
            body=(
                f"A place has come up at {event.title} on {when(event.starts_at)}. Confirm it by "
                f"{when(booking.offer_expires_at)} or it will be offered to the next family on the waiting list."
            ),
            link=event_link(event),
            email_template="notification",
        )


def confirm_offer(actor: User, booking: Booking) -> Booking:
    """The family takes the place they were offered (and it is paid for now)."""
    if not access.in_family(actor, booking.family_id):
        raise NotAllowed("You can only confirm your own family's places")
    if booking.state is not BookingState.OFFERED:
        raise DomainError("There is no place waiting to be confirmed for this booking")
    if clock.now() >= booking.offer_expires_at:
        raise DomainError("The offer has lapsed and the place has moved on")
    check_covers(booking.event, booking.learner, booking.attendee_name)
    booking.state, booking.confirmed_at = BookingState.BOOKED, clock.now()
    charge(actor, booking)
    db.session.flush()
    audit.record("community.offer_confirmed", actor=actor, obj=booking)
    return booking


def expire_offers(now: datetime | None = None) -> tuple[int, int]:
    """Offers whose time is up lapse and their places go to the next waiting; events with free places and a
    waiting list (capacity raised, say) offer them. Safe to run any number of times. Returns (lapsed, offered)."""
    now = now or clock.now()
    lapsed = list(
        db.session.scalars(
            select(Booking)
            .where(Booking.state == BookingState.OFFERED, Booking.offer_expires_at <= now)
            .order_by(Booking.offer_expires_at, Booking.id)
        )
    )
    lapsed_count = sum(1 for b in lapsed if end_booking(None, b, "offer lapsed", give_back=False) is not None)
    waiting_events = select(Booking.event_id).where(Booking.state == BookingState.WAITING)
    events = db.session.scalars(
        select(Event)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at > now,
            Event.seats_taken < Event.capacity,
            Event.id.in_(waiting_events),
        )
        .order_by(Event.id)
    )
    offered = sum(len(promote_waiting(event, now)) for event in list(events))
    return lapsed_count, offered


def tell_families_cancelled(event: Event, ended: list[Booking], reason: str) -> None:
    """Everyone whose booking (or place on the waiting list) ended because the event was cancelled."""
    for family_id in sorted({b.family_id for b in ended}):
        for user in family_users(family_id):
            notifications.notify(
                user,
                f"community-event-cancelled:{event.id}:{user.id}",
                "community_event_cancelled",
                f"{event.title} on {when(event.starts_at)} is cancelled",
                body=f"{reason}\nAny cost of your places has been refunded.",
                link=event_link(event),
                email_template="notification",
            )
