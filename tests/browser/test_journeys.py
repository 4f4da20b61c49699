"""Home pages and the journeys from them, in a real browser with axe-core on every page: each role's dashboard;
the exams officer from learners working towards exams to a read-only record; a coordinator to their locality;
a learner's own page naming their mentor; and a mentor, from the learner's page, sharing a draft plan with the
family, who are notified."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Person, axe_check, heading, preload_axe, sign_in, success_banner
from tests.factories import GoalFactory, GuardianFactory, LearnerFactory, UserFactory
from virtualacademy.extensions import db
from virtualacademy.models import LocalityRole, LocalityStaff, MentorAssignment, Role

pytestmark = pytest.mark.browser


def _person(user) -> Person:
    return Person(id=user.id, name=user.name, email=user.email)


@pytest.fixture
def academy(app, committed_db):
    """Robin (with their own account and a goal towards GCSE maths), their guardian, mentor and coordinator, an
    exams officer and a safeguarding lead."""
    with app.app_context():
        robin = LearnerFactory(legal_name="Robin Example", preferred_name="Robbie", enrolled=date(2026, 9, 1))
        robin.user = UserFactory(roles=[Role.LEARNER], name="Robbie Example")
        guardian = GuardianFactory(family=robin.family, user__name="Jo Example").user
        mentor = UserFactory(roles=[Role.MENTOR], name="Mo Mentor")
        coordinator = UserFactory(roles=[Role.COORDINATOR], name="Cora Ordinator")
        db.session.add(
            LocalityStaff(user_id=coordinator.id, locality_id=robin.locality_id, role=LocalityRole.COORDINATOR)
        )
        db.session.add(MentorAssignment(learner_id=robin.id, mentor_id=mentor.id, starts_on=date(2026, 9, 7)))
        GoalFactory(plan__learner=robin, title="Sit GCSE maths", target_date=date(2027, 6, 10))
        people = {
            "robin": robin.id,
            "locality": robin.locality_id,
            "learner": _person(robin.user),
            "guardian": _person(guardian),
            "mentor": _person(mentor),
            "coordinator": _person(coordinator),
            "exams": _person(UserFactory(roles=[Role.EXAMS_OFFICER], name="Ezra Exams")),
            "lead": _person(UserFactory(roles=[Role.SAFEGUARDING_LEAD])),
            "admin": _person(UserFactory(roles=[Role.ADMIN])),
        }
        db.session.commit()
    return people


def test_every_home_page_offers_todays_work(new_page, academy):
    for who in ("admin", "coordinator", "mentor", "exams", "lead", "guardian", "learner"):
        page = new_page()
        preload_axe(page)
        sign_in(page, academy[who])
        expect(page).to_have_url(re.compile(r"/dashboard$"))
        expect(page.get_by_role("main")).not_to_contain_text("will appear here")
        axe_check(page)
    # The admin reaches contact by locality and mentor (the overview's contact section) from the dashboard.
    page.close()
    admin = new_page()
    sign_in(admin, academy["admin"])
    admin.get_by_role("link", name="Contact by locality and mentor").first.click()
    expect(heading(admin)).to_have_text("Academy overview")
    expect(admin.locator("#contact")).to_have_text("Contact")
    axe_check(admin)


def test_the_exams_officer_opens_a_learner_working_towards_exams_read_only(new_page, academy):
    page = new_page()
    sign_in(page, academy["exams"])
    panel = page.locator(".va-dashboard-card", has_text="Learners working towards exams")
    expect(panel).to_contain_text("Sit GCSE maths (by 10 June 2027)")
    axe_check(page)
    panel.get_by_role("link", name="Robin Example").click()
    expect(heading(page)).to_have_text("Robin Example")
    expect(page.get_by_role("button", name="Withdraw")).to_have_count(0)
    axe_check(page)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Learners").click()
    expect(page.get_by_role("table")).to_contain_text("Robin Example")
    axe_check(page)


def test_a_coordinator_opens_their_localitys_page(new_page, academy):
    page = new_page()
    sign_in(page, academy["coordinator"])
    card = page.locator(".va-dashboard-card").filter(has=page.get_by_role("heading", name="Your locality", exact=True))
    card.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/localities/{academy['locality']}$"))
    expect(page.get_by_role("main")).to_contain_text("Cora Ordinator")
    expect(page.get_by_role("main")).to_contain_text("Learners on roll today")
    axe_check(page)


def test_the_learner_sees_their_mentor_and_the_mentor_shares_the_plan_with_the_family(new_page, academy):
    learner = new_page()
    sign_in(learner, academy["learner"])
    learner.get_by_role("link", name="Your page").click()
    expect(heading(learner)).to_have_text("Hello, Robbie")
    expect(learner.get_by_role("main")).to_contain_text("Mo Mentor")
    expect(learner.get_by_role("main")).not_to_contain_text("Being arranged")
    axe_check(learner)

    mentor = new_page()
    sign_in(mentor, academy["mentor"])
    mentor.goto(f"/caseload/learners/{academy['robin']}")
    for name in ("Robbie’s learning plan", "Robbie’s learning log", "Robbie’s portfolio"):
        expect(mentor.get_by_role("link", name=name)).to_be_visible()
    axe_check(mentor)
    mentor.get_by_role("link", name="Robbie’s learning plan").click()
    expect(heading(mentor)).to_have_text("Robbie’s learning plan")
    mentor.get_by_text("Share this version with the family for comment").click()
    mentor.get_by_label("A message for the family (optional)").fill("Is the maths goal right?")
    axe_check(mentor)
    mentor.get_by_role("button", name="Share with the family for comment").click()
    expect(success_banner(mentor)).to_contain_text("shared with Robbie’s family for comment (2 people told)")
    axe_check(mentor)
    mentor.get_by_text("Share this version with the family for comment").click()
    mentor.get_by_role("button", name="Share with the family for comment").click()
    expect(mentor.locator(".govuk-error-summary")).to_contain_text("has already been shared with the family")
    axe_check(mentor)

    family = new_page()
    sign_in(family, academy["guardian"])
    family.goto("/notifications/")
    expect(family.get_by_role("main")).to_contain_text("Robbie’s learning plan is ready for your comments")
    axe_check(family)


def test_a_learner_starting_later_waits_for_a_mentor_and_shows_their_start(app, new_page, academy):
    from datetime import timedelta

    from virtualacademy import clock

    start = clock.today() + timedelta(days=20)
    with app.app_context():
        LearnerFactory(legal_name="Sam Later", enrolled=start)
        db.session.commit()
    admin = new_page()
    sign_in(admin, academy["admin"])
    admin.get_by_role("link", name=re.compile("on roll or starting soon without a mentor")).click()
    row = admin.get_by_role("row", name=re.compile("Sam Later"))
    expect(row).to_contain_text(f"Starts on {start:%-d %B %Y}")
    axe_check(admin)
    row.get_by_role("link", name=re.compile("Assign a mentor")).click()
    admin.get_by_role("radio", name=re.compile("^Mo Mentor")).check()
    admin.get_by_role("button", name="Assign mentor").click()
    expect(success_banner(admin)).to_contain_text("Mo Mentor is now Sam's mentor")
    expect(admin.get_by_role("main")).to_contain_text(f"Starts on {start:%-d %B %Y}")
    axe_check(admin)

    mentor = new_page()
    sign_in(mentor, academy["mentor"])
    mentor.goto("/caseload")
    expect(mentor.get_by_role("row", name=re.compile("Sam Later"))).to_contain_text(f"Starts on {start:%-d %B %Y}")
    axe_check(mentor)
