"""Funding pages over HTTP: years (with bad input), census dates, the census preview and confirmation, moving
money (with bad amounts and a double submit), transfers and reversals, year-end, and the overview by role."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.chart_pages import chart_on, chart_table, svg_words
from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import LearnerFactory, LocalityFactory, UserFactory, many_learners
from tests.services.test_reminder_queries import counting
from virtualacademy.models import (
    AccountKind,
    AuditEvent,
    FundingYear,
    LocalityRole,
    LocalityStaff,
    Role,
    SpendingCategory,
    Transfer,
    TransferKind,
    YearEndPolicy,
)
from virtualacademy.services import funding, ledger

SMALL = funding.YearSettings(
    base_rate_pence=600_000,
    academy_share_bp=5_000,
    core_topslice_bp=1_000,
    mentor_topslice_bp=2_000,
    coordinator_grant_pence=300_000,
    personal_budget_pence=30_000,
)
GOOD_YEAR = {
    "start_year": "2025",
    "base_rate": "6,000",
    "academy_share": "50",
    "core_topslice": "10",
    "mentor_topslice": "20",
    "coordinator_grant": "£3000",
    "personal_budget": "300.00",
    "year_end_policy": "carry_forward",
}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def hidden(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag, f"no hidden {name} field"
    return re.search(r'value="([^"]*)"', tag.group(0)).group(1)


def transfers(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Transfer))


@pytest.fixture
def admin(client, db_session):
    user = UserFactory(roles=[Role.ADMIN], name="Ada Admin")
    sign_in(client, user.email)
    return user


@pytest.fixture
def academy(db_session, admin):
    """2025/26 with the small academy: North (3 learners) and South (2), all enrolled from 1 September 2025."""
    north, south = LocalityFactory(name="North"), LocalityFactory(name="South")
    learners = [
        LearnerFactory(locality=north, enrolled=date(2025, 9, 1), legal_name=f"North Learner {n}") for n in range(3)
    ]
    learners += [
        LearnerFactory(locality=south, enrolled=date(2025, 9, 1), legal_name=f"South Learner {n}") for n in range(2)
    ]
    year = funding.create_year(admin, 2025, SMALL)
    db_session.commit()
    return year, north, south, learners


def test_amounts_and_percentages_with_huge_exponents_are_form_errors(client, db_session, admin):
    huge = {**GOOD_YEAR, "base_rate": "1E+999999999", "coordinator_grant": "1E+999999999", "academy_share": "1E+999999"}
    response = post_form(client, "/funding/years/new", huge, "/funding/years/new")
    page = text(response)
    assert response.status_code == 200
    assert "Enter the base rate in pounds, like 45.50" in page
    assert "Enter the coordinator grant in pounds, like 45.50" in page
    assert "Enter the academy's share as a number, like 12.5" in page


def test_admin_sets_up_a_year_seeing_every_problem_first(client, db_session, admin):
    page = text(client.get("/funding/years/new"))
    assert "Set up a funding year" in page and 'value="50"' in page
    bad = {
        "start_year": "26",
        "base_rate": "-5",
        "academy_share": "half",
        "core_topslice": "12.345",
        "mentor_topslice": "101",
        "coordinator_grant": "12.345",
        "personal_budget": "£200,000",
        "year_end_policy": "carry_forward",
    }
    response = post_form(client, "/funding/years/new", bad, "/funding/years/new")
    page = text(response)
    assert response.status_code == 200 and "<title>Error: Set up a funding year" in page
    for message in (
        "Enter the year it starts as 4 digits, like 2026",
        "The base rate must be more than £0",
        "Enter the academy's share as a number, like 12.5",
        "The core provision top-slice can have at most two decimal places",
        "The mentor team top-slice must be 100% or less",
        "The coordinator grant cannot include part of a penny",
        "The learning budget is too large: the most is £100,000.00",
    ):
        assert message in page, message
    assert 'value="half"' in page  # nothing typed is lost
    # Each field is fine, but together the top-slices are more than everything.
    response = post_form(
        client,
        "/funding/years/new",
        {**GOOD_YEAR, "core_topslice": "60", "mentor_topslice": "50"},
        "/funding/years/new",
    )
    assert "The top-slices add up to 110%" in text(response)
    assert db_session.scalar(select(func.count()).select_from(FundingYear)) == 0

    response = post_form(client, "/funding/years/new", GOOD_YEAR, "/funding/years/new")
    year = db_session.scalar(select(FundingYear))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/funding/years/{year.id}")
    assert (year.base_rate_pence, year.coordinator_grant_pence, year.personal_budget_pence) == (
        600_000,
        300_000,
        30_000,
    )
    assert (year.academy_share_bp, year.core_topslice_bp, year.mentor_topslice_bp) == (5000, 1000, 2000)
    page = text(client.get(f"/funding/years/{year.id}"))
    assert "Funding year 2025/26" in page and "£6,000.00" in page and "2 October 2025" in page
    again = post_form(client, "/funding/years/new", GOOD_YEAR, "/funding/years/new")
    assert "There is already a funding year 2025/26" in text(again)


def test_the_year_page_says_which_censuses_are_not_yet_due(client, db_session, admin):
    year = funding.create_year(admin, 2026, SMALL)  # the suite's clock reads 2 March 2027
    db_session.commit()
    page = text(client.get(f"/funding/years/{year.id}"))
    assert page.count("Not recorded") == 2  # autumn and spring have passed
    assert page.count("Not yet due") == 1  # summer, 20 May 2027


def test_a_year_without_a_rate_can_be_set_up_but_not_recorded(client, db_session, admin):
    LearnerFactory(enrolled=date(2025, 9, 1))
    response = post_form(client, "/funding/years/new", {**GOOD_YEAR, "base_rate": ""}, "/funding/years/new")
    assert response.status_code == 302
    year = db_session.scalar(select(FundingYear))
    assert year.base_rate_pence == 0
    assert "Not set" in text(client.get("/funding/"))
    path = f"/funding/years/{year.id}/census/autumn"
    page = text(client.get(path))
    assert "This census cannot be recorded. No base rate is set for 2025/26" in page
    assert "Record census income" not in page
    response = post_form(client, path, {"digest": "anything"}, path)
    assert "No base rate is set for 2025/26" in text(response) and "Nothing was posted" in text(response)
    assert transfers(db_session) == 0


def test_editing_a_year_keeps_rates_fixed_once_a_census_is_recorded(client, db_session, academy):
    year, *_ = academy
    path = f"/funding/years/{year.id}/edit"
    page = text(client.get(path))
    assert 'value="6000"' in page and 'value="3000"' in page and 'value="300"' in page and "start_year" not in page
    response = post_form(client, path, {**GOOD_YEAR, "personal_budget": "360"}, path)
    assert response.status_code == 302
    db_session.refresh(year)
    assert year.personal_budget_pence == 36_000
    funding.record_census(None, funding.census_of(year, "autumn"))
    db_session.commit()
    page = text(client.get(path))
    assert "its rates can no longer change" in page
    response = post_form(client, path, {**GOOD_YEAR, "personal_budget": "300"}, path)
    assert "The rates cannot change: census income has already been recorded for 2025/26" in text(response)
    response = post_form(
        client, path, {**GOOD_YEAR, "personal_budget": "360", "year_end_policy": "return_to_central"}, path
    )
    assert response.status_code == 302
    db_session.refresh(year)
    assert year.year_end_policy is YearEndPolicy.RETURN_TO_CENTRAL


def test_admin_moves_a_census_date(client, db_session, academy):
    year, *_ = academy
    path = f"/funding/years/{year.id}/census/spring/date"
    assert 'value="15"' in text(client.get(path))
    bad = post_form(client, path, {"on_date": ["31", "2", "2026"]}, path)
    assert "Census date must be a real date" in text(bad)
    outside = post_form(client, path, {"on_date": ["1", "9", "2026"]}, path)
    assert "The census date must be in the funding year" in text(outside)
    empty = post_form(client, path, {}, path)
    assert "Enter the census date" in text(empty)
    check = post_form(client, path, {"on_date": ["22", "1", "2026"]}, path)
    assert check.status_code == 200 and "Check the new spring census date" in text(check)
    db_session.refresh(year)
    assert funding.census_of(year, "spring").on_date == date(2026, 1, 15)  # nothing changes before confirming
    ok = post_form(client, path, {"on_date": hidden(text(check), "on_date"), "confirm": "Move the census date"}, path)
    assert ok.status_code == 302
    assert "The spring census date is now 22 January 2026." in text(client.get(ok.headers["Location"]))
    db_session.refresh(year)
    assert funding.census_of(year, "spring").on_date == date(2026, 1, 22)


def test_a_confirmation_that_is_not_a_date_changes_nothing(client, db_session, academy):
    year, *_ = academy
    path = f"/funding/years/{year.id}/census/spring/date"
    bad = post_form(client, path, {"on_date": "2026-02-31", "confirm": "Move the census date"}, path)
    assert bad.status_code == 302 and bad.headers["Location"] == path
    assert "That is not a date. The census date was not changed." in text(client.get(path))
    db_session.refresh(year)
    assert funding.census_of(year, "spring").on_date == date(2026, 1, 15)


def test_moving_a_census_date_into_the_past_shows_what_would_be_recorded_and_waits_for_confirmation(
    client, db_session, academy
):
    year, *_ = academy
    autumn = funding.census_of(year, "autumn")
    path = f"/funding/years/{year.id}/census/autumn/date"
    check = text(post_form(client, path, {"on_date": ["9", "10", "2025"]}, path))
    assert "Learners on roll on the new date" in check and "5 (as enrolments stand today)" in check
    assert "£5,000.00" in check and "this census is due" in check
    db_session.refresh(autumn)
    assert autumn.on_date == date(2025, 10, 2) and autumn.recorded_at is None
    assert transfers(db_session) == 0
    audited = db_session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "funding.census_date_changed")
    )
    assert audited == 0
    # A tampered confirmation is refused and changes nothing; the real one moves the date and records nothing.
    bad = post_form(client, path, {"on_date": "2026-09-01", "confirm": "Move the census date"}, path)
    assert "The census date must be in the funding year" in text(client.get(bad.headers["Location"]))
    ok = post_form(client, path, {"on_date": hidden(check, "on_date"), "confirm": "Move the census date"}, path)
    assert ok.status_code == 302
    db_session.refresh(autumn)
    assert autumn.on_date == date(2025, 10, 9) and autumn.recorded_at is None and transfers(db_session) == 0


def test_admin_previews_then_records_a_census_and_a_second_run_posts_nothing(client, db_session, academy):
    year, north, south, learners = academy
    path = f"/funding/years/{year.id}/census/autumn"
    page = text(client.get(path))
    assert "Learners on roll on 2 October 2025" in page
    assert "Income: 5 × £6,000.00 × 50% ÷ 3, rounded down to the penny" in page and "£5,000.00" in page
    assert "Every transfer to be posted (11)" in page
    assert "North Learner 0 (North): learning budget" in page and "North: share for 3 learners" in page
    assert "£600.00" in page and "£400.00" in page  # the shares of the remainder
    assert transfers(db_session) == 0  # a preview writes nothing

    response = post_form(client, path, {"digest": hidden(page, "digest")}, path)
    assert response.status_code == 302
    page = text(client.get(path))
    assert "Autumn census 2025/26 recorded: £5,000.00 income for 5 learners, in 11 transfers." in page
    assert "What was posted (11 transfers)" in page and "by Ada Admin" in page
    assert transfers(db_session) == 11
    assert ledger.locality_account(north).balance_pence == 160_000

    again = post_form(client, path, {"digest": "stale"}, path)
    assert again.status_code == 302
    assert "was already recorded" in text(client.get(path)) and transfers(db_session) == 11


def test_a_census_of_many_learners_is_shown_a_page_of_transfers_at_a_time(client, db_session, academy):
    """At national size a census posts over 100,000 transfers: the preview and the recorded census list them 50 to
    a page, and the recorded page reads each page's accounts with it (not one statement per transfer)."""
    year, north, *_ = academy
    many_learners(north, 95, date(2025, 9, 1))
    path = f"/funding/years/{year.id}/census/autumn"
    page = text(client.get(path))
    # 100 learners: income, mentor team, 2 grants, 2 shares and 100 personal budgets
    assert "Every transfer to be posted (106), page 1 of 3" in page
    assert page.count("learning budget</td>") == 50 - 6 and f"{path}?page=3" in page
    last = text(client.get(f"{path}?page=3"))
    assert "page 3 of 3" in last and last.count("learning budget</td>") == 6
    assert "page 3 of 3" in text(client.get(f"{path}?page=999"))
    assert "page 1 of 3" in text(client.get(f"{path}?page=-4"))

    response = post_form(client, path, {"digest": hidden(page, "digest")}, path)
    assert response.status_code == 302 and transfers(db_session) == 106
    with counting() as statements:
        page = text(client.get(f"{path}?page=2"))
    assert "What was posted (106 transfers), page 2 of 3" in page
    assert page.count("Learning budget: ") == 50
    first = db_session.scalar(select(func.min(Transfer.id)).where(Transfer.idempotency_key.like("census:%")))
    assert f">{first + 50}<" in page and f">{first + 99}<" in page and f">{first + 100}<" not in page
    assert len(statements) <= 10, len(statements)  # not one per transfer shown


