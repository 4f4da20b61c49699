"""A small community for the community tests: a locality with its coordinator, a second locality, families with
children, subject areas, and an event builder that goes through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tests.factories import GuardianFactory, LearnerFactory, LocalityFactory, SubjectAreaFactory, UserFactory
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import (
    EventType,
    Learner,
    Locality,
    LocalityStaff,
    PlacePaidFrom,
    Role,
    TransferKind,
    User,
)
from virtualacademy.models.localities import LocalityRole
from virtualacademy.services import ledger
from virtualacademy.services.community import events


@dataclass
class Family:
    guardian: User
    guardian_row: object
    children: list[Learner]


@dataclass
class Community:
    locality: Locality
    other_locality: Locality
    coordinator: User
    other_coordinator: User
    admin: User
    subject_ids: list[int]
    families: list[Family]

    def family(self, n: int = 0) -> Family:
        return self.families[n]


def make_family(locality: Locality, children: int = 1) -> Family:
    guardian = GuardianFactory()
    kids = [LearnerFactory(family=guardian.family, locality=locality) for _ in range(children)]
    return Family(guardian.user, guardian, kids)


def build(families: int = 3) -> Community:
    north, south = LocalityFactory(), LocalityFactory()
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    other = UserFactory(roles=[Role.COORDINATOR])
    db.session.add_all(
        [
            LocalityStaff(user_id=coordinator.id, locality_id=north.id, role=LocalityRole.COORDINATOR),
            LocalityStaff(user_id=other.id, locality_id=south.id, role=LocalityRole.COORDINATOR),
        ]
    )
    db.session.commit()
    subjects = [SubjectAreaFactory(name="Art and design"), SubjectAreaFactory(name="Science")]
    made = [make_family(north, 2 if n == 0 else 1) for n in range(families)]
    return Community(north, south, coordinator, other, UserFactory(roles=[Role.ADMIN]), [s.id for s in subjects], made)


def starts(days: int = 7, hour: int = 10) -> datetime:
    """A London time ``days`` from today at ``hour`` o'clock, as UTC."""
    day = clock.today() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=clock.LONDON)


def event_input(world: Community, **changes) -> events.EventInput:
    begin = changes.pop("starts_at", starts())
    values = dict(
        title="Clay workshop",
        event_type=EventType.WORKSHOP,
        starts_at=begin,
        ends_at=begin + timedelta(hours=2),
        capacity=10,
        locality_id=world.locality.id,
        description="Bring an **apron**.",
        venue="Bentley Library",
        address="1 Library Road, Bentley",
        subject_ids=world.subject_ids[:1],
        booking_closes_at=begin - timedelta(days=1),
        cancel_closes_at=begin - timedelta(days=2),
    )
    values.update(changes)
    return events.EventInput(**values)


def published_event(world: Community, **changes):
    actor = changes.pop("actor", world.coordinator)
    event = events.create_event(actor, event_input(world, **changes))
    events.publish(actor, event)
    db.session.flush()
    return event


def fund_locality(locality: Locality, pence: int = 100_000) -> None:
    ledger.post(
        None,
        ledger.funding_source(),
        ledger.locality_account(locality),
        pence,
        TransferKind.ALLOCATION,
        "Locality budget",
        f"test-locality:{locality.id}:{pence}",
    )


def fund_learner(learner: Learner, pence: int = 10_000) -> None:
    ledger.post(
        None,
        ledger.funding_source(),
        ledger.personal_account(learner),
        pence,
        TransferKind.ALLOCATION,
        "Budget",
        f"test-personal:{learner.id}:{pence}",
    )


__all__ = ["PlacePaidFrom", "build", "event_input", "fund_learner", "fund_locality", "published_event", "starts"]
