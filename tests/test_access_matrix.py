"""Each role x each route (and method) x someone else's object: the status is the one tests/access.py expects.
Then, in a small academy (tests/access_relations.py), each person x each route of a child's x each child: only the
relations the rules name get through; list pages name, and staff-only writing reaches, no one else."""

import re
from html import unescape

import pytest
from werkzeug.exceptions import HTTPException

from tests import access_community
from tests.access import ANONYMOUS, EVERYONE, ROUTES, Route
from tests.access_relations import (
    CHILD_OBJECTS,
    CHILDREN,
    COORDINATORS,
    LEARNER_ROUTES,
    LIST_PAGES,
    LOCALITY_NAMES,
    PAGES_ABOUT_A_CHILD,
    PAGES_ABOUT_CHILDREN,
    PEOPLE,
    SECRETS,
    build_academy,
    expected_status,
    may_see,
    who_may,
)
from tests.conftest import csrf_token, sign_in
from tests.exams_objects import exam_objects
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
    ReportRunFactory,
    SafeguardingConcernFactory,
    SpendRequestFactory,
    SubjectAreaFactory,
    UserFactory,
    income_transfer,
)
from virtualacademy.models import Role, SpendStatus
from virtualacademy.services import ledger, sessions

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
    """A path in the matrices that a typo sends to another page (or to none) would probe the wrong thing."""
    urls = app.url_map.bind("localhost")
    wrong = []
    for route in [*ROUTES, *LEARNER_ROUTES, *(Route(p.endpoint, "GET", p.path, {}) for p in LIST_PAGES)]:
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
        "report_run": ReportRunFactory(requested_by=other_user).id,
        **exam_objects(learner),
        **access_community.objects(learner, other_user),
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


# --- the matrix by relationship: who reaches each child's pages in a small academy ------------------------------


def _only_admins_open(route) -> bool:
    return all(status == 403 for who, status in route.expect.items() if who not in {ANONYMOUS, Role.ADMIN.value})


def test_every_childs_route_is_in_the_relations_matrix():
    """A route that reaches something of one child's (or one locality's) is probed for every relationship, unless
    it is for admins only: then the role alone decides, and test_access_matrix probes each role."""
    placeholders = re.compile(r"{(\w+)}")
    owned = {
        (route.endpoint, route.method)
        for route in ROUTES
        if set(placeholders.findall(route.path)) & CHILD_OBJECTS and not _only_admins_open(route)
    }
    listed = {(route.endpoint, route.method) for route in LEARNER_ROUTES}
    assert sorted(owned - listed) == [], "routes missing from tests/access_relations.py LEARNER_ROUTES"
    assert sorted(listed - owned) == [], "LEARNER_ROUTES lists routes that are not in tests/access.py ROUTES"


@pytest.fixture
def invoices(app, tmp_path, monkeypatch):
    """Invoices are stored in a temporary instance folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))


def probes(who: str):
    """(route, child or locality) for ``who``: a page none of their roles opens is refused (403) before it looks
    at the child, so it is asked once, not once per child."""
    for route in LEARNER_ROUTES:
        targets = list(COORDINATORS if route.per_locality else CHILDREN)
        if route.page is not None and not PEOPLE[who].roles & route.page:
            targets = targets[:1]
        for target in targets:
            yield route, target


@pytest.mark.parametrize("who", PEOPLE)
def test_access_matrix_relations(who, app, client, db_session, invoices):
    """Each person of the small academy x each route of a child's x each child (and each locality): exactly those
    the relations allow get through; the rest get 404 (or 403 where no role of theirs opens the page)."""
    academy = build_academy()
    assert sign_in(client, academy.users[who].email).status_code == 302
    token = csrf_token(client, "/dashboard")
    failures = []
    for route, target in probes(who):
        path = route.path.format(**academy.objects[target])
        response = client.open(path, method=route.method, data={**route.data, "csrf_token": token}, buffered=True)
        expected = expected_status(route, who, target)
        if response.status_code != expected:
            failures.append(
                f"{route.method} {path} ({route.endpoint}, {target}, {route.rule.name}): "
                f"expected {expected}, got {response.status_code}"
            )
    assert failures == [], f"{who} ({PEOPLE[who].name}):\n" + "\n".join(failures)


@pytest.mark.parametrize("who", PEOPLE)
def test_lists_name_only_the_children_each_person_may_see(who, app, client, db_session, invoices):
    """The scoped queries behind list pages agree with the rules: a page names exactly the children (or
    localities) the person's relations allow; a dashboard or a queue names none that they do not."""
    academy = build_academy()
    assert sign_in(client, academy.users[who].email).status_code == 302
    me = PEOPLE[who]
    failures = []
    for page in LIST_PAGES:
        response = client.get(page.path, follow_redirects=True)
        if page.page is not None and not me.roles & page.page:
            if response.status_code != 403:
                failures.append(f"{page.path}: expected 403, got {response.status_code}")
            continue
        if response.status_code != 200:
            failures.append(f"{page.path}: expected 200, got {response.status_code}")
            continue
        text = response.get_data(as_text=True)
        # a child by the name they are known by (pages about a family use first names)
        names = LOCALITY_NAMES if page.per_locality else {key: child.name.split()[0] for key, child in CHILDREN.items()}
        named = {key for key, name in names.items() if re.search(rf"\b{name}\b", text)}
        allowed = may_see(page, who)
        if (named - allowed) if page.some else (named != allowed):
            failures.append(f"{page.path} ({page.rule.name}): names {sorted(named)}, may see {sorted(allowed)}")
    assert failures == [], f"{who} ({me.name}):\n" + "\n".join(failures)


@pytest.mark.parametrize("who", PEOPLE)
def test_what_staff_write_about_a_child_reaches_only_those_who_may_read_it(who, app, client, db_session, invoices):
    """The plan's staff notes, check-in notes, a concern and its chronology, about each child: on none of the pages
    a person reaches unless a relation allows it; where it does, on the page it belongs to."""
    academy = build_academy()
    assert sign_in(client, academy.users[who].email).status_code == 302
    pages = {}
    for path in PAGES_ABOUT_CHILDREN + [p.format(**academy.objects[c]) for p in PAGES_ABOUT_A_CHILD for c in CHILDREN]:
        response = client.get(path)
        if response.status_code == 200:
            pages[path] = unescape(response.get_data(as_text=True))
    failures = []
    for secret in SECRETS:
        for child in CHILDREN:
            text = secret.text.format(name=CHILDREN[child].name.split()[0])
            if who_may(secret.rule, who, child):
                home = secret.home.format(**academy.objects[child])
                if text not in pages.get(home, ""):
                    failures.append(f"{secret.name} about {child}: not on {home}")
            else:
                failures += [f"{secret.name} about {child}: on {path}" for path, page in pages.items() if text in page]
    assert failures == [], f"{who} ({PEOPLE[who].name}):\n" + "\n".join(failures)
