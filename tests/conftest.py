"""Test fixtures: the app, a database per run built by the real migrations, one
rolled-back transaction per test, a real local SMTP server, and sign-in helpers.

Set ``TEST_DATABASE_URL=postgresql+psycopg://...`` to run the same suite on PostgreSQL.

Every statement the app sends is checked by the parameter guard: one that binds more than
``MAX_BOUND_PARAMETERS`` values fails the test that sent it (see docs/performance.md, "No unbounded IN lists").
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from aiosmtpd.controller import Controller
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text
from sqlalchemy.engine.interfaces import ExecuteStyle
from sqlalchemy.orm import Session

from virtualacademy import clock, create_app
from virtualacademy.extensions import db, limiter
from virtualacademy.models import Base

PASSWORD = "correct horse battery staple"

#: The suite runs on the one clock set to this moment (it keeps ticking from there), so that nothing passes or
#: fails with the day it runs: a Tuesday in term time with a single-digit day and month, in winter time.
#: Set ``TEST_CLOCK_START`` (an ISO time with its offset) to run the suite on another day.
SUITE_STARTS_AT = datetime(2027, 3, 2, 10, 0, tzinfo=clock.LONDON)


def _suite_start() -> datetime:
    value = os.environ.get("TEST_CLOCK_START")
    return datetime.fromisoformat(value) if value else SUITE_STARTS_AT


@pytest.fixture(scope="session", autouse=True)
def _the_suites_clock() -> Iterator[None]:
    """Set the clock for the whole run, and hand it to any subprocess (a scheduler) the tests start."""
    offset = clock.travel_to(_suite_start())
    os.environ[clock.OFFSET_VARIABLE] = str(offset.total_seconds())
    try:
        yield
    finally:
        os.environ.pop(clock.OFFSET_VARIABLE, None)
        clock.reset()


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


def _reset_schema(app: Flask) -> None:
    """Empty the test database, then build it with the migrations (never create_all)."""
    with app.app_context():
        engine = db.engine
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            else:
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                names = [
                    r[0]
                    for r in connection.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                    )
                ]
                for name in names:
                    connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
        upgrade()


# --- the parameter guard -----------------------------------------------------------------

#: The most values one statement may bind in the suite. PostgreSQL refuses a statement with more than 65,535
#: and SQLite more than 32,766; a statement binding over a thousand is almost always an ``IN (...)`` built from
#: a list of ids that grows with the academy, which breaks at national size. Use a join or a subquery, or
#: chunks when the values come from outside the database.
MAX_BOUND_PARAMETERS = 1_000


class TooManyParameters(Exception):
    """A statement bound more values than the suite allows."""


def bound_parameters(parameters, context, executemany: bool) -> int:
    """How many values one execution of the statement binds, which is what the databases limit.

    A plain execute binds its parameters. An executemany (a bulk insert, or update) sends the statement once a
    row, so it is the parameters of one row that count, however many rows there are; SQLAlchemy's
    "insertmanyvalues" batches (a bulk INSERT sent as one multi-row VALUES, kept under the databases' limits by
    SQLAlchemy) count one row's parameters too."""
    if not parameters:
        return 0
    if executemany and getattr(context, "execute_style", None) is ExecuteStyle.INSERTMANYVALUES:
        rows = getattr(context, "compiled_parameters", None) or [parameters]
        return len(rows[0])
    if executemany and isinstance(parameters, list | tuple) and isinstance(parameters[0], dict | list | tuple):
        return max(len(row) for row in parameters)
    return len(parameters)


