"""Scheduled jobs of the overview: recounting the cohort on roll today."""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.interval import IntervalTrigger

from virtualacademy.jobs import job


@job(
    "overview-figures",
    "Every ten minutes: recount the overview's cohort on roll today (per locality, reason, SEND status, free school "
    "meals and phase, with the learners without learning for 14 days)",
    trigger=lambda config: IntervalTrigger(minutes=10),
    schedule=lambda config: "every 10 minutes",
)
def overview_figures(now: datetime | None = None) -> None:
    from virtualacademy import clock
    from virtualacademy.services.overview.cohort import recount_cohort

    now = now or clock.now()
    recount_cohort(clock.london(now).date(), now)