def test_a_census_whose_figures_changed_since_the_preview_is_not_recorded(client, db_session, academy):
    year, north, *_ = academy
    path = f"/funding/years/{year.id}/census/autumn"
    digest = hidden(text(client.get(path)), "digest")
    LearnerFactory(locality=north, enrolled=date(2025, 9, 1))
    response = post_form(client, path, {"digest": digest}, path)
    page = text(response)
    assert response.status_code == 200 and "The figures have changed since the preview" in page
    assert "Every transfer to be posted (12)" in page and transfers(db_session) == 0


def test_a_census_that_needs_more_than_the_income_is_explained(client, db_session, admin):
    LearnerFactory(enrolled=date(2025, 9, 1))
    year = funding.create_year(admin, 2025, funding.YearSettings(**{**SMALL.__dict__, "base_rate_pence": 60_000}))
    db_session.commit()
    page = text(client.get(f"/funding/years/{year.id}/census/autumn"))
    assert "is not enough for the top-slices, coordinator grants and learning budgets" in page
    assert "Record census income" not in page


def test_unknown_census_keys_are_not_found(client, academy):
    year, *_ = academy
    assert client.get(f"/funding/years/{year.id}/census/winter").status_code == 404
    assert client.get(f"/funding/years/{year.id}/census/winter/date").status_code == 404
    assert client.get("/funding/years/999999").status_code == 404


