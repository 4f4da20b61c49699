"""Progress reports in a browser at 375 px: the mentor writes a learner's comment (an empty one is an error on the
page first), the admin publishes the term, and the family downloads the report. Every page passes axe-core and
never scrolls sideways."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import Person, axe_check, error_summary, preload_axe, sign_in, success_banner
from tests.browser.test_phone_width import PHONE, page_width
from tests.services.test_progress_reports import build_learner
from virtualacademy.extensions import db


@pytest.fixture
def family(app, committed_db) -> dict:
    with app.app_context():
        built = build_learner(db.session)
        db.session.commit()
        people = {
            key: Person(id=built[key].id, name=built[key].name, email=built[key].email)
            for key in ("mentor", "guardian", "admin")
        }
        return {**people, "learner": built["learner"].id}


def fits(page) -> None:
    assert page_width(page) <= 375, f"{page.url} is {page_width(page)} px wide"
    axe_check(page)


def test_the_mentor_writes_a_comment_and_the_family_downloads_the_report(new_page, family):
    page = new_page(**PHONE)
    preload_axe(page)
    sign_in(page, family["mentor"])
    expect(page.get_by_role("main")).to_contain_text("Progress reports to write this term")
    page.get_by_role("link", name="Write the comments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring term 2027")
    fits(page)
    page.get_by_role("link", name="Write the comment for Robin Example").click()
    expect(page.get_by_role("main")).to_contain_text("Check-ins held")
    fits(page)
    page.get_by_role("button", name="Save comment").click()
    expect(error_summary(page)).to_contain_text("Write the comment")
    assert page.title().startswith("Error: ")
    fits(page)
    page.get_by_label("Mentor’s comment").fill("Robbie has grown in confidence this term.")
    page.get_by_role("button", name="Save comment").click()
    expect(success_banner(page)).to_contain_text("Comment saved on Robbie’s report")
    fits(page)

    admin = new_page(**PHONE)
    preload_axe(admin)
    sign_in(admin, family["admin"])
    admin.goto("/reports/terms/2027-spring/publish")
    expect(admin.get_by_role("main")).to_contain_text("1 report has a mentor’s comment")
    fits(admin)
    admin.get_by_role("button", name="Publish the reports").click()
    expect(success_banner(admin)).to_contain_text("families have been told")

    parent = new_page(**PHONE)
    preload_axe(parent)
    sign_in(parent, family["guardian"])
    parent.goto("/reports/")
    expect(parent.get_by_role("heading", level=1)).to_have_text("Progress reports")
    fits(parent)
    with parent.expect_download() as download:
        parent.get_by_role("link", name="Download Robbie’s report for the spring term 2027 (PDF)").click()
    with open(download.value.path(), "rb") as f:
        text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(f.read())).pages)
    assert "Robbie has grown in confidence this term." in " ".join(text.split())


def _set_run(app, **values) -> None:
    """What the scheduler's job writes as the build goes on."""
    from sqlalchemy import update

    from virtualacademy.models import ReportRun

    with app.app_context():
        db.session.execute(update(ReportRun).values(**values))
        db.session.commit()


def test_the_admin_starts_a_build_and_watches_its_progress(app, new_page, family):
    from virtualacademy.models import RunStatus

    admin = new_page(**PHONE)
    preload_axe(admin)
    sign_in(admin, family["admin"])
    admin.goto("/reports/caseload?term=2027-spring")
    admin.get_by_role("link", name="Build the spring term 2027 reports as PDFs").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Build the spring term 2027 reports")
    fits(admin)
    admin.get_by_label("Whose reports to build").select_option(label="Every learner in the academy")
    admin.get_by_role("button", name="Build the reports").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Building the spring term 2027 reports")
    status = admin.get_by_role("status")
    expect(status).to_have_text("Waiting to start")
    fits(admin)
    # the scheduler takes it up: the page sees the new status and loads again
    _set_run(app, status=RunStatus.RUNNING, total=300, built=100, skipped=20)
    expect(status).to_have_text("120 of 300 reports built")
    expect(admin.get_by_role("progressbar", name="120 of 300 reports built")).to_have_attribute("value", "40")
    fits(admin)
    # more are built: the figures change in place (the status line is a live region)
    _set_run(app, built=130)
    expect(status).to_have_text("150 of 300 reports built")
    expect(admin.locator('[data-field="built"]')).to_have_text("130")
    _set_run(app, status=RunStatus.DONE, built=280, active_key=None)
    expect(status).to_have_text("Finished: 300 of 300 reports built")
    fits(admin)
    admin.get_by_role("link", name="Back to the term’s reports").click()
    expect(admin.get_by_role("table", name="Latest builds of the spring term 2027 reports")).to_contain_text(
        "Finished: 300 of 300 reports built"
    )
    fits(admin)
