"""Access-matrix rows for calendar feeds, announcements and community email choices (see
``tests/access_community/__init__.py``).

The public locality feed is open to everyone (an unknown locality is a 404); a family's private feed with a token
that is not real is a 404 for everyone. The calendar page and the community settings are the family's; making a
new private link for a family that is not yours (here: none named) is a 404. Every signed-in person reads the
announcements they may see: the shared one is for a locality nobody in the role matrix belongs to, so staff read
it and families get a 404. Posting is for coordinators and admins (an empty form comes back with its errors).
"""

from __future__ import annotations

#: Path names in ``learner_routes()`` that are one child's (or one locality's) things.
CHILD_OBJECTS: set[str] = set()


def routes() -> list:
    from tests.access import ANONYMOUS, ROLES, SIGN_IN_REDIRECT, Route, public, roles, scoped_roles, signed_in
    from virtualacademy.models import Role

    family = {Role.GUARDIAN, Role.LEARNER}
    posters = {Role.COORDINATOR, Role.ADMIN}
    return [
        public("community.locality_feed", "/community/localities/{locality}/events.ics"),
        public("community.locality_feed", "/community/localities/2147483647/events.ics", 404),
        public("community.family_feed", "/community/feeds/not-a-real-token.ics", 404),
        roles("community.calendar", "/community/calendar", family),
        scoped_roles("community.reset_feed", "/community/calendar/reset", family, set(), method="POST"),
        signed_in("community.announcements", "/community/announcements"),
        Route(
            "community.announcement",
            "GET",
            "/community/announcements/{announcement}",
            {ANONYMOUS: SIGN_IN_REDIRECT, **{r: 404 if r in ("guardian", "learner") else 200 for r in ROLES}},
        ),
        roles("community.new_announcement", "/community/announcements/new", posters),
        roles("community.new_announcement", "/community/announcements/new", posters, method="POST"),
        roles("community.settings", "/community/settings", family),
        roles("community.settings", "/community/settings", family, method="POST"),
    ]


def objects(learner, other_user) -> dict[str, int]:
    from virtualacademy import clock
    from virtualacademy.extensions import db
    from virtualacademy.models import Announcement

    announcement = Announcement(
        locality_id=learner.locality_id,
        title="Forest school is back",
        body="See you on Saturday.",
        body_html="<p>See you on Saturday.</p>",
        created_at=clock.now(),
    )
    db.session.add(announcement)
    db.session.flush()
    return {"announcement": announcement.id}


def learner_routes() -> list:
    from tests.access_relations import ANYONE, SIGNED_IN, r, rule

    public_feed = rule("a locality's public calendar", ANYONE)
    return [r("community.locality_feed", "GET", "/community/localities/{locality}/events.ics", public_feed, SIGNED_IN)]


def academy_objects(users: dict, learners: dict, localities: dict) -> dict[str, dict[str, int]]:
    return {}
