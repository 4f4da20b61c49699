"""Scheduled jobs of signing in: forgetting expired sessions and old failed sign-ins."""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.cron import CronTrigger

from virtualacademy.jobs import hourly_at, job


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
