"""The scheduler process: ``flask --app wsgi scheduler run``.

It never runs inside web workers. With ``REDIS_URL`` set it only enqueues each job when it is due
(:mod:`virtualacademy.work_queue`) and worker processes run them; without it, it runs them itself.
Only one scheduler acts at a time: a process first takes the leader lock (a PostgreSQL advisory lock held on
its own connection; on SQLite a row in ``scheduler_lock`` renewed by a heartbeat) and a second process waits
until the first stops.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from virtualacademy import clock, work_queue
from virtualacademy.extensions import db
from virtualacademy.jobs import JOBS, Job, run_job

log = logging.getLogger(__name__)

LOCK_NAME = "scheduler"


class LockLost(RuntimeError):
    """The scheduler lost its lock (another process may now act), so it stopped."""


class LeaderLock:
    """A lock across processes, machines included, kept in the shared database."""

    def __init__(self, engine: Engine, name: str = LOCK_NAME, ttl: int = 60, holder: str | None = None):
        self.engine = engine
        self.name = name
        self.ttl = ttl
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._connection: Connection | None = None  # PostgreSQL: the session that holds the advisory lock
        self.held = False

    @property
    def _postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def _key(self) -> int:
        return zlib.crc32(f"virtualacademy:{self.name}".encode())

    def try_acquire(self) -> bool:
        if self._postgresql:
            if self._connection is not None:  # already ours: a second session could not take it
                return self.renew()
            connection = self.engine.connect()
            # The lock lives as long as this database session: keep it out of the pool, so
            # closing it really ends the session (and a pooled reuse can never inherit the lock).
            connection.detach()
            try:
                got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar())
                connection.commit()
            except Exception:
                connection.close()
                raise
            if got:
                self._connection = connection
            else:
                connection.close()
            self.held = got
            return got
        self.held = self._sqlite_claim()
        return self.held

    def _sqlite_claim(self) -> bool:
        now = clock.now()
        expires = now + timedelta(seconds=self.ttl)
        with self.engine.begin() as connection:
            updated = connection.execute(
                text(
                    "UPDATE scheduler_lock SET holder = :me, expires_at = :exp "
                    "WHERE name = :name AND (holder IS NULL OR holder = :me OR expires_at < :now)"
                ),
                {"me": self.holder, "exp": _iso(expires), "name": self.name, "now": _iso(now)},
            ).rowcount
        if updated:
            return True
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    text("INSERT INTO scheduler_lock (name, holder, expires_at) VALUES (:name, :me, :exp)"),
                    {"name": self.name, "me": self.holder, "exp": _iso(expires)},
                )
        except IntegrityError:
            return False
        return True

    def acquire(
        self,
        timeout: float | None = None,
        poll: float = 2.0,
        on_wait: Callable[[], object] | None = None,
        stop: threading.Event | None = None,
    ) -> bool:
        """Wait until the lock is ours; False if ``timeout`` seconds pass or ``stop`` is set first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        told = False
        while not self.try_acquire():
            if not told and on_wait is not None:
                on_wait()
                told = True
            if deadline is not None and time.monotonic() >= deadline:
                return False
            delay = poll if deadline is None else max(0.0, min(poll, deadline - time.monotonic()))
            if stop is None:
                time.sleep(delay)
            elif stop.wait(delay):
                return False
        return True

    def renew(self) -> bool:
        """Keep holding the lock; False if it was lost (then the process must stop)."""
        try:
            if self._postgresql:
                self.held = self._connection is not None and self._pg_holds()
            else:
                self.held = self.held and self._sqlite_claim()
        except Exception:
            # A broken lock connection means the database session, and the lock with it, is gone.
            log.exception("Could not renew the scheduler lock")
            self.held = False
        return self.held

    def _pg_holds(self) -> bool:
        assert self._connection is not None
        held = self._connection.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                "AND classid = 0 AND objid = :k AND objsubid = 1 AND granted)"
            ),
            {"k": self._key},
        ).scalar()
        self._connection.commit()
        return bool(held)

    def release(self) -> None:
        if self._postgresql:
            connection, self._connection = self._connection, None
            if connection is not None:
                try:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
                    connection.commit()
                except Exception:
                    log.warning("Could not unlock the scheduler lock; closing its session instead", exc_info=True)
                finally:
                    connection.close()  # detached: this ends the session, which frees the lock in any case
        elif self.held:
            with self.engine.begin() as connection:
                connection.execute(
                    text(
                        "UPDATE scheduler_lock SET holder = NULL, expires_at = NULL WHERE name = :name AND holder = :me"
                    ),
                    {"name": self.name, "me": self.holder},
                )
        self.held = False


