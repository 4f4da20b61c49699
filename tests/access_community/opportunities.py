"""Access-matrix rows for the opportunity and placement pages (see ``tests/access_community/__init__.py``).

The role matrix's opportunity is in the shared learner's locality, which nobody in that test coordinates; the
learner's family has said the learner is interested (the placement). Staff see any opportunity; a family only
those of its localities (so the one-role guardian and learner, of no family, get 404); only admins manage this
one. A placement is seen by those related to its learner (family, mentor, coordinator, admin) and by those who
manage its opportunity; it is decided by the latter; sessions are logged by those who write the learner's log.

In the small academy each child has a placement in an opportunity of their own locality. Who may see an
opportunity (any staff role, and the families of its locality) is not a relation to one child, so opportunity
pages are probed by role (above) and by tests/blueprints/test_community_opportunity_pages.py (another locality's
coordinator gets 404 on its edit page)."""

from __future__ import annotations

#: Path names in ``learner_routes()`` that are one child's (or one locality's) things.
CHILD_OBJECTS: set[str] = {"placement"}

OPPS = "/community/opportunities"
PLACES = "/community/placements"


def routes() -> list:
    from tests.access import ADMIN, roles, scoped_roles
    from virtualacademy.models import Role

    family = {Role.GUARDIAN, Role.LEARNER}
    managers = {Role.COORDINATOR, Role.ADMIN}
    readers = family | {Role.MENTOR} | managers
    loggers = family | {Role.MENTOR, Role.ADMIN}
    staff = {Role.MENTOR, Role.COORDINATOR, Role.ADMIN}
    return [
        roles("community.opportunities", OPPS, readers),
        scoped_roles("community.opportunity", OPPS + "/{opportunity}", readers, staff),
        # empty forms come back with their errors (200)
        roles("community.new_opportunity", OPPS + "/new", managers),
        roles("community.new_opportunity", OPPS + "/new", managers, method="POST"),
        scoped_roles("community.edit_opportunity", OPPS + "/{opportunity}/edit", managers, ADMIN),
        scoped_roles("community.edit_opportunity", OPPS + "/{opportunity}/edit", managers, ADMIN, method="POST"),
        scoped_roles("community.express_interest", OPPS + "/{opportunity}/interest", family, set()),
        scoped_roles("community.express_interest", OPPS + "/{opportunity}/interest", family, set(), method="POST"),
        roles("community.placements", PLACES, family | managers),
        scoped_roles("community.placement", PLACES + "/{placement}", readers, ADMIN),
        scoped_roles("community.decide_placement", PLACES + "/{placement}/decide", managers, ADMIN, method="POST"),
        scoped_roles("community.log_placement_session", PLACES + "/{placement}/sessions/new", loggers, ADMIN),
        scoped_roles(
            "community.log_placement_session", PLACES + "/{placement}/sessions/new", loggers, ADMIN, method="POST"
        ),
    ]


def _placement(learner, opportunity) -> int:
    from sqlalchemy import select

    from virtualacademy.extensions import db
    from virtualacademy.models import Guardian, User
    from virtualacademy.services.community import opportunities

    guardian = db.session.scalar(
        select(User)
        .join(Guardian, Guardian.user_id == User.id)
        .where(Guardian.family_id == learner.family_id)
        .order_by(Guardian.id)
        .limit(1)
    )
    return opportunities.express_interest(guardian, opportunity, learner, "Keen").id


def _opportunity(locality_id: int | None, title: str):
    from datetime import timedelta

    from tests.factories import UserFactory
    from virtualacademy import clock
    from virtualacademy.models import OpportunityKind, Role
    from virtualacademy.services.community import opportunities

    return opportunities.save_opportunity(
        UserFactory(roles=[Role.ADMIN]),
        None,
        opportunities.OpportunityInput(
            title=title,
            kind=OpportunityKind.INTERNSHIP,
            host_organisation="Bentley City Farm",
            contact_name="Jo Fields",
            interests="animals",
            locality_id=locality_id,
            host_checked_on=clock.today() - timedelta(days=30),
            places=10,
        ),
    )


def objects(learner, other_user) -> dict[str, int]:
    opportunity = _opportunity(learner.locality_id, "Animal care")
    return {"opportunity": opportunity.id, "placement": _placement(learner, opportunity)}


def learner_routes() -> list:
    from tests.access_relations import (
        ADMIN,
        COORDINATOR,
        COORDINATORS_AND_ADMINS,
        FAMILY_ROLES,
        MENTOR,
        READ,
        WRITE,
        r,
        rule,
    )
    from virtualacademy.models import Role

    readers = FAMILY_ROLES | {Role.MENTOR} | COORDINATORS_AND_ADMINS
    loggers = FAMILY_ROLES | {Role.MENTOR, Role.ADMIN}
    decide = rule("community: decide a placement", COORDINATOR, ADMIN)
    assert MENTOR in WRITE.may  # the placement's sessions go in the learning log: its writers log them
    # fmt: off
    return [
        r("community.placement", "GET", PLACES + "/{placement}", READ, readers),
        r("community.log_placement_session", "GET", PLACES + "/{placement}/sessions/new", WRITE, loggers),
        r("community.log_placement_session", "POST", PLACES + "/{placement}/sessions/new", WRITE, loggers),
        r("community.decide_placement", "POST", PLACES + "/{placement}/decide", decide, COORDINATORS_AND_ADMINS),
    ]
    # fmt: on


def academy_objects(users: dict, learners: dict, localities: dict) -> dict[str, dict[str, int]]:
    made = {key: _opportunity(locality.id, f"Animal care in {locality.name}") for key, locality in localities.items()}
    by_locality = {made[key].locality_id: made[key] for key in made}
    return {
        key: {"placement": _placement(learner, by_locality[learner.locality_id])} for key, learner in learners.items()
    }
