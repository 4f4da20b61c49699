"""Spending over HTTP: the request form (bad amounts and files first, nothing kept), downloading an invoice
(only for those who may see the learner; always an attachment), approving and declining (twice is refused
with a message), a second approval, reversals, the family's and coordinator's views, locality spending sent
twice, statements as a page, CSV and PDF, the dashboard panels, and two approvers racing on one request."""

from __future__ import annotations

import csv
import io
import re
import threading
from datetime import timedelta
from html import unescape

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.chart_pages import chart_on, chart_table, svg_words
from tests.conftest import banners, csrf_token, empty_all_tables, post_form, sign_in
from tests.factories import GuardianFactory, LearnerFactory, LocalityFactory, UserFactory
from tests.services.test_spending import JPEG, PDF, PNG, ask, fund, held, make_family, stored
from virtualacademy import clock, money
from virtualacademy.extensions import db
from virtualacademy.models import (
    Notification,
    Role,
    SpendingCategory,
    SpendRequest,
    SpendStatus,
    Transfer,
    TransferKind,
)
from virtualacademy.services import funding, ledger, spending


@pytest.fixture
def documents(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / spending.DOCUMENTS_FOLDER


def signed_in(app, user):
    """A new browser, signed in as ``user``."""
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def page_text(response) -> str:
    return unescape(response.get_data(as_text=True))


def flashes(client, path: str) -> str:
    return page_text(client.get(path))


def send_request(client, learner, *, data: bytes = PDF, name: str = "invoice.pdf", confirm: bool = True, **fields):
    path = f"/funding/learners/{learner.id}/requests/new"
    form = {
        "what_for": "Ten maths lessons",
        "category": "tuition",
        "amount": "25.00",
        "supplier": "Maths Tutors Ltd",
        # the token from another page: opening the form itself starts it afresh (without a held invoice)
        "csrf_token": csrf_token(client, "/dashboard"),
        **fields,
    }
    if data is not None:
        form["document"] = (io.BytesIO(data), name)
    return send_checked(client, client.post(path, data=form, content_type="multipart/form-data"), confirm)


def send_checked(client, response, confirm: bool = True):
    """After the form, the "check your answers" page: press "Send request" there (unless ``confirm`` is False)."""
    location = response.headers.get("Location", "") if response.status_code == 302 else ""
    if not confirm or not location.endswith("/check"):
        return response
    check = location
    send = check.removesuffix("/check") + "/send"
    return client.post(send, data={"csrf_token": csrf_token(client, check)})


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- asking ---------------------------------------------------------------------------------------------------


def test_a_guardian_asks_with_a_bad_file_and_amount_first_then_a_good_one(app, client, db_session, documents):
    learner, guardian, mentor, _ = make_family(10_000, preferred_name="Robbie")
    client = signed_in(app, guardian)
    form = client.get(f"/funding/learners/{learner.id}/requests/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and "You can ask for up to <strong>£100.00</strong>" in form

    bad = send_request(
        client,
        learner,
        data=b"<!doctype html><script>alert(1)</script>",
        name="invoice.pdf",
        amount="12.345",
        supplier="",
    )
    text = page_text(bad)
    assert bad.status_code == 200 and "govuk-error-summary" in text
    assert "The amount cannot include part of a penny" in text
    assert "Enter who is being paid" in text
    assert "The selected file must be a PDF, JPG, PNG, Word (.docx) or Excel (.xlsx) file" in text
    assert 'value="12.345"' in text and "Ten maths lessons" in text  # what was typed is kept
    assert count(SpendRequest) == 0 and stored(documents) == []

    assert "Select the invoice or receipt" in page_text(send_request(client, learner, data=None))
    assert "The selected file is empty" in page_text(send_request(client, learner, data=b""))
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    assert "must be a PDF" in page_text(send_request(client, learner, data=svg, name="receipt.png"))
    assert count(SpendRequest) == 0 and stored(documents) == [] and held(documents) == []
    # A good file with a bad amount: the file is held, so it need not be chosen again.
    for amount, message in [("-5", "more than £0"), ("0", "more than £0"), ("ten", "Enter an amount")]:
        text = page_text(send_request(client, learner, amount=amount))
        assert message in text and "You uploaded invoice.pdf" in text
    assert "must be £100.00 or less" in page_text(send_request(client, learner, amount="100.01"))
    assert count(SpendRequest) == 0 and stored(documents) == [] and len(held(documents)) == 1

    good = send_request(client, learner, data=PNG, name="photo of receipt.png")
    (spend,) = db_session.scalars(select(SpendRequest)).all()
    assert good.status_code == 302 and good.headers["Location"] == f"/funding/requests/{spend.id}"
    shown = page_text(client.get(good.headers["Location"]))
    link = f"/funding/requests/{spend.id}"
    assert banners(shown) == [f"Your request [to pay £25.00 to Maths Tutors Ltd]({link}) has been sent."]
    assert "Waiting for a decision" in shown and "Download photo of receipt.png" in shown
    assert "Approve" not in shown  # the family cannot decide their own request
    assert spend.document_type == "image/png" and len(stored(documents)) == 1
    assert held(documents) == []  # a new file replaced the held one, which is gone


def test_a_held_invoice_is_used_when_no_other_file_is_chosen(app, client, db_session, documents):
    learner, guardian, _, _ = make_family(10_000)
    client = signed_in(app, guardian)
    client.get(f"/funding/learners/{learner.id}/requests/new")
    text = page_text(send_request(client, learner, supplier="", name="tutor invoice.pdf"))
    assert "Enter who is being paid" in text and "You uploaded tutor invoice.pdf" in text
    assert "Replace the invoice or receipt (optional)" in text
    sent = send_request(client, learner, data=None)
    (spend,) = db_session.scalars(select(SpendRequest)).all()
    assert sent.status_code == 302 and spend.document_name == "tutor invoice.pdf"
    assert spend.document_type == "application/pdf" and len(stored(documents)) == 1 and held(documents) == []
    # A fresh form starts without a file: one held and then abandoned is let go.
    send_request(client, learner, supplier="")
    assert len(held(documents)) == 1
    assert "You uploaded" not in client.get(f"/funding/learners/{learner.id}/requests/new").get_data(as_text=True)
    assert held(documents) == []
    # Another learner's form never sees this one's file.
    send_request(client, learner, supplier="")
    other, other_guardian, _, _ = make_family(10_000)
    other_client = signed_in(app, other_guardian)
    assert "Select the invoice or receipt" in page_text(send_request(other_client, other, data=None))


def test_the_family_checks_their_answers_changes_one_and_sends_the_request_once(app, client, db_session, documents):
    learner, guardian, mentor, _ = make_family(10_000, preferred_name="Robbie")
    client = signed_in(app, guardian)
    answered = send_request(client, learner, data=PNG, name="receipt.png", confirm=False)
    (draft,) = db_session.scalars(select(SpendRequest)).all()
    check = f"/funding/requests/{draft.id}/check"
    assert answered.status_code == 302 and answered.headers["Location"] == check
    assert draft.status is SpendStatus.DRAFT and len(stored(documents)) == 1
    # nobody is told, and deciders never see a draft: not in their queue, not by its address
    assert count(Notification) == 0
    page = page_text(client.get(check))
    assert "Check your answers before sending your request" in page
    for shown in ("Ten maths lessons", "Tuition", "£25.00", "Maths Tutors Ltd", "receipt.png", "Send request"):
        assert shown in page
    assert f"/funding/requests/{draft.id}/change#amount" in page
    assert client.get(f"/funding/requests/{draft.id}").headers["Location"] == check
    staff = signed_in(app, mentor)
    assert staff.get(f"/funding/requests/{draft.id}").status_code == 404
    assert "Ten maths lessons" not in page_text(staff.get("/funding/requests?status=all"))
    assert spending.budget(learner).requests == [] and spending.budget(learner).pending == 0

    # change the amount: bad input comes back with the error summary and loses nothing, the invoice is kept
    change = f"/funding/requests/{draft.id}/change"
    form = page_text(client.get(change))
    assert 'value="25.00"' in form and "You uploaded receipt.png" in form
    fields = {"what_for": "Ten maths lessons", "category": "tuition", "supplier": "Maths Tutors Ltd"}
    bad = client.post(change, data={**fields, "amount": "200", "csrf_token": csrf_token(client, change)})
    text = page_text(bad)
    assert bad.status_code == 200 and "govuk-error-summary" in text and "must be £100.00 or less" in text
    assert 'value="200"' in text and "Maths Tutors Ltd" in text
    db_session.refresh(draft)
    assert draft.amount_pence == 2_500 and draft.document_name == "receipt.png"
    changed = client.post(change, data={**fields, "amount": "30", "csrf_token": csrf_token(client, change)})
    assert changed.headers["Location"] == check
    db_session.refresh(draft)
    assert draft.amount_pence == 3_000 and draft.document_name == "receipt.png" and len(stored(documents)) == 1
    # a new file replaces the old one (deleted once the change is committed)
    replaced = client.post(
        change,
        data={
            **fields,
            "amount": "30",
            "document": (io.BytesIO(PDF), "invoice.pdf"),
            "csrf_token": csrf_token(client, change),
        },
        content_type="multipart/form-data",
    )
    assert replaced.headers["Location"] == check
    db_session.refresh(draft)
    assert draft.document_name == "invoice.pdf"

    sent = send_checked(client, changed)
    assert sent.headers["Location"] == f"/funding/requests/{draft.id}"
    assert banners(flashes(client, sent.headers["Location"])) == [
        f"Your request [to pay £30.00 to Maths Tutors Ltd](/funding/requests/{draft.id}) has been sent."
    ]
    db_session.refresh(draft)
    assert draft.status is SpendStatus.PENDING and count(Notification) >= 1
    # sending again (a double click) sends nothing more; the answers can no longer be changed
    notes = count(Notification)
    again = client.post(
        f"/funding/requests/{draft.id}/send", data={"csrf_token": csrf_token(client, "/forgotten-password")}
    )
    assert again.status_code == 302 and count(Notification) == notes
    assert client.get(change).headers["Location"] == f"/funding/requests/{draft.id}"
    assert client.get(check).headers["Location"] == f"/funding/requests/{draft.id}"
    assert "Ten maths lessons" in page_text(staff.get("/funding/requests"))


def test_a_draft_is_refused_at_sending_if_the_money_has_gone(app, client, db_session, documents):
    learner, guardian, mentor, _ = make_family(3_000)
    client = signed_in(app, guardian)
    send_request(client, learner, amount="25", confirm=False)
    (draft,) = db_session.scalars(select(SpendRequest)).all()
    spending.charge_personal_budget(None, learner, SpendingCategory.EXAM_FEES, 1_000, "Exam entry", "exam:1")
    db_session.commit()
    check = f"/funding/requests/{draft.id}/check"
    refused = client.post(f"/funding/requests/{draft.id}/send", data={"csrf_token": csrf_token(client, check)})
    text = page_text(refused)
    assert refused.status_code == 200 and "govuk-error-summary" in text and "must be £20.00 or less" in text
    assert f"/funding/requests/{draft.id}/change#amount" in text
    db_session.refresh(draft)
    assert draft.status is SpendStatus.DRAFT and count(Notification) == 0


def test_an_oversized_file_is_refused(app, client, db_session, documents, monkeypatch):
    monkeypatch.setitem(app.config, "SPEND_DOCUMENT_MAX_BYTES", 2048)
    learner, guardian, *_ = make_family()
    client = signed_in(app, guardian)
    big = b"%PDF-1.7\n" + b"1" * 4096 + b"\n%%EOF\n"
    assert "The selected file must be smaller than 2 KB" in page_text(send_request(client, learner, data=big))
    assert count(SpendRequest) == 0 and stored(documents) == []


def test_only_the_family_reaches_the_request_form(app, client, db_session, documents):
    learner, guardian, mentor, coordinator = make_family()
    other_guardian = GuardianFactory().user
    for user in (other_guardian,):
        client = signed_in(app, user)
        assert client.get(f"/funding/learners/{learner.id}/requests/new").status_code == 404
    client = signed_in(app, mentor)
    assert client.get(f"/funding/learners/{learner.id}/requests/new").status_code == 403


# --- the invoice -------------------------------------------------------------------------------------------------


def test_an_invoice_is_downloaded_only_by_those_who_may_see_the_learner(app, client, db_session, documents):
    learner, guardian, mentor, coordinator = make_family()
    spend = ask(guardian, learner, document=JPEG, filename="receipt.jpeg")
    other_learner, other_guardian, other_mentor, other_coordinator = make_family()
    other_spend = ask(other_guardian, other_learner, document=PDF, filename="other.pdf")
    db_session.commit()
    path = f"/funding/requests/{spend.id}/document"

    for user in (guardian, mentor, coordinator, UserFactory(roles=[Role.ADMIN])):
        client = signed_in(app, user)
        response = client.get(path)
        assert response.status_code == 200, user
        assert response.data == JPEG
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "receipt.jpg" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    # another family, another learner's mentor or coordinator: the file does not exist for them
    for user in (other_guardian, other_mentor, other_coordinator, UserFactory(roles=[Role.SAFEGUARDING_LEAD])):
        client = signed_in(app, user)
        assert client.get(path).status_code == 404
        assert client.get(f"/funding/requests/{spend.id}").status_code == 404
    # and the other family gets its own file, not this one, under its own request
    client = signed_in(app, other_guardian)
    assert client.get(f"/funding/requests/{other_spend.id}/document").data == PDF
    # a stored name that is not one of ours is never followed
    spend.document_path = "../../config.py"
    db_session.commit()
    client = signed_in(app, guardian)
    assert client.get(path).status_code == 404
    sign_out = client.post("/sign-out", data={"csrf_token": csrf_token(client, "/dashboard")})
    assert sign_out.status_code == 302
    assert "/sign-in" in client.get(path).headers["Location"]


# --- deciding ------------------------------------------------------------------------------------------------------


def test_the_mentor_approves_once_and_a_second_approval_is_refused(app, client, db_session, documents):
    learner, guardian, mentor, coordinator = make_family(10_000, preferred_name="Robbie")
    spend = ask(guardian, learner, 2_500)
    db_session.commit()
    page = f"/funding/requests/{spend.id}"
    client = signed_in(app, guardian)
    assert post_form(client, f"{page}/approve").status_code == 404

    client = signed_in(app, mentor)
    shown = page_text(client.get(page))
    assert "Approve and pay £25.00" in shown and "Robbie’s learning budget has £100.00" in shown
    response = post_form(client, f"{page}/approve", token_from=page)
    assert response.status_code == 302 and response.headers["Location"] == page
    assert "Approved: £25.00 has been paid to Maths Tutors Ltd." in flashes(client, page)
    again = post_form(client, f"{page}/approve", token_from=page)
    assert again.status_code == 302
    assert "This request has already been approved and paid. Nothing more has been paid." in flashes(client, page)
    declined = post_form(client, f"{page}/decline", {"reason": "Too late"}, token_from=page)
    assert declined.status_code == 302 and "already been approved" in flashes(client, page)
    assert count(Transfer) == 2  # the budget allocation, and one payment
    assert ledger.personal_account(learner).balance_pence == 7_500

    client = signed_in(app, guardian)
    budget_page = page_text(client.get(f"/funding/learners/{learner.id}/budget"))
    assert "Approved and paid" in budget_page and "£75.00" in budget_page


def test_declining_needs_a_reason(app, client, db_session, documents):
    learner, guardian, mentor, coordinator = make_family()
    spend = ask(guardian, learner, 2_500)
    db_session.commit()
    page = f"/funding/requests/{spend.id}"
    client = signed_in(app, coordinator)
    blank = post_form(client, f"{page}/decline", {"reason": " "}, token_from=page)
    assert blank.status_code == 200 and "Enter why the request is declined" in page_text(blank)
    assert "govuk-error-summary" in page_text(blank)
    done = post_form(client, f"{page}/decline", {"reason": "Not an educational cost"}, token_from=page)
    assert done.status_code == 302
    db_session.expire_all()
    assert spend.status is SpendStatus.DECLINED
    client = signed_in(app, guardian)
    shown = page_text(client.get(page))
    assert "Declined" in shown and "Not an educational cost" in shown


def test_a_large_request_goes_to_an_admin_for_the_second_approval(app, client, db_session, documents):
    learner, guardian, mentor, coordinator = make_family(100_000)
    admin = UserFactory(roles=[Role.ADMIN])
    spend = ask(guardian, learner, 75_000)
    db_session.commit()
    page = f"/funding/requests/{spend.id}"
    client = signed_in(app, mentor)
    assert "Approve (an admin then gives the second approval)" in page_text(client.get(page))
    post_form(client, f"{page}/approve", token_from=page)
    assert "An admin now needs to give the second approval" in flashes(client, page)
    # the family sees it waiting for a decision: how many approvals it needs is the academy's business
    family = signed_in(app, guardian)
    for shown in (page_text(family.get(page)), page_text(family.get(f"/funding/learners/{learner.id}/budget"))):
        assert "Waiting for a decision" in shown and "second approval" not in shown
    assert f'action="{page}/approve"' not in client.get(page).get_data(as_text=True)  # not the mentor's to give
    assert ledger.personal_account(learner).balance_pence == 100_000

    client = signed_in(app, admin)
    assert "1 request to spend from a learner’s learning budget is waiting for your decision" in page_text(
        client.get("/dashboard")
    )
    queue = page_text(client.get("/funding/requests"))
    assert "Waiting for a second approval" in queue
    post_form(client, f"{page}/approve", token_from=page)
    assert "Approved: £750.00 has been paid" in flashes(client, page)
    db_session.expire_all()
    assert spend.status is SpendStatus.APPROVED and spend.second_approver_id == admin.id
    assert ledger.personal_account(learner).balance_pence == 25_000


def test_staff_read_that_the_first_approval_is_given_and_the_family_does_not(app, client, db_session, documents):
    learner, guardian, mentor, coordinator = make_family(100_000)
    spend = ask(guardian, learner, 75_000)
    spending.approve(mentor, spend)
    db_session.commit()
    page = f"/funding/requests/{spend.id}"
    for user in (mentor, coordinator, UserFactory(roles=[Role.ADMIN])):
        assert "Given; an admin now gives the second approval" in page_text(signed_in(app, user).get(page))
    assert "First approval" not in page_text(signed_in(app, guardian).get(page))


def test_a_family_reads_why_a_new_child_has_nothing_yet_and_no_internal_thresholds(app, client, db_session):
    """A child who joined after the autumn census: the page says in plain words why the budget is £0 and when
    money comes; asking to pay says nothing of the academy's approval limits."""
    admin = UserFactory(roles=[Role.ADMIN])
    year = funding.create_year(
        admin,
        spending.funding_year_start(clock.today()).year,
        funding.YearSettings(
            base_rate_pence=500_000,
            academy_share_bp=5_000,
            core_topslice_bp=1_000,
            mentor_topslice_bp=2_000,
            coordinator_grant_pence=120_000,
            personal_budget_pence=30_000,
        ),
    )
    today = clock.today()
    for census in year.census_dates:  # the earlier census days are past and recorded; the rest are to come
        if census.on_date < today:
            census.recorded_at = clock.now()
    upcoming = min((c for c in year.census_dates if c.on_date >= today), key=lambda c: c.on_date, default=None)
    learner, guardian, *_ = make_family(0, legal_name="Robin Example", preferred_name="Robbie")
    db_session.commit()
    family = signed_in(app, guardian)

    page = page_text(family.get(f"/funding/learners/{learner.id}/budget"))
    assert "Nothing has been added to Robbie’s learning budget yet." in page
    if upcoming is not None:
        assert f"the next is {upcoming.on_date:%-d %B %Y}, when £100.00 will be added if Robbie is still enrolled" in (
            page
        )
    assert f"In {year.label} each child enrolled with the academy has a learning budget of £300.00" in page
    assert "A child who joins between census days starts with nothing" in page
    overview = page_text(family.get("/funding/family"))
    assert "Nothing has been added to Robbie’s learning budget yet" in overview

    fund(learner, 10_000)
    db_session.commit()
    ask_page = page_text(family.get(f"/funding/learners/{learner.id}/requests/new"))
    assert "second approval" not in ask_page and "£500" not in ask_page and "admin" not in ask_page
    assert "The academy will look at your request and approve or decline it" in ask_page


def test_not_enough_money_is_a_message_and_nothing_is_paid(app, client, db_session, documents):
    learner, guardian, mentor, _ = make_family(3_000, preferred_name="Robbie")
    spend = ask(guardian, learner, 2_500)
    spending.charge_personal_budget(None, learner, SpendingCategory.EXAM_FEES, 1_000, "Exam entry", "exam:1")
    db_session.commit()
    page = f"/funding/requests/{spend.id}"
    client = signed_in(app, mentor)
    assert "There is not enough in the learning budget to pay this request" in page_text(client.get(page))
    assert post_form(client, f"{page}/approve", token_from=page).status_code == 302
    assert (
        "There is not enough in Robbie's learning budget: it has £20.00 and this request is for £25.00. Nothing has been paid."
        in flashes(client, page)
    )
    db_session.expire_all()
    assert spend.status is SpendStatus.PENDING and count(Transfer) == 2


def test_an_admin_reverses_a_payment(app, client, db_session, documents):
    learner, guardian, mentor, _ = make_family(10_000)
    spend = ask(guardian, learner, 2_500)
    spending.approve(mentor, spend)
    admin = UserFactory(roles=[Role.ADMIN])
    db_session.commit()
    page = f"/funding/requests/{spend.id}"
    client = signed_in(app, admin)
    blank = post_form(client, f"{page}/reverse", {"reverse_reason": ""}, token_from=page)
    assert blank.status_code == 200 and "Enter why the payment is being reversed" in page_text(blank)
    done = post_form(client, f"{page}/reverse", {"reverse_reason": "Refunded by the tutor"}, token_from=page)
    assert done.status_code == 302 and "Reversed: £25.00 is back in the learner's learning budget" in flashes(
        client, page
    )
    reversed_page = page_text(client.get(page))
    assert "Payment reversed on" in reversed_page and "Refunded by the tutor" in reversed_page
    again = post_form(client, f"{page}/reverse", {"reverse_reason": "again"}, token_from=page)
    assert again.status_code == 302 and "already been reversed" in flashes(client, page)
    assert ledger.personal_account(learner).balance_pence == 10_000


# --- the family's and the coordinator's views ------------------------------------------------------------------------


def test_the_family_sees_each_childs_budget(app, client, db_session, documents):
    learner, guardian, mentor, _ = make_family(10_000, legal_name="Robin Example", preferred_name="Robbie")
    sister = LearnerFactory(family=learner.family, locality=learner.locality, preferred_name="Sky")
    fund(sister, 4_000)
    spending.approve(mentor, ask(guardian, learner, 2_500))
    ask(guardian, learner, 1_000, what_for="Art materials", category=SpendingCategory.RESOURCES)
    sister.user = UserFactory(roles=[Role.LEARNER])
    db_session.commit()

    client = signed_in(app, guardian)
    family = page_text(client.get("/funding/family"))
    for expected in ("Robbie", "Sky", "£75.00", "£25.00", "£10.00 (1 request)", "£65.00", "£40.00", "Art materials"):
        assert expected in family
    budget = page_text(client.get(f"/funding/learners/{learner.id}/budget"))
    assert "Robbie’s learning budget" in budget and "Ask to pay for something" in budget
    assert "See the statement" in budget
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Robbie" in dashboard and "£75.00" in dashboard
    assert 'href="/funding/family"' in dashboard and "Learning budgets" in dashboard  # in the menu
    assert f"/funding/learners/{learner.id}/budget" in page_text(client.get(f"/family/learners/{learner.id}"))
    # another family's child is not there for them
    stranger, *_ = make_family(1_000)
    db_session.commit()
    assert client.get(f"/funding/learners/{stranger.id}/budget").status_code == 404

    client = signed_in(app, sister.user)
    mine = client.get("/funding/my-budget")
    assert mine.status_code == 302 and mine.headers["Location"] == f"/funding/learners/{sister.id}/budget"
    own = page_text(client.get(mine.headers["Location"]))
    assert "Your learning budget" in own and 'href="/funding/my-budget"' in own  # in the menu
    assert client.get(f"/funding/learners/{learner.id}/budget").status_code == 404  # their brother's


def test_back_links_and_wording_follow_who_is_reading(app, client, db_session, documents):
    learner, guardian, mentor, coordinator = make_family()
    learner.user = UserFactory(roles=[Role.LEARNER])
    admin = UserFactory(roles=[Role.ADMIN])
    db_session.commit()
    budget = f"/funding/learners/{learner.id}/budget"
    back = "Back to learning budgets"
    assert back in page_text(signed_in(app, guardian).get(budget))  # their child's
    assert back not in page_text(signed_in(app, learner.user).get(budget))  # their own
    assert back not in page_text(signed_in(app, mentor).get(budget))
    mine = "for the learners you mentor or coordinate"
    assert mine in page_text(signed_in(app, mentor).get("/funding/requests"))
    assert mine not in page_text(signed_in(app, admin).get("/funding/requests"))
    locality = f"/funding/localities/{learner.locality_id}"
    assert "All locality budgets" in page_text(signed_in(app, admin).get(locality))
    assert "All locality budgets" not in page_text(signed_in(app, coordinator).get(locality))


def test_the_funding_page_leads_to_the_requests_and_the_locality_budgets(app, client, db_session, documents):
    learner, guardian, mentor, coordinator = make_family()
    ask(guardian, learner, 1_000)
    admin = UserFactory(roles=[Role.ADMIN])
    db_session.commit()
    for user, budgets in ((coordinator, "Your locality’s budget"), (admin, "Locality budgets")):
        index = page_text(signed_in(app, user).get("/funding/"))
        assert 'href="/funding/requests"' in index and "1 waiting for your decision" in index
        assert 'href="/funding/localities"' in index and budgets in index


def test_the_coordinator_sees_the_locality_and_records_spending_once(app, client, db_session, documents):
    learner, guardian, mentor, coordinator = make_family(200_000)
    locality = learner.locality
    ledger.post(
        None,
        ledger.funding_source(),
        ledger.locality_account(locality),
        30_000,
        TransferKind.ALLOCATION,
        "Locality budget",
        "seed-locality",
    )
    spending.approve(mentor, ask(guardian, learner, 4_000, category=SpendingCategory.RESOURCES))
    spending.approve(mentor, ask(guardian, learner, 60_000))  # committed: waiting for an admin
    ask(guardian, learner, 1_000, what_for="Museum trip")  # waiting for a first decision
    db_session.commit()

    client = signed_in(app, coordinator)
    assert client.get("/funding/localities").headers["Location"] == f"/funding/localities/{locality.id}"
    shown = page_text(client.get(f"/funding/localities/{locality.id}"))
    assert "£300.00" in shown and "£600.00 (1 request)" in shown and "£10.00 (1 request)" in shown
    assert "Resources and equipment" in shown and "£40.00" in shown and "Museum trip" in shown
    raw = client.get(f"/funding/localities/{locality.id}").get_data(as_text=True)
    alt, svg = chart_on(raw, "Spent by category, to the nearest pound")
    assert alt == "Spent by category, to the nearest pound. Resources and equipment: £40."
    assert {"Resources and equipment", "£40"} <= svg_words(svg)
    assert chart_table(raw, "Spent by category, to the nearest pound") == {"Resources and equipment": ["£40"]}

    path = f"/funding/localities/{locality.id}/spend"
    form_page = client.get(path).get_data(as_text=True)
    key = re.search(r'name="key"[^>]*value="([^"]+)"', form_page)
    assert key, "the form carries its own idempotency key"
    values = {"category": "events", "amount": "£120", "what_for": "Room hire", "supplier": "", "key": key.group(1)}
    bad = post_form(client, path, {**values, "amount": "-5"}, token_from=path)
    assert bad.status_code == 200 and "The amount must be more than £0" in page_text(bad)
    first = post_form(client, path, values, token_from=path)
    assert first.status_code == 302
    transfer = db_session.scalar(select(Transfer).order_by(Transfer.id.desc()))
    assert banners(flashes(client, first.headers["Location"])) == [
        f"[£120.00](/funding/transfers/{transfer.id}) has been recorded against the {locality.name} budget."
    ]
    retry = post_form(client, path, values, token_from=path)  # the same form sent again
    assert retry.status_code == 302
    assert "This spending of £120.00 was already recorded. Nothing more has been taken." in flashes(
        client, retry.headers["Location"]
    )
    assert ledger.locality_account(locality).balance_pence == 18_000
    raw = client.get(f"/funding/localities/{locality.id}").get_data(as_text=True)
    assert "Events and trips" in unescape(raw)
    alt, _svg = chart_on(raw, "Spent by category, to the nearest pound")
    assert alt == "Spent by category, to the nearest pound. Resources and equipment: £40; Events and trips: £120."
    # another locality is not theirs
    assert client.get(f"/funding/localities/{LocalityFactory().id}").status_code == 404


# --- statements -------------------------------------------------------------------------------------------------------------


def test_statements_as_a_page_a_csv_and_a_pdf(app, client, db_session, documents):
    learner, guardian, mentor, coordinator = make_family(10_000, legal_name="Robin Example")
    paid = [spending.approve(mentor, ask(guardian, learner, 1_000 + n, what_for=f"Lesson block {n}")) for n in range(3)]
    account = ledger.personal_account(learner)
    db_session.commit()
    path = f"/funding/accounts/{account.id}/statement"

    client = signed_in(app, guardian)
    shown = page_text(client.get(path))
    assert "Learning budget: Robin Example" in shown and "Opening balance" in shown
    # the ledger's memo names the request, never its free text (which erasure clears)
    assert f"Spend request {paid[2].id}: tuition" in shown and "£69.97" in shown  # 100.00 - 10.00 - 10.01 - 10.02
    assert "Lesson block" not in shown
    assert "From 1 September 2026 to today" in shown

    bad = page_text(
        client.get(
            path,
            query_string=[("start", "1"), ("start", "3"), ("start", "2027")]
            + [("end", "1"), ("end", "1"), ("end", "2027")],
        )
    )
    assert "The end of the period must be on or after its start" in bad and "Closing balance" not in bad

    everything = [("start", ""), ("start", ""), ("start", ""), ("end", ""), ("end", ""), ("end", "")]
    response = client.get(f"{path}.csv", query_string=everything)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == spending.CSV_HEADER and len(rows) == 1 + 1 + 4 + 1
    closing = rows[-1]
    money_in = sum(int(r[5].replace(".", "") or 0) for r in rows[2:-1])
    money_out = sum(int(r[6].replace(".", "") or 0) for r in rows[2:-1])
    assert (money_in, money_out) == (int(closing[5].replace(".", "")), int(closing[6].replace(".", "")))
    assert money_in - money_out == int(closing[7].replace(".", "")) == account.balance_pence == 6_997

    pdf = client.get(f"/funding/accounts/{account.id}/statement.pdf", query_string=everything)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment;")
    content = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert f"Spend request {paid[0].id}" in content and f"Spend request {paid[2].id}" in content
    assert "£69.97" in content

    # the coordinator sees their learners' statements and the locality's; a mentor and other families do not
    client = signed_in(app, coordinator)
    assert client.get(path).status_code == 200
    for user in (mentor, GuardianFactory().user):
        client = signed_in(app, user)
        assert client.get(path).status_code == 404
        assert client.get(f"/funding/accounts/{account.id}/statement.csv").status_code == 404
    client = signed_in(app, guardian)
    central = ledger.funding_source()
    db_session.commit()
    assert client.get(f"/funding/accounts/{central.id}/statement").status_code == 404


def test_the_statement_links_carry_the_period_once(app, client, db_session):
    """The CSV, PDF and page links say each date once, as an ISO date, and lead to the same period."""
    learner, guardian, *_ = make_family(0)
    for n in range(60):
        fund(learner, 100 + n, key=f"many:{n}")
    account = ledger.personal_account(learner)
    db_session.commit()
    client = signed_in(app, guardian)
    path = f"/funding/accounts/{account.id}/statement"
    today = clock.today()
    year_start = spending.funding_year_start(today).isoformat()

    def links(response) -> dict[str, list[str]]:
        html = response.get_data(as_text=True).replace("&amp;", "&")
        found = {kind: re.findall(rf'href="({re.escape(path)}\.{kind}[^"]*)"', html) for kind in ("csv", "pdf")}
        found["pages"] = sorted(set(re.findall(rf'href="({re.escape(path)}\?[^"]*)"', html)))
        return found

    shown = links(client.get(path))  # this funding year so far
    assert shown["csv"] == [f"{path}.csv?start={year_start}"] and shown["pdf"] == [f"{path}.pdf?start={year_start}"]
    assert shown["pages"] == [f"{path}?page={n}&start={year_start}" for n in (1, 2)]

    start = today - timedelta(days=30)
    typed = [("start", str(start.day)), ("start", str(start.month)), ("start", str(start.year))]
    typed += [("end", str(today.day)), ("end", str(today.month)), ("end", str(today.year))]
    chosen = links(client.get(path, query_string=typed))
    assert chosen["csv"] == [f"{path}.csv?start={start.isoformat()}&end={today.isoformat()}"]
    csv_response = client.get(chosen["csv"][0])
    assert csv_response.status_code == 200
    assert f"{start.isoformat()}-to-{today.isoformat()}" in csv_response.headers["Content-Disposition"]
    second_page = client.get(chosen["pages"][-1]).get_data(as_text=True)
    assert "(page 2 of 2)" in second_page
    assert f"From {start:%-d %B %Y} to {today:%-d %B %Y}" in second_page

    everything = [("start", ""), ("start", ""), ("start", ""), ("end", ""), ("end", ""), ("end", "")]
    whole = links(client.get(path, query_string=everything))
    assert whole["csv"] == [f"{path}.csv?start="]
    assert "start-to-today" in client.get(whole["csv"][0]).headers["Content-Disposition"]
    assert "From the first transfer to today" in client.get(whole["pages"][0]).get_data(as_text=True)


def test_a_long_statement_is_paged_and_too_long_for_a_pdf(app, client, db_session, monkeypatch):
    learner, guardian, *_ = make_family(0)
    for n in range(60):
        fund(learner, 100 + n, key=f"many:{n}")
    account = ledger.personal_account(learner)
    db_session.commit()
    for where in (spending, spending.statements):  # the page's note, and statement_pdf's refusal
        monkeypatch.setattr(where, "MAX_PDF_LINES", 50)
    client = signed_in(app, guardian)
    path = f"/funding/accounts/{account.id}/statement"
    first = page_text(client.get(path))
    assert "60 transfers, oldest first (page 1 of 2)" in first and "<strong>Closing balance</strong>" not in first
    second = page_text(client.get(path, query_string={"page": 2, "start": ["1", "9", "2026"]}))
    total = sum(100 + n for n in range(60))
    assert (
        "(page 2 of 2)" in second
        and money.pounds_text(total) in second
        and "<strong>Closing balance</strong>" in second
    )
    assert "A PDF can show up to 50 transfers" in first
    for absurd in ("99999999999999999999", "-3", "x"):  # a page number typed into the address
        assert client.get(path, query_string={"page": absurd}).status_code == 200
    refused = client.get(f"{path}.pdf")
    assert refused.status_code == 302
    assert "too many for a PDF" in flashes(client, refused.headers["Location"])


# --- dashboards ------------------------------------------------------------------------------------------------------------


def test_dashboard_panels(app, client, db_session, documents):
    learner, guardian, mentor, coordinator = make_family(10_000)
    ask(guardian, learner, 2_500)
    db_session.commit()
    client = signed_in(app, mentor)
    assert "1 request to spend from a learner’s learning budget is waiting for your decision" in page_text(
        client.get("/dashboard")
    )
    client = signed_in(app, coordinator)
    text = page_text(client.get("/dashboard"))
    assert f"{learner.locality.name} budget" in text and "1 spending request waiting for your decision" in text


# --- two approvers at once, over HTTP --------------------------------------------------------------------------------------


def test_two_approvers_clicking_at_once_pay_once(app, committed_db, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    with app.app_context():
        learner, guardian, mentor, coordinator = make_family(10_000)
        spend_id = ask(guardian, learner, 4_000).id
        db.session.commit()
        emails = [mentor.email, coordinator.email]
        db.session.remove()
    page = f"/funding/requests/{spend_id}"
    clients, tokens = [], []
    for email in emails:
        client = app.test_client()
        assert sign_in(client, email).status_code == 302
        clients.append(client)
        tokens.append(csrf_token(client, page))
    start = threading.Barrier(2)
    statuses: list[int] = []

    def click(n: int):
        start.wait()
        statuses.append(clients[n].post(f"{page}/approve", data={"csrf_token": tokens[n]}).status_code)

    threads = [threading.Thread(target=click, args=(n,)) for n in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert statuses == [302, 302]
        messages = [flashes(c, page) for c in clients]
        assert sum("Approved: £40.00 has been paid" in m for m in messages) == 1
        assert sum("already been approved and paid. Nothing more has been paid." in m for m in messages) == 1
        with app.app_context():
            spends = db.session.scalars(select(Transfer).where(Transfer.kind == TransferKind.SPEND)).all()
            assert [t.idempotency_key for t in spends] == [f"spend-request:{spend_id}"]
            assert ledger.verify().ok
    finally:
        with app.app_context():
            db.session.remove()
            empty_all_tables()
