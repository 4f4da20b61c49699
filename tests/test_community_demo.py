"""The demo academy's community: events (one full with a waiting list), bookings, an opportunity, an announcement
and a conversation, made through the services; a second run adds nothing."""

from sqlalchemy import func, select

from virtualacademy.models import (
    Announcement,
    Booking,
    BookingState,
    Conversation,
    Event,
    EventStatus,
    Message,
    Opportunity,
    Placement,
)


def test_the_demo_seeds_the_community_through_the_rules(runner, db_session):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Skipped:" not in first.output, first.output
    assert "The event Science museum trip (2 places)." in first.output
    count = lambda model: db_session.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert count(Event) == 3
    assert all(e.status is EventStatus.PUBLISHED for e in db_session.scalars(select(Event)))
    trip = db_session.scalar(select(Event).where(Event.title == "Science museum trip"))
    states = db_session.scalars(
        select(Booking.state).where(Booking.event_id == trip.id).order_by(Booking.created_at, Booking.id)
    ).all()
    assert states == [BookingState.BOOKED, BookingState.BOOKED, BookingState.WAITING, BookingState.WAITING]
    assert trip.seats_taken == 2 and trip.locality_id is None
    assert count(Booking) == 6 and count(Opportunity) == 1 and count(Placement) == 1
    assert count(Announcement) == 1 and count(Conversation) == 1 and count(Message) == 2

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "Nothing new to add" in second.output, second.output
    assert count(Booking) == 6 and count(Event) == 3 and count(Message) == 2
