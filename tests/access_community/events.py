"""Access-matrix rows for browsing and booking events (see ``tests/access_community/__init__.py``).

Role matrix: ``{event}`` is a published event in the other family's locality (nobody in the test coordinates it),
``{booking}`` that family's child's place on it, ``{locality_draft_event}`` a draft there. A family of another
locality does not see the event (404) and cannot book it; staff see published events; a draft only those who
manage it (admins here). Bookings are their family's and the event's managers' only.

Relations matrix: each locality has a draft event: its coordinator and admins see it, nobody else; no family can
book a draft.
"""

from __future__ import annotations

from datetime import datetime, timedelta

#: Path names in ``learner_routes()`` that are one child's (or one locality's) things.
CHILD_OBJECTS: set[str] = {"locality_draft_event"}


def _roles(allowed: dict[str, int], denied: int = 403) -> dict[str, int]:
    from tests.access import ANONYMOUS, ROLES, SIGN_IN_REDIRECT

    return {ANONYMOUS: SIGN_IN_REDIRECT, **{r: allowed.get(r, denied) for r in ROLES}}


def routes() -> list:
    from tests.access import Route

    family_404 = {"guardian": 404, "learner": 404}
    rows = [
        (
            "community.events",
            "GET",
            "/community/events",
            dict.fromkeys(("guardian", "learner", "mentor", "coordinator", "admin"), 200),
        ),
        (
            "community.events",
            "GET",
            "/community/events?view=month&month=2027-03",
            dict.fromkeys(("guardian", "learner", "mentor", "coordinator", "admin"), 200),
        ),
        (
            "community.event",
            "GET",
            "/community/events/{event}",
            {**family_404, "mentor": 200, "coordinator": 200, "admin": 200},
        ),
        (
            "community.event",
            "GET",
            "/community/events/{locality_draft_event}",
            {**family_404, "mentor": 404, "coordinator": 404, "admin": 200},
        ),
        ("community.book", "GET", "/community/events/{event}/book", family_404),
        ("community.book", "POST", "/community/events/{event}/book", family_404),
        ("community.book", "GET", "/community/events/{locality_draft_event}/book", family_404),
        ("community.bookings", "GET", "/community/bookings", {"guardian": 200, "learner": 200}),
        ("community.confirm_offer", "POST", "/community/bookings/{booking}/confirm", family_404),
        (
            "community.cancel_booking",
            "GET",
            "/community/bookings/{booking}/cancel",
            {**family_404, "coordinator": 404, "admin": 200},
        ),
        # last: an admin cancels the booking
        (
            "community.cancel_booking",
            "POST",
            "/community/bookings/{booking}/cancel",
            {**family_404, "coordinator": 404, "admin": 302},
        ),
    ]
    return [Route(endpoint, method, path, _roles(allowed)) for endpoint, method, path, allowed in rows]


def _event(locality_id: int, *, publish: bool, admin=None):
    from tests.factories import SubjectAreaFactory, UserFactory
    from virtualacademy import clock
    from virtualacademy.models import EventType, Role
    from virtualacademy.services.community import events

    admin = admin or UserFactory(roles=[Role.ADMIN])
    day = clock.today() + timedelta(days=10)
    begin = datetime(day.year, day.month, day.day, 10, tzinfo=clock.LONDON)
    made = events.create_event(
        admin,
        events.EventInput(
            title="Pond dipping",
            event_type=EventType.WORKSHOP,
            starts_at=begin,
            ends_at=begin + timedelta(hours=2),
            capacity=10,
            locality_id=locality_id,
            venue="Town park",
            address="Park Lane",
            subject_ids=[SubjectAreaFactory().id],
            booking_closes_at=begin - timedelta(days=1),
            cancel_closes_at=begin - timedelta(days=2),
        ),
    )
    if publish:
        events.publish(admin, made)
    return made


def objects(learner, other_user) -> dict[str, int]:
    from tests.factories import LocalityFactory
    from virtualacademy.extensions import db
    from virtualacademy.models import Guardian
    from virtualacademy.services.community import bookings

    if learner.locality_id is None:
        learner.locality_id = LocalityFactory().id
        db.session.flush()
    event = _event(learner.locality_id, publish=True)
    guardian = db.session.scalar(
        db.select(Guardian).where(Guardian.family_id == learner.family_id, Guardian.user_id.is_not(None)).limit(1)
    )
    booking = bookings.book(guardian.user, event, learner=learner)
    draft = _event(learner.locality_id, publish=False)
    db.session.commit()
    return {"event": event.id, "booking": booking.id, "locality_draft_event": draft.id}


def learner_routes() -> list:
    from tests.access_relations import (
        ADMIN,
        COORDINATOR,
        FAMILY_ROLES,
        STAFF_WITH_LEARNERS,
        r,
        rule,
    )

    manages = rule("community: a draft event (its coordinator)", COORDINATOR, ADMIN)
    nobody = rule("community: book a draft (nobody)")
    return [
        r(
            "community.event",
            "GET",
            "/community/events/{locality_draft_event}",
            manages,
            FAMILY_ROLES | STAFF_WITH_LEARNERS,
        ),
        r("community.book", "GET", "/community/events/{locality_draft_event}/book", nobody, FAMILY_ROLES),
    ]


def academy_objects(users: dict, learners: dict, localities: dict) -> dict[str, dict[str, int]]:
    return {
        key: {"locality_draft_event": _event(locality.id, publish=False, admin=users["admin"]).id}
        for key, locality in localities.items()
    }
