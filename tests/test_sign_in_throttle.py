"""The growing wait after failed sign-ins: per account and per IP address, in the database (so every worker
sees it, and parallel requests cannot slip past it), never a lock-out, and cleared by an admin."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, post_form, sign_in
from tests.factories import UserFactory
from virtualacademy import clock
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.jobs import JOBS
from virtualacademy.models import AuditEvent, Role, SignInThrottle, ThrottleKind
from virtualacademy.services import accounts, throttle

WRONG = "not the password"
NEW_PASSWORD = "a brand new long passphrase"


def row(db_session, email) -> SignInThrottle | None:
    db_session.expire_all()
    return db_session.get(SignInThrottle, throttle.account_key(email))


def ip_rows(db_session) -> list[SignInThrottle]:
    db_session.expire_all()
    return list(db_session.scalars(select(SignInThrottle).where(SignInThrottle.kind == ThrottleKind.IP)))


def at_rest(db_session, user_id) -> SignInThrottle:
    """The one count kept about an account (its own, or one of its known browsers')."""
    db_session.expire_all()
    return db_session.scalar(select(SignInThrottle).where(SignInThrottle.user_id == user_id))


def just_after(travel, failure: SignInThrottle) -> None:
    """Move the clock to the moment of a failure (a little before it, so a slow request is still in the wait)."""
    travel(failure.last_failure_at - timedelta(seconds=2))


WAITING = re.compile(r"There have been too many failed attempts to sign in\. Wait [1-3] seconds?, then try again\.")


def fail_until_waiting(client, db_session, travel, email, seconds: int):
    """Fail, waiting out each delay, until the account's next attempt must wait ``seconds``."""
    while True:
        assert sign_in(client, email, WRONG).status_code == 200
        current = row(db_session, email)
        if current.not_before and current.not_before - current.last_failure_at >= timedelta(seconds=seconds):
            return current
        travel(current.not_before or clock.now())


def errors(response) -> str:
    page = response.get_data(as_text=True)
    start = page.index('class="govuk-error-summary')
    return page[start : page.index("</ul>", start)]


def test_the_wait_grows_with_each_failure_and_is_capped(app, ctx):
    assert [throttle.delay_after(n).total_seconds() for n in range(1, 16)] == [
        0,
        0,
        0,
        1,
        2,
        4,
        8,
        16,
        32,
        64,
        128,
        256,
        512,
        900,
        900,
    ]
    assert throttle.delay_after(10_000) == timedelta(minutes=15)
    free = app.config["LOGIN_DELAY_FREE_FAILURES_PER_IP"]
    assert throttle.delay_after(free, ThrottleKind.IP) == timedelta(0)
    assert throttle.delay_after(free + 1, ThrottleKind.IP) == timedelta(seconds=1)


def test_an_attempt_during_the_wait_is_refused_without_checking_the_password(client, db_session, travel):
    user = UserFactory()
    for _ in range(3):  # the first three failures cost nothing
        assert sign_in(client, user.email, WRONG).status_code == 200
    assert row(db_session, user.email).not_before is None
    assert sign_in(client, user.email, WRONG).status_code == 200  # the fourth: wait 1 s
    waiting = row(db_session, user.email)
    assert (waiting.failures, waiting.not_before - waiting.last_failure_at) == (4, timedelta(seconds=1))

    for password in (PASSWORD, WRONG):  # the right password too: it is not even checked
        just_after(travel, waiting)
        response = sign_in(client, user.email, password)
        assert response.status_code == 429
        assert WAITING.search(errors(response))
        assert "Enter a correct email address and password" not in errors(response)
    assert client.get("/dashboard").status_code == 302
    assert row(db_session, user.email).failures == 4  # refused attempts do not count
    refused = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_refused")).all()
    assert len(refused) == 2

    travel(waiting.not_before)
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    assert row(db_session, user.email) is None  # the account's count starts again


def test_a_long_wait_says_when_to_try_again_in_london_time(client, db_session, travel):
    user = UserFactory()
    waiting = fail_until_waiting(client, db_session, travel, user.email, 64)
    travel(waiting.last_failure_at + timedelta(seconds=1))
    response = sign_in(client, user.email, PASSWORD)
    assert response.status_code == 429
    retry = clock.london(waiting.not_before + timedelta(seconds=59))
    expected = f"Try again after {retry:%-I:%M}{'am' if retry.hour < 12 else 'pm'}."
    assert expected in errors(response)


def test_unknown_and_known_addresses_wait_alike(client, db_session, travel):
    """The waits say nothing about who has an account."""
    known = UserFactory(email="known@example.com")
    start = clock.now()
    outcomes = {}
    for n, email in enumerate((known.email, "unknown@example.com")):
        pages = []
        for _ in range(5):
            # Each attempt at the same moment as far as the waits go (the last a little earlier, still in the wait).
            travel(start + timedelta(minutes=n) - timedelta(seconds=2 if len(pages) == 4 else 0))
            response = sign_in(client, email, WRONG)
            # The same words; the seconds left may differ by one with the time a request takes.
            pages.append((response.status_code, re.sub(r"Wait \d+ seconds?", "Wait N seconds", errors(response))))
        outcomes[email] = pages
    assert outcomes["known@example.com"] == outcomes["unknown@example.com"]
    assert [status for status, _ in outcomes["unknown@example.com"]] == [200, 200, 200, 200, 429]
    assert "Wait N seconds, then try again." in outcomes["unknown@example.com"][4][1]


def test_a_strangers_failures_do_not_hold_up_the_familys_own_browser(app, db_session, travel):
    family = app.test_client()
    stranger = app.test_client()
    user = UserFactory(roles=[Role.GUARDIAN])
    assert sign_in(family, user.email).status_code == 302  # this browser is now known for this account
    post_form(family, "/sign-out")

    waiting = fail_until_waiting(stranger, db_session, travel, user.email, 60)
    travel(waiting.last_failure_at + timedelta(seconds=1))
    assert sign_in(stranger, user.email, PASSWORD).status_code == 429  # strangers wait

    assert sign_in(family, user.email).status_code == 302  # the family does not
    assert row(db_session, user.email).failures == waiting.failures  # and the strangers' count is untouched


def test_a_known_browser_has_its_own_count(app, client, db_session, travel):
    user = UserFactory()
    sign_in(client, user.email)
    post_form(client, "/sign-out")
    for _ in range(4):
        sign_in(client, user.email, WRONG)
    assert row(db_session, user.email) is None  # not the account's count
    (mine,) = db_session.scalars(select(SignInThrottle).where(SignInThrottle.kind == ThrottleKind.DEVICE)).all()
    assert (mine.user_id, mine.failures) == (user.id, 4)
    just_after(travel, mine)
    assert sign_in(client, user.email).status_code == 429  # it waits like any other
    travel(mine.not_before)
    assert sign_in(client, user.email).status_code == 302


def test_a_forged_known_device_cookie_is_ignored(app, client, db_session):
    user = UserFactory()
    client.set_cookie("known_device", "not-signed")
    for _ in range(4):
        sign_in(client, user.email, WRONG)
    assert row(db_session, user.email).failures == 4


def test_failures_from_one_address_make_it_wait_whatever_the_account(app, client, db_session, travel):
    app.config["LOGIN_DELAY_FREE_FAILURES_PER_IP"] = 2
    try:
        for n in range(3):  # a different account each time: password spraying
            assert sign_in(client, f"person{n}@example.com", WRONG).status_code == 200
        (address,) = ip_rows(db_session)
        assert address.failures == 3 and address.not_before is not None
        just_after(travel, address)
        assert sign_in(client, "someone.else@example.com", WRONG).status_code == 429
        other_address = app.test_client()
        other_address.environ_base["REMOTE_ADDR"] = "198.51.100.7"
        assert sign_in(other_address, "someone.else@example.com", WRONG).status_code == 200
        travel(address.not_before)
        assert sign_in(client, "someone.else@example.com", WRONG).status_code == 200
    finally:
        app.config["LOGIN_DELAY_FREE_FAILURES_PER_IP"] = 20


def test_no_email_or_address_is_stored(client, db_session):
    sign_in(client, "private.person@example.com", WRONG)
    stored = str([tuple(r) for r in db_session.execute(select(SignInThrottle.__table__)).all()])
    assert "private.person" not in stored and "127.0.0.1" not in stored
    assert len(db_session.scalars(select(SignInThrottle)).all()) == 2


def test_counts_are_forgotten_after_a_day_without_failures(app, client, db_session, travel):
    user = UserFactory()
    for _ in range(3):
        sign_in(client, user.email, WRONG)
    last = row(db_session, user.email).last_failure_at
    travel(last + timedelta(days=1, minutes=1))
    assert sign_in(client, user.email, WRONG).status_code == 200
    assert row(db_session, user.email).failures == 1  # counting from the start again, so no wait

    job = JOBS["forget-failed-sign-ins"].func
    later = clock.now() + timedelta(days=1, minutes=1)
    assert job(now=clock.now()) == 0  # still counting
    assert job(now=later) == 2  # the account's row and the address's
    assert job(now=later) == 0
    assert db_session.scalars(select(SignInThrottle)).all() == []


# --- the admin clears a wait --------------------------------------------------------------------------------


def test_an_admin_sees_failed_sign_ins_and_clears_them(app, client, db_session, travel):
    user = UserFactory(name="Pat Family")
    stranger = app.test_client()
    waiting = fail_until_waiting(stranger, db_session, travel, user.email, 30)
    travel(waiting.last_failure_at + timedelta(seconds=1))
    admin = UserFactory(roles=[Role.ADMIN])
    sign_in(client, admin.email)

    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert f"{waiting.failures} failed attempts to sign in" in page
    assert "The next attempt must wait until" in page
    response = post_form(client, f"/admin/users/{user.id}/clear-sign-in-delay", token_from=f"/admin/users/{user.id}")
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Pat Family’s failed sign-ins have been cleared" in page or "Pat Family&#39;s failed sign-ins" in page
    assert "Clear failed sign-ins" not in page

    assert row(db_session, user.email) is None
    assert sign_in(stranger, user.email, PASSWORD).status_code == 302  # straight away
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_delay_cleared"))
    assert (event.actor_id, event.object_id) == (admin.id, str(user.id))


def test_a_password_reset_clears_the_wait(app, client, db_session, travel):
    user = UserFactory()
    waiting = fail_until_waiting(client, db_session, travel, user.email, 30)
    travel(waiting.last_failure_at + timedelta(seconds=1))
    link = f"/reset-password/{accounts.make_token(user, accounts.RESET)}"
    post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, link)
    post_form(client, "/sign-out")
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302


