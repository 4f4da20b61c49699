"""Rate limits on the forms that send email or reveal whether an address has an account (starting an
application, a learner account), and pages never kept in a cache (the application, every signed-in page)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import GuardianFactory, LearnerFactory, UserFactory
from virtualacademy import clock
from virtualacademy.models import AuditEvent, OutboxMessage, Role


@pytest.fixture
def limits(app):
    """Set rate limits for one test (Flask-Limiter reads them per request)."""
    saved = {}

    def _set(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config[key])
            app.config[key] = value

    yield _set
    app.config.update(saved)


def start_application(client, email, name="Jo Example"):
    """Post the first page of the application in a fresh draft."""
    with client.session_transaction() as cookie:
        cookie.pop("application_id", None)
    path = "/apply/your-details"
    return client.post(path, data={"name": name, "email": email, "csrf_token": csrf_token(client, path)})


def emails_to(db_session, address) -> int:
    return db_session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to_address == address))


# --- starting an application ------------------------------------------------------------------------------


def test_starting_applications_is_limited_per_address(client, db_session, limits):
    limits(APPLY_LIMIT_PER_IP="3 per hour")
    for n in range(3):
        assert start_application(client, f"parent{n}@example.com").status_code == 302
    response = start_application(client, "one.more@example.com")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and "Try again after" in page
    assert emails_to(db_session, "one.more@example.com") == 0
    assert (
        db_session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "security.rate_limited")
        )
        == 1
    )


def test_one_inbox_cannot_be_flooded_with_application_emails(app, client, db_session, limits):
    limits(APPLY_LIMIT_PER_EMAIL="2 per day")
    for n in range(2):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"  # from anywhere
        assert start_application(browser, "victim@example.com").status_code == 302
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    assert start_application(browser, "victim@example.com").status_code == 429
    assert emails_to(db_session, "victim@example.com") == 2
    assert start_application(browser, "someone.else@example.com").status_code == 302


def test_only_requests_that_email_count_towards_the_application_limits(client, db_session, limits):
    limits(APPLY_LIMIT_PER_IP="2 per hour")
    path = "/apply/your-details"
    # Mistakes on the form send nothing and do not count.
    for _ in range(3):
        response = client.post(path, data={"name": "", "email": "not an email", "csrf_token": csrf_token(client, path)})
        assert response.status_code == 200
    assert start_application(client, "jo@example.com").status_code == 302  # 1: emailed
    # Correcting the name on the same draft sends nothing and does not count ...
    for _ in range(3):
        response = client.post(
            path, data={"name": "Jo Exampel", "email": "jo@example.com", "csrf_token": csrf_token(client, path)}
        )
        assert response.status_code == 302
    # ... a new address does (a link goes to it).
    response = client.post(
        path, data={"name": "Jo Example", "email": "jo.new@example.com", "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 302  # 2: emailed
    assert emails_to(db_session, "jo.new@example.com") == 1
    response = client.post(
        path, data={"name": "Jo Example", "email": "jo.other@example.com", "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 429


# --- a learner account ----------------------------------------------------------------------------------------


def test_asking_for_learner_accounts_is_limited_per_parent(app, client, db_session, limits):
    limits(LEARNER_INVITE_LIMIT="3 per hour")
    today = clock.today()
    learner = LearnerFactory(date_of_birth=date(today.year - 13, 1, 1))
    guardian = GuardianFactory(family=learner.family)
    taken = UserFactory(email="taken@example.com")
    sign_in(client, guardian.user.email)
    path = f"/family/learners/{learner.id}"
    # Trying address after address, to find out which have accounts, is what the limit stops.
    for _ in range(3):
        page = post_form(client, f"{path}/account", {"email": taken.email}, path).get_data(as_text=True)
        assert "already exists" in page
    response = post_form(client, f"{path}/account", {"email": "free@example.com"}, path)
    assert response.status_code == 429
    # Another parent is not held up by it.
    other = LearnerFactory(date_of_birth=date(today.year - 13, 1, 1))
    other_guardian = GuardianFactory(family=other.family)
    other_client = app.test_client()
    sign_in(other_client, other_guardian.user.email)
    other_path = f"/family/learners/{other.id}"
    assert post_form(other_client, f"{other_path}/account", {"email": "kid@example.com"}, other_path).status_code == 302


# --- never stored in a cache -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/apply", "/apply/your-details", "/apply/address", "/apply/resume/not-a-real-token"])
def test_application_pages_are_never_stored(client, db_session, path):
    response = client.get(path)
    assert response.headers["Cache-Control"] == "no-store"


def test_application_pages_with_a_draft_and_after_posting_are_never_stored(client, db_session):
    response = start_application(client, "jo@example.com")
    assert response.status_code == 302 and response.headers["Cache-Control"] == "no-store"
    for path in ("/apply/address", "/apply/children", "/apply/check"):
        assert client.get(path).headers["Cache-Control"] == "no-store"


def test_signed_in_pages_are_never_stored(client, db_session):
    user = UserFactory(roles=[Role.ADMIN])
    sign_in(client, user.email)
    for path in ("/dashboard", "/account", "/admin/users", "/no-such-page"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_public_pages_and_static_files_keep_their_own_caching(client, db_session):
    assert "no-store" not in client.get("/privacy").headers.get("Cache-Control", "")
    assert "no-store" not in client.get("/sign-in").headers.get("Cache-Control", "")
    anonymous = client.get("/static/images/logo.svg")
    assert anonymous.status_code == 200 and "no-store" not in anonymous.headers.get("Cache-Control", "")
    anonymous.close()

    sign_in(client, UserFactory().email)
    signed_in = client.get("/static/images/logo.svg")
    assert signed_in.status_code == 200
    assert signed_in.headers.get("Cache-Control") == anonymous.headers.get("Cache-Control")  # not overridden
    assert "no-store" not in signed_in.headers.get("Cache-Control", "")
    revalidated = client.get("/static/images/logo.svg", headers={"If-None-Match": signed_in.headers["ETag"]})
    assert revalidated.status_code == 304  # conditional requests still work
    for response in (signed_in, revalidated):
        response.close()
