"""Scheduled jobs of exam entry: deadlines, access arrangements, statements, results days and tomorrow's papers."""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.cron import CronTrigger

from virtualacademy.jobs import daily_at, job


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
