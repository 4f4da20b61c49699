"""The learning log in a real browser on a phone-sized screen (390 x 844), with axe-core on every page state
(errors included): a guardian logs a week of learning (the first entry sent with mistakes), attaches a photo to
an entry (after a file that only claims to be a PDF is refused), and reads the week's attendance."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import Person, axe_check, error_summary, heading, preload_axe, sign_in, success_banner
from tests.factories import GuardianFactory, LearnerFactory, SubjectAreaFactory, UserFactory, png_bytes
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import Evidence, LogEntry, Role
from virtualacademy.services import mentoring

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def no_sideways_scrolling(page, width: int = 390) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, page.url


def check(page) -> None:
    no_sideways_scrolling(page)
    axe_check(page)


def fill_date(page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


@pytest.fixture
def robin(app, committed_db, tmp_path, monkeypatch):
    """Robin, enrolled a month ago with a mentor; their parent Jo; three subject areas."""
    monkeypatch.setitem(app.config, "EVIDENCE_FOLDER", str(tmp_path / "evidence"))
    today = clock.today()
    with app.app_context():
        for n, name in enumerate(["English", "Maths", "Sciences"]):
            SubjectAreaFactory(name=name, position=n)
        learner = LearnerFactory(
            legal_name="Robin Example", preferred_name="Robbie", enrolled=today - timedelta(days=30)
        )
        guardian = GuardianFactory(family=learner.family, name="Jo Example").user
        admin = UserFactory(roles=[Role.ADMIN])
        mentoring.assign(admin, learner, UserFactory(roles=[Role.MENTOR]), today - timedelta(days=30))
        db.session.commit()
        return {"learner": learner.id, "guardian": Person(guardian.id, guardian.name, guardian.email), "today": today}


WEEK = [
    # (days ago, hours, minutes, activity, subject, description)
    (0, "1", "30", "Project work", "Sciences", "Built a water clock and timed it."),
    (1, "2", "0", "Museum or gallery", "Sciences", "Science museum: the clocks gallery."),
    (2, "0", "45", "Independent study", "Maths", "Fractions practice on the tablet."),
    (3, "1", "0", "Arts or music", "English", "Wrote and illustrated a short story."),
    (4, "3", "0", "Sport", "Sciences", "Orienteering with the home-ed group."),
    (5, "0", "30", "Online course", "Maths", "Online maths course, lesson 4."),
    (6, "1", "15", "Tutoring", "English", "Tutor session on persuasive writing."),
]


def log_one(page, learner_id: int, on: date, hours, minutes, activity, subject, description, *, checked=True) -> None:
    page.goto(f"/learning/learners/{learner_id}/log/new")
    expect(heading(page)).to_have_text("Log learning")
    if checked:
        check(page)
    fill_date(page, "Date", on)
    page.get_by_label("Hours", exact=True).fill(hours)
    page.get_by_label("Minutes", exact=True).fill(minutes)
    page.get_by_role("group", name="What kind of activity was it?").get_by_label(activity, exact=True).check()
    page.get_by_role("group", name="Subject areas").get_by_label(subject, exact=True).check()
    page.get_by_label("What was the learning?").fill(description)
    page.get_by_role("button", name="Save").tap()
    expect(success_banner(page)).to_contain_text("Logged")


def test_a_family_logs_a_week_of_learning_and_attaches_evidence_on_a_phone(app, new_page, robin):
    learner_id, today = robin["learner"], robin["today"]
    page = new_page(**PHONE)
    preload_axe(page)
    sign_in(page, robin["guardian"])

    # One child: the learning log opens on their week.
    page.goto("/learning/log")
    expect(heading(page)).to_have_text("Learning log")
    expect(page).to_have_title(re.compile(r"^Robbie’s learning log: week of"))
    check(page)

    # The first entry, sent with mistakes: no time, no subject, nothing described, a date in the future.
    page.get_by_role("link", name=f"Log learning on {today:%A} {today.day} {today:%B}").tap()
    expect(heading(page)).to_have_text("Log learning")
    group = page.get_by_role("group", name="Date", exact=True)
    expect(group.get_by_label("Day")).to_have_value(str(today.day))  # today, ready to go
    check(page)
    fill_date(page, "Date", today + timedelta(days=2))
    page.get_by_role("group", name="What kind of activity was it?").get_by_label("Project work").check()
    page.get_by_role("button", name="Save").tap()
    expect(page).to_have_title(re.compile(r"^Error: Log learning"))
    summary = error_summary(page)
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Enter how long the learning took, in hours and minutes",
            "Select at least one subject area",
            "Describe the learning in a sentence or two",
        ]
    )
    check(page)
    summary.get_by_role("link", name="Select at least one subject area").tap()
    expect(page.get_by_role("group", name="Subject areas").get_by_label("English")).to_be_focused()
    # Fix those: the future date is now the problem (the activity chosen is kept).
    page.get_by_label("Hours", exact=True).fill("1")
    page.get_by_label("Minutes", exact=True).fill("30")
    page.get_by_role("group", name="Subject areas").get_by_label("Sciences").check()
    page.get_by_label("What was the learning?").fill("Built a water clock and timed it.")
    page.get_by_role("button", name="Save").tap()
    expect(error_summary(page).get_by_role("link")).to_have_text(
        ["The date of the learning must be today or in the past"]
    )
    expect(page.get_by_role("group", name="What kind of activity was it?").get_by_label("Project work")).to_be_checked()
    check(page)
    fill_date(page, "Date", today)
    page.get_by_role("button", name="Save").tap()
    expect(success_banner(page)).to_contain_text("Logged 1 hour 30 minutes of project work")
    day_link = success_banner(page).get_by_role("link", name=f"{today:%A %-d %B}")
    expect(day_link).to_have_attribute("href", re.compile(rf"#day-{today.isoformat()}$"))
    expect(page.locator(f"#day-{today.isoformat()}")).to_contain_text("Project work")
    expect(heading(page)).to_have_text("Learning log")
    check(page)

    # The rest of the week, one entry a day going back.
    for days_ago, hours, minutes, activity, subject, description in WEEK[1:]:
        log_one(
            page,
            learner_id,
            today - timedelta(days=days_ago),
            hours,
            minutes,
            activity,
            subject,
            description,
            checked=days_ago == 1,
        )
    check(page)

    # The week as logged: Monday to Sunday around the last entry, with each day's total.
    page.goto(f"/learning/learners/{learner_id}/week")
    monday = today - timedelta(days=today.weekday())
    days_this_week = sum(1 for d, *_ in WEEK if today - timedelta(days=d) >= monday)
    expect(page.get_by_text(f"{days_this_week} of 7", exact=True)).to_be_visible()
    expect(page.get_by_text("Built a water clock and timed it.")).to_be_visible()
    check(page)
    if days_this_week < 7:
        page.get_by_role("link", name=re.compile("Previous week")).tap()
        expect(page.get_by_text(f"{7 - days_this_week} of 7", exact=True)).to_be_visible()
        check(page)
        page.go_back()

    # Attach evidence to today's entry: a file that only claims to be a PDF is refused, then a photo is added.
    page.get_by_role("link", name=re.compile(r"^Add evidence for 1 hour 30 minutes of project work")).tap()
    expect(heading(page)).to_have_text("Add evidence")
    expect(page.get_by_text("For the learning logged on")).to_be_visible()
    check(page)
    page.get_by_label("Title").fill("Water clock")
    page.get_by_label("A file", exact=True).set_input_files(
        files=[{"name": "clock.pdf", "mimeType": "application/pdf", "buffer": b"I am not really a PDF."}]
    )
    page.get_by_role("button", name="Add to portfolio").tap()
    expect(error_summary(page).get_by_role("link")).to_have_text(
        [re.compile(r"^The file is called clock\.pdf but it is not really a PDF")]
    )
    check(page)
    page.get_by_label("A file", exact=True).set_input_files(
        files=[{"name": "clock.png", "mimeType": "image/png", "buffer": png_bytes((120, 90))}]
    )
    page.get_by_role("button", name="Add to portfolio").tap()
    expect(success_banner(page)).to_contain_text("“Water clock” has been added to Robbie’s portfolio")
    expect(heading(page)).to_have_text("Water clock")
    preview = page.get_by_role("img", name="Water clock")
    expect(preview).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", preview.element_handle()) == 120  # served, and shown
    expect(page.get_by_role("link", name="Download clock.png")).to_be_visible()
    check(page)

    # Attendance in learning this term: a chart with a table alternative.
    page.goto(f"/learning/learners/{learner_id}/attendance")
    expect(heading(page)).to_have_text("Attendance in learning")
    expect(page.get_by_role("table", name="Week by week")).to_be_visible()
    chart = page.get_by_role("img", name=re.compile(r"^Days with logged learning, week by week\. Week of .+: \d"))
    expect(chart).to_be_visible()
    assert chart.evaluate("i => i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().right <= 390")
    check(page)

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LogEntry)) == 7
        assert db.session.scalar(select(func.sum(LogEntry.minutes))) == 90 + 120 + 45 + 60 + 180 + 30 + 75
        [item] = db.session.scalars(select(Evidence)).all()
        assert item.log_entry_id is not None and item.content_type == "image/png"


@pytest.fixture
def a_year(app, committed_db, tmp_path, monkeypatch):
    """Robin with a term of learning behind them: an entry locked three weeks ago, a file with a comment, an
    exhibition with feedback and the mentor's summary; their parent, mentor and coordinator."""
    monkeypatch.setitem(app.config, "EVIDENCE_FOLDER", str(tmp_path / "evidence"))
    from tests.factories import EvidenceFactory, ExhibitionFactory, LogEntryFactory
    from virtualacademy.models import EvidenceComment, ExhibitionFeedback, LocalityRole, LocalityStaff
    from virtualacademy.services import achievement

    today = clock.today()
    with app.app_context():
        maths = SubjectAreaFactory(name="Maths", position=1)
        learner = LearnerFactory(
            legal_name="Robin Example", preferred_name="Robbie", enrolled=today - timedelta(days=90)
        )
        guardian = GuardianFactory(family=learner.family, name="Jo Example").user
        admin = UserFactory(roles=[Role.ADMIN])
        mentor = UserFactory(roles=[Role.MENTOR], name="Mo Mentor")
        coordinator = UserFactory(roles=[Role.COORDINATOR], name="Cal Coordinator")
        db.session.add(
            LocalityStaff(user_id=coordinator.id, locality_id=learner.locality_id, role=LocalityRole.COORDINATOR)
        )
        mentoring.assign(admin, learner, mentor, today - timedelta(days=90))
        locked = LogEntryFactory(learner=learner, on_date=today - timedelta(days=21), minutes=150, subjects=[maths])
        photo = EvidenceFactory(learner=learner, title="Fort photo", in_showcase=True, log_entry_id=locked.id)
        db.session.add(EvidenceComment(evidence_id=photo.id, author_id=mentor.id, body="Lovely detail on the gate."))
        show = ExhibitionFactory(learner=learner, items=[photo])
        db.session.add(
            ExhibitionFeedback(
                exhibition_id=show.id,
                reviewer_name="Dr Ada Digger",
                content=4,
                explanation=3,
                reflection=3,
                comments="Clear and confident.",
            )
        )
        start, end = achievement.default_period(today)
        achievement.save_narrative(mentor, learner, start, end, "Robbie has had a wonderful term.", today=today)
        db.session.commit()
        people = {
            u: Person(p.id, p.name, p.email)
            for u, p in [("guardian", guardian), ("mentor", mentor), ("coordinator", coordinator)]
        }
        return {"learner": learner.id, "entry": locked.id, "photo": photo.id, "show": show.id, **people}


