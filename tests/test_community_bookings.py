"""Booking places: for one's own children only, once, while booking is open; the waiting list, first come first
served; cancellation promotes the first waiting family and emails them; offers lapse and move on; costs through
the ledger, refunded on cancellation before the close."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import community_world as cw
from virtualacademy import clock
from virtualacademy.errors import DomainError, NotAllowed
from virtualacademy.models import Booking, BookingState, OutboxMessage, PlacePaidFrom, Transfer
from virtualacademy.services import ledger
from virtualacademy.services.community import bookings, events


@pytest.fixture
def world(ctx):
    return cw.build(families=4)


def _book(world, n, event, child=0):
    family = world.family(n)
    return bookings.book(family.guardian, event, learner=family.children[child])


def test_a_guardian_books_places_for_their_children(ctx, world):
    event = cw.published_event(world)
    first, second = _book(world, 0, event, 0), _book(world, 0, event, 1)
    assert first.state is second.state is BookingState.BOOKED
    ctx.refresh(event)
    assert event.seats_taken == 2 and event.places_left == 8


def test_booking_a_child_from_another_family_is_refused(ctx, world):
    event = cw.published_event(world)
    with pytest.raises(NotAllowed) as refused:
        bookings.book(world.family(0).guardian, event, learner=world.family(1).children[0])
    assert "your own children" in refused.value.message
    assert ctx.scalar(select(func.count()).select_from(Booking)) == 0


def test_booking_twice_is_refused(ctx, world):
    event = cw.published_event(world)
    _book(world, 1, event)
    with pytest.raises(DomainError) as refused:
        _book(world, 1, event)
    assert "already has a place" in refused.value.message
    ctx.refresh(event)
    assert event.seats_taken == 1


def test_booking_after_close_or_before_opening_or_a_draft_is_refused(ctx, world, travel):
    event = cw.published_event(world)
    travel(event.booking_closes_at + timedelta(minutes=1))
    with pytest.raises(DomainError) as refused:
        _book(world, 1, event)
    assert "closed on" in refused.value.message
    later = cw.starts(days=20)
    travel(later - timedelta(days=19, hours=12))
    opening = cw.published_event(world, starts_at=later, booking_opens_at=clock.now() + timedelta(days=3))
    with pytest.raises(DomainError, match="opens on"):
        _book(world, 1, opening)
    draft = events.create_event(world.coordinator, cw.event_input(world))
    with pytest.raises(NotAllowed):
        _book(world, 1, draft)
    events.cancel_event(world.coordinator, opening, "Not enough interest")
    with pytest.raises(DomainError, match="is cancelled"):
        _book(world, 1, opening)


def test_families_outside_the_locality_cannot_book_unless_it_is_academy_wide(ctx, world):
    outsider = cw.make_family(world.other_locality)
    event = cw.published_event(world)
    with pytest.raises(NotAllowed):
        bookings.book(outsider.guardian, event, learner=outsider.children[0])
    everyone = cw.published_event(world, actor=world.admin, locality_id=None)
    assert bookings.book(outsider.guardian, everyone, learner=outsider.children[0]).state is BookingState.BOOKED


def test_guardians_book_their_own_place_only_when_guardians_attend(ctx, world):
    family = world.family(1)
    event = cw.published_event(world)
    with pytest.raises(DomainError, match="do not attend"):
        bookings.book(family.guardian, event, guardian=family.guardian_row)
    together = cw.published_event(world, guardians_attend=True)
    assert bookings.book(family.guardian, together, guardian=family.guardian_row).state is BookingState.BOOKED
    with pytest.raises(NotAllowed):
        bookings.book(world.family(2).guardian, together, guardian=family.guardian_row)


def test_a_full_event_has_a_first_come_waiting_list(ctx, world):
    event = cw.published_event(world, capacity=1)
    _book(world, 1, event)
    second, third = _book(world, 2, event), _book(world, 3, event)
    assert second.state is third.state is BookingState.WAITING
    assert bookings.waiting_position(second) == 1 and bookings.waiting_position(third) == 2
    with pytest.raises(DomainError, match="waiting list"):
        _book(world, 2, event)


def test_a_cancellation_offers_the_place_to_the_first_waiting_family_who_is_emailed(ctx, world):
    event = cw.published_event(world, capacity=1)
    first = _book(world, 1, event)
    second, third = _book(world, 2, event), _book(world, 3, event)
    bookings.cancel(world.family(1).guardian, first)
    ctx.refresh(second)
    ctx.refresh(third)
    assert first.state is BookingState.CANCELLED
    assert second.state is BookingState.OFFERED and third.state is BookingState.WAITING
    assert second.offer_expires_at == second.offered_at + timedelta(hours=48)
    [email] = ctx.scalars(select(OutboxMessage).where(OutboxMessage.to_address == world.family(2).guardian.email))
    assert event.title in email.subject and "Confirm it by" in email.body_text
    ctx.refresh(event)
    assert event.seats_taken == 1
    bookings.confirm_offer(world.family(2).guardian, second)
    assert second.state is BookingState.BOOKED


def test_an_offer_not_confirmed_in_time_lapses_and_moves_on(ctx, world, travel, app):
    app.config["COMMUNITY_OFFER_HOURS"] = 24
    try:
        event = cw.published_event(world, capacity=1)
        first = _book(world, 1, event)
        second, third = _book(world, 2, event), _book(world, 3, event)
        bookings.cancel(world.family(1).guardian, first)
        ctx.refresh(second)
        assert second.offer_expires_at - second.offered_at == timedelta(hours=24)
        assert bookings.expire_offers() == (0, 0)  # not yet due
        travel(second.offer_expires_at + timedelta(minutes=1))
        with pytest.raises(DomainError, match="lapsed"):
            bookings.confirm_offer(world.family(2).guardian, second)
        assert bookings.expire_offers() == (1, 1)
        assert bookings.expire_offers() == (0, 0)  # level-triggered: nothing twice
        ctx.refresh(second)
        ctx.refresh(third)
        assert second.state is BookingState.CANCELLED and second.cancel_reason == "offer lapsed"
        assert third.state is BookingState.OFFERED
        ctx.refresh(event)
        assert event.seats_taken == 1
    finally:
        app.config.pop("COMMUNITY_OFFER_HOURS", None)


def test_cancellation_closes_at_its_time_for_families(ctx, world, travel):
    event = cw.published_event(world)
    booking = _book(world, 1, event)
    travel(event.cancel_closes_at + timedelta(minutes=1))
    with pytest.raises(DomainError, match="Cancellations for"):
        bookings.cancel(world.family(1).guardian, booking)
    with pytest.raises(NotAllowed):
        bookings.cancel(world.family(2).guardian, booking)
    bookings.cancel(world.coordinator, booking)  # the coordinator still can (no refund after the close)
    assert booking.state is BookingState.CANCELLED


def test_a_cost_is_paid_from_the_locality_budget_and_refunded_before_the_close(ctx, world):
    cw.fund_locality(world.locality, 10_000)
    account = ledger.locality_account(world.locality)
    event = cw.published_event(world, cost_pence=2_500)
    booking = _book(world, 1, event)
    ctx.refresh(account)
    assert account.balance_pence == 7_500
    transfer = ctx.get(Transfer, booking.transfer_id)
    assert transfer.idempotency_key == f"event-place:{booking.id}" and transfer.amount_pence == 2_500
    assert bookings.cancel(world.family(1).guardian, booking) == 2_500
    ctx.refresh(account)
    assert account.balance_pence == 10_000 and booking.refund_transfer_id is not None
    assert ledger.verify().ok


def test_a_cost_from_the_personal_budget_is_refused_when_it_cannot_pay(ctx, world, travel):
    child = world.family(1).children[0]
    event = cw.published_event(world, cost_pence=4_000, paid_from=PlacePaidFrom.PERSONAL)
    with pytest.raises(ledger.InsufficientFunds):
        bookings.book(world.family(1).guardian, event, learner=child)
    cw.fund_learner(child, 5_000)
    booking = bookings.book(world.family(1).guardian, event, learner=child)
    assert ledger.personal_account(child).balance_pence == 1_000
    travel(event.cancel_closes_at + timedelta(minutes=1))
    assert bookings.cancel(world.coordinator, booking) == 0  # after the close: no refund
    assert ledger.personal_account(child).balance_pence == 1_000


def test_a_promoted_family_pays_when_they_confirm(ctx, world):
    cw.fund_locality(world.locality, 10_000)
    event = cw.published_event(world, capacity=1, cost_pence=1_000)
    first, second = _book(world, 1, event), _book(world, 2, event)
    assert second.transfer_id is None
    bookings.cancel(world.family(1).guardian, first)
    ctx.refresh(second)
    assert second.transfer_id is None
    bookings.confirm_offer(world.family(2).guardian, second)
    assert second.transfer_id is not None and ledger.locality_account(world.locality).balance_pence == 9_000


def test_a_booking_refused_after_its_place_was_taken_leaves_nothing_written(ctx, world, monkeypatch):
    """The ledger refuses after the place was taken and the booking flushed (say the year was closed meanwhile):
    the unit of work rolls it all back, so the place is free again and there is no booking."""
    from virtualacademy.errors import NotAllowed as Refused
    from virtualacademy.unit_of_work import unit_of_work

    cw.fund_locality(world.locality, 10_000)
    event = cw.published_event(world, cost_pence=500)
    ctx.commit()

    def closed(*args, **kwargs):
        raise Refused("2026/27 is closed: no more money can be posted to it.")

    monkeypatch.setattr(ledger, "post", closed)
    with unit_of_work(quiet=True) as work:
        _book(world, 1, event)
    assert isinstance(work.error, Refused)
    ctx.refresh(event)
    assert event.seats_taken == 0
    assert ctx.scalar(select(func.count()).select_from(Booking)) == 0


def test_a_guardian_books_several_places_at_once_all_or_nothing(ctx, world):
    from virtualacademy.unit_of_work import unit_of_work

    family = world.family(0)
    event = cw.published_event(world, capacity=2, guardians_attend=True)
    ctx.commit()
    with unit_of_work(quiet=True) as work:
        bookings.book_places(family.guardian, event, family.children, guardians=[world.family(1).guardian_row])
    assert isinstance(work.error, NotAllowed)
    assert ctx.scalar(select(func.count()).select_from(Booking)) == 0
    made = bookings.book_places(family.guardian, event, family.children, guardians=[family.guardian_row])
    assert [b.state for b in made] == [BookingState.BOOKED, BookingState.BOOKED, BookingState.WAITING]
    with pytest.raises(DomainError, match="Choose who"):
        bookings.book_places(family.guardian, event, [])