def record_autumn(db_session, year):
    result = funding.record_census(None, funding.census_of(year, "autumn"))
    db_session.commit()
    return result


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "-5"}, "The amount must be more than £0"),
        ({"amount": "0"}, "The amount must be more than £0"),
        ({"amount": "1.005"}, "The amount cannot include part of a penny"),
        ({"amount": "12,000,000"}, "The amount is too large"),
        ({"amount": "ten"}, "Enter the amount in pounds"),
        ({"amount": "1E+999999999"}, "Enter the amount in pounds"),
        ({"amount": "1_000"}, "Enter the amount in pounds"),
        ({"amount": "5,00"}, "Use a full stop before the pence, like 5.00"),
        ({"amount": "600"}, "Core provision has £500.00, not enough for £600.00"),
        ({"to_account": "central_core"}, "Choose two different accounts"),
        ({"reason": ""}, "Give the reason for moving the money"),
        ({"from_account": ""}, "Choose the account to move money from"),
    ],
)
def test_bad_moves_are_shown_on_the_form_and_move_nothing(client, db_session, academy, changes, message):
    year, north, *_ = academy
    record_autumn(db_session, year)
    page = text(client.get("/funding/move"))
    data = {
        "from_account": "central_core",
        "to_account": f"locality:{north.id}",
        "amount": "200",
        "year": str(year.id),
        "reason": "Forest school kit",
        "token": hidden(page, "token"),
        **changes,
    }
    response = post_form(client, "/funding/move", data, "/funding/move")
    assert response.status_code == 200 and message in text(response)
    assert transfers(db_session) == 11