@dataclass(eq=False)  # hashable: an event listener
class ParameterGuard:
    """A ``before_cursor_execute`` listener that refuses any statement binding more than ``limit`` values.

    It raises, so the statement is never sent and the trace shows where it came from, and it keeps what it
    refused, so the test fails even if the app caught the error (``_no_unbounded_in_lists``)."""

    limit: int = MAX_BOUND_PARAMETERS
    refused: list[str] = field(default_factory=list)

    def __call__(self, _conn, _cursor, statement, parameters, context, executemany):
        count = bound_parameters(parameters, context, executemany)
        if count > self.limit:
            message = (
                f"a statement bound {count:,} parameters (the suite allows {self.limit:,}; PostgreSQL stops at "
                f"65,535, SQLite at 32,766): use a join or a subquery, not a list of ids\n{statement[:300]}"
            )
            self.refused.append(message)
            raise TooManyParameters(message)
        return statement, parameters


PARAMETER_GUARD = ParameterGuard()


@pytest.fixture(autouse=True)
def _no_unbounded_in_lists():
    """A statement the parameter guard refused fails the test that sent it, whatever the test asserted."""
    PARAMETER_GUARD.refused.clear()
    yield
    if PARAMETER_GUARD.refused:
        refused, PARAMETER_GUARD.refused[:] = list(PARAMETER_GUARD.refused), []
        pytest.fail(f"{len(refused)} statement(s) refused by the parameter guard; the first: {refused[0]}")


class FreshRequestClient(FlaskClient):
    """Tests hold an app context open (for the rolled-back session), and Flask then
    reuses it, and its ``g``, for every request. Production requests each get a fresh
    ``g``; so do these (otherwise the signed-in user would leak between clients)."""

    def open(self, *args, **kwargs):
        if has_app_context():
            for key in list(g):
                g.pop(key)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory) -> Iterator[Flask]:
    url = _database_url(tmp_path_factory)
    app = create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": url})
    app.test_client_class = FreshRequestClient
    _reset_schema(app)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", PARAMETER_GUARD, retval=True)
    yield app
    with app.app_context():
        event.remove(db.engine, "before_cursor_execute", PARAMETER_GUARD)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def travel():
    """``travel(instant)`` moves the clock for this test; the suite's clock comes back afterwards."""
    saved = clock.offset()
    yield clock.travel_to
    clock.set_offset(saved)


@pytest.fixture(autouse=True)
def _no_unhandled_errors(caplog):
    """A 500 from a bug fails the test that caused it, whatever the test asserted."""
    yield
    crashes = [r for r in caplog.get_records("call") if r.name == "virtualacademy.web" and r.levelname == "ERROR"]
    if crashes and not getattr(caplog, "allow_unhandled", False):
        pytest.fail("unhandled error in the app: " + crashes[0].getMessage() + "\n" + (crashes[0].exc_text or ""))


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    """Sign-in throttling counts per test, not across the run."""
    with app.app_context():
        limiter.reset()
    yield


@pytest.fixture
def db_session(app) -> Iterator[Session]:
    """Everything the test and the app under test write is rolled back afterwards.

    The app's own ``commit()`` calls release a savepoint inside one outer transaction
    (SQLAlchemy 2's ``join_transaction_mode="create_savepoint"``).
    """
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        original_session = db.session
        engines[None] = connection
        db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original_session
            engines[None] = engine
            outer.rollback()
            connection.close()


@pytest.fixture
def committed_db(app) -> Iterator[None]:
    """For tests where other threads or processes must see the data (scheduler,
    browser): real commits, and every table emptied afterwards."""
    yield
    with app.app_context():
        db.session.remove()
        empty_all_tables()


def empty_all_tables() -> None:
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def ctx(app, db_session):
    """An app context over the rolled-back session, for service-level tests."""
    with app.test_request_context():
        yield db_session


@pytest.fixture
def client(app, db_session):
    return app.test_client()


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


# --- a real SMTP server ---------------------------------------------------------


@dataclass
class Inbox:
    messages: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler protocol
        from email import message_from_bytes
        from email.policy import default

        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    """aiosmtpd on a free local port; ``stop()`` and ``start()`` simulate an outage."""

    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return self.inbox.messages


