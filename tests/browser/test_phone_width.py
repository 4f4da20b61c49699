"""Every staff list page on a 375 px phone, as the role that uses it, on the demo academy's data: the page never
scrolls sideways (a wide table scrolls inside its own labelled region, with a visible cue), charts fit the
screen and say their figures in words, money as pounds, and axe-core passes on each page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import axe_check, preload_axe
from virtualacademy import demo
from virtualacademy.extensions import db
from virtualacademy.models import Application, FundingYear, Learner, LedgerAccount, Locality, SafeguardingConcern

PHONE = {"viewport": {"width": 375, "height": 800}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def academy(app, committed_db) -> dict[str, list[str]]:
    """The demo academy, and each staff role's list pages (with the demo's own records in the paths)."""
    with app.app_context():
        demo.seed()
        db.session.commit()
        year = db.session.scalar(select(FundingYear))
        north = db.session.scalar(select(Locality).where(Locality.name == "Doncaster North"))
        ellie = db.session.scalar(select(Learner).where(Learner.legal_name == "Ella Jones"))
        budget = db.session.scalar(select(LedgerAccount).where(LedgerAccount.key == f"locality:{north.id}"))
        waiting = db.session.scalar(select(Application).where(Application.email == "new.family@demo.example.org"))
        concern = db.session.scalar(select(SafeguardingConcern))
        return {
            "admin": [
                "/admin/users",
                "/admin/audit",
                "/applications",
                f"/applications/{waiting.id}",
                "/learners",
                f"/learners/{ellie.id}",
                "/cohort",
                "/families/invitations",
                "/localities/",
                f"/localities/{north.id}",
                "/funding/",
                f"/funding/years/{year.id}",
                f"/funding/years/{year.id}/overview",
                f"/funding/years/{year.id}/census/autumn",
                f"/funding/years/{year.id}/year-end",
                "/funding/localities",
                f"/funding/localities/{north.id}",
                f"/funding/accounts/{budget.id}/statement",
                "/funding/transfers",
                "/funding/requests",
                "/overview/mentors",
                "/mentoring/settings",
                "/mentoring/unassigned",
                "/learning/subject-areas",
                f"/learning/learners/{ellie.id}/plan/history",
            ],
            "coordinator.north": [
                "/learners",
                "/cohort",
                "/funding/",
                f"/funding/localities/{north.id}",
                "/funding/requests",
                "/overview/mentors",
                "/mentoring/unassigned",
                "/learning/log",
            ],
            "mentor.amara": [
                "/caseload",
                f"/caseload/learners/{ellie.id}",
                "/funding/requests",
                "/learning/log",
                f"/learning/learners/{ellie.id}/attendance",
            ],
            "dsl": ["/safeguarding/", f"/safeguarding/concerns/{concern.id}"],
            "exams": ["/dashboard"],
        }


def charts_fit(page, where: str, width: int = 375) -> None:
    """Every chart on the page is an SVG image that was drawn, fits the screen and says its figures in its alt
    text."""
    for image in page.locator("img.va-chart__image").all():
        assert image.get_attribute("src").startswith("data:image/svg+xml;base64,"), where
        assert image.evaluate("i => i.complete && i.naturalWidth > 0"), where
        assert image.evaluate("i => i.getBoundingClientRect().right") <= width, where
        caption = image.evaluate("i => i.closest('figure').querySelector('figcaption').textContent.trim()")
        alt = image.get_attribute("alt") or ""
        assert alt.startswith(f"{caption}. ") and ": " in alt, (where, alt)


def sign_in_as(page, key: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(f"{key}@{demo.DEMO_DOMAIN}")
    page.get_by_label("Password", exact=True).fill(demo.DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def page_width(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def test_every_staff_list_page_fits_a_phone(new_page, academy):
    for role, paths in academy.items():
        page = new_page(**PHONE)
        preload_axe(page)
        sign_in_as(page, role)
        for path in ["/dashboard", *paths]:
            response = page.goto(path)
            assert response.status == 200, (role, path)
            assert page_width(page) <= 375, f"{path} as {role} is {page_width(page)} px wide"
            # a table wider than the phone scrolls inside its own region, named by its caption, and says so
            for region in page.locator(".va-table-scroll__region").all():
                overflows = region.evaluate("r => r.scrollWidth > r.clientWidth")
                cue = region.locator("xpath=preceding-sibling::p[contains(@class, 'va-table-scroll__cue')]")
                assert cue.is_visible() == overflows, (path, region.get_attribute("aria-labelledby"))
                assert (region.get_attribute("tabindex") == "0") == overflows, path
                caption = page.locator("#" + region.get_attribute("aria-labelledby"))
                expect(caption).to_have_count(1)
            # charts: drawn inside the screen, each saying its figures in words
            charts_fit(page, path)
            axe_check(page)


def test_a_wide_table_scrolls_by_keyboard_inside_its_region(new_page, academy):
    page = new_page(**PHONE)
    preload_axe(page)
    sign_in_as(page, "admin")
    page.goto("/admin/audit")
    region = page.get_by_role("region", name=re.compile(r"events?, newest first"))
    expect(region).to_be_visible()
    expect(page.get_by_text("Scroll sideways to see the whole table")).to_be_visible()
    region.focus()
    expect(region).to_be_focused()
    before = region.evaluate("r => r.scrollLeft")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("r => r.scrollLeft > 0", arg=region.element_handle())
    assert region.evaluate("r => r.scrollLeft") > before
    assert page_width(page) <= 375
    axe_check(page)


def test_on_a_desktop_tables_that_fit_show_no_cue_and_take_no_tab_stop(new_page, academy):
    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in_as(page, "admin")
    page.goto("/localities/")
    region = page.locator(".va-table-scroll__region").first
    expect(region).not_to_have_attribute("tabindex", "0")
    expect(page.get_by_text("Scroll sideways to see the whole table")).to_be_hidden()


def test_money_charts_show_pounds(new_page, academy, app):
    with app.app_context():
        year = db.session.scalar(select(FundingYear))
    page = new_page(**PHONE)
    sign_in_as(page, "admin")
    page.goto(f"/funding/years/{year.id}/overview")
    for figure in ("Remaining balances, to the nearest pound", "Spending by category, to the nearest pound"):
        chart = page.get_by_role("figure", name=figure)
        alt = chart.get_by_role("img").get_attribute("alt")
        amounts = [part.rsplit(": ", 1)[1] for part in alt.removeprefix(f"{figure}. ").removesuffix(".").split("; ")]
        assert amounts and all(re.fullmatch(r"−?£[\d,]+", a) for a in amounts), alt
        page.get_by_text(f"{figure} as a table").click()
        cells = chart.locator("xpath=following-sibling::details[1]").locator("td").all_inner_texts()
        assert cells == amounts, (cells, amounts)
