"""Opportunities and placements in a real browser on a 375 px phone, with axe-core on every page state (errors
included) and no sideways scrolling: a parent searches by interest, opens the farm internship and says one of
their two children is interested (an empty choice first); the coordinator finds the interest waiting, tries an
impossible start date, then approves; the learner signs in, follows "Log a session" from their dashboard and logs
what they learned, which shows on the placement. The coordinator's form for a new opportunity is checked too."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import Person, axe_check, choose, error_summary, heading, preload_axe, sign_in
from tests.browser.test_phone_width import PHONE, page_width
from tests.factories import GuardianFactory, LearnerFactory, LocalityFactory, SubjectAreaFactory, UserFactory
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import LocalityRole, LocalityStaff, OpportunityKind, Role, SubjectArea
from virtualacademy.services.community import opportunities


def _person(user) -> Person:
    return Person(id=user.id, name=user.name, email=user.email)


def _academy(app) -> dict:
    with app.app_context():
        north = LocalityFactory(name="Doncaster North")
        coordinator = UserFactory(roles=[Role.COORDINATOR], name="Nia North")
        db.session.add(LocalityStaff(user_id=coordinator.id, locality_id=north.id, role=LocalityRole.COORDINATOR))
        ellie = LearnerFactory(legal_name="Eleanor Jones", preferred_name="Ellie", locality=north)
        LearnerFactory(legal_name="Noah Jones", preferred_name="Noah", locality=north, family=ellie.family)
        guardian = GuardianFactory(family=ellie.family, name="Jo Jones").user
        own = UserFactory(roles=[Role.LEARNER], name="Ellie Jones")
        ellie.user_id = own.id
        # the subject the session is logged under (the migrations' own list may have been emptied by an earlier test)
        if db.session.scalar(select(SubjectArea).where(SubjectArea.name == "Sciences")) is None:
            SubjectAreaFactory(name="Sciences")
        db.session.flush()
        for title, interests in [
            ("Animal care at Bentley Farm", "animals, farming, outdoors"),
            ("Coding masterclass", "coding, games"),
        ]:
            opportunities.save_opportunity(
                coordinator,
                None,
                opportunities.OpportunityInput(
                    title=title,
                    kind=OpportunityKind.INTERNSHIP,
                    host_organisation="Bentley City Farm",
                    contact_name="Jo Fields",
                    contact_email="jo@bentley.example",
                    interests=interests,
                    locality_id=north.id,
                    host_checked_on=clock.today() - timedelta(days=30),
                    places=2,
                    location="Bentley",
                    time_commitment="Tuesday mornings for six weeks, a long commitment described in many words",
                ),
            )
        db.session.commit()
        return {"guardian": _person(guardian), "coordinator": _person(coordinator), "own": _person(own)}


def _check(page) -> None:
    assert page_width(page) <= 375, f"{page.url} is {page_width(page)} px wide"
    for region in page.locator(".va-table-scroll__region").all():
        overflows = region.evaluate("r => r.scrollWidth > r.clientWidth")
        assert (region.get_attribute("tabindex") == "0") == overflows, page.url
    axe_check(page)


def test_search_express_interest_approve_and_log_a_session_on_a_phone(app, new_page, committed_db):
    people = _academy(app)

    # --- the parent searches and says Ellie is interested ----------------------------------------------------
    page = new_page(**PHONE)
    preload_axe(page)
    sign_in(page, people["guardian"])
    page.goto("/community/opportunities")
    expect(heading(page)).to_have_text("Opportunities")
    _check(page)
    page.get_by_label("Interest").fill("anim")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("main")).to_contain_text("1 opportunity")
    expect(page.get_by_role("link", name="Coding masterclass")).to_have_count(0)
    _check(page)
    page.get_by_role("link", name="Animal care at Bentley Farm").click()
    expect(heading(page)).to_have_text("Animal care at Bentley Farm")
    expect(page.get_by_role("main")).not_to_contain_text("jo@bentley.example")
    _check(page)
    page.get_by_role("button", name="Express interest").click()
    expect(heading(page)).to_have_text("Express interest")
    _check(page)
    page.get_by_role("button", name="Say they are interested").click()
    expect(page).to_have_title(re.compile(r"^Error: Express interest"))
    expect(error_summary(page)).to_contain_text("Choose who is interested")
    _check(page)
    choose(page.get_by_role("radio", name="Ellie"))
    page.get_by_label("Why does it interest them? (optional)").fill("She looks after our hens every morning.")
    page.get_by_role("button", name="Say they are interested").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Interest sent for Ellie")
    expect(page.get_by_role("main")).to_contain_text("The coordinator will decide")
    _check(page)
    page.get_by_role("link", name="Back to placements").click()
    expect(page.get_by_role("main")).to_contain_text("Interest expressed")
    _check(page)
    page.close()

    # --- the coordinator approves ------------------------------------------------------------------------------
    page = new_page(**PHONE)
    preload_axe(page)
    sign_in(page, people["coordinator"])
    page.goto("/community/opportunities/new")
    _check(page)
    page.get_by_role("button", name="Save the opportunity").click()
    expect(page).to_have_title(re.compile(r"^Error: Add an opportunity"))
    _check(page)
    page.goto("/community/placements")
    expect(page.get_by_role("main")).to_contain_text("1 waiting for a decision")
    _check(page)
    page.get_by_role("link", name=re.compile("Eleanor Jones")).click()
    expect(page.get_by_role("main")).to_contain_text("She looks after our hens every morning.")
    _check(page)
    choose(page.get_by_role("radio", name="Approve the placement"))
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Record the decision").click()
    expect(error_summary(page)).to_contain_text("must be a real date")
    _check(page)
    page.get_by_label("Day").fill("")
    page.get_by_label("Month").fill("")
    page.get_by_label("Year").fill("")
    choose(page.get_by_role("radio", name="Approve the placement"))
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Approved")
    expect(page.get_by_role("main")).to_contain_text("Placement approved")
    _check(page)
    page.goto("/community/opportunities?q=animals")
    page.get_by_role("link", name="Animal care at Bentley Farm").click()
    expect(page.get_by_role("main")).to_contain_text("jo@bentley.example")
    _check(page)
    page.close()

    # --- Ellie logs a session ------------------------------------------------------------------------------------
    page = new_page(**PHONE)
    preload_axe(page)
    sign_in(page, people["own"])
    page.goto("/dashboard")
    _check(page)
    page.get_by_role("link", name=re.compile("^Log a session")).click()
    expect(heading(page)).to_have_text("Log a session")
    _check(page)
    page.get_by_role("button", name="Log the session").click()
    expect(error_summary(page)).to_contain_text("Enter how long the session took")
    _check(page)
    page.get_by_label("Hours").fill("2")
    page.get_by_label("Minutes").fill("30")
    choose(page.get_by_role("checkbox", name="Sciences", exact=True))
    page.get_by_label("What did they learn?").fill("Mucked out the goats and learned about hoof care.")
    page.get_by_role("button", name="Log the session").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Logged 2 hours 30 minutes")
    expect(page.get_by_role("main")).to_contain_text("hoof care")
    _check(page)
