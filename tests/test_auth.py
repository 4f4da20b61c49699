"""Signing in and out, throttling, password reset, invitations and changing a password."""

import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.conftest import PASSWORD, csrf_token, post_form, sign_in
from tests.factories import UserFactory
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import AuditEvent, OutboxMessage, Role, SignInThrottle, User
from virtualacademy.passwords import password_problem
from virtualacademy.services import accounts, throttle

NEW_PASSWORD = "a brand new long passphrase"


def audit_actions(session, action):
    return session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def throttle_row(session, email):
    """The count of failed sign-ins kept against an email address (None if there is none)."""
    session.expire_all()
    return session.get(SignInThrottle, throttle.account_key(email))


def link_in_last_email(session, to):
    message = session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id.desc())
    ).first()
    assert message is not None, f"no email queued for {to}"
    match = re.search(r"http://localhost(/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


# --- signing in --------------------------------------------------------------------


def test_sign_in_goes_to_the_dashboard_and_is_audited(client, db_session):
    user = UserFactory(name="Grace Hopper", roles=[Role.MENTOR])
    response = sign_in(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Hello, Grace Hopper" in page
    assert "Mentor" in page
    events = audit_actions(db_session, "auth.sign_in")
    assert [(e.actor_id, e.object_id, e.ip) for e in events] == [(user.id, str(user.id), "127.0.0.1")]
    assert db_session.get(User, user.id).last_sign_in_at is not None


def test_email_is_case_insensitive(client, db_session):
    user = UserFactory(email="mixed.case@example.com")
    assert sign_in(client, "  Mixed.Case@EXAMPLE.com ").status_code == 302
    assert client.get("/dashboard").status_code == 200
    with pytest.raises(accounts.ValidationError, match="already exists"):
        accounts.create_user("MIXED.CASE@example.com", "Someone Else")
    assert user.email == "mixed.case@example.com"


def test_database_refuses_an_email_that_is_not_lower_case(db_session):
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(User(email="Upper@Example.com", name="X"))
        db_session.flush()


@pytest.mark.parametrize(
    ("email_key", "password", "reason"),
    [
        ("known", "wrong password", "wrong_password"),
        ("unknown", PASSWORD, "unknown_email"),
        ("inactive", PASSWORD, "inactive"),
    ],
)
def test_failed_sign_in_gives_one_clear_message_and_is_audited(client, db_session, email_key, password, reason):
    known = UserFactory(email="known@example.com")
    UserFactory(email="inactive@example.com", active=False)
    response = sign_in(client, f"{email_key}@example.com", password)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Enter a correct email address and password" in page
    assert client.get("/dashboard").status_code == 302
    (event,) = audit_actions(db_session, "auth.sign_in_failed")
    assert event.detail["reason"] == reason
    assert event.detail["email"] == f"{email_key}@example.com"
    assert known.last_sign_in_at is None


def test_empty_sign_in_form_names_each_field(client, db_session):
    response = client.post("/sign-in", data={"csrf_token": csrf_token(client)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter your email address" in page and "Enter your password" in page


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/admin/users", "/admin/users"),
        ("/account/password?x=1", "/account/password?x=1"),
        ("//evil.example.com/", "/dashboard"),
        ("https://evil.example.com/", "/dashboard"),
        ("/\\evil.example.com", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
        ("dashboard", "/dashboard"),
        ("/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"),
    ],
)
def test_next_only_follows_local_paths(client, db_session, next_url, expected):
    user = UserFactory(roles=[Role.ADMIN])
    token = csrf_token(client)
    response = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "next": next_url, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_protected_page_sends_you_to_sign_in_and_back(client, db_session):
    user = UserFactory(roles=[Role.ADMIN])
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="/admin/users"' in page
    token = csrf_token(client)
    response = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "next": "/admin/users", "csrf_token": token}
    )
    assert response.headers["Location"] == "/admin/users"


def test_sign_out_needs_a_post_and_ends_the_session(client, db_session):
    user = UserFactory()
    sign_in(client, user.email)
    assert client.get("/sign-out").status_code == 405
    response = post_form(client, "/sign-out")
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 302
    assert len(audit_actions(db_session, "auth.sign_out")) == 1


def test_deactivated_user_is_signed_out_at_once(client, db_session):
    admin = UserFactory(roles=[Role.ADMIN])
    user = UserFactory()
    sign_in(client, user.email)
    assert client.get("/dashboard").status_code == 200
    accounts.set_active(admin, user, False)
    db_session.commit()
    assert client.get("/dashboard").status_code == 302


# --- throttling (more in tests/test_sign_in_throttle.py) -------------------------------------------------


def test_failed_sign_ins_never_lock_out_the_correct_password(client, db_session, travel):
    """They used to: five wrong passwords from anyone, and the account's owner got "Too many attempts" for 15
    minutes even with the right one. Now failures make the next attempt wait (briefly at first), and the right
    password after the wait signs in."""
    user = UserFactory()
    for _ in range(5):
        sign_in(client, user.email, "wrong password")
        travel(throttle_row(db_session, user.email).not_before or clock.now())  # wait as told
    response = sign_in(client, user.email, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert throttle_row(db_session, user.email) is None  # the count starts again


def test_successful_sign_ins_do_not_count_towards_the_limit(client, db_session):
    user = UserFactory()
    for _ in range(7):
        assert sign_in(client, user.email).status_code == 302
        post_form(client, "/sign-out")


def test_too_many_attempts_from_one_address_are_throttled(app, client, db_session):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per 15 minutes"
    try:
        for n in range(3):
            assert sign_in(client, f"nobody{n}@example.com", "x").status_code == 200
        response = sign_in(client, "someone.else@example.com", "x")
        assert response.status_code == 429
        page = response.get_data(as_text=True)
        assert "Too many attempts" in page and "Try again after" in page
        assert "reset your password" in page
        assert len(audit_actions(db_session, "security.rate_limited")) == 1
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = "30 per 15 minutes"


# --- password rules ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "10 characters or more"),
        ("password123", "too common"),
        ("Qwertyuiop", "too common"),
        ("aaaaaaaaaaaa", "too common"),
        ("jo@example.com", "must not be your email"),
        ("JO@EXAMPLE.COM", "must not be your email"),
        ("x" * 201, "200 characters or fewer"),
    ],
)
def test_weak_passwords_are_refused(password, problem):
    assert problem in password_problem(password, "jo@example.com", 10)


