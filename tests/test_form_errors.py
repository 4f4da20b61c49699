"""Every form's error path renders: each POST route of tests/access.py sent with nothing filled in, by every role,
in an academy where each role is related to the learner (so the pages that re-show a form with its errors are
reached, with everything else they show). Nothing is a 500."""

from __future__ import annotations

from sqlalchemy import select

from tests.access import ROUTES
from tests.conftest import csrf_token, post_form
from tests.world import build_world, client_for
from virtualacademy.models import Enrolment, Role

ROLES_IN_ORDER = [r.value for r in Role if r is not Role.ADMIN] + [Role.ADMIN.value]


def test_withdrawing_or_re_enrolling_with_a_form_error_shows_the_learners_whole_page(app, db_session):
    world = build_world()
    admin = client_for(app, world.users["admin"])
    learner = world.objects["learner"]
    detail = f"/learners/{learner}"
    assert "Invite them to sign in" in admin.get(detail).get_data(as_text=True)  # the parent without an account

    for path, message in [
        (f"/learners/{learner}/withdraw", "Enter the date they leave"),
        (f"/learners/{learner}/re-enrol", "Enter the start date"),
    ]:
        response = post_form(admin, path, {}, detail)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert "govuk-error-summary" in page and "Invite them to sign in" in page, path
        assert message in page, path
    assert db_session.scalars(select(Enrolment).where(Enrolment.end_date.is_not(None))).all() == []


def test_every_form_sent_empty_by_every_role_comes_back_without_an_error(app, db_session):
    world = build_world()
    clients = {role: client_for(app, user) for role, user in world.users.items()}
    posts = [r for r in ROUTES if r.method == "POST" and r.endpoint != "auth.sign_out"]
    assert len(posts) > 50
    failures = []
    for route in posts:
        path = world.path(route.path)
        for role in ROLES_IN_ORDER:
            client = clients[role]
            response = client.post(path, data={"csrf_token": csrf_token(client, "/forgotten-password")})
            if response.status_code >= 500:
                failures.append(f"{role} POST {path}: {response.status_code}")
    assert failures == []
