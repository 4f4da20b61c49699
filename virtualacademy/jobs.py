"""Scheduled jobs: plain functions that call services.

Each job asks the data what is due *now* and acts idempotently, so running it twice,
late, or after a crash does no harm. Every job takes ``now`` so tests (and
``scheduler run-once JOB --at ...``) can drive it with a controlled clock.
Each module adds its jobs with ``@job(...)`` in its own blueprint package (``blueprints/<module>/jobs.py``,
imported by the package), so the scheduler picks them up when the app is built. Only the core jobs, delivering
the mail outbox and sweeping half-written uploads, live here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from virtualacademy import mail
from virtualacademy.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    func: Callable[..., Any]
    #: Builds the trigger from the app config, e.g. an interval or a cron time.
    trigger: Callable[[dict], BaseTrigger]
    #: Says, from the same config, when the job runs ("every 10 seconds", "weekdays at 07:30").
    schedule: Callable[[dict], str]
    #: Seconds a queued run may take before the worker stops it (None: QUEUE_JOB_TIMEOUT).
    timeout: int | None = None

    def schedule_for(self, config) -> str:
        return self.schedule(config)


JOBS: dict[str, Job] = {}


def every(seconds: int) -> str:
    """``every minute``, ``every 10 seconds``, ``every 2 minutes``."""
    if seconds % 60 == 0:
        minutes = seconds // 60
        return "every minute" if minutes == 1 else f"every {minutes} minutes"
    return "every second" if seconds == 1 else f"every {seconds} seconds"


def daily_at(time: str):
    """A schedule for a job run daily at ``time`` in the scheduler's time zone."""
    return lambda config: f"daily at {time} ({config['SCHEDULER_TIMEZONE']})"


def job(
    name: str,
    description: str,
    trigger: Callable[[dict], BaseTrigger],
    schedule: Callable[[dict], str],
    timeout: int | None = None,
):
    def decorator(func):
        JOBS[name] = Job(name, description, func, trigger, schedule, timeout)
        return func

    return decorator


def run_job(app: Flask, job: Job, now: datetime | None = None):
    """Run one job in an app context, committing on success and rolling back on failure: the same wherever it runs
    (the scheduler's process without a queue, a queue worker, ``scheduler run-once``)."""
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


@job(
    "deliver-mail",
    "Send the emails waiting in the outbox, retrying failures with back-off",
    trigger=lambda config: IntervalTrigger(seconds=config["MAIL_OUTBOX_INTERVAL_SECONDS"]),
    schedule=lambda config: every(config["MAIL_OUTBOX_INTERVAL_SECONDS"]) + " (MAIL_OUTBOX_INTERVAL_SECONDS)",
)
def deliver_mail(now: datetime | None = None) -> mail.DeliveryReport:
    return mail.deliver_pending(now)


@job(
    "uploads-sweep",
    "Daily: delete half-written upload files (.part) left by a process that stopped mid-request",
    trigger=lambda config: CronTrigger(hour=2, minute=15, timezone=config["SCHEDULER_TIMEZONE"]),
    schedule=daily_at("02:15"),
)
def uploads_sweep(now: datetime | None = None) -> int:
    from virtualacademy import uploads

    return uploads.sweep_partial(now)


def hourly_at(minute: int):
    return lambda config: f"hourly at :{minute:02d} ({config['SCHEDULER_TIMEZONE']})"
