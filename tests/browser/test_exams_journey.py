"""Exam entry by readiness in a real browser, with axe-core on every page state (errors included): a mentor records
a ready judgement (an empty form first); the learner and a parent confirm; the exams officer finds them on the
dashboard, checks the fees (a late fee: it is after the entry deadline) and makes the entry, which posts the fees
to the exams budget's statement; the centre's candidate number goes in and the statement of entry downloads as a
PDF; the exam is sat and the result recorded, and the family sees it on the record of achievement. The learner's
exams page and the series page fit a 375 px phone."""

from __future__ import annotations

import re
from datetime import date, datetime

from playwright.sync_api import expect

from tests.browser.conftest import Person, axe_check, choose, error_summary, heading, preload_axe, sign_in
from tests.factories import (
    CentreSeriesCapacityFactory,
    ExamCentreFactory,
    ExamSeriesFactory,
    GuardianFactory,
    LearnerFactory,
    QualificationFactory,
    UserFactory,
    fund_exams_budget,
)
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import (
    AccountKind,
    AwardingBody,
    ExamSession,
    MentorAssignment,
    QualificationType,
    Role,
)
from virtualacademy.services import ledger
from virtualacademy.services.exams import series as series_service

PHONE = {"viewport": {"width": 375, "height": 800}, "is_mobile": True, "has_touch": True}
EXAMS_START = datetime(2027, 5, 10, 14, 0, tzinfo=clock.LONDON)
RESULTS_DAY = datetime(2027, 8, 19, 9, 0, tzinfo=clock.LONDON)


def _person(user) -> Person:
    return Person(id=user.id, name=user.name, email=user.email)


def banner(page):
    return page.locator(".govuk-notification-banner")


def _academy(app) -> dict:
    with app.app_context():
        learner = LearnerFactory(legal_name="Eleanor Example", preferred_name="Ellie")
        own = UserFactory(roles=[Role.LEARNER], name="Ellie Example")
        learner.user_id = own.id
        guardian = GuardianFactory(family=learner.family, name="Jo Example").user
        mentor = UserFactory(roles=[Role.MENTOR], name="Mo Mentor")
        officer = UserFactory(roles=[Role.EXAMS_OFFICER], name="Eve Exams")
        admin = UserFactory(roles=[Role.ADMIN], name="Ada Admin")
        db.session.add(MentorAssignment(learner_id=learner.id, mentor_id=mentor.id, starts_on=date(2026, 9, 1)))
        qualification = QualificationFactory(
            awarding_body=AwardingBody.OCR,
            qualification_type=QualificationType.GCSE,
            subject="Ancient History",
            spec_code="J198",
            entry_fee_pence=5_200,
        )
        series = ExamSeriesFactory(name="June 2027")
        centre = ExamCentreFactory(name="Doncaster College", admin_fee_pence=11_500)
        CentreSeriesCapacityFactory(centre=centre, series=series, seats=20)
        fund_exams_budget(200_000)
        series_service.save_paper(
            officer,
            qualification,
            series,
            series_service.PaperInput("J198/11", "The Persian Empire", date(2027, 5, 14), ExamSession.AM, 105),
        )
        db.session.commit()
        return {
            "learner": learner.id,
            "own": _person(own),
            "guardian": _person(guardian),
            "mentor": _person(mentor),
            "officer": _person(officer),
            "admin": _person(admin),
            "exams_account": ledger.central(AccountKind.CENTRAL_EXAMS).id,
        }


