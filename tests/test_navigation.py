"""The menu marks the section the page belongs to as current (``aria-current``), not only its own page."""

import pytest
from flask_login import login_user

from tests.factories import UserFactory
from virtualacademy import navigation
from virtualacademy.models import Role
from virtualacademy.services import sessions


@pytest.mark.parametrize(
    ("role", "path", "current"),
    [
        (Role.ADMIN, "/dashboard", "Dashboard"),
        (Role.ADMIN, "/funding/years/3/census/autumn", "Funding"),
        (Role.ADMIN, "/learners/12", "Learners"),
        (Role.ADMIN, "/families/4/data", "Learners"),
        (Role.ADMIN, "/caseload/learners/12", "Mentoring"),
        (Role.ADMIN, "/admin/users/7", "Users"),
        (Role.COORDINATOR, "/funding/localities/2/spend", "Funding"),
        (Role.MENTOR, "/caseload/learners/12/check-in", "Caseload"),
        (Role.MENTOR, "/learning/learners/12/attendance", "Learning log"),
        (Role.GUARDIAN, "/funding/learners/12/budget", "Learning budgets"),
        (Role.GUARDIAN, "/family/learners/12", "Your family"),
        (Role.GUARDIAN, "/learning/evidence/40", "Learning log"),
        (Role.LEARNER, "/learning/learners/12/plan/history", "Learning plan"),
        (Role.LEARNER, "/learning/reviews/3", "Learning plan"),
        (Role.LEARNER, "/learning/learners/12/week", "Learning log"),
        (Role.LEARNER, "/funding/requests/8/check", "Learning budget"),
        (Role.SAFEGUARDING_LEAD, "/safeguarding/concerns/5", "Safeguarding"),
    ],
)
def test_exactly_the_pages_section_is_current(app, db_session, role, path, current):
    user = UserFactory(roles=[role])
    with app.test_request_context(path):
        sessions.start(user, None)
        login_user(user)
        items = navigation.items_for(user)
    assert [i["text"] for i in items if i["active"]] == [current]


def test_a_page_outside_every_section_marks_nothing(app, db_session):
    user = UserFactory(roles=[Role.MENTOR])
    with app.test_request_context("/account/password"):
        sessions.start(user, None)
        login_user(user)
        assert not any(i["active"] for i in navigation.items_for(user))
