"""The academy overview's figures (services/overview), each checked against a small academy built by hand: who is
on roll when, who joined and left and why, the cohort's profile, and attendance in learning. The clock is frozen
at Tuesday 2 March 2027."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests import community_world as cw
from tests.exams_objects import exam_objects, exam_setting
from tests.factories import (
    LearnerFactory,
    LearningPlanFactory,
    LogEntryFactory,
    PlanReviewFactory,
    SubjectAreaFactory,
    UserFactory,
    income_transfer,
)
from tests.overview_world import TODAY, small_academy
from virtualacademy import clock
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    AttendanceMark,
    CheckIn,
    ContactMethod,
    ContactWith,
    EntryState,
    ExamEntry,
    OpportunityKind,
    Role,
    SupportLevel,
    TransferKind,
)
from virtualacademy.models.families import EheReason, SendStatus
from virtualacademy.models.funding import SpendingCategory
from virtualacademy.services import ledger, mentoring
from virtualacademy.services.community import bookings, opportunities, registers
from virtualacademy.services.learning_log import refresh_last_logged
from virtualacademy.services.overview import tables
from virtualacademy.services.overview.attendance import attendance
from virtualacademy.services.overview.cohort import cohort, secondary_born_by
from virtualacademy.services.overview.common import Period, Spread
from virtualacademy.services.overview.community import community
from virtualacademy.services.overview.contact import contact, every_mentor, mentor_page
from virtualacademy.services.overview.exams import exams
from virtualacademy.services.overview.lists import LearnerFilter
from virtualacademy.services.overview.money import money
from virtualacademy.services.overview.page import overview
from virtualacademy.services.overview.reviews import reviews
from virtualacademy.services.overview.roll import roll
from virtualacademy.services.overview.wellbeing import wellbeing

PERIOD = Period(date(2027, 1, 1), TODAY)


@pytest.fixture
def academy(db_session):
    return small_academy()


def test_a_period_is_cut_into_months_ending_on_its_last_day():
    assert PERIOD.month_ends() == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 2)]
    assert PERIOD.months()[1] == (date(2027, 2, 1), date(2027, 2, 28))
    assert Period(date(2026, 12, 15), date(2027, 1, 3)).month_ends() == [date(2026, 12, 31), date(2027, 1, 3)]


def test_a_period_that_ends_before_it_starts_or_is_too_long_is_refused():
    with pytest.raises(ValidationError, match="on or after its start"):
        Period(date(2027, 3, 1), date(2027, 2, 1))
    with pytest.raises(ValidationError, match="three years or less"):
        Period(date(2020, 1, 1), date(2027, 1, 1))


def test_roll_each_month_end_with_joiners_leavers_and_reasons(academy):
    figures = roll(PERIOD)
    north, south = academy["north"].id, academy["south"].id
    # North: Ann all along, Cat until 15 Jan (on roll up to the day before she left), Ben from 10 Feb
    assert figures.on_roll[north] == [1, 2, 2]
    # South: Eve all along, Dan from 20 Jan to 3 Feb
    assert figures.on_roll[south] == [2, 1, 1]
    assert figures.total(figures.on_roll) == [3, 3, 3]
    assert figures.joiners[north] == [0, 1, 0]
    assert figures.joiners[south] == [1, 0, 0]
    assert figures.leavers[north] == [1, 0, 0]
    assert figures.leavers[south] == [0, 1, 0]
    assert figures.total(figures.leavers, [south]) == [0, 1, 0]
    reasons = dict(figures.reasons_total())
    assert reasons["Returned to school"] == 1
    assert reasons["Moved out of area"] == 1
    assert sum(reasons.values()) == 2
    assert dict(figures.reasons_total([north]))["Moved out of area"] == 0


def test_cohort_profile_per_locality_on_a_day(academy):
    figures = cohort(TODAY)
    north = figures.by_locality[academy["north"].id]
    south = figures.by_locality[academy["south"].id]
    assert north.on_roll == 2  # Ann and Ben (Cat has left)
    assert north.send[SendStatus.EHCP] == 1
    assert north.send[SendStatus.NONE] == 1
    # Ann (born May 2013) was 13 on 31 August 2026: secondary; Ben (2017) primary
    assert north.fsm == {"primary": [0, 1], "secondary": [1, 1]}
    assert south.on_roll == 1  # Eve; Fay has only applied
    assert south.reasons[EheReason.HEALTH] == 1
    assert south.send[SendStatus.SEN_SUPPORT] == 1
    assert south.fsm == {"primary": [0, 1], "secondary": [0, 0]}
    total = figures.total()
    assert total.on_roll == 3
    assert total.reasons[EheReason.PHILOSOPHICAL] == 2
    assert total.fsm_eligible == 1
    assert figures.total([academy["south"].id]).on_roll == 1


def test_the_phase_boundary_is_eleven_on_the_31_august_before_the_year():
    assert secondary_born_by(TODAY) == date(2015, 8, 31)
    assert secondary_born_by(date(2027, 9, 1)) == date(2016, 8, 31)


def test_attendance_per_learner_per_week_and_learners_without_learning(academy):
    humanities = SubjectAreaFactory(name="Humanities")
    ann, ben, eve = academy["ann"], academy["ben"], academy["eve"]
    # Ann: two days in the period (one with two entries), and one before it
    LogEntryFactory(learner=ann, on_date=date(2027, 2, 1), minutes=60, subjects=[humanities])
    LogEntryFactory(learner=ann, on_date=date(2027, 2, 1), minutes=30, subjects=[humanities])
    LogEntryFactory(learner=ann, on_date=date(2027, 2, 20), minutes=90, subjects=[humanities])
    LogEntryFactory(learner=ann, on_date=date(2026, 12, 20), minutes=600, subjects=[humanities])
    # Ben joined 10 Feb and logged yesterday; Eve last logged 16 Feb (exactly 14 days ago: a gap)
    LogEntryFactory(learner=ben, on_date=date(2027, 3, 1), minutes=120, subjects=[humanities])
    LogEntryFactory(learner=eve, on_date=date(2027, 2, 16), minutes=60, subjects=[humanities])
    refresh_last_logged()
    db.session.commit()
    figures = attendance(PERIOD, TODAY)
    north = figures.by_locality[academy["north"].id]
    south = figures.by_locality[academy["south"].id]
    assert (north.on_roll, north.learning_days, north.minutes, north.without_learning) == (2, 3, 300, 0)
    assert (south.on_roll, south.learning_days, south.minutes, south.without_learning) == (1, 1, 60, 1)
    weeks = PERIOD.weeks  # 61 days
    assert north.per_learner_week(weeks) == (round(3 / 2 / weeks, 1), round(5 / 2 / weeks, 1))
    total = figures.total()
    assert (total.on_roll, total.learning_days, total.minutes, total.without_learning) == (3, 4, 360, 1)


def test_the_spread_across_localities():
    spread = Spread.of([10, 30, None, 20, 100], academy=40)
    assert (spread.academy, spread.average, spread.lowest, spread.middle, spread.highest) == (40, 40, 10, 25, 100)
    assert spread.localities == 4
    assert Spread.of([None], academy=None).average is None


def check_in(learner, at: datetime, wellbeing: int | None) -> None:
    db.session.add(
        CheckIn(
            learner_id=learner.id,
            occurred_at=at,
            method=ContactMethod.PHONE,
            with_whom=ContactWith.BOTH,
            contact_made=True,
            wellbeing=wellbeing,
        )
    )


def test_wellbeing_scores_in_the_period_and_learners_whose_wellbeing_fell(academy):
    ann, ben, eve = academy["ann"], academy["ben"], academy["eve"]
    # Ann: 4 in December, then 2 in February: fell
    check_in(ann, datetime(2026, 12, 10, 10, tzinfo=UTC), 4)
    check_in(ann, datetime(2027, 2, 10, 10, tzinfo=UTC), 2)
    # Ben: 3 then 5: rose; a check-in without a score does not count
    check_in(ben, datetime(2027, 2, 12, 10, tzinfo=UTC), 3)
    check_in(ben, datetime(2027, 2, 20, 10, tzinfo=UTC), 5)
    check_in(ben, datetime(2027, 2, 25, 10, tzinfo=UTC), None)
    # Eve: 5 on 31 December at 23:30 London time (in the period? no: London's 31 December), then 4 on 1 January
    # at 00:30 London time: fell, and only the second is in the period
    check_in(eve, datetime(2026, 12, 31, 23, 30, tzinfo=UTC), 5)
    check_in(eve, datetime(2027, 1, 1, 0, 30, tzinfo=UTC), 4)
    db.session.commit()
    figures = wellbeing(PERIOD)
    north = figures.by_locality[academy["north"].id]
    south = figures.by_locality[academy["south"].id]
    assert north.scores == {1: 0, 2: 1, 3: 1, 4: 0, 5: 1}
    assert (north.recorded, north.low, north.fell) == (3, 1, 1)
    assert south.scores == {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}
    assert south.fell == 1
    assert figures.total().fell == 2
    assert figures.total().recorded == 4
    # in January alone Ann's latest score (December's 4) is not in the period: she is not counted as falling
    assert wellbeing(Period(date(2027, 1, 1), date(2027, 1, 31))).total().fell == 1


def test_exam_entries_learners_ages_and_results_per_locality(academy):
    setting = exam_setting()
    ann_ids = exam_objects(academy["ann"], setting=setting, candidate_number="0001")
    exam_objects(academy["ann"], setting=setting, candidate_number="0002")
    eve_ids = exam_objects(academy["eve"], setting=setting, candidate_number="0003")
    # Eve's entry is withdrawn: it counts nowhere; Ann's first has its result
    eve_entry = db.session.get(ExamEntry, eve_ids["exam_entry"])
    eve_entry.state = EntryState.WITHDRAWN
    ann_entry = db.session.get(ExamEntry, ann_ids["exam_entry"])
    ann_entry.state, ann_entry.grade, ann_entry.result_on = EntryState.RESULT_RECORDED, "7", TODAY
    db.session.commit()
    figures = exams(PERIOD)
    north = figures.by_locality[academy["north"].id]
    assert (north.entries, north.learners, north.results) == (2, 1, 1)
    assert academy["south"].id not in figures.by_locality
    # Ann, born 1 May 2013, was 13 on the day of entry
    assert figures.ages() == [("13", 2)]
    assert exams(Period(date(2027, 1, 1), date(2027, 2, 28))).total().entries == 0


def test_plan_reviews_on_time_and_overdue(academy):
    ann_plan = LearningPlanFactory(learner=academy["ann"], next_review_on=date(2027, 4, 1))
    ben_plan = LearningPlanFactory(learner=academy["ben"], next_review_on=date(2027, 2, 20))
    eve_plan = LearningPlanFactory(learner=academy["eve"], next_review_on=date(2027, 3, 2))
    # Ann: reviewed in November (next due 11 January), then on 11 January (on time), then 20 February (due 1 Feb:
    # late); Ben's first review (no due day kept) in February; Eve's in December only (before the period)
    PlanReviewFactory(plan_id=ann_plan.id, held_on=date(2026, 11, 30), next_review_on=date(2027, 1, 11))
    PlanReviewFactory(plan_id=ann_plan.id, held_on=date(2027, 1, 11), next_review_on=date(2027, 2, 1))
    PlanReviewFactory(plan_id=ann_plan.id, held_on=date(2027, 2, 20), next_review_on=date(2027, 4, 1))
    PlanReviewFactory(plan_id=ben_plan.id, held_on=date(2027, 2, 1), next_review_on=date(2027, 2, 20))
    PlanReviewFactory(plan_id=eve_plan.id, held_on=date(2026, 12, 1), next_review_on=date(2027, 3, 2))
    db.session.commit()
    figures = reviews(PERIOD, TODAY)
    north = figures.by_locality[academy["north"].id]
    assert (north.held, north.with_due_date, north.on_time) == (3, 2, 1)
    # Ben's next review (20 February) has passed; Ann's (1 April) has not; Eve's is today: not yet overdue
    assert north.overdue == 1
    assert academy["south"].id not in figures.by_locality


def test_money_allocated_spent_by_category_and_balances_per_locality(academy, travel):
    admin = UserFactory(roles=[Role.ADMIN])
    north = academy["north"]
    source = ledger.funding_source()
    income_transfer(500_000)
    now = clock.now()
    travel(datetime(2026, 12, 1, 12, tzinfo=UTC))
    income_transfer(100_000)  # before the period
    travel(now)
    ledger.post(None, source, ledger.locality_account(north), 20_000, TransferKind.ALLOCATION, "Budget", "o:loc")
    ledger.post(None, source, ledger.personal_account(academy["ann"]), 10_000, TransferKind.ALLOCATION, "B", "o:a")
    wrong = ledger.post(
        None, source, ledger.personal_account(academy["ben"]), 3_000, TransferKind.ALLOCATION, "B", "o:b"
    )
    ledger.reverse(admin, wrong, "Posted to the wrong learner")
    tuition = ledger.spending_account(SpendingCategory.TUITION)
    events_spend = ledger.spending_account(SpendingCategory.EVENTS)
    ledger.post(None, ledger.personal_account(academy["ann"]), tuition, 4_000, TransferKind.SPEND, "Tutor", "o:s1")
    trip = ledger.post(None, ledger.locality_account(north), events_spend, 1_500, TransferKind.SPEND, "Trip", "o:s2")
    ledger.reverse(admin, trip, "Trip cancelled")
    ledger.post(None, ledger.locality_account(north), events_spend, 2_500, TransferKind.SPEND, "Museum", "o:s3")
    ledger.post(None, source, ledger.personal_account(academy["eve"]), 7_000, TransferKind.ALLOCATION, "B", "o:e")
    db.session.commit()
    figures = money(PERIOD)
    assert figures.income == 500_000
    mine = figures.by_locality[north.id]
    assert mine.allocated == 30_000
    assert mine.spent[SpendingCategory.TUITION] == 4_000
    assert mine.spent[SpendingCategory.EVENTS] == 2_500
    assert mine.spent_total == 6_500
    assert (mine.locality_balance, mine.personal_balances) == (17_500, 6_000)
    south = figures.by_locality[academy["south"].id]
    assert (south.allocated, south.spent_total, south.personal_balances) == (7_000, 0, 7_000)
    assert figures.total().allocated == 37_000


def test_community_reach_attendances_and_placements_per_learners_locality(db_session, travel):
    world = cw.build(families=3)
    event = cw.published_event(world, capacity=4)
    first, second, third = (bookings.book(f.guardian, event, learner=f.children[0]) for f in world.families)
    travel(event.starts_at + timedelta(hours=1))
    marks = {first.id: AttendanceMark.PRESENT, second.id: AttendanceMark.LATE, third.id: AttendanceMark.ABSENT}
    registers.take_register(world.coordinator, event, marks)
    opportunity = opportunities.save_opportunity(
        world.coordinator,
        None,
        opportunities.OpportunityInput(
            title="Animal care",
            kind=OpportunityKind.INTERNSHIP,
            host_organisation="Bentley City Farm",
            contact_name="Jo Fields",
            interests="animals",
            locality_id=world.locality.id,
            host_checked_on=clock.today() - timedelta(days=30),
            places=2,
            time_commitment="Tuesday mornings",
        ),
    )
    family = world.family(2)
    placement = opportunities.express_interest(family.guardian, opportunity, family.children[0], "Loves goats")
    opportunities.approve(world.coordinator, placement)
    waiting = world.family(1)
    opportunities.express_interest(waiting.guardian, opportunity, waiting.children[0], "Me too")
    db.session.commit()
    day = clock.today()
    figures = community(Period(day - timedelta(days=30), day))
    north = figures.by_locality[world.locality.id]
    # two learners came (present, late); the absent one is not reached; one placement approved, one only asked for
    assert (north.learners_attended, north.attendances, north.placements) == (2, 2, 1)
    # an event after the period is not counted
    assert community(Period(day - timedelta(days=60), day - timedelta(days=31))).total().attendances == 0


# --- contact ------------------------------------------------------------------------------------------------


def contact_made(learner, on: date, made: bool = True) -> None:
    """A check-in at 10:00 London time on ``on`` (GMT in winter, so 10:00 UTC)."""
    db.session.add(
        CheckIn(
            learner_id=learner.id,
            occurred_at=datetime(on.year, on.month, on.day, 10, tzinfo=UTC),
            method=ContactMethod.PHONE,
            with_whom=ContactWith.BOTH,
            contact_made=made,
        )
    )
    db.session.flush()


def contact_academy(academy):
    """Mo mentors Ann from 4 January (weekly) and Ben from 25 February; Zed mentors Eve from 20 February, every
    3 days."""
    admin = UserFactory(roles=[Role.ADMIN])
    mo = UserFactory(name="Mo Mentor", roles=[Role.MENTOR])
    zed = UserFactory(name="Zed Mentor", roles=[Role.MENTOR])
    ann, ben, eve = academy["ann"], academy["ben"], academy["eve"]
    contact_made(ann, date(2026, 12, 20))  # before she had a mentor: not counted
    mentoring.assign(admin, ann, mo, date(2027, 1, 4))
    contact_made(ann, date(2027, 1, 4))  # due the day Mo started: on time
    contact_made(ann, date(2027, 1, 15))  # due 11 January: 4 days late
    contact_made(ann, date(2027, 1, 20))  # due 22 January: on time
    contact_made(ann, date(2027, 1, 30), made=False)  # an attempt: not a check-in
    mentoring.assign(admin, ben, mo, date(2027, 2, 25))  # no contact yet: due 25 February
    mentoring.assign(admin, eve, zed, date(2027, 2, 20))
    mentoring.set_support(admin, eve, SupportLevel.ENHANCED, 3)
    contact_made(eve, date(2027, 2, 20))  # on time
    contact_made(eve, date(2027, 2, 25))  # due 23 February: 2 days late
    contact_made(eve, date(2027, 3, 1))  # due 28 February: 1 day late; next due 4 March
    LearnerFactory(locality=academy["south"], legal_name="Gus")  # on roll, no mentor, no contact ever
    db.session.commit()
    return mo, zed


def test_contact_on_time_overdue_and_without_contact_per_locality(academy):
    contact_academy(academy)
    ann, ben, eve = academy["ann"], academy["ben"], academy["eve"]
    assert (ann.last_contact_on, ann.contact_due_on) == (date(2027, 1, 20), date(2027, 1, 27))
    assert (ben.last_contact_on, ben.contact_due_on) == (None, date(2027, 2, 25))
    assert (eve.last_contact_on, eve.contact_due_on) == (date(2027, 3, 1), date(2027, 3, 4))
    figures = contact(PERIOD, TODAY)
    north = figures.by_locality[academy["north"].id]
    south = figures.by_locality[academy["south"].id]
    # North: Ann's three check-ins, one 4 days late; Ann and Ben overdue; Ann without contact since 20 January
    assert (north.check_ins, north.on_time, north.late, north.days_late) == (3, 2, 1, 4)
    assert (north.on_time_percent, north.average_days_late) == (66.7, 4.0)
    assert (north.mentored, north.overdue, north.without_contact) == (2, 2, 1)
    # South: Eve's three, two late by 2 and 1 days; nothing overdue; Gus, with no mentor, without contact
    assert (south.check_ins, south.on_time, south.late, south.average_days_late) == (3, 1, 2, 1.5)
    assert (south.mentored, south.overdue, south.without_contact) == (1, 0, 1)
    academy_total = figures.total()
    assert (academy_total.check_ins, academy_total.on_time_percent, academy_total.overdue) == (6, 50.0, 2)
    # February alone: only Eve's two in February
    february = contact(Period(date(2027, 2, 1), date(2027, 2, 28)), TODAY).total()
    assert (february.check_ins, february.on_time, february.late) == (2, 1, 1)
    assert figures.counted_at is None  # counted live: the summaries have not been counted today


def test_the_contact_summary_equals_the_live_count_and_is_read_when_counted_today(academy):
    contact_academy(academy)
    live = {period: contact(period, TODAY) for period in (PERIOD, Period(date(2027, 2, 1), date(2027, 2, 28)))}
    counted_at = datetime(2027, 3, 2, 9, 30, tzinfo=UTC)
    mentoring.rebuild_contact_summary(TODAY - timedelta(days=1), counted_at)  # counted yesterday: not used
    assert contact(PERIOD, TODAY).counted_at is None
    mentoring.rebuild_contact_summary(TODAY, counted_at)
    db.session.commit()
    for period, expected in live.items():
        summed = contact(period, TODAY)
        assert summed.counted_at == counted_at
        assert summed.by_locality == expected.by_locality
    # a check-in made after the count shows at the next count (the page says when it was counted)
    contact_made(academy["ben"], date(2027, 3, 2))
    db.session.commit()
    assert contact(PERIOD, TODAY).total().check_ins == 6
    mentoring.rebuild_contact_summary(TODAY, counted_at + timedelta(minutes=10))
    assert contact(PERIOD, TODAY).total().check_ins == 7


def test_contact_by_mentor_a_page_at_a_time_and_for_a_coordinator(academy):
    mo, zed = contact_academy(academy)
    first = mentor_page(PERIOD, TODAY, None, page=1, per_page=1)
    assert (first.total, first.pages, [row.name for row in first.items]) == (2, 2, ["Mo Mentor"])
    row = first.items[0].figures
    assert (row.check_ins, row.on_time, row.mentored, row.overdue, row.without_contact) == (3, 2, 2, 2, 1)
    second = mentor_page(PERIOD, TODAY, None, page=99, per_page=1)  # past the end: the last page
    assert second.page == 2 and second.items[0].name == "Zed Mentor"
    assert second.items[0].figures.average_days_late == 1.5
    south_only = mentor_page(PERIOD, TODAY, [academy["south"].id])
    assert [(r.name, r.figures.check_ins, r.figures.mentored) for r in south_only.items] == [("Zed Mentor", 3, 1)]
    every = {name: figures for name, _limit, figures in every_mentor(PERIOD, TODAY, None)}
    assert every["Mo Mentor"] == row and every["Zed Mentor"].check_ins == 3


def test_the_overview_compares_contact_and_links_to_the_learners(academy):
    contact_academy(academy)
    page = overview([academy["north"].id], PERIOD, TODAY)
    measures = {m.name: m for m in page.comparisons()}
    on_time = measures["Check-ins made on time (per cent)"]
    assert (on_time.value, on_time.spread.academy, on_time.spread.lowest, on_time.spread.highest) == (
        66.7,
        50.0,
        33.3,
        66.7,
    )
    overdue = measures["Check-ins overdue today (per cent of learners with a mentor)"]
    assert (overdue.value, overdue.spread.academy) == (100.0, 66.7)
    silent = measures["Without contact for more than 14 days"]
    assert (silent.value, silent.spread.academy) == (1, 2)
    north = academy["north"].id
    assert overdue.learners == {"locality": north, "contact_overdue": "yes"}
    # the learners behind the figures
    assert listed(LearnerFilter(locality=north, contact_overdue="yes")) == ["Ann", "Ben"]
    assert listed(LearnerFilter(without_contact="yes")) == ["Ann", "Gus"]
    assert tables.contact(page)[1][:4] == ["North", 3, 2, 66.7]


def listed(found: LearnerFilter) -> list[str]:
    from sqlalchemy import select

    from virtualacademy.models import Learner

    return sorted(db.session.scalars(found.apply(select(Learner.legal_name), TODAY)))
