"""Funding in a real browser, with axe-core on every page state (errors included): an admin sets up a funding
year (a bad percentage first), moves a census date, previews and records the autumn census, moves money
(a bad amount first), reverses a transfer, looks at the journal, the year-end preview and the overview; and a
coordinator sees their own locality's figures."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Person, axe_check, error_summary, heading, preload_axe, sign_in, success_banner
from tests.factories import LearnerFactory, LocalityFactory, UserFactory
from virtualacademy.extensions import db
from virtualacademy.models import LocalityRole, LocalityStaff, Role, User
from virtualacademy.services import funding


@pytest.fixture
def academy(app, committed_db):
    """North with two learners and South with one, all on roll from 1 September 2025; an admin; North's coordinator."""
    with app.app_context():
        admin = UserFactory(roles=[Role.ADMIN], name="Ada Admin")
        coordinator = UserFactory(roles=[Role.COORDINATOR], name="Cora Ordinator")
        north, south = LocalityFactory(name="North"), LocalityFactory(name="South")
        for n in range(2):
            LearnerFactory(locality=north, enrolled=date(2025, 9, 1), legal_name=f"Nia North{n}")
        LearnerFactory(locality=south, enrolled=date(2025, 9, 1), legal_name="Sam South")
        db.session.add(LocalityStaff(user_id=coordinator.id, locality_id=north.id, role=LocalityRole.COORDINATOR))
        db.session.commit()
        people = {
            "admin": Person(id=admin.id, name=admin.name, email=admin.email),
            "coordinator": Person(id=coordinator.id, name=coordinator.name, email=coordinator.email),
        }
        return people, north.id


