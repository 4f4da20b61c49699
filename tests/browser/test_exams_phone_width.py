"""The exam pages on a 375 px phone, on the demo academy's data, as the people who use them: the exams officer's
lists, series, reports and an entry; the family's and the mentor's pages of a learner's exams. The page never
scrolls sideways (a wide table scrolls inside its own region), charts fit the screen and say their figures in
words, and axe-core passes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.conftest import axe_check, preload_axe
from tests.browser.test_phone_width import PHONE, charts_fit, page_width, sign_in_as
from virtualacademy import demo
from virtualacademy.extensions import db
from virtualacademy.models import ExamCentre, ExamEntry, ExamSeries, Learner, Qualification


@pytest.fixture
def exam_pages(app, committed_db) -> dict[str, list[str]]:
    with app.app_context():
        demo.seed()
        db.session.commit()
        june = db.session.scalar(select(ExamSeries).where(ExamSeries.name == "June 2027"))
        centre = db.session.scalar(select(ExamCentre).order_by(ExamCentre.id))
        entry = db.session.scalar(select(ExamEntry).order_by(ExamEntry.id))
        ellie = db.session.scalar(select(Learner).where(Learner.legal_name == "Ella Jones"))
        zara = db.session.scalar(select(Learner).where(Learner.legal_name == "Zara Ali"))
        qualification = db.session.scalar(select(Qualification).order_by(Qualification.id))
        return {
            "exams": [
                "/exams/",
                "/exams/ready",
                "/exams/arrangements",
                "/exams/qualifications",
                f"/exams/qualifications/{qualification.id}",
                "/exams/centres",
                f"/exams/centres/{centre.id}",
                f"/exams/series/{june.id}",
                f"/exams/series/{june.id}/reports",
                f"/exams/series/{june.id}/papers",
                f"/exams/series/{june.id}/results",
                f"/exams/entries/{entry.id}",
                f"/exams/learners/{zara.id}",
                f"/exams/learners/{zara.id}/entries/new",
                "/exams/localities",
            ],
            "coordinator.north": ["/exams/localities"],
            "mentor.amara": [f"/caseload/learners/{ellie.id}", f"/exams/learners/{ellie.id}/readiness/new"],
            "guardian.jones": ["/exams/family", f"/exams/learners/{ellie.id}"],
        }


def test_the_exam_pages_fit_a_phone(new_page, exam_pages):
    for role, paths in exam_pages.items():
        page = new_page(**PHONE)
        preload_axe(page)
        sign_in_as(page, role)
        for path in ["/dashboard", *paths]:
            response = page.goto(path)
            assert response.status == 200, (role, path)
            assert page_width(page) <= 375, f"{path} as {role} is {page_width(page)} px wide"
            for region in page.locator(".va-table-scroll__region").all():
                overflows = region.evaluate("r => r.scrollWidth > r.clientWidth")
                assert (region.get_attribute("tabindex") == "0") == overflows, path
            charts_fit(page, path)
            axe_check(page)
