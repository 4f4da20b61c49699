"""National-scale data for the benchmarks, seeded fast with bulk inserts and a progress bar.

The default is the academy at national scale: 115,000 enrolled learners in about 75,000 families
across 150 localities, 8,000 mentors with about 14 learners each, a coordinator per locality, three
admins, a support level mix (70% standard, 22% enhanced, 8% intensive, a few individual cadences),
some handovers, and five weeks of check-in history shaped so that on the benchmark's day (Monday
23 November 2026, as the reminder job runs at 07:30) a realistic share is due or overdue: about 15%
due today by their own cadence, every intensive learner (daily contact) due, 10% overdue within a
cadence and 3% overdue by more than a cadence (escalated).

    .venv/bin/python -m bench.seed_national --database sqlite:////tmp/national.sqlite
    .venv/bin/python -m bench.seed_national --database postgresql+psycopg://postgres@127.0.0.1:5432/va_bench
    .venv/bin/python -m bench.seed_national --learners 20000 ...   # mentors and localities scale with it

Rows are made in Python from a fixed random seed (the same data every time) and written with Core
``insert()`` executemany (COPY on PostgreSQL), 5,000 learners at a time, never the ORM per row. The database is brought up
to date by the migrations first; seeding refuses a database that already holds bench data.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import click

LONDON = ZoneInfo("Europe/London")
#: The benchmark's "today": a Monday in the autumn term. The reminder job runs at 07:30 London time.
BENCH_DAY = date(2026, 11, 23)
TERM_START = date(2026, 9, 1)
#: Every name the seeder gives a locality starts with this; it is how a seeded database is recognised.
LOCALITY_PREFIX = "Bench locality "
#: Learners written per batch (one INSERT executemany per table per batch).
BATCH = 5_000
_CADENCE = {"standard": 7, "enhanced": 3, "intensive": 1}
_FIRST = (  # noqa: SIM905 - a word list reads better as text
    "Alex Amira Ben Chloe Dev Ella Finn Grace Harry Isla Jack Kai Leah Mia Noah Olivia Priya Quinn Ruby "
    "Sam Theo Uma Vic Will Yusuf Zara Aiden Bea Cal Dani Evie Fatima Gus Hana Ivan Jade Kofi Lola Max "
    "Nell"
).split()
_LAST = (  # noqa: SIM905 - a word list reads better as text
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson Evans Walker "
    "White Roberts Green Hall Wood Jackson Clarke Khan Lewis Hughes Edwards Turner Hill Moore Cooper Ward"
).split()
_REASONS = ["philosophical", "unmet_send", "left_under_pressure", "health", "other", "prefer_not_to_say"]
_METHODS = ["phone", "phone", "phone", "video", "video", "home_visit", "community_meeting", "message"]
_WITH = ["learner", "guardian", "both", "both"]
_SCORES = [2, 3, 3, 4, 4, 4, 5, 5]


def job_time(day: date = BENCH_DAY) -> datetime:
    """When the reminder job runs on the benchmark's day (07:30 London), as the scheduler passes it."""
    return datetime(day.year, day.month, day.day, 7, 30, tzinfo=LONDON).astimezone(UTC)


@dataclass(frozen=True)
class Scale:
    learners: int = 115_000
    mentors: int = 8_000
    localities: int = 150
    admins: int = 3
    history_weeks: int = 5

    @classmethod
    def for_learners(cls, learners: int) -> Scale:
        """A smaller (or larger) academy in the same proportions: ~14 learners a mentor, ~770 a locality."""
        full = cls()
        return cls(
            learners=learners,
            mentors=max(1, round(learners * full.mentors / full.learners)),
            localities=max(1, min(999, round(learners * full.localities / full.learners))),
        )


@dataclass
class SeedReport:
    localities: int = 0
    users: int = 0
    families: int = 0
    learners: int = 0
    assignments: int = 0
    check_ins: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"{self.learners:,} learners in {self.families:,} families, {self.localities} localities, "
            f"{self.users:,} staff, {self.assignments:,} assignments, {self.check_ins:,} check-ins "
            f"in {self.seconds:.1f} s"
        )