def test_admin_moves_money_and_a_double_submit_moves_it_once(client, db_session, academy):
    year, north, *_ = academy
    record_autumn(db_session, year)
    page = text(client.get("/funding/move"))
    assert "Core provision (£500.00)" in page and "North budget (£1,600.00)" in page
    data = {
        "from_account": "central_core",
        "to_account": f"locality:{north.id}",
        "amount": "200.50",
        "year": str(year.id),
        "reason": "Forest school kit",
        "token": hidden(page, "token"),
    }
    first = post_form(client, "/funding/move", data, "/funding/move")
    second = post_form(client, "/funding/move", data, "/funding/move")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert "This form had already been sent: the money was moved once" in text(client.get(second.headers["Location"]))
    assert transfers(db_session) == 12
    assert ledger.central(AccountKind.CENTRAL_CORE).balance_pence == 50_000 - 20_050
    assert ledger.locality_account(north).balance_pence == 160_000 + 20_050


def test_transfers_are_listed_and_reversed_once_with_a_reason(client, db_session, academy):
    year, north, south, learners = academy
    result = record_autumn(db_session, year)
    page = text(client.get("/funding/transfers"))
    assert "11 transfers" in page and "Learning budget" in page
    assert "1 transfer" in text(client.get(f"/funding/transfers?year={year.id}&kind=income"))
    assert "2 transfers" in text(client.get(f"/funding/transfers?account=locality:{north.id}"))
    grant = next(t for t in result.transfers if t.idempotency_key.endswith(f":grant:{south.id}"))
    path = f"/funding/transfers/{grant.id}"
    page = text(client.get(path))
    assert f"Transfer {grant.id}" in page and "£1,000.00" in page and "Reverse this transfer" in page
    # the accounts are links, not markup shown as text
    assert f'<a class="govuk-link" href="/funding/transfers?account=locality:{south.id}">' in page
    assert "&lt;a" not in page

    empty = post_form(client, f"{path}/reverse", {"reason": ""}, path)
    assert empty.status_code == 200 and "Give the reason for the reversal" in text(empty)
    done = post_form(client, f"{path}/reverse", {"reason": "Wrong locality"}, path)
    assert done.status_code == 302
    reversal = db_session.scalar(select(Transfer).where(Transfer.reverses_id == grant.id))
    page = text(client.get(done.headers["Location"]))
    assert f"Transfer {grant.id} reversed by transfer {reversal.id}." in page
    assert "A reversal cannot itself be reversed" in page
    assert ledger.locality_account(south).balance_pence == 40_000

    twice = post_form(client, f"/funding/transfers/{reversal.id}/reverse", {"reason": "undo"}, path)
    assert twice.status_code == 200 and "A reversal cannot itself be reversed" in text(twice)
    again = post_form(client, f"{path}/reverse", {"reason": "again"}, path)
    assert "This transfer has already been reversed" in text(again)
    assert transfers(db_session) == 12 and ledger.verify().ok


