"""The scheduler process: ``flask --app wsgi scheduler run``.

It never runs inside web workers. Only one scheduler acts at a time: a process first
takes the leader lock (a PostgreSQL advisory lock held on its own connection; on
SQLite a row in ``scheduler_lock`` renewed by a heartbeat) and a second process waits
until the first stops.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
import zlib
from datetime import datetime, timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from virtualacademy.extensions import db
from virtualacademy.jobs import JOBS, Job
from virtualacademy.models.base import utcnow

log = logging.getLogger(__name__)

LOCK_NAME = "scheduler"


class LeaderLock:
    """A lock across processes, machines included, kept in the shared database."""

    def __init__(self, engine: Engine, name: str = LOCK_NAME, ttl: int = 60, holder: str | None = None):
        self.engine = engine
        self.name = name
        self.ttl = ttl
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._connection = None  # PostgreSQL: the session that holds the advisory lock
        self.held = False

    @property
    def _key(self) -> int:
        return zlib.crc32(f"virtualacademy:{self.name}".encode())

    def try_acquire(self) -> bool:
        if self.engine.dialect.name == "postgresql":
            connection = self.engine.connect()
            got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar()
            connection.commit()
            if got:
                self._connection = connection
            else:
                connection.close()
            self.held = bool(got)
            return self.held
        self.held = self._sqlite_claim()
        return self.held

    def _sqlite_claim(self) -> bool:
        now = utcnow()
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

    def acquire(self, timeout: float | None = None, poll: float = 2.0, on_wait=None) -> bool:
        """Wait until the lock is ours (or ``timeout`` seconds pass)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        told = False
        while not self.try_acquire():
            if not told and on_wait is not None:
                on_wait()
                told = True
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(poll if deadline is None else max(0.0, min(poll, deadline - time.monotonic())))
        return True

    def renew(self) -> bool:
        """Keep holding the lock; False if it was lost (then the process must stop)."""
        if self.engine.dialect.name == "postgresql":
            if self._connection is None:
                return False
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
            return True
        self.held = self._sqlite_claim()
        return self.held

    def release(self) -> None:
        if self.engine.dialect.name == "postgresql":
            if self._connection is not None:
                try:
                    self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
                    self._connection.commit()
                finally:
                    self._connection.close()
                    self._connection = None
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
    """SQLite stores timestamps as text in this form (what the ORM writes)."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def run_job(app: Flask, job: Job, now: datetime | None = None):
    """Run one job in an app context, committing on success and rolling back on failure."""
    with app.app_context():
        try:
            result = job.func(now=now)
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            log.exception("Job %s failed", job.name)
            raise
        finally:
            db.session.remove()


def lock_for(app: Flask) -> LeaderLock:
    with app.app_context():
        return LeaderLock(db.engine, ttl=app.config["SCHEDULER_LOCK_TTL"])


def run_forever(app: Flask, echo=print) -> None:
    lock = lock_for(app)
    if not lock.acquire(on_wait=lambda: echo("Another scheduler holds the lock; waiting for it to stop...")):
        return
    echo(f"Scheduler lock taken by {lock.holder}.")
    scheduler = BlockingScheduler(timezone=app.config["SCHEDULER_TIMEZONE"])

    def safe(job: Job):
        def runner():
            # run_job logs a failure; the scheduler itself keeps going.
            with contextlib.suppress(Exception):
                run_job(app, job)

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
            next_run_time=utcnow(),
        )

    def heartbeat():
        with app.app_context():
            if not lock.renew():
                log.error("Scheduler lock lost; stopping so another process can take over")
                scheduler.shutdown(wait=False)

    scheduler.add_job(heartbeat, "interval", seconds=max(1, lock.ttl // 3), id="lock-heartbeat")

    def stop(signum, _frame):
        echo(f"Signal {signum} received; stopping the scheduler.")
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for job in JOBS.values():
        echo(f"  {job.name}: {job.schedule}")
    try:
        scheduler.start()
    finally:
        lock.release()
        echo("Scheduler stopped and lock released.")
