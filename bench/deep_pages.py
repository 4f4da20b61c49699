"""How long deep pages of the longest lists take at national size: the transfers journal (``/funding/transfers``)
over 2 million transfers, and staff's list of learners (``/learners``) over 115,000, PostgreSQL only.

    .venv/bin/python -m bench.deep_pages                      # PostgreSQL (BENCH_POSTGRES_URL); SQLite is skipped
    .venv/bin/python -m bench.deep_pages --database postgresql+psycopg://postgres@127.0.0.1:5432/va_bench --runs 11

The journal uses the ledger of ``bench/verify.py`` (2,000,000 transfers in the sibling database
``<name>_verify``, seeded with COPY if missing); the learners list the national data set of
``bench/seed_national.py`` (seeded if missing). Through the Flask test client, as an admin, it requests the
journal's first page, the page 20,000 pages deep (the 1,000,001st newest transfer on: a keyset cursor, as the
"Next" links write it, made once for that row), its last page; the first page of a rare kind (income, 140 transfers) and page 1,000 of reversals; the first page of a learner's budget; and
the first page and page 2,000 of the busiest account (a spending account, 181,461 transfers);
and the learners list's pages 1, 500 and 2,000 (page numbers: only ids are paged, through ``ix_learner_name``),
each ``--runs`` times after a warm-up, and reports the medians. For comparison it also times the statements the
journal used to send for its page 20,000 (a count of every transfer, then OFFSET 999,950). Targets: every page
under 300 ms, first pages under 50 ms. Exits 1 if a target is missed.
"""

from __future__ import annotations

import statistics
import sys
import time

from bench import database_url, main_for, shown, time_requests

TARGET_MS = 300.0
FIRST_PAGE_TARGET_MS = 50.0
DEEP = 1_000_000
BUSY_ACCOUNT = "spending:resources"


def cursor_at(stmt, keys, position: int) -> str:
    """The cursor of the row at ``position`` (from 1) of ``stmt`` in the order of ``keys``: the "Next" link of
    the page that ends with it. Needs an app context; reads the rows before it once."""
    from virtualacademy.extensions import db
    from virtualacademy.paging import encode_cursor, ordering

    query = stmt.with_only_columns(*(key.column for key in keys)).order_by(*ordering(keys))
    row = db.session.execute(query.offset(position - 1).limit(1)).one()
    return encode_cursor(keys, tuple(row))


def admin_session(app) -> str:
    """A session of an admin (made if there is none): its id, for ``bench.log_list.signed_in``."""
    from sqlalchemy import select

    from virtualacademy.extensions import db
    from virtualacademy.models import Role, User, UserRole
    from virtualacademy.services import sessions

    with app.app_context():
        admin = db.session.scalar(select(User).join(UserRole).where(UserRole.role == Role.ADMIN).order_by(User.id))
        if admin is None:
            admin = User(name="Bench admin", email="bench-deep-admin@example.invalid", active=True)
            db.session.add(admin)
            db.session.flush()
            db.session.add(UserRole(user_id=admin.id, role=Role.ADMIN))
        session_id = sessions.start(admin, "bench")
        db.session.commit()
        db.session.remove()
    return session_id


def _old_journal_page(app, runs: int) -> list[float]:
    """Milliseconds of what page 20,000 used to cost in SQL alone: a count of every transfer and OFFSET."""
    from sqlalchemy import func, select

    from virtualacademy.extensions import db
    from virtualacademy.models import Transfer

    times = []
    with app.app_context():
        for _ in range(runs + 1):
            started = time.perf_counter()
            db.session.scalar(select(func.count()).select_from(select(Transfer.id).subquery()))
            db.session.scalars(select(Transfer).order_by(Transfer.id.desc()).offset(DEEP - 50).limit(50)).all()
            times.append((time.perf_counter() - started) * 1000)
            db.session.remove()
    return times[1:]


