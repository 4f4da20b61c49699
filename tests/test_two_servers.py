"""Two web servers, one database and one Redis: nothing that matters lives in one process's memory.

Two real gunicorn servers on their own ports stand for two machines behind the reverse proxy. A browser (one
cookie jar, as behind a proxy) signs in on one and acts on the other; what one server does to the sessions the
other sees at once (they are rows in the database); and a rate limit counts requests to both (in Redis).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import pytest
from sqlalchemy import func, select

from tests.conftest import CSRF_RE, PASSWORD, banners, free_port
from tests.factories import UserFactory
from virtualacademy.extensions import db
from virtualacademy.models import SignInThrottle, UserSession
from virtualacademy.services import throttle

ROOT = Path(__file__).resolve().parent.parent
#: Password resets asked for from one address, across both servers, before the limit refuses.
RESET_LIMIT = 3


@dataclass
class Page:
    status: int
    body: str
    location: str | None

    def csrf_token(self) -> str:
        match = CSRF_RE.search(self.body)
        assert match, f"no CSRF token on the page ({self.status})"
        return unescape(match.group(1))


class _KeepRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


class Browser:
    """One browser: its cookies go to whichever server it asks (cookies do not depend on the port)."""

    def __init__(self):
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), _KeepRedirects())

    def open(self, url: str, form: dict | None = None) -> Page:
        data = urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(Request(url, data=data), timeout=60) as response:  # noqa: S310 - http://127.0.0.1
                return Page(response.status, response.read().decode(), response.headers.get("Location"))
        except HTTPError as error:
            with error:
                return Page(error.code, error.read().decode(), error.headers.get("Location"))

    def submit(self, form_page: str, action: str, form: dict | None = None) -> Page:
        """Fetch the form's page, then post the form with its CSRF token (both URLs may be on either server)."""
        return self.open(action, {**(form or {}), "csrf_token": self.open(form_page).csrf_token()})

    def sign_in(self, server: str, email: str) -> Page:
        return self.submit(f"{server}/sign-in", f"{server}/sign-in", {"email": email, "password": PASSWORD})


class Server:
    """``gunicorn wsgi:app`` on a free port, with the settings of a production machine's web process."""

    def __init__(self, env: dict[str, str], log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                [gunicorn, "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--timeout", "120", "wsgi:app"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_serving(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if Browser().open(f"{self.url}/sign-in").status == 200:
                    return
            except (URLError, ConnectionError):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn on port {self.port} did not start:\n{self.log()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture(scope="module")
def _servers(app, _redis_process, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """Started once for this file's tests (each takes a few seconds to start)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    logs = tmp_path_factory.mktemp("servers")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "GUNICORN_"))}
    env.update(
        APP_ENV="test",
        TEST_DATABASE_URL=url,
        TEST_REDIS_URL=_redis_process.url,  # the rate limits count there too (RATELIMIT_STORAGE_URI follows it)
        RESET_LIMIT_PER_IP=f"{RESET_LIMIT} per hour",
        FLASK_SKIP_DOTENV="1",
        PYTHONUNBUFFERED="1",
    )
    servers = [Server(env, logs / f"server-{name}.log") for name in ("a", "b")]
    try:
        for server in servers:
            server.wait_until_serving()
        yield servers[0].url, servers[1].url
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def two_servers(_servers, committed_db, redis_server) -> tuple[str, str]:
    """The two servers' addresses; the database and Redis are emptied after each test."""
    return _servers


def signed_in_sessions(app, email: str) -> int:
    with app.app_context():
        from virtualacademy.models import User

        count = db.session.scalar(select(func.count()).select_from(UserSession).join(User).where(User.email == email))
        db.session.remove()
        return count


def test_signed_in_on_one_server_a_browser_acts_on_the_other(app, two_servers):
    a, b = two_servers
    with app.app_context():
        UserFactory(name="Ada Lovelace", email="ada@example.com")
        db.session.commit()
        db.session.remove()
    laptop, phone = Browser(), Browser()
    assert laptop.sign_in(a, "ada@example.com").status == 302
    assert phone.sign_in(b, "ada@example.com").status == 302
    assert signed_in_sessions(app, "ada@example.com") == 2

    # The laptop signed in on A; B knows its session, and takes its form (the CSRF token A's pages carry too).
    account = laptop.open(f"{b}/account")
    assert account.status == 200 and "Ada Lovelace" in account.body
    done = laptop.submit(f"{a}/account", f"{b}/account/sign-out-everywhere-else")
    assert done.status == 302 and done.location.endswith("/account"), done.body[:500]
    # The message B left is shown by A.
    assert banners(laptop.open(f"{a}/account").body) == ["You have been signed out on 1 other device."]

    # The phone's session, ended by B, is refused by both servers at once; the laptop's goes on.
    for server in (a, b):
        refused = phone.open(f"{server}/dashboard")
        assert refused.status == 302 and "/sign-in" in refused.location
        assert laptop.open(f"{server}/dashboard").status == 200
    assert signed_in_sessions(app, "ada@example.com") == 1


def test_a_rate_limit_counts_the_requests_to_both_servers(two_servers, redis_server):
    a, b = two_servers
    browser = Browser()
    answers = []
    for server in (a, b, a, b, a):
        answer = browser.submit(
            f"{server}/forgotten-password", f"{server}/forgotten-password", {"email": "x@example.com"}
        )
        answers.append(answer.status)
    # Each server alone has seen at most three: only a count shared through Redis refuses the fourth and fifth.
    assert answers == [200] * RESET_LIMIT + [429] * (5 - RESET_LIMIT)
    with redis_server.client() as client:
        assert any(key.startswith(b"LIMITS:LIMITER/virtualacademy/") for key in client.keys("*")), client.keys("*")


def test_failed_sign_ins_on_both_servers_count_as_one(app, two_servers):
    """The sign-in throttle is in the database: failures split between the servers add up, and past the free ones
    the account's next attempt must wait, whichever server it reaches."""
    a, b = two_servers
    with app.app_context():
        UserFactory(email="grace@example.com")
        db.session.commit()
        db.session.remove()
    browser = Browser()
    free = app.config["LOGIN_DELAY_FREE_FAILURES"]
    for server in [a, b] * ((free + 2) // 2):  # one more than the free failures, or two
        wrong = {"email": "grace@example.com", "password": "not the password"}
        assert browser.submit(f"{server}/sign-in", f"{server}/sign-in", wrong).status in (200, 429)
    with app.app_context():
        row = db.session.get(SignInThrottle, throttle.account_key("grace@example.com"))
        assert row.failures > free
        assert row.not_before is not None and row.not_before > row.last_failure_at
        db.session.remove()


def test_with_redis_down_the_servers_carry_on_and_each_counts_its_own_limits(app, two_servers, _redis_process):
    a, b = two_servers
    with app.app_context():
        UserFactory(email="ada@example.com")
        db.session.commit()
        db.session.remove()
    _redis_process.stop()
    try:
        browser = Browser()
        # Sessions are in the database: signing in on one server and reading on the other go on as before.
        assert browser.sign_in(a, "ada@example.com").status == 302
        assert browser.open(f"{b}/dashboard").status == 200
        anonymous = Browser()
        answers = {a: [], b: []}
        for server in (a, a, a, a, b):
            form = {"email": "x@example.com"}
            answers[server].append(
                anonymous.submit(f"{server}/forgotten-password", f"{server}/forgotten-password", form).status
            )
        # The flood limit still holds, counted in each server's memory until Redis is back.
        assert answers == {a: [200] * RESET_LIMIT + [429], b: [200]}
    finally:
        _redis_process.start()
