"""The yearly return's page, CSV and PDF (/overview/return): the admin's for the academy, a coordinator's for their
locality, the choice of year and the errors a bad one gives. Figures are those of tests/overview_world.py."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from pypdf import PdfReader

from tests.blueprints.test_overview import row_of, text
from tests.conftest import sign_in
from tests.factories import LearnerFactory, LocalityFactory, UserFactory, income_transfer
from tests.overview_world import small_academy
from virtualacademy.extensions import db
from virtualacademy.models import LocalityStaff, Role
from virtualacademy.models.funding import SpendingCategory, TransferKind
from virtualacademy.models.localities import LocalityRole
from virtualacademy.services import ledger


@pytest.fixture
def academy(db_session):
    world = small_academy()
    world["admin"] = UserFactory(roles=[Role.ADMIN])
    world["coordinator"] = UserFactory(roles=[Role.COORDINATOR])
    db.session.add(
        LocalityStaff(user_id=world["coordinator"].id, locality_id=world["north"].id, role=LocalityRole.COORDINATOR)
    )
    db.session.commit()
    return world


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(response.data)).pages)


def spend(world) -> None:
    """£900 income, £100 to Ann's budget, £40 of it on tuition."""
    income_transfer(90_000)
    source = ledger.funding_source()
    ledger.post(None, source, ledger.personal_account(world["ann"]), 10_000, TransferKind.ALLOCATION, "B", "w:a")
    tuition = ledger.spending_account(SpendingCategory.TUITION)
    ledger.post(None, ledger.personal_account(world["ann"]), tuition, 4_000, TransferKind.SPEND, "Tutor", "w:s")
    db.session.commit()


def test_the_overview_links_to_the_return(client, academy):
    sign_in(client, academy["admin"].email)
    html = client.get("/overview/").get_data(as_text=True)
    assert 'href="/overview/return"' in html


def test_the_last_complete_year_is_shown_unless_another_is_chosen(client, academy):
    sign_in(client, academy["admin"].email)
    response = client.get("/overview/return")
    assert response.status_code == 200
    page = text(response)
    assert "Annual return 2025 to 2026: The academy" in page
    assert "From 1 September 2025 to 31 August 2026." in page
    assert row_of(response, "Joined in the year") == "0"
    html = response.get_data(as_text=True)
    assert '<option value="2025" selected>2025 to 2026</option>' in html
    assert 'href="/overview/return.csv?year=2025"' in html and 'href="/overview/return.pdf?year=2025"' in html
    # a year older than the picker offers can be asked for by its address, and the picker shows it
    response = client.get("/overview/return?year=2003")
    assert "From 1 September 2003 to 31 August 2004." in text(response)
    assert '<option value="2003" selected>2003 to 2004</option>' in response.get_data(as_text=True)


def test_the_admins_return_for_this_year_to_date(client, academy):
    spend(academy)
    sign_in(client, academy["admin"].email)
    response = client.get("/overview/return?year=2026")
    page = text(response)
    assert "From 1 September 2026 to 2 March 2027 (the year is not over: figures to date)." in page
    assert row_of(response, "On roll at the start of the year") == "0"
    assert row_of(response, "Joined in the year") == "5"
    assert row_of(response, "Left in the year") == "2"
    assert row_of(response, "On roll on 2 March 2027") == "3"
    assert row_of(response, "Returned to school") == "1"
    assert row_of(response, "Education, Health and Care Plan (EHCP)") == "1"
    assert row_of(response, "Eligible for free school meals") == "1"
    assert row_of(response, "Income received by the academy") == "£900.00"
    assert row_of(response, "Allocated to budgets") == "£100.00"
    assert row_of(response, "Tuition") == "£40.00"
    assert row_of(response, "Spent in all") == "£40.00"


def test_the_coordinators_return_names_no_other_locality(client, academy):
    spend(academy)
    sign_in(client, academy["coordinator"].email)
    response = client.get("/overview/return?year=2026")
    page = text(response)
    assert "Annual return 2026 to 2027: North" in page
    assert "South" not in page
    assert "Income received by the academy" not in page
    assert row_of(response, "Joined in the year") == "3"
    assert row_of(response, "On roll on 2 March 2027") == "2"
    assert row_of(response, "Tuition") == "£40.00"
    rows = csv_rows(client.get("/overview/return.csv?year=2026"))
    assert ["Return", "For", "North"] in rows
    assert not any("South" in cell for row in rows for cell in row)


