"""How long **Learning log** (``/learning/log``) takes for staff at national scale: the list of learners on roll,
those longest without logged learning first, with each one's gap.

    .venv/bin/python -m bench.log_list                                  # SQLite file, then PostgreSQL
    .venv/bin/python -m bench.log_list --database sqlite --runs 11
    .venv/bin/python -m bench.log_list --database postgresql+psycopg://postgres@127.0.0.1:5432/va_bench

It uses the national data set of ``bench/reminders.py`` (115,000 learners, 8,000 mentors, 150 localities; seeded
by ``bench/seed_national.py`` if missing, and shared with that benchmark) and adds, once, a term of learning
log: from 1 September to the benchmark's day, 80% of learners log learning on two to four days a week, 10%
stopped some weeks ago (so they have gaps) and 10% have logged nothing; about 3.5 million entries in all,
bulk-inserted. Then, through the Flask test client (routing, the access check, the queries and the template
all included), it requests the page's first page as an admin (every learner on roll), as a coordinator (a
locality, ~770 learners) and as a mentor (a caseload, ~14 learners), and the admin's page 2,000 (the page
after the 99,950th learner, by the keyset cursor its "Next" link would carry), ``--runs`` times each after a
warm-up, and reports the medians. Target: each role's first page (the learners longest
without logged learning, which is what the page is for) under 500 ms; the deep page is reported. Then it times the
``learning-gaps`` job's first run over the whole academy and a re-run (target: under 10 seconds, like the
check-in reminders). Exits 1 if a target is missed.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import click

from bench import database_url, main_for, shown, time_requests
from bench.seed_national import BENCH_DAY, TERM_START, Scale, _insert, app_for, ensure_seeded

TARGET_MS = 500.0
GAPS_TARGET_SECONDS = 10.0
#: Learners whose entries are written per INSERT batch.
BATCH = 5_000


def seed_log(progress: bool = True) -> int:
    """A term of learning log for every seeded learner, unless there is one already. Returns entries written.
    Needs an app context."""
    from sqlalchemy import func, select, text

    from virtualacademy.extensions import db
    from virtualacademy.models import Learner, LogEntry

    if db.session.scalar(select(func.count()).select_from(LogEntry)):
        return 0
    learner_ids = list(db.session.scalars(select(Learner.id).order_by(Learner.id)))
    db.session.rollback()
    rng = random.Random(20260901)
    activities = ["online_course", "tutoring", "independent_study", "project_work", "museum_or_gallery", "sport"]
    now = datetime(2026, 9, 1, 8, tzinfo=UTC)
    weeks = []
    monday = TERM_START - timedelta(days=TERM_START.weekday())
    while monday <= BENCH_DAY:
        weeks.append(monday)
        monday += timedelta(days=7)
    written = 0
    table = LogEntry.__table__
    bar = click.progressbar(length=len(learner_ids), label="Seeding the learning log", show_pos=True, file=sys.stderr)
    with db.engine.begin() as conn, bar:
        for start in range(0, len(learner_ids), BATCH):
            rows = []
            for learner_id in learner_ids[start : start + BATCH]:
                r = rng.random()
                if r < 0.10:
                    continue  # never logged anything
                stop = BENCH_DAY - timedelta(days=rng.randint(15, 60)) if r < 0.20 else BENCH_DAY
                for week in weeks:
                    for offset in rng.sample(range(7), rng.randint(2, 4)):
                        day = week + timedelta(days=offset)
                        if TERM_START <= day <= stop:
                            rows.append(
                                {
                                    "learner_id": learner_id,
                                    "on_date": day,
                                    "minutes": rng.choice((30, 45, 60, 90, 120)),
                                    "activity": rng.choice(activities),
                                    "description": "Worked through a chapter and wrote notes.",
                                    "created_at": now,
                                    "updated_at": now,
                                }
                            )
            _insert(conn, table, rows)
            written += len(rows)
            bar.update(min(BATCH, len(learner_ids) - start))
    # Bulk inserts bypass the ORM, which keeps each learner's last logged day in step: set it from the log.
    from virtualacademy.services import learning_log

    learning_log.refresh_last_logged()
    # and the overview's summary of learning days, kept in step by the same kind of session event
    from virtualacademy.services.overview.attendance import rebuild_learning_days

    rebuild_learning_days()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE log_entry"))
            conn.execute(text("ANALYZE learner"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return written


def signed_in(app, user_id: str):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    return client


def bench_database(given: str, runs: int) -> bool:
    url = database_url(given, "reminders")
    print(f"Learning log list on {shown(url)}", flush=True)
    app = app_for(url)
    app.config["RATELIMIT_ENABLED"] = False
    with app.app_context():
        from sqlalchemy import func, select

        from virtualacademy.extensions import db
        from virtualacademy.models import (
            Learner,
            LocalityRole,
            LocalityStaff,
            LogEntry,
            MentorAssignment,
            Role,
            User,
            UserRole,
        )
        from virtualacademy.services import learning_log

        seeded = ensure_seeded(Scale())
        if seeded:
            print(f"  seeded {seeded}", file=sys.stderr)
        started = time.perf_counter()
        written = seed_log()
        if written:
            print(f"  seeded {written:,} log entries in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        entries = db.session.scalar(select(func.count()).select_from(LogEntry))
        admin = db.session.scalar(select(User).join(UserRole).where(UserRole.role == Role.ADMIN).order_by(User.id))
        coordinator = db.session.scalar(
            select(User)
            .join(LocalityStaff, LocalityStaff.user_id == User.id)
            .where(LocalityStaff.role == LocalityRole.COORDINATOR)
            .order_by(User.id)
        )
        mentor = db.session.scalar(
            select(User).where(User.id == select(func.min(MentorAssignment.mentor_id)).scalar_subquery())
        )
        from virtualacademy.services import sessions

        ids = {
            name: sessions.start(user, "bench")
            for name, user in (("admin", admin), ("coordinator", coordinator), ("mentor", mentor))
        }
        # page 2,000 is the page after the 99,950th learner: its "Next" link's cursor, made once
        from bench.deep_pages import cursor_at

        deep = cursor_at(select(Learner.id), learning_log.LOG_LIST_ORDER, 99_950)
        db.session.commit()
        db.session.remove()

    results = {
        "admin, first page": time_requests(signed_in(app, ids["admin"]), "/learning/log", runs, "No learning logged"),
        "admin, page 2,000": time_requests(
            signed_in(app, ids["admin"]), f"/learning/log?after={deep}", runs, "Previous"
        ),
        "coordinator, first page": time_requests(
            signed_in(app, ids["coordinator"]), "/learning/log", runs, "No learning logged"
        ),
        "mentor (caseload)": time_requests(signed_in(app, ids["mentor"]), "/learning/log", runs, "Learning log"),
    }
    print(f"  {entries:,} log entries", flush=True)
    met = True
    for name, times in results.items():
        median = statistics.median(times)
        if "first page" in name or "caseload" in name:
            met = met and median < TARGET_MS
        print(f"  {name}: median {median:.1f} ms (min {min(times):.1f}, max {max(times):.1f}, {runs} runs)")
    print(f"  target (each role's first page under {TARGET_MS:.0f} ms): {'met' if met else 'MISSED'}", flush=True)
    return gaps_job(app) and met


def gaps_job(app, runs: int = 3) -> bool:
    """The ``learning-gaps`` job's first run over the whole academy (a notification per flagged learner and a
    digest email per mentor), and a re-run that adds nothing, through the scheduler's ``run_job``."""
    from sqlalchemy import delete, func, select

    from virtualacademy.extensions import db
    from virtualacademy.jobs import JOBS
    from virtualacademy.models import Notification, OutboxMessage
    from virtualacademy.scheduler import run_job

    job = JOBS["learning-gaps"]
    at = datetime(BENCH_DAY.year, BENCH_DAY.month, BENCH_DAY.day, 7, 15, tzinfo=UTC)
    first, again = [], []
    with app.app_context():
        for _ in range(runs):
            db.session.execute(delete(Notification).where(Notification.kind == "learning_gap"))
            db.session.execute(delete(OutboxMessage).where(OutboxMessage.dedupe_key.like("learning-gap-digest:%")))
            db.session.commit()
            started = time.perf_counter()
            report = run_job(app, job, at)
            first.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert run_job(app, job, at).notified == 0
            again.append(time.perf_counter() - started)
        emails = db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.dedupe_key.like("learning-gap-digest:%"))
        )
        db.session.remove()
    ok = statistics.median(first) < GAPS_TARGET_SECONDS
    print(
        f"  learning-gaps job: first run ({report.flagged:,} learners flagged, {report.notified:,} notifications, "
        f"{emails:,} digest emails) median {statistics.median(first):.2f} s of {runs}; re-run median "
        f"{statistics.median(again):.2f} s; target (first run under {GAPS_TARGET_SECONDS:.0f} s): "
        f"{'met' if ok else 'MISSED'}",
        flush=True,
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    return main_for(bench_database, argv, prog="python -m bench.log_list", doc=__doc__, runs=11)


if __name__ == "__main__":
    sys.exit(main())
