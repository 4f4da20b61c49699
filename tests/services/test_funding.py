"""Funding years, census runs against hand-computed allocations, moving money, reversals, year-end, the overview,
the commands, and two admins recording the same census at once."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import empty_all_tables
from tests.factories import LearnerFactory, LocalityFactory, UserFactory, many_learners
from tests.services.test_reminder_queries import counting
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    AccountKind,
    AuditEvent,
    CensusDate,
    Enrolment,
    EnrolmentStatus,
    Role,
    SpendingCategory,
    SpendRequest,
    SpendStatus,
    Transfer,
    TransferKind,
    YearEndPolicy,
)
from virtualacademy.policies.relations import overseen_localities
from virtualacademy.services import funding, ledger

#: The small academy of the hand-worked example: base £6,000, 50% to the academy, core 10%, mentor 20%,
#: a coordinator grant of £3,000 and a personal budget of £300 a year.
SMALL = funding.YearSettings(
    base_rate_pence=600_000,
    academy_share_bp=5_000,
    core_topslice_bp=1_000,
    mentor_topslice_bp=2_000,
    coordinator_grant_pence=300_000,
    personal_budget_pence=30_000,
)
SEPT_2025 = date(2025, 9, 1)


@pytest.fixture
def admin(ctx):
    return UserFactory(roles=[Role.ADMIN], name="Ada Admin")


def small_academy(north: int = 3, south: int = 2, start: date = SEPT_2025):
    """Two localities, North with ``north`` learners and South with ``south``, enrolled from ``start``."""
    places = {"North": LocalityFactory(name="North"), "South": LocalityFactory(name="South")}
    learners = {
        "North": [LearnerFactory(locality=places["North"], enrolled=start) for _ in range(north)],
        "South": [LearnerFactory(locality=places["South"], enrolled=start) for _ in range(south)],
    }
    return places, learners


def balance(account) -> int:
    db.session.refresh(account)
    return account.balance_pence


def core():
    return ledger.central(AccountKind.CENTRAL_CORE)


def mentor():
    return ledger.central(AccountKind.CENTRAL_MENTOR)


def transfer_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Transfer))


def record(admin, year, key):
    return funding.record_census(admin, funding.census_of(year, key))


# --- funding years --------------------------------------------------------------------------------------


def test_census_dates_default_to_the_thursdays_of_the_funding_year():
    assert funding.default_census_dates(2026) == {
        "autumn": date(2026, 10, 1),  # first Thursday of October
        "spring": date(2027, 1, 21),  # third Thursday of January
        "summer": date(2027, 5, 20),  # third Thursday of May
    }
    assert funding.default_census_dates(2025) == {
        "autumn": date(2025, 10, 2),
        "spring": date(2026, 1, 15),
        "summer": date(2026, 5, 21),
    }


def test_a_census_is_due_on_its_day_and_after():
    autumn = date(2026, 10, 1)
    assert not funding.census_due(autumn, date(2026, 9, 30))
    assert funding.census_due(autumn, date(2026, 10, 1))
    assert funding.census_due(autumn, date(2026, 10, 2))


@pytest.mark.parametrize(
    ("typed", "bp"), [("50", 5000), ("12.5", 1250), ("7.77%", 777), (" 0 ", 0), ("100", 10000), ("0.01", 1)]
)
def test_percentages_become_basis_points(typed, bp):
    assert funding.parse_percent(typed) == bp


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "as a number"),
        ("half", "as a number"),
        ("NaN", "as a number"),
        ("-1", "cannot be negative"),
        ("100.01", "100% or less"),
        ("12.345", "at most two decimal places"),
        ("1E+2", "as a number"),
        ("1E+999999999", "as a number"),
        ("5_0", "as a number"),
        ("\u0665\u0660", "as a number"),
        ("9" * 5000, "100% or less"),
    ],
)
def test_bad_percentages_are_refused(typed, message):
    with pytest.raises(ValidationError, match=message):
        funding.parse_percent(typed)


def test_the_suggested_start_year_is_the_current_one_or_the_first_not_set_up(admin):
    assert funding.suggested_start_year(date(2026, 8, 31)) == 2025
    assert funding.suggested_start_year(date(2026, 9, 1)) == 2026
    funding.create_year(admin, 2026, SMALL)
    assert funding.suggested_start_year(date(2026, 11, 23)) == 2027


def test_a_year_is_created_with_its_census_dates_and_audited(admin):
    year = funding.create_year(admin, 2026, SMALL)
    assert year.label == "2026/27" and year.starts_on == date(2026, 9, 1) and year.ends_on == date(2027, 8, 31)
    assert [(c.key, c.on_date) for c in year.census_dates] == [
        ("autumn", date(2026, 10, 1)),
        ("spring", date(2027, 1, 21)),
        ("summer", date(2027, 5, 20)),
    ]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "funding.year_created"))
    assert event.actor_id == admin.id and event.detail["base_rate_pence"] == "600000"
    with pytest.raises(ValidationError, match="already a funding year 2026/27") as error:
        funding.create_year(admin, 2026, SMALL)
    assert error.value.field == "start_year"


@pytest.mark.parametrize(
    ("start", "changes", "field", "message"),
    [
        (1999, {}, "start_year", "from 2000 to 2100"),
        (2026, {"core_topslice_bp": 6000, "mentor_topslice_bp": 5000}, "mentor_topslice", "add up to 110%"),
        (2026, {"base_rate_pence": 10_000_001}, "base_rate", "too large"),
        (2026, {"personal_budget_pence": -1}, "personal_budget", "£0 or more"),
        (2026, {"coordinator_grant_pence": 1.5}, "coordinator_grant", "whole number of pence"),
        (2026, {"academy_share_bp": 10_001}, "academy_share", "from 0% to 100%"),
    ],
)
def test_bad_year_settings_are_refused(admin, start, changes, field, message):
    settings = funding.YearSettings(**{**SMALL.__dict__, **changes})
    with pytest.raises(ValidationError, match=message) as error:
        funding.create_year(admin, start, settings)
    assert error.value.field == field
    assert funding.years() == []


def test_rates_are_fixed_once_a_census_is_recorded_but_the_year_end_policy_is_not(admin):
    small_academy()
    year = funding.create_year(admin, 2025, SMALL)
    funding.update_year(admin, year, funding.YearSettings(**{**SMALL.__dict__, "personal_budget_pence": 36_000}))
    assert year.personal_budget_pence == 36_000
    record(admin, year, "autumn")
    with pytest.raises(ValidationError, match="rates cannot change") as error:
        funding.update_year(admin, year, SMALL)
    assert error.value.field == "personal_budget"
    funding.update_year(
        admin,
        year,
        funding.YearSettings(
            **{**SMALL.__dict__, "personal_budget_pence": 36_000, "year_end_policy": YearEndPolicy.RETURN_TO_CENTRAL}
        ),
    )
    assert year.year_end_policy is YearEndPolicy.RETURN_TO_CENTRAL
    changed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "funding.year_updated").order_by(AuditEvent.id)
    ).all()
    assert [e.detail.get("year_end_policy") for e in changed] == [None, ["carry_forward", "return_to_central"]]


def test_census_dates_can_move_inside_the_year_and_in_order_until_recorded(admin):
    small_academy()
    year = funding.create_year(admin, 2025, SMALL)
    spring = funding.census_of(year, "spring")
    funding.set_census_date(admin, spring, date(2026, 1, 22))
    assert spring.on_date == date(2026, 1, 22)
    with pytest.raises(ValidationError, match="in the funding year, from 1 September 2025 to 31 August 2026"):
        funding.set_census_date(admin, spring, date(2026, 9, 1))
    with pytest.raises(ValidationError, match="after the autumn census"):
        funding.set_census_date(admin, spring, date(2025, 10, 1))
    with pytest.raises(ValidationError, match="before the summer census"):
        funding.set_census_date(admin, spring, date(2026, 6, 1))
    autumn = funding.census_of(year, "autumn")
    record(admin, year, "autumn")
    with pytest.raises(NotAllowed, match="has been recorded"):
        funding.set_census_date(admin, autumn, date(2025, 10, 9))


# --- census runs -----------------------------------------------------------------------------------------------


def test_census_allocations_for_a_small_academy_match_the_hand_worked_example(admin):
    places, learners = small_academy(north=3, south=2)
    year = funding.create_year(admin, 2025, SMALL)
    autumn = funding.census_of(year, "autumn")

    result = funding.record_census(admin, autumn)

    # Worked by hand. 5 learners on roll on 2 October 2025.
    # Income: 5 x £6,000 x 50% / 3 = £5,000.00 = 500,000p.
    # Core keeps 10% = 50,000p; the mentor team gets 20% = 100,000p.
    # Coordinator grants: £3,000 / 3 = 100,000p to each of the 2 localities = 200,000p.
    # Personal budgets: £300 / 3 = 10,000p to each of the 5 learners = 50,000p.
    # Remainder: 500,000 - 50,000 - 100,000 - 200,000 - 50,000 = 100,000p, shared 3:2 = 60,000p and 40,000p.
    plan = result.plan
    assert (plan.learners, plan.income_pence, plan.core_pence, plan.mentor_pence) == (5, 500_000, 50_000, 100_000)
    assert (plan.grants_pence, plan.personal_pence, plan.remainder_pence) == (200_000, 50_000, 100_000)
    assert balance(ledger.funding_source()) == -500_000
    assert balance(core()) == 50_000
    assert balance(mentor()) == 100_000
    assert balance(ledger.locality_account(places["North"])) == 100_000 + 60_000
    assert balance(ledger.locality_account(places["South"])) == 100_000 + 40_000
    for learner in learners["North"] + learners["South"]:
        assert balance(ledger.personal_account(learner)) == 10_000
    # 1 income + 1 mentor + 2 grants + 2 shares + 5 personal budgets, all keyed by the census
    assert len(result.transfers) == transfer_count() == 11
    keys = {t.idempotency_key for t in result.transfers}
    assert f"census:{autumn.id}:income" in keys and f"census:{autumn.id}:share:{places['North'].id}" in keys
    assert all(t.year_id == year.id and t.created_by_id == admin.id for t in result.transfers)
    assert autumn.recorded_at is not None and autumn.recorded_by_id == admin.id
    summary = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "funding.census_recorded"))
    assert summary.detail["income_pence"] == 500_000 and summary.detail["learners"] == 5
    assert summary.detail["localities"][str(places["North"].id)] == {
        "learners": 3,
        "grant_pence": 100_000,
        "share_pence": 60_000,
        "personal_pence": 30_000,
    }
    per_transfer = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "funding.transfer")
    )
    assert per_transfer == 11
    assert ledger.verify().ok


def test_awkward_numbers_round_down_once_and_the_odd_pennies_are_all_allocated(admin):
    places = [LocalityFactory(name=name) for name in ("Avon", "Brook", "Cray")]
    for place, n in zip(places, (3, 2, 2), strict=True):
        for _ in range(n):
            LearnerFactory(locality=place, enrolled=SEPT_2025)
    settings = funding.YearSettings(
        base_rate_pence=100_001,  # £1,000.01
        academy_share_bp=3_333,  # 33.33%
        core_topslice_bp=1_250,  # 12.5%
        mentor_topslice_bp=777,  # 7.77%
        coordinator_grant_pence=10_001,  # £100.01
        personal_budget_pence=1_000,  # £10.00
    )
    year = funding.create_year(admin, 2025, settings)

    plan = record(admin, year, "summer").plan

    # Worked by hand, summer census, 7 learners (3, 2, 2):
    # income = floor(7 x 100,001 x 3,333 / 30,000) = floor(2,333,123,331 / 30,000) = floor(77,770.78) = 77,770p
    # core = floor(77,770 x 1,250 / 10,000) = floor(9,721.25) = 9,721p
    # mentor = floor(77,770 x 777 / 10,000) = floor(6,042.73) = 6,042p
    # grant: summer takes the odd pennies: 10,001 - 2 x 3,333 = 3,335p each, 10,005p for 3 localities
    # personal: 1,000 - 2 x 333 = 334p each, 2,338p for 7 learners
    # remainder = 77,770 - 9,721 - 6,042 - 10,005 - 2,338 = 49,664p
    # shares: 49,664 x 3/7 = 21,284 r4, x 2/7 = 14,189 r5 (twice): 49,662p, so 2 pennies go to the largest
    # fractions, Brook and Cray (5/7 each), not Avon (4/7) even though Avon's share is biggest.
    assert (plan.income_pence, plan.core_pence, plan.mentor_pence) == (77_770, 9_721, 6_042)
    assert (plan.grant_each_pence, plan.personal_each_pence, plan.remainder_pence) == (3_335, 334, 49_664)
    assert [(line.locality.name, line.share_pence) for line in plan.localities] == [
        ("Avon", 21_284),
        ("Brook", 14_190),
        ("Cray", 14_190),
    ]
    assert plan.allocated_pence == plan.income_pence == 77_770
    assert balance(core()) == 9_721
    assert [balance(ledger.locality_account(p)) for p in places] == [24_619, 17_525, 17_525]
    assert balance(ledger.funding_source()) == -77_770
    assert ledger.verify().ok


def test_the_thirds_of_a_year_add_up_to_the_yearly_amounts(admin):
    _places, learners = small_academy(north=1, south=0)
    settings = funding.YearSettings(
        **{**SMALL.__dict__, "coordinator_grant_pence": 10_001, "personal_budget_pence": 100}
    )
    year = funding.create_year(admin, 2025, settings)
    for key in ("autumn", "spring", "summer"):
        record(admin, year, key)
    # 3,333 + 3,333 + 3,335 = 10,001 and 33 + 33 + 34 = 100
    grants = db.session.scalars(select(Transfer.amount_pence).where(Transfer.idempotency_key.like("%:grant:%"))).all()
    assert sorted(grants) == [3_333, 3_333, 3_333, 3_333, 3_335, 3_335]  # North and South, three censuses
    assert balance(ledger.personal_account(learners["North"][0])) == 100
    assert ledger.verify().ok


def test_a_second_run_posts_nothing_and_says_so(admin):
    small_academy()
    year = funding.create_year(admin, 2025, SMALL)
    first = record(admin, year, "autumn")
    before = transfer_count()
    again = record(admin, year, "autumn")
    assert again.already_recorded and again.transfers == []
    assert "already recorded" in again.message and "nothing was posted" in again.message
    assert not first.already_recorded
    assert transfer_count() == before == 11
    assert funding.plan_census(funding.census_of(year, "autumn")).recorded


def test_a_learner_who_joins_mid_year_gets_their_budget_from_the_next_census(admin):
    places, learners = small_academy(north=3, south=2)
    year = funding.create_year(admin, 2025, SMALL)
    joiner = LearnerFactory(locality=places["North"], enrolled=date(2025, 11, 10))
    leaver = learners["South"][0]
    leaver.enrolments[0].end_date = date(2025, 12, 1)
    leaver.enrolments[0].status = EnrolmentStatus.WITHDRAWN
    db.session.flush()

    autumn = record(admin, year, "autumn")
    assert autumn.plan.learners == 5
    assert f"census:{autumn.plan.census.id}:personal:{joiner.id}" not in {t.idempotency_key for t in autumn.transfers}
    assert balance(ledger.personal_account(joiner)) == 0

    spring = record(admin, year, "spring").plan
    # On 15 January 2026 the joiner is in and the leaver out: North 4, South 1, 5 learners. Income 5 x £1,000 =
    # 500,000p; the remainder is as in the autumn, 100,000p, but shared 4:1 = 80,000p and 20,000p.
    assert spring.learners == 5
    assert [(line.locality.name, line.learners, line.share_pence) for line in spring.localities] == [
        ("North", 4, 80_000),
        ("South", 1, 20_000),
    ]
    assert balance(ledger.personal_account(joiner)) == 10_000  # from the spring census only
    assert balance(ledger.personal_account(leaver)) == 10_000  # from the autumn census only
    assert balance(ledger.personal_account(learners["North"][0])) == 20_000


def test_learners_are_counted_in_the_locality_of_their_enrolment_on_the_census_date(admin):
    places, learners = small_academy(north=1, south=1)
    mover = learners["North"][0]
    # moved to South on 1 December: still counted in North at the autumn census, in South at the spring one
    mover.enrolments[0].end_date = date(2025, 12, 1)
    mover.enrolments[0].status = EnrolmentStatus.WITHDRAWN
    mover.enrolments.append(
        Enrolment(locality_id=places["South"].id, status=EnrolmentStatus.ENROLLED, start_date=date(2025, 12, 1))
    )
    mover.locality = places["South"]
    db.session.flush()
    year = funding.create_year(admin, 2025, SMALL)
    autumn = funding.plan_census(funding.census_of(year, "autumn"))
    spring = funding.plan_census(funding.census_of(year, "spring"))
    assert [(line.locality.name, line.learners) for line in autumn.localities] == [("North", 1), ("South", 1)]
    assert [(line.locality.name, line.learners) for line in spring.localities] == [("North", 0), ("South", 2)]


def test_a_locality_with_no_learners_still_gets_its_coordinator_grant_but_no_share(admin):
    places, _learners = small_academy(north=5, south=0)
    year = funding.create_year(admin, 2025, SMALL)
    plan = record(admin, year, "autumn").plan
    # remainder: 500,000 - 50,000 - 100,000 - 200,000 - 50,000 = 100,000p, all to North
    assert [(line.locality.name, line.grant_pence, line.share_pence) for line in plan.localities] == [
        ("North", 100_000, 100_000),
        ("South", 100_000, 0),
    ]
    assert balance(ledger.locality_account(places["South"])) == 100_000


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no_rate", "No base rate is set for 2025/26"),
        ("future", "can be recorded on or after that day"),
        ("nobody", "No learners were on roll on 2 October 2025"),
    ],
)
def test_a_census_that_cannot_be_recorded_posts_nothing(admin, setup, message):
    if setup != "nobody":
        small_academy()
    settings = funding.YearSettings(**{**SMALL.__dict__, "base_rate_pence": 0}) if setup == "no_rate" else SMALL
    year = funding.create_year(admin, 2025, settings)
    autumn = funding.census_of(year, "autumn")
    on = date(2025, 10, 1) if setup == "future" else None
    assert message in funding.plan_census(autumn, on).problem
    with pytest.raises(ValidationError, match=message):
        funding.record_census(admin, autumn, on=on)
    assert transfer_count() == 0 and autumn.recorded_at is None


def test_a_census_is_refused_when_the_fixed_amounts_exceed_the_income(admin):
    places, _learners = small_academy(north=1, south=1)
    # 2 learners: income 2 x £600 x 50% / 3 = 20,000p; grants alone need 2 x 100,000p
    settings = funding.YearSettings(**{**SMALL.__dict__, "base_rate_pence": 60_000})
    year = funding.create_year(admin, 2025, settings)
    autumn = funding.census_of(year, "autumn")
    with pytest.raises(ValidationError, match="income of £200.00 .2 learners. is not enough") as error:
        funding.record_census(admin, autumn)
    # core 2,000 + mentor 4,000 + grants 200,000 + personal budgets 20,000 = 226,000p
    assert "need £2,260.00" in error.value.message
    assert transfer_count() == 0 and autumn.recorded_at is None
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("funding.c%"))) == 0
    )


def test_a_census_of_more_learners_than_one_statement_may_bind_counts_and_pays_every_one(admin):
    """At national size (over 65,535 learners on roll) the census once bound every learner's id into one IN list,
    which PostgreSQL refuses. 1,200 learners are more than the suite's parameter guard allows in one statement."""
    north, south = LocalityFactory(name="North"), LocalityFactory(name="South")
    ids = many_learners(north, 700, SEPT_2025) + many_learners(south, 500, SEPT_2025)
    LearnerFactory(locality=south, enrolled=date(2025, 10, 3))  # joins after the census: not counted
    year = funding.create_year(admin, 2025, SMALL)
    autumn = funding.census_of(year, "autumn")

    plan = funding.plan_census(autumn)
    assert plan.problem is None and plan.learners == 1_200
    assert [(line.locality.name, line.learners) for line in plan.localities] == [("North", 700), ("South", 500)]
    result = funding.record_census(admin, autumn)

    paid = db.session.scalars(
        select(Transfer.idempotency_key).where(Transfer.idempotency_key.like(f"census:{autumn.id}:personal:%"))
    ).all()
    assert sorted(int(key.rsplit(":", 1)[1]) for key in paid) == sorted(ids)
    # 1,200 learners x £6,000 x 50% / 3 = £1,200,000, less core 10% and mentor team 20%
    assert result.plan.income_pence == 120_000_000 and balance(mentor()) == 24_000_000
    assert len(result.transfers) == 1 + 1 + 2 + 2 + 1_200
    assert ledger.verify().ok


