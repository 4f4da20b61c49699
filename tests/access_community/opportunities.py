"""Access-matrix rows for this part of the community pages (see ``tests/access_community/__init__.py``)."""

from __future__ import annotations

#: Path names in ``learner_routes()`` that are one child's (or one locality's) things.
CHILD_OBJECTS: set[str] = set()


def routes() -> list:
    return []


def objects(learner, other_user) -> dict[str, int]:
    return {}


def learner_routes() -> list:
    return []


def academy_objects(users: dict, learners: dict, localities: dict) -> dict[str, dict[str, int]]:
    return {}