def test_a_good_password_is_accepted():
    assert password_problem("tea kettle under the stairs", "jo@example.com", 10) is None


# --- password reset ----------------------------------------------------------------------


def test_password_reset_by_emailed_single_use_link(client, db_session):
    user = UserFactory(email="forgetful@example.com")
    response = post_form(client, "/forgotten-password", {"email": "Forgetful@example.com"}, "/forgotten-password")
    assert "Check your email" in response.get_data(as_text=True)
    link = link_in_last_email(db_session, "forgetful@example.com")
    assert link.startswith("/reset-password/")

    page = client.get(link)
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, link)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200  # signed in

    # the link is spent
    post_form(client, "/sign-out")
    again = client.get(link)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)
    # the new password works, the old does not
    assert sign_in(client, user.email, PASSWORD).status_code == 200
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302
    assert len(audit_actions(db_session, "auth.password_reset")) == 1


def test_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(client, db_session):
    response = post_form(client, "/forgotten-password", {"email": "nobody@example.com"}, "/forgotten-password")
    assert "Check your email" in response.get_data(as_text=True)
    assert db_session.scalars(select(OutboxMessage)).all() == []


def test_expired_reset_link_is_refused(app, client, db_session):
    user = UserFactory()
    token = accounts.make_token(user, accounts.RESET)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        response = client.get(f"/reset-password/{token}")
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 3600
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_tampered_or_wrong_kind_of_link_is_refused(client, db_session):
    user = UserFactory()
    invitation = accounts.make_token(user, accounts.INVITATION)
    response = client.get(f"/reset-password/{invitation}")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    response = client.get(f"/reset-password/{accounts.make_token(user, accounts.RESET)}x")
    assert response.status_code == 400


