"""The community pages in the access matrices, one module per part of the community (events, managing events,
feeds and announcements, opportunities, conversations, the locality home and reports).

Each part module defines, with imports inside the functions (``tests/access.py`` and ``tests/access_relations.py``
take these in while they are still being read):

- ``routes()``: its ``tests.access.Route`` rows (each role x each route x someone else's object);
- ``objects(learner, other_user)``: the ids its paths name, made for ``learner`` (another family's child, in a
  locality nobody in the role matrix coordinates) and ``other_user`` (a mentor who is nobody's);
- ``learner_routes()``: its ``tests.access_relations.LearnerRoute`` rows (each person of the small academy x
  each child or locality);
- ``child_objects``: the path names in those rows that are a child's (or a locality's) things;
- ``academy_objects(users, learners, localities)``: for each child key (and each locality key) of the small
  academy, the ids its rows name.
"""

from __future__ import annotations

from importlib import import_module

PARTS = ["events", "manage", "feeds", "opportunities", "conversations", "home"]


def _parts():
    return [import_module(f"tests.access_community.{name}") for name in PARTS]


def routes() -> list:
    return [route for part in _parts() for route in part.routes()]


def objects(learner, other_user) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in _parts():
        found.update(part.objects(learner, other_user))
    return found


def learner_routes() -> list:
    return [route for part in _parts() for route in part.learner_routes()]


def child_objects() -> set[str]:
    return {name for part in _parts() for name in part.CHILD_OBJECTS}


def academy_objects(users: dict, learners: dict, localities: dict) -> dict[str, dict[str, int]]:
    """For each child key and locality key, the ids the community rows name."""
    found: dict[str, dict[str, int]] = {}
    for part in _parts():
        for key, ids in part.academy_objects(users, learners, localities).items():
            found.setdefault(key, {}).update(ids)
    return found
