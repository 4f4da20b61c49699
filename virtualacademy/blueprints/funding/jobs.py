"""Scheduled jobs of funding: the nightly ledger check and clearing abandoned spend-request drafts."""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.cron import CronTrigger

from virtualacademy.jobs import daily_at, job


@job(
    "funding-verify",
    "Nightly: prove the funding ledger's invariants and alert the admins if any fails",
    trigger=lambda config: CronTrigger(hour=3, minute=0, timezone=config["SCHEDULER_TIMEZONE"]),
    schedule=daily_at("03:00"),
)
def funding_verify(now: datetime | None = None):
    from virtualacademy.services import ledger

    return ledger.verify_and_alert(now)


@job(
    "spend-drafts",
    "Daily: delete spend requests filled in but never sent (older than a week), with their invoices",
    trigger=lambda config: CronTrigger(hour=2, minute=45, timezone=config["SCHEDULER_TIMEZONE"]),
    schedule=daily_at("02:45"),
)
def spend_drafts(now: datetime | None = None):
    from virtualacademy.services import spending

    return spending.discard_old_drafts(now)
