"""How long the **overview** (``/overview``) and the report pages it absorbs take at national scale: the overview
for an admin and for a coordinator (the current term to date, and a whole year), each of its CSVs, the funding
overview of the year, the cohort profile and its CSV, and the localities list.

    .venv/bin/python -m bench.overview                                  # SQLite file, then PostgreSQL
    .venv/bin/python -m bench.overview --database postgresql+psycopg://postgres@127.0.0.1:5432/va_national
    .venv/bin/python -m bench.overview --database sqlite --runs 11
    .venv/bin/python -m bench.overview --database postgresql+psycopg://... --only overview   # pages named so

It uses the national data set of ``bench/reminders.py`` (115,000 learners, 8,000 mentors, 150 localities, five
weeks of check-ins; seeded by ``bench/seed_national.py`` if missing) with the term of learning log of
``bench/log_list.py`` (about 3.5 million entries, added if missing), and adds, once, a funding year's money: the
funding year 2026/27 at national rates (``bench/census.py``), its autumn census recorded on 5 October 2026 and its
spring census on 22 January 2027 (about 223,000 transfers, through ``funding.record_census``), and then the
learners' spending: 8 to 22 payments each from their learning budgets to the spending accounts between the
census and the benchmark's day, 2% of them refunded (about 1.8 million transfers, written with COPY on
PostgreSQL, the accounts' kept balances set to match; ``funding verify`` is run once to prove it).

The clock is set to Monday 25 January 2027. Every page is requested through the Flask test client (routing, the
access check, the queries and the template all included), ``--runs`` times after a warm-up, and its median and
95th percentile reported with the number of SQL statements one request issues. Target: each under 500 ms (the
overview issue). Exits 1 if one misses it. Nothing here writes once the data is seeded, so the data set is kept
for the next run.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

from bench import database_url, main_for, shown
from bench.census import START_YEAR, funding_year
from bench.log_list import seed_log, signed_in
from bench.seed_national import LONDON, Scale, app_for, ensure_seeded

TARGET_MS = 500.0
#: The benchmark's "today": in the spring term, after both censuses.
TODAY = datetime(2027, 1, 25, 10, 0, tzinfo=LONDON)
AUTUMN_RECORDED = datetime(2026, 10, 5, 10, 0, tzinfo=LONDON)
SPRING_RECORDED = datetime(2027, 1, 22, 10, 0, tzinfo=LONDON)
#: The whole-year period: the twelve months to the benchmark's day.
YEAR_START, YEAR_END = date(2026, 1, 26), date(2027, 1, 25)
SPEND_PREFIX = "bench-spend:"
CSV_TABLES = ("comparison", "roll", "cohort", "contact", "wellbeing", "attendance", "reviews", "exams", "money")


def _record_censuses(admin_id: int) -> int:
    """Record the year's autumn and spring censuses (each at its own time), unless recorded. Transfers written."""
    from virtualacademy import clock
    from virtualacademy.extensions import db
    from virtualacademy.models import User
    from virtualacademy.services import funding

    written = 0
    for key, at in (("autumn", AUTUMN_RECORDED), ("spring", SPRING_RECORDED)):
        census = funding.census_of(funding.year_starting(START_YEAR), key)
        if census.recorded_at is not None:
            continue
        clock.travel_to(at)
        result = funding.record_census(db.session.get(User, admin_id), census, on=clock.today())
        db.session.commit()
        written += len(result.transfer_ids)
    clock.travel_to(TODAY)
    return written


def _spending_rows(year_id: int):
    """The learners' payments and refunds, in time order, as rows for the transfer table."""
    from sqlalchemy import select

    from virtualacademy.extensions import db
    from virtualacademy.models import LedgerAccount, SpendingCategory
    from virtualacademy.models.funding import AccountKind
    from virtualacademy.services import ledger

    spending = [ledger.spending_account(c).id for c in SpendingCategory]
    db.session.commit()
    budgets = db.session.execute(
        select(LedgerAccount.id, LedgerAccount.created_at, LedgerAccount.balance_pence)
        .where(LedgerAccount.kind == AccountKind.PERSONAL)
        .order_by(LedgerAccount.id)
    ).all()
    rng = random.Random(20270125)
    end = TODAY.astimezone(UTC) - timedelta(days=1)
    payments = []
    for account_id, created_at, balance in budgets:
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=UTC)
        first = created_at + timedelta(days=1)
        seconds = max(1, int((end - first).total_seconds()))
        for _ in range(rng.randint(8, 22)):
            amount = rng.randint(300, 1_300)
            if amount > balance:
                break
            balance -= amount
            at = first + timedelta(seconds=rng.randrange(seconds))
            payments.append((at, account_id, rng.choice(spending), amount))
    payments.sort()
    rows = []
    for n, (at, budget, target, amount) in enumerate(payments):
        rows.append((at, budget, target, amount, "spend", f"Payment {n}", f"{SPEND_PREFIX}{n}", None))
        if rng.random() < 0.02:
            refund_at = min(at + timedelta(days=rng.randint(1, 10)), end)
            rows.append(
                (refund_at, target, budget, amount, "reversal", f"Refund of payment {n}", f"{SPEND_PREFIX}r{n}", n)
            )
    rows.sort(key=lambda r: r[0])
    return rows


