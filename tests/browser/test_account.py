"""Your account in a real browser: the signed-in devices on a 375 px phone, signing out everywhere else, and the
other browser told why it was signed out; axe-core on every page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import axe_check, heading, sign_in, success_banner
from virtualacademy.models import Role

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
PHONE_375 = {
    "viewport": {"width": 375, "height": 812},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": ANDROID_CHROME,
}


def fits(page, width: int = 375) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def test_devices_on_a_phone_and_signing_out_everywhere_else(new_page, make_user):
    person = make_user(roles=[Role.GUARDIAN], name="Pat Okonjo")
    laptop = new_page(user_agent=WINDOWS_FIREFOX)
    sign_in(laptop, person)

    # The account is reached from the name in the header.
    laptop.get_by_role("navigation", name="Main menu").get_by_role("link", name=person.name).click()
    expect(heading(laptop)).to_have_text("Your account")
    expect(laptop.locator(".govuk-summary-card__title")).to_have_text(["Firefox on Windows This device"])
    axe_check(laptop)

    phone = new_page(**PHONE_375)
    sign_in(phone, person)
    phone.goto("/account")
    expect(heading(phone)).to_have_text("Your account")
    expect(phone.get_by_role("heading", name="Your signed-in devices")).to_be_visible()
    titles = phone.locator(".govuk-summary-card__title")
    expect(titles).to_have_text(["Chrome on Android This device", "Firefox on Windows"])
    expect(phone.get_by_role("button", name=re.compile(r"^Sign out Firefox on Windows, last used "))).to_be_visible()
    fits(phone)
    axe_check(phone)

    with phone.expect_navigation():
        phone.get_by_role("button", name="Sign out everywhere else").tap()
    expect(success_banner(phone)).to_contain_text("You have been signed out on 1 other device.")
    expect(titles).to_have_text(["Chrome on Android This device"])
    expect(phone.get_by_role("button", name="Sign out everywhere else")).to_have_count(0)
    fits(phone)
    axe_check(phone)

    # The laptop finds out on its next page, and is told why.
    laptop.goto("/dashboard")
    expect(laptop).to_have_url(re.compile(r"/sign-in\?next="))
    expect(laptop.get_by_text("You were signed out because this session was ended")).to_be_visible()
    axe_check(laptop)


def test_change_password_from_the_account_page_on_a_phone(new_page, make_user):
    person = make_user(roles=[Role.MENTOR])
    phone = new_page(**PHONE_375)
    sign_in(phone, person)
    phone.goto("/account")
    phone.get_by_role("link", name="Change your password").first.click()
    expect(heading(phone)).to_have_text("Change your password")
    fits(phone)
    axe_check(phone)
    phone.get_by_label("Current password", exact=True).fill(person.password)
    phone.get_by_label("New password", exact=True).fill("a long new passphrase for mentors")
    phone.get_by_label("Confirm new password").fill("a long new passphrase for mentors")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Change password").tap()
    expect(heading(phone)).to_have_text("Your account")
    expect(success_banner(phone)).to_contain_text("Your password has been changed")
    fits(phone)
    axe_check(phone)
