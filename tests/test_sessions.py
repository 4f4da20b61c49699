"""Signed-in sessions kept on the server: a copied cookie stops working when its session ends (sign-out, a
password change or reset, "sign out everywhere else", deactivation, the idle timeout), the account page lists
the devices, and the job deletes expired sessions."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_token, post_form, sign_in
from tests.factories import GuardianFactory, LearnerFactory, UserFactory
from virtualacademy import clock
from virtualacademy.jobs import JOBS
from virtualacademy.models import AuditEvent, Role, SignInThrottle, User, UserSession
from virtualacademy.services import accounts, data_protection, sessions, throttle

NEW_PASSWORD = "a brand new long passphrase"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
SIGNED_OUT_ENDED = "You were signed out because this session was ended"


def browser(app, user_agent: str):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie (as someone who took it would)."""
    thief = app.test_client()
    thief.set_cookie("session", session_cookie(client))
    return thief


def session_key(app, client) -> str:
    data = app.session_interface.get_signing_serializer(app).loads(session_cookie(client))
    return data["_user_id"]


def count_sessions(db_session, user) -> int:
    return db_session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id))


def signed_out_page(client, path="/dashboard") -> str:
    """Ask for a signed-in page; it must send the browser to sign in. Returns the sign-in page it shows."""
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")
    return client.get(response.headers["Location"]).get_data(as_text=True)


# --- a copied cookie ---------------------------------------------------------------------------------------


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(app, client, db_session):
    user = UserFactory()
    sign_in(client, user.email)
    thief = copy_of(app, client)
    assert thief.get("/dashboard").status_code == 200  # the copy works while the session lasts

    post_form(client, "/sign-out")

    page = signed_out_page(thief)
    assert SIGNED_OUT_ENDED in page
    assert count_sessions(db_session, user) == 0
    # The message is given once; after that it is an ordinary visit to a signed-in page.
    assert SIGNED_OUT_ENDED not in signed_out_page(thief)


def test_a_copied_cookie_stops_working_after_a_password_change_but_this_device_stays(app, client, db_session):
    user = UserFactory()
    other_device = app.test_client()
    sign_in(client, user.email)
    sign_in(other_device, user.email)
    copy = copy_of(app, other_device)
    path = "/account/password"

    response = post_form(
        client, path, {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, path
    )

    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert client.get("/dashboard").status_code == 200
    assert SIGNED_OUT_ENDED in signed_out_page(copy)
    assert other_device.get("/dashboard").status_code == 302
    assert count_sessions(db_session, user) == 1
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.password_changed"))
    assert event.detail == {"other_sessions_ended": 1}


def test_a_password_reset_ends_every_session_and_signs_this_browser_in(app, client, db_session):
    user = UserFactory()
    sign_in(client, user.email)
    copy = copy_of(app, client)
    browser = app.test_client()
    link = f"/reset-password/{accounts.make_token(user, accounts.RESET)}"

    response = post_form(browser, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, link)

    assert response.status_code == 302
    assert browser.get("/dashboard").status_code == 200
    assert client.get("/dashboard").status_code == 302
    assert copy.get("/dashboard").status_code == 302
    assert count_sessions(db_session, user) == 1


def test_deactivating_an_account_ends_its_sessions(app, client, db_session):
    admin = UserFactory(roles=[Role.ADMIN])
    user = UserFactory()
    sign_in(client, user.email)
    admin_browser = app.test_client()
    sign_in(admin_browser, admin.email)

    post_form(admin_browser, f"/admin/users/{user.id}/deactivate", token_from=f"/admin/users/{user.id}")

    assert count_sessions(db_session, user) == 0
    assert client.get("/dashboard").status_code == 302


def test_an_old_or_made_up_session_id_is_refused_with_a_message(app, client, db_session):
    user = UserFactory()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = f"{user.id}:{user.security_stamp}"  # the form sessions took before
        cookie["_fresh"] = True
    assert SIGNED_OUT_ENDED in signed_out_page(client)


def test_only_a_hash_of_the_session_key_is_stored(app, client, db_session):
    user = UserFactory()
    sign_in(client, user.email)
    key = session_key(app, client)
    row = db_session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert len(key) >= 40
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(
        [tuple(r) for r in db_session.execute(select(UserSession.__table__)).all()]
    )  # nowhere in the row
    assert str(user.id) != key and user.security_stamp not in key


# --- idle timeouts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "timeout", "text"),
    [([Role.MENTOR], timedelta(hours=2), "2 hours"), ([Role.GUARDIAN], timedelta(hours=8), "8 hours")],
    ids=["staff", "family"],
)
def test_an_unused_session_ends_after_its_idle_timeout(client, db_session, travel, roles, timeout, text):
    user = UserFactory(roles=roles)
    start = clock.now()
    sign_in(client, user.email, PASSWORD)

    travel(start + timeout - timedelta(minutes=5))
    assert client.get("/dashboard").status_code == 200  # in use: the timeout starts again from here
    travel(start + 2 * timeout - timedelta(minutes=10))
    assert client.get("/dashboard").status_code == 200

    travel(start + 3 * timeout)
    page = signed_out_page(client)
    assert f"You were signed out because you had not used the academy for {text}" in page
    assert count_sessions(db_session, user) == 0


