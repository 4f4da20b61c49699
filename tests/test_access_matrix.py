"""Each role x each route (and method) x someone else's object: the status is the one tests/access.py expects."""

import pytest
from werkzeug.exceptions import HTTPException

from tests.access import ANONYMOUS, EVERYONE, ROUTES
from tests.conftest import csrf_token, sign_in
from tests.factories import (
    AgreedActionFactory,
    ApplicationFactory,
    EvidenceFactory,
    ExhibitionFactory,
    FundingYearFactory,
    GoalFactory,
    GuardianFactory,
    LearnerFactory,
    LocalityFactory,
    LogEntryFactory,
    NotificationFactory,
    PlanReviewFactory,
    SafeguardingConcernFactory,
    SpendRequestFactory,
    SubjectAreaFactory,
    UserFactory,
    income_transfer,
)
from virtualacademy.models import SpendStatus
from virtualacademy.services import ledger

#: Routes that exist only inside individual tests.
IGNORED_ENDPOINTS = {"static"}


#: Methods every route answers by itself: HEAD is a GET without the body, OPTIONS lists the methods.
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}


def app_routes(app) -> set[tuple[str, str]]:
    """Every (endpoint, method) pair the app answers, but for static files and the automatic methods."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in IGNORED_ENDPOINTS and not rule.endpoint.startswith("_")
        for method in rule.methods - AUTOMATIC_METHODS
    }


def test_every_route_is_in_the_access_matrix(app):
    """Each method of each route is probed: a POST to a page is checked as well as its GET."""
    routes = app_routes(app)
    listed = {(route.endpoint, route.method) for route in ROUTES}
    assert sorted(routes - listed) == [], "routes (and methods) missing from tests/access.py ROUTES"
    assert sorted(listed - routes) == [], "ROUTES lists routes (or methods) that no longer exist"


def test_every_path_in_the_access_matrix_reaches_its_route(app):
    """A path in the matrix that a typo sends to another page (or to none) would probe the wrong thing."""
    urls = app.url_map.bind("localhost")
    wrong = []
    for route in ROUTES:
        path = route.path.split("?")[0].format_map(_AnyId())
        try:
            endpoint, _ = urls.match(path, method=route.method)
        except HTTPException as error:  # not found, another method, or a redirect (a slash missing): all wrong
            wrong.append(f"{route}: {type(error).__name__}")
            continue
        if endpoint != route.endpoint:
            wrong.append(f"{route}: reaches {endpoint}, not {route.endpoint}")
    assert wrong == []


class _AnyId(dict):
    """Fills every ``{object}`` of a path with an id, to match it against the app's routes."""

    def __missing__(self, key: str) -> str:
        return "1"


@pytest.mark.parametrize("who", EVERYONE)
def test_access_matrix(who, client, db_session):
    other_user = UserFactory(roles=["mentor"])
    learner = GuardianFactory(family=LearnerFactory().family).family.learners[0]
    objects = {
        "other_user": other_user.id,
        "locality": LocalityFactory().id,
        "application": ApplicationFactory().id,
        "notification": NotificationFactory(user=other_user).id,
        "learner": learner.id,
        "action": AgreedActionFactory(learner=learner).id,
        "family": learner.family_id,
        "concern": SafeguardingConcernFactory(learner=learner, raised_by=other_user).id,
        "funding_year": FundingYearFactory().id,
        "transfer": income_transfer().id,
        "spend_request": SpendRequestFactory(learner=learner).id,
        "spend_draft": SpendRequestFactory(learner=learner, status=SpendStatus.DRAFT).id,
        "account": ledger.personal_account(learner).id,
        "goal": (goal := GoalFactory(plan__learner=learner)).id,
        "plan_review": PlanReviewFactory(plan_id=goal.plan_id).id,
        "subject_area": SubjectAreaFactory().id,
        "log_entry": LogEntryFactory(learner=learner).id,
        "evidence": EvidenceFactory(learner=learner).id,
        "exhibition": ExhibitionFactory(learner=learner).id,
    }
    if who != ANONYMOUS:
        me = UserFactory(roles=[who])
        assert sign_in(client, me.email).status_code == 302
    failures = []
    for route in ROUTES:
        path = route.path.format(**objects)
        if route.method == "GET":
            response = client.get(path)
        else:
            token = csrf_token(client, "/forgotten-password")
            response = client.open(path, method=route.method, data={**route.data, "csrf_token": token})
        expected = route.expect[who]
        if response.status_code != expected:
            failures.append(f"{route.method} {path}: expected {expected}, got {response.status_code}")
        elif not route.is_public and who == ANONYMOUS and "/sign-in" not in response.headers["Location"]:
            failures.append(f"{route.method} {path}: anonymous not sent to sign in")
    assert failures == [], f"{who}:\n" + "\n".join(failures)