def test_a_census_is_recorded_in_the_same_number_of_statements_for_5_or_60_new_learners(admin):
    """However many learners are on roll, previewing and recording a census is the same handful of statements (it
    grows only with the localities): at national size there are over 100,000."""
    places, _learners = small_academy(north=3, south=2)
    year = funding.create_year(admin, 2025, SMALL)
    record(admin, year, "autumn")  # the central and locality accounts are made

    def statements(key: str, joining: int, on: date) -> int:
        many_learners(places["North"], joining, on)
        with counting() as sent:
            result = record(admin, year, key)
        assert not result.already_recorded
        return len(sent)

    spring = statements("spring", 5, date(2025, 12, 1))
    summer = statements("summer", 60, date(2026, 2, 1))
    assert spring == summer
    personal = select(func.count()).select_from(Transfer).where(Transfer.idempotency_key.like("%:personal:%"))
    assert db.session.scalar(personal) == 5 + 10 + 70


def test_a_census_bringing_more_than_one_transfer_may_move_posts_it_in_parts(admin):
    """The ledger moves at most £10,000,000 in one transfer (a guard against a mistyped amount); at national size
    a census brings in over £100 million. 400 learners at the highest rate bring £13,333,333.33."""
    north = LocalityFactory(name="North")
    many_learners(north, 400, SEPT_2025)
    settings = funding.YearSettings(
        **{**SMALL.__dict__, "base_rate_pence": 10_000_000, "academy_share_bp": 10_000, "personal_budget_pence": 0}
    )
    year = funding.create_year(admin, 2025, settings)
    autumn = funding.census_of(year, "autumn")

    plan = funding.plan_census(autumn)
    assert plan.problem is None and plan.income_pence == 1_333_333_333
    income = [p for p in plan.postings if p.kind is TransferKind.INCOME]
    assert [(p.key, p.amount_pence) for p in income] == [
        (f"census:{autumn.id}:income:part-1", 1_000_000_000),
        (f"census:{autumn.id}:income:part-2", 333_333_333),
    ]
    assert income[1].memo.endswith("(part 2 of 2)") and income[1].label.endswith("(part 2 of 2)")
    result = funding.record_census(admin, autumn)

    assert max(t.amount_pence for t in result.transfers) == ledger.MAX_TRANSFER_PENCE
    assert balance(ledger.funding_source()) == -1_333_333_333
    assert balance(core()) == 133_333_333  # its 10% top-slice, as always
    assert balance(mentor()) == 266_666_666
    assert ledger.verify().ok


