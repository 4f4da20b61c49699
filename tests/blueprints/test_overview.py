"""The overview page (admins: the academy; coordinators: their locality beside the academy), its CSV tables, and
the learner list each figure links to. Figures are those of tests/overview_world.py, worked out by hand."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from html import unescape

import pytest

from tests.conftest import sign_in
from tests.exams_objects import exam_objects
from tests.factories import LearningPlanFactory, PlanReviewFactory, UserFactory, income_transfer
from tests.overview_world import small_academy
from virtualacademy.extensions import db
from virtualacademy.jobs import JOBS
from virtualacademy.models import CheckIn, ContactMethod, ContactWith, LocalityStaff, Role
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


def text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def listed(response) -> set[str]:
    """The learners named in the learner list."""
    return set(re.findall(r'href="/learners/\d+">([^<]+)</a>', response.get_data(as_text=True)))


def row_of(response, name: str) -> str:
    """The cells of the table row headed ``name``, as read (without the words only screen readers hear)."""
    html = response.get_data(as_text=True)
    match = re.search(rf">{re.escape(name)}</th>(.*?)</tr>", html, re.DOTALL)
    assert match, f"no row {name}"
    cells = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", match.group(1))
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", cells))).strip()


def test_the_admin_sees_the_academy_with_each_locality(client, academy):
    sign_in(client, academy["admin"].email)
    response = client.get("/overview/")
    assert response.status_code == 200
    page = text(response)
    assert "Academy overview" in page
    assert "From 1 January 2027 to 2 March 2027." in page
    assert "0 learners came to community events that took place in the period (0 attendances" in page
    html = response.get_data(as_text=True)
    # the localities' table: North has Ann and Ben on roll, one joiner (Ben), one leaver (Cat), Ann's EHCP and FSM
    north = academy["north"].id
    assert f'href="/learners?locality={north}&amp;on_roll=yes">2<' in html
    assert f'href="/learners?locality={north}&amp;send=ehcp">1<' in html
    # every chart is an image described in words, with its table
    assert 'alt="Learners on roll at the end of each month. Jan 2027: 3; Feb 2027: 3; Mar 2027: 3."' in html
    assert 'alt="Why leavers left. Returned to school: 1; Moved out of area: 1;' in html
    # nobody has logged learning: the hours chart says so rather than drawing nothing
    assert html.count('src="data:image/svg+xml;base64,') == 7
    assert "Nothing to show for this period yet." in html


def test_the_coordinator_sees_their_locality_beside_the_academy_without_other_names(client, academy):
    sign_in(client, academy["coordinator"].email)
    response = client.get("/overview/")
    assert response.status_code == 200
    page = text(response)
    assert "Overview: North" in page
    assert "South" not in page
    # Yours, academy, average locality, lowest, middle, highest
    assert row_of(response, "Learners on roll") == "2 3 1.5 1 1.5 2"
    assert row_of(response, "Leavers in the period") == "1 2 1.0 1 1.0 1"
    # Ann of two in North has an EHCP (50%); one of three in the academy (33.3%); South has none
    assert row_of(response, "With an EHCP (per cent)") == "50.0% 33.3% 25.0% 0.0% 25.0% 50.0%"


def test_the_figures_link_to_the_learners_they_count(client, academy):
    sign_in(client, academy["admin"].email)
    north, south = academy["north"].id, academy["south"].id
    response = client.get(f"/learners?locality={north}&send=ehcp")
    assert "Showing the learners on roll today, in North, with SEND status" in text(response)
    assert listed(response) == {"Ann"}
    assert listed(client.get(f"/learners?locality={north}&on_roll=yes")) == {"Ann", "Ben"}
    response = client.get(f"/learners?locality={south}&fsm=yes")
    assert listed(response) == set()
    assert "No learners match." in text(response)
    assert listed(client.get("/learners?phase=secondary")) == {"Ann"}
    assert listed(client.get("/learners?phase=primary")) == {"Ben", "Eve"}


def test_a_coordinator_following_a_link_to_another_locality_sees_none_of_its_learners(client, academy):
    sign_in(client, academy["coordinator"].email)
    response = client.get(f"/learners?locality={academy['south'].id}&on_roll=yes")
    assert listed(response) == set()
    assert "No learners match." in text(response)
    assert listed(client.get(f"/learners?locality={academy['north'].id}&on_roll=yes")) == {"Ann", "Ben"}


def test_unknown_filter_values_are_ignored(client, academy):
    sign_in(client, academy["admin"].email)
    response = client.get("/learners?locality=99999999999999999999999&send=nonsense&phase=%00")
    assert response.status_code == 200
    assert "Showing the learners" not in text(response)


def test_a_term_or_dates_choose_the_period(client, academy):
    sign_in(client, academy["admin"].email)
    page = text(client.get("/overview/?term=2026-autumn"))
    assert "From 1 September 2026 to 31 December 2026." in page
    response = client.get("/overview/?start=1&start=2&start=2027&end=28&end=2&end=2027")
    assert "From 1 February 2027 to 28 February 2027." in text(response)
    assert row_of(response, "Joiners in the period") == "1 0.5 0 0.5 1"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=1&start=3&start=2027&end=1&end=2&end=2027", "on or after its start"),
        ("start=1&start=1&start=99999&end=1&end=2&end=2027", "Error"),
        ("start=1&start=1&start=2019&end=1&end=2&end=2027", "three years or less"),
    ],
)
def test_a_bad_period_is_shown_on_the_form(client, academy, query, message):
    sign_in(client, academy["admin"].email)
    response = client.get(f"/overview/?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html
    assert message in html
    assert "The academy at a glance" not in html


def test_the_tables_as_csv(client, academy):
    sign_in(client, academy["coordinator"].email)
    response = client.get("/overview/comparison.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["measure", "yours", "academy"]
    assert rows[1][:3] == ["Learners on roll", "2", "3"]
    rows = list(csv.reader(io.StringIO(client.get("/overview/roll.csv").get_data(as_text=True))))
    assert rows[1:] == [
        ["North", "Jan 2027", "1", "0", "1"],
        ["North", "Feb 2027", "2", "1", "0"],
        ["North", "Mar 2027", "2", "0", "0"],
        ["Academy", "Jan 2027", "3", "1", "1"],
        ["Academy", "Feb 2027", "3", "1", "1"],
        ["Academy", "Mar 2027", "3", "0", "0"],
    ]
    rows = list(csv.reader(io.StringIO(client.get("/overview/cohort.csv").get_data(as_text=True))))
    assert [row[:2] for row in rows[1:]] == [["North", "2"], ["Academy", "3"]]


def test_only_admins_and_coordinators(client, academy):
    sign_in(client, UserFactory(roles=[Role.MENTOR]).email)
    assert client.get("/overview/").status_code == 403
    assert client.get("/overview/roll.csv").status_code == 403


def test_wellbeing_on_the_page_and_as_csv(client, academy):
    for at, score in [(datetime(2027, 1, 5, 10, tzinfo=UTC), 4), (datetime(2027, 2, 5, 10, tzinfo=UTC), 1)]:
        db.session.add(
            CheckIn(
                learner_id=academy["ann"].id,
                occurred_at=at,
                method=ContactMethod.PHONE,
                with_whom=ContactWith.LEARNER,
                wellbeing=score,
            )
        )
    db.session.commit()
    sign_in(client, academy["coordinator"].email)
    response = client.get("/overview/")
    assert "1 learner gave a lower score at their latest check-in" in text(response)
    assert 'alt="Wellbeing scores recorded at check-ins (1 very low, 5 very good). 1: 1; 2: 0; 3: 0; 4: 1; 5: 0."' in (
        response.get_data(as_text=True)
    )
    assert row_of(response, "Wellbeing scores of 1 or 2 (per cent of scores recorded)") == (
        "50.0% 50.0% 50.0% 50.0% 50.0% 50.0%"
    )
    rows = list(csv.reader(io.StringIO(client.get("/overview/wellbeing.csv").get_data(as_text=True))))
    assert rows[1] == ["North", "1", "0", "0", "1", "0", "1"]


def test_exams_on_the_page_and_as_csv(client, academy):
    exam_objects(academy["ann"])
    sign_in(client, academy["admin"].email)
    response = client.get("/overview/")
    assert "In the period 1 entry was made for 1 learner, entered when ready whatever their age, and 0 results" in (
        text(response)
    )
    assert 'alt="Exam entries made in the period by age at entry. 13: 1."' in response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(client.get("/overview/exams.csv").get_data(as_text=True))))
    assert rows[1:] == [
        ["North", "1", "1", "0", "13: 1"],
        ["South", "0", "0", "0", ""],
        ["Academy", "1", "1", "0", "13: 1"],
    ]


def test_plan_reviews_on_the_page_and_the_learners_overdue(client, academy):
    plan = LearningPlanFactory(learner=academy["ben"], next_review_on=date(2027, 2, 20))
    PlanReviewFactory(plan_id=plan.id, held_on=date(2027, 1, 10), next_review_on=date(2027, 2, 1))
    PlanReviewFactory(plan_id=plan.id, held_on=date(2027, 2, 1), next_review_on=date(2027, 2, 20))
    LearningPlanFactory(learner=academy["ann"], next_review_on=date(2027, 5, 1))
    sign_in(client, academy["coordinator"].email)
    page = text(client.get("/overview/"))
    assert "2 plan reviews held in the period. Of the 1 that followed an earlier review" in page
    assert "1 was held by that day. 1 learner on roll has a review overdue today" in page
    response = client.get(f"/learners?locality={academy['north'].id}&review_overdue=yes")
    assert listed(response) == {"Ben"}
    rows = list(csv.reader(io.StringIO(client.get("/overview/reviews.csv").get_data(as_text=True))))
    assert rows[1] == ["North", "2", "1", "1", "100.0", "1"]


def test_money_on_the_page_and_as_csv(client, academy):
    source = ledger.funding_source()
    income_transfer(90_000)
    ledger.post(None, source, ledger.personal_account(academy["ann"]), 10_000, TransferKind.ALLOCATION, "B", "m:a")
    tuition = ledger.spending_account(SpendingCategory.TUITION)
    ledger.post(None, ledger.personal_account(academy["ann"]), tuition, 4_000, TransferKind.SPEND, "Tutor", "m:s")
    db.session.commit()
    sign_in(client, academy["admin"].email)
    response = client.get("/overview/")
    page = text(response)
    assert "the academy received £900.00 in income, and £100.00 was allocated" in page
    assert "£40.00 was spent from them. Their balances today: £0.00 in locality budgets and £60.00 in" in page
    assert "Spent from budgets in the period, by category. Tuition: £40;" in response.get_data(as_text=True)
    # £40 over three learners on roll: £13.33 each; North £20 (two), South £0 (one)
    assert row_of(response, "Spent from budgets per learner on roll") == "£13.33 £10.00 £0.00 £10.00 £20.00"
    rows = list(csv.reader(io.StringIO(client.get("/overview/money.csv").get_data(as_text=True))))
    assert rows[1][:3] == ["North", "10000", "4000"]
    assert rows[-1][0] == "Academy"


def test_the_cohort_counted_by_the_job_is_read_and_the_page_says_when(client, academy):
    sign_in(client, academy["admin"].email)
    live = client.get("/overview/")
    assert "Cohort figures (and the learners with no learning logged for 14 days) counted at" not in text(live)
    JOBS["overview-figures"].func()
    db.session.commit()
    counted = client.get("/overview/")
    assert "Cohort figures (and the learners with no learning logged for 14 days) counted at" in text(counted)
    # the same figures either way
    for name in ("North", "With an EHCP (per cent)", "Eligible for free school meals (per cent)"):
        assert row_of(counted, name) == row_of(live, name)
