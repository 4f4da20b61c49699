"""Mentoring in a real browser, with axe-core on every page state (errors included): a coordinator assigns a
mentor (no choice, then over the mentor's limit, then confirmed) and sets enhanced support; the mentor finds
the learner on their caseload, records a check-in (errors first), closes an action and adds another adult;
the family sees the dates and their actions but never the notes; an admin changes cadences and a caseload
limit and reads contact by mentor; and a check-in by keyboard alone, whose wellbeing score of 1 alerts
the mentor."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import Person, axe_check, error_summary, heading, preload_axe, sign_in, success_banner
from tests.factories import GuardianFactory, LearnerFactory, UserFactory
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import (
    ActionOwner,
    AgreedAction,
    CheckIn,
    ContactMethod,
    ContactWith,
    LocalityRole,
    LocalityStaff,
    MentorAssignment,
    Role,
)
from virtualacademy.services import mentoring
from virtualacademy.services.mentoring import LONDON

NOTES = "Sleeping badly since the move; wants to try the astronomy club."
HANDOVER = "Prefers a phone call after 2pm. Mum works nights."
CLUB = "Try the astronomy club at the library"
EXAM_LIST = "Send the family the exam centre list"


# --- helpers ----------------------------------------------------------------------------------------


def main_menu(page):
    return page.get_by_role("navigation", name="Main menu")


def fill_date(page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def long_date(day: date) -> str:
    return f"{day:%-d %B %Y}"


def _person(user) -> Person:
    return Person(id=user.id, name=user.name, email=user.email)


def _staff(locality, *pairs) -> None:
    db.session.add_all(LocalityStaff(user_id=u.id, locality_id=locality.id, role=role) for u, role in pairs)


# --- 1. assign, check in, the family's view ----------------------------------------------------------


@pytest.fixture
def a_locality(app, committed_db):
    """Robin, waiting for a mentor; Mo, a mentor already at their limit of one (with Sam); Nia, a mentor
    with room; their coordinator; and Robin's parent."""
    today = clock.today()
    with app.app_context():
        robin = LearnerFactory(legal_name="Robin Example", preferred_name="Robbie")
        sam = LearnerFactory(legal_name="Sam Fielding", locality=robin.locality)
        coordinator = UserFactory(name="Cal Coordinator", roles=[Role.COORDINATOR])
        mo = UserFactory(name="Mo Mentor", roles=[Role.MENTOR])
        nia = UserFactory(name="Nia Mentor", roles=[Role.MENTOR])
        _staff(
            robin.locality,
            (coordinator, LocalityRole.COORDINATOR),
            (mo, LocalityRole.MENTOR),
            (nia, LocalityRole.MENTOR),
        )
        db.session.flush()
        mentoring.assign(coordinator, sam, mo, today - timedelta(days=10))
        mentoring.set_caseload_limit(coordinator, mo, 1)
        guardian = GuardianFactory(family=robin.family, name="Jo Example").user
        db.session.commit()
        return {
            "robin": robin.id,
            "coordinator": _person(coordinator),
            "mentor": _person(mo),
            "guardian": _person(guardian),
        }


