"""The coordinator's locality page as decided values."""

from datetime import timedelta

import pytest

from tests import community_world as cw
from virtualacademy.errors import NotAllowed
from virtualacademy.models import AttendanceMark
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
