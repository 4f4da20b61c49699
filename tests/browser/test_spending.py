"""Spending in a real browser, with axe-core on every page state (errors included): a guardian asks to pay
for tuition from their child's budget, first with a file that is not an invoice and an amount with part of a
penny; the coordinator approves it from the list of requests, looks at the locality's budget, records
locality spending (an error first) and reads the statement; the guardian then sees the money spent."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import Person, axe_check, error_summary, heading, preload_axe, sign_in
from tests.factories import GuardianFactory, LearnerFactory, UserFactory
from virtualacademy.extensions import db
from virtualacademy.models import LocalityRole, LocalityStaff, Role, SpendRequest, SpendStatus, TransferKind
from virtualacademy.services import ledger

INVOICE = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
NOT_AN_INVOICE = b"<!doctype html><html><body><script>alert('hello')</script></body></html>"


def banner(page):
    return page.locator(".govuk-notification-banner")


def _person(user) -> Person:
    return Person(id=user.id, name=user.name, email=user.email)


def test_a_guardian_asks_the_coordinator_approves_and_the_family_sees_it_spent(
    app, new_page, committed_db, tmp_path, monkeypatch
):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))  # where the live server keeps invoices
    with app.app_context():
        learner = LearnerFactory(legal_name="Robin Example", preferred_name="Robbie")
        guardian = GuardianFactory(family=learner.family, name="Jo Example").user
        coordinator = UserFactory(roles=[Role.COORDINATOR], name="Cal Coordinator")
        db.session.add(
            LocalityStaff(user_id=coordinator.id, locality_id=learner.locality_id, role=LocalityRole.COORDINATOR)
        )
        source = ledger.funding_source()
        ledger.post(
            None, source, ledger.personal_account(learner), 10_000, TransferKind.ALLOCATION, "Autumn budget", "b:1"
        )
        ledger.post(
            None, source, ledger.locality_account(learner.locality), 50_000, TransferKind.ALLOCATION, "Grant", "b:2"
        )
        db.session.commit()
        learner_id, locality_name = learner.id, learner.locality.name
        guardian, coordinator = _person(guardian), _person(coordinator)

    # --- the guardian asks ---------------------------------------------------------------------------------
    page = new_page()
    preload_axe(page)
    sign_in(page, guardian)
    axe_check(page)  # the dashboard, with the learning budgets panel
    page.get_by_role("link", name="See your children’s learning budgets").click()
    expect(heading(page)).to_have_text("Learning budgets")
    expect(page.get_by_role("main")).to_contain_text("£100.00")
    axe_check(page)
    page.get_by_role("link", name="View budget for Robbie").click()
    expect(heading(page)).to_have_text("Robbie’s learning budget")
    axe_check(page)
    page.get_by_role("button", name="Ask to pay for something").click()
    expect(heading(page)).to_have_text("Ask to pay for something")
    axe_check(page)

    page.get_by_label("What is the money for?").fill("Ten weekly maths lessons")
    page.get_by_role("radio", name="Tuition").check()
    page.get_by_label("Amount").fill("25.005")
    page.get_by_label("Who is being paid?").fill("Maths Tutors Ltd")
    page.get_by_label("Invoice or receipt").set_input_files(
        files=[{"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": NOT_AN_INVOICE}]
    )
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_title(re.compile(r"^Error: Ask to pay for something"))
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page).get_by_role("link")).to_have_text(
        [
            "The amount cannot include part of a penny",
            "The selected file must be a PDF, JPG, PNG, Word (.docx) or Excel (.xlsx) file",
        ]
    )
    expect(page.get_by_label("What is the money for?")).to_have_value("Ten weekly maths lessons")
    expect(page.get_by_label("Amount")).to_have_value("25.005")
    axe_check(page)
    with app.app_context():
        assert db.session.scalars(select(SpendRequest)).all() == []

    page.get_by_label("Amount").fill("25")
    page.get_by_label("Invoice or receipt").set_input_files(
        files=[{"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": INVOICE}]
    )
    page.get_by_role("button", name="Continue").click()

    # check your answers, change one, then send
    expect(heading(page)).to_have_text("Check your answers before sending your request")
    expect(page.get_by_role("main")).to_contain_text("invoice.pdf")
    axe_check(page)
    page.get_by_role("link", name="Change the amount").click()
    expect(heading(page)).to_have_text("Change your request")
    expect(page.get_by_label("Amount")).to_have_value("25.00")
    axe_check(page)
    page.get_by_label("Amount").fill("")
    page.get_by_role("button", name="Continue").click()
    expect(error_summary(page)).to_be_focused()
    expect(page.get_by_label("What is the money for?")).to_have_value("Ten weekly maths lessons")
    axe_check(page)
    page.get_by_label("Amount").fill("25")
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_have_text("Check your answers before sending your request")
    with app.app_context():
        assert [r.status for r in db.session.scalars(select(SpendRequest))] == [SpendStatus.DRAFT]
    page.get_by_role("button", name="Send request").click()
    expect(heading(page)).to_have_text("Request to pay Maths Tutors Ltd £25.00")
    expect(banner(page)).to_contain_text("Your request to pay £25.00 to Maths Tutors Ltd has been sent.")
    expect(page.get_by_role("main")).to_contain_text("Waiting for a decision")
    axe_check(page)

    # --- the coordinator approves ------------------------------------------------------------------------
    staff = new_page()
    preload_axe(staff)
    sign_in(staff, coordinator)
    expect(staff.get_by_role("main")).to_contain_text("1 spending request waiting for your decision")
    axe_check(staff)
    staff.get_by_role("link", name="See spending requests").first.click()
    expect(heading(staff)).to_have_text("Spending requests")
    axe_check(staff)
    staff.get_by_role("link", name=re.compile(r"^Ten weekly maths lessons")).click()
    expect(heading(staff)).to_have_text("Request to pay Maths Tutors Ltd £25.00")
    expect(staff.get_by_role("main")).to_contain_text("Robbie’s learning budget has £100.00")
    axe_check(staff)
    staff.get_by_role("button", name="Approve and pay £25.00").click()
    expect(banner(staff)).to_contain_text("Approved: £25.00 has been paid to Maths Tutors Ltd.")
    expect(staff.get_by_role("main")).to_contain_text("Approved and paid")
    axe_check(staff)

    # the locality's budget, its spending (an error first) and its statement
    staff.goto("/funding/localities")
    expect(heading(staff)).to_have_text(f"{locality_name} budget")
    expect(staff.get_by_role("main")).to_contain_text("Tuition")
    axe_check(staff)
    staff.get_by_role("button", name="Record locality spending").click()
    expect(heading(staff)).to_have_text("Record locality spending")
    axe_check(staff)
    staff.get_by_role("radio", name="Events and trips").check()
    staff.get_by_label("Amount").fill("-40")
    staff.get_by_label("What was the money spent on?").fill("Room hire for the science day")
    staff.get_by_role("button", name="Record the spending").click()
    expect(error_summary(staff).get_by_role("link")).to_have_text(["The amount must be more than £0"])
    axe_check(staff)
    staff.get_by_label("Amount").fill("40")
    staff.get_by_role("button", name="Record the spending").click()
    expect(banner(staff)).to_contain_text(f"£40.00 has been recorded against the {locality_name} budget.")
    expect(staff.get_by_role("main")).to_contain_text("Events and trips")
    axe_check(staff)
    staff.get_by_role("link", name="See the statement of the locality budget").click()
    expect(heading(staff)).to_have_text(f"{locality_name} budget")
    expect(staff.get_by_role("table")).to_contain_text("Room hire for the science day")
    axe_check(staff)

    # --- the guardian sees it spent ---------------------------------------------------------------------------
    page.goto(f"/funding/learners/{learner_id}/budget")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Approved and paid")
    expect(page.locator(".govuk-summary-list")).to_contain_text("£75.00")  # the balance
    expect(page.locator(".govuk-summary-list")).to_contain_text("£25.00")  # spent so far
    axe_check(page)
    page.get_by_role("link", name="See the statement of every payment in and out").click()
    expect(heading(page)).to_have_text("Learning budget: Robin Example")
    expect(page.get_by_role("table")).to_contain_text(re.compile(r"Spend request \d+: tuition"))
    axe_check(page)
    # an impossible period is an error on the form
    page.get_by_role("group", name="From").get_by_label("Day").fill("31")
    page.get_by_role("group", name="From").get_by_label("Month").fill("2")
    page.get_by_role("group", name="From").get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Show this period").click()
    expect(error_summary(page)).to_contain_text("From must be a real date")
    axe_check(page)
    page.get_by_role("link", name="Notifications").first.click()
    expect(page.get_by_role("main")).to_contain_text("Approved: £25.00 to Maths Tutors Ltd for Robbie")
    axe_check(page)

    with app.app_context():
        (spend,) = db.session.scalars(select(SpendRequest)).all()
        assert spend.status is SpendStatus.APPROVED and ledger.verify().ok