def test_admin_sets_up_a_year_records_a_census_moves_money_and_sees_the_overview(page, academy):
    people, north_id = academy
    preload_axe(page)
    sign_in(page, people["admin"])

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Funding").click()
    expect(heading(page)).to_have_text("Funding")
    expect(page.get_by_text("No funding years yet.")).to_be_visible()
    axe_check(page)

    # Set up 2025/26: a share that is not a number and top-slices over 100% first.
    page.get_by_role("button", name="Set up a funding year").click()
    expect(heading(page)).to_have_text("Set up a funding year")
    axe_check(page)
    page.get_by_label("Year it starts").fill("2025")
    page.get_by_label("Base rate per learner for the year").fill("6000")
    page.get_by_label("Share of the base rate the academy receives").fill("half")
    page.get_by_label("Top-slice for core provision").fill("10")
    page.get_by_label("Top-slice for the mentor team").fill("20")
    page.get_by_label("Coordinator grant per locality for the year").fill("1500")
    page.get_by_label("Learning budget per learner for the year").fill("300")
    page.get_by_role("button", name="Save funding year").click()
    expect(page).to_have_title(re.compile(r"^Error: Set up a funding year"))
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page)).to_contain_text("Enter the academy's share as a number, like 12.5")
    axe_check(page)
    error_summary(page).get_by_role("link", name="Enter the academy's share as a number, like 12.5").click()
    expect(page.get_by_label("Share of the base rate the academy receives")).to_be_focused()

    page.get_by_label("Share of the base rate the academy receives").fill("50")
    page.get_by_label("Top-slice for the mentor team").fill("95")
    page.get_by_role("button", name="Save funding year").click()
    expect(error_summary(page)).to_contain_text("The top-slices add up to 105%")
    axe_check(page)
    page.get_by_label("Top-slice for the mentor team").fill("20")
    page.get_by_role("button", name="Save funding year").click()

    expect(heading(page)).to_have_text("Funding year 2025/26")
    expect(success_banner(page)).to_contain_text("Funding year 2025/26 set up.")
    expect(page.get_by_text("£6,000.00")).to_be_visible()
    axe_check(page)

    # Move the spring census a week, a bad date first.
    page.get_by_role("link", name="Change date of the spring census").click()
    expect(heading(page)).to_have_text("Spring census date")
    axe_check(page)
    group = page.get_by_role("group", name="Census date")
    group.get_by_label("Day").fill("31")
    group.get_by_label("Month").fill("2")
    page.get_by_role("button", name="Continue").click()
    expect(error_summary(page)).to_contain_text("Census date must be a real date")
    axe_check(page)
    group.get_by_label("Day").fill("22")
    group.get_by_label("Month").fill("1")
    page.get_by_role("button", name="Continue").click()
    # What the census would record on the new day, and nothing changed until it is confirmed.
    expect(heading(page)).to_have_text("Check the new spring census date")
    expect(page.get_by_role("main")).to_contain_text("Nothing has changed yet.")
    expect(page.get_by_role("main")).to_contain_text("this census is due")
    axe_check(page)
    page.get_by_role("button", name="Move the census date").click()
    expect(success_banner(page)).to_contain_text("The spring census date is now 22 January 2026.")

    # Preview the autumn census, then record it.
    page.get_by_role("link", name="Preview and record the autumn census").click()
    expect(heading(page)).to_have_text("Autumn census")
    # 3 learners: income 3 x £6,000 x 50% / 3 = £3,000.00
    expect(page.get_by_role("row", name=re.compile(r"^Income: 3 × £6,000.00 × 50% ÷ 3"))).to_contain_text("£3,000.00")
    expect(page.get_by_role("table", name=re.compile("Every transfer to be posted"))).to_contain_text("Sam South")
    axe_check(page)
    page.get_by_role("button", name="Record census income").click()
    expect(success_banner(page)).to_contain_text("Autumn census 2025/26 recorded: £3,000.00 income for 3 learners")
    expect(page.get_by_role("table", name=re.compile("What was posted"))).to_be_visible()
    axe_check(page)

    # Move money from core provision to North: an amount with part of a penny first.
    page.goto("/funding/")
    page.get_by_role("button", name="Move money").click()
    expect(heading(page)).to_have_text("Move money")
    axe_check(page)
    page.get_by_label("Move from").select_option("central_core")
    page.get_by_label("Move to").select_option(f"locality:{north_id}")
    expect(page.get_by_label("Funding year")).to_have_value(re.compile(r"^\d+$"))  # the one open year
    page.get_by_label("Amount").fill("25.555")
    page.get_by_label("Reason").fill("Hall hire for the science fair")
    page.get_by_role("button", name="Move money").click()
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page)).to_contain_text("The amount cannot include part of a penny")
    axe_check(page)
    page.get_by_label("Amount").fill("25.50")
    page.get_by_role("button", name="Move money").click()
    expect(success_banner(page)).to_contain_text("£25.50 moved from Core provision to North budget.")
    expect(heading(page)).to_have_text(re.compile(r"^Transfer \d+$"))
    axe_check(page)

    # Reverse it: no reason first.
    page.get_by_role("button", name="Reverse this transfer").click()
    expect(error_summary(page)).to_contain_text("Give the reason for the reversal")
    axe_check(page)
    page.get_by_label("Reason for the reversal").fill("Hall hire was free")
    page.get_by_role("button", name="Reverse this transfer").click()
    expect(success_banner(page)).to_contain_text("reversed by transfer")
    expect(page.get_by_text("A reversal cannot itself be reversed")).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="Back to transfers").click()
    expect(heading(page)).to_have_text("Transfers")
    expect(page.get_by_role("table").get_by_role("caption")).to_have_text("11 transfers")
    axe_check(page)

    # The year-end preview: the year ended on 31 August 2026, but two of its censuses are not recorded.
    page.goto("/funding/")
    page.get_by_role("link", name="2025/26", exact=True).click()
    page.get_by_role("link", name="Preview closing 2025/26").click()
    expect(heading(page)).to_have_text("Close 2025/26")
    expect(page.get_by_text("Record the spring and summer censuses before closing 2025/26")).to_be_visible()
    axe_check(page)

    # The overview: a chart and a table that reconcile.
    page.goto("/funding/")
    page.get_by_role("link", name="Overview of 2025/26").click()
    expect(heading(page)).to_have_text("Overview of 2025/26")
    balances = page.get_by_role("figure", name="Remaining balances, to the nearest pound")
    expect(balances).to_be_visible()
    # the chart is an image saying each balance in words, as money
    image = balances.get_by_role("img", name=re.compile(r"^Remaining balances, to the nearest pound\. .+: −?£[\d,]+"))
    expect(image).to_be_visible()
    assert image.evaluate("i => i.complete && i.naturalWidth > 0")
    expect(page.get_by_text("equals the remaining balances, to the penny")).to_be_visible()
    expect(page.get_by_role("table", name="Money by account").locator("tfoot")).to_contain_text("£3,000.00")
    axe_check(page)
    page.get_by_text("Remaining balances, to the nearest pound as a table").click()
    axe_check(page)


def test_a_coordinator_sees_their_own_locality(app, page, academy):
    people, _north_id = academy
    with app.app_context():
        admin = db.session.get(User, people["admin"].id)
        year = funding.create_year(
            admin, 2025, funding.YearSettings(base_rate_pence=600_000, personal_budget_pence=30_000)
        )
        funding.record_census(admin, funding.census_of(year, "autumn"))
        db.session.commit()
        year_id = year.id
    preload_axe(page)
    sign_in(page, people["coordinator"])
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Funding").click()
    expect(heading(page)).to_have_text("Funding")
    expect(page.get_by_role("button", name="Set up a funding year")).to_have_count(0)
    axe_check(page)
    page.get_by_role("link", name="Overview of 2025/26").click()
    expect(page).to_have_url(re.compile(rf"/funding/years/{year_id}/overview$"))
    expect(page.get_by_text("Your locality")).to_be_visible()
    table = page.get_by_role("table", name="Money by account")
    expect(table).to_contain_text("North: locality budget")
    expect(table).not_to_contain_text("South")
    expect(table).not_to_contain_text("Core provision")
    axe_check(page)