def test_unknown_years_and_censuses_are_refused_by_name(admin):
    funding.create_year(admin, 2025, SMALL)
    with pytest.raises(ValidationError, match="no funding year 2030/31"):
        funding.find_census("2030", "autumn")
    with pytest.raises(ValidationError, match="like 2026"):
        funding.find_census("2025/27", "autumn")
    with pytest.raises(ValidationError, match="autumn, spring, summer"):
        funding.find_census("2025/26", "winter")
    assert funding.find_census("2025/26", "Spring").key == "spring"


def test_a_confirmation_of_a_preview_that_has_changed_is_refused(admin):
    places, _learners = small_academy()
    year = funding.create_year(admin, 2025, SMALL)
    autumn = funding.census_of(year, "autumn")
    shown = funding.plan_census(autumn).digest
    LearnerFactory(locality=places["South"], enrolled=SEPT_2025)  # enrolled (backdated) after the preview
    with pytest.raises(funding.StalePreview, match="changed since the preview"):
        funding.record_census(admin, autumn, expected_digest=shown)
    assert transfer_count() == 0
    fresh = funding.plan_census(autumn).digest
    assert funding.record_census(admin, autumn, expected_digest=fresh).plan.learners == 6


# --- moving money and reversals ---------------------------------------------------------------------------------


