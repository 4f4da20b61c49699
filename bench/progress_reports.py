"""How long termly progress reports take: seconds per report (one learner's data gathered and the PDF drawn by
WeasyPrint) and a batch of 300 learners (one authority's size) built by ``reports build`` in worker processes.

    .venv/bin/python -m bench.progress_reports                            # SQLite file, then PostgreSQL
    .venv/bin/python -m bench.progress_reports --database sqlite --runs 10

For each database (PostgreSQL: a sibling database ``<name>_reports``; SQLite: ``instance/bench/reports.sqlite``):
seed once (kept for the next run) 300 learners on roll in one locality, each with a plan of 3 goals, 40 days of
logged learning in the spring term 2027 and 6 check-ins; then time ``--runs`` single reports (after one warm-up)
and report the median, and build the whole batch into an empty folder with 2 worker processes. The clock is set
to 2 March 2027, as in the tests. Target: a report in under 2 s, the batch of 300 in under 10 minutes.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta

from bench import database_url, main_for, shown

LEARNERS = 300
LOCALITY = "Bench reports locality"
TARGET_REPORT_S = 2.0
TARGET_BATCH_S = 600.0
WORKERS = 2


def app_for(url: str, folder: str):
    from flask_migrate import upgrade

    from virtualacademy import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "console", "PROGRESS_REPORT_FOLDER": folder})
    with app.app_context():
        upgrade()
    return app


def seed() -> int:
    """The bench locality (with its learners, made if missing); its id. Needs an app context."""
    from sqlalchemy import insert, select

    from virtualacademy import clock
    from virtualacademy.extensions import db
    from virtualacademy.models import (
        ActivityType,
        CheckIn,
        ContactMethod,
        ContactWith,
        EheReason,
        Enrolment,
        EnrolmentStatus,
        Family,
        Goal,
        Learner,
        LearningPlan,
        Locality,
        LogEntry,
    )

    locality = db.session.scalar(select(Locality).where(Locality.name == LOCALITY))
    if locality is not None:
        return locality.id
    locality = Locality(name=LOCALITY)
    db.session.add(locality)
    db.session.flush()
    families = db.session.scalars(
        insert(Family).returning(Family.id, sort_by_parameter_order=True),
        [
            {"reference": f"RPT{n:05d}", "address_line_1": "1 Road", "town": "Doncaster", "postcode": "DN4 5HX"}
            for n in range(LEARNERS)
        ],
    ).all()
    learners = db.session.scalars(
        insert(Learner).returning(Learner.id, sort_by_parameter_order=True),
        [
            {
                "family_id": f,
                "legal_name": f"Report Learner {n:03d}",
                "date_of_birth": date(2013, 6, 1),
                "reason": EheReason.PHILOSOPHICAL,
                "locality_id": locality.id,
            }
            for n, f in enumerate(families)
        ],
    ).all()
    db.session.execute(
        insert(Enrolment),
        [
            {
                "learner_id": i,
                "locality_id": locality.id,
                "status": EnrolmentStatus.ENROLLED,
                "start_date": date(2026, 9, 1),
            }
            for i in learners
        ],
    )
    plans = db.session.scalars(
        insert(LearningPlan).returning(LearningPlan.id, sort_by_parameter_order=True),
        [{"learner_id": i} for i in learners],
    ).all()
    db.session.execute(insert(Goal), [{"plan_id": p, "title": f"Goal {g + 1}"} for p in plans for g in range(3)])
    days = [
        date(2027, 1, 4) + timedelta(days=d) for d in range(56) if (date(2027, 1, 4) + timedelta(days=d)).weekday() < 5
    ][:40]
    db.session.execute(
        insert(LogEntry),
        [
            {
                "learner_id": i,
                "on_date": d,
                "minutes": 90,
                "activity": next(iter(ActivityType)),
                "description": "Bench learning",
            }
            for i in learners
            for d in days
        ],
    )
    db.session.execute(
        insert(CheckIn),
        [
            {
                "learner_id": i,
                "occurred_at": clock.london_midnight(date(2027, 1, 5) + timedelta(days=14 * k)) + timedelta(hours=10),
                "method": ContactMethod.PHONE,
                "with_whom": ContactWith.BOTH,
                "contact_made": True,
            }
            for i in learners
            for k in range(6)
        ],
    )
    db.session.commit()
    return locality.id


def bench_database(given: str, runs: int) -> bool:
    from datetime import UTC, datetime

    from virtualacademy import clock
    from virtualacademy.extensions import db
    from virtualacademy.models import Learner
    from virtualacademy.services.learning_log.attendance import term_from_key
    from virtualacademy.services.progress_reports import batch, documents

    url = database_url(given, "reports", "reports" if given != "sqlite" else "")
    folder = tempfile.mkdtemp(prefix="va-bench-reports-")
    clock.travel_to(datetime(2027, 3, 2, 10, tzinfo=UTC))
    app = app_for(url, folder)
    term = term_from_key("2027-spring")
    try:
        with app.app_context():
            locality_id = seed()
            ids = batch.learner_ids(term, locality_id)
            documents.render(db.session.get(Learner, ids[0]), term)  # warm-up: fonts and templates loaded
            timings = []
            for n in range(runs):
                learner = db.session.get(Learner, ids[(n + 1) % len(ids)])
                started = time.perf_counter()
                documents.render(learner, term)
                timings.append(time.perf_counter() - started)
            per_report = statistics.median(timings)
            started = time.perf_counter()
            result = batch.build(term, clock.today(), locality_id=locality_id, workers=WORKERS)
            whole = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        clock.reset()
    print(
        f"{shown(url)}: one report {per_report:.2f} s (median of {runs}); "
        f"{len(result.built)} reports in {whole:.1f} s with {WORKERS} workers "
        f"({whole / max(1, len(result.built)):.2f} s each), {len(result.failed)} failed"
    )
    for learner_id, error in sorted(result.failed.items())[:3]:
        print(f"  learner {learner_id}: {error!r}"[:600])
    return (
        per_report < TARGET_REPORT_S and whole < TARGET_BATCH_S and not result.failed and len(result.built) == LEARNERS
    )


def main(argv: list[str] | None = None) -> int:
    return main_for(bench_database, argv, prog="python -m bench.progress_reports", doc=__doc__, runs=10)


if __name__ == "__main__":
    sys.exit(main())
