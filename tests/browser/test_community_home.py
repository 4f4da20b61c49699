"""The coordinator's community pages in a real browser, on the demo academy: the hub, the locality page and the
community report pass axe-core, fit a 375 px phone without sideways scrolling (the report's table scrolls inside
its own labelled region, and every chart fits and says its figures in words), and their main links are reached
and followed with the keyboard alone. An admin's hub and report too."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.conftest import axe_check, preload_axe
from tests.browser.test_phone_width import PHONE, charts_fit, page_width, sign_in_as
from virtualacademy import demo
from virtualacademy.extensions import db
from virtualacademy.models import Locality


@pytest.fixture
def north(app, committed_db) -> int:
    with app.app_context():
        demo.seed()
        db.session.commit()
        return db.session.scalar(select(Locality.id).where(Locality.name == "Doncaster North"))


def _pages(north: int) -> dict[str, list[str]]:
    return {
        "coordinator.north": [
            "/dashboard",
            "/community/",
            f"/community/localities/{north}",
            "/community/reports",
            "/community/reports?from=1&from=9&from=2026&to=2&to=3&to=2027",
            "/community/reports?from=1&from=1&from=99999",
        ],
        "admin": ["/community/", "/community/?q=Doncaster", f"/community/localities/{north}", "/community/reports"],
    }


def test_the_community_pages_fit_a_phone_and_pass_axe(new_page, north):
    for role, paths in _pages(north).items():
        page = new_page(**PHONE)
        preload_axe(page)
        sign_in_as(page, role)
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, (role, path)
            assert page_width(page) <= 375, f"{path} as {role} is {page_width(page)} px wide"
            for region in page.locator(".va-table-scroll__region").all():
                assert region.get_attribute("aria-labelledby"), path
                overflows = region.evaluate("r => r.scrollWidth > r.clientWidth")
                assert (region.get_attribute("tabindex") == "0") == overflows, path
            charts_fit(page, path)
            axe_check(page)
        # the report's wide table scrolls inside its region on a phone, never the page
        page.goto("/community/reports")
        region = page.locator(".va-table-scroll__region", has=page.locator("#community-report-caption"))
        assert region.evaluate("r => r.scrollWidth > r.clientWidth")


def _tab_to(page, locator, limit: int = 80) -> None:
    """Press Tab until ``locator`` has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {locator}")


def test_the_coordinator_reaches_the_main_links_by_keyboard(page, north):
    preload_axe(page)
    sign_in_as(page, "coordinator.north")
    page.goto("/community/")
    home_link = page.get_by_role("link", name="Doncaster North community")
    _tab_to(page, home_link)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/community/localities/{north}")
    assert page.get_by_role("heading", level=1).inner_text() == "Doncaster North community"
    _tab_to(page, page.get_by_role("link", name="see the Doncaster North budget"))
    report = page.get_by_role("link", name="Community report for Doncaster North")
    page.goto(f"/community/localities/{north}")
    _tab_to(page, report)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/community/reports?locality=" in page.url
    _tab_to(page, page.get_by_role("button", name="Show"))
    _tab_to(page, page.get_by_role("link", name="Download this report (CSV)"))
    axe_check(page)