@pytest.fixture
def smtp_server(app) -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    old = (app.config["MAIL_SERVER"], app.config["MAIL_PORT"])
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    try:
        yield server
    finally:
        server.stop()
        app.config.update(MAIL_SERVER=old[0], MAIL_PORT=old[1])


# --- a real Redis server -------------------------------------------------------------

_redis_unavailable_key = pytest.StashKey[str]()


def redis_server_path() -> str | None:
    """``REDIS_SERVER_PATH`` if set (and only that), else ``redis-server`` on the PATH or in /usr/bin."""
    explicit = os.environ.get("REDIS_SERVER_PATH")
    candidates = [explicit] if explicit else [shutil.which("redis-server"), "/usr/bin/redis-server"]
    return next((c for c in candidates if c and os.path.isfile(c) and os.access(c, os.X_OK)), None)


def redis_required() -> bool:
    """CI (and anyone with REQUIRE_BROWSER=1 or REQUIRE_REDIS=1) must run the Redis tests: a missing server fails."""
    truthy = {"1", "true", "yes", "on"}
    return any(
        os.environ.get(name, "").strip().lower() in truthy for name in ("REQUIRE_REDIS", "REQUIRE_BROWSER", "CI")
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without ``redis-server`` the tests that need it are deselected and the summary says so, unless required."""
    ours = [item for item in items if "redis_server" in getattr(item, "fixturenames", ())]
    if not ours or redis_server_path() is not None or redis_required():
        return
    config.stash[_redis_unavailable_key] = (
        f"{len(ours)} Redis test(s) deselected: redis-server was not found (install Debian's `redis-server`)."
    )
    config.hook.pytest_deselected(items=ours)
    items[:] = [item for item in items if item not in ours]


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    message = config.stash.get(_redis_unavailable_key, None)
    if message:
        terminalreporter.section("Redis tests did not run", sep="=", yellow=True, bold=True)
        terminalreporter.write_line(message)
        terminalreporter.write_line("Set REQUIRE_REDIS=1 (CI does) to make a missing redis-server fail the run.")


class RedisServer:
    """``redis-server`` of its own on a free local port, keeping nothing on disk: the suite never uses the
    machine's shared Redis."""

    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        from redis import Redis

        return Redis.from_url(self.url)

    def start(self) -> None:
        path = redis_server_path()
        if path is None:
            pytest.fail("redis-server was not found (install Debian's `redis-server`).", pytrace=False)
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(
            [path, *args, "--dir", str(self.directory), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        with self.client() as client:
            while True:
                try:
                    client.ping()
                    return
                except Exception:
                    if self.proc.poll() is not None or time.monotonic() > deadline:
                        self.stop()
                        pytest.fail(f"redis-server did not start on port {self.port}", pytrace=False)
                    time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def flush(self) -> None:
        with self.client() as client:
            client.flushall()


@pytest.fixture(scope="session")
def _redis_process(tmp_path_factory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server(_redis_process) -> Iterator[RedisServer]:
    """The suite's Redis, emptied before and after the test."""
    _redis_process.flush()
    yield _redis_process
    _redis_process.flush()


# --- signing in ---------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/sign-in") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, email: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def post_form(client, path: str, data: dict | None = None, token_from: str | None = None, **kwargs):
    """POST like a browser: with the CSRF token taken from a page (default: the dashboard)."""
    token = csrf_token(client, token_from or "/dashboard")
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


# --- banners ----------------------------------------------------------------------------------

_BANNER_RE = re.compile(r'<p class="govuk-notification-banner__heading">(.*?)</p>', re.S)
_BANNER_LINK_RE = re.compile(r'<a class="govuk-notification-banner__link" href="([^"]*)">(.*?)</a>', re.S)


def banners(page: str) -> list[str]:
    """Each notification banner's message as read, its link written ``[link text](href)``."""
    from html import unescape

    return [unescape(_BANNER_LINK_RE.sub(r"[\2](\1)", found)).strip() for found in _BANNER_RE.findall(page)]