def _iso(value: datetime) -> str:
    """SQLite stores timestamps as text in this form (what the ORM writes for UTCDateTime)."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def dispatch(app: Flask, job: Job) -> None:
    """What the scheduler does when a job is due: with a work queue (REDIS_URL), only enqueue it for a worker;
    without one, run it here."""
    if not work_queue.enabled(app):
        run_job(app, job)
        return
    try:
        work_queue.enqueue(app, job.name)
    except Exception:
        log.exception("Could not queue job %s; it is queued again at its next time", job.name)
        raise


def lock_for(app: Flask) -> LeaderLock:
    with app.app_context():
        return LeaderLock(db.engine, ttl=app.config["SCHEDULER_LOCK_TTL"])


def run_forever(app: Flask, echo=print, stop: threading.Event | None = None) -> None:
    """Wait for the lock, then run the jobs until SIGTERM/SIGINT (or ``stop`` is set).

    Raises :class:`LockLost` if the lock is lost while running.
    """
    stop = stop or threading.Event()
    restore = _stop_on_signals(stop, echo)
    try:
        _run(app, echo, stop)
    finally:
        restore()


def _stop_on_signals(stop: threading.Event, echo) -> Callable[[], None]:
    """SIGTERM/SIGINT set ``stop``. Signal handlers can only be installed from the main
    thread; run elsewhere (a test, an embedding), the caller stops us with ``stop``."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum, _frame):
        echo(f"Signal {signum} received; stopping the scheduler.")
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore():
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore


def _run(app: Flask, echo, stop: threading.Event) -> None:
    lock = lock_for(app)
    waiting = "Another scheduler holds the lock; waiting for it to stop..."
    if not lock.acquire(on_wait=lambda: echo(waiting), stop=stop):
        echo("Stopped before taking the scheduler lock.")
        return
    lost = threading.Event()
    executor = ThreadPoolExecutor(max_workers=4)
    try:
        echo(f"Scheduler lock taken by {lock.holder}.")
        scheduler = BlockingScheduler(timezone=app.config["SCHEDULER_TIMEZONE"], executors={"default": executor})

        def safe(job: Job):
            def runner():
                # dispatch logs a failure; the scheduler itself keeps going.
                with contextlib.suppress(Exception):
                    dispatch(app, job)

            return runner

        for job in JOBS.values():
            scheduler.add_job(
                safe(job),
                job.trigger(app.config),
                id=job.name,
                name=job.description,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,
                next_run_time=datetime.now(UTC),  # APScheduler wakes on the machine's own clock
            )

        def heartbeat():
            if not lock.renew():
                log.error("Scheduler lock lost; stopping so another process can take over")
                lost.set()
                stop.set()

        scheduler.add_job(
            heartbeat,
            "interval",
            seconds=max(1, lock.ttl // 3),
            id="lock-heartbeat",
            coalesce=True,
            misfire_grace_time=None,
        )

        def watch_for_stop():
            stop.wait()
            with contextlib.suppress(SchedulerNotRunningError):
                scheduler.shutdown(wait=False)

        # Started once the scheduler runs, so a stop that comes early still shuts it down.
        scheduler.add_listener(
            lambda _event: threading.Thread(target=watch_for_stop, name="scheduler-stop", daemon=True).start(),
            EVENT_SCHEDULER_STARTED,
        )
        if work_queue.enabled(app):
            echo(f"Jobs are queued on Redis (queue {app.config['QUEUE_NAME']!r}) for `flask --app wsgi worker`.")
        else:
            echo("Jobs run in this process (REDIS_URL is not set).")
        for job in JOBS.values():
            echo(f"  {job.name}: {job.schedule_for(app.config)}")
        scheduler.start()
    finally:
        stop.set()
        # Let a job in progress finish before another process may start the same work.
        executor.shutdown(wait=True)
        lock.release()
        echo("Scheduler stopped and lock released.")
    if lost.is_set():
        raise LockLost("The scheduler lock was lost; stopped so that only one scheduler acts.")