def _seed_spending(year_id: int) -> int:
    """Write the learners' spending (unless written) with the accounts' kept balances. Transfers written."""
    from sqlalchemy import func, select, text

    from virtualacademy import database
    from virtualacademy.extensions import db
    from virtualacademy.models import LedgerAccount, Transfer
    from virtualacademy.services import ledger

    if db.session.scalar(
        select(func.count()).select_from(Transfer).where(Transfer.idempotency_key.like("bench-spend:%"))
    ):
        return 0
    from virtualacademy.models import TransferKind

    rows = _spending_rows(year_id)
    ids = database.new_ids(Transfer.__table__, len(rows))
    id_of_payment: dict[int, int] = {}
    balances: dict[int, int] = {}
    for start in range(0, len(rows), 100_000):
        records = []
        for transfer_id, (at, frm, to, amount, kind, memo, key, reverses) in zip(
            ids[start : start + 100_000], rows[start : start + 100_000], strict=True
        ):
            if reverses is None:
                id_of_payment[int(key.removeprefix(SPEND_PREFIX))] = transfer_id
            balances[frm] = balances.get(frm, 0) - amount
            balances[to] = balances.get(to, 0) + amount
            records.append(
                {
                    "id": transfer_id,
                    "from_account_id": frm,
                    "to_account_id": to,
                    "amount_pence": amount,
                    "kind": TransferKind(kind),
                    "memo": memo,
                    "idempotency_key": key,
                    "reverses_id": None if reverses is None else id_of_payment[reverses],
                    "year_id": year_id,
                    "created_at": at,
                }
            )
        database.insert_many(Transfer.__table__, records)
    held = dict(
        db.session.execute(
            select(LedgerAccount.id, LedgerAccount.balance_pence).where(
                database.one_of(LedgerAccount.id, list(balances))
            )
        ).all()
    )
    database.set_many(LedgerAccount.__table__.c.balance_pence, {i: held[i] + d for i, d in balances.items()})
    ledger.rebuild_flows()  # the flow summary the ledger keeps, for transfers written around it
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("transfer", "account", "ledger_flow", "ledger_flow_month"):
                conn.execute(text(f"VACUUM ANALYZE {table}"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return len(rows)


def seed_money(admin_id: int) -> tuple[int, int]:
    """The funding year, its censuses and the learners' spending, unless there already. Returns the year's id and
    the transfers written."""
    from virtualacademy.services import ledger

    year = funding_year()
    year_id = year.id
    written = _record_censuses(admin_id)
    spent = _seed_spending(year_id)
    if written or spent:
        started = time.perf_counter()
        verified = ledger.verify()
        print(
            f"  funding verify: {'all invariants hold' if verified.ok else verified.problems[:3]} "
            f"({time.perf_counter() - started:.1f} s)",
            file=sys.stderr,
        )
        if not verified.ok:
            raise SystemExit("The seeded ledger does not verify.")
    return year_id, written + spent


def _percentile(times: list[float], pct: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def timed_page(app, client, path: str, runs: int, check: str) -> tuple[list[float], int]:
    """Milliseconds for each of ``runs`` requests of ``path`` after a warm-up whose page must contain ``check``,
    and the SQL statements one request issues."""
    from sqlalchemy import event

    from virtualacademy.extensions import db

    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert check in response.get_data(as_text=True), (path, check)
    statements = [0]
    with app.app_context():
        engine = db.engine

    def count(*_args):
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(path).get_data()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        body = response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and body
    return times, statements[0]


#: Only the pages whose name contains this (``--only overview``), or every page.
ONLY: list[str] = []


def bench_database(given: str, runs: int) -> bool:
    from virtualacademy import clock

    url = database_url(given, "reminders")
    print(f"Overview and reports on {shown(url)}", flush=True)
    clock.travel_to(TODAY)
    app = app_for(url)
    app.config["RATELIMIT_ENABLED"] = False
    with app.app_context():
        from sqlalchemy import func, select

        from virtualacademy.extensions import db
        from virtualacademy.models import LocalityRole, LocalityStaff, LogEntry, Role, Transfer, User, UserRole

        seeded = ensure_seeded(Scale())
        if seeded:
            print(f"  seeded {seeded}", file=sys.stderr)
        started = time.perf_counter()
        written = seed_log()
        if written:
            print(f"  seeded {written:,} log entries in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        admin = db.session.scalar(select(User).join(UserRole).where(UserRole.role == Role.ADMIN).order_by(User.id))
        coordinator = db.session.scalar(
            select(User)
            .join(LocalityStaff, LocalityStaff.user_id == User.id)
            .where(LocalityStaff.role == LocalityRole.COORDINATOR)
            .order_by(User.id)
        )
        from virtualacademy.services import sessions

        admin_id = admin.id
        ids = {"admin": sessions.start(admin, "bench"), "coordinator": sessions.start(coordinator, "bench")}
        db.session.commit()
        started = time.perf_counter()
        year_id, written = seed_money(admin_id)
        if written:
            print(f"  seeded {written:,} transfers in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        # The contact figures: filled in for rows written before they were kept, and the summaries counted for the
        # benchmark's day (the contact-figures job's work).
        from virtualacademy.services import mentoring

        started = time.perf_counter()
        if mentoring.refresh_stale(limit=10**9):
            print(f"  filled in contact figures in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        mentoring.rebuild_contact_summary(TODAY.date(), TODAY)
        # The cohort on roll today: the overview-figures job's work.
        from virtualacademy.services.overview.cohort import recount_cohort

        recount_cohort(TODAY.date(), TODAY)
        db.session.commit()
        entries = db.session.scalar(select(func.count()).select_from(LogEntry))
        transfers = db.session.scalar(select(func.count()).select_from(Transfer))
        db.session.remove()

    whole_year = "&".join(
        f"{name}={part}"
        for name, day in (("start", YEAR_START), ("end", YEAR_END))
        for part in (day.day, day.month, day.year)
    )
    admin, coordinator = signed_in(app, ids["admin"]), signed_in(app, ids["coordinator"])
    pages = [
        ("overview, admin, term to date", admin, "/overview/", "Academy overview"),
        ("overview, admin, whole year", admin, f"/overview/?{whole_year}", "Academy overview"),
        ("overview, coordinator, term to date", coordinator, "/overview/", "Overview: "),
        ("overview, coordinator, whole year", coordinator, f"/overview/?{whole_year}", "Overview: "),
        *[(f"overview CSV {t}, admin", admin, f"/overview/{t}.csv", ",") for t in CSV_TABLES],
        *[(f"overview CSV {t}, coordinator", coordinator, f"/overview/{t}.csv", ",") for t in ("comparison", "money")],
        ("contact by mentor, admin", admin, "/overview/mentors", "Contact by mentor"),
        ("contact by mentor, coordinator", coordinator, "/overview/mentors", "Contact by mentor"),
        ("funding overview, admin", admin, f"/funding/years/{year_id}/overview", "2026"),
        ("funding overview, coordinator", coordinator, f"/funding/years/{year_id}/overview", "2026"),
        ("cohort profile, admin", admin, "/cohort", "Cohort"),
        ("cohort profile, coordinator", coordinator, "/cohort", "Cohort"),
        ("cohort CSV, admin", admin, "/cohort.csv", "section"),
        ("localities list, admin", admin, "/localities/", "Localities"),
    ]
    print(f"  {entries:,} log entries, {transfers:,} transfers; today {TODAY.date()}", flush=True)
    met = True
    for name, client, path, check in pages:
        if ONLY and ONLY[0] not in name:
            continue
        times, statements = timed_page(app, client, path, runs, check)
        median = statistics.median(times)
        met = met and median < TARGET_MS
        print(
            f"  {name}: median {median:.1f} ms, p95 {_percentile(times, 95):.1f} ms "
            f"(min {min(times):.1f}, max {max(times):.1f}, {runs} runs); {statements} statements"
            f"{'' if median < TARGET_MS else '  MISSED'}",
            flush=True,
        )
    print(f"  target (each under {TARGET_MS:.0f} ms): {'met' if met else 'MISSED'}", flush=True)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    clock.reset()
    return met


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--only" in argv:
        at = argv.index("--only")
        ONLY[:] = argv[at + 1 : at + 2]
        del argv[at : at + 2]
    return main_for(bench_database, argv, prog="python -m bench.overview", doc=__doc__, runs=11)


if __name__ == "__main__":
    sys.exit(main())
