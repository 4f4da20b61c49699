"""Opportunities: curated by coordinators, found by interest in the database, interest expressed by families,
placements approved (the host becomes one of the learner's other adults), sessions logged as learning."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests import community_world as cw
from virtualacademy import clock
from virtualacademy.errors import DomainError, NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import ActivityType, OpportunityKind, OtherAdult, OtherAdultRole, PlacementState
from virtualacademy.services.community import opportunities


@pytest.fixture
def world(ctx):
    return cw.build(families=3)


def _data(world, **changes):
    values = dict(
        title="Animal care at Bentley Farm",
        kind=OpportunityKind.INTERNSHIP,
        host_organisation="Bentley City Farm",
        contact_name="Jo Fields",
        interests="Animals, farming , OUTDOORS",
        locality_id=world.locality.id,
        host_checked_on=clock.today() - timedelta(days=30),
        places=1,
        time_commitment="Tuesday mornings for six weeks",
    )
    values.update(changes)
    return opportunities.OpportunityInput(**values)


def test_coordinators_curate_opportunities_for_their_own_locality(ctx, world):
    made = opportunities.save_opportunity(world.coordinator, None, _data(world))
    assert [i.interest for i in made.interests] == ["animals", "farming", "outdoors"]
    with pytest.raises(NotAllowed):
        opportunities.save_opportunity(world.other_coordinator, None, _data(world))
    with pytest.raises(NotAllowed):
        opportunities.save_opportunity(world.other_coordinator, made, _data(world, locality_id=world.other_locality.id))
    with pytest.raises(ValidationError, match="interest"):
        opportunities.save_opportunity(world.coordinator, None, _data(world, interests=" , "))
    with pytest.raises(ValidationError):
        opportunities.save_opportunity(world.coordinator, None, _data(world, places=0))


def test_families_search_by_interest_and_locality(ctx, world):
    opportunities.save_opportunity(world.coordinator, None, _data(world))
    opportunities.save_opportunity(
        world.coordinator, None, _data(world, title="Coding masterclass", interests=["coding", "games"])
    )
    opportunities.save_opportunity(
        world.other_coordinator,
        None,
        _data(world, title="Elsewhere farm", locality_id=world.other_locality.id),
    )
    guardian = world.family(0).guardian

    def titles(**kw):
        return [o.title for o in db.session.scalars(opportunities.search(guardian, **kw))]

    assert titles() == ["Animal care at Bentley Farm", "Coding masterclass"]
    assert titles(interest="anim") == ["Animal care at Bentley Farm"]
    assert titles(interest="Coding") == ["Coding masterclass"]
    assert titles(interest="100%_") == []
    assert titles(interest="farm") == ["Animal care at Bentley Farm"]  # the other locality's stays out of sight
    staff = [o.title for o in db.session.scalars(opportunities.search(world.admin, interest="farm"))]
    assert staff == ["Animal care at Bentley Farm", "Elsewhere farm"]


def test_a_placement_is_approved_and_the_host_becomes_a_named_adult(ctx, world):
    opportunity = opportunities.save_opportunity(world.coordinator, None, _data(world))
    family = world.family(0)
    learner = family.children[0]
    with pytest.raises(NotAllowed):
        opportunities.express_interest(world.family(1).guardian, opportunity, learner)
    placement = opportunities.express_interest(family.guardian, opportunity, learner, "She loves goats")
    with pytest.raises(DomainError, match="already"):
        opportunities.express_interest(family.guardian, opportunity, learner)
    with pytest.raises(NotAllowed):
        opportunities.approve(world.other_coordinator, placement)
    opportunities.approve(world.coordinator, placement, date(2027, 3, 9))
    assert placement.state is PlacementState.APPROVED
    adult = ctx.get(OtherAdult, placement.other_adult_id)
    assert (adult.name, adult.role, adult.organisation, adult.learner_id) == (
        "Jo Fields",
        OtherAdultRole.INTERNSHIP_HOST,
        "Bentley City Farm",
        learner.id,
    )
    other = opportunities.express_interest(world.family(1).guardian, opportunity, world.family(1).children[0])
    with pytest.raises(DomainError, match="places"):
        opportunities.approve(world.coordinator, other)
    opportunities.decline(world.coordinator, other)
    assert other.state is PlacementState.DECLINED


def test_no_approval_without_the_hosts_safeguarding_check(ctx, world):
    opportunity = opportunities.save_opportunity(world.coordinator, None, _data(world, host_checked_on=None))
    placement = opportunities.express_interest(world.family(0).guardian, opportunity, world.family(0).children[0])
    with pytest.raises(DomainError, match="safeguarding check"):
        opportunities.approve(world.coordinator, placement)


def test_the_learner_logs_sessions_and_what_they_learned(ctx, world):
    opportunity = opportunities.save_opportunity(world.coordinator, None, _data(world))
    family = world.family(0)
    placement = opportunities.express_interest(family.guardian, opportunity, family.children[0])
    with pytest.raises(DomainError):
        opportunities.log_session(family.guardian, placement, clock.today(), 120, "x", world.subject_ids[:1])
    opportunities.approve(world.coordinator, placement)
    entry = opportunities.log_session(
        family.guardian,
        placement,
        clock.today(),
        150,
        "Mucked out the goats; learned about hoof care",
        [world.subject_ids[1]],
    )
    assert entry.activity is ActivityType.INTERNSHIP and entry.minutes == 150
    assert opportunities.sessions(placement) == [entry]
    with pytest.raises(NotAllowed):
        opportunities.log_session(world.family(1).guardian, placement, clock.today(), 60, "x", world.subject_ids[:1])
    assert ctx.scalar(select(OtherAdult.id).where(OtherAdult.learner_id == family.children[0].id)) is not None