def test_admin_moves_money_once_per_form_with_a_reason(admin):
    places, _learners = small_academy()
    year = funding.create_year(admin, 2025, SMALL)
    record(admin, year, "autumn")
    token = funding.new_token()
    north = f"locality:{places['North'].id}"

    first = funding.move_money(admin, "central_core", north, 20_000, "Forest school kit", token, year)
    again = funding.move_money(admin, "central_core", north, 20_000, "Forest school kit", token, year)
    assert not first.already and again.already and again.transfer.id == first.transfer.id
    assert balance(core()) == 30_000 and balance(ledger.locality_account(places["North"])) == 180_000
    assert first.transfer.kind is TransferKind.MOVE and first.transfer.memo == "Forest school kit"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "funding.moved"))
    assert event.detail == {
        "year": "2025/26",
        "from": "central_core",
        "to": north,
        "amount_pence": 20_000,
        "reason": "Forest school kit",
    }
    with pytest.raises(ValidationError, match="already used to move different money"):
        funding.move_money(admin, "central_core", north, 25_000, "Forest school kit", token, year)
    assert ledger.verify().ok


@pytest.mark.parametrize(
    ("from_key", "to_key", "amount", "reason", "token", "field", "message"),
    [
        ("central_core", "central_core", 100, "x", None, "to_account", "two different accounts"),
        ("central_core", "personal:1", 100, "x", None, "to_account", "central account or a locality"),
        ("funding_source", "central_core", 100, "x", None, "from_account", "central account or a locality"),
        ("central_core", "central_mentor", 0, "x", None, "amount", "more than £0"),
        ("central_core", "central_mentor", -5, "x", None, "amount", "more than £0"),
        ("central_core", "central_mentor", 1_000_000_001, "x", None, "amount", "too large"),
        ("central_core", "central_mentor", 100, "  ", None, "reason", "reason"),
        ("central_core", "central_mentor", 60_000, "x", None, "amount", "has £500.00, not enough for £600.00"),
        ("central_core", "central_mentor", 100, "x", "not-a-token", None, "form had expired"),
    ],
)
def test_bad_moves_are_refused_and_move_nothing(admin, from_key, to_key, amount, reason, token, field, message):
    small_academy()
    year = funding.create_year(admin, 2025, SMALL)
    record(admin, year, "autumn")
    before = transfer_count()
    with pytest.raises(ValidationError, match=message) as error:
        funding.move_money(admin, from_key, to_key, amount, reason, token or funding.new_token(), year)
    assert error.value.field == field
    assert transfer_count() == before and balance(core()) == 50_000


