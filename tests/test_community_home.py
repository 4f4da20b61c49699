"""The coordinator's locality page as decided values."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests import community_world as cw
from tests.factories import LearnerFactory, UserFactory
from virtualacademy import clock
from virtualacademy.errors import NotAllowed
from virtualacademy.extensions import db
from virtualacademy.models import (
    AttendanceMark,
    BookingState,
    CheckIn,
    ContactMethod,
    ContactWith,
    MentorAssignment,
    Role,
)
from virtualacademy.services import mentoring
from virtualacademy.services.community import announcements, bookings, home, opportunities, registers


@pytest.fixture
def world(ctx):
    return cw.build(families=3)


def test_the_coordinators_page_has_events_registers_placements_announcements_and_budget(ctx, world, travel):
    cw.fund_locality(world.locality, 12_345)
    soon = cw.published_event(world, capacity=1)
    later = cw.published_event(world, starts_at=cw.starts(days=10), title="Later")
    first = bookings.book(world.family(0).guardian, soon, learner=world.family(0).children[0])
    bookings.book(world.family(1).guardian, soon, learner=world.family(1).children[0])
    bookings.book(world.family(1).guardian, later, learner=world.family(1).children[0])
    opportunity = opportunities.save_opportunity(
        world.coordinator,
        None,
        opportunities.OpportunityInput(
            title="Bakery",
            kind=opportunities.OpportunityKind.PLACEMENT,
            host_organisation="Bread Co",
            contact_name="Al",
            interests="baking",
            locality_id=world.locality.id,
        ),
    )
    waiting = opportunities.express_interest(world.family(2).guardian, opportunity, world.family(2).children[0])
    announcements.post(world.coordinator, world.locality, "News", "Hello")
    page = home.locality_home(world.coordinator, world.locality)
    assert [(line.event.title, line.booked, line.waiting) for line in page.upcoming] == [
        ("Clay workshop", 1, 1),
        ("Later", 1, 0),
    ]
    assert page.registers_to_take == [] and page.placements_waiting == [waiting]
    assert [a.title for a in page.announcements] == ["News"] and page.budget_pence == 12_345
    travel(soon.starts_at + timedelta(minutes=10))
    assert home.locality_home(world.coordinator, world.locality).registers_to_take == [soon]
    registers.take_register(world.coordinator, soon, {first.id: AttendanceMark.PRESENT})
    assert home.locality_home(world.coordinator, world.locality).registers_to_take == []
    with pytest.raises(NotAllowed):
        home.locality_home(world.other_coordinator, world.locality)


# --- learners without contact: the mentoring rule, counted in the database ------------------------------------


def _check_in(learner, mentor, at: datetime, made: bool = True) -> None:
    db.session.add(
        CheckIn(
            learner_id=learner.id,
            mentor_id=mentor.id,
            occurred_at=at,
            method=ContactMethod.PHONE,
            with_whom=ContactWith.BOTH,
            contact_made=made,
        )
    )


def _mentor(learner, mentor, starts_on: date) -> None:
    db.session.add(MentorAssignment(learner_id=learner.id, mentor_id=mentor.id, starts_on=starts_on))


def _london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.LONDON)


def test_learners_without_contact_at_the_14_day_boundary(ctx):
    """Frozen on Tue 2 March 2027: more than 14 days without contact is a last contact on or before 15 February
    (London days), or, with none, a mentor who started by then, or no mentor and no contact ever."""
    world = cw.build(families=0)
    mentor = UserFactory(roles=[Role.MENTOR])
    today = clock.today()
    assert today == date(2027, 3, 2)
    names = [
        "Fifteen Days",
        "Fourteen Days",
        "Late Evening",
        "Just After Midnight",
        "Mentor Since Fifteenth",
        "Mentor Since Sixteenth",
        "Nobody Ever",
        "Attempt Only",
        "Recent Contact",
    ]
    kids = {name: LearnerFactory(legal_name=name, locality=world.locality) for name in names}
    elsewhere = LearnerFactory(legal_name="Other Place", locality=world.other_locality)
    leaver = LearnerFactory(legal_name="Gone Away", locality=world.locality)
    leaver.enrolments[0].end_date = date(2027, 2, 1)
    for name in names[:4] + names[7:]:
        _mentor(kids[name], mentor, date(2026, 9, 1))
    _mentor(kids["Mentor Since Fifteenth"], mentor, date(2027, 2, 15))
    _mentor(kids["Mentor Since Sixteenth"], mentor, date(2027, 2, 16))
    _check_in(kids["Fifteen Days"], mentor, _london(date(2027, 2, 15), 10))
    _check_in(kids["Fourteen Days"], mentor, _london(date(2027, 2, 16), 10))
    _check_in(kids["Late Evening"], mentor, _london(date(2027, 2, 15), 23, 50))
    _check_in(kids["Just After Midnight"], mentor, _london(date(2027, 2, 16), 0, 10))
    _check_in(kids["Attempt Only"], mentor, _london(date(2027, 2, 28), 10), made=False)
    _check_in(kids["Attempt Only"], mentor, _london(date(2027, 1, 10), 10))
    _check_in(kids["Recent Contact"], mentor, _london(date(2027, 1, 10), 10))
    _check_in(kids["Recent Contact"], mentor, _london(date(2027, 3, 1), 10))
    db.session.flush()
    count, shown = home.learners_without_contact(world.locality.id, today)
    expected = ["Nobody Ever", "Mentor Since Fifteenth", "Attempt Only", "Fifteen Days", "Late Evening"]
    assert count == 5
    assert [row.learner.legal_name for row in shown] == expected  # never contacted first, then the oldest contact
    by_name = {row.learner.legal_name: row for row in shown}
    assert (by_name["Nobody Ever"].last_contact, by_name["Nobody Ever"].days) == (None, None)
    assert by_name["Mentor Since Fifteenth"].days == 15 and by_name["Fifteen Days"].days == 15
    assert by_name["Attempt Only"].last_contact == date(2027, 1, 10) and by_name["Attempt Only"].days == 51
    # the same answer as the mentoring rule, learner by learner
    for name, learner in kids.items():
        last = [
            c for c in db.session.scalars(select(CheckIn).where(CheckIn.learner_id == learner.id)) if c.contact_made
        ]
        since = max((clock.london(c.occurred_at).date() for c in last), default=None)
        started = db.session.scalar(select(MentorAssignment.starts_on).where(MentorAssignment.learner_id == learner.id))
        assert mentoring.without_contact(since or started, today) == (name in expected), name
    assert elsewhere.id not in {row.learner.id for row in shown}
    # the next day, the fourteen-day ones have gone over
    assert home.learners_without_contact(world.locality.id, today + timedelta(days=1))[0] == 8
    assert home.learners_without_contact(world.locality.id, today, shown=2)[0] == 5
    assert len(home.learners_without_contact(world.locality.id, today, shown=2)[1]) == 2


def test_the_coordinators_counts_for_the_dashboard(ctx, travel):
    world = cw.build(families=3)
    soon = cw.published_event(world, capacity=1)
    first = bookings.book(world.family(0).guardian, soon, learner=world.family(0).children[0])
    waiting = bookings.book(world.family(1).guardian, soon, learner=world.family(1).children[0])
    bookings.cancel(world.family(0).guardian, first)
    db.session.flush()
    db.session.refresh(waiting)
    assert waiting.state is BookingState.OFFERED
    counts = home.coordinator_counts(world.coordinator)
    assert [
        (c.locality, c.registers_to_take, c.placements_to_decide, c.without_contact, c.offers_waiting) for c in counts
    ] == [(world.locality, 0, 0, 4, 1)]
    assert home.coordinator_counts(world.admin) == []
    assert [c.locality for c in home.coordinator_counts(world.other_coordinator)] == [world.other_locality]