def test_a_coordinator_assigns_a_mentor_who_keeps_in_touch(app, new_page, a_locality):
    facts = a_locality
    robin = facts["robin"]
    now = clock.london(clock.now())
    today = now.date()
    # Earlier today, whatever the time now (the check-in counts only from the day the mentor starts).
    earlier = max(now - timedelta(hours=1), datetime.combine(today, time(0, 0), LONDON))

    # --- the coordinator --------------------------------------------------------------------------------
    page = new_page()
    preload_axe(page)
    sign_in(page, facts["coordinator"])
    expect(page.get_by_role("main")).to_contain_text("1 learner on roll or starting soon without a mentor")
    axe_check(page)
    main_menu(page).get_by_role("link", name="Mentoring").click()
    expect(heading(page)).to_have_text("Learners without a mentor")
    table = page.get_by_role("table")
    expect(table.get_by_role("caption")).to_have_text(
        "1 learner on roll or starting soon without a mentor, longest waiting first"
    )
    expect(table).not_to_contain_text("Sam Fielding")
    axe_check(page)
    table.get_by_role("link", name="Assign a mentor to Robin Example").click()

    expect(heading(page)).to_have_text("Assign a mentor")
    mentors = page.get_by_role("group", name="Mentor", exact=True)
    # Mentors in the locality with spare capacity come first.
    expect(mentors.get_by_role("radio")).to_have_count(2)
    expect(mentors.locator("label")).to_have_text(
        ["Nia Mentor: 0 of 15 (in this locality)", "Mo Mentor: 1 of 1 (in this locality) (full)"]
    )
    expect(page.get_by_role("group", name="From").get_by_label("Day")).to_have_value(str(today.day))
    axe_check(page)

    # A national academy has thousands of mentors: a search by name narrows the choice, and stays.
    page.get_by_label("Find a mentor by name").fill("mo m")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(mentors.locator("label")).to_have_text(["Mo Mentor: 1 of 1 (in this locality) (full)"])
    expect(page.get_by_label("Find a mentor by name")).to_have_value("mo m")
    axe_check(page)

    # No mentor chosen.
    page.get_by_role("button", name="Assign mentor").click()
    expect(page).to_have_title(re.compile(r"^Error: Assign a mentor to Robbie – "))
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page).get_by_role("link")).to_have_text(["Choose a mentor"])
    axe_check(page)

    # Mo is full: the box must be ticked, and nothing typed is lost.
    mentors.get_by_role("radio", name=re.compile("^Mo Mentor")).check()
    page.get_by_label("Handover note for the new mentor (optional)").fill(HANDOVER)
    page.get_by_role("button", name="Assign mentor").click()
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page).get_by_role("link")).to_have_text(
        ["Mo Mentor already has 1 learner, their limit is 1. Tick the box to confirm you want to go over it."]
    )
    expect(mentors.get_by_role("radio", name=re.compile("^Mo Mentor"))).to_be_checked()
    expect(page.get_by_label("Handover note for the new mentor (optional)")).to_have_value(HANDOVER)
    axe_check(page)
    error_summary(page).get_by_role("link").click()
    box = page.get_by_role("checkbox", name="I know this takes the mentor over their caseload limit")
    expect(box).to_be_focused()
    box.check()
    page.get_by_role("button", name="Assign mentor").click()

    expect(success_banner(page)).to_contain_text("Mo Mentor is now Robbie's mentor.")
    expect(heading(page)).to_have_text("Robbie")
    expect(page.get_by_role("main")).to_contain_text(HANDOVER)
    axe_check(page)

    # The coordinator gives Robbie enhanced support (an individual cadence out of range first).
    support = page.get_by_role("group", name="Support level")
    support.get_by_role("radio", name="Enhanced").check()
    page.get_by_label("Individual cadence in days (optional)").fill("120")
    page.get_by_role("button", name="Save support level").click()
    expect(page).to_have_title(re.compile(r"^Error: Robbie: contact – "))
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page).get_by_role("link")).to_have_text(["Enter a number of days from 1 to 90"])
    expect(support.get_by_role("radio", name="Enhanced")).to_be_checked()
    axe_check(page)
    page.get_by_label("Individual cadence in days (optional)").fill("")
    page.get_by_role("button", name="Save support level").click()
    expect(success_banner(page)).to_contain_text("Support level saved.")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Enhanced: every 3 days")
    axe_check(page)
    page.goto("/mentoring/unassigned")
    expect(page.get_by_role("table")).to_contain_text("Every learner on roll or starting soon has a mentor.")

    # --- the mentor -------------------------------------------------------------------------------------
    page = new_page()
    preload_axe(page)
    sign_in(page, facts["mentor"])
    panel = page.get_by_role("region", name="Mentor", exact=True)
    expect(panel.get_by_role("link", name="Overdue: 1")).to_be_visible()
    expect(panel.get_by_role("link", name="Due today: 1")).to_be_visible()
    axe_check(page)
    main_menu(page).get_by_role("link", name="Caseload").click()
    expect(heading(page)).to_have_text("Your caseload")
    rows = page.get_by_role("table").locator("tbody tr")
    expect(page.get_by_role("table").get_by_role("caption")).to_have_text("2 learners, most urgent first")
    expect(rows.nth(0)).to_contain_text("Sam Fielding")
    expect(rows.nth(0).locator(".govuk-tag")).to_have_text("Overdue by 10 days")
    expect(rows.nth(1).locator(".govuk-tag")).to_have_text("Due today")
    expect(rows.nth(1)).to_contain_text("Not yet")
    axe_check(page)
    page.get_by_role("navigation", name="Filter by status").get_by_role("link", name="Due today").click()
    expect(rows).to_have_count(1)
    current = page.get_by_role("link", name="Due today")
    expect(current).to_have_attribute("aria-current", "page")
    expect(current).to_have_css("font-weight", "700")  # shown, not only announced
    axe_check(page)
    rows.get_by_role("link", name="Robbie Example").click()

    expect(page).to_have_url(re.compile(rf"/caseload/learners/{robin}$"))
    expect(heading(page)).to_have_text("Robbie")
    expect(page.locator(".govuk-inset-text")).to_have_text(f"Handover note: {HANDOVER}")
    expect(page.get_by_role("main")).to_contain_text("No contact recorded yet.")
    axe_check(page)
    page.get_by_role("button", name="Record a check-in").click()

    expect(heading(page)).to_have_text("Record a check-in")
    axe_check(page)
    # Errors first: a time that is not one, on a day to come.
    fill_date(page, "Date", today + timedelta(days=1))
    page.get_by_label("Time", exact=True).fill("25:00")
    page.get_by_role("group", name="How").get_by_role("radio", name="Phone").check()
    page.get_by_role("group", name="With whom").get_by_role("radio", name="Both").check()
    page.get_by_role("group", name="Was contact made?").get_by_role("radio", name="Yes").check()
    page.get_by_label("Notes (staff only: never shown to the family)").fill(NOTES)
    page.get_by_role("button", name="Save check-in").click()
    expect(page).to_have_title(re.compile(r"^Error: Record a check-in with Robbie – "))
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page).get_by_role("link")).to_have_text(["Enter a time like 14:30"])
    expect(page.get_by_label("Time", exact=True)).to_have_value("25:00")
    expect(page.get_by_label("Notes (staff only: never shown to the family)")).to_have_value(NOTES)
    expect(page.get_by_role("group", name="With whom").get_by_role("radio", name="Both")).to_be_checked()
    axe_check(page)
    page.get_by_label("Time", exact=True).fill("10:00")
    page.get_by_role("button", name="Save check-in").click()
    expect(error_summary(page).get_by_role("link")).to_have_text(["A check-in cannot be in the future"])
    expect(page.get_by_role("group", name="Date", exact=True).get_by_label("Year")).to_have_value(
        str((today + timedelta(days=1)).year)
    )
    expect(page.get_by_label("Notes (staff only: never shown to the family)")).to_have_value(NOTES)
    axe_check(page)
    error_summary(page).get_by_role("link").click()
    expect(page.get_by_role("group", name="Date", exact=True).get_by_label("Day")).to_be_focused()

    # Now right: earlier today, with scores and two agreed actions.
    fill_date(page, "Date", earlier.date())
    page.get_by_label("Time", exact=True).fill(earlier.strftime("%H:%M"))
    page.get_by_role("group", name="Wellbeing (as the learner describes it)").get_by_role("radio", name="4").check()
    page.get_by_role("group", name="Engagement with learning").get_by_role("radio", name="3").check()
    page.get_by_label("Action 1", exact=True).fill(CLUB)
    page.get_by_label("Who will do action 1").select_option(label="Learner")
    fill_date(page, "Action 1 due by (optional)", today + timedelta(days=14))
    page.get_by_label("Action 2", exact=True).fill(EXAM_LIST)
    page.get_by_label("Who will do action 2").select_option(label="Mentor")
    page.get_by_role("button", name="Save check-in").click()

    expect(page).to_have_url(re.compile(rf"/caseload/learners/{robin}$"))
    expect(success_banner(page)).to_contain_text("Check-in with Robbie saved.")
    # the banner links to the check-in in Robbie's contact history
    to_check_in = success_banner(page).get_by_role("link", name="Robbie")
    expect(to_check_in).to_have_attribute("href", re.compile(rf"^/caseload/learners/{robin}#check-in-\d+$"))
    expect(page.locator("#" + to_check_in.get_attribute("href").split("#")[1])).to_have_class("va-contact")
    contact = page.locator(".va-contact")
    expect(contact).to_have_count(1)
    expect(contact.get_by_role("heading", level=3)).to_have_text(
        f"{earlier:%-d %B %Y at %-I:%M%p}".replace("AM", "am").replace("PM", "pm")
        + ": Phone with Robbie and a parent or carer"
    )
    expect(contact).to_contain_text("By Mo Mentor; wellbeing 4; engagement 3")
    expect(contact).to_contain_text(NOTES)
    actions = page.get_by_role("table").filter(has_text=CLUB).locator("tbody tr")
    expect(actions).to_have_count(2)
    expect(actions.nth(0)).to_contain_text(long_date(today + timedelta(days=14)))
    expect(page.locator(".govuk-summary-list")).to_contain_text(long_date(today + timedelta(days=3)))
    expect(page.get_by_role("main").locator(".govuk-tag")).to_have_text("On track")
    axe_check(page)

    # Close the mentor's own action.
    page.get_by_role("button", name=f"Close action: {EXAM_LIST}").click()
    expect(success_banner(page)).to_contain_text("Action closed.")
    expect(actions).to_have_count(1)
    expect(actions).to_contain_text(CLUB)
    axe_check(page)

    # Add a tutor: without a name or start date first.
    page.get_by_text("Add a tutor, host or community mentor").click()
    page.get_by_label("Organisation (optional)").fill("Doncaster Maths Tutors")
    page.get_by_role("button", name="Add person").click()
    expect(page).to_have_title(re.compile(r"^Error: Robbie: contact – "))
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page).get_by_role("link")).to_have_text(["Enter the person's name", "Enter the start date"])
    expect(page.get_by_label("Organisation (optional)")).to_be_visible()  # the details stay open
    expect(page.get_by_label("Organisation (optional)")).to_have_value("Doncaster Maths Tutors")
    axe_check(page)
    error_summary(page).get_by_role("link", name="Enter the start date").click()
    expect(page.get_by_role("group", name="From").get_by_label("Day")).to_be_focused()
    page.get_by_label("Name", exact=True).fill("Dr Priya Rao")
    page.get_by_label("Role", exact=True).select_option(label="Tutor")
    fill_date(page, "From", today)
    page.get_by_role("button", name="Add person").click()
    expect(success_banner(page)).to_contain_text("Dr Priya Rao has been added to the other adults.")
    expect(page.get_by_role("main")).to_contain_text(
        f"Dr Priya Rao, tutor (Doncaster Maths Tutors), from {long_date(today)}"
    )
    axe_check(page)

    with app.app_context():
        check_in = db.session.scalars(select(CheckIn)).one()
        assert (check_in.wellbeing, check_in.engagement, check_in.notes) == (4, 3, NOTES)
        owners = {a.text: (a.owner, a.closed_at is not None) for a in db.session.scalars(select(AgreedAction))}
        assert owners == {CLUB: (ActionOwner.LEARNER, False), EXAM_LIST: (ActionOwner.MENTOR, True)}
        assert (
            db.session.scalars(select(MentorAssignment.handover_note).where(MentorAssignment.learner_id == robin)).one()
            == HANDOVER
        )

    # --- the family -------------------------------------------------------------------------------------
    family = new_page()
    preload_axe(family)
    sign_in(family, facts["guardian"])
    family.goto(f"/family/learners/{robin}")
    expect(heading(family)).to_have_text("Robbie")
    keeping = family.locator(".govuk-summary-list").nth(1)
    expect(keeping.locator(".govuk-summary-list__row").filter(has_text="Mentor")).to_contain_text("Mo Mentor")
    expect(keeping.locator(".govuk-summary-list__row").filter(has_text="Last check-in")).to_contain_text(
        long_date(today)
    )
    expect(keeping.locator(".govuk-summary-list__row").filter(has_text="Next check-in")).to_contain_text(
        long_date(today + timedelta(days=3))  # enhanced support: every 3 days
    )
    main = family.get_by_role("main")
    expect(main).to_contain_text(f"{CLUB} (learner, by {long_date(today + timedelta(days=14))})")
    expect(main).not_to_contain_text("Sleeping badly")
    expect(main).not_to_contain_text(EXAM_LIST)
    expect(main).not_to_contain_text(HANDOVER)
    axe_check(family)