def test_weak_new_password_keeps_the_link_usable(client, db_session):
    user = UserFactory()
    link = f"/reset-password/{accounts.make_token(user, accounts.RESET)}"
    response = post_form(client, link, {"password": "password123", "confirm": "password123"}, link)
    assert response.status_code == 200
    assert "too common" in response.get_data(as_text=True)
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": "different thing here"}, link)
    assert "The passwords do not match" in response.get_data(as_text=True)
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, link)
    assert response.status_code == 302


# --- invitations -------------------------------------------------------------------------


def test_admin_invites_staff_who_set_a_password_and_sign_in(client, db_session):
    admin = UserFactory(roles=[Role.ADMIN])
    sign_in(client, admin.email)
    response = post_form(
        client,
        "/admin/users/invite",
        {"name": "Nia Roberts", "email": "Nia.Roberts@example.com", "roles": ["mentor", "coordinator"]},
        "/admin/users/invite",
    )
    assert response.status_code == 302
    invited = db_session.scalar(select(User).where(User.email == "nia.roberts@example.com"))
    assert invited.roles == {Role.MENTOR, Role.COORDINATOR}
    assert invited.password_hash is None
    link = link_in_last_email(db_session, "nia.roberts@example.com")
    assert link.startswith("/invitation/")
    post_form(client, "/sign-out")

    page = client.get(link).get_data(as_text=True)
    assert "Welcome, Nia Roberts" in page
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, link)
    assert response.headers["Location"] == "/dashboard"
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Locality coordinator" in dashboard and "Mentor" in dashboard
    assert client.get(link).status_code == 400  # single use
    history = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(invited.id)).order_by(AuditEvent.id)
    ).all()
    assert history == ["user.created", "user.invited", "auth.invitation_accepted"]


def test_invited_user_cannot_sign_in_before_setting_a_password(client, db_session):
    admin = UserFactory(roles=[Role.ADMIN])
    accounts.invite(admin, "new.person@example.com", "New Person", [Role.MENTOR])
    assert sign_in(client, "new.person@example.com", "").status_code == 200
    assert sign_in(client, "new.person@example.com", "anything at all").status_code == 200


# --- changing your own password ------------------------------------------------------


def test_change_password_checks_the_current_one_and_signs_out_other_devices(app, client, db_session):
    user = UserFactory()
    other_device = app.test_client()
    sign_in(client, user.email)
    sign_in(other_device, user.email)
    path = "/account/password"

    response = post_form(
        client, path, {"current_password": "wrong", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, path
    )
    assert "Your current password is not correct" in response.get_data(as_text=True)
    response = post_form(
        client, path, {"current_password": PASSWORD, "new_password": user.email, "confirm": user.email}, path
    )
    assert "must not be your email" in response.get_data(as_text=True)

    response = post_form(
        client, path, {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, path
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200  # this device stays signed in
    assert other_device.get("/dashboard").status_code == 302  # the other is signed out
    assert sign_in(other_device, user.email, NEW_PASSWORD).status_code == 302
    assert len(audit_actions(db_session, "auth.password_changed")) == 1
    assert len(audit_actions(db_session, "auth.password_change_failed")) == 1


def test_passwords_are_stored_as_argon2_hashes(db_session):
    user = accounts.create_user("hash.me@example.com", "Hash Me", [Role.GUARDIAN], password=NEW_PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    assert NEW_PASSWORD not in user.password_hash
    db.session.flush()
