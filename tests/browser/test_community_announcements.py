"""Announcements, email choices and calendar links in a real browser on a 375 px phone, with axe-core on every page
state (errors included): a coordinator posts an announcement to their locality (an empty form first); a parent
reads it, turns on announcement emails, and makes their family's private calendar link, which is shown once. No
page scrolls sideways."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests import community_world as cw
from tests.browser.conftest import Person, axe_check, choose, error_summary, heading, preload_axe, sign_in
from tests.browser.test_phone_width import PHONE, page_width
from virtualacademy.extensions import db
from virtualacademy.models import Announcement, CommunityPreference, FamilyFeed

#: A private feed's address: a random token of 32 bytes (43 URL-safe characters).
FEED_LINK = re.compile(r"^http://[^/]+/community/feeds/[A-Za-z0-9_-]{40,}\.ics$")


def _person(user) -> Person:
    return Person(id=user.id, name=user.name, email=user.email)


def _check(page) -> None:
    assert page_width(page) <= 375, f"{page.url} is {page_width(page)} px wide"
    axe_check(page)


def test_a_coordinator_posts_and_a_parent_reads_chooses_emails_and_makes_a_calendar_link(app, new_page):
    with app.app_context():
        world = cw.build(families=2)
        db.session.commit()
        coordinator, guardian = _person(world.coordinator), _person(world.family(0).guardian)
        family_id, locality_name = world.family(0).guardian_row.family_id, world.locality.name

    page = new_page(**PHONE)
    preload_axe(page)
    sign_in(page, coordinator)
    page.goto("/community/announcements")
    _check(page)
    page.get_by_role("button", name="Post an announcement").click()
    expect(heading(page)).to_have_text("Post an announcement")
    _check(page)
    page.get_by_role("button", name="Post the announcement").click()
    expect(error_summary(page)).to_contain_text("Enter the announcement's title")
    assert page.title().startswith("Error: ")
    _check(page)
    page.get_by_label("Title").fill("Allotment open day")
    page.get_by_label("Announcement", exact=True).fill("Come **along** on Saturday.\n\n- Bring boots\n- Bring a flask")
    page.get_by_role("button", name="Post the announcement").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("2 families told in the app")
    expect(heading(page)).to_have_text("Allotment open day")
    _check(page)
    page.context.close()

    page = new_page(**PHONE)
    preload_axe(page)
    sign_in(page, guardian)
    page.get_by_role("button", name="Menu").click()  # the service navigation, folded on a phone
    page.get_by_role("link", name="Community").click()
    expect(heading(page)).to_have_text("Community")
    _check(page)
    page.get_by_role("main").get_by_role("link", name="Announcements").click()
    expect(heading(page)).to_have_text("Announcements")
    _check(page)
    page.get_by_role("link", name="Allotment open day").click()
    expect(page.locator(".govuk-caption-l")).to_have_text(f"For {locality_name} families")
    expect(page.locator(".va-markdown strong")).to_have_text("along")
    _check(page)

    page.get_by_role("link", name="Choose whether announcements are emailed to you").click()
    expect(heading(page)).to_have_text("Community emails and localities")
    _check(page)
    page.get_by_role("button", name="Save your choices").click()  # the radios start answered: saved as they were
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("saved")
    choose(page.get_by_role("group", name="Do you want announcements by email as well?").get_by_label("Yes"))
    choose(page.get_by_role("group", name="Neighbouring localities your family follows").get_by_role("checkbox").first)
    page.get_by_role("button", name="Save your choices").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("saved")
    _check(page)

    page.get_by_role("link", name="Add academy events to your calendar").click()
    expect(heading(page)).to_have_text("Add academy events to your calendar")
    _check(page)
    page.get_by_text("Google Calendar", exact=True).click()  # open the instructions: still no sideways scroll
    _check(page)
    page.get_by_role("button", name="Make your private link").click()
    link = page.get_by_label("Your family’s private calendar link")
    expect(link).to_have_value(FEED_LINK)
    _check(page)
    page.reload()
    expect(page.get_by_label("Your family’s private calendar link")).to_have_count(0)
    expect(page.get_by_role("button", name="Make a new private link")).to_be_visible()
    _check(page)

    with app.app_context():
        choice = db.session.get(CommunityPreference, guardian.id)
        assert choice.announcement_emails is True and choice.weekly_digest is True
        assert db.session.get(FamilyFeed, family_id) is not None
        assert db.session.scalar(select(Announcement.title)) == "Allotment open day"
