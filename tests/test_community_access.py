"""Who may see and do what in the community, through the registered rules and scopes: coordinators manage only
their own locality; families see published events and only their own bookings (never the register or who else
is booked); every family's records are in its subject-access export."""

import pytest
from sqlalchemy import select

from tests import community_world as cw
from tests.factories import UserFactory
from virtualacademy.extensions import db
from virtualacademy.models import Booking, Event, Learner, Locality, Role
from virtualacademy.policies import can, registered_rules, registered_scopes, scoped
from virtualacademy.services import data_protection
from virtualacademy.services.community import bookings, events


@pytest.fixture
def world(ctx):
    return cw.build(families=3)


def test_every_community_action_has_a_rule_and_every_list_a_scope(ctx):
    rules = {(model.__name__, action) for model, action in registered_rules()}
    for wanted in [
        ("Event", "view"),
        ("Event", "manage"),
        ("Event", "register"),
        ("Booking", "view"),
        ("Booking", "cancel"),
        ("Booking", "confirm"),
        ("Learner", "community_book"),
        ("Learner", "community_talk"),
        ("Locality", "community_manage"),
        ("Locality", "community_report"),
        ("Family", "community_feed"),
        ("Conversation", "view"),
        ("Conversation", "post"),
        ("MessageAttachment", "download"),
        ("Opportunity", "view"),
        ("Placement", "decide"),
        ("Announcement", "manage"),
    ]:
        assert wanted in rules, wanted
    assert {"Event", "Booking", "Conversation", "Opportunity", "Announcement"} <= {
        m.__name__ for m in registered_scopes()
    }


def test_coordinators_manage_only_their_own_localitys_events_and_registers(ctx, world):
    event = cw.published_event(world)
    draft = events.create_event(world.coordinator, cw.event_input(world, title="Draft"))
    mentor = UserFactory(roles=[Role.MENTOR])
    for person, manages in [(world.coordinator, True), (world.admin, True), (world.other_coordinator, False)]:
        assert can(person, "manage", event) is manages
        assert can(person, "register", event) is manages
        assert can(person, "community_manage", db.session.get(Locality, world.locality.id)) is manages
    assert can(mentor, "view", event) and not can(mentor, "view", draft)
    assert not can(world.family(0).guardian, "view", draft) and can(world.family(0).guardian, "view", event)
    listed = db.session.scalars(scoped(world.other_coordinator, select(Event))).all()
    assert listed == [event]  # published events are public to staff; drafts only to their managers
    assert set(db.session.scalars(scoped(world.coordinator, select(Event)))) == {event, draft}


def test_families_see_only_their_own_bookings(ctx, world):
    event = cw.published_event(world)
    mine = bookings.book(world.family(0).guardian, event, learner=world.family(0).children[0])
    theirs = bookings.book(world.family(1).guardian, event, learner=world.family(1).children[0])
    parent = world.family(0).guardian
    assert can(parent, "view", mine) and not can(parent, "view", theirs)
    assert not can(parent, "register", event)
    assert db.session.scalars(scoped(parent, select(Booking))).all() == [mine]
    assert set(db.session.scalars(scoped(world.coordinator, select(Booking)))) == {mine, theirs}
    assert db.session.scalars(scoped(world.other_coordinator, select(Booking))).all() == []
    assert can(parent, "community_book", world.family(0).children[0])
    assert not can(parent, "community_book", db.session.get(Learner, world.family(1).children[0].id))
    assert not can(world.coordinator, "community_book", world.family(0).children[0])


def test_the_familys_bookings_are_in_its_subject_access_export(ctx, world):
    event = cw.published_event(world)
    bookings.book(world.family(0).guardian, event, learner=world.family(0).children[0])
    data = data_protection.subject_access(world.family(0).guardian_row.family)
    [row] = [r for r in data["community"] if r["record"] == "event booking"]
    assert row["event"] == "Clay workshop" and row["state"] == "booked"
    assert data_protection.subject_access(world.family(1).guardian_row.family)["community"] == []