def test_ready_judgement_to_entry_statement_and_result_on_the_record(app, new_page, committed_db, travel):
    academy = _academy(app)
    learner_id = academy["learner"]

    # --- the mentor judges Ellie ready ----------------------------------------------------------------------
    page = new_page()
    preload_axe(page)
    sign_in(page, academy["mentor"])
    page.goto(f"/caseload/learners/{learner_id}")
    expect(page.get_by_role("heading", name="Exams")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Ellie’s exams").click()
    expect(heading(page)).to_have_text("Exams")
    axe_check(page)
    page.get_by_role("button", name="Record a readiness judgement").click()
    expect(heading(page)).to_have_text("Record a readiness judgement")
    axe_check(page)
    page.get_by_role("button", name="Record the judgement").click()
    expect(page).to_have_title(re.compile(r"^Error: Readiness judgement"))
    expect(error_summary(page)).to_contain_text("Choose the qualification")
    axe_check(page)
    page.get_by_label("Qualification").select_option(label="OCR GCSE Ancient History (J198)")
    choose(page.get_by_role("radio", name="Ready", exact=True))
    page.get_by_label("Evidence").fill("Two past papers at grade 7; the tutor says the course is covered.")
    page.get_by_role("button", name="Record the judgement").click()
    expect(banner(page)).to_contain_text("Readiness judgement recorded for Ellie")
    expect(page.get_by_role("main")).to_contain_text("waiting for Ellie and a parent or carer to confirm")
    axe_check(page)

    # --- Ellie and a parent confirm ---------------------------------------------------------------------------
    page = new_page()
    preload_axe(page)
    sign_in(page, academy["own"])
    page.get_by_role("link", name="Exams").first.click()
    expect(heading(page)).to_have_text("Exams")
    page.get_by_role("button", name=re.compile("I want to sit it")).click()
    expect(banner(page)).to_contain_text("Ellie wants to sit Ancient History")
    axe_check(page)

    page = new_page()
    preload_axe(page)
    sign_in(page, academy["guardian"])
    page.get_by_role("link", name="Exams").first.click()
    expect(heading(page)).to_have_text("Exams")
    page.get_by_role("button", name=re.compile("I agree, as a parent or carer")).click()
    expect(page.get_by_role("main")).to_contain_text("Ready and confirmed")
    axe_check(page)

    # --- the exams officer checks the fees and makes the entry -------------------------------------------------
    page = new_page()
    preload_axe(page)
    sign_in(page, academy["officer"])
    expect(page.get_by_role("main")).to_contain_text("Ready, not entered (1)")
    axe_check(page)
    page.get_by_role("link", name="Eleanor Example: Ancient History").click()
    expect(heading(page)).to_have_text("Make an entry")
    axe_check(page)
    page.get_by_label("Exam series").select_option(label="June 2027")
    page.get_by_label("Centre", exact=True).select_option(label="Doncaster College")
    page.get_by_role("button", name="Check the fees").click()
    summary = page.locator(".govuk-summary-list")
    expect(summary).to_contain_text("Late entry fee")  # the suite's day is after the entry deadline
    expect(summary).to_contain_text("£217.00")  # £52 + £115 + £50
    axe_check(page)
    page.get_by_role("button", name="Make the entry").click()
    expect(banner(page)).to_contain_text("Entry made")
    expect(page.get_by_role("main")).to_contain_text("£217.00 spent")
    axe_check(page)
    entry_url = page.url

    # the fees are on the exams budget's statement (an admin reads the ledger)
    admin = new_page()
    sign_in(admin, academy["admin"])
    admin.goto(f"/funding/accounts/{academy['exams_account']}/statement")
    expect(admin.get_by_role("main")).to_contain_text("Entry fee")
    expect(admin.get_by_role("main")).to_contain_text("Late entry fee")

    # --- the centre confirms: candidate number and UCI, then the statement of entry ----------------------------
    page.get_by_label("Candidate number").fill("42")
    page.get_by_label("Unique Candidate Identifier (UCI)").fill("52311A1234567")
    page.get_by_role("button", name="Record the centre's details").click()
    expect(error_summary(page)).to_contain_text("4-digit candidate number")
    expect(page.get_by_label("Unique Candidate Identifier (UCI)")).to_have_value("52311A1234567")
    axe_check(page)
    page.get_by_label("Candidate number").fill("0042")
    page.get_by_role("button", name="Record the centre's details").click()
    expect(banner(page)).to_contain_text("the entry is confirmed")
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Statement of entry (PDF)").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # the family sees the timetable and can download the statement too; the page fits a phone
    family = new_page(**PHONE)
    preload_axe(family)
    sign_in(family, academy["guardian"])
    family.goto(f"/exams/learners/{learner_id}")
    expect(family.get_by_role("main")).to_contain_text("J198/11: The Persian Empire")
    expect(family.get_by_role("link", name="Statement of entry for June 2027 (PDF)")).to_be_visible()
    assert family.evaluate("() => document.documentElement.scrollWidth") <= 375
    axe_check(family)

    # --- the exam is sat, and results day comes ------------------------------------------------------------------
    travel(EXAMS_START)
    page = new_page()
    preload_axe(page)
    sign_in(page, academy["officer"])
    page.goto(entry_url)
    page.get_by_role("button", name="Record that it was sat").click()
    expect(banner(page)).to_contain_text("the exam was sat")
    travel(RESULTS_DAY)
    page = new_page(**PHONE)
    preload_axe(page)
    sign_in(page, academy["officer"])
    expect(page.get_by_role("main")).to_contain_text("Results to record (1)")
    page.get_by_role("link", name=re.compile("Eleanor Example: Ancient History, June 2027")).click()
    page.get_by_role("button", name="Record the result").click()
    expect(error_summary(page)).to_contain_text("Enter the grade")
    axe_check(page)
    page.get_by_label("Grade").fill("7")
    page.get_by_role("button", name="Record the result").click()
    expect(banner(page)).to_contain_text("Result recorded: 7")
    axe_check(page)
    page.get_by_role("link", name=re.compile("Back to June 2027")).click()
    expect(heading(page)).to_have_text("June 2027")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    axe_check(page)

    # --- the result is on Ellie's record of achievement -----------------------------------------------------------
    family = new_page()
    preload_axe(family)
    sign_in(family, academy["guardian"])
    family.goto(f"/learning/learners/{learner_id}/achievement")
    expect(family.get_by_role("main")).to_contain_text("OCR GCSE Ancient History (J198): grade 7 (June 2027)")
    axe_check(family)