# --- 2. settings and contact by mentor ---------------------------------------------------------------


@pytest.fixture
def history(app, committed_db):
    """Two mentors in one locality: Amara with two learners and a few weeks of check-ins, Ben with one
    learner and none yet; and an admin."""
    now = clock.london(clock.now())
    today = now.date()
    with app.app_context():
        admin = UserFactory(name="Ada Admin", roles=[Role.ADMIN])
        first = LearnerFactory(legal_name="Ella Jones")
        second = LearnerFactory(legal_name="Zara Ali", locality=first.locality)
        third = LearnerFactory(legal_name="Kuba Novak", locality=first.locality)
        amara = UserFactory(name="Amara Mensah", roles=[Role.MENTOR])
        ben = UserFactory(name="Ben Carter", roles=[Role.MENTOR])
        _staff(first.locality, (amara, LocalityRole.MENTOR), (ben, LocalityRole.MENTOR))
        db.session.flush()
        for learner in (first, second):
            mentoring.assign(admin, learner, amara, today - timedelta(days=21))
        mentoring.assign(admin, third, ben, today - timedelta(days=3))
        for days_ago, learner, wellbeing in ((21, first, 3), (13, first, 4), (5, first, 4), (20, second, 2)):
            mentoring.record_check_in(
                amara,
                learner,
                occurred_at=datetime.combine(today - timedelta(days=days_ago), time(11, 0), LONDON),
                method=ContactMethod.VIDEO,
                with_whom=ContactWith.LEARNER,
                contact_made=True,
                wellbeing=wellbeing,
                now=now,
            )
        db.session.commit()
        return {"admin": _person(admin), "amara": amara.id, "locality": first.locality.name}


