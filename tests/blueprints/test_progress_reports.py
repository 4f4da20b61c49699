"""The progress-report pages: the mentor's comment page (the term's figures beside the form, errors kept), the
download (families: published reports of their own children only; mentor and admin: drafts too), the lists,
publishing (a count, a confirmation, emails once), and bad addresses (404, never 500)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.conftest import banners, post_form, sign_in
from tests.factories import GuardianFactory, LearnerFactory, UserFactory
from tests.services.test_progress_reports import SPRING, build_learner
from virtualacademy import clock, mail
from virtualacademy.models import Notification, ProgressReport, Role

COMMENT = "/reports/learners/{id}/terms/2027-spring/comment"
PDF = "/reports/learners/{id}/terms/2027-spring.pdf"


@pytest.fixture
def robin(ctx):
    return build_learner(ctx)


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(response.data)).pages)


def test_the_mentor_writes_the_comment_beside_the_terms_figures(client, ctx, robin):
    learner = robin["learner"]
    sign_in(client, robin["mentor"].email)
    page = client.get(COMMENT.format(id=learner.id)).get_data(as_text=True)
    assert "Mentor’s comment" in page and "Spring term 2027" in page
    assert "Check-ins held" in page and "Finish the Romans project" in page and "Rock pooling at Filey" in page
    # nothing typed: an error, the page again, nothing saved
    response = post_form(client, COMMENT.format(id=learner.id), {"comment": "  "})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Error: " in body and "Write the comment" in body
    too_long = "x" * 6001
    body = post_form(client, COMMENT.format(id=learner.id), {"comment": too_long}).get_data(as_text=True)
    assert "6,000 characters or fewer" in body and too_long in body  # what was typed is kept
    assert ctx.scalar(select(func.count()).select_from(ProgressReport)) == 0
    response = post_form(client, COMMENT.format(id=learner.id), {"comment": "Robbie has had a brilliant term."})
    assert response.status_code == 302 and "/reports/caseload?term=2027-spring" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "Comment saved on Robbie’s report for the spring term 2027." in banners(page)
    assert "Robin Example" in page and ">Yes<" in page
    assert "Robbie has had a brilliant term." in pdf_text(client.get(PDF.format(id=learner.id)))


def test_families_download_only_their_own_childrens_published_reports(client, ctx, robin):
    learner = robin["learner"]
    sign_in(client, robin["guardian"].email)
    assert client.get(PDF.format(id=learner.id)).status_code == 404  # a draft: not yet theirs to read
    assert "No reports have been published yet" in client.get("/reports/").get_data(as_text=True)
    from virtualacademy.services import progress_reports

    progress_reports.publish(robin["admin"], SPRING)
    ctx.commit()
    page = client.get("/reports/").get_data(as_text=True)
    assert "Robbie" in page and "Spring term 2027" in page
    text = pdf_text(client.get(PDF.format(id=learner.id)))
    assert "Robin Example" in text and "Draft" not in text
    # another family's child: 404, published or not
    other = LearnerFactory()
    GuardianFactory(family=other.family)
    ctx.commit()
    assert client.get(PDF.format(id=other.id)).status_code == 404


def test_a_mentor_of_someone_else_gets_404(client, ctx, robin):
    learner = robin["learner"]
    stranger = UserFactory(roles=[Role.MENTOR])
    ctx.commit()
    sign_in(client, stranger.email)
    assert client.get(COMMENT.format(id=learner.id)).status_code == 404
    assert post_form(client, COMMENT.format(id=learner.id), {"comment": "Hi"}).status_code == 404
    assert client.get(PDF.format(id=learner.id)).status_code == 404
    assert "Robin Example" not in client.get("/reports/caseload").get_data(as_text=True)


def test_another_family_gets_404_even_once_published(client, ctx, robin):
    from virtualacademy.services import progress_reports

    parent = GuardianFactory(family=LearnerFactory().family).user
    progress_reports.publish(robin["admin"], SPRING)
    ctx.commit()
    sign_in(client, parent.email)
    assert client.get(PDF.format(id=robin["learner"].id)).status_code == 404
    assert "Robbie" not in client.get("/reports/").get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/reports/learners/{id}/terms/9999-winter/comment",
        "/reports/learners/{id}/terms/2027-summer/comment",  # not begun
        "/reports/learners/{id}/terms/9999-winter.pdf",
        "/reports/learners/99999999999999999999999/terms/2027-spring/comment",
        "/reports/learners/99999999999999999999999/terms/2027-spring.pdf",
        "/reports/terms/9999-winter/publish",
        "/reports/terms/2027-summer/publish",
        "/reports/caseload?term=9999-winter",
    ],
)
def test_bad_addresses_are_404(client, ctx, robin, path):
    sign_in(client, robin["admin"].email)
    assert client.get(path.format(id=robin["learner"].id)).status_code == 404


def test_the_admin_publishes_a_term_once_and_families_are_emailed_once(client, ctx, robin, smtp_server):
    sign_in(client, robin["admin"].email)
    page = " ".join(client.get("/reports/terms/2027-spring/publish").get_data(as_text=True).split())
    assert "1 learner was on roll in the term." in page and "0 reports have a mentor’s comment; 1 does not." in page
    response = post_form(client, "/reports/terms/2027-spring/publish", token_from="/reports/terms/2027-spring/publish")
    assert response.status_code == 302
    assert "1 reports for the spring term 2027 published: families have been told." in banners(
        client.get(response.location).get_data(as_text=True)
    )
    page = client.get("/reports/terms/2027-spring/publish").get_data(as_text=True)
    assert "Every report for this term is published." in page
    post_form(client, "/reports/terms/2027-spring/publish", token_from="/reports/terms/2027-spring/publish")
    assert ctx.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "progress_report")) == 1
    mail.deliver_pending(clock.now() + timedelta(minutes=1))
    sent = [m for m in smtp_server.messages if "progress report" in m["Subject"]]
    assert [m["To"] for m in sent] == [robin["guardian"].email]


def test_the_mentors_dashboard_asks_for_the_terms_comments(client, ctx, robin):
    sign_in(client, robin["mentor"].email)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Progress reports to write this term" in page
    assert "1 of your 1 learner has no comment yet." in " ".join(page.split())
