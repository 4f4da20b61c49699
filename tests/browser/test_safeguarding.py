"""Safeguarding concerns in a real browser, with axe-core on every page state (errors included): a mentor
finds a learner and raises a concern through the form (an error first); a safeguarding lead is told, opens
the concern from the list and records entries in its chronology, up to closing it."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import axe_check, error_summary, heading, preload_axe, sign_in
from tests.factories import LearnerFactory
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import ConcernStatus, Notification, OutboxMessage, Role, SafeguardingConcern

WHAT = "Ellie said her mum's new partner shouts at her and she is scared to be at home in the evenings."
REFERRAL = "Referral to children's social care"


def fill_date(page, legend: str, day) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_a_mentor_raises_a_concern_and_a_lead_acts_on_it(app, new_page, make_user, committed_db):
    with app.app_context():
        learner = LearnerFactory(legal_name="Ellie Marsh", preferred_name="Ellie")
        family_reference, locality = learner.family.reference, learner.locality.name
    mentor = make_user(roles=[Role.MENTOR], name="Morgan Reyes")
    lead = make_user(roles=[Role.SAFEGUARDING_LEAD], name="Sam Whitfield")
    today = clock.today()

    # --- the mentor -------------------------------------------------------------------------------------
    page = new_page()
    preload_axe(page)
    sign_in(page, mentor)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Raise a concern").click()
    expect(heading(page)).to_have_text("Raise a safeguarding concern")
    axe_check(page)

    page.get_by_label("Learner's name or family reference").fill("marsh")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_role("table")
    expect(results).to_contain_text(family_reference)
    expect(results).to_contain_text(locality)
    axe_check(page)
    results.get_by_role("link", name="Raise a concern about Ellie Marsh").click()

    expect(heading(page)).to_have_text("Concern about Ellie Marsh")
    axe_check(page)
    # An error first: a date in the future, and nothing said about what happened.
    fill_date(page, "Date it was seen or heard", today + timedelta(days=1))
    page.get_by_label("Time it was seen or heard", exact=True).fill("2:30pm")
    page.get_by_label("Immediate action taken (optional)", exact=True).fill("Told her I would pass it on.")
    page.get_by_role("button", name="Send to the safeguarding leads").click()

    expect(page).to_have_title(re.compile(r"^Error: Raise a safeguarding concern about Ellie Marsh – "))
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page).get_by_role("link")).to_have_text(["Enter what was seen or heard"])
    expect(page.get_by_label("Time it was seen or heard", exact=True)).to_have_value("2:30pm")
    expect(page.get_by_label("Immediate action taken (optional)", exact=True)).to_have_value(
        "Told her I would pass it on."
    )
    axe_check(page)
    page.get_by_label("What was seen or heard", exact=True).fill(WHAT)
    page.get_by_role("button", name="Send to the safeguarding leads").click()

    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(error_summary(page).get_by_role("link")).to_have_text(
        ["The date it was seen or heard must be today or in the past"]
    )
    expect(page.get_by_label("What was seen or heard", exact=True)).to_have_value(WHAT)
    axe_check(page)
    fill_date(page, "Date it was seen or heard", today - timedelta(days=1))
    page.get_by_role("button", name="Send to the safeguarding leads").click()

    panel = page.locator(".govuk-panel--confirmation")
    expect(panel.get_by_role("heading", level=1)).to_have_text("Concern sent")
    expect(panel).to_contain_text("The safeguarding leads have been told")
    axe_check(page)

    with app.app_context():
        concern = db.session.scalars(select(SafeguardingConcern)).one()
        concern_id = concern.id
        assert concern.what_happened == WHAT
        email = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == lead.email)).one()
        assert "Ellie" not in email.body_text and "scared" not in email.body_text
        assert db.session.scalars(select(Notification.user_id)).all() == [lead.id]

    # The mentor can read back what they sent, not the leads' chronology.
    page.get_by_role("link", name="See the concern you raised").click()
    expect(heading(page)).to_have_text("Ellie Marsh")
    expect(page.get_by_role("main")).to_contain_text(WHAT)
    axe_check(page)

    # --- the lead ----------------------------------------------------------------------------------------
    page = new_page()
    preload_axe(page)
    sign_in(page, lead)
    expect(page.get_by_role("main")).to_contain_text("1 open concern.")
    axe_check(page)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Safeguarding").click()
    expect(heading(page)).to_have_text("Safeguarding concerns")
    row = page.get_by_role("row").filter(has_text="Ellie Marsh")
    expect(row).to_contain_text("Open")
    expect(row).to_contain_text("Morgan Reyes")
    axe_check(page)
    row.get_by_role("link").click()

    expect(page).to_have_url(re.compile(rf"/safeguarding/concerns/{concern_id}$"))
    expect(heading(page)).to_have_text("Ellie Marsh")
    expect(page.get_by_role("main")).to_contain_text(WHAT)
    expect(page.get_by_role("main")).to_contain_text("Nothing recorded yet.")
    axe_check(page)

    # Sent without a choice: the error, with the details kept.
    page.get_by_label("Details", exact=True).fill("Spoke to Ellie's mentor; referral made by phone.")
    page.get_by_role("button", name="Add to the chronology").click()
    expect(error_summary(page).get_by_role("link")).to_have_text(["Choose what was done or decided"])
    expect(page.get_by_label("Details", exact=True)).to_have_value("Spoke to Ellie's mentor; referral made by phone.")
    axe_check(page)
    page.get_by_role("group", name="What was done or decided").get_by_role("radio", name=REFERRAL).check()
    page.get_by_role("button", name="Add to the chronology").click()

    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Added to the chronology: the new entry.")
    entry_href = banner.get_by_role("link", name="the new entry").get_attribute("href")
    expect(page.locator("#" + entry_href.split("#")[1])).to_be_visible()
    chronology = page.get_by_role("list").filter(has_text="referral made by phone")
    expect(chronology.get_by_role("heading", level=3)).to_have_text([REFERRAL])
    expect(chronology).to_contain_text("Sam Whitfield")
    axe_check(page)

    page.get_by_role("group", name="What was done or decided").get_by_role("radio", name="Closed").check()
    page.get_by_label("Details", exact=True).fill("Social care assessment complete; family supported.")
    page.get_by_role("button", name="Add to the chronology").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("The concern is closed: the outcome.")
    expect(page.get_by_role("heading", level=2, name="Reopen this concern")).to_be_visible()
    expect(page.get_by_role("button", name="Add to the chronology")).to_have_count(0)
    axe_check(page)

    with app.app_context():
        assert db.session.get(SafeguardingConcern, concern_id).status is ConcernStatus.CLOSED
