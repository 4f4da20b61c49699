"""Family enrolment in a real browser, with axe-core on every page state (errors included):
a family applies on a phone, an admin reviews, asks, accepts, withdraws and re-enrols,
the family sees its child; the localities pages; and the child form by keyboard alone."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import Person, axe_check, error_summary, heading, preload_axe, sign_in, success_banner
from tests.factories import ApplicationFactory, LearnerFactory, LocalityFactory, UserFactory, application_answers
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import ApplicationStatus, OutboxMessage, Role
from virtualacademy.services import accounts, families

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
EHCP = "Education, Health and Care Plan (EHCP)"
HEALTH = "Health, including anxiety or medical needs"


# --- helpers ----------------------------------------------------------------------------


def fill_date(page, legend: str, day: int | str, month: int | str, year: int | str) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


def no_sideways_scrolling(page, width: int = 390) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, page.url


def emailed_link(app, to: str, prefix: str) -> str:
    """The path of the newest link starting ``prefix`` in the email the app committed to the outbox."""
    with app.app_context():
        bodies = db.session.scalars(
            select(OutboxMessage.body_text).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id.desc())
        ).all()
    for body in bodies:
        match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)", body)
        if match:
            return match.group(1)
    raise AssertionError(f"no email to {to} with a {prefix} link")


# --- 1. a family applies on a phone ----------------------------------------------------------


def test_a_family_applies_on_a_phone_and_creates_an_account(app, new_page, committed_db):
    with app.app_context():
        LocalityFactory(name="Doncaster South", districts=["DN4"])
    page = new_page(**PHONE)
    preload_axe(page)

    # The front door leads to the application.
    page.goto("/")
    no_sideways_scrolling(page)
    axe_check(page)
    page.get_by_role("button", name="Apply for a place").tap()
    expect(heading(page)).to_have_text("Apply to enrol your child")
    no_sideways_scrolling(page)
    axe_check(page)
    page.get_by_role("button", name="Start now").tap()

    # Your details: sent empty, the error summary takes focus and links to each field.
    expect(heading(page)).to_have_text("Your details")
    axe_check(page)
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_title(re.compile(r"^Error: Your details – "))
    summary = error_summary(page)
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(["Enter your full name", "Enter your email address"])
    no_sideways_scrolling(page)
    axe_check(page)
    summary.get_by_role("link", name="Enter your email address").click()
    expect(page.get_by_label("Email address")).to_be_focused()

    page.get_by_label("Full name").fill("Jo Example")
    page.get_by_label("Email address").fill("jo.example@example.com")
    page.get_by_label("Phone number").fill("07700 900982")
    page.get_by_role("button", name="Save and continue").click()

    # Address: a postcode that is not one is an error, and nothing typed is lost.
    expect(heading(page)).to_have_text("Your address")
    axe_check(page)
    page.get_by_label("Address line 1").fill("3 Mill Lane")
    page.get_by_label("Town or city").fill("Doncaster")
    page.get_by_label("Postcode").fill("ZZ99")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_title(re.compile(r"^Error: Your address – "))
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page).get_by_role("link")).to_have_text(["Enter a real UK postcode, like DN4 5HX"])
    expect(page.get_by_label("Postcode")).to_have_value("ZZ99")
    expect(page.get_by_label("Address line 1")).to_have_value("3 Mill Lane")
    expect(page.get_by_label("Town or city")).to_have_value("Doncaster")
    axe_check(page)
    page.get_by_label("Postcode").fill("dn4 5hx")
    page.get_by_role("button", name="Save and continue").click()

    # Another parent or carer: left blank.
    expect(heading(page)).to_have_text("Another parent or carer")
    axe_check(page)
    page.get_by_role("button", name="Save and continue").click()

    expect(heading(page)).to_have_text("Your children")
    axe_check(page)
    page.get_by_role("button", name="Add a child").click()

    # A child: date inputs, radios, the EHCP review date and a checkbox.
    expect(heading(page)).to_have_text("Add a child")
    axe_check(page)
    page.get_by_label("Full legal name").fill("Robin Example")
    page.get_by_label("Preferred name (optional)").fill("Robbie")
    fill_date(page, "Date of birth", 14, 3, 2014)
    page.get_by_label("Previous school (optional)").fill("Hill Primary")
    page.get_by_label("Previous school's URN (optional)").fill("106789")
    page.get_by_role("group", name="Main reason for education other than at school").get_by_role(
        "radio", name=HEALTH
    ).check()
    page.get_by_role("group", name="Special educational needs (SEND)").get_by_role("radio", name=EHCP).check()
    fill_date(page, "If they have an EHCP: date of its next annual review", 1, 2, 2027)
    page.get_by_role("checkbox", name="Eligible for free school meals").check()
    no_sideways_scrolling(page)
    page.get_by_role("button", name="Save child").click()

    expect(heading(page)).to_have_text("Your children")
    card = page.locator(".govuk-summary-card")
    expect(card.get_by_role("heading", level=2)).to_have_text("Robin Example")
    expect(card).to_contain_text("14 March 2014")
    axe_check(page)
    page.get_by_role("button", name="Continue").click()

    expect(heading(page)).to_have_text("Privacy")
    axe_check(page)
    page.get_by_role("checkbox", name=re.compile("I have read the privacy notice")).check()
    page.get_by_role("button", name="Continue").click()

    # Check your answers, and one change made from there.
    expect(heading(page)).to_have_text("Check your answers before sending your application")
    for text in (
        "Jo Example",
        "3 Mill Lane, Doncaster, DN4 5HX",
        "Child 1: Robin Example",
        "14 March 2014",
        "Hill Primary, URN 106789",
        HEALTH,
        f"{EHCP}, next annual review 1 February 2027",
        "Eligible",
        "Your nearest locality is Doncaster South.",
    ):
        expect(page.get_by_role("main")).to_contain_text(text)
    reference = page.locator("main p strong").first.inner_text()
    assert re.fullmatch(r"VA-[A-Z2-9]{6}", reference), reference
    no_sideways_scrolling(page)
    axe_check(page)

    page.get_by_role("link", name="Change address").click()
    expect(heading(page)).to_have_text("Your address")
    expect(page.get_by_label("Postcode")).to_have_value("DN4 5HX")
    page.get_by_label("Address line 1").fill("5 Mill Lane")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(re.compile(r"/apply/check$"))
    expect(page.get_by_role("main")).to_contain_text("5 Mill Lane, Doncaster, DN4 5HX")

    page.get_by_role("button", name="Send application").click()
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel.get_by_role("heading", level=1)).to_have_text("Application sent")
    expect(panel).to_contain_text("Your reference number")
    expect(panel.locator("strong")).to_have_text(reference)
    axe_check(page)

    # The confirmation email's link makes the account.
    page.goto(emailed_link(app, "jo.example@example.com", "/apply/account/"))
    expect(heading(page)).to_have_text("Create your account")
    expect(page.get_by_role("main")).to_contain_text(reference)
    axe_check(page)
    page.get_by_label("Create a password").fill("our family learns together")
    page.get_by_label("Confirm your password").fill("our family learns together")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(heading(page)).to_have_text("Hello, Jo Example")
    expect(success_banner(page)).to_contain_text("Your email address is confirmed and your account is ready.")
    no_sideways_scrolling(page)
    axe_check(page)


# --- 2. an admin reviews, asks, accepts; withdrawal and re-enrolment; the family's view ---------


def _person(user) -> Person:
    return Person(id=user.id, name=user.name, email=user.email)


@pytest.fixture
def submitted_application(app, committed_db):
    """Jo's submitted application for Robin (who is, by name and birthday, already a learner),
    another application already declined, and an admin."""
    with app.app_context():
        south = LocalityFactory(name="Doncaster South", districts=["DN4"])
        jo = UserFactory(name="Jo Example", email="jo.example@example.com", roles=[Role.GUARDIAN])
        answers = application_answers(name="Jo Example", email=jo.email)
        answers["children"][0].update(
            legal_name="Robin Example",
            preferred_name="Robbie",
            date_of_birth="2014-03-14",
            send_status="ehcp",
            ehcp_review_date="2027-02-01",
        )
        application = ApplicationFactory(email=jo.email, user_id=jo.id, locality_id=south.id, answers=answers)
        ApplicationFactory(status=ApplicationStatus.DECLINED, decline_reason="Outside the area")
        known = LearnerFactory(legal_name="Robin Example", date_of_birth=date(2014, 3, 14))
        admin = UserFactory(name="Ada Admin", roles=[Role.ADMIN])
        db.session.commit()
        return {
            "id": application.id,
            "reference": application.reference,
            "family_of_known": known.family.reference,
            "guardian": _person(jo),
            "admin": _person(admin),
        }


def test_an_admin_reviews_asks_accepts_and_the_family_sees_its_child(new_page, submitted_application):
    facts = submitted_application
    admin = new_page()
    preload_axe(admin)
    sign_in(admin, facts["admin"])

    # The queue, filtered by status.
    admin.get_by_role("navigation", name="Main menu").get_by_role("link", name="Applications").click()
    expect(heading(admin)).to_have_text("Applications")
    caption = admin.get_by_role("table").get_by_role("caption")
    expect(caption).to_have_text("2 applications, oldest first")
    axe_check(admin)
    admin.get_by_label("Status").select_option(label="Submitted")
    admin.get_by_role("button", name="Filter").click()
    expect(admin).to_have_url(re.compile(r"status=submitted"))
    expect(caption).to_have_text("1 application, oldest first")
    expect(admin.get_by_label("Status")).to_have_value("submitted")
    row = admin.get_by_role("table").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Jo Example")
    axe_check(admin)

    # The application, with a warning that Robin may already be known.
    row.get_by_role("link", name=facts["reference"]).click()
    expect(heading(admin)).to_have_text(facts["reference"])
    expect(admin.locator(".govuk-warning-text")).to_contain_text(
        f"Possible duplicate: A learner called Robin Example born 14 March 2014 is already known "
        f"(family {facts['family_of_known']})."
    )
    expect(admin.get_by_role("main")).to_contain_text(f"{EHCP}, next annual review 1 February 2027")
    axe_check(admin)

    # Asking nothing is an error; then a question.
    admin.get_by_role("button", name="Send question").click()
    expect(admin).to_have_title(re.compile(rf"^Error: Application {facts['reference']} – "))
    expect(error_summary(admin)).to_be_focused()
    expect(error_summary(admin).get_by_role("link")).to_have_text(["Enter your question for the family"])
    axe_check(admin)
    error_summary(admin).get_by_role("link").click()
    question = admin.get_by_label("Your question for the family")
    expect(question).to_be_focused()
    question.fill("Which exam board was Robin studying?")
    admin.get_by_role("button", name="Send question").click()
    expect(success_banner(admin)).to_contain_text("Your question has been emailed to the family.")
    expect(admin.get_by_role("main")).to_contain_text("More information requested")
    axe_check(admin)

    # The family answers in its own browser.
    family = new_page()
    preload_axe(family)
    sign_in(family, facts["guardian"])
    family.goto(f"/my-applications/{facts['id']}")
    expect(heading(family)).to_have_text("Your application")
    expect(family.get_by_role("main")).to_contain_text("Which exam board was Robin studying?")
    axe_check(family)
    family.get_by_role("button", name="Send answer").click()
    expect(error_summary(family)).to_be_focused()
    expect(error_summary(family).get_by_role("link")).to_have_text(["Enter your answer"])
    axe_check(family)
    family.get_by_label("Your answer").fill("AQA for science.")
    family.get_by_role("button", name="Send answer").click()
    expect(success_banner(family)).to_contain_text("Your answer has been sent to the academy.")
    expect(family.get_by_role("main")).to_contain_text("AQA for science.")
    expect(family.get_by_label("Your answer")).to_have_count(0)
    axe_check(family)

    # The admin sees the answer, each child's age and the suggested locality, and accepts.
    admin.goto(f"/applications/{facts['id']}")
    expect(admin.get_by_role("main")).to_contain_text("AQA for science.")
    expect(admin.get_by_role("main")).to_contain_text("Doncaster South (from the postcode DN4 5HX)")
    expect(admin.get_by_role("main")).to_contain_text(re.compile(r"\(aged \d+\)"))
    # The start date is the next school day to begin with (the suite's Tuesday 2 March 2027: Wednesday 3 March).
    expect(admin.get_by_role("group", name="Start date").get_by_label("Day")).to_have_value("3")
    fill_date(admin, "Start date", 1, 9, 2026)
    # The locality suggested from the postcode is chosen already.
    expect(admin.get_by_label("Locality").locator("option:checked")).to_have_text("Doncaster South")
    admin.get_by_label("Locality").select_option(label="Doncaster South")
    admin.get_by_role("button", name="Accept and enrol").click()
    expect(success_banner(admin)).to_contain_text(f"Application {facts['reference']} accepted: the family is enrolled.")
    expect(admin.get_by_role("button", name="Accept and enrol")).to_have_count(0)
    # It ends on the next steps: invite the family, assign a mentor.
    expect(admin.get_by_role("heading", name="Next steps")).to_be_visible()
    expect(admin.get_by_role("link", name="Assign a mentor to Robin Example")).to_be_visible()
    axe_check(admin)

    # Robin is a learner now (alongside the learner who shares the name).
    admin.get_by_role("navigation", name="Main menu").get_by_role("link", name="Learners").click()
    expect(heading(admin)).to_have_text("Learners")
    expect(admin.get_by_role("table").get_by_role("caption")).to_have_text("2 learners")
    robin = admin.get_by_role("row", name=re.compile(r"Robin Example \(Robbie\)"))
    expect(robin).to_contain_text("Doncaster South")
    expect(robin).to_contain_text("Enrolled")
    axe_check(admin)
    robin.get_by_role("link", name="Robin Example").click()
    expect(heading(admin)).to_have_text("Robin Example")
    expect(admin).to_have_url(re.compile(r"/learners/\d+$"))
    learner_id = int(admin.url.rsplit("/", 1)[1])
    history = admin.get_by_role("table", name="Enrolments, oldest first").locator("tbody tr")
    expect(history).to_have_count(1)
    expect(history).to_contain_text("1 September 2026")
    expect(history).to_contain_text("Enrolled now")
    axe_check(admin)

    # Withdraw: nothing given is an error; then a date and reason.
    admin.get_by_role("button", name="Withdraw").click()
    expect(error_summary(admin)).to_be_focused()
    expect(error_summary(admin).get_by_role("link")).to_have_text(
        ["Enter the date they leave", "Select the reason for leaving"]
    )
    axe_check(admin)
    fill_date(admin, "First day off roll", 1, 4, 2027)
    admin.get_by_role("radio", name="Moved out of area").check()
    admin.get_by_role("button", name="Withdraw").click()
    expect(success_banner(admin)).to_contain_text("Robbie has been withdrawn. Their history is kept.")
    expect(history).to_contain_text("1 April 2027")
    expect(history).to_contain_text("Moved out of area")
    axe_check(admin)

    # Re-enrol.
    expect(admin.get_by_role("heading", name="Re-enrol")).to_be_visible()
    fill_date(admin, "Start date", 1, 5, 2027)
    admin.get_by_label("Locality").select_option(label="Doncaster South")
    admin.get_by_role("button", name="Re-enrol").click()
    expect(success_banner(admin)).to_contain_text("Robbie has been re-enrolled.")
    expect(history).to_have_count(2)
    expect(history.nth(1)).to_contain_text("1 May 2027")
    expect(history.nth(1)).to_contain_text("Enrolled now")
    expect(admin.get_by_role("button", name="Withdraw")).to_be_visible()
    axe_check(admin)

    # The family's page shows Robin's card, and the family can change the preferred name.
    family.get_by_role("navigation", name="Main menu").get_by_role("link", name="Your family").click()
    expect(heading(family)).to_have_text("Your family")
    card = family.locator(".govuk-summary-card")
    expect(card.get_by_role("heading", level=2)).to_have_text("Robbie")
    expect(card).to_contain_text("Doncaster South")
    expect(card).to_contain_text("Starts on 1 May 2027")
    axe_check(family)
    card.get_by_role("link", name="View Robbie").click()
    expect(family).to_have_url(re.compile(rf"/family/learners/{learner_id}$"))
    expect(heading(family)).to_have_text("Robbie")
    axe_check(family)
    family.get_by_label("Preferred name").fill("Rob")
    family.get_by_role("button", name="Save").click()
    expect(success_banner(family)).to_contain_text("Saved.")
    expect(heading(family)).to_have_text("Rob")
    expect(family.get_by_label("Preferred name")).to_have_value("Rob")
    axe_check(family)


# --- 3. localities ------------------------------------------------------------------------------


def test_an_admin_adds_edits_and_staffs_a_locality(app, new_page, make_user):
    admin = make_user(roles=[Role.ADMIN], name="Ada Admin")
    coordinator = make_user(roles=[Role.COORDINATOR], name="Cal Coordinator")
    mentor = make_user(roles=[Role.MENTOR], name="Mo Mentor")
    with app.app_context():
        LocalityFactory(name="Doncaster South", districts=["DN4"])
    page = new_page()
    preload_axe(page)
    sign_in(page, admin)

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Localities").click()
    expect(heading(page)).to_have_text("Localities")
    table = page.get_by_role("table")
    expect(table.get_by_role("caption")).to_have_text("1 locality")
    expect(table.get_by_role("row", name=re.compile("Doncaster South"))).to_contain_text("DN4")
    axe_check(page)

    page.get_by_role("button", name="Add a locality").click()
    expect(heading(page)).to_have_text("Add a locality")
    axe_check(page)

    # Something that is not a postcode district, and one another locality covers, are errors.
    page.get_by_label("Name").fill("Doncaster North")
    page.get_by_label("Postcode districts").fill("DN5, north")
    page.get_by_role("button", name="Save locality").click()
    expect(page).to_have_title(re.compile(r"^Error: Add a locality – "))
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page).get_by_role("link")).to_have_text(
        ["NORTH is not a postcode district (a district is the first part of a postcode, like DN4)"]
    )
    expect(page.get_by_label("Name")).to_have_value("Doncaster North")
    axe_check(page)
    page.get_by_label("Postcode districts").fill("DN5, dn4")
    page.get_by_role("button", name="Save locality").click()
    expect(error_summary(page).get_by_role("link")).to_have_text(["DN4 is already covered by Doncaster South"])
    axe_check(page)

    page.get_by_label("Postcode districts").fill("dn5 DN6")
    page.get_by_role("button", name="Save locality").click()
    expect(success_banner(page)).to_contain_text("Doncaster North has been added.")
    expect(heading(page)).to_have_text("Doncaster North")
    expect(page.get_by_label("Postcode districts")).to_have_value("DN5, DN6")
    expect(page.get_by_role("checkbox", name=re.compile("^Active"))).to_be_checked()
    axe_check(page)

    # Edit: rename, cover another district.
    page.get_by_label("Name").fill("Doncaster North and Bentley")
    page.get_by_label("Postcode districts").fill("DN5, DN6, DN7")
    page.get_by_role("button", name="Save locality").click()
    expect(success_banner(page)).to_contain_text("Changes saved.")
    expect(heading(page)).to_have_text("Doncaster North and Bentley")
    expect(page.get_by_label("Postcode districts")).to_have_value("DN5, DN6, DN7")
    axe_check(page)

    # Staff.
    page.get_by_role("link", name="Change staff for Doncaster North and Bentley").click()
    expect(heading(page)).to_have_text("Staff")
    axe_check(page)
    page.get_by_role("checkbox", name=f"Cal Coordinator ({coordinator.email})").check()
    page.get_by_role("checkbox", name=f"Mo Mentor ({mentor.email})").check()
    page.get_by_role("button", name="Save staff").click()
    expect(success_banner(page)).to_contain_text("Staff saved.")
    staff = page.locator(".govuk-summary-list")
    expect(staff.locator(".govuk-summary-list__row").filter(has_text="Coordinator")).to_contain_text("Cal Coordinator")
    expect(staff.locator(".govuk-summary-list__row").filter(has_text="Mentors")).to_contain_text("Mo Mentor")
    axe_check(page)

    page.get_by_role("link", name="Back to localities").click()
    expect(table.get_by_role("caption")).to_have_text("2 localities")
    row = table.get_by_role("row", name=re.compile("Doncaster North and Bentley"))
    expect(row).to_contain_text("DN5, DN6, DN7")
    expect(row).to_contain_text("Cal Coordinator")
    expect(row).to_contain_text("Active")
    axe_check(page)


# --- 4. the child form by keyboard alone ----------------------------------------------------------


@pytest.fixture
def resume_link(app, committed_db) -> str:
    """A draft with every section but the children done, and the emailed link to come back to it."""
    with app.app_context():
        answers = application_answers(name="Kit Keys", email="kit.keys@example.com")
        answers.update(children=[], privacy_consent=False)
        draft = ApplicationFactory(
            status=ApplicationStatus.DRAFT, email="kit.keys@example.com", answers=answers, submitted_at=None
        )
        return "/apply/resume/" + accounts.signed(families.APPLICATION_RESUME, {"a": draft.id, "e": draft.email})


def _tab(page, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press("Tab")


def _tab_to(page, locator, limit: int = 10) -> None:
    """Press Tab until ``locator`` has focus (through the header's links, say)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {locator}")


def test_adding_a_child_with_the_keyboard_alone(page, resume_link):
    preload_axe(page)
    page.goto(resume_link)
    expect(page).to_have_url(re.compile(r"/apply/children$"))  # the first unfinished section
    expect(heading(page)).to_have_text("Your children")

    # The skip link, then the first thing in the main content is the "Add a child" button.
    _tab(page)
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    _tab(page)
    expect(page.get_by_role("button", name="Add a child")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Add a child")
    axe_check(page)

    # Through the header (not the skip link: see test_the_error_summary_takes_focus_after_the_skip_link_was_used).
    _tab(page)
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    _tab_to(page, page.get_by_label("Full legal name"))
    page.keyboard.type("Kim Keys")
    _tab(page, 2)  # past the preferred name
    born = page.get_by_role("group", name="Date of birth")
    for label, value in (("Day", "5"), ("Month", "11"), ("Year", "2015")):
        expect(born.get_by_label(label)).to_be_focused()
        page.keyboard.type(value)
        _tab(page)
    expect(page.get_by_label("Previous school (optional)")).to_be_focused()
    _tab(page, 5)  # past the URN and the three inputs for the date they left school

    # Into the first radio group: Space picks the focused radio; the arrow keys move and pick.
    reasons = page.get_by_role("group", name="Main reason for education other than at school")
    first_reason = reasons.get_by_role("radio", name="Philosophical or preference")
    expect(first_reason).to_be_focused()
    expect(first_reason).not_to_be_checked()
    page.keyboard.press("Space")
    expect(first_reason).to_be_checked()
    page.keyboard.press("ArrowDown")
    expect(reasons.get_by_role("radio", name="Unmet special educational needs")).to_be_checked()
    expect(first_reason).not_to_be_checked()

    # Tab leaves the group for the next one: choose the EHCP, then send without its review date.
    _tab(page)
    send = page.get_by_role("group", name="Special educational needs (SEND)")
    expect(send.get_by_role("radio", name="None")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(send.get_by_role("radio", name=EHCP)).to_be_checked()
    _tab(page, 4)  # past the review date's three inputs
    meals = page.get_by_role("checkbox", name="Eligible for free school meals")
    expect(meals).to_be_focused()
    page.keyboard.press("Space")
    expect(meals).to_be_checked()
    _tab(page, 4)  # young carer, needs, photo consent, then the button
    expect(page.get_by_role("button", name="Save child")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The error summary has focus, and what was chosen is kept.
    expect(page).to_have_title(re.compile(r"^Error: Add a child – "))
    summary = error_summary(page)
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(["Enter the date of the EHCP's next annual review"])
    expect(page.get_by_label("Full legal name")).to_have_value("Kim Keys")
    expect(reasons.get_by_role("radio", name="Unmet special educational needs")).to_be_checked()
    expect(send.get_by_role("radio", name=EHCP)).to_be_checked()
    expect(meals).to_be_checked()
    axe_check(page)
    _tab(page)
    expect(summary.get_by_role("link")).to_be_focused()

    # On to the review date.
    review = page.get_by_role("group", name="If they have an EHCP: date of its next annual review")
    _tab_to(page, review.get_by_label("Day"), limit=30)
    for label, value in (("Day", "14"), ("Month", "2"), ("Year", "2027")):
        expect(review.get_by_label(label)).to_be_focused()
        page.keyboard.type(value)
        if label != "Year":
            _tab(page)
    # Enter in a text box sends the form.
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(heading(page)).to_have_text("Your children")
    card = page.locator(".govuk-summary-card")
    expect(card.get_by_role("heading", level=2)).to_have_text("Kim Keys")
    expect(card).to_contain_text("5 November 2015")
    axe_check(page)


# --- focus after errors ---------------------------------------------------------------------------


def test_an_error_summary_link_to_a_date_moves_focus_to_its_day_input(page, resume_link):
    page.goto(resume_link)
    page.goto("/apply/children/add")
    page.get_by_role("button", name="Save child").click()
    link = error_summary(page).get_by_role("link", name="Enter the child's date of birth")
    link.click()
    expect(page.get_by_role("group", name="Date of birth").get_by_label("Day")).to_be_focused(timeout=1_000)


def test_the_error_summary_takes_focus_after_the_skip_link_was_used(page, resume_link):
    page.goto(resume_link)
    page.goto("/apply/children/add")
    page.get_by_role("link", name="Skip to main content").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main-content$"))
    page.get_by_role("button", name="Save child").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(error_summary(page)).to_be_focused(timeout=1_000)


# --- 5. an emailed link back to the application, in every state ------------------------------------------------


def test_an_expired_link_to_a_sent_application_leads_on_through_a_new_link_and_sign_in(
    app, new_page, make_user, travel
):
    """Kit's link is five weeks old: the page offers a new one by email; the new one leads through sign-in to the
    application. Opened while signed in as someone else, it says so and offers to sign out."""

    kit = make_user(roles=[Role.GUARDIAN], name="Kit Keys", email="kit.keys@example.com")
    other = make_user(roles=[Role.GUARDIAN], name="Pat Other", email="pat.other@example.com")
    with app.app_context():
        sent = ApplicationFactory(email=kit.email, answers=application_answers(name="Kit Keys", email=kit.email))
        sent.user_id = kit.id
        db.session.commit()
        reference, application_id = sent.reference, sent.id
        now = clock.now()
        travel(now - timedelta(weeks=5))  # a link emailed five weeks ago (links last four)
        old_link = "/apply/resume/" + accounts.signed(families.APPLICATION_RESUME, {"a": sent.id, "e": kit.email})
        travel(now)

    page = new_page(**PHONE)
    preload_axe(page)
    page.goto(old_link)
    expect(heading(page)).to_have_text("This link has expired")
    expect(page.get_by_role("main")).to_contain_text(f"Application {reference} is still here")
    expect(page.get_by_role("main")).to_contain_text("k***@example.com")
    axe_check(page)
    page.get_by_role("button", name="Email me a new link").click()
    expect(heading(page)).to_have_text("Check your email")
    axe_check(page)

    new_link = emailed_link(app, kit.email, "/apply/resume/")
    page.goto(new_link)
    expect(heading(page)).to_have_text("Sign in")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Application {reference} has been sent. Sign in to follow it."
    )
    axe_check(page)
    page.get_by_label("Email address").fill(kit.email)
    page.get_by_label("Password", exact=True).fill(kit.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/my-applications/{application_id}$"))
    expect(heading(page)).to_have_text("Your application")
    axe_check(page)

    someone_else = new_page(**PHONE)
    preload_axe(someone_else)
    sign_in(someone_else, other)
    someone_else.goto(new_link)
    expect(heading(someone_else)).to_have_text("This application belongs to another account")
    expect(someone_else.get_by_role("main")).to_contain_text("you are signed in as pat.other@example.com")
    axe_check(someone_else)
    someone_else.get_by_role("main").get_by_role("button", name="Sign out").click()
    expect(heading(someone_else)).to_have_text("Sign in")
