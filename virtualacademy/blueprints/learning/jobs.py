"""Scheduled jobs of learning: plan review reminders and gaps in the learning log."""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.cron import CronTrigger

from virtualacademy.jobs import daily_at, job


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
