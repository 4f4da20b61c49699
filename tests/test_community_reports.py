"""Reports per locality and period, counted in the database."""

from datetime import timedelta

import pytest

from tests import community_world as cw
from virtualacademy import clock
from virtualacademy.errors import ValidationError
from virtualacademy.models import AttendanceMark
from virtualacademy.services.community import bookings, events, registers, reports


@pytest.fixture
def world(ctx):
    return cw.build(families=4)


def test_a_localitys_report_counts_events_places_attendance_reach_and_cost(ctx, world, travel):
    cw.fund_locality(world.locality, 50_000)
    first = cw.published_event(world, capacity=4, cost_pence=1_000)
    second = cw.published_event(world, capacity=6, starts_at=cw.starts(days=8))
    cancelled = cw.published_event(world, capacity=20, starts_at=cw.starts(days=8, hour=14))
    cw.published_event(world, capacity=30, starts_at=cw.starts(days=40))  # not yet held: not counted
    made = [bookings.book(f.guardian, first, learner=f.children[0]) for f in world.families]
    extra = bookings.book(world.family(0).guardian, second, learner=world.family(0).children[1])
    again = bookings.book(world.family(1).guardian, second, learner=world.family(1).children[0])
    events.cancel_event(world.coordinator, cancelled, "Rain")
    travel(second.starts_at + timedelta(hours=1))
    registers.take_register(
        world.coordinator,
        first,
        {made[0].id: AttendanceMark.PRESENT, made[1].id: AttendanceMark.LATE, made[2].id: AttendanceMark.ABSENT},
    )
    registers.take_register(
        world.coordinator, second, {extra.id: AttendanceMark.PRESENT, again.id: AttendanceMark.PRESENT}
    )
    today = clock.today()
    row = reports.locality_report(world.locality.id, today - timedelta(days=30), today + timedelta(days=60))
    assert (row.events_held, row.places_offered, row.places_booked) == (2, 10, 6)
    assert row.attended == 4 and row.learners_reached == 3  # one learner came to both: counted once
    assert row.attendance_rate == pytest.approx(4 / 6)
    assert row.learners_on_roll == 5 and row.share_reached == pytest.approx(3 / 5)
    assert row.cost_pence == 4_000 and row.cost_per_attendance_pence == 1_000
    every = reports.report(today - timedelta(days=30), today)
    assert [r.locality_id for r in every] == [world.locality.id]
    quiet = reports.locality_report(world.other_locality.id, today - timedelta(days=30), today)
    assert (quiet.events_held, quiet.attendance_rate, quiet.cost_per_attendance_pence) == (0, None, None)
    with pytest.raises(ValidationError):
        reports.report(today, today - timedelta(days=1))
