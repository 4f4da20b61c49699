"""Taking the register: marks for booked places, and attendance in learning for each learner present."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests import community_world as cw
from virtualacademy import clock
from virtualacademy.errors import DomainError, NotAllowed, ValidationError
from virtualacademy.models import ActivityType, AttendanceMark, EventType, LogEntry
from virtualacademy.services import learning_log
from virtualacademy.services.community import bookings, registers

P, L, A = AttendanceMark.PRESENT, AttendanceMark.LATE, AttendanceMark.ABSENT


@pytest.fixture
def world(ctx):
    return cw.build(families=3)


def _entries(ctx, learner):
    return list(ctx.scalars(select(LogEntry).where(LogEntry.learner_id == learner.id).order_by(LogEntry.on_date)))


def _booked_event(world, travel, **changes):
    event = cw.published_event(world, guardians_attend=True, **changes)
    made = [bookings.book(f.guardian, event, learner=f.children[0]) for f in world.families]
    made.append(bookings.book(world.family(0).guardian, event, guardian=world.family(0).guardian_row))
    travel(event.starts_at + timedelta(minutes=30))
    return event, made


def test_present_and_late_learners_get_attendance_in_learning(ctx, world, travel):
    event, (ellie, sam, kit, parent) = _booked_event(world, travel)
    made = registers.take_register(world.coordinator, event, {ellie.id: P, sam.id: L, kit.id: A, parent.id: P})
    assert made == 2
    [entry] = _entries(ctx, ellie.learner)
    assert entry.activity is ActivityType.COMMUNITY_EVENT and entry.minutes == 120
    assert entry.on_date == clock.london(event.starts_at).date() and entry.created_by_id == world.coordinator.id
    assert [s.id for s in entry.subjects] == world.subject_ids[:1] and "Clay workshop" in entry.description
    assert len(_entries(ctx, sam.learner)) == 1 and _entries(ctx, kit.learner) == []
    assert {r.booking.id: r.mark for r in registers.register(event)} == {
        ellie.id: P,
        sam.id: L,
        kit.id: A,
        parent.id: P,
    }


def test_taking_the_register_again_logs_nothing_twice_and_takes_back_a_wrong_present(ctx, world, travel):
    event, (ellie, sam, kit, _parent) = _booked_event(world, travel)
    registers.take_register(world.coordinator, event, {ellie.id: P, sam.id: P})
    assert registers.take_register(world.coordinator, event, {ellie.id: P, sam.id: A, kit.id: P}) == 1
    assert len(_entries(ctx, ellie.learner)) == 1
    assert _entries(ctx, sam.learner) == [] and len(_entries(ctx, kit.learner)) == 1


def test_a_trip_over_two_days_logs_each_day_it_ran(ctx, world, travel):
    begin = cw.starts(days=7, hour=9)
    event, (ellie, *_rest) = _booked_event(
        world, travel, starts_at=begin, ends_at=begin + timedelta(days=1, hours=8), event_type=EventType.TRIP
    )
    registers.take_register(world.coordinator, event, {ellie.id: P})
    assert [e.minutes for e in _entries(ctx, ellie.learner)] == [15 * 60]  # the first day, to midnight
    travel(event.ends_at + timedelta(hours=1))
    registers.take_register(world.coordinator, event, {ellie.id: P})
    assert [e.minutes for e in _entries(ctx, ellie.learner)] == [15 * 60, 17 * 60]


def test_only_the_coordinator_takes_it_after_it_starts_for_booked_places(ctx, world, travel):
    event = cw.published_event(world)
    booking = bookings.book(world.family(1).guardian, event, learner=world.family(1).children[0])
    with pytest.raises(DomainError, match="once the event has started"):
        registers.take_register(world.coordinator, event, {booking.id: P})
    travel(event.starts_at + timedelta(minutes=5))
    with pytest.raises(NotAllowed):
        registers.take_register(world.other_coordinator, event, {booking.id: P})
    with pytest.raises(NotAllowed):
        registers.take_register(world.family(1).guardian, event, {booking.id: P})
    with pytest.raises(ValidationError, match="booked for this event"):
        registers.take_register(world.coordinator, event, {booking.id + 999: P})
    assert registers.take_register(world.admin, event, {booking.id: P}) == 1


def test_the_days_of_an_event_are_counted_in_london_time(ctx, world):
    event = cw.published_event(
        world,
        starts_at=datetime(2027, 3, 27, 23, 0, tzinfo=clock.LONDON),
        ends_at=datetime(2027, 3, 28, 4, 0, tzinfo=clock.LONDON),
    )
    # The clocks go forward at 01:00 on 28 March 2027: 23:00 to 04:00 is four hours, one on the first day.
    assert registers.day_minutes(event, datetime(2027, 4, 1).date()) == [
        (datetime(2027, 3, 27).date(), 60),
        (datetime(2027, 3, 28).date(), 180),
    ]


def test_register_entries_obey_the_learning_logs_own_checks(ctx, world, travel):
    event, (ellie, *_rest) = _booked_event(world, travel)
    learning_log.add_entry(
        world.family(0).guardian,
        ellie.learner,
        learning_log.LogInput(
            clock.london(event.starts_at).date(), 23 * 60, ActivityType.PROJECT_WORK, world.subject_ids, "A long day"
        ),
    )
    with pytest.raises(ValidationError) as refused:
        registers.take_register(world.coordinator, event, {ellie.id: P})
    assert refused.value.message.startswith(ellie.learner.known_as) and "24 hours" in refused.value.message
