"""The scheduler: its commands, the leader lock that lets only one scheduler act, and
real ``flask --app wsgi scheduler run`` processes delivering the mail outbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.test_mail import queue_reset
from virtualacademy.extensions import db
from virtualacademy.models import OutboxMessage, OutboxStatus
from virtualacademy.models.base import utcnow
from virtualacademy.models.scheduler import SchedulerLock
from virtualacademy.scheduler import LeaderLock, LockLost, run_forever

ROOT = Path(__file__).resolve().parent.parent
#: Short lock lifetime for the scheduler processes: waiting longer than this shows the
#: holder's heartbeat keeps the lock (on SQLite, where the lock is a row that expires).
PROCESS_LOCK_TTL = 3


def wait_until(condition: Callable[[], bool], timeout: float, what: str, detail: Callable[[], str] = str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}\n{detail()}")
        time.sleep(0.05)


def queue_and_commit(app, to: str) -> None:
    with app.app_context():
        queue_reset(to)
        db.session.commit()
        db.session.remove()


def statuses(app) -> dict[str, tuple[OutboxStatus, int]]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).all()
        result = {m.to_address: (m.status, m.attempts) for m in rows}
        db.session.remove()
        return result


@contextmanager
def leader_locks(app, *ttls: int) -> Iterator[list[LeaderLock]]:
    with app.app_context():
        locks = [LeaderLock(db.engine, ttl=ttl) for ttl in ttls]
        try:
            yield locks
        finally:
            for lock in locks:
                lock.release()


# --- the commands -----------------------------------------------------------------


def test_list_names_the_jobs_with_the_schedules_the_config_gives(app, runner, monkeypatch):
    result = runner.invoke(args=["scheduler", "list"])
    assert result.exit_code == 0, result.output
    assert "deliver-mail" in result.output
    assert "every minute (MAIL_OUTBOX_INTERVAL_SECONDS)" in result.output
    assert "weekdays at 07:30 (Europe/London; CHECKIN_REMINDER_TIME)" in result.output
    assert "daily at 02:30 (Europe/London)" in result.output

    monkeypatch.setitem(app.config, "MAIL_OUTBOX_INTERVAL_SECONDS", 10)  # development's interval
    monkeypatch.setitem(app.config, "CHECKIN_SKIP_WEEKENDS", False)
    result = runner.invoke(args=["scheduler", "list"])
    assert "every 10 seconds (MAIL_OUTBOX_INTERVAL_SECONDS)" in result.output
    assert "daily at 07:30 (Europe/London; CHECKIN_REMINDER_TIME)" in result.output
    # One column each for names and schedules, however long the longest is.
    rows = [line for line in result.output.splitlines() if line.strip()]
    starts = {line.index(schedule) for line, schedule in zip(rows, [r.split()[1] for r in rows], strict=True)}
    assert len(rows) >= 10 and len(starts) == 1


def test_run_once_delivers_the_outbox_and_a_rerun_sends_nothing_twice(app, committed_db, smtp_server):
    queue_and_commit(app, "ada@example.com")
    queue_and_commit(app, "grace@example.com")
    cli = app.test_cli_runner()

    first = cli.invoke(args=["scheduler", "run-once", "deliver-mail"])
    assert first.exit_code == 0, first.output
    assert "sent=2" in first.output
    assert sorted(m["To"] for m in smtp_server.messages) == ["ada@example.com", "grace@example.com"]

    again = cli.invoke(args=["scheduler", "run-once", "deliver-mail"])
    assert again.exit_code == 0, again.output
    assert "sent=0" in again.output
    assert len(smtp_server.messages) == 2
    assert statuses(app) == {
        "ada@example.com": (OutboxStatus.SENT, 1),
        "grace@example.com": (OutboxStatus.SENT, 1),
    }
    # run-once gave the lock back.
    with leader_locks(app, 60) as (lock,):
        assert lock.try_acquire()


def test_run_once_at_runs_the_job_as_if_at_that_time(app, committed_db, smtp_server):
    queue_and_commit(app, "ada@example.com")
    cli = app.test_cli_runner()
    an_hour_ago = (utcnow() - timedelta(hours=1)).isoformat()
    in_a_minute = (utcnow() + timedelta(minutes=1)).isoformat()

    early = cli.invoke(args=["scheduler", "run-once", "deliver-mail", "--at", an_hour_ago])
    assert early.exit_code == 0, early.output
    assert "sent=0" in early.output  # not yet due an hour ago
    assert smtp_server.messages == []

    due = cli.invoke(args=["scheduler", "run-once", "deliver-mail", "--at", in_a_minute])
    assert due.exit_code == 0, due.output
    assert "sent=1" in due.output
    assert len(smtp_server.messages) == 1


def test_run_once_an_unknown_job_is_a_clear_error(runner):
    result = runner.invoke(args=["scheduler", "run-once", "send-everything"])
    assert result.exit_code != 0
    assert "No job called 'send-everything'" in result.output
    assert "deliver-mail" in result.output


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("2026-11-23T07:00:00", "--at needs a time zone"),
        ("next tuesday", "--at must be an ISO 8601 time"),
    ],
)
def test_run_once_refuses_an_at_without_a_zone_or_not_a_time(runner, at, message):
    result = runner.invoke(args=["scheduler", "run-once", "deliver-mail", "--at", at])
    assert result.exit_code != 0
    assert message in result.output


def test_run_once_waits_for_a_running_scheduler_and_gives_up(app, committed_db, smtp_server):
    queue_and_commit(app, "ada@example.com")
    cli = app.test_cli_runner()
    with leader_locks(app, 60) as (scheduler_lock,):
        assert scheduler_lock.try_acquire()
        blocked = cli.invoke(args=["scheduler", "run-once", "deliver-mail", "--wait", "0.5"])
        assert blocked.exit_code == 1
        assert "Waiting for the scheduler lock" in blocked.output
        assert "Another scheduler process holds the lock" in blocked.output
        assert smtp_server.messages == []
        scheduler_lock.release()

        done = cli.invoke(args=["scheduler", "run-once", "deliver-mail", "--wait", "0.5"])
        assert done.exit_code == 0, done.output
        assert len(smtp_server.messages) == 1


# --- the leader lock ----------------------------------------------------------------


def test_the_lock_has_one_holder_at_a_time(app, committed_db):
    with leader_locks(app, 60, 60) as (first, second):
        assert first.try_acquire()
        assert first.try_acquire()  # asking again while holding it is harmless
        assert first.renew()
        assert not second.try_acquire()
        started = time.monotonic()
        assert second.acquire(timeout=0.5, poll=0.1) is False
        assert time.monotonic() - started >= 0.5
        assert first.held and not second.held

        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
        assert not first.renew()


def test_acquire_stops_waiting_when_told_to(app, committed_db):
    with leader_locks(app, 60, 60) as (first, second):
        assert first.try_acquire()
        stop = threading.Event()
        threading.Timer(0.2, stop.set).start()
        started = time.monotonic()
        assert second.acquire(poll=5, stop=stop) is False  # no timeout: only the stop ends the wait
        assert time.monotonic() - started < 4


def test_a_dead_holder_loses_the_lock_and_a_live_one_keeps_it(app, committed_db):
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        _sqlite_lock_expires_unless_renewed(app)
    else:
        assert dialect == "postgresql"
        _postgresql_lock_dies_with_its_session(app)


def _sqlite_lock_expires_unless_renewed(app):
    with leader_locks(app, 1, 1) as (first, second):
        assert first.try_acquire()
        with app.app_context():
            # The raw SQL writes timestamps the way the ORM reads them.
            row = db.session.get(SchedulerLock, "scheduler")
            assert row.holder == first.holder
            assert timedelta(0) < row.expires_at - utcnow() <= timedelta(seconds=1)
            db.session.remove()

        time.sleep(0.6)
        assert first.renew()
        time.sleep(0.6)  # past the first expiry, but renewed
        assert not second.try_acquire()

        time.sleep(1.1)  # the holder stopped renewing: the lock expired
        assert second.try_acquire()
        assert not first.renew()
        assert not first.held
        first.release()  # a stale holder's release does not free someone else's lock
        with app.app_context():
            assert db.session.get(SchedulerLock, "scheduler").holder == second.holder
            db.session.remove()

    # And the reverse: an expiry the ORM wrote is read correctly by the raw SQL.
    with app.app_context():
        row = db.session.get(SchedulerLock, "scheduler")
        row.holder, row.expires_at = "crashed-host:1", utcnow() + timedelta(seconds=60)
        db.session.commit()
    with leader_locks(app, 60) as (newcomer,):
        assert not newcomer.try_acquire()
        with app.app_context():
            db.session.get(SchedulerLock, "scheduler").expires_at = utcnow() - timedelta(seconds=1)
            db.session.commit()
            db.session.remove()
        assert newcomer.try_acquire()


def _postgresql_lock_dies_with_its_session(app):
    with leader_locks(app, 60, 60) as (first, second):
        assert first.try_acquire()
        pid = first._connection.execute(text("SELECT pg_backend_pid()")).scalar()
        first._connection.commit()
        time.sleep(0.2)
        assert first.renew()
        assert not second.try_acquire()

        # The holder's database session ends (a crash, a network cut): the lock is free.
        with app.app_context(), db.engine.connect() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        wait_until(second.try_acquire, 5, "the lock to be free")
        assert not first.renew()
        assert not first.held


# --- the scheduler itself -------------------------------------------------------------


@contextmanager
def scheduler_in_a_thread(app) -> Iterator[list[str]]:
    """``run_forever`` in a thread (no signal handlers there), stopped when the block ends; yields what it says."""
    said: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(app,), kwargs={"echo": said.append, "stop": stop}, daemon=True)
    thread.start()
    try:
        yield said
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive(), "\n".join(said)


def test_run_forever_delivers_mail_and_releases_the_lock_when_stopped(app, committed_db, smtp_server):
    """The job runs at start, and a stop releases the lock."""
    queue_and_commit(app, "ada@example.com")
    with scheduler_in_a_thread(app) as said:
        wait_until(lambda: len(smtp_server.messages) == 1, 10, "the scheduler to deliver", lambda: "\n".join(said))
        assert any("Scheduler lock taken" in line for line in said)
        with leader_locks(app, 60) as (other,):
            assert not other.try_acquire()
    assert said[-1] == "Scheduler stopped and lock released."
    with leader_locks(app, 60) as (other,):
        assert other.try_acquire()
    assert statuses(app) == {"ada@example.com": (OutboxStatus.SENT, 1)}


def take_the_lock_away(app) -> None:
    """What another process could do to a scheduler that stopped renewing in time: on
    SQLite its lock row gets a new holder; on PostgreSQL its lock session ends."""
    with app.app_context(), db.engine.begin() as connection:
        if db.engine.dialect.name == "sqlite":
            stolen = connection.execute(text("UPDATE scheduler_lock SET holder = 'another-host:1'")).rowcount
        else:
            stolen = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND objid = :k AND granted"
                ),
                {"k": LeaderLock(db.engine)._key},
            ).scalar()
    assert stolen == 1


def test_a_scheduler_that_loses_its_lock_stops(app, committed_db, monkeypatch):
    monkeypatch.setitem(app.config, "SCHEDULER_LOCK_TTL", 3)  # a heartbeat every second
    said: list[str] = []
    raised: list[BaseException] = []

    def run():
        try:
            run_forever(app, echo=said.append, stop=threading.Event())
        except LockLost as exc:
            raised.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    wait_until(lambda: any("Scheduler lock taken" in line for line in said), 10, "the lock", lambda: "\n".join(said))
    take_the_lock_away(app)
    thread.join(10)
    assert not thread.is_alive(), "\n".join(said)
    assert len(raised) == 1
    assert said[-1] == "Scheduler stopped and lock released."


class SchedulerProcess:
    """``flask --app wsgi scheduler run`` in its own process, its output collected line by line."""

    def __init__(self, env: dict[str, str]):
        flask = Path(sys.executable).with_name("flask")
        self.proc = subprocess.Popen(
            [str(flask), "--app", "wsgi", "scheduler", "run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def said(self, words: str) -> bool:
        return any(words in line for line in self.lines)

    def wait_for(self, words: str, timeout: float = 15) -> None:
        def seen() -> bool:
            if self.said(words):
                return True
            if self.proc.poll() is not None:
                self._reader.join(2)
                if not self.said(words):
                    pytest.fail(f"scheduler exited ({self.proc.returncode}) without saying {words!r}:\n{self.output}")
            return False

        wait_until(seen, timeout, repr(words), lambda: self.output)

    def terminate(self, timeout: float = 15) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"scheduler did not stop on SIGTERM:\n{self.output}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._reader.join(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@contextmanager
def scheduler_process(env: dict[str, str]) -> Iterator[SchedulerProcess]:
    process = SchedulerProcess(env)
    try:
        yield process
    finally:
        process.kill()


@pytest.fixture
def scheduler_env(app, smtp_server) -> dict[str, str]:
    """What a scheduler process needs to use this test's database and SMTP server."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLASK_")}
    env.update(
        APP_ENV="test",
        TEST_DATABASE_URL=url,
        DATABASE_URL=url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_server.port),
        MAIL_OUTBOX_INTERVAL_SECONDS="1",
        SCHEDULER_LOCK_TTL=str(PROCESS_LOCK_TTL),
        FLASK_SKIP_DOTENV="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def test_a_second_scheduler_process_waits_until_the_first_stops(app, committed_db, smtp_server, scheduler_env):
    queue_and_commit(app, "before@example.com")
    with scheduler_process(scheduler_env) as first:
        first.wait_for("Scheduler lock taken")
        # The job runs in the scheduler's own process.
        wait_until(lambda: len(smtp_server.messages) == 1, 10, "the first scheduler to deliver", lambda: first.output)

        with scheduler_process(scheduler_env) as second:
            second.wait_for("Another scheduler holds the lock; waiting")
            # Longer than the lock's lifetime: the first scheduler's heartbeat keeps it.
            time.sleep(PROCESS_LOCK_TTL + 0.5)
            assert not second.said("Scheduler lock taken"), second.output
            assert second.proc.poll() is None

            assert first.terminate() == 0, first.output
            assert first.said("Signal 15 received")
            assert first.said("Scheduler stopped and lock released.")

            second.wait_for("Scheduler lock taken")
            queue_and_commit(app, "after@example.com")
            wait_until(
                lambda: len(smtp_server.messages) == 2, 10, "the second scheduler to deliver", lambda: second.output
            )
            assert second.terminate() == 0, second.output
            assert second.said("Scheduler stopped and lock released.")

    assert [m["To"] for m in smtp_server.messages] == ["before@example.com", "after@example.com"]
    assert statuses(app) == {
        "before@example.com": (OutboxStatus.SENT, 1),
        "after@example.com": (OutboxStatus.SENT, 1),
    }