def seeded_learners() -> int:
    """How many learners the seeder put in this database (0 if none)."""
    from sqlalchemy import func, select

    from virtualacademy.extensions import db
    from virtualacademy.models import Learner, Locality

    return db.session.scalar(
        select(func.count())
        .select_from(Learner)
        .join(Locality, Locality.id == Learner.locality_id)
        .where(Locality.name.like(LOCALITY_PREFIX + "%"))
    )


def _next_id(conn, table) -> int:
    from sqlalchemy import func, select

    return (conn.scalar(select(func.max(table.c.id))) or 0) + 1


def _insert(conn, table, rows: list[dict]) -> None:
    """Core ``insert()`` executemany; on PostgreSQL, COPY (the same rows, three times as fast)."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = conn.connection.driver_connection.cursor()
    with cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def _family_sizes(rng: random.Random, learners: int) -> Iterator[int]:
    left = learners
    while left > 0:
        r = rng.random()
        size = 1 if r < 0.6 else 2 if r < 0.9 else 3 if r < 0.98 else 4
        size = min(size, left)
        left -= size
        yield size


def _contact_days(last: date, cadence: int, since: date) -> list[date]:
    """Days of contact made, newest first, one cadence apart (daily contact skips weekends)."""
    days = []
    day = last
    while day >= since:
        days.append(day)
        day -= timedelta(days=cadence)
        if cadence == 1:
            while day.weekday() >= 5:
                day -= timedelta(days=1)
    return days


def seed(scale: Scale, today: date = BENCH_DAY, *, progress: bool = True) -> SeedReport:
    """Write the data set for ``scale`` into the app's database, in one transaction. Needs an app context."""
    from sqlalchemy import text

    from virtualacademy.extensions import db
    from virtualacademy.models import (
        CheckIn,
        Enrolment,
        Family,
        Guardian,
        Learner,
        LearnerSupport,
        Locality,
        LocalityDistrict,
        LocalityStaff,
        MentorAssignment,
        MentorProfile,
        User,
        UserRole,
    )
    from virtualacademy.services.mentoring.punctuality import refresh_on

    if seeded_learners():
        raise SystemExit("This database already holds bench data; use a spare (empty) database.")
    db.session.rollback()  # end the session's transaction: on SQLite it holds the write lock the seeding needs
    started = time.perf_counter()
    rng = random.Random(20261123)
    report = SeedReport()
    now = _at(TERM_START, 8)
    history_from = today - timedelta(weeks=scale.history_weeks)
    t = {m: m.__table__ for m in (User, UserRole, Locality, LocalityDistrict, LocalityStaff, MentorProfile)}

    with db.engine.begin() as conn:
        # --- localities and staff ---------------------------------------------------------
        first_locality = _next_id(conn, t[Locality])
        locality_ids = list(range(first_locality, first_locality + scale.localities))
        _insert(
            conn,
            t[Locality],
            [
                {
                    "id": lid,
                    "name": f"{LOCALITY_PREFIX}{n + 1:03d}",
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for n, lid in enumerate(locality_ids)
            ],
        )
        # "Q" never starts a UK postcode, so these districts cannot clash with real ones.
        _insert(
            conn,
            t[LocalityDistrict],
            [{"district": f"Q{n:03d}", "locality_id": lid} for n, lid in enumerate(locality_ids)],
        )
        next_user = _next_id(conn, t[User])
        users, roles, staff, profiles = [], [], [], []

        def person(kind: str, n: int, role: str) -> int:
            nonlocal next_user
            uid, next_user = next_user, next_user + 1
            users.append(
                {
                    "id": uid,
                    "email": f"bench-{kind}-{n}@bench.invalid",
                    "name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
                    "password_hash": None,
                    "active": True,
                    "security_stamp": f"{uid:032x}",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            roles.append({"user_id": uid, "role": role, "granted_at": now})
            return uid

        for n in range(scale.admins):
            person("admin", n, "admin")
        for n, lid in enumerate(locality_ids):
            staff.append(
                {"user_id": person("coordinator", n, "coordinator"), "locality_id": lid, "role": "coordinator"}
            )
        mentors_of: dict[int, list[int]] = {lid: [] for lid in locality_ids}
        for n in range(scale.mentors):
            lid = locality_ids[n % scale.localities]
            uid = person("mentor", n, "mentor")
            mentors_of[lid].append(uid)
            staff.append({"user_id": uid, "locality_id": lid, "role": "mentor"})
            profiles.append({"user_id": uid, "caseload_limit": 16})
        for table, rows in ((User, users), (UserRole, roles), (LocalityStaff, staff), (MentorProfile, profiles)):
            _insert(conn, t[table], rows)
        report.localities, report.users = scale.localities, len(users)
        turn = {lid: rng.randrange(max(1, len(ms))) for lid, ms in mentors_of.items()}

        def next_mentor(lid: int) -> int:
            ms = mentors_of[lid] or [uid for m in mentors_of.values() for uid in m]
            turn[lid] = (turn[lid] + 1) % len(ms)
            return ms[turn[lid]]

        # --- families, learners, enrolments, support, assignments, check-ins -----------------
        family_id = _next_id(conn, Family.__table__)
        learner_id = _next_id(conn, Learner.__table__)
        sizes = list(_family_sizes(rng, scale.learners))
        bar = (
            click.progressbar(
                length=scale.learners, label=f"Seeding {scale.learners:,} learners", show_pos=True, file=sys.stderr
            )
            if progress
            else _Quiet()
        )
        with bar:
            start = 0
            while start < len(sizes):
                batch_sizes, written = [], 0
                while start < len(sizes) and written < BATCH:
                    batch_sizes.append(sizes[start])
                    written += sizes[start]
                    start += 1
                rows: dict[str, list[dict]] = {
                    "family": [],
                    "guardian": [],
                    "learner": [],
                    "enrolment": [],
                    "support": [],
                    "assignment": [],
                    "check_in": [],
                }
                for size in batch_sizes:
                    fid, family_id = family_id, family_id + 1
                    lid = locality_ids[fid % scale.localities]
                    surname = rng.choice(_LAST)
                    rows["family"].append(
                        {
                            "id": fid,
                            "reference": f"NB{fid:07d}",
                            "address_line_1": f"{1 + fid % 200} Bench Street",
                            "address_line_2": None,
                            "town": "Benchton",
                            "postcode": f"Q{(lid - first_locality):03d} {fid % 10}AB",
                            "source": "import",
                            "external_ref": None,
                            "privacy_consent_at": now,
                            "erasure_requested_at": None,
                            "erased_at": None,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    rows["guardian"].append(
                        {
                            "family_id": fid,
                            "user_id": None,
                            "name": f"{rng.choice(_FIRST)} {surname}",
                            "email": f"family{fid}@bench.invalid",
                            "phone": f"07700 9{fid % 100000:05d}",
                            "is_primary": True,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    for _ in range(size):
                        lrn, learner_id = learner_id, learner_id + 1
                        _learner_rows(rng, rows, lrn, fid, lid, surname, today, history_from, now, next_mentor)
                        report.learners += 1
                for name, table in (
                    ("family", Family),
                    ("guardian", Guardian),
                    ("learner", Learner),
                    ("enrolment", Enrolment),
                    ("support", LearnerSupport),
                    ("assignment", MentorAssignment),
                    ("check_in", CheckIn),
                ):
                    _insert(conn, table.__table__, rows[name])
                # Each learner's last contact, next due day and contacts' days late, as the ORM would keep them.
                refresh_on(conn, [row["id"] for row in rows["learner"]])
                report.families += len(batch_sizes)
                report.assignments += sum(1 for a in rows["assignment"] if a["ends_on"] is None)
                report.check_ins += len(rows["check_in"])
                bar.update(written)
        if conn.dialect.name == "postgresql":
            # Explicit ids leave the sequences behind; catch them up, and give the planner statistics
            # (autovacuum would within a minute or so).
            for table in ("user", "locality", "family", "learner"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))"
                    )
                )
    # Bulk inserts bypass the session events that keep each learner's latest wellbeing scores and the scores a day
    # per locality: set them here.
    from virtualacademy.services.overview.wellbeing import rebuild_latest_wellbeing, rebuild_wellbeing_days

    rebuild_latest_wellbeing()
    rebuild_wellbeing_days()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    report.seconds = time.perf_counter() - started
    return report


class _Quiet:
    """A progress bar that shows nothing."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, steps: int) -> None:
        pass


def _learner_rows(rng, rows, lrn, fid, lid, surname, today, history_from, now, next_mentor) -> None:
    """One learner: the learner, enrolment, support level, mentor assignment(s) and contact history."""
    first = rng.choice(_FIRST)
    age = rng.randint(5, 16)
    rows["learner"].append(
        {
            "id": lrn,
            "family_id": fid,
            "user_id": None,
            "legal_name": f"{first} {surname}",
            "preferred_name": rng.choice(_FIRST) if rng.random() < 0.1 else None,
            "date_of_birth": date(today.year - age - 1, rng.randint(1, 12), rng.randint(1, 28)),
            "previous_school": None,
            "previous_school_urn": None,
            "date_left_school": None,
            "reason": rng.choice(_REASONS),
            "send_status": "ehcp" if rng.random() < 0.06 else "none",
            "ehcp_review_date": None,
            "fsm_eligible": rng.random() < 0.3,
            "young_carer": rng.random() < 0.05,
            "needs": None,
            "photo_consent": False,
            "locality_id": lid,
            "created_at": now,
            "updated_at": now,
        }
    )
    joined = (
        TERM_START
        if rng.random() < 0.88
        else TERM_START + timedelta(days=rng.randint(1, (today - TERM_START).days - 14))
    )
    rows["enrolment"].append(
        {
            "learner_id": lrn,
            "locality_id": lid,
            "status": "enrolled",
            "start_date": joined,
            "end_date": None,
            "withdrawal_reason": None,
            "withdrawal_note": None,
            "application_id": None,
            "created_at": now,
            "updated_at": now,
        }
    )
    r = rng.random()
    level = "standard" if r < 0.70 else "enhanced" if r < 0.92 else "intensive"
    override = rng.choice([2, 5, 10, 14]) if rng.random() < 0.02 else None
    if level != "standard" or override:
        rows["support"].append({"learner_id": lrn, "level": level, "override_days": override})
    cadence = override or _CADENCE[level]

    mentor = next_mentor(lid)
    starts_on = joined + timedelta(days=rng.randint(0, 3))
    previous = None
    if rng.random() < 0.04 and (today - starts_on).days > 30:  # handed over in the last three weeks
        previous = next_mentor(lid)
        if previous == mentor:
            previous = None
    handover = today - timedelta(days=rng.randint(1, 20)) if previous else None
    if previous:
        rows["assignment"].append(_assignment(lrn, previous, starts_on, handover, now))
        starts_on = handover
    rows["assignment"].append(_assignment(lrn, mentor, starts_on, None, now))

    # Where this learner's next check-in falls, relative to today.
    r = rng.random()
    if r < 0.03:
        due = today - timedelta(days=cadence + rng.randint(1, 10))  # escalated
    elif r < 0.13:
        due = today - timedelta(days=rng.randint(1, cadence))  # overdue within a cadence
    elif r < 0.28 or cadence == 1:
        due = today
    else:
        due = today + timedelta(days=rng.randint(1, cadence - 1))
    last = due - timedelta(days=cadence)
    days = _contact_days(last, cadence, max(starts_on, history_from)) if last >= starts_on else []
    if previous:  # the previous mentor's contacts before the handover
        before = handover - timedelta(days=rng.randint(1, cadence))
        days += _contact_days(before, cadence, max(joined, history_from))
    for day in days:
        rows["check_in"].append(_check_in(rng, lrn, mentor if day >= starts_on else previous, day, True, now))
    if days and rng.random() < 0.06 and (today - days[0]).days > 1:  # a later attempt that reached nobody
        day = days[0] + timedelta(days=rng.randint(1, (today - days[0]).days - 1))
        rows["check_in"].append(_check_in(rng, lrn, mentor, day, False, now))


def _assignment(lrn, mentor, starts_on, ends_on, now) -> dict:
    return {
        "learner_id": lrn,
        "mentor_id": mentor,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "handover_note": "Prefers a phone call after 2pm." if ends_on else None,
        "assigned_by_id": None,
        "created_at": now,
    }


def _check_in(rng, lrn, mentor, day, made, now) -> dict:
    at = _at(day, rng.randint(9, 17), rng.choice((0, 15, 30, 45)))
    return {
        "learner_id": lrn,
        "mentor_id": mentor,
        "occurred_at": at,
        "method": rng.choice(_METHODS),
        "with_whom": rng.choice(_WITH),
        "contact_made": made,
        "wellbeing": rng.choice(_SCORES) if made and rng.random() < 0.85 else None,
        "engagement": rng.choice(_SCORES) if made and rng.random() < 0.85 else None,
        "notes": "Talked through the week's plan." if made and rng.random() < 0.1 else None,
        "created_at": at,
    }


def app_for(url: str):
    """An app on ``url`` with its schema brought up to date by the migrations."""
    from flask_migrate import upgrade

    from virtualacademy import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "console"})
    with app.app_context():
        upgrade()
    return app


def ensure_seeded(scale: Scale, *, progress: bool = True) -> SeedReport | None:
    """Seed unless this database already holds exactly this scale's learners; None if it did.
    Needs an app context."""
    have = seeded_learners()
    if have == scale.learners:
        return None
    if have:
        raise SystemExit(
            f"This database holds a bench seed of {have:,} learners, not {scale.learners:,}: use another database."
        )
    return seed(scale, progress=progress)


@dataclass
class ScaleReport:
    """What :func:`build` wrote: the national data set, the learning log and the money."""

    national: SeedReport | None = None
    log_entries: int = 0
    transfers: int = 0
    steps: list[str] | None = None


def build(
    scale: Scale, *, progress: bool = True, echo=print, between: tuple[str, Callable] | None = None
) -> ScaleReport:
    """The whole national data set the page benchmarks read, in the app's database: learners, staff and check-ins
    (:func:`seed`), a term of learning log (``bench/log_list.py``), then ``between()`` (the CLI adds the demo
    academy there: after the log, which is only seeded into a log with nothing in it, and before the money, so
    the demo learners are counted in the censuses), then a funding year with its two censuses and the learners'
    spending (``bench/overview.py``), and the contact figures for today. ``between()`` runs with the clock at the
    benchmark's day and the money at its own times. Needs an app context; the clock is left as it was."""
    from virtualacademy import clock

    report = ScaleReport(steps=[])

    def timed(label: str, work):
        started = time.perf_counter()
        result = work()
        report.steps.append(f"{label} in {time.perf_counter() - started:.1f} s")
        echo(report.steps[-1])
        return result

    from bench.log_list import seed_log
    from bench.overview import seed_money

    report.national = seed(scale, progress=progress)
    echo(f"Seeded {report.national}")
    report.log_entries = timed("Learning log", lambda: seed_log(progress=progress))
    offset = clock.offset()
    try:
        clock.travel_to(job_time())  # the same data set whatever day it is built on
        if between is not None:
            timed(*between)
        _year_id, report.transfers = timed("Money", lambda: seed_money(_first_admin_id()))
    finally:
        clock.set_offset(offset)
    timed("Contact figures", _contact_figures)
    return report


def _first_admin_id() -> int:
    from sqlalchemy import select

    from virtualacademy.extensions import db
    from virtualacademy.models import Role, User, UserRole

    return db.session.scalar(select(User.id).join(UserRole).where(UserRole.role == Role.ADMIN).order_by(User.id))


def _contact_figures() -> None:
    """Fill in contact figures the bulk load left stale, and count today's summaries: the contact-figures and
    overview-figures jobs' work."""
    from virtualacademy import clock
    from virtualacademy.extensions import db
    from virtualacademy.services import mentoring
    from virtualacademy.services.overview.cohort import recount_cohort

    mentoring.refresh_stale(limit=10**9)
    mentoring.rebuild_contact_summary(clock.today(), clock.now())
    recount_cohort(clock.today(), clock.now())
    db.session.commit()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.seed_national", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="database URL (it must not hold bench data yet)")
    parser.add_argument("--learners", type=int, default=Scale.learners)
    args = parser.parse_args(argv)
    scale = Scale.for_learners(args.learners)
    app = app_for(args.database)
    with app.app_context():
        print(seed(scale))


if __name__ == "__main__":
    main()