def test_the_idle_timeouts_are_settings(app, client, db_session, travel):
    user = UserFactory(roles=[Role.ADMIN, Role.GUARDIAN])  # staff and family: the shorter, staff timeout
    app.config["SESSION_IDLE_TIMEOUT_STAFF"] = 30 * 60
    try:
        start = clock.now()
        sign_in(client, user.email)
        travel(start + timedelta(minutes=31))
        assert "had not used the academy for 30 minutes" in signed_out_page(client)
    finally:
        app.config["SESSION_IDLE_TIMEOUT_STAFF"] = 2 * 60 * 60


def test_last_used_is_written_at_most_once_a_minute(client, db_session, travel):
    user = UserFactory()
    start = clock.now()
    sign_in(client, user.email)
    row = db_session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    signed_in_at = row.last_seen_at

    travel(start + timedelta(seconds=30))
    client.get("/dashboard")
    db_session.refresh(row)
    assert row.last_seen_at == signed_in_at  # nothing written

    travel(start + timedelta(seconds=90))
    client.get("/dashboard")
    db_session.refresh(row)
    assert row.last_seen_at > signed_in_at + timedelta(seconds=80)
    assert row.expires_at == row.last_seen_at + sessions.idle_timeout(user)


def test_the_job_deletes_expired_sessions_and_is_idempotent(app, db_session, travel):
    mentor, guardian = UserFactory(roles=[Role.MENTOR]), UserFactory(roles=[Role.GUARDIAN])
    now = clock.now()
    with app.test_request_context():
        sessions.start(mentor, CHROME_ANDROID, now)
        sessions.start(guardian, SAFARI_IPHONE, now)
    job = JOBS["expired-sessions"].func

    assert job(now=now + timedelta(hours=1)) == 0
    assert job(now=now + timedelta(hours=3)) == 1  # the mentor's (2 hours); the guardian's lasts 8
    assert job(now=now + timedelta(hours=3)) == 0
    assert [s.user_id for s in db_session.scalars(select(UserSession))] == [guardian.id]
    assert job(now=now + timedelta(hours=9)) == 1


# --- your account: your signed-in devices ------------------------------------------------------------------


def test_the_account_page_lists_your_devices_and_marks_this_one(app, db_session):
    user = UserFactory(name="Grace Hopper", email="grace@example.com")
    phone = browser(app, CHROME_ANDROID)
    laptop = browser(app, SAFARI_IPHONE)
    stranger = app.test_client()
    sign_in(phone, user.email)
    sign_in(laptop, user.email)
    sign_in(stranger, UserFactory().email)

    page = phone.get("/account").get_data(as_text=True)

    assert "Your account" in page and "Grace Hopper" in page and "grace@example.com" in page
    assert 'href="/account/password"' in page
    assert "Your signed-in devices" in page
    cards = re.findall(r'<h3 class="govuk-summary-card__title">(.*?)</h3>', page, re.S)
    # This device first, then the others, most recently used first.
    assert [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cards] == [
        "Chrome on Android This device",
        "Safari on iPhone",
    ]
    assert page.count("This device") == 1
    assert "Sign out everywhere else" in page
    assert page.count('action="/account/devices/') == 1  # only the other device has its own button
    # The header's link to the account is the current page.
    assert re.search(r'href="/account" aria-current="page">Grace Hopper', page)


def test_sign_out_everywhere_else_keeps_only_this_device(app, db_session):
    user = UserFactory()
    here, there, elsewhere = (app.test_client() for _ in range(3))
    for browser in (here, there, elsewhere):
        sign_in(browser, user.email)
    other = UserFactory()
    others_browser = app.test_client()
    sign_in(others_browser, other.email)

    response = post_form(here, "/account/sign-out-everywhere-else", token_from="/account")

    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "You have been signed out on 2 other devices." in here.get("/account").get_data(as_text=True)
    assert here.get("/dashboard").status_code == 200
    assert there.get("/dashboard").status_code == 302
    assert elsewhere.get("/dashboard").status_code == 302
    assert others_browser.get("/dashboard").status_code == 200  # nobody else's
    assert count_sessions(db_session, user) == 1
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.signed_out_elsewhere"))
    assert (event.actor_id, event.detail) == (user.id, {"sessions": 2})


def test_sign_out_everywhere_else_needs_the_form_token(app, client, db_session):
    user = UserFactory()
    sign_in(client, user.email)
    assert client.post("/account/sign-out-everywhere-else").status_code == 400


