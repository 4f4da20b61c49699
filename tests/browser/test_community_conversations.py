"""Conversations in a real browser, on a 375 px phone throughout, with axe-core on every page: a parent starts a
thread about Ellie with a PDF (an empty form first); the mentor sees "Messages 1 unread" in the header, reads the
thread (the count goes), downloads the PDF and replies; the parent sees the reply. No page scrolls sideways."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from tests.browser.conftest import Person, axe_check, error_summary, heading, preload_axe, sign_in
from tests.browser.test_phone_width import PHONE, page_width
from tests.factories import GuardianFactory, LearnerFactory, LocalityFactory, UserFactory
from virtualacademy.extensions import db
from virtualacademy.models import LocalityStaff, MentorAssignment, Role
from virtualacademy.models.localities import LocalityRole

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _person(user) -> Person:
    return Person(id=user.id, name=user.name, email=user.email)


def _academy(app, folder) -> dict:
    app.config["COMMUNITY_ATTACHMENT_FOLDER"] = str(folder)
    with app.app_context():
        locality = LocalityFactory(name="Doncaster North")
        learner = LearnerFactory(legal_name="Eleanor Example", preferred_name="Ellie", locality=locality)
        guardian = GuardianFactory(family=learner.family, name="Jo Example").user
        mentor = UserFactory(roles=[Role.MENTOR], name="Mo Mentor")
        coordinator = UserFactory(roles=[Role.COORDINATOR], name="Nia North")
        db.session.add_all(
            [
                MentorAssignment(learner_id=learner.id, mentor_id=mentor.id, starts_on=date(2026, 9, 1)),
                LocalityStaff(user_id=coordinator.id, locality_id=locality.id, role=LocalityRole.COORDINATOR),
            ]
        )
        db.session.commit()
        return {"learner": learner.id, "guardian": _person(guardian), "mentor": _person(mentor)}


def _fits(page) -> None:
    assert page_width(page) <= 375, f"{page.url} is {page_width(page)} px wide"
    axe_check(page)


def test_a_parent_writes_with_a_pdf_and_the_mentor_reads_and_replies(app, new_page, committed_db, tmp_path):
    academy = _academy(app, tmp_path)
    learner_id = academy["learner"]
    try:
        # --- the parent starts a thread from the child's page ----------------------------------------------------
        parent = new_page(**PHONE)
        preload_axe(parent)
        sign_in(parent, academy["guardian"])
        parent.goto("/community/conversations")
        expect(heading(parent)).to_have_text("Messages")
        _fits(parent)
        parent.get_by_role("link", name="Ellie’s conversations").click()
        expect(heading(parent)).to_have_text("Conversations")
        _fits(parent)
        parent.get_by_role("button", name="Start a conversation").click()
        expect(heading(parent)).to_have_text("Start a conversation")
        _fits(parent)
        parent.get_by_role("button", name="Send").click()
        expect(parent).to_have_title(re.compile(r"^Error: Start a conversation"))
        expect(error_summary(parent)).to_contain_text("Enter what the conversation is about")
        _fits(parent)
        parent.get_by_label("What is it about?").fill("Plans for the summer term")
        parent.get_by_label("Message").fill("Here is the plan we talked about.\nCan we meet on Tuesday?")
        parent.get_by_label(re.compile("Attach files")).set_input_files(
            [{"name": "summer-plan.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        parent.get_by_role("button", name="Send").click()
        expect(parent.locator(".govuk-notification-banner--success")).to_contain_text("Your message has been sent")
        expect(heading(parent)).to_have_text("Plans for the summer term")
        expect(parent.get_by_role("link", name="summer-plan.pdf")).to_be_visible()
        _fits(parent)

        # --- the mentor sees the unread count, reads, downloads and replies -----------------------------------------
        mentor = new_page(**PHONE)
        preload_axe(mentor)
        sign_in(mentor, academy["mentor"])
        mentor.get_by_role("button", name="Menu").click()  # the header's menu, folded on a phone
        expect(mentor.get_by_role("link", name="Messages 1 unread")).to_be_visible()
        expect(mentor.get_by_role("main")).to_contain_text("Plans for the summer term about Ellie: 1 unread")
        _fits(mentor)
        mentor.goto(f"/caseload/learners/{learner_id}")
        mentor.get_by_role("link", name="Messages about Ellie").click()
        expect(heading(mentor)).to_have_text("Conversations")
        expect(mentor.get_by_role("main")).to_contain_text("1 unread")
        _fits(mentor)
        mentor.get_by_role("link", name="Plans for the summer term").click()
        expect(mentor.get_by_role("main")).to_contain_text("Can we meet on Tuesday?")
        expect(mentor.get_by_role("main")).to_contain_text("Parent or carer")
        expect(mentor.locator("header a[href='/community/conversations']")).to_have_text(
            re.compile(r"^\s*Messages\s*$")
        )
        _fits(mentor)
        with mentor.expect_download() as download:
            mentor.get_by_role("link", name="summer-plan.pdf").click()
        with open(download.value.path(), "rb") as pdf:
            assert pdf.read() == PDF
        mentor.get_by_role("button", name="Send reply").click()
        expect(error_summary(mentor)).to_contain_text("Write your message")
        _fits(mentor)
        mentor.get_by_label("Your reply").fill("Tuesday at 10 is good. Thanks for the plan.")
        mentor.get_by_role("button", name="Send reply").click()
        expect(mentor.locator(".govuk-notification-banner--success")).to_contain_text("Your reply has been sent")
        _fits(mentor)

        # --- the parent sees the reply, from the mentor ------------------------------------------------------------
        parent.goto("/community/conversations")
        expect(parent.get_by_role("main")).to_contain_text("1 unread")
        _fits(parent)
        parent.get_by_role("link", name="Plans for the summer term").click()
        expect(parent.get_by_role("main")).to_contain_text("Tuesday at 10 is good.")
        expect(parent.get_by_role("main")).to_contain_text("Ellie’s mentor")
        _fits(parent)
    finally:
        app.config.pop("COMMUNITY_ATTACHMENT_FOLDER", None)
