"""Every CSV the product exports goes through one writer (virtualacademy/csv_export.py): text that a spreadsheet
could run as a formula is quoted, and money stays a number (negative amounts keep their minus sign)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from tests.factories import LearnerFactory, LocalityFactory, UserFactory
from tests.world import client_for
from virtualacademy import csv_export
from virtualacademy.models import LocalityStaff, Role, TransferKind
from virtualacademy.models.localities import LocalityRole
from virtualacademy.services import ledger

HOSTILE = ['=HYPERLINK("https://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A9)", "\tTab", "\rReturn", "  =1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_text_that_could_be_a_formula_is_quoted(value):
    assert csv_export.cell(value) == "'" + value
    assert csv_export.row(csv_export.row([value])) == ["'" + value]  # applying it twice changes nothing more


def test_ordinary_text_numbers_and_money_are_written_as_they_are():
    assert csv_export.row(["Robin", "3 Mill Lane", "", None, 7, date(2027, 3, 2)]) == [
        "Robin",
        "3 Mill Lane",
        "",
        "",
        7,
        "2027-03-02",
    ]
    assert [str(csv_export.pounds(p)) for p in (-1250, 0, 5, 123456789)] == ["-12.50", "0.00", "0.05", "1234567.89"]
    assert csv_export.cell(csv_export.pounds(-1250)) == Decimal("-12.50")  # a number, never quoted text


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def _cohort_csv(app, db_session) -> list[list[str]]:
    locality = LocalityFactory(name="=1+1")
    LearnerFactory(locality=locality, legal_name="@Robin Example", enrolled=date(2026, 9, 1))
    client = client_for(app, UserFactory(roles=[Role.ADMIN]))
    return _rows(client.get("/cohort.csv"))


def _statement_csv(app, db_session) -> list[list[str]]:
    locality = LocalityFactory(name="-2+3")
    source = ledger.funding_source()
    ledger.post(None, source, ledger.locality_account(locality), 12_345, TransferKind.INCOME, "+1+1", "csv-1")
    db_session.commit()
    client = client_for(app, UserFactory(roles=[Role.ADMIN]))
    return _rows(client.get(f"/funding/accounts/{source.id}/statement.csv"))


def _entry_list_csv(app, db_session) -> list[list[str]]:
    from tests.exams_objects import exam_objects

    learner = LearnerFactory(legal_name="=HYPERLINK(1)", preferred_name="@Robin", enrolled=date(2026, 9, 1))
    ids = exam_objects(learner)
    db_session.commit()
    client = client_for(app, UserFactory(roles=[Role.EXAMS_OFFICER]))
    return _rows(client.get(f"/exams/series/{ids['series']}/centres/{ids['centre']}/entries.csv"))


def _community_report_csv(app, db_session) -> list[list[str]]:
    LocalityFactory(name="@Doncaster")
    LocalityFactory(name="=HYPERLINK(1)")
    db_session.commit()
    client = client_for(app, UserFactory(roles=[Role.ADMIN]))
    return _rows(client.get("/community/reports.csv"))


def _overview_csv(app, db_session) -> list[list[str]]:
    LearnerFactory(locality=LocalityFactory(name="=HYPERLINK(1)"), enrolled=date(2026, 9, 1))
    LearnerFactory(locality=LocalityFactory(name="+cmd"), enrolled=date(2026, 9, 1))
    db_session.commit()
    client = client_for(app, UserFactory(roles=[Role.ADMIN]))
    tables = ["comparison", "roll", "cohort", "contact", "wellbeing", "attendance", "reviews", "exams", "money"]
    return [row for table in tables for row in _rows(client.get(f"/overview/{table}.csv"))]


def _annual_return_csv(app, db_session) -> list[list[str]]:
    locality = LocalityFactory(name="@North")
    LearnerFactory(locality=locality, enrolled=date(2026, 9, 1))
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    db_session.add(LocalityStaff(user_id=coordinator.id, locality_id=locality.id, role=LocalityRole.COORDINATOR))
    db_session.commit()
    return _rows(client_for(app, coordinator).get("/overview/return.csv?year=2026"))


def _mentors_csv(app, db_session) -> list[list[str]]:
    from virtualacademy.services import mentoring

    admin = UserFactory(roles=[Role.ADMIN])
    learner = LearnerFactory(enrolled=date(2026, 9, 1))
    mentoring.assign(admin, learner, UserFactory(name="=HYPERLINK(1)", roles=[Role.MENTOR]), date(2026, 9, 1))
    db_session.commit()
    return _rows(client_for(app, admin).get("/overview/mentors.csv"))


#: Every CSV download of the product, with a way to fill it with hostile text.
EXPORTS = {
    "families.cohort_csv": _cohort_csv,
    "funding.statement_csv": _statement_csv,
    "exams.entry_list_csv": _entry_list_csv,
    "community.reports_csv": _community_report_csv,
    "overview.table_csv": _overview_csv,
    "overview.annual_return_csv": _annual_return_csv,
    "overview.mentors_csv": _mentors_csv,
}


def test_every_csv_download_is_checked_here(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.endswith(".csv")}
    assert routes == set(EXPORTS)


@pytest.mark.parametrize("endpoint", sorted(EXPORTS))
def test_no_csv_download_has_a_cell_a_spreadsheet_would_run(app, db_session, endpoint):
    rows = EXPORTS[endpoint](app, db_session)
    cells = [c for r in rows for c in r]
    risky = [c for c in cells if c[:1] in csv_export.FORMULA_STARTS and not _is_number(c)]
    assert risky == []
    assert any(c.startswith("'") for c in cells)  # the hostile text is there, quoted


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return text.lstrip("-").replace(".", "", 1).isdigit()


def test_a_negative_balance_is_a_number_an_accountant_can_add_up(app, db_session):
    rows = _statement_csv(app, db_session)
    header, opening, line, closing = rows
    assert header[5:] == ["Money in", "Money out", "Balance"]
    assert line[2] == "'+1+1" and line[4] == "'-2+3 budget"  # the memo and the locality's name, as text
    assert line[6] == "123.45" and line[7] == "-123.45"  # the funding source runs negative: income received
    assert closing[7] == "-123.45"