def test_an_admin_sets_cadences_and_a_limit_and_reads_contact_by_mentor(new_page, history):
    page = new_page()
    preload_axe(page)
    sign_in(page, history["admin"])
    main_menu(page).get_by_role("link", name="Mentoring").click()
    expect(heading(page)).to_have_text("Learners without a mentor")
    page.get_by_role("link", name="Contact cadences and caseload limits").click()

    expect(heading(page)).to_have_text("Mentoring settings")
    expect(page.get_by_label("Standard: every … days")).to_have_value("7")
    caseloads = page.get_by_role("table", name="Mentors' caseloads and limits")
    expect(caseloads.locator("tbody tr")).to_have_text(
        [re.compile(r"Amara Mensah\s*2\s*15"), re.compile(r"Ben Carter\s*1\s*15")]
    )
    axe_check(page)
    page.get_by_label("Find a mentor by name").fill("ben")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(caseloads.get_by_role("caption")).to_have_text(
        "Mentors' caseloads and limits, names containing “ben”: 1 to 1 of 1, by name"
    )
    expect(caseloads.locator("tbody tr")).to_have_text([re.compile(r"Ben Carter\s*1\s*15")])
    axe_check(page)
    page.get_by_label("Find a mentor by name").fill("")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(caseloads.locator("tbody tr")).to_have_count(2)

    page.get_by_label("Standard: every … days").fill("0")
    page.get_by_label("Enhanced: every … days").fill("")
    page.get_by_role("button", name="Save cadences").click()
    expect(page).to_have_title(re.compile(r"^Error: Mentoring settings – "))
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page).get_by_role("link")).to_have_text(
        ["Enter a number of days from 1 to 90", "Enter the enhanced cadence"]
    )
    axe_check(page)
    page.get_by_label("Standard: every … days").fill("10")
    page.get_by_label("Enhanced: every … days").fill("4")
    page.get_by_role("button", name="Save cadences").click()
    expect(success_banner(page)).to_contain_text("Cadences saved.")
    expect(page.get_by_label("Standard: every … days")).to_have_value("10")
    expect(page.get_by_label("Enhanced: every … days")).to_have_value("4")
    axe_check(page)

    caseloads.get_by_role("link", name="Amara Mensah").click()
    expect(heading(page)).to_have_text("Caseload limit")
    expect(page.get_by_role("main")).to_contain_text("Amara Mensah mentors 2 learners now.")
    axe_check(page)
    page.get_by_label("Caseload limit").fill("500")
    page.get_by_role("button", name="Save limit").click()
    expect(error_summary(page).get_by_role("link")).to_have_text(["Enter a number from 1 to 200"])
    axe_check(page)
    page.get_by_label("Caseload limit").fill("12")
    page.get_by_role("button", name="Save limit").click()
    expect(success_banner(page)).to_contain_text("Amara Mensah's caseload limit is now 12.")
    expect(caseloads.get_by_role("row", name=re.compile("Amara Mensah"))).to_contain_text("12")
    axe_check(page)

    # The variation report is the overview's contact section now, with a page per mentor.
    page.goto("/mentoring/report")
    expect(heading(page)).to_have_text("Academy overview")
    contact = page.locator("#contact ~ figure.va-chart").first
    expect(contact.locator("figcaption")).to_contain_text("Check-ins made on time, per cent")
    axe_check(page)
    page.get_by_role("link", name="Contact by mentor").click()
    expect(heading(page)).to_have_text("Contact by mentor")
    by_mentor = page.get_by_role("table", name=re.compile("Mentors 1 to 2 of 2"))
    amara = by_mentor.get_by_role("row", name=re.compile("Amara Mensah"))
    expect(amara).to_contain_text("2 of 12")
    expect(amara).to_contain_text("75.0%")  # one of her four check-ins a day late
    ben = by_mentor.get_by_role("row", name=re.compile("Ben Carter"))
    expect(ben).to_contain_text("1 of 15")
    expect(ben).to_contain_text("—")  # no check-ins yet: no share on time, not 0 per cent
    axe_check(page)

    # A period that ends before it starts.
    today = clock.today()
    fill_date(page, "Or from", today)
    fill_date(page, "To", today - timedelta(days=7))
    page.get_by_role("button", name="Show").click()
    expect(error_summary(page).get_by_role("link")).to_have_text(
        ["The end of the period must be on or after its start"]
    )
    axe_check(page)


