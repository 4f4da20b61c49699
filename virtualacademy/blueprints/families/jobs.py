"""Scheduled jobs of family records: erasure once the retention period ends."""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.cron import CronTrigger

from virtualacademy.jobs import daily_at, job


@job(
    "erase-due",
    "Anonymise families marked for erasure once their retention period has ended",
    trigger=lambda config: CronTrigger(hour=2, minute=30, timezone=config["SCHEDULER_TIMEZONE"]),
    schedule=daily_at("02:30"),
)
def erase_due(now: datetime | None = None):
    from virtualacademy.services import data_protection

    return data_protection.erase_due(now)
