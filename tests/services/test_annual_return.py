"""The yearly return to the local authority (services/overview/annual_return), on the small academy of
tests/overview_world.py (every figure worked out by hand), and checked against /overview's sections for the same
period. The clock is frozen at Tuesday 2 March 2027: the 2026 to 2027 year is not over, 2025 to 2026 is the last
complete one."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from tests.exams_objects import exam_objects, exam_setting
from tests.factories import LearnerFactory, UserFactory, income_transfer
from tests.overview_world import TODAY, small_academy
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import EntryState, ExamEntry, Role, TransferKind
from virtualacademy.models.families import EheReason, SendStatus
from virtualacademy.models.funding import SpendingCategory
from virtualacademy.services import ledger
from virtualacademy.services.overview.annual_return import (
    AcademicYear,
    academic_year,
    annual_return,
    default_year,
    years_offered,
)
from virtualacademy.services.overview.common import Period
from virtualacademy.services.overview.page import overview

YEAR = AcademicYear(2026)


@pytest.fixture
def academy(db_session):
    return small_academy()


def figures(report) -> dict[str, dict[str, object]]:
    """The return as {section: {measure: value}}."""
    return {s.name: {line.measure: line.value for line in s.lines} for s in report.sections()}


def test_the_year_runs_from_september_and_defaults_to_the_last_complete_one():
    assert (YEAR.start, YEAR.end, YEAR.name) == (date(2026, 9, 1), date(2027, 8, 31), "2026 to 2027")
    assert default_year(TODAY) == AcademicYear(2025)
    assert default_year(date(2027, 9, 1)) == AcademicYear(2026)
    assert default_year(date(2027, 8, 31)) == AcademicYear(2025)
    offered = years_offered(TODAY)
    assert offered[0] == YEAR and offered[-1] == AcademicYear(2017) and len(offered) == 10
    assert academic_year("2026", TODAY) == YEAR
    assert academic_year(" 2000 ", TODAY) == AcademicYear(2000)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter the year the academic year starts"),
        ("abc", "Enter the year the academic year starts"),
        ("2026.5", "Enter the year the academic year starts"),
        ("２０２６", "Enter the year the academic year starts"),
        ("99999999999999999999999", "Enter the year the academic year starts"),
        ("-2026", "Enter the year the academic year starts"),
        ("1999", "from 2000 onwards"),
        ("2027", "The 2027 to 2028 academic year has not started yet: choose 2026 or earlier"),
        ("9999", "has not started yet"),
    ],
)
def test_a_year_that_cannot_have_a_return_is_refused(value, message):
    with pytest.raises(ValidationError, match=message) as caught:
        academic_year(value, TODAY)
    assert caught.value.field == "year"


def test_the_academys_return_for_a_year_not_yet_over(academy):
    report = annual_return(None, YEAR, TODAY)
    assert report.period == Period(date(2026, 9, 1), TODAY)
    assert not report.complete
    assert report.title() == "Annual return 2026 to 2027: The academy"
    f = figures(report)
    # everyone joined on or after 1 September 2026: Ann, Cat, Eve (1 Sep), Dan (20 Jan), Ben (10 Feb); Fay only
    # applied. Cat and Dan left. 0 + 5 - 2 = 3
    assert f["Numbers on roll"] == {
        "On roll at the start of the year": 0,
        "Joined in the year": 5,
        "Left in the year": 2,
        "On roll on 2 March 2027": 3,
    }
    joiners = f["Joiners by reason for education other than at school"]
    assert joiners["Philosophical or preference"] == 4
    assert joiners["Health, including anxiety or medical needs"] == 1  # Eve
    assert sum(joiners.values()) == 5
    leavers = f["Leavers by reason for leaving"]
    assert (leavers["Returned to school"], leavers["Moved out of area"], sum(leavers.values())) == (1, 1, 2)
    send = f["Special educational needs (on roll on 2 March 2027)"]
    assert send == {"None": 1, "SEN support": 1, "Education, Health and Care Plan (EHCP)": 1}
    fsm = f["Free school meals (on roll on 2 March 2027)"]
    assert fsm == {
        "Eligible for free school meals": 1,
        "Primary age: on roll": 2,
        "Primary age: eligible": 0,
        "Secondary age: on roll": 1,
        "Secondary age: eligible": 1,
    }
    assert f["Funding received"] == {"Income received by the academy": 0, "Allocated to budgets": 0}


def test_a_coordinators_return_is_their_locality_only(academy):
    north = academy["north"]
    report = annual_return([north.id], YEAR, TODAY)
    assert report.title() == "Annual return 2026 to 2027: North"
    f = figures(report)
    assert list(f["Numbers on roll"].values()) == [0, 3, 1, 2]  # Ann, Ben, Cat joined; Cat left
    assert f["Leavers by reason for leaving"]["Moved out of area"] == 0
    assert f["Special educational needs (on roll on 2 March 2027)"]["SEN support"] == 0
    assert "Income received by the academy" not in f["Funding received"]
    # a coordinator of no locality sees nothing
    assert figures(annual_return([], YEAR, TODAY))["Numbers on roll"]["Joined in the year"] == 0


def test_those_on_roll_at_the_start_are_last_years_end(academy):
    # added for this test: Gus joined South on 1 October 2025, so he is last year's joiner and this year's start
    LearnerFactory(locality=academy["south"], legal_name="Gus", enrolled=date(2025, 10, 1))
    db.session.commit()
    last = figures(annual_return(None, AcademicYear(2025), TODAY))["Numbers on roll"]
    assert last == {
        "On roll at the start of the year": 0,
        "Joined in the year": 1,
        "Left in the year": 0,
        "On roll at the end of the year": 1,
    }
    this = figures(annual_return(None, YEAR, TODAY))["Numbers on roll"]
    assert this["On roll at the start of the year"] == 1
    assert this["On roll on 2 March 2027"] == 4
    # a year before anyone joined: all nought, complete
    report = annual_return(None, AcademicYear(2020), TODAY)
    assert report.complete and set(figures(report)["Numbers on roll"].values()) == {0}


def test_exam_entries_by_qualification_and_results_by_grade(academy):
    officer = UserFactory(roles=[Role.EXAMS_OFFICER])
    setting = exam_setting()
    first = exam_objects(academy["ann"], officer, setting=setting, candidate_number="0001")
    exam_objects(academy["ann"], officer, setting=setting, candidate_number="0002")
    ben = exam_objects(academy["ben"], officer, setting=setting, candidate_number="0003")
    withdrawn = exam_objects(academy["eve"], officer, setting=setting, candidate_number="0004")
    db.session.get(ExamEntry, withdrawn["exam_entry"]).state = EntryState.WITHDRAWN
    for ids, grade in [(first, "7"), (ben, None)]:
        entry = db.session.get(ExamEntry, ids["exam_entry"])
        entry.state, entry.grade, entry.result_on = EntryState.RESULT_RECORDED, grade, TODAY
    db.session.commit()
    report = annual_return(None, YEAR, TODAY)
    entries = figures(report)["Exam entries"]
    assert entries.pop("Entries made") == 3 and entries.pop("Learners entered") == 2
    assert sorted(entries.values()) == [1, 1, 1]  # one entry in each of three qualifications (Eve's withdrawn)
    assert all(title.startswith("AQA GCSE") for title in entries)
    results = figures(report)["Exam results"]
    assert results.pop("Results recorded") == 2
    assert sorted(results.values()) == [1, 1]
    assert [t for t in results if t.endswith(": grade 7")] and [t for t in results if t.endswith(": no grade")]
    # North's coordinator: Ann's and Ben's; South's: nothing (Eve's was withdrawn)
    assert figures(annual_return([academy["north"].id], YEAR, TODAY))["Exam entries"]["Entries made"] == 3
    south = figures(annual_return([academy["south"].id], YEAR, TODAY))
    assert south["Exam entries"] == {"Entries made": 0, "Learners entered": 0}
    assert south["Exam results"] == {"Results recorded": 0}


def test_funding_received_and_spent_in_pence(academy):
    admin = UserFactory(roles=[Role.ADMIN])
    north = academy["north"]
    source = ledger.funding_source()
    income_transfer(500_000)
    ledger.post(None, source, ledger.locality_account(north), 20_000, TransferKind.ALLOCATION, "Budget", "r:loc")
    ledger.post(None, source, ledger.personal_account(academy["eve"]), 7_000, TransferKind.ALLOCATION, "B", "r:e")
    tuition = ledger.spending_account(SpendingCategory.TUITION)
    events_spend = ledger.spending_account(SpendingCategory.EVENTS)
    ledger.post(None, ledger.personal_account(academy["eve"]), tuition, 4_000, TransferKind.SPEND, "Tutor", "r:s1")
    trip = ledger.post(None, ledger.locality_account(north), events_spend, 1_500, TransferKind.SPEND, "Trip", "r:s2")
    ledger.reverse(admin, trip, "Trip cancelled")
    ledger.post(None, ledger.locality_account(north), events_spend, 2_500, TransferKind.SPEND, "Museum", "r:s3")
    db.session.commit()
    report = annual_return(None, YEAR, TODAY)
    f = figures(report)
    assert f["Funding received"] == {"Income received by the academy": 500_000, "Allocated to budgets": 27_000}
    spent = f["Funding spent"]
    assert (spent["Tuition"], spent["Events and trips"], spent["Spent in all"]) == (4_000, 2_500, 6_500)
    assert {line.format for s in report.sections() if s.name.startswith("Funding") for line in s.lines} == {"pounds"}
    north_spent = figures(annual_return([north.id], YEAR, TODAY))["Funding spent"]
    assert (north_spent["Tuition"], north_spent["Spent in all"]) == (0, 2_500)
    # last year: nothing
    assert figures(annual_return(None, AcademicYear(2025), TODAY))["Funding spent"]["Spent in all"] == 0


@pytest.mark.parametrize("scope", ["academy", "north"])
def test_the_return_agrees_with_the_overview_for_the_same_period(academy, scope):
    income_transfer(90_000)
    ledger.post(None, ledger.funding_source(), ledger.personal_account(academy["ann"]), 10_000,
                TransferKind.ALLOCATION, "B", "a:a")  # fmt: skip
    exam_objects(academy["ann"])
    db.session.commit()
    ids = None if scope == "academy" else [academy["north"].id]
    report = annual_return(ids, YEAR, TODAY)
    page = overview(ids, report.period, TODAY)
    measures = {m.name: m.value if ids else m.spread.academy for m in page.comparisons()}
    f = figures(report)
    assert f["Numbers on roll"]["On roll on 2 March 2027"] == measures["Learners on roll"]
    assert f["Numbers on roll"]["Joined in the year"] == measures["Joiners in the period"]
    assert f["Numbers on roll"]["Left in the year"] == measures["Leavers in the period"]
    assert f["Exam entries"]["Entries made"] == measures["Exam entries made in the period"]
    assert f["Exam results"]["Results recorded"] == measures["Exam results recorded in the period"]
    cohort = page.cohort.total(ids)
    send = f["Special educational needs (on roll on 2 March 2027)"]
    assert [send[label] for label in ("None", "SEN support", "Education, Health and Care Plan (EHCP)")] == [
        cohort.send[SendStatus.NONE],
        cohort.send[SendStatus.SEN_SUPPORT],
        cohort.send[SendStatus.EHCP],
    ]
    assert f["Free school meals (on roll on 2 March 2027)"]["Eligible for free school meals"] == cohort.fsm_eligible
    assert sum(f["Joiners by reason for education other than at school"].values()) == measures["Joiners in the period"]
    assert sum(f["Leavers by reason for leaving"].values()) == measures["Leavers in the period"]
    cash = page.money.total(ids)
    assert f["Funding received"]["Allocated to budgets"] == cash.allocated
    assert f["Funding spent"]["Spent in all"] == cash.spent_total
    assert cohort.reasons[EheReason.HEALTH] == (1 if ids is None else 0)


def test_the_return_costs_the_same_statements_however_many_learners(academy):
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def count() -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            annual_return(None, YEAR, TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    before = count()
    for n in range(12):
        LearnerFactory(locality=academy["north" if n % 2 else "south"], enrolled=date(2026, 10, 1 + n))
    db.session.commit()
    assert count() == before
    assert before <= 16