def test_sign_out_one_other_device(app, db_session):
    user = UserFactory()
    here = app.test_client()
    there = browser(app, SAFARI_IPHONE)
    sign_in(here, user.email)
    sign_in(there, user.email)
    theirs = db_session.scalar(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id.desc())
    )

    response = post_form(here, f"/account/devices/{theirs.id}/sign-out", token_from="/account")

    assert response.headers["Location"] == "/account"
    assert "Safari on iPhone has been signed out." in here.get("/account").get_data(as_text=True)
    assert there.get("/dashboard").status_code == 302
    assert here.get("/dashboard").status_code == 200


def test_someone_elses_device_is_not_found(app, client, db_session):
    me, them = UserFactory(), UserFactory()
    theirs = app.test_client()
    sign_in(theirs, them.email)
    sign_in(client, me.email)
    their_session = db_session.scalar(select(UserSession).where(UserSession.user_id == them.id))

    response = post_form(client, f"/account/devices/{their_session.id}/sign-out", token_from="/account")

    assert response.status_code == 404
    assert theirs.get("/dashboard").status_code == 200


def test_signing_this_device_out_from_the_list_is_signing_out(app, client, db_session):
    user = UserFactory()
    sign_in(client, user.email)
    mine = db_session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    response = post_form(client, f"/account/devices/{mine.id}/sign-out", token_from="/account")
    assert response.headers["Location"] == "/sign-in"
    assert count_sessions(db_session, user) == 0


# --- recognising a device ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (CHROME_ANDROID, "Chrome on Android"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87",
            "Edge on Windows",
        ),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox on Mac"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.5 Safari/605.1.15",
            "Safari on Mac",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
            "Chrome on iPad",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "Samsung Internet on Android",
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36",
            "Chrome on Chromebook",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0", "Firefox on Linux"),
        ("curl/8.5.0", "An unrecognised browser"),
        ("", "An unrecognised browser"),
        (None, "An unrecognised browser"),
    ],
)
def test_a_device_is_named_as_a_person_would_recognise_it(user_agent, device):
    assert sessions.describe_device(user_agent) == device


def test_a_very_long_user_agent_is_summarised_within_the_column(app, db_session):
    user = UserFactory()
    with app.test_request_context():
        sessions.start(user, "Mozilla/5.0 " + "x" * 5000)
    assert db_session.scalar(select(UserSession.device).where(UserSession.user_id == user.id)) == (
        "An unrecognised browser"
    )


# --- signing in elsewhere ---------------------------------------------------------------------------------


def test_accepting_an_invitation_and_creating_an_account_start_a_session(app, client, db_session):
    admin = UserFactory(roles=[Role.ADMIN])
    invited = accounts.invite(admin, "new.mentor@example.com", "New Mentor", [Role.MENTOR])
    db_session.commit()
    link = f"/invitation/{accounts.make_token(invited, accounts.INVITATION)}"
    response = client.post(
        link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": csrf_token(client, link)}
    )
    assert response.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    assert count_sessions(db_session, db_session.get(User, invited.id)) == 1


# --- data protection ----------------------------------------------------------------------------------------


def test_a_familys_devices_are_in_its_subject_access_export_and_go_on_erasure(app, db_session):
    family = LearnerFactory().family
    guardian = GuardianFactory(family=family)
    staff = UserFactory(roles=[Role.MENTOR])
    with app.test_request_context():
        key = sessions.start(guardian.user, SAFARI_IPHONE)
        sessions.start(staff, CHROME_ANDROID)
        attempt = throttle.begin(guardian.user.email, "203.0.113.9")
        throttle.failed(attempt)

    data = data_protection.subject_access(family)
    [device] = data["signed_in_devices"]
    assert device["device"] == "Safari on iPhone" and device["user_id"] == guardian.user.id
    assert {"created_at", "last_seen_at", "expires_at"} <= set(device)
    assert "key_hash" not in device and key not in str(data)
    assert ("signed_in_devices", "Signed-in devices", 1) in data_protection.holdings(data)

    erased = data_protection.SECTIONS["signed_in_devices"].erase(data_protection.subject(family))
    assert erased == 2  # the session, and the count of failed sign-ins kept against the account
    assert count_sessions(db_session, guardian.user) == 0 and count_sessions(db_session, staff) == 1
    assert db_session.scalars(select(SignInThrottle).where(SignInThrottle.user_id == guardian.user.id)).all() == []


def test_following_a_reset_link_while_signed_in_as_someone_else_ends_their_session(app, client, db_session):
    parent, child = UserFactory(roles=[Role.GUARDIAN]), UserFactory(roles=[Role.LEARNER])
    sign_in(client, parent.email)  # a shared family computer
    link = f"/reset-password/{accounts.make_token(child, accounts.RESET)}"
    post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, link)
    assert "Hello, " + child.name in client.get("/dashboard").get_data(as_text=True)
    assert count_sessions(db_session, parent) == 0 and count_sessions(db_session, child) == 1
