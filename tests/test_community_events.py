"""Events: posting, the rules on times, capacity and cost, who may post where, Markdown made safe, publishing,
recurring events and cancelling."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import community_world as cw
from virtualacademy import clock
from virtualacademy.errors import DomainError, NotAllowed, ValidationError
from virtualacademy.models import Booking, BookingState, Event, EventStatus, EventType, Notification, OutboxMessage
from virtualacademy.services.community import bookings, events


@pytest.fixture
def world(ctx):
    return cw.build()


def _count(model) -> int:
    return select(func.count()).select_from(model)


def test_a_coordinator_posts_a_draft_for_their_locality_and_publishes_it(ctx, world):
    event = events.create_event(world.coordinator, cw.event_input(world))
    assert event.status is EventStatus.DRAFT and event.seats_taken == 0
    assert event.description_html == "<p>Bring an <strong>apron</strong>.</p>"
    assert [s.id for s in event.subjects] == world.subject_ids[:1]
    events.publish(world.coordinator, event)
    assert event.status is EventStatus.PUBLISHED and event.published_at is not None


def test_an_event_ending_before_it_starts_is_refused_and_nothing_is_saved(ctx, world):
    begin = cw.starts()
    with pytest.raises(ValidationError) as refused:
        events.create_event(world.coordinator, cw.event_input(world, ends_at=begin - timedelta(minutes=1)))
    assert refused.value.field == "ends_at" and "end after it starts" in refused.value.message
    assert ctx.scalar(_count(Event)) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": True}, "capacity"),
        ({"title": "  "}, "title"),
        ({"venue": ""}, "venue"),
        ({"subject_ids": []}, "subjects"),
        ({"cost_pence": -1}, "cost_pence"),
        ({"booking_closes_at": timedelta(hours=1)}, "booking_closes_at"),
        ({"cancel_closes_at": timedelta(hours=1)}, "cancel_closes_at"),
        ({"booking_opens_at": timedelta(0)}, "booking_opens_at"),
        ({"event_type": EventType.ONLINE_SESSION, "online_link": "javascript:alert(1)"}, "online_link"),
        ({"event_type": EventType.ONLINE_SESSION, "online_link": None}, "online_link"),
    ],
)
def test_bad_event_input_is_refused_on_its_field(ctx, world, changes, field):
    begin = cw.starts()
    changes = {k: begin + v if isinstance(v, timedelta) else v for k, v in changes.items()}
    with pytest.raises(ValidationError) as refused:
        events.create_event(world.coordinator, cw.event_input(world, **changes))
    assert refused.value.field == field


def test_markdown_with_script_is_sanitised(ctx, world):
    text = "Hello <script>alert('x')</script> **there** <img src=x onerror=alert(1)> [a](javascript:alert(1))"
    event = events.create_event(world.coordinator, cw.event_input(world, description=text))
    for stored in (event.description, event.description_html):
        assert "<script" not in stored and "alert('x')" not in stored and "onerror" not in stored
    assert "<strong>there</strong>" in event.description_html
    assert "href=" not in event.description_html  # a javascript: link is not made a link


def test_coordinators_post_only_for_their_own_locality_and_admins_academy_wide(ctx, world):
    with pytest.raises(NotAllowed):
        events.create_event(world.other_coordinator, cw.event_input(world))
    with pytest.raises(NotAllowed):
        events.create_event(world.coordinator, cw.event_input(world, locality_id=None))
    event = events.create_event(world.admin, cw.event_input(world, locality_id=None))
    assert event.locality_id is None
    with pytest.raises(NotAllowed):
        events.publish(world.other_coordinator, events.create_event(world.coordinator, cw.event_input(world)))


def test_an_academy_wide_event_cannot_charge_a_locality_budget(ctx, world):
    with pytest.raises(ValidationError) as refused:
        events.create_event(world.admin, cw.event_input(world, locality_id=None, cost_pence=500))
    assert refused.value.field == "paid_from"


def test_capacity_cannot_go_below_the_places_booked(ctx, world):
    event = cw.published_event(world, capacity=3)
    for child in (*world.family(0).children, world.family(1).children[0]):
        bookings.book(cw_guardian(world, child), event, learner=child)
    with pytest.raises(ValidationError) as refused:
        events.update_event(world.coordinator, event, cw.event_input(world, capacity=2))
    assert refused.value.field == "capacity" and "3 places are already booked" in refused.value.message
    ctx.refresh(event)
    assert event.capacity == 3


def cw_guardian(world, child):
    return next(f.guardian for f in world.families if child in f.children)


def test_raising_the_capacity_offers_the_new_places_to_the_waiting_list(ctx, world):
    event = cw.published_event(world, capacity=1)
    first, second = world.family(1).children[0], world.family(2).children[0]
    bookings.book(world.family(1).guardian, event, learner=first)
    waiting = bookings.book(world.family(2).guardian, event, learner=second)
    assert waiting.state is BookingState.WAITING
    events.update_event(world.coordinator, event, cw.event_input(world, capacity=2))
    ctx.refresh(waiting)
    assert waiting.state is BookingState.OFFERED


def test_a_recurring_event_makes_one_bookable_event_per_occurrence_at_the_same_london_time(ctx, world, travel):
    from datetime import datetime

    travel(datetime(2027, 3, 2, 9, 0, tzinfo=clock.LONDON))
    begin = datetime(2027, 3, 16, 16, 0, tzinfo=clock.LONDON)  # before the clocks go forward (28 March)
    made = events.create_recurring(
        world.coordinator,
        cw.event_input(world, starts_at=begin, booking_closes_at=begin - timedelta(hours=2), cancel_closes_at=None),
        "FREQ=WEEKLY;COUNT=4",
    )
    assert len(made) == 4
    assert [clock.london(e.starts_at).strftime("%d %H:%M") for e in made] == [
        "16 16:00",
        "23 16:00",
        "30 16:00",
        "06 16:00",
    ]
    assert all(e.series_id == made[0].id for e in made[1:]) and made[0].series_id is None
    assert all(e.starts_at - e.booking_closes_at == timedelta(hours=2) for e in made)
    with pytest.raises(ValidationError):
        events.create_recurring(world.coordinator, cw.event_input(world), "FREQ=WEEKLY")


def test_cancelling_an_event_cancels_every_booking_refunds_and_tells_the_families(ctx, world):
    cw.fund_locality(world.locality)
    event = cw.published_event(world, capacity=1, cost_pence=1_500)
    booked = bookings.book(world.family(1).guardian, event, learner=world.family(1).children[0])
    waiting = bookings.book(world.family(2).guardian, event, learner=world.family(2).children[0])
    assert booked.transfer_id is not None
    with pytest.raises(ValidationError):
        events.cancel_event(world.coordinator, event, "")
    events.cancel_event(world.coordinator, event, "The venue has flooded.")
    ctx.refresh(booked)
    ctx.refresh(waiting)
    assert event.status is EventStatus.CANCELLED and event.seats_taken == 0
    assert booked.state is BookingState.CANCELLED and booked.refund_transfer_id is not None
    assert waiting.state is BookingState.CANCELLED
    for family in (world.family(1), world.family(2)):
        assert ctx.scalar(select(func.count()).where(Notification.user_id == family.guardian.id)) == 1
        assert ctx.scalar(select(func.count()).where(OutboxMessage.to_address == family.guardian.email)) == 1
    with pytest.raises(DomainError):
        events.update_event(world.coordinator, event, cw.event_input(world))
    assert ctx.scalar(_count(Booking)) == 2


def test_families_browse_published_events_by_type_and_date(ctx, world):
    club = cw.published_event(world, title="Chess club", event_type=EventType.ENRICHMENT_CLUB)
    later = cw.published_event(world, title="Later trip", event_type=EventType.TRIP, starts_at=cw.starts(days=30))
    events.create_event(world.coordinator, cw.event_input(world, title="Draft"))
    cw.published_event(world, actor=world.other_coordinator, locality_id=world.other_locality.id, title="Elsewhere")
    parent = world.family(0).guardian

    def titles(**kw):
        return [e.title for e in ctx.scalars(events.browse(parent, **kw))]

    assert titles() == ["Chess club", "Later trip"]
    assert titles(event_type=EventType.TRIP) == ["Later trip"]
    assert titles(start=club.starts_at, end=club.starts_at + timedelta(days=7)) == ["Chess club"]
    assert later.places_left == 10
