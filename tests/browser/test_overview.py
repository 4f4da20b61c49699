"""The overview on the demo academy, as an admin and as a coordinator: on a 375 px phone it never scrolls sideways
(its tables scroll inside their own regions and its charts shrink to the screen), axe-core passes, the charts are
images described in words, and a figure leads by keyboard to the learners it counts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_check, error_summary, heading, preload_axe
from tests.browser.test_phone_width import PHONE, page_width, sign_in_as
from virtualacademy import demo
from virtualacademy.extensions import db


@pytest.fixture
def demo_academy(app, committed_db):
    with app.app_context():
        demo.seed()
        db.session.commit()


@pytest.mark.parametrize("role", ["admin", "coordinator.north"])
def test_the_overview_fits_a_phone_and_passes_axe(new_page, demo_academy, role):
    page = new_page(**PHONE)
    preload_axe(page)
    sign_in_as(page, role)
    for path in ["/overview/", "/overview/?term=2026-autumn"]:
        assert page.goto(path).status == 200
        assert page_width(page) <= 375, f"{path} as {role} is {page_width(page)} px wide"
        for image in page.locator("img.va-chart__image").all():
            assert image.evaluate("i => i.getBoundingClientRect().right") <= 375
            assert image.get_attribute("alt")
        axe_check(page)


def test_a_figure_leads_by_keyboard_to_the_learners_it_counts(new_page, demo_academy):
    page = new_page()
    preload_axe(page)
    sign_in_as(page, "coordinator.north")
    page.goto("/overview/")
    expect(heading(page)).to_have_text("Overview: Doncaster North")
    link = page.get_by_role("link", name=re.compile(r"Learners on roll: show the learners"))
    link.focus()
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Learners")
    expect(page.get_by_role("main")).to_contain_text("Showing the learners on roll today, in Doncaster North")
    axe_check(page)


@pytest.mark.parametrize("role", ["admin", "coordinator.north"])
def test_the_yearly_return_fits_a_phone_and_passes_axe(new_page, demo_academy, role):
    page = new_page(**PHONE)
    preload_axe(page)
    sign_in_as(page, role)
    page.goto("/overview/")
    page.get_by_role("link", name="The yearly return to the local authority").click()
    expect(heading(page)).to_contain_text("Annual return 2025 to 2026")
    assert page_width(page) <= 375
    axe_check(page)
    # choose this year from the picker
    page.get_by_label("Academic year").select_option("2026")
    page.get_by_role("button", name="Show").click()
    expect(heading(page)).to_contain_text("Annual return 2026 to 2027")
    expect(page.get_by_role("main")).to_contain_text("the year is not over")
    assert page_width(page) <= 375, f"the return as {role} is {page_width(page)} px wide"
    axe_check(page)
    # a year not yet started is shown as an error on the form
    page.goto("/overview/return?year=2099")
    expect(heading(page)).to_have_text("Annual return")
    expect(error_summary(page)).to_contain_text("has not started yet")
    assert page_width(page) <= 375
    axe_check(page)
