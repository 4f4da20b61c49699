"""Each role x each route x someone else's object: the status is the one the table expects."""

import pytest

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
from virtualacademy.services import ledger, sessions

#: Routes that exist only inside individual tests.
IGNORED_ENDPOINTS = {"static"}


def test_every_route_is_in_the_access_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED_ENDPOINTS
    endpoints = {e for e in endpoints if not e.startswith("_")}
    listed = {route.endpoint for route in ROUTES}
    assert endpoints - listed == set(), "routes missing from tests/access.py ROUTES"
    assert listed - endpoints == set(), "ROUTES lists endpoints that no longer exist"


@pytest.mark.parametrize("who", EVERYONE)
def test_access_matrix(who, client, db_session):
    other_user = UserFactory(roles=["mentor"])
    sessions.start(other_user, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0")
    learner = GuardianFactory(family=LearnerFactory().family).family.learners[0]
    objects = {
        "other_user": other_user.id,
        "user_session": other_user.current_session_id,
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
