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
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from virtualacademy import mail


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    func: Callable[..., Any]
    #: Builds the trigger from the app config, e.g. an interval or a cron time.
    trigger: Callable[[dict], BaseTrigger]
    #: Says, from the same config, when the job runs ("every 10 seconds", "weekdays at 07:30").
    schedule: Callable[[dict], str]

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


def job(name: str, description: str, trigger: Callable[[dict], BaseTrigger], schedule: Callable[[dict], str]):
    def decorator(func):
        JOBS[name] = Job(name, description, func, trigger, schedule)
        return func

    return decorator


@job(
    "deliver-mail",
    "Send the emails waiting in the outbox, retrying failures with back-off",
    trigger=lambda config: IntervalTrigger(seconds=config["MAIL_OUTBOX_INTERVAL_SECONDS"]),
    schedule=lambda config: every(config["MAIL_OUTBOX_INTERVAL_SECONDS"]) + " (MAIL_OUTBOX_INTERVAL_SECONDS)",
)
def deliver_mail(now: datetime | None = None) -> mail.DeliveryReport:
    return mail.deliver_pending(now)


@job(
    "erase-due",
    "Anonymise families marked for erasure once their retention period has ended",
    trigger=lambda config: CronTrigger(hour=2, minute=30, timezone=config["SCHEDULER_TIMEZONE"]),
    schedule=daily_at("02:30"),
)
def erase_due(now: datetime | None = None):
    from virtualacademy.services import data_protection

    return data_protection.erase_due(now)


def _reminder_trigger(config) -> CronTrigger:
    hour, minute = (int(part) for part in config["CHECKIN_REMINDER_TIME"].split(":"))
    days = "mon-fri" if config["CHECKIN_SKIP_WEEKENDS"] else "*"
    return CronTrigger(day_of_week=days, hour=hour, minute=minute, timezone=config["SCHEDULER_TIMEZONE"])


@job(
    "checkin-reminders",
    "Each morning: one digest per mentor of due and overdue check-ins; escalate long-overdue ones",
    trigger=_reminder_trigger,
    schedule=lambda config: (
        f"{'weekdays' if config['CHECKIN_SKIP_WEEKENDS'] else 'daily'} at {config['CHECKIN_REMINDER_TIME']} "
        f"({config['SCHEDULER_TIMEZONE']}; CHECKIN_REMINDER_TIME)"
    ),
)
def checkin_reminders(now: datetime | None = None):
    from virtualacademy.services import mentoring

    return mentoring.send_reminders(now)


@job(
    "funding-verify",
    "Nightly: prove the funding ledger's invariants and alert the admins if any fails",
    trigger=lambda config: CronTrigger(hour=3, minute=0, timezone=config["SCHEDULER_TIMEZONE"]),
    schedule=daily_at("03:00"),
)
def funding_verify(now: datetime | None = None):
    from virtualacademy.services import ledger

    return ledger.verify_and_alert(now)


def _plan_review_trigger(config) -> CronTrigger:
    hour, minute = (int(part) for part in config.get("PLAN_REVIEW_REMINDER_TIME", "08:00").split(":"))
    return CronTrigger(hour=hour, minute=minute, timezone=config["SCHEDULER_TIMEZONE"])


@job(
    "plan-review-reminders",
    "Each morning: remind the mentor, the family and the learner a week before a plan review is due",
    trigger=_plan_review_trigger,
    schedule=lambda config: (
        f"daily at {config.get('PLAN_REVIEW_REMINDER_TIME', '08:00')} "
        f"({config['SCHEDULER_TIMEZONE']}; PLAN_REVIEW_REMINDER_TIME)"
    ),
)
def plan_review_reminders(now: datetime | None = None):
    from virtualacademy.services import learning_plans

    return learning_plans.send_review_reminders(now)


@job(
    "learning-gaps",
    "Daily: tell each mentor about learners on their caseload with no learning logged for 14 days (once per gap)",
    trigger=lambda config: CronTrigger(hour=7, minute=15, timezone=config["SCHEDULER_TIMEZONE"]),
    schedule=daily_at("07:15"),
)
def learning_gaps(now: datetime | None = None):
    from virtualacademy.services import learning_log

    return learning_log.flag_gaps(now)


@job(
    "spend-drafts",
    "Daily: delete spend requests filled in but never sent (older than a week), with their invoices",
    trigger=lambda config: CronTrigger(hour=2, minute=45, timezone=config["SCHEDULER_TIMEZONE"]),
    schedule=daily_at("02:45"),
)
def spend_drafts(now: datetime | None = None):
    from virtualacademy.services import spending

    return spending.discard_old_drafts(now)


def hourly_at(minute: int):
    return lambda config: f"hourly at :{minute:02d} ({config['SCHEDULER_TIMEZONE']})"


@job(
    "expired-sessions",
    "Hourly: delete signed-in sessions past their idle timeout (they already no longer work)",
    trigger=lambda config: CronTrigger(minute=5, timezone=config["SCHEDULER_TIMEZONE"]),
    schedule=hourly_at(5),
)
def expired_sessions(now: datetime | None = None) -> int:
    from virtualacademy.services import sessions

    return sessions.delete_expired(now)


@job(
    "forget-failed-sign-ins",
    "Hourly: delete counts of failed sign-ins that no longer count (LOGIN_FAILURES_FORGET_AFTER)",
    trigger=lambda config: CronTrigger(minute=35, timezone=config["SCHEDULER_TIMEZONE"]),
    schedule=hourly_at(35),
)
def forget_failed_sign_ins(now: datetime | None = None) -> int:
    from virtualacademy.services import throttle

    return throttle.forget_old(now)


@job(
    "exam-reminders",
    "Daily: ready learners not entered as a deadline nears, access-arrangement deadlines, statements of entry, "
    "results days and tomorrow's papers",
    trigger=lambda config: CronTrigger(hour=7, minute=45, timezone=config["SCHEDULER_TIMEZONE"]),
    schedule=daily_at("07:45"),
)
def exam_reminders(now: datetime | None = None):
    from virtualacademy.services.exams import reminders

    return reminders.send_reminders(now)
