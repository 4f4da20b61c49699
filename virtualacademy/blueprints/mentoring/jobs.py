"""Scheduled jobs of mentoring: the morning check-in reminders and escalations."""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from virtualacademy.jobs import job


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
    "contact-figures",
    "Every ten minutes: fill in the contact figures (next check-in due, days late) of learners that have none yet, "
    "and recount the overview's contact summary",
    trigger=lambda config: IntervalTrigger(minutes=10),
    schedule=lambda config: "every 10 minutes",
)
def contact_figures(now: datetime | None = None) -> int:
    from virtualacademy import clock
    from virtualacademy.services import mentoring

    filled = mentoring.refresh_stale()
    now = now or clock.now()
    mentoring.rebuild_contact_summary(clock.london(now).date(), now)
    return filled
