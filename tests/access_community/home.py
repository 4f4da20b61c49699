"""Access-matrix rows for the community hub, the coordinator's locality page and the community report (see
``tests/access_community/__init__.py``).

The hub is for everyone signed in. The locality page and the report are for coordinators and admins, and for a
locality only its coordinator or an admin (``Locality``: ``community_manage``, ``community_report``): in the role
matrix the locality is one nobody coordinates, so a coordinator gets 404 and an admin the page."""

from __future__ import annotations

#: Path names in ``learner_routes()`` that are one child's (or one locality's) things (``locality`` already is).
CHILD_OBJECTS: set[str] = set()


def routes() -> list:
    from tests.access import ADMIN, roles, scoped_roles, signed_in
    from virtualacademy.models import Role

    staff = {Role.COORDINATOR, Role.ADMIN}
    return [
        signed_in("community.index", "/community/"),
        signed_in("community.index", "/community/?q=north&page=2"),
        scoped_roles("community.locality_home", "/community/localities/{locality}", staff, ADMIN),
        roles("community.reports", "/community/reports", staff),
        scoped_roles("community.reports", "/community/reports?locality={locality}", staff, ADMIN),
        roles("community.reports_csv", "/community/reports.csv", staff),
        scoped_roles("community.reports_csv", "/community/reports.csv?locality={locality}", staff, ADMIN),
    ]


def objects(learner, other_user) -> dict[str, int]:
    return {}  # ``locality`` (one nobody coordinates) is made by the matrix itself


def learner_routes() -> list:
    from tests.access_relations import ADMIN as IS_ADMIN
    from tests.access_relations import COORDINATOR as COORDINATES
    from tests.access_relations import COORDINATORS_AND_ADMINS, r, rule

    #: docs/community.md: a locality's community page and report are its coordinator's, and admins'.
    community = rule("a locality's community", COORDINATES, IS_ADMIN)
    return [
        r("community.locality_home", "GET", "/community/localities/{locality}", community, COORDINATORS_AND_ADMINS),
        r("community.reports", "GET", "/community/reports?locality={locality}", community, COORDINATORS_AND_ADMINS),
        r(
            "community.reports_csv",
            "GET",
            "/community/reports.csv?locality={locality}",
            community,
            COORDINATORS_AND_ADMINS,
        ),
    ]


def academy_objects(users: dict, learners: dict, localities: dict) -> dict[str, dict[str, int]]:
    return {}  # each locality's ``locality`` id is already in the small academy's objects