def test_a_transfer_is_reversed_once_and_a_reversal_never(admin):
    places, learners = small_academy()
    year = funding.create_year(admin, 2025, SMALL)
    result = record(admin, year, "autumn")
    wrong = next(t for t in result.transfers if t.idempotency_key.endswith(f":personal:{learners['South'][0].id}"))

    reversal = funding.reverse_transfer(admin, wrong, "Enrolled in error")
    assert reversal.reverses_id == wrong.id and reversal.kind is TransferKind.REVERSAL
    assert reversal.year_id == year.id and "Enrolled in error" in reversal.memo
    assert balance(ledger.personal_account(learners["South"][0])) == 0 and balance(core()) == 60_000
    with pytest.raises(NotAllowed, match="already been reversed"):
        funding.reverse_transfer(admin, wrong, "again")
    with pytest.raises(NotAllowed, match="reversal cannot itself be reversed"):
        funding.reverse_transfer(admin, reversal, "undo the undo")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "funding.transfer_reversed"))
    assert event.object_id == str(wrong.id) and event.detail["reversal_id"] == reversal.id
    assert ledger.verify().ok


def test_reversals_that_would_overdraw_or_that_belong_to_a_spend_request_are_refused(admin):
    _places, learners = small_academy()
    year = funding.create_year(admin, 2025, SMALL)
    result = record(admin, year, "autumn")
    income = result.transfers[0]
    with pytest.raises(ledger.InsufficientFunds):  # core has passed most of the income on
        funding.reverse_transfer(admin, income, "Wrong year")
    learner = learners["North"][0]
    spend = ledger.post(
        admin,
        ledger.personal_account(learner),
        ledger.spending_account(SpendingCategory.TUITION),
        2_500,
        TransferKind.SPEND,
        "Maths lessons",
        "spend:test",
        year=year,
    )
    db.session.add(
        SpendRequest(
            learner_id=learner.id,
            what_for="Maths lessons",
            category=SpendingCategory.TUITION,
            amount_pence=2_500,
            supplier="Tutors Ltd",
            status=SpendStatus.APPROVED,
            transfer_id=spend.id,
        )
    )
    db.session.flush()
    with pytest.raises(NotAllowed, match="correct it from the spend request"):
        funding.reverse_transfer(admin, spend, "Refund")
    with pytest.raises(ValidationError, match="reason"):
        funding.reverse_transfer(admin, result.transfers[1], "  ")