def journal(given: str, runs: int) -> dict[str, list[float]]:
    from bench.log_list import signed_in
    from bench.verify import TRANSFERS, app_for, seed

    url = database_url(given, "", "verify")
    print(f"Transfers journal on {shown(url)}", flush=True)
    app = app_for(url)
    app.config["RATELIMIT_ENABLED"] = False
    with app.app_context():
        from sqlalchemy import func, or_, select

        from virtualacademy.extensions import db
        from virtualacademy.models import Transfer
        from virtualacademy.services import funding

        seed(TRANSFERS)
        total = db.session.scalar(select(func.count()).select_from(Transfer))
        deep = cursor_at(select(Transfer.id), funding.TRANSFER_ORDER, DEEP)
        last = cursor_at(select(Transfer.id), funding.TRANSFER_ORDER, total - 50)
        # the busiest account (a spending account: every payment in one category) and its page 2,000
        account = funding.account_by_key(BUSY_ACCOUNT)
        busy = select(Transfer.id).where(or_(*funding.account_sides(account)))
        busy_total = db.session.scalar(select(func.count()).select_from(busy.subquery()))
        busy_deep = cursor_at(busy, funding.TRANSFER_ORDER, 99_950)
        reversals = select(Transfer.id).where(Transfer.kind == "reversal")
        reversal_deep = cursor_at(reversals, funding.TRANSFER_ORDER, 49_950)
        db.session.remove()
    client = signed_in(app, admin_session(app))
    print(f"  {total:,} transfers", flush=True)
    return {
        "journal, first page": time_requests(client, "/funding/transfers", runs, "Transfers, newest first"),
        "journal, page 20,000": time_requests(client, f"/funding/transfers?after={deep}", runs, "Previous"),
        "journal, last page": time_requests(client, f"/funding/transfers?after={last}", runs, "Previous"),
        "journal, kind = income (a rare kind), first page": time_requests(
            client, "/funding/transfers?kind=income", runs, "Transfers"
        ),
        "journal, kind = reversal, page 1,000": time_requests(
            client, f"/funding/transfers?kind=reversal&after={reversal_deep}", runs, "Previous"
        ),
        "journal, one learner's budget, first page": time_requests(
            client, "/funding/transfers?account=bench-personal:7", runs, "Transfers"
        ),
        f"journal, the busiest account ({busy_total:,} transfers), first page": time_requests(
            client, f"/funding/transfers?account={BUSY_ACCOUNT}", runs, "Transfers"
        ),
        "journal, the busiest account, page 2,000": time_requests(
            client, f"/funding/transfers?account={BUSY_ACCOUNT}&after={busy_deep}", runs, "Previous"
        ),
        "journal, page 20,000 as it was (SQL only: count + OFFSET)": _old_journal_page(app, runs),
    }


def learners(given: str, runs: int) -> dict[str, list[float]]:
    from bench.log_list import signed_in
    from bench.seed_national import Scale, app_for, ensure_seeded

    url = database_url(given, "reminders")
    print(f"Learners list on {shown(url)}", flush=True)
    app = app_for(url)
    app.config["RATELIMIT_ENABLED"] = False
    with app.app_context():
        ensure_seeded(Scale())
    client = signed_in(app, admin_session(app))
    return {
        f"learners, page {page:,}": time_requests(client, f"/learners?page={page}", runs, "Learner")
        for page in (1, 500, 2_000)
    }


def bench_database(given: str, runs: int) -> bool:
    if given == "sqlite":
        print("Deep pages: PostgreSQL only (2 million transfers)", flush=True)
        return True
    results = {**journal(given, runs), **learners(given, runs)}
    met = True
    for name, times in results.items():
        median = statistics.median(times)
        target = FIRST_PAGE_TARGET_MS if "first page" in name or name.endswith("page 1") else TARGET_MS
        if "as it was" not in name:
            met = met and median < target
        print(f"  {name}: median {median:.1f} ms (min {min(times):.1f}, max {max(times):.1f}, {runs} runs)")
    print(
        f"  targets (first pages under {FIRST_PAGE_TARGET_MS:.0f} ms, every page under {TARGET_MS:.0f} ms): "
        f"{'met' if met else 'MISSED'}",
        flush=True,
    )
    return met


def main(argv: list[str] | None = None) -> int:
    return main_for(bench_database, argv, prog="python -m bench.deep_pages", doc=__doc__, runs=11)


if __name__ == "__main__":
    sys.exit(main())
