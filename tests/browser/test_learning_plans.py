"""Learning plans in a real browser, with axe-core on every page state (errors included): a guardian on a
phone-sized screen writes their child's plan and adds a goal (without a subject first), then reads what changed
in the version history; and a mentor on a desktop finds the overdue review on their caseload, records the review
(with a date in the future first), and the family reads it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import Person, axe_check, error_summary, heading, preload_axe, sign_in, success_banner
from tests.factories import GuardianFactory, LearnerFactory, SubjectAreaFactory, UserFactory
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import Goal, GoalStatus, LearningPlan, PlanReview, Role
from virtualacademy.services import learning_plans, mentoring

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
SUBJECTS = ("English", "Maths", "Sciences", "Arts")
STAFF_NOTE = "Mum works nights: call after 2pm."


def fill_date(page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _person(user) -> Person:
    return Person(id=user.id, name=user.name, email=user.email)


@pytest.fixture
def robbie(app, committed_db):
    """Robbie, enrolled, with a guardian and a mentor; the subject areas the tests use."""
    with app.app_context():
        for n, name in enumerate(SUBJECTS):
            SubjectAreaFactory(name=name, position=n)
        learner = LearnerFactory(legal_name="Robin Example", preferred_name="Robbie")
        guardian = GuardianFactory(family=learner.family, user__name="Jo Example").user
        mentor = UserFactory(name="Mo Mentor", roles=[Role.MENTOR])
        admin = UserFactory(name="Ada Admin", roles=[Role.ADMIN])
        mentoring.assign(admin, learner, mentor, clock.today() - timedelta(days=60))
        db.session.commit()
        return {"learner": learner.id, "guardian": _person(guardian), "mentor": _person(mentor)}


def test_a_guardian_on_a_phone_writes_the_plan_and_adds_a_goal(app, new_page, robbie):
    learner = robbie["learner"]
    page = new_page(**PHONE)
    preload_axe(page)
    sign_in(page, robbie["guardian"])
    page.goto(f"/family/learners/{learner}")
    page.get_by_role("link", name=re.compile("learning plan")).click()

    expect(heading(page)).to_have_text("Robbie’s learning plan")
    expect(page.get_by_role("main")).to_contain_text("Nothing has been written yet")
    axe_check(page)

    page.get_by_role("button", name="Edit the plan").click()
    expect(heading(page)).to_have_text("Edit the plan")
    expect(page.get_by_label("Staff notes", exact=False)).to_have_count(0)
    axe_check(page)
    page.get_by_label("Interests and passions").fill("Space, rockets and drawing the planets.")
    page.get_by_label("Support needs and adjustments").fill("Short sessions; breaks to move about.")
    page.get_by_role("button", name="Save the plan").click()
    expect(success_banner(page)).to_contain_text("The plan has been saved.")
    about = page.locator(".govuk-summary-list").nth(1)
    expect(about.locator(".govuk-summary-list__row").filter(has_text="Interests and passions")).to_contain_text(
        "Space, rockets and drawing the planets."
    )
    expect(about.locator(".govuk-summary-list__row").filter(has_text="Aspirations")).to_contain_text("Not written yet")
    axe_check(page)

    # A goal with no subject area is refused, and nothing typed is lost.
    page.get_by_role("button", name="Add a goal").click()
    expect(heading(page)).to_have_text("Add a goal")
    axe_check(page)
    page.get_by_label("Goal", exact=True).fill("Build a model of the solar system")
    page.get_by_label("What success looks like (optional)").fill("It shows the planets in order, to scale.")
    fill_date(page, "Target date (optional)", date(2027, 3, 1))
    page.get_by_role("button", name="Save goal").click()
    expect(page).to_have_title(re.compile(r"^Error: Add a goal for Robbie – "))
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page).get_by_role("link")).to_have_text(["Choose at least one subject area"])
    expect(page.get_by_label("Goal", exact=True)).to_have_value("Build a model of the solar system")
    expect(page.get_by_role("group", name="Target date (optional)").get_by_label("Year")).to_have_value("2027")
    axe_check(page)
    error_summary(page).get_by_role("link").click()
    subjects = page.get_by_role("group", name=re.compile("^Subject areas"))
    expect(subjects.get_by_role("checkbox").first).to_be_focused()
    subjects.get_by_role("checkbox", name="Sciences").check()
    subjects.get_by_role("checkbox", name="Arts").check()
    page.get_by_role("group", name="Where is this goal now?").get_by_role("radio", name="Working on it").check()
    page.get_by_role("button", name="Save goal").click()

    expect(success_banner(page)).to_contain_text("Goal added: Build a model of the solar system")
    # the banner links to the goal's card on the plan
    goal_href = success_banner(page).get_by_role("link", name="Build a model of the solar system").get_attribute("href")
    assert re.fullmatch(rf"/learning/learners/{learner}/plan#goal-\d+", goal_href), goal_href
    card = page.locator(".govuk-summary-card").filter(has_text="Build a model of the solar system")
    expect(page.locator("#" + goal_href.split("#")[1])).to_contain_text("Build a model of the solar system")
    expect(card.locator(".govuk-tag")).to_have_text(["Working on it", "Sciences", "Arts"])
    expect(card).to_contain_text("1 March 2027")
    axe_check(page)

    # The history: two versions, and what the second changed.
    page.get_by_role("link", name=re.compile("^Version history")).click()
    expect(heading(page)).to_have_text("Version history")
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Goal added: Build a model of the solar system")
    expect(rows.nth(0)).to_contain_text("Jo Example")
    axe_check(page)
    rows.nth(0).get_by_role("link").click()
    expect(heading(page)).to_have_text("Version 2")
    expect(page.get_by_role("heading", level=3)).to_have_text("Goal added: Build a model of the solar system")
    axe_check(page)

    with app.app_context():
        plan = db.session.scalar(select(LearningPlan).where(LearningPlan.learner_id == learner))
        assert (plan.version, [g.title for g in plan.goals]) == (2, ["Build a model of the solar system"])


@pytest.fixture
def due_for_review(app, robbie):
    """Robbie's plan with two goals, the review a few days overdue, and a staff note."""
    with app.app_context():
        from virtualacademy.models import Learner, User

        learner = db.session.get(Learner, robbie["learner"])
        mentor = db.session.get(User, robbie["mentor"].id)
        subjects = {s: SubjectAreaFactory(name=s).id for s in SUBJECTS}
        learning_plans.save_plan(
            mentor,
            learner,
            interests="Space and rockets.",
            aspirations="To work at the space agency.",
            strengths=None,
            support_needs=None,
            staff_notes=STAFF_NOTE,
        )
        for title, subject in (("Times tables to 12", "Maths"), ("Write a space story", "English")):
            learning_plans.add_goal(mentor, learner, learning_plans.GoalInput(title, subject_ids=[subjects[subject]]))
        plan = learning_plans.plan_of(learner)
        plan.next_review_on = clock.today() - timedelta(days=3)
        db.session.commit()
    return robbie