# --- changing your password -------------------------------------------------------------------------------


def test_wrong_current_passwords_wait_like_failed_sign_ins(client, db_session, travel):
    user = UserFactory()
    sign_in(client, user.email)
    path = "/account/password"

    def change(current):
        return post_form(
            client, path, {"current_password": current, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, path
        )

    for _ in range(4):
        assert "Your current password is not correct" in errors(change(WRONG))
    counted = at_rest(db_session, user.id)
    just_after(travel, counted)
    refused = change(PASSWORD)
    assert refused.status_code == 429
    assert re.search(r"Your current password has been entered wrongly too often\. Wait [1-3] seconds?", errors(refused))
    assert db_session.get(type(user), user.id).password_hash == user.password_hash  # not changed
    assert client.get("/dashboard").status_code == 200  # still signed in

    travel(counted.not_before)
    assert change(PASSWORD).status_code == 302


# --- several workers at once ----------------------------------------------------------------------------------


def _attempt_in_a_worker(app, barrier, outcomes, email, ip):
    """One sign-in attempt as a separate worker would make it: its own database session, committed."""
    with app.app_context():
        barrier.wait()
        try:
            accounts.sign_in(email, WRONG, ip=ip, user_agent=None)
        except throttle.TooManyAttempts:
            outcomes.append("waited")
        except ValidationError:
            outcomes.append("checked")
        finally:
            db.session.commit()
            db.session.remove()


def _run_workers(app, targets):
    barrier = threading.Barrier(len(targets))
    outcomes: list[str] = []
    threads = [
        threading.Thread(target=_attempt_in_a_worker, args=(app, barrier, outcomes, email, ip)) for email, ip in targets
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("workers", [6])
def test_parallel_attempts_cannot_slip_past_the_wait(app, committed_db, workers):
    """Once a failure makes the account wait, attempts already in flight at the same moment are refused: the
    account's row is locked while a password is checked, so only one guess gets through."""
    with app.app_context():
        user = UserFactory()
        db.session.add(
            SignInThrottle(
                key=throttle.account_key(user.email),
                kind=ThrottleKind.ACCOUNT,
                user_id=user.id,
                failures=10,  # the next failure makes the account wait 128 s
                last_failure_at=clock.now() - timedelta(minutes=5),
                not_before=clock.now() - timedelta(minutes=1),
            )
        )
        db.session.commit()
        email = user.email

    outcomes = _run_workers(app, [(email, f"203.0.113.{n}") for n in range(workers)])

    assert sorted(outcomes) == ["checked"] + ["waited"] * (workers - 1)
    with app.app_context():
        assert db.session.get(SignInThrottle, throttle.account_key(email)).failures == 11


def test_parallel_failures_from_one_address_are_all_counted(app, committed_db):
    """No failure is lost when several workers count them at once (single atomic updates)."""
    outcomes = _run_workers(app, [(f"sprayed{n}@example.com", "203.0.113.50") for n in range(6)])
    assert outcomes == ["checked"] * 6
    with app.app_context():
        (address,) = db.session.scalars(select(SignInThrottle).where(SignInThrottle.kind == ThrottleKind.IP)).all()
        assert address.failures == 6