def test_year_end_is_previewed_then_confirmed_once(client, db_session, academy):
    year, north, south, learners = academy
    funding.update_year(
        None, year, funding.YearSettings(**{**SMALL.__dict__, "year_end_policy": YearEndPolicy.RETURN_TO_CENTRAL})
    )
    record_autumn(db_session, year)
    path = f"/funding/years/{year.id}/year-end"
    page = text(client.get(path))
    assert "The year cannot be closed yet. Record the spring and summer censuses" in page
    assert "Close 2025/26</button>" not in page
    for key in ("spring", "summer"):
        funding.record_census(None, funding.census_of(year, key))
    db_session.commit()
    page = text(client.get(path))
    assert "Unspent balances to return to core provision" in page and "£10,500.00" in page
    response = post_form(client, path, {"digest": hidden(page, "digest")}, path)
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "2025/26 is closed: £10,500.00 of unspent money in learning and locality budgets returned" in page
    assert "Closed" in page and "Change date" not in page
    assert ledger.locality_account(north).balance_pence == 0
    again = post_form(client, path, {"digest": "x"}, path)
    assert "was already closed" in text(client.get(again.headers["Location"]))
    assert client.get(f"/funding/years/{year.id}/edit").status_code == 302
    assert ledger.verify().ok


def test_the_overview_for_admin_and_for_a_coordinator(client, app, db_session, academy):
    year, north, south, learners = academy
    record_autumn(db_session, year)
    ledger.post(
        None,
        ledger.personal_account(learners[0]),
        ledger.spending_account(SpendingCategory.RESOURCES),
        4_200,
        TransferKind.SPEND,
        "Science kit",
        "spend:kit",
        year=year,
    )
    db_session.commit()
    raw = client.get(f"/funding/years/{year.id}/overview").get_data(as_text=True)
    page = html.unescape(raw)
    assert "Overview of 2025/26" in page and "The whole academy" in page
    # the charts: SVG images saying each balance in words, every amount drawn on its bar, and the same as a table
    alt, svg = chart_on(raw, "Remaining balances, to the nearest pound")
    assert alt == (
        "Remaining balances, to the nearest pound. Core provision: £500; Mentor team: £1,000; Exams budget: £0; "
        "North: locality budget: £1,600; North: learning budgets: £258; South: locality budget: £1,400; "
        "South: learning budgets: £200."
    )
    assert {"North: learning budgets", "£258", "£1,600"} <= svg_words(svg)
    assert chart_table(raw, "Remaining balances, to the nearest pound")["North: learning budgets"] == ["£258"]
    alt, svg = chart_on(raw, "Spending by category, to the nearest pound")
    assert alt == "Spending by category, to the nearest pound. Resources and equipment: £42."
    assert {"Resources and equipment", "£42"} <= svg_words(svg)
    assert "Brought forward, plus income, less spending, equals the remaining balances" in page
    for figure in ("£5,000.00", "£42.00", "£4,958.00", "Core provision", "South: locality budget"):
        assert figure in page, figure
    assert "Resources and equipment" in page

    coordinator = UserFactory(roles=[Role.COORDINATOR])
    db_session.add(LocalityStaff(user_id=coordinator.id, locality_id=north.id, role=LocalityRole.COORDINATOR))
    db_session.commit()
    other = app.test_client()
    sign_in(other, coordinator.email)
    raw = other.get(f"/funding/years/{year.id}/overview").get_data(as_text=True)
    page = html.unescape(raw)
    assert "Your locality" in page and "North: locality budget" in page and "North: learning budgets" in page
    alt, _svg = chart_on(raw, "Remaining balances, to the nearest pound")
    assert (
        alt
        == "Remaining balances, to the nearest pound. North: locality budget: £1,600; North: learning budgets: £258."
    )
    assert "South" not in page and "Core provision" not in page and "Income and allocations" not in page
    assert "£1,600.00" in page and "£42.00" in page
    index = text(other.get("/funding/"))
    assert "2025/26" in index and "Set up a funding year" not in index
    assert other.get(f"/funding/years/{year.id}").status_code == 403

    unplaced = UserFactory(roles=[Role.COORDINATOR])
    third = app.test_client()
    sign_in(third, unplaced.email)
    assert "You do not coordinate a locality yet" in text(third.get(f"/funding/years/{year.id}/overview"))


def test_a_forged_form_is_refused(client, db_session, academy):
    year, *_ = academy
    path = f"/funding/years/{year.id}/census/autumn"
    response = client.post(path, data={"csrf_token": "forged", "digest": "x"})
    assert response.status_code == 400 and transfers(db_session) == 0
    assert csrf_token(client, path)
