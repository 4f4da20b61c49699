"""Booking community events in a real browser, with axe-core on every page state (errors included): a parent browses
the events (a list and a month's calendar), opens an event, books both children (an empty form first), sees the
places and the cost on the event, joins the waiting list of a full event, and cancels a booking with its refund.
The list, the calendar, the event and the booking pages fit a 375 px phone without sideways scroll."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import expect

from tests import community_world as cw
from tests.browser.conftest import Person, axe_check, choose, error_summary, heading, preload_axe, sign_in
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.services.community import bookings

PHONE = {"viewport": {"width": 375, "height": 800}, "is_mobile": True, "has_touch": True}


def _person(user) -> Person:
    return Person(id=user.id, name=user.name, email=user.email)


def _community(app) -> dict:
    with app.app_context():
        world = cw.build(families=2)
        cw.fund_locality(world.locality)
        begin = datetime(2027, 3, 16, 10, tzinfo=clock.LONDON)
        workshop = cw.published_event(
            world,
            title="Clay workshop",
            starts_at=begin,
            ends_at=begin + timedelta(hours=2),
            booking_closes_at=begin - timedelta(days=1),
            cancel_closes_at=begin - timedelta(days=2),
            cost_pence=750,
            description="Bring an **apron**. Suitable for all.",
            accessibility="Step-free access from the car park.",
        )
        trip = cw.published_event(world, title="Science museum trip", capacity=1, starts_at=cw.starts(days=9))
        other = world.family(1)
        bookings.book(other.guardian, trip, learner=other.children[0])
        family = world.family(0)
        db.session.commit()
        return {
            "guardian": _person(family.guardian),
            "children": [c.known_as for c in family.children],
            "workshop": workshop.id,
            "trip": trip.id,
        }


def _fits(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375, page.url


def test_a_parent_browses_books_two_children_joins_a_waiting_list_and_cancels(app, new_page, committed_db):
    community = _community(app)
    first, second = community["children"]
    page = new_page(**PHONE)
    preload_axe(page)
    sign_in(page, community["guardian"])
    expect(page.get_by_role("main")).to_contain_text("No places booked")
    axe_check(page)

    # the list and the month's calendar
    page.get_by_role("link", name="Events").first.click()
    expect(heading(page)).to_have_text("Events")
    expect(page.get_by_role("main")).to_contain_text("10 places left. Booking closes 15 March 2027")
    expect(page.get_by_role("main")).to_contain_text("Full – join the waiting list")
    _fits(page)
    axe_check(page)
    page.get_by_role("link", name="Show a month’s calendar").click()
    expect(heading(page)).to_have_text("Events in March 2027")
    expect(page.get_by_role("main")).to_contain_text("Tuesday 16 March")
    _fits(page)
    axe_check(page)
    page.goto("/community/events?view=month&month=9999-99")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(error_summary(page)).to_contain_text("Enter the month as a year and month")
    _fits(page)
    axe_check(page)
    page.get_by_role("link", name="April 2027").click()
    expect(heading(page)).to_have_text("Events in April 2027")
    axe_check(page)

    # the event, and booking both children (nobody chosen first)
    page.goto(f"/community/events/{community['workshop']}")
    expect(heading(page)).to_have_text("Clay workshop")
    expect(page.get_by_role("main")).to_contain_text("Tuesday 16 March 2027, 10:00 to 12:00")
    expect(page.get_by_role("main")).to_contain_text("Shown to families with a place")
    _fits(page)
    axe_check(page)
    page.get_by_role("link", name="Book places").click()
    expect(heading(page)).to_have_text("Book places")
    expect(page.get_by_role("main")).to_contain_text("Each place costs £7.50")
    _fits(page)
    axe_check(page)
    page.get_by_role("button", name="Book places").click()
    expect(page).to_have_title(re.compile(r"^Error: Book places"))
    expect(error_summary(page)).to_contain_text("Choose who the places are for")
    _fits(page)
    axe_check(page)
    choose(page.get_by_role("checkbox", name=first))
    choose(page.get_by_role("checkbox", name=second))
    page.get_by_role("button", name="Book places").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Places booked for")
    main = page.get_by_role("main")
    expect(main).to_contain_text("1 Library Road")  # the address, now they have places
    expect(main).to_contain_text(f"{first}: booked")
    expect(main).to_contain_text("8 places left")
    _fits(page)
    axe_check(page)

    # a full event: the waiting list
    page.goto(f"/community/events/{community['trip']}")
    page.get_by_role("link", name="Join the waiting list").click()
    choose(page.get_by_role("checkbox", name=first))
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is on the waiting list")
    expect(page.get_by_role("main")).to_contain_text("number 1 on the list")
    axe_check(page)

    # the family's bookings, and cancelling one with its refund
    page.goto("/community/bookings")
    expect(heading(page)).to_have_text("Your bookings")
    expect(page.get_by_role("main")).to_contain_text("Upcoming: 3 bookings")
    _fits(page)
    axe_check(page)
    page.get_by_role("link", name=f"Cancel {second}’s booking at Clay workshop").click()
    expect(heading(page)).to_have_text(f"Cancel {second}’s booking")
    expect(page.get_by_role("main")).to_contain_text("£7.50: it will be refunded")
    _fits(page)
    axe_check(page)
    page.get_by_role("button", name="Cancel this booking").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("£7.50 has been refunded")
    expect(page.get_by_role("main")).to_contain_text("Cancelled")
    axe_check(page)
    page.goto("/dashboard")
    expect(page.get_by_role("main")).to_contain_text("Coming up")
    axe_check(page)