def test_a_mentor_reviews_the_plan_and_the_family_reads_the_review(app, new_page, due_for_review):
    facts = due_for_review
    learner = facts["learner"]
    today = clock.today()
    page = new_page(**DESKTOP)
    preload_axe(page)
    sign_in(page, facts["mentor"])
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Caseload").click()
    row = page.get_by_role("table").locator("tbody tr").filter(has_text="Robbie Example")
    expect(row).to_contain_text("Review overdue")
    axe_check(page)
    row.get_by_role("link", name="Robbie Example").click()
    page.get_by_role("link", name=re.compile("learning plan")).click()

    expect(heading(page)).to_have_text("Robbie’s learning plan")
    notes = page.locator(".govuk-inset-text")
    expect(notes).to_contain_text(STAFF_NOTE)
    expect(notes.locator("p").first).to_have_text("Only staff see these notes: never the family.")
    expect(notes).not_to_contain_text("<p")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Review overdue")
    axe_check(page)

    page.get_by_role("button", name="Record a review").click()
    expect(heading(page)).to_have_text("Record a review")
    expect(page.get_by_role("group", name="Date of the review").get_by_label("Day")).to_have_value(str(today.day))
    axe_check(page)
    fill_date(page, "Date of the review", today + timedelta(days=1))
    page.get_by_label("Progress on ‘Times tables to 12’").fill("Knows them all up to 10.")
    page.get_by_role("group", name="Where is ‘Times tables to 12’ now?").get_by_role(
        "radio", name="Working on it"
    ).check()
    page.get_by_label("Progress on ‘Write a space story’").fill("Finished: read it to the family.")
    page.get_by_label("Next steps for ‘Write a space story’").fill("Illustrate it.")
    page.get_by_role("group", name="Where is ‘Write a space story’ now?").get_by_role("radio", name="Achieved").check()
    new_goal = page.get_by_role("group", name="New goal 1")
    new_goal.get_by_label("Goal", exact=True).fill("Visit the planetarium")
    new_goal.get_by_role("group", name="Subject areas for new goal 1").get_by_role("checkbox", name="Sciences").check()
    page.get_by_label("Summary (optional)").fill("Robbie led the review and chose the next goal.")
    page.get_by_role("button", name="Save review").click()

    expect(page).to_have_title(re.compile(r"^Error: Record a review of Robbie’s plan – "))
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page).get_by_role("link")).to_have_text(
        ["The date of the review must be today or in the past"]
    )
    expect(page.get_by_label("Progress on ‘Times tables to 12’")).to_have_value("Knows them all up to 10.")
    expect(new_goal.get_by_role("checkbox", name="Sciences")).to_be_checked()
    axe_check(page)
    error_summary(page).get_by_role("link").click()
    expect(page.get_by_role("group", name="Date of the review").get_by_label("Day")).to_be_focused()
    fill_date(page, "Date of the review", today)
    page.get_by_role("button", name="Save review").click()

    expect(success_banner(page)).to_contain_text(f"The review held on {today:%-d %B %Y} has been saved.")
    review_link = success_banner(page).get_by_role("link", name=f"review held on {today:%-d %B %Y}")
    expect(review_link).to_have_attribute("href", re.compile(r"^/learning/reviews/\d+$"))
    next_review = today + timedelta(weeks=6)
    expect(page.locator(".govuk-summary-list").first).to_contain_text(f"{next_review:%-d %B %Y}")
    expect(page.locator(".govuk-summary-list").first).not_to_contain_text("Review overdue")
    story = page.locator(".govuk-summary-card").filter(has_text="Write a space story")
    expect(story.locator(".govuk-tag").first).to_have_text("Achieved")
    expect(page.locator(".govuk-summary-card").filter(has_text="Visit the planetarium")).to_be_visible()
    axe_check(page)
    page.goto("/caseload")
    expect(page.get_by_role("table").locator("tbody tr").filter(has_text="Robbie Example")).not_to_contain_text(
        "Review overdue"
    )

    # The family reads the review, and never the staff note.
    family = new_page(**PHONE)
    preload_axe(family)
    sign_in(family, facts["guardian"])
    family.goto(f"/learning/learners/{learner}/plan")
    expect(family.get_by_role("main")).not_to_contain_text(STAFF_NOTE)
    axe_check(family)
    family.get_by_role("link", name=re.compile(f"^{today:%-d %B %Y}")).click()
    expect(heading(family)).to_have_text(f"Review on {today:%-d %B %Y}")
    expect(family.get_by_role("main")).to_contain_text("Finished: read it to the family.")
    expect(family.get_by_role("main")).to_contain_text("Visit the planetarium")
    axe_check(family)

    with app.app_context():
        review = db.session.scalar(select(PlanReview))
        assert review.next_review_on == next_review and review.held_on == today
        statuses = {g.title: g.status for g in db.session.scalars(select(Goal))}
        assert statuses == {
            "Times tables to 12": GoalStatus.WORKING_ON_IT,
            "Write a space story": GoalStatus.ACHIEVED,
            "Visit the planetarium": GoalStatus.NOT_STARTED,
        }
