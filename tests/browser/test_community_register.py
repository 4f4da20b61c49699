"""A coordinator posts an event through the form on a 375 px phone (a mistake first), publishes it, a family
books, and once the clock reaches the event the coordinator takes the register on the phone. Every page passes
axe-core and never scrolls sideways."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.conftest import Person, axe_check, choose, error_summary, heading, preload_axe, sign_in
from tests.community_world import build
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import Event
from virtualacademy.services.community import bookings

PHONE = {"viewport": {"width": 375, "height": 800}, "is_mobile": True, "has_touch": True}


def _person(user) -> Person:
    return Person(id=user.id, name=user.name, email=user.email)


def _fits(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375, page.url
    axe_check(page)


def _fill_date(page, name: str, day) -> None:
    boxes = page.locator(f'input[name="{name}"]')
    for n, value in enumerate((day.day, day.month, day.year)):
        boxes.nth(n).fill(str(value))


def test_a_coordinator_posts_an_event_and_takes_its_register_on_a_phone(app, new_page, committed_db, travel):
    with app.app_context():
        world = build(families=2)
        db.session.commit()
        coordinator = _person(world.coordinator)
        family = world.family(0)
        locality_name = world.locality.name

    page = new_page(**PHONE)
    preload_axe(page)
    sign_in(page, coordinator)
    expect(page.locator("a", has_text="Community").first).to_be_attached()  # in the menu
    page.goto("/community/")
    page.get_by_role("main").get_by_role("link", name="Your events").click()
    expect(heading(page)).to_have_text("Manage events")
    _fits(page)
    page.get_by_role("button", name="Post an event").click()
    expect(heading(page)).to_have_text("Post an event")
    _fits(page)

    day = clock.today() + timedelta(days=7)
    page.get_by_label("Locality", exact=True).select_option(label=locality_name)
    page.get_by_label("Title", exact=True).fill("Pond dipping")
    choose(page.get_by_role("radio", name="Workshop", exact=True))
    page.get_by_label("Description", exact=True).fill("Bring **wellies**.")
    _fill_date(page, "starts_on", day)
    page.get_by_label("Start time", exact=True).fill("10:00")
    _fill_date(page, "ends_on", day)
    page.get_by_label("End time", exact=True).fill("9:00")  # before the start
    page.get_by_label("Venue", exact=True).fill("Sandall Park")
    page.get_by_label("Places", exact=True).fill("6")
    choose(page.get_by_role("checkbox", name="Science", exact=True))
    page.get_by_role("button", name="Save as a draft").click()
    expect(page).to_have_title(re.compile(r"^Error: Post an event"))
    expect(error_summary(page)).to_contain_text("The event must end after it starts")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Pond dipping")
    _fits(page)
    page.get_by_label("End time", exact=True).fill("12:00")
    page.get_by_role("button", name="Save as a draft").click()
    expect(heading(page)).to_have_text("Pond dipping")
    expect(page.get_by_role("main")).to_contain_text("Draft")
    _fits(page)
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is published")
    _fits(page)
    event_url = page.url

    with app.app_context():
        event = db.session.scalar(db.select(Event).where(Event.title == "Pond dipping"))
        guardian = db.session.merge(family.guardian)
        for child in family.children:
            bookings.book(guardian, event, learner=db.session.merge(child))
        db.session.commit()
        starts_at = event.starts_at

    page.reload()
    expect(page.get_by_role("main")).to_contain_text("2 booked")
    _fits(page)
    page.get_by_role("link", name=re.compile("register \\(taken once")).click()
    expect(page.get_by_role("main")).to_contain_text("The register can be taken once the event has started")
    _fits(page)

    # --- on the day -------------------------------------------------------------------------------------------
    travel(starts_at + timedelta(hours=1))
    page = new_page(**PHONE)
    preload_axe(page)
    sign_in(page, coordinator)
    page.goto(event_url)
    page.get_by_role("link", name="Take the register").click()
    expect(heading(page)).to_have_text("Register")
    _fits(page)
    rows = page.locator(".va-register-row")
    expect(rows).to_have_count(2)
    choose(rows.nth(0).get_by_role("radio", name="Present"))
    choose(rows.nth(1).get_by_role("radio", name="Late"))
    box = rows.nth(0).get_by_role("radio", name="Present").bounding_box()
    assert box is None or box["height"] >= 24  # a radio the size of a fingertip
    page.get_by_role("button", name="Save the register").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 attendance-in-learning entries made")
    expect(rows.nth(1).get_by_role("radio", name="Late")).to_be_checked()
    _fits(page)