# --- 3. a check-in by keyboard alone; the wellbeing alert ---------------------------------------------


@pytest.fixture
def kims_mentor(app, committed_db):
    today = clock.today()
    with app.app_context():
        kim = LearnerFactory(legal_name="Kim Keys")
        coordinator = UserFactory(roles=[Role.COORDINATOR])
        mentor = UserFactory(name="Kay Mentor", roles=[Role.MENTOR])
        _staff(kim.locality, (coordinator, LocalityRole.COORDINATOR), (mentor, LocalityRole.MENTOR))
        db.session.flush()
        mentoring.assign(coordinator, kim, mentor, today)
        db.session.commit()
        return {"mentor": _person(mentor), "kim": kim.id}


def _tab(page, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press("Tab")


def _tab_to(page, locator, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {locator}")


def test_a_check_in_by_keyboard_alone_and_the_wellbeing_alert(page, kims_mentor):
    preload_axe(page)
    sign_in(page, kims_mentor["mentor"])
    page.goto(f"/caseload/learners/{kims_mentor['kim']}")
    record = page.get_by_role("button", name="Record a check-in")
    _tab_to(page, record)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Record a check-in")

    # The date and time are filled in with now; Tab past them to "How".
    how = page.get_by_role("group", name="How")
    _tab_to(page, how.get_by_role("radio", name="Phone"))
    page.keyboard.press("ArrowDown")  # the arrow keys move and pick
    expect(how.get_by_role("radio", name="Video call")).to_be_checked()
    _tab(page)
    with_whom = page.get_by_role("group", name="With whom")
    expect(with_whom.get_by_role("radio", name="Learner")).to_be_focused()
    page.keyboard.press("Space")
    expect(with_whom.get_by_role("radio", name="Learner")).to_be_checked()
    _tab(page)
    page.keyboard.press("Space")
    expect(page.get_by_role("group", name="Was contact made?").get_by_role("radio", name="Yes")).to_be_checked()
    _tab(page)
    wellbeing = page.get_by_role("group", name="Wellbeing (as the learner describes it)")
    expect(wellbeing.get_by_role("radio", name="1 (very low)")).to_be_focused()
    page.keyboard.press("Space")
    _tab(page)
    engagement = page.get_by_role("group", name="Engagement with learning")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(engagement.get_by_role("radio", name="3", exact=True)).to_be_checked()
    _tab(page)
    expect(page.get_by_label("Notes (staff only: never shown to the family)")).to_be_focused()
    page.keyboard.type("Very low today; says nothing is wrong at home.")
    _tab(page)
    expect(page.get_by_label("Action 1", exact=True)).to_be_focused()
    page.keyboard.type("Call again on Thursday")
    _tab(page)
    owner = page.get_by_label("Who will do action 1")
    expect(owner).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(owner).to_have_value("mentor")
    # Back to the action's text: Enter in a text box sends the form.
    page.keyboard.press("Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(success_banner(page)).to_contain_text("Check-in with Kim saved.")
    expect(page.locator(".va-contact h3")).to_have_text(re.compile(r": Video call with Kim$"))
    expect(page.locator(".va-contact")).to_contain_text("wellbeing 1; engagement 3")
    expect(page.get_by_role("table").filter(has_text="Call again on Thursday")).to_contain_text("Mentor")
    axe_check(page)

    # The mentor is told at once: the bell counts the assignment and the alert.
    link = main_menu(page).get_by_role("link", name=re.compile("^Notifications"))
    expect(link).to_have_text(re.compile(r"^Notifications 2\s*unread$"))
    link.click()
    expect(heading(page)).to_have_text("Notifications")
    alert = page.locator(".va-notification").filter(has_text="Wellbeing alert for Kim")
    expect(alert).to_contain_text("New")
    expect(alert).to_contain_text("recorded a wellbeing score of 1.")
    axe_check(page)
    alert.get_by_role("button", name="Open Wellbeing alert for Kim").click()
    expect(page).to_have_url(re.compile(rf"/caseload/learners/{kims_mentor['kim']}$"))
    expect(link).to_have_text(re.compile(r"^Notifications 1\s*unread$"))