# --- year-end ----------------------------------------------------------------------------------------------------


def full_year(admin, policy: YearEndPolicy):
    """2025/26 with the small academy, all three censuses recorded and £25 of tuition spent by one learner."""
    places, learners = small_academy()
    year = funding.create_year(admin, 2025, funding.YearSettings(**{**SMALL.__dict__, "year_end_policy": policy}))
    for key in funding.CENSUS_KEYS:
        record(admin, year, key)
    ledger.post(
        admin,
        ledger.personal_account(learners["North"][0]),
        ledger.spending_account(SpendingCategory.TUITION),
        2_500,
        TransferKind.SPEND,
        "Maths lessons",
        "spend:full-year",
        year=year,
    )
    # Three censuses as in the hand-worked example: core 3 x 50,000, mentor 3 x 100,000, North 3 x 160,000,
    # South 3 x 140,000, each learner 3 x 10,000 (one has spent 2,500).
    return year, places, learners


def test_year_end_carry_forward_moves_nothing_and_closes_the_year(admin):
    year, places, learners = full_year(admin, YearEndPolicy.CARRY_FORWARD)
    before = transfer_count()
    plan = funding.plan_year_end(year)
    assert plan.can_close and not plan.returns
    assert (plan.locality_pence, plan.personal_pence) == (480_000 + 420_000, 5 * 30_000 - 2_500)

    result = funding.close_year(admin, year, expected_digest=plan.digest)

    assert result.transfers == [] and transfer_count() == before
    assert year.closed_at is not None and "carried forward" in result.message
    assert balance(ledger.locality_account(places["North"])) == 480_000
    assert balance(ledger.personal_account(learners["North"][0])) == 27_500
    again = funding.close_year(admin, year)
    assert again.already_closed and "already closed" in again.message
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "funding.year_closed"))
    assert event.detail["policy"] == "carry_forward" and event.detail["personal_pence"] == 147_500
    # A closed year takes no more census income, moves, reversals or setting changes.
    with pytest.raises(ValidationError, match="2025/26 is closed"):
        funding.move_money(admin, "central_core", "central_mentor", 100, "x", funding.new_token(), year)
    with pytest.raises(NotAllowed, match="2025/26 is closed"):
        funding.reverse_transfer(admin, db.session.scalars(select(Transfer)).first(), "x")
    with pytest.raises(NotAllowed, match="2025/26 is closed"):
        funding.update_year(admin, year, SMALL)
    assert ledger.verify().ok


def test_year_end_return_sends_unspent_personal_and_locality_money_back_to_core(admin):
    year, places, learners = full_year(admin, YearEndPolicy.RETURN_TO_CENTRAL)
    result = funding.close_year(admin, year)
    # 2 localities + 5 personal budgets, each with money left
    assert len(result.transfers) == 7 and all(t.kind is TransferKind.RETURN for t in result.transfers)
    assert balance(ledger.locality_account(places["North"])) == 0
    assert balance(ledger.locality_account(places["South"])) == 0
    assert all(balance(ledger.personal_account(lr)) == 0 for lr in learners["North"] + learners["South"])
    # core: its own 150,000 + 900,000 from localities + 147,500 from personal budgets
    assert balance(core()) == 150_000 + 900_000 + 147_500
    assert balance(mentor()) == 300_000  # central accounts are not touched
    assert "returned to core provision in 7 transfers" in result.message
    assert funding.close_year(admin, year).already_closed
    assert transfer_count() == 3 * 11 + 1 + 7
    assert ledger.verify().ok


