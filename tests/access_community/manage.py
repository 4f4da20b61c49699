"""Access-matrix rows for the coordinator's event pages (see ``tests/access_community/__init__.py``): the list
and the new-event form for coordinators and admins; a locality's event (``{locality_event}``) only for that
locality's coordinator and admins (another coordinator: 404)."""

from __future__ import annotations

from datetime import datetime, timedelta

#: Path names in ``learner_routes()`` that are one child's (or one locality's) things.
CHILD_OBJECTS: set[str] = {"locality_event"}

E = "/community/manage/events/{locality_event}"
#: (endpoint, method, path, status for those who may): POSTs carry an empty form, so a form comes back with its
#: errors (200); publishing goes back to the event (302) whether or not it was a draft.
EVENT_ROUTES = [
    ("community.manage_event", "GET", E, 200),
    ("community.edit_event", "GET", f"{E}/edit", 200),
    ("community.edit_event", "POST", f"{E}/edit", 200),
    ("community.publish_event", "POST", f"{E}/publish", 302),
    ("community.register", "GET", f"{E}/register", 200),
    ("community.register", "POST", f"{E}/register", 200),
    ("community.register_pdf", "GET", f"{E}/register.pdf", 200),
    ("community.cancel_event", "GET", f"{E}/cancel", 200),
    ("community.cancel_event", "POST", f"{E}/cancel", 200),
]


def routes() -> list:
    from tests.access import roles, scoped_roles
    from virtualacademy.models import Role

    managers = {Role.COORDINATOR, Role.ADMIN}
    return [
        roles("community.manage_events", "/community/manage/events", managers),
        roles("community.new_event", "/community/manage/events/new", managers),
        roles("community.new_event", "/community/manage/events/new", managers, method="POST"),
        *[
            scoped_roles(endpoint, path, managers, {Role.ADMIN}, status, method)
            for endpoint, method, path, status in EVENT_ROUTES
        ],
    ]


def _event(actor, locality_id: int | None):
    """A published event a week ahead in the locality, posted by ``actor`` through the service."""
    from tests.factories import SubjectAreaFactory
    from virtualacademy import clock
    from virtualacademy.models import EventType
    from virtualacademy.services.community import events

    day = clock.today() + timedelta(days=7)
    begin = datetime(day.year, day.month, day.day, 10, tzinfo=clock.LONDON)
    data = events.EventInput(
        title="Rock pooling",
        event_type=EventType.TRIP,
        starts_at=begin,
        ends_at=begin + timedelta(hours=3),
        capacity=8,
        locality_id=locality_id,
        venue="Cleethorpes beach",
        subject_ids=[SubjectAreaFactory(name="Science").id],
    )
    event = events.create_event(actor, data)
    events.publish(actor, event)
    return event


def objects(learner, other_user) -> dict[str, int]:
    from tests.factories import UserFactory
    from virtualacademy.models import Role

    return {"locality_event": _event(UserFactory(roles=[Role.ADMIN]), learner.locality_id).id}


def learner_routes() -> list:
    from tests.access_relations import ADMIN, COORDINATOR, COORDINATORS_AND_ADMINS, r, rule

    manage = rule("events: manage", COORDINATOR, ADMIN)
    return [
        r(endpoint, method, path, manage, COORDINATORS_AND_ADMINS, status)
        for endpoint, method, path, status in EVENT_ROUTES
    ]


def academy_objects(users: dict, learners: dict, localities: dict) -> dict[str, dict[str, int]]:
    from tests.access_relations import COORDINATORS

    return {
        key: {"locality_event": _event(users[COORDINATORS[key]], locality.id).id}
        for key, locality in localities.items()
    }
