"""Scheduled jobs: plain functions that call services.

Each job asks the data what is due *now* and acts idempotently, so running it twice,
late, or after a crash does no harm. Every job takes ``now`` so tests (and
``scheduler run-once JOB --at ...``) can drive it with a controlled clock.
Modules add their jobs with ``@job(...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from virtualacademy import mail


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    func: Callable[..., Any]
    #: Builds the trigger from the app config, e.g. an interval or a cron time.
    trigger: Callable[[dict], BaseTrigger]
    schedule: str


JOBS: dict[str, Job] = {}


def job(name: str, description: str, trigger: Callable[[dict], BaseTrigger], schedule: str):
    def decorator(func):
        JOBS[name] = Job(name, description, func, trigger, schedule)
        return func

    return decorator


@job(
    "deliver-mail",
    "Send the emails waiting in the outbox, retrying failures with back-off",
    trigger=lambda config: IntervalTrigger(seconds=config["MAIL_OUTBOX_INTERVAL_SECONDS"]),
    schedule="every minute (MAIL_OUTBOX_INTERVAL_SECONDS)",
)
def deliver_mail(now: datetime | None = None) -> mail.DeliveryReport:
    return mail.deliver_pending(now)