def spend_now(learner, pence: int, key: str):
    """Pay from a learner's budget today (after 31 August 2026), tagged by the ledger with today's year."""
    return ledger.post(
        None,
        ledger.personal_account(learner),
        ledger.spending_account(SpendingCategory.RESOURCES),
        pence,
        TransferKind.SPEND,
        "Books",
        key,
    )


def test_year_end_returns_the_balances_as_at_31_august_never_the_next_years_money(admin):
    year, places, learners = full_year(admin, YearEndPolicy.RETURN_TO_CENTRAL)
    north, south = learners["North"], learners["South"]

    def lines():
        return {line.account.id: line.balance_pence for line in funding.plan_year_end(year).lines}

    def personal(learner):
        return ledger.personal_account(learner).id

    # 1. Spent after 31 August (before the next year is even set up, so the payment carries no year and counts
    #    by its date): 30,000 at the end of the year, 8,000 spent since, 22,000 left: only 22,000 can go back.
    spend_now(south[0], 8_000, "after:south0")
    assert lines()[personal(south[0])] == 22_000

    # 2. The next year's autumn census adds 10,000 to every personal budget (tagged 2026/27): not returned.
    following = funding.create_year(admin, 2026, SMALL)
    record(admin, following, "autumn")
    assert balance(ledger.personal_account(north[1])) == 40_000
    assert lines()[personal(north[1])] == 30_000
    assert lines()[personal(south[0])] == 30_000  # 22,000 + 10,000 now held: all 30,000 of 31 August
    north_budget = ledger.locality_account(places["North"])
    assert balance(north_budget) > 480_000 and lines()[north_budget.id] == 480_000

    # 3. Both: 30,000 on 31 August, 10,000 in and 35,000 spent since: 5,000 left, so 5,000 goes back.
    spend_now(north[2], 35_000, "after:north2")
    assert lines()[personal(north[2])] == 5_000
    # and the learner who had spent 2,500 in the year: 27,500 on 31 August, 10,000 in and 5,000 out since
    spend_now(north[0], 5_000, "after:north0")
    assert lines()[personal(north[0])] == 27_500

    plan = funding.plan_year_end(year)
    expected_personal = 27_500 + 30_000 + 5_000 + 30_000 + 30_000  # North 0, 1, 2, South 0, 1
    assert plan.personal_pence == expected_personal
    assert plan.locality_pence == 480_000 + 420_000

    result = funding.close_year(admin, year, expected_digest=plan.digest)

    assert sum(t.amount_pence for t in result.transfers) == expected_personal + 900_000
    # what is left is exactly the new year's money, less what was spent since
    assert balance(ledger.personal_account(north[0])) == 10_000 - 5_000
    assert balance(ledger.personal_account(north[1])) == 10_000
    assert balance(ledger.personal_account(north[2])) == 0
    assert balance(ledger.personal_account(south[0])) == 2_000
    new_year = funding.overview(following)
    assert balance(north_budget) == next(
        h.received_pence for h in new_year.holders if h.key == f"locality:{places['North'].id}"
    )
    assert ledger.verify().ok


def test_a_year_cannot_close_before_it_ends_or_with_a_census_unrecorded(admin):
    small_academy()
    year = funding.create_year(admin, 2025, SMALL)
    record(admin, year, "autumn")
    with pytest.raises(ValidationError, match="runs until 31 August 2026"):
        funding.close_year(admin, year, on=date(2026, 8, 31))
    with pytest.raises(ValidationError, match="Record the spring and summer censuses"):
        funding.close_year(admin, year, on=date(2026, 9, 1))
    assert year.closed_at is None


# --- the overview ------------------------------------------------------------------------------------------------


def test_the_overview_reconciles_with_the_balances(admin):
    year, places, learners = full_year(admin, YearEndPolicy.CARRY_FORWARD)
    funding.move_money(
        admin, "central_core", f"locality:{places['South'].id}", 5_000, "Hall hire", funding.new_token(), year
    )
    ledger.post(
        admin,
        ledger.locality_account(places["South"]),
        ledger.spending_account(SpendingCategory.EVENTS),
        12_000,
        TransferKind.SPEND,
        "Museum trip",
        "spend:museum",
        year=year,
    )
    reversed_allocation = db.session.scalar(
        select(Transfer).where(Transfer.idempotency_key.like(f"%:personal:{learners['South'][1].id}")).limit(1)
    )
    funding.reverse_transfer(admin, reversed_allocation, "Posted in error")

    data = funding.overview(year)

    by_key = {h.key: h for h in data.holders}
    assert data.income_pence == 1_500_000
    assert data.total("spent_pence") == 2_500 + 12_000
    assert (
        data.total("balance_pence")
        == 1_500_000 - 14_500
        == data.total("received_pence") - data.total("paid_out_pence") - data.total("spent_pence")
    )
    assert data.reconciles
    # each holder's balance is its accounts' balance
    assert by_key["central_core"].balance_pence == balance(core()) == 150_000 - 5_000 + 10_000
    assert by_key["central_mentor"].balance_pence == balance(mentor()) == 300_000
    south = by_key[f"locality:{places['South'].id}"]
    assert (south.received_pence, south.spent_pence, south.balance_pence) == (425_000, 12_000, 413_000)
    assert south.balance_pence == balance(ledger.locality_account(places["South"]))
    south_personal = by_key[f"personal:{places['South'].id}"]
    assert south_personal.received_pence == 60_000 - 10_000  # the reversed allocation nets out
    assert south_personal.balance_pence == sum(balance(ledger.personal_account(lr)) for lr in learners["South"])
    assert data.spending == {
        "North": {SpendingCategory.TUITION: 2_500},
        "South": {SpendingCategory.EVENTS: 12_000},
    }
    assert [(line.income_pence, line.core_pence, line.shares_pence) for line in data.censuses] == [
        (500_000, 50_000, 100_000)
    ] * 3
    assert sum(line.income_pence for line in data.censuses) == data.income_pence
    assert ledger.verify().ok

    # a coordinator sees their own locality's figures only
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    from virtualacademy.services import localities

    localities.set_staff(admin, places["North"], [coordinator.id], [])
    mine = funding.overview(year, overseen_localities(coordinator))
    assert {h.key for h in mine.holders} == {f"locality:{places['North'].id}", f"personal:{places['North'].id}"}
    assert list(mine.spending) == ["North"] and mine.censuses == []


