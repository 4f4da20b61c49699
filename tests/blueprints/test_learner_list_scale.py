"""The staff list of learners at national size: a page sends the same number of statements whether the academy
has 3 learners or 60 (the family, locality and enrolments each row shows are read for the page at once), for an
admin and for a coordinator."""

from datetime import date

from tests.conftest import sign_in
from tests.factories import LocalityFactory, UserFactory, many_learners
from tests.statements import statements_per_page
from virtualacademy.models import LocalityRole, LocalityStaff, Role

PATHS = ["/learners", "/learners?on_roll=yes"]


def test_the_learner_list_sends_as_many_statements_for_3_learners_as_for_60(app, db_session):
    north = LocalityFactory(name="North")
    admin = UserFactory(roles=[Role.ADMIN])
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    db_session.add(LocalityStaff(user_id=coordinator.id, locality_id=north.id, role=LocalityRole.COORDINATOR))
    many_learners(north, 3, date(2026, 9, 1))
    db_session.commit()
    counts = {}
    for who in (admin, coordinator):
        client = app.test_client()
        sign_in(client, who.email)
        counts[who.id, "small"] = statements_per_page(client, PATHS)
    many_learners(north, 57, date(2026, 9, 1))
    db_session.commit()
    for who in (admin, coordinator):
        client = app.test_client()
        sign_in(client, who.email)
        page = client.get("/learners").get_data(as_text=True)
        assert page.count('href="/learners/') >= 50  # a full page of 50 rows
        counts[who.id, "large"] = statements_per_page(client, PATHS)
        assert counts[who.id, "large"] == counts[who.id, "small"], who.roles
        # the second page (10 rows) sends as many as the first (50)
        assert (
            statements_per_page(client, ["/learners?page=2"])["/learners?page=2"]
            == counts[who.id, "large"]["/learners"]
        )
