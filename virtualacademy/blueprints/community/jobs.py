"""Scheduled jobs of the locality community: lapsed offers from the waiting list, the day-before reminders, and
the weekly digest. Each is level-triggered and idempotent."""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from virtualacademy.jobs import daily_at, every, job


@job(
    "community-offers",
    "Offers of places from a waiting list that were not confirmed in time lapse and move to the next family",
    trigger=lambda config: IntervalTrigger(minutes=15),
    schedule=lambda config: every(15 * 60),
)
def community_offers(now: datetime | None = None):
    from virtualacademy.services.community import bookings

    return bookings.expire_offers(now)


@job(
    "community-reminders",
    "Hourly: email booked families about events starting in the next 24 hours (once per booking)",
    trigger=lambda config: CronTrigger(minute=5, timezone=config["SCHEDULER_TIMEZONE"]),
    schedule=lambda config: f"hourly at :05 ({config['SCHEDULER_TIMEZONE']})",
)
def community_reminders(now: datetime | None = None):
    from virtualacademy.services.community import announcements

    return announcements.send_event_reminders(now)


@job(
    "community-digest",
    "Weekly, on Sunday: each family's new events in their localities and their upcoming bookings",
    trigger=lambda config: CronTrigger(day_of_week="sun", hour=17, minute=0, timezone=config["SCHEDULER_TIMEZONE"]),
    schedule=lambda config: daily_at("17:00")(config).replace("daily", "Sundays"),
)
def community_digest(now: datetime | None = None):
    from virtualacademy.services.community import announcements

    return announcements.send_weekly_digests(now)