def test_the_next_year_brings_forward_what_was_carried(admin):
    year, _places, _learners = full_year(admin, YearEndPolicy.CARRY_FORWARD)
    funding.close_year(admin, year)
    following = funding.create_year(admin, 2026, SMALL)
    data = funding.overview(following)
    assert data.total("brought_forward_pence") == 1_500_000 - 2_500
    assert data.income_pence == 0 and data.total("balance_pence") == 1_497_500 and data.reconciles
    earlier = funding.overview(year)
    assert earlier.total("brought_forward_pence") == 0 and earlier.total("balance_pence") == 1_497_500


# --- the commands and the demo --------------------------------------------------------------------------------


def test_census_and_year_end_commands(runner, ctx, admin):
    small_academy()
    funding.create_year(
        admin, 2025, funding.YearSettings(**{**SMALL.__dict__, "year_end_policy": YearEndPolicy.RETURN_TO_CENTRAL})
    )
    ctx.commit()

    preview = runner.invoke(args=["funding", "census", "2025", "autumn", "--preview"])
    assert preview.exit_code == 0, preview.output
    assert "5 learners on roll, income £5,000.00" in preview.output
    assert "North: 3 learners, grant £1,000.00, share £600.00, learning budgets £300.00" in preview.output
    assert "nothing was posted" in preview.output and transfer_count() == 0

    posted = runner.invoke(args=["funding", "census", "2025/26", "autumn"])
    assert posted.exit_code == 0, posted.output
    assert "Autumn census 2025/26 recorded: £5,000.00 income for 5 learners, in 11 transfers." in posted.output
    again = runner.invoke(args=["funding", "census", "2025", "autumn"])
    assert again.exit_code == 0 and "already recorded" in again.output and transfer_count() == 11

    missing = runner.invoke(args=["funding", "census", "2031", "autumn"])
    assert missing.exit_code != 0 and "no funding year 2031/32" in missing.output

    early = runner.invoke(args=["funding", "year-end", "2025"])
    assert early.exit_code != 0 and "Record the spring and summer censuses" in early.output
    for key in ("spring", "summer"):
        assert runner.invoke(args=["funding", "census", "2025", key]).exit_code == 0
    preview_end = runner.invoke(args=["funding", "year-end", "2025", "--preview"])
    assert "£1,500.00 in learning budgets and £9,000.00 in locality budgets to return" in preview_end.output
    closed = runner.invoke(args=["funding", "year-end", "2025"])
    assert closed.exit_code == 0 and "returned to core provision in 7 transfers" in closed.output
    assert "already closed" in runner.invoke(args=["funding", "year-end", "2025"]).output
    assert runner.invoke(args=["funding", "verify"]).exit_code == 0


def test_the_demo_records_the_autumn_census(runner, ctx):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    year = funding.year_starting(2026)
    assert funding.census_of(year, "autumn").recorded_at is not None
    data = funding.overview(year)
    assert data.income_pence > 0 and data.reconciles and ledger.verify().ok


# --- two admins at once -------------------------------------------------------------------------------------------


def test_two_admins_recording_the_same_census_at_once_post_it_once(app, committed_db):
    with app.app_context():
        admin = UserFactory(roles=[Role.ADMIN])
        small_academy()
        year = funding.create_year(admin, 2025, SMALL)
        db.session.commit()
        admin_id, census_id = admin.id, funding.census_of(year, "autumn").id
        db.session.remove()

    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(2)

    def run():
        with app.app_context():
            from virtualacademy.models import User

            start.wait()
            try:
                result = funding.record_census(db.session.get(User, admin_id), db.session.get(CensusDate, census_id))
                db.session.commit()
                outcome = "already" if result.already_recorded else f"posted {len(result.transfers)}"
            except Exception as exc:  # noqa: BLE001 - any failure is reported by the assertion below
                db.session.rollback()
                outcome = f"error: {type(exc).__name__}: {exc}"
            with lock:
                outcomes.append(outcome)
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        with app.app_context():
            assert sorted(outcomes) == ["already", "posted 11"]
            assert transfer_count() == 11
            assert balance(ledger.funding_source()) == -500_000
            assert ledger.verify().ok, ledger.verify().problems
    finally:
        with app.app_context():
            db.session.remove()
            empty_all_tables()
