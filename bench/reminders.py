"""How long the ``checkin-reminders`` job takes for the whole academy, and how many SQL statements it
issues: 115,000 enrolled learners and 8,000 mentors (``bench/seed_national.py``), on the benchmark's
Monday at 07:30, run through the scheduler's own ``run_job`` (so the commit is included).

    .venv/bin/python -m bench.reminders                                  # SQLite file, then PostgreSQL
    .venv/bin/python -m bench.reminders --database sqlite --runs 5
    .venv/bin/python -m bench.reminders --database postgresql+psycopg://postgres@127.0.0.1:5432/va_bench

For each database: seed if needed (kept for the next run), then three times over: remove what the job
wrote before, time the first run (a digest for every mentor with learners due, an escalation per
long-overdue learner to their coordinator and each admin in the app, and the emails: the mentors' digests and
one escalation digest per coordinator and admin), then time a re-run
the same morning (adds nothing). Statements are counted with a ``before_cursor_execute`` listener on
the engine, and also at two smaller sizes (2,000 and 20,000 learners, in sibling databases) to show
the count does not grow with the number of learners. Target: the first run under 10 seconds.
Exits 1 if the target is missed or the statement count grows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field

from bench import database_url, default_databases, shown
from bench.seed_national import Scale, app_for, ensure_seeded, job_time

TARGET_SECONDS = 10.0
SMALLER = (2_000, 20_000)


@dataclass
class Measured:
    learners: int
    mentors: int
    first: list[float] = field(default_factory=list)
    rerun: list[float] = field(default_factory=list)
    first_statements: set[int] = field(default_factory=set)
    rerun_statements: set[int] = field(default_factory=set)
    digests: int = 0
    escalations: int = 0
    emails: int = 0

    @staticmethod
    def median(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} s" if values else "-"


def measure(url: str, scale: Scale, runs: int) -> Measured:
    from sqlalchemy import delete, event, func, select, text

    from virtualacademy.extensions import db
    from virtualacademy.jobs import JOBS
    from virtualacademy.models import Notification, OutboxMessage
    from virtualacademy.scheduler import run_job

    app = app_for(url)
    job = JOBS["checkin-reminders"]
    result = Measured(scale.learners, scale.mentors)
    with app.app_context():
        seeded = ensure_seeded(scale)
        if seeded:
            print(f"  seeded {seeded}", file=sys.stderr)
        engine = db.engine
        statements = [0]

        @event.listens_for(engine, "before_cursor_execute")
        def _count(*_args):
            statements[0] += 1

        def timed() -> tuple[float, int, object]:
            statements[0] = 0
            started = time.perf_counter()
            report = run_job(app, job, job_time())
            return time.perf_counter() - started, statements[0], report

        for _ in range(runs):
            # Start each first run from nothing: remove what the job wrote last time.
            db.session.execute(
                delete(Notification).where(Notification.kind.in_(["checkin_digest", "checkin_escalation"]))
            )
            db.session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.dedupe_key.like("notification:checkin-%")
                    | OutboxMessage.dedupe_key.like("checkin-escalation-digest:%")
                )
            )
            db.session.commit()
            if engine.dialect.name == "postgresql":
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE notification, outbox_message"))
            seconds, count, report = timed()
            result.first.append(seconds)
            result.first_statements.add(count)
            result.digests, result.escalations = report.digests, report.escalations
            seconds, count, report = timed()
            assert report.digests == report.escalations == 0, report
            result.rerun.append(seconds)
            result.rerun_statements.add(count)
        result.emails = db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.dedupe_key.like("notification:checkin-%")
                | OutboxMessage.dedupe_key.like("checkin-escalation-digest:%")
            )
        )
        event.remove(engine, "before_cursor_execute", _count)
        db.session.remove()
        engine.dispose()
    return result


def bench_database(given: str, learners: int, runs: int) -> bool:
    """Measure on one database; print the figures. True if the target was met and the count is constant."""
    url = database_url(given, "reminders")
    print(f"Reminder job on {shown(url)}", flush=True)
    sizes = [measure(database_url(given, "reminders", str(n)), Scale.for_learners(n), 1) for n in SMALLER]
    full = measure(url, Scale.for_learners(learners), runs)
    print(
        f"  {full.learners:,} learners, {full.mentors:,} mentors: first run "
        f"({full.digests:,} digests, {full.escalations:,} escalations, {full.emails:,} emails) "
        f"median {full.median(full.first)} of {runs} ({', '.join(f'{s:.2f}' for s in full.first)}); "
        f"re-run (adds nothing) median {full.median(full.rerun)} ({', '.join(f'{s:.2f}' for s in full.rerun)})"
    )
    every = [*sizes, full]

    def counts(attr: str) -> str:
        return " / ".join(",".join(str(c) for c in sorted(getattr(m, attr))) for m in every)

    print(
        f"  statements at {' / '.join(f'{m.learners:,}' for m in every)} learners: "
        f"first run {counts('first_statements')}, re-run {counts('rerun_statements')}"
    )
    constant = all(
        len({c for m in every for c in getattr(m, a)}) == 1 for a in ("first_statements", "rerun_statements")
    )
    fast = statistics.median(full.first) < TARGET_SECONDS
    print(
        f"  target (first run under {TARGET_SECONDS:.0f} s): {'met' if fast else 'MISSED'}; "
        f"statement count {'constant' if constant else 'GROWS WITH SIZE'}",
        flush=True,
    )
    return fast and constant


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reminders", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", action="append", help="a URL, or 'sqlite' (default: a SQLite file and PostgreSQL)"
    )
    parser.add_argument("--learners", type=int, default=Scale.learners)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    ok = True
    for given in args.database or default_databases():
        ok = bench_database(given, args.learners, args.runs) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
