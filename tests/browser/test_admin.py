"""An admin's journey in a real browser: users, a user's page, inviting staff (errors
first, then success), the audit log with its date filter, and the footer pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_check, sign_in
from virtualacademy import clock
from virtualacademy.models.accounts import Role


@pytest.fixture
def admin(make_user):
    return make_user(roles=[Role.ADMIN], name="Ada Admin")


@pytest.fixture
def admin_page(page, admin):
    sign_in(page, admin)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada Admin")
    return page


def test_users_list_and_user_detail(admin_page, make_user):
    page = admin_page
    mentor = make_user(roles=[Role.MENTOR], name="Mo Mentor")

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    table = page.get_by_role("table")
    expect(table.get_by_role("caption")).to_have_text("2 people")
    expect(table.get_by_role("row", name=re.compile("Mo Mentor"))).to_contain_text(mentor.email)
    axe_check(page)

    table.get_by_role("link", name="Mo Mentor").click()
    expect(page).to_have_url(re.compile(rf"/users/{mentor.id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mo Mentor")
    expect(page.get_by_role("checkbox", name="Mentor")).to_be_checked()
    axe_check(page)


def test_invite_a_member_of_staff(admin_page):
    page = admin_page
    page.goto("/admin/users")
    page.get_by_role("button", name="Invite a member of staff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite a member of staff")
    back = page.get_by_role("link", name="Back to users")
    expect(back).to_have_count(1)
    expect(page.get_by_role("navigation", name="Back").get_by_role("link", name="Back to users")).to_be_visible()
    axe_check(page)

    # Nothing filled in: the GOV.UK error summary lists every problem and takes focus.
    page.get_by_role("button", name="Send invitation").click()
    expect(page).to_have_title(re.compile(r"^Error: Invite a member of staff – "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    for message in ("Enter the person's full name", "Enter the person's email address", "Select at least one role"):
        expect(summary.get_by_role("link", name=message)).to_be_visible()
    axe_check(page)

    # Each summary link leads to its field.
    summary.get_by_role("link", name="Enter the person's full name").click()
    expect(page.get_by_label("Full name")).to_be_focused()

    page.get_by_label("Full name").fill("Sam Staff")
    page.get_by_label("Email address").fill("Sam.Staff@Example.com")
    page.get_by_role("checkbox", name="Mentor").check()
    page.get_by_role("checkbox", name="Exams officer").check()
    page.get_by_role("button", name="Send invitation").click()

    expect(page).to_have_url(re.compile(r"/users/\d+$"))
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Invitation sent to sam.staff@example.com.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Staff")
    expect(page.get_by_role("checkbox", name="Mentor")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Exams officer")).to_be_checked()
    expect(page.get_by_text("Invited, password not yet set")).to_be_visible()
    axe_check(page)


def _fill_date(page, legend: str, day: int | str, month: int | str, year: int | str) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


def test_audit_log_filtered_by_dates(admin_page, admin):
    page = admin_page
    today = clock.today()

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows.filter(has_text="auth.sign_in")).to_have_count(1)
    axe_check(page)

    # A date that does not exist is an error on the filter, in the GOV.UK style.
    _fill_date(page, "From", 31, 2, today.year)
    page.get_by_role("button", name="Filter").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("From must be a real date, like 27 3 2026")
    expect(summary).to_be_focused()
    axe_check(page)

    # Today to today finds the admin's sign-in; a range in the past finds nothing.
    # Typed with leading zeros; shown back as plain numbers (the product's one rule for date parts).
    _fill_date(page, "From", f"{today.day:02d}", f"{today.month:02d}", today.year)
    _fill_date(page, "To", today.day, today.month, today.year)
    page.get_by_label("Action").select_option("auth.sign_in")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"date_from=.*date_to="))
    caption = page.get_by_role("table").get_by_role("caption")
    expect(caption).to_have_text("1 event, newest first")
    expect(rows.first).to_contain_text(admin.email)
    expect(page.get_by_role("group", name="From").get_by_label("Day")).to_have_value(str(today.day))
    expect(page.get_by_role("group", name="From").get_by_label("Month")).to_have_value(str(today.month))
    axe_check(page)

    _fill_date(page, "From", 1, 1, 2000)
    _fill_date(page, "To", 31, 12, 2000)
    page.get_by_role("button", name="Filter").click()
    expect(caption).to_have_text("0 events, newest first")
    expect(rows).to_have_text(["No events match these filters."])
    axe_check(page)


def test_footer_pages_and_a_404_when_signed_in(admin_page):
    page = admin_page
    footer = page.get_by_role("contentinfo")

    footer.get_by_role("link", name="Privacy notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    axe_check(page)

    footer.get_by_role("link", name="Accessibility statement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    axe_check(page)

    response = page.goto("/admin/users/999999")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    axe_check(page)
