"""The family's event pages: browsing (a list and a month's calendar, filtered; never another locality's events
unless followed, never drafts), places left in words, booking children with the cost posted through the ledger,
the waiting list, cancelling (refunded before the close, not after), confirming an offered place, the family's
bookings, the dashboard panel. Bad input gives messages, never a 500; a list costs the same few statements however
many events it shows."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from tests import community_world as cw
from tests.conftest import banners, post_form, sign_in
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import Booking, BookingState, EventType, FollowedLocality, PlacePaidFrom, Transfer
from virtualacademy.services import ledger
from virtualacademy.services.community import bookings, events


@pytest.fixture
def world(client):
    made = cw.build(families=3)
    cw.fund_locality(made.locality)
    db.session.commit()
    return made


def _as(client, user):
    assert sign_in(client, user.email).status_code == 302
    return client


def _page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'").replace("&amp;", "&")


def _event(world, **changes):
    made = cw.published_event(world, **changes)
    db.session.commit()
    return made


# --- browsing ----------------------------------------------------------------------------------------------------


def test_the_list_shows_own_academy_wide_and_followed_localities_events_never_drafts_or_others(client, world):
    own = _event(world, title="Clay workshop")
    everyone = _event(world, title="Science museum trip", actor=world.admin, locality_id=None)
    elsewhere = _event(
        world, title="Southern orienteering", actor=world.other_coordinator, locality_id=world.other_locality.id
    )
    events.create_event(world.coordinator, cw.event_input(world, title="Secret draft"))
    db.session.commit()
    parent = _as(client, world.family(0).guardian)
    page = _text(_page(parent, "/community/events"))
    assert "Clay workshop" in page and "Science museum trip" in page
    assert "Southern orienteering" not in page and "Secret draft" not in page
    assert _page(parent, f"/community/events/{elsewhere.id}", 404)
    db.session.add(
        FollowedLocality(family_id=world.family(0).children[0].family_id, locality_id=world.other_locality.id)
    )
    db.session.commit()
    assert "Southern orienteering" in _text(_page(parent, "/community/events"))
    assert own.id and everyone.id


def test_filters_by_type_and_dates(client, world):
    _event(world, title="Clay workshop", starts_at=cw.starts(days=7))
    _event(world, title="Football taster", event_type=EventType.SPORT, starts_at=cw.starts(days=14))
    _event(world, title="Late workshop", starts_at=cw.starts(days=40))
    parent = _as(client, world.family(0).guardian)
    page = _text(_page(parent, "/community/events?type=sport"))
    assert "Football taster" in page and "Clay workshop" not in page
    when = clock.today() + timedelta(days=10)
    later = clock.today() + timedelta(days=20)
    page = _text(
        _page(
            parent,
            f"/community/events?date_from={when.day}&date_from={when.month}"
            f"&date_from={when.year}&date_to={later.day}&date_to={later.month}"
            f"&date_to={later.year}",
        )
    )
    assert "Football taster" in page and "Clay workshop" not in page and "Late workshop" not in page


def test_the_month_calendar_shows_that_months_events_with_links_to_the_next_and_previous(client, world):
    _event(world, title="Clay workshop", starts_at=datetime(2027, 3, 9, 10, tzinfo=clock.LONDON))
    _event(world, title="April walk", starts_at=datetime(2027, 4, 6, 10, tzinfo=clock.LONDON))
    _event(
        world,
        title="Southern fair",
        actor=world.other_coordinator,
        locality_id=world.other_locality.id,
        starts_at=datetime(2027, 3, 10, 10, tzinfo=clock.LONDON),
    )
    parent = _as(client, world.family(0).guardian)
    html = _page(parent, "/community/events?view=month&month=2027-03")
    page = _text(html)
    assert "Events in March 2027" in page and "Tuesday 9 March" in page and "Clay workshop" in page
    assert "April walk" not in page and "Southern fair" not in page
    assert "month=2027-04" in html and "month=2027-02" in html
    assert "April walk" in _text(_page(parent, "/community/events?view=month&month=2027-04"))
    # this month when none is asked for
    assert "Events in March 2027" in _text(_page(parent, "/community/events?view=month"))


@pytest.mark.parametrize(
    "query, message",
    [
        ("view=month&month=9999-99", "Enter the month as a year and month"),
        ("view=month&month=1066-01", "Enter a month between"),
        ("type=banana", "Not a valid choice"),
        ("date_from=31&date_from=2&date_from=2027", "must be a real date"),
        ("date_from=1&date_from=1&date_from=99999999999999999999", "must be a real date"),
        ("date_from=5&date_from=3&date_from=2027&date_to=1&date_to=3&date_to=2027", "same as or after"),
    ],
)
def test_bad_filters_are_messages_on_the_page(client, world, query, message):
    _event(world, title="Clay workshop")
    parent = _as(client, world.family(0).guardian)
    html = _page(parent, f"/community/events?{query}")
    assert "govuk-error-summary" in html and message in _text(html)
    assert "<title>Error: " in html
    assert "Clay workshop" in _text(html)  # shown unfiltered


def test_places_left_in_words(client, world, travel):
    roomy = _event(world, title="Roomy", capacity=5)
    small = _event(world, title="Small", capacity=1)
    bookings.book(world.family(1).guardian, small, learner=world.family(1).children[0])
    db.session.commit()
    parent = _as(client, world.family(0).guardian)
    closes = clock.long_date(roomy.booking_closes_at)
    page = _text(_page(parent, "/community/events"))
    assert f"5 places left. Booking closes {closes}" in page
    assert "Full – join the waiting list" in page
    assert "Full – join the waiting list" in _text(_page(parent, f"/community/events/{small.id}"))
    travel(roomy.booking_closes_at + timedelta(minutes=1))
    parent = _as(client, world.family(0).guardian)
    assert "Booking closed" in _text(_page(parent, f"/community/events/{roomy.id}"))


def test_statements_do_not_grow_with_the_events_listed(client, world):
    parent = _as(client, world.family(0).guardian)

    def count(path: str) -> int:
        seen = []

        def listener(*_args):
            seen.append(1)

        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            _page(parent, path)
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    for n in range(3):
        made = _event(world, title=f"Event {n}", starts_at=cw.starts(days=5 + n))
        bookings.book(world.family(0).guardian, made, learner=world.family(0).children[0])
    db.session.commit()
    few = (
        count("/community/events"),
        count("/community/events?view=month&month=2027-03"),
        count("/community/bookings"),
    )
    for n in range(3, 30):
        made = _event(world, title=f"Event {n}", starts_at=cw.starts(days=5 + n % 20))
        bookings.book(world.family(0).guardian, made, learner=world.family(0).children[0])
    db.session.commit()
    many = (
        count("/community/events"),
        count("/community/events?view=month&month=2027-03"),
        count("/community/bookings"),
    )
    assert many == few


# --- the event page --------------------------------------------------------------------------------------------


def test_the_event_page_shows_the_address_and_link_only_to_families_with_a_place(client, world):
    made = _event(
        world,
        title="Clay workshop",
        description="Bring an **apron**.",
        suitable_for="Beginners welcome",
        accessibility="Step-free access",
        cost_pence=500,
    )
    parent = _as(client, world.family(0).guardian)
    page = _page(parent, f"/community/events/{made.id}")
    text = _text(page)
    assert "<strong>apron</strong>" in page
    assert "Bentley Library" in text and "1 Library Road" not in text and "Shown to families with a place" in text
    assert "£5.00 a place, paid from the locality's budget" in text.replace("&#x27;", "'")
    assert "Beginners welcome" in text and "Step-free access" in text
    assert re.search(r"Tuesday 9 March 2027, 10:00 to 12:00", text)
    bookings.book(world.family(0).guardian, made, learner=world.family(0).children[0])
    db.session.commit()
    text = _text(_page(parent, f"/community/events/{made.id}"))
    assert "1 Library Road" in text and "booked" in text


def test_a_coordinator_who_manages_the_event_sees_the_address(client, world):
    made = _event(world, title="Clay workshop")
    page = _text(_page(_as(client, world.coordinator), f"/community/events/{made.id}"))
    assert "1 Library Road" in page


# --- booking -------------------------------------------------------------------------------------------------


def test_booking_two_children_posts_the_cost_through_the_ledger(client, world):
    made = _event(world, title="Clay workshop", cost_pence=750)
    family = world.family(0)
    budget = ledger.locality_account(world.locality)
    before = budget.balance_pence
    parent = _as(client, family.guardian)
    page = _text(_page(parent, f"/community/events/{made.id}/book"))
    assert "Each place costs £7.50, paid from the locality" in page.replace("&#x27;", "'")
    response = post_form(
        parent, f"/community/events/{made.id}/book", {"attendees": [f"learner-{c.id}" for c in family.children]}
    )
    assert response.status_code == 302
    [banner] = banners(_page(parent, response.headers["Location"]))
    assert banner.startswith("Places booked for ") and all(c.known_as in banner for c in family.children)
    rows = db.session.scalars(select(Booking).where(Booking.event_id == made.id)).all()
    assert {b.state for b in rows} == {BookingState.BOOKED} and len(rows) == 2
    assert all(b.cost_pence == 750 and b.transfer_id for b in rows)
    db.session.refresh(budget)
    assert budget.balance_pence == before - 1500
    assert (
        db.session.scalar(
            select(func.count()).select_from(Transfer).where(Transfer.idempotency_key.like("event-place:%"))
        )
        == 2
    )


def test_a_full_event_puts_them_on_the_waiting_list(client, world):
    made = _event(world, title="Small trip", capacity=1)
    bookings.book(world.family(1).guardian, made, learner=world.family(1).children[0])
    db.session.commit()
    family = world.family(0)
    parent = _as(client, family.guardian)
    assert "Join the waiting list" in _page(parent, f"/community/events/{made.id}")
    response = post_form(parent, f"/community/events/{made.id}/book", {"attendees": f"learner-{family.children[0].id}"})
    assert response.status_code == 302
    page = _page(parent, response.headers["Location"])
    assert "is on the waiting list" in banners(page)[0]
    assert "number 1 on the list" in _text(page)


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Choose who the places are for"),
        ({"attendees": "learner-99999999999999999999999"}, "Choose from the people listed"),
        ({"attendees": "guardian-1"}, "Choose from the people listed"),
    ],
)
def test_bad_choices_are_messages_on_the_form(client, world, data, message):
    made = _event(world, title="Clay workshop")
    parent = _as(client, world.family(0).guardian)
    response = post_form(parent, f"/community/events/{made.id}/book", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page and "<title>Error: " in page
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 0


def test_a_budget_that_cannot_cover_the_places_is_a_message_and_nothing_is_booked(client, world):
    made = _event(world, title="Pricey trip", cost_pence=20_000, paid_from=PlacePaidFrom.PERSONAL)
    family = world.family(0)
    parent = _as(client, family.guardian)
    response = post_form(
        parent, f"/community/events/{made.id}/book", {"attendees": [f"learner-{c.id}" for c in family.children]}
    )
    page = _text(response.get_data(as_text=True))
    assert response.status_code == 200 and "not enough for" in page
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 0


def test_booking_twice_or_after_close_is_refused_in_words(client, world, travel):
    made = _event(world, title="Clay workshop")
    family = world.family(1)
    bookings.book(family.guardian, made, learner=family.children[0])
    db.session.commit()
    parent = _as(client, family.guardian)
    page = _text(_page(parent, f"/community/events/{made.id}/book"))
    assert "Already booked or waiting" in page and "nobody else in your family" in page
    travel(made.booking_closes_at + timedelta(minutes=1))
    parent = _as(client, family.guardian)
    page = _text(
        post_form(parent, f"/community/events/{made.id}/book", {"attendees": "learner-1"}).get_data(as_text=True)
    )
    assert "not open for booking" in page


def test_another_familys_event_or_booking_is_not_found(client, world):
    made = _event(world, title="Clay workshop")
    theirs = bookings.book(world.family(1).guardian, made, learner=world.family(1).children[0])
    db.session.commit()
    parent = _as(client, world.family(0).guardian)
    assert _page(parent, f"/community/bookings/{theirs.id}/cancel", 404)
    assert post_form(parent, f"/community/bookings/{theirs.id}/cancel").status_code == 404
    assert post_form(parent, f"/community/bookings/{theirs.id}/confirm").status_code == 404
    assert _page(parent, "/community/bookings/99999999999999999999999/cancel", 404)
    assert _page(parent, "/community/events/99999999999999999999999", 404)
    assert db.session.get(Booking, theirs.id).state is BookingState.BOOKED


# --- cancelling and confirming -------------------------------------------------------------------------------


def test_cancelling_before_the_close_refunds_and_offers_the_place(client, world):
    made = _event(world, title="Small trip", capacity=1, cost_pence=1_000)
    family, waiting = world.family(0), world.family(1)
    mine = bookings.book(family.guardian, made, learner=family.children[0])
    theirs = bookings.book(waiting.guardian, made, learner=waiting.children[0])
    db.session.commit()
    parent = _as(client, family.guardian)
    assert "will be refunded" in _text(_page(parent, f"/community/bookings/{mine.id}/cancel"))
    response = post_form(parent, f"/community/bookings/{mine.id}/cancel")
    assert response.status_code == 302 and response.headers["Location"].endswith("/community/bookings")
    assert "£10.00 has been refunded" in banners(_page(parent, "/community/bookings"))[0]
    assert db.session.get(Booking, mine.id).refund_transfer_id is not None
    assert db.session.get(Booking, theirs.id).state is BookingState.OFFERED


def test_cancelling_after_the_close_is_refused_to_the_family_but_the_coordinator_may_without_refund(
    client, world, travel
):
    made = _event(world, title="Clay workshop", cost_pence=1_000)
    family = world.family(0)
    mine = bookings.book(family.guardian, made, learner=family.children[0])
    db.session.commit()
    travel(made.cancel_closes_at + timedelta(hours=1))
    parent = _as(client, family.guardian)
    assert "Cancellations for this event closed" in _text(_page(parent, f"/community/bookings/{mine.id}/cancel"))
    post_form(parent, f"/community/bookings/{mine.id}/cancel")
    assert db.session.get(Booking, mine.id).state is BookingState.BOOKED
    client.post(
        "/sign-out",
        data={"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', _page(client, "/dashboard"))[1]},
    )
    coordinator = _as(client, world.coordinator)
    assert "will not be refunded" in _text(_page(coordinator, f"/community/bookings/{mine.id}/cancel"))
    response = post_form(coordinator, f"/community/bookings/{mine.id}/cancel")
    assert response.status_code == 302 and f"/community/events/{made.id}" in response.headers["Location"]
    assert "Nothing was refunded" in banners(_page(coordinator, response.headers["Location"]))[0]
    cancelled = db.session.get(Booking, mine.id)
    assert cancelled.state is BookingState.CANCELLED and cancelled.refund_transfer_id is None


def test_confirming_an_offered_place_and_a_lapsed_offer(client, world, travel):
    made = _event(world, title="Small trip", capacity=1, cost_pence=300)
    first, second = world.family(1), world.family(0)
    theirs = bookings.book(first.guardian, made, learner=first.children[0])
    mine = bookings.book(second.guardian, made, learner=second.children[0])
    bookings.cancel(first.guardian, theirs)
    db.session.commit()
    offer = db.session.get(Booking, mine.id)
    assert offer.state is BookingState.OFFERED
    parent = _as(client, second.guardian)
    page = _text(_page(parent, "/community/bookings"))
    assert "Places to confirm" in page and f"Confirm it by {bookings.when(offer.offer_expires_at)}" in page
    dashboard = _text(_page(parent, "/dashboard"))
    assert "Places to confirm" in dashboard and "Small trip" in dashboard and "will appear here" not in dashboard
    response = post_form(parent, f"/community/bookings/{mine.id}/confirm")
    assert response.status_code == 302
    assert "is confirmed" in banners(_page(parent, "/community/bookings"))[0]
    confirmed = db.session.get(Booking, mine.id)
    assert confirmed.state is BookingState.BOOKED and confirmed.transfer_id is not None
    # a second offer that lapses
    other = _event(world, title="Another trip", capacity=1)
    held = bookings.book(first.guardian, other, learner=first.children[0])
    late = bookings.book(second.guardian, other, learner=second.children[1])
    bookings.cancel(first.guardian, held)
    db.session.commit()
    travel(db.session.get(Booking, late.id).offer_expires_at + timedelta(minutes=1))
    parent = _as(client, second.guardian)
    post_form(parent, f"/community/bookings/{late.id}/confirm")
    assert "lapsed" in _text(_page(parent, "/community/bookings"))
    assert db.session.get(Booking, late.id).state is BookingState.OFFERED


def test_the_bookings_page_lists_upcoming_and_past(client, world, travel):
    soon = _event(world, title="Clay workshop")
    family = world.family(0)
    bookings.book(family.guardian, soon, learner=family.children[0])
    db.session.commit()
    parent = _as(client, family.guardian)
    page = _text(_page(parent, "/community/bookings"))
    assert "Clay workshop" in page and "Upcoming: 1 booking" in page
    assert "Past: 0 bookings" in _text(_page(parent, "/community/bookings?show=past"))
    travel(soon.ends_at + timedelta(days=1))
    parent = _as(client, family.guardian)
    assert "Clay workshop" in _text(_page(parent, "/community/bookings?show=past"))
    assert "Clay workshop" not in _text(_page(parent, "/community/bookings"))


def test_the_dashboard_panel_lists_the_next_bookings_and_the_way_to_browse(client, world):
    parent = _as(client, world.family(0).guardian)
    page = _text(_page(parent, "/dashboard"))
    assert "No places booked" in page and "Browse events" in page
    made = _event(world, title="Clay workshop")
    bookings.book(world.family(0).guardian, made, learner=world.family(0).children[0])
    db.session.commit()
    page = _text(_page(parent, "/dashboard"))
    assert "Coming up" in page and "Clay workshop" in page


def test_a_parent_books_their_own_place_when_parents_attend_and_a_learner_books_themselves(client, world):
    from tests.factories import UserFactory
    from virtualacademy.models import Role

    made = _event(world, title="Family walk", guardians_attend=True)
    family = world.family(1)
    parent = _as(client, family.guardian)
    page = _text(_page(parent, f"/community/events/{made.id}/book"))
    assert "(you)" in page
    response = post_form(
        parent,
        f"/community/events/{made.id}/book",
        {"attendees": [f"guardian-{family.guardian_row.id}", f"learner-{family.children[0].id}"]},
    )
    assert response.status_code == 302
    rows = db.session.scalars(select(Booking).where(Booking.event_id == made.id)).all()
    assert {(b.guardian_id, b.learner_id) for b in rows} == {
        (family.guardian_row.id, None),
        (None, family.children[0].id),
    }
    # a learner with their own account is offered only themselves
    learner = world.family(0).children[0]
    own = UserFactory(roles=[Role.LEARNER])
    learner.user_id = own.id
    db.session.commit()
    client.post(
        "/sign-out",
        data={"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', _page(client, "/dashboard"))[1]},
    )
    me = _as(client, own)
    page = _page(me, f"/community/events/{made.id}/book")
    assert f'value="learner-{learner.id}"' in page and f'value="learner-{world.family(0).children[1].id}"' not in page


def test_a_coordinator_lists_their_localitys_drafts_but_no_other_localitys(client, world):
    events.create_event(world.coordinator, cw.event_input(world, title="Our draft"))
    events.create_event(
        world.other_coordinator, cw.event_input(world, title="Their draft", locality_id=world.other_locality.id)
    )
    db.session.commit()
    page = _text(_page(_as(client, world.coordinator), "/community/events"))
    assert "Our draft" in page and "Their draft" not in page
