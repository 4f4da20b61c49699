"""The page shell in a real browser: signing in as each role, the public pages, errors,
keyboard-only use and a phone-sized screen, with axe-core on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_check, sign_in
from virtualacademy.models.accounts import ROLE_LABELS, Role


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_each_role_signs_in_and_sees_its_dashboard(page, make_user, role):
    person = make_user(roles=[role])

    page.goto("/sign-in")
    expect(page).to_have_title(re.compile(r"^Sign in – "))
    axe_check(page)

    sign_in(page, person)

    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {person.name}")
    expect(page.get_by_role("heading", level=2, name=ROLE_LABELS[role], exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main menu").get_by_role("link", name=person.name)).to_be_visible()
    axe_check(page)


def test_wrong_password_shows_the_error_summary(page, make_user):
    person = make_user(roles=[Role.MENTOR])

    sign_in(page, person, password="not the password")

    expect(page).to_have_title(re.compile(r"^Error: Sign in – "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter a correct email address and password")
    expect(summary).to_be_focused()
    axe_check(page)


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/privacy", "Privacy notice"), ("/accessibility", "Accessibility statement"), ("/", "Virtual Academy")],
)
def test_public_pages(page, path, heading):
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    axe_check(page)


def test_a_missing_page_is_a_404_page(page):
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page).to_have_title(re.compile(r"^Page not found – "))
    axe_check(page)


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || el.value || '').trim(),
                    className: el.className};
        }"""
    )


def _tab_to(page, predicate, limit: int = 40) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if predicate(focused):
            return focused
    raise AssertionError(f"Tab never reached the element (last focus: {focused})")


def test_sign_in_and_out_with_the_keyboard_alone(page, make_user):
    person = make_user(roles=[Role.GUARDIAN])
    page.goto("/sign-in")

    # The skip link is the first thing Tab reaches, and it moves focus to the main content.
    page.keyboard.press("Tab")
    first = _focused(page)
    assert first["tag"] == "a" and "govuk-skip-link" in first["className"], first
    expect(page.get_by_role("link", name="Skip to main content")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()

    # From the main content, Tab reaches the email field, then the password field.
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email address")).to_be_focused()
    page.keyboard.type(person.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(person.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The skip link's fragment is carried through the redirect, which is harmless.
    expect(page).to_have_url(re.compile(r"/dashboard(#main-content)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {person.name}")

    # Sign out is a button in the header's navigation.
    sign_out = _tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Sign out")
    assert sign_out["text"] == "Sign out"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    axe_check(page)


@pytest.mark.parametrize("roles", [[Role.GUARDIAN, Role.LEARNER], [Role.ADMIN, Role.MENTOR]], ids=["family", "staff"])
def test_phone_sized_screen(new_page, make_user, roles):
    person = make_user(roles=roles)
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)

    page.goto("/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    axe_check(page)

    sign_in(page, person)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {person.name}")
    expect(page.get_by_role("heading", level=2, name=roles[0].label, exact=True)).to_be_visible()
    # Nothing is wider than the screen (no sideways scrolling).
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    axe_check(page)

    # With more than one navigation item (always so for an admin) the navigation folds into a
    # menu button, which opens to show the items and the account links.
    sign_out = page.get_by_role("button", name="Sign out")
    menu = page.get_by_role("navigation", name="Main menu").get_by_role("button", name="Menu")
    if Role.ADMIN in roles:
        expect(menu).to_be_visible()
    if menu.is_visible():
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(sign_out).to_be_hidden()
        menu.tap()
        expect(menu).to_have_attribute("aria-expanded", "true")
        axe_check(page)
    expect(sign_out).to_be_visible()
    with page.expect_navigation():
        sign_out.tap()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
