"""The scheduled job of progress reports: carry out the builds started from the browser."""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.interval import IntervalTrigger
from flask import current_app

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.jobs import every, job


@job(
    "build-progress-reports",
    "Build the progress reports an admin asked for on the reports page, with their progress; resume a build left "
    "by a stopped process",
    trigger=lambda config: IntervalTrigger(seconds=config["REPORT_RUN_INTERVAL_SECONDS"]),
    schedule=lambda config: every(config["REPORT_RUN_INTERVAL_SECONDS"]) + " (REPORT_RUN_INTERVAL_SECONDS)",
    # A whole academy's term of reports takes hours; on a queue worker the run is given a day, not the hour others get.
    timeout=24 * 60 * 60,
)
def build_progress_reports(now: datetime | None = None) -> list[int]:
    """Queue again the runs a stopped process left, then carry out every queued run, one at a time; returns the
    ids of the runs carried out. It commits as it goes: the claim at once (no other scheduler takes the run) and
    the progress in batches (the run's page shows it while the build goes on)."""
    from virtualacademy.services.progress_reports import runs

    runs.requeue_stale(now or clock.now())
    db.session.commit()
    workers = current_app.config.get("REPORT_RUN_WORKERS") or None
    carried_out = []
    while (run := runs.claim_next(clock.now())) is not None:
        db.session.commit()
        run = runs.carry_out(run, clock.today(), db.session.commit, workers)
        db.session.commit()
        carried_out.append(run.id)
    return carried_out