def test_the_return_as_csv(client, academy):
    spend(academy)
    sign_in(client, academy["admin"].email)
    response = client.get("/overview/return.csv?year=2026")
    assert response.headers["Content-Disposition"] == "attachment; filename=annual-return-2026-2027.csv"
    rows = csv_rows(response)
    assert rows[0] == ["section", "measure", "value"]
    assert rows[1:5] == [
        ["Return", "Academic year", "2026 to 2027"],
        ["Return", "For", "The academy"],
        ["Return", "From", "2026-09-01"],
        ["Return", "To", "2027-03-02"],
    ]
    assert rows[5:9] == [
        ["Numbers on roll", "On roll at the start of the year", "0"],
        ["Numbers on roll", "Joined in the year", "5"],
        ["Numbers on roll", "Left in the year", "2"],
        ["Numbers on roll", "On roll on 2 March 2027", "3"],
    ]
    assert ["Leavers by reason for leaving", "Moved out of area", "1"] in rows
    assert ["Special educational needs (on roll on 2 March 2027)", "SEN support", "1"] in rows
    assert ["Funding received", "Income received by the academy (£)", "900.00"] in rows
    assert ["Funding spent", "Tuition (£)", "40.00"] in rows
    assert ["Funding spent", "Spent in all (£)", "40.00"] in rows
    assert all(len(row) == 3 for row in rows)


def test_a_locality_name_that_looks_like_a_formula_is_text_in_the_csv(client, db_session):
    locality = LocalityFactory(name="=HYPERLINK(1)")
    LearnerFactory(locality=locality, enrolled=date(2026, 9, 1))
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    db.session.add(LocalityStaff(user_id=coordinator.id, locality_id=locality.id, role=LocalityRole.COORDINATOR))
    db.session.commit()
    sign_in(client, coordinator.email)
    rows = csv_rows(client.get("/overview/return.csv?year=2026"))
    assert ["Return", "For", "'=HYPERLINK(1)"] in rows


def test_the_return_as_pdf(client, academy):
    spend(academy)
    sign_in(client, academy["admin"].email)
    response = client.get("/overview/return.pdf?year=2026")
    assert "annual-return-2026-2027.pdf" in response.headers["Content-Disposition"]
    body = pdf_text(response)
    assert "Annual return 2026 to 2027" in body
    assert "The academy" in body
    assert "1 September 2026 to 31 August 2027" in body
    assert "2 March 2027 (the year is not over)" in body
    assert "Joined in the year 5" in body
    assert "Left in the year 2" in body
    assert "Returned to school 1" in body
    assert "Education, Health and Care Plan (EHCP) 1" in body
    assert "Income received by the academy £900.00" in body
    assert "Tuition £40.00" in body


def test_the_coordinators_pdf_is_their_locality(client, academy):
    sign_in(client, academy["coordinator"].email)
    body = pdf_text(client.get("/overview/return.pdf?year=2026"))
    assert "Annual return 2026 to 2027 For North Academic year" in body
    assert "South" not in body
    assert "Joined in the year 3" in body


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("abc", "Enter the year the academic year starts"),
        ("99999999999999999999999", "Enter the year the academic year starts"),
        ("%00", "Enter the year the academic year starts"),
        ("1999", "from 2000 onwards"),
        ("2027", "The 2027 to 2028 academic year has not started yet"),
    ],
)
@pytest.mark.parametrize("path", ["/overview/return", "/overview/return.csv", "/overview/return.pdf"])
def test_a_bad_year_is_shown_on_the_form(client, academy, path, year, message):
    sign_in(client, academy["admin"].email)
    response = client.get(f"{path}?year={year}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html
    assert message in html
    assert 'href="#year"' in html
    assert "Numbers on roll" not in html


def test_only_admins_and_coordinators(client, academy):
    sign_in(client, UserFactory(roles=[Role.MENTOR]).email)
    for path in ["/overview/return", "/overview/return.csv", "/overview/return.pdf"]:
        assert client.get(path).status_code == 403