def test_every_other_learning_log_page_is_accessible(app, new_page, a_year):
    learner = a_year["learner"]
    base = f"/learning/learners/{learner}"

    family = new_page(**PHONE)
    preload_axe(family)
    sign_in(family, a_year["guardian"])
    for path, title in [
        (f"{base}/portfolio", "Portfolio"),
        (f"{base}/portfolio?showcase=1", "Portfolio"),
        (f"/learning/evidence/{a_year['photo']}", "Fort photo"),
        (f"/learning/evidence/{a_year['photo']}/edit", "Change the evidence"),
        (f"/learning/evidence/{a_year['photo']}/delete", "Delete “Fort photo”?"),
        (f"{base}/exhibitions", "Exhibitions"),
        (f"/learning/exhibitions/{a_year['show']}", re.compile("^Exhibition on ")),
        (f"/learning/exhibitions/{a_year['show']}/feedback", "Record feedback"),
        (f"{base}/achievement", "Record of achievement"),
        (f"/learning/log/{a_year['entry']}/edit", "This entry is locked"),
        (f"{base}/attendance", "Attendance in learning"),
    ]:
        family.goto(path)
        expect(heading(family)).to_have_text(title)
        check(family)
    # Error states: an empty comment, an exhibition with nothing filled in, feedback without scores.
    family.goto(f"/learning/evidence/{a_year['photo']}")
    family.get_by_role("button", name="Add comment").tap()
    expect(error_summary(family).get_by_role("link")).to_have_text(["Enter a comment"])
    check(family)
    family.goto(f"{base}/exhibitions/new")
    expect(heading(family)).to_have_text("Plan an exhibition")
    check(family)
    family.get_by_role("button", name="Save exhibition").tap()
    expect(error_summary(family)).to_be_focused()
    check(family)
    family.goto(f"/learning/exhibitions/{a_year['show']}/feedback")
    family.get_by_label("Name of the person giving feedback").fill("Grandma")
    family.get_by_role("button", name="Save feedback").tap()
    expect(error_summary(family).get_by_role("link")).to_have_text(
        [
            "Select a score for content",
            "Select a score for how it was explained",
            "Select a score for reflection on the journey",
        ]
    )
    check(family)

    staff = new_page()
    preload_axe(staff)
    sign_in(staff, a_year["mentor"])
    staff.goto("/learning/log")
    expect(staff.get_by_role("table")).to_contain_text("No learning logged for 21 days")
    axe_check(staff)
    staff.goto(f"{base}/attendance")
    expect(staff.get_by_text("No learning logged for 21 days")).to_be_visible()
    axe_check(staff)
    staff.goto(f"/learning/log/{a_year['entry']}/edit")
    expect(heading(staff)).to_have_text("Correct a log entry")
    axe_check(staff)
    staff.goto(f"/learning/log/{a_year['entry']}/delete")
    expect(heading(staff)).to_have_text("Delete this log entry?")
    axe_check(staff)
    staff.goto(f"{base}/achievement")
    staff.get_by_role("link", name=re.compile("Change the mentor’s summary")).click()
    expect(heading(staff)).to_have_text("Mentor’s summary")
    expect(staff.get_by_label("Summary")).to_have_value("Robbie has had a wonderful term.")
    axe_check(staff)
    staff.get_by_label("Summary").fill("")
    staff.get_by_role("button", name="Save summary").click()
    expect(error_summary(staff).get_by_role("link")).to_have_text(["Write the summary"])
    axe_check(staff)

    coordinator = new_page()
    preload_axe(coordinator)
    sign_in(coordinator, a_year["coordinator"])
    coordinator.goto(f"{base}/week?start={(clock.today() - timedelta(days=21)).isoformat()}")
    expect(coordinator.get_by_text("Locked", exact=True)).to_be_visible()
    expect(coordinator.get_by_role("link", name="Log learning")).to_have_count(0)  # read-only
    axe_check(coordinator)
