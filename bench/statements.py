"""How long a statement takes to show for an account with 100,000 transfers: the first page, through the Flask
test client (so routing, the access check, both queries and the template are all included), signed in as an
admin; also a page deep in the history and the whole period as CSV.

    .venv/bin/python -m bench.statements                                  # SQLite file, then PostgreSQL
    .venv/bin/python -m bench.statements --database sqlite --runs 21
    .venv/bin/python -m bench.statements --database postgresql+psycopg://postgres@127.0.0.1:5432/va_bench

For each database (PostgreSQL: a sibling database ``<name>_statements``, created if missing; SQLite:
``instance/bench/statements.sqlite``): seed once (kept for the next run) a locality budget with 100,000
transfers in and out over this funding year, bulk-inserted in posting order with the running balance kept
(so ``funding verify`` holds), then request the page ``--runs`` times after one warm-up request and report
the median. The default period is this funding year, which holds every one of the 100,000 transfers: the
page's totals cover all of them. Target: the first page in under 100 ms. Exits 1 if it is missed.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from bench import database_url, main_for, shown, time_requests
from virtualacademy import clock

TRANSFERS = 100_000
TARGET_MS = 100.0
LOCALITY = "Bench statement locality"
ADMIN_EMAIL = "bench-statements-admin@example.invalid"


def app_for(url: str):
    from flask_migrate import upgrade

    from virtualacademy import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "console", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
    return app


def seed(count: int = TRANSFERS) -> tuple[int, int]:
    """The bench locality's account (made with ``count`` transfers if it is not there yet) and an admin.
    Needs an app context. Returns (account id, admin id)."""
    from sqlalchemy import func, insert, select, text, update

    from virtualacademy.extensions import db
    from virtualacademy.models import (
        LedgerAccount,
        Locality,
        Role,
        SpendingCategory,
        Transfer,
        TransferKind,
        User,
        UserRole,
    )
    from virtualacademy.services import ledger, spending

    admin = db.session.scalar(select(User).where(User.email == ADMIN_EMAIL))
    if admin is None:
        admin = User(email=ADMIN_EMAIL, name="Bench Admin", password_hash=None)
        admin.role_links.append(UserRole(role=Role.ADMIN))
        db.session.add(admin)
    locality = db.session.scalar(select(Locality).where(Locality.name == LOCALITY))
    if locality is None:
        locality = Locality(name=LOCALITY)
        db.session.add(locality)
        db.session.flush()
    account = ledger.locality_account(locality)
    db.session.flush()
    have = db.session.scalar(
        select(func.count())
        .select_from(Transfer)
        .where((Transfer.from_account_id == account.id) | (Transfer.to_account_id == account.id))
    )
    if have == count:
        db.session.commit()
        return account.id, admin.id
    if have:
        raise SystemExit(f"The bench account has {have:,} transfers, not {count:,}: use another database.")

    source = ledger.funding_source()
    targets = [ledger.spending_account(c) for c in spending.LOCALITY_CATEGORIES]
    db.session.flush()
    rng = random.Random(2026)
    now = datetime.now(UTC)
    start = datetime.combine(spending.funding_year_start(clock.today()), datetime.min.time(), UTC) + (
        timedelta(hours=1)
    )
    step = (now - timedelta(minutes=5) - start) / count
    balance, moved_out = 0, {t.id: 0 for t in targets}
    batch, started = [], time.perf_counter()
    print(f"  seeding {count:,} transfers ...", flush=True)
    for n in range(count):
        # money in when the balance is low (or every third transfer), otherwise a payment out
        if balance < 5_000 or n % 3 == 0:
            amount, frm, to, kind = rng.randint(2_000, 20_000), source.id, account.id, TransferKind.ALLOCATION
            memo = f"Allocation {n}"
            balance += amount
        else:
            target = targets[n % len(targets)]
            amount = rng.randint(100, min(balance, 8_000))
            frm, to, kind = account.id, target.id, TransferKind.SPEND
            memo = f"Payment {n}: {SpendingCategory(target.category).value.replace('_', ' ')}"
            balance -= amount
            moved_out[target.id] += amount
        batch.append(
            {
                "from_account_id": frm,
                "to_account_id": to,
                "amount_pence": amount,
                "kind": kind,
                "memo": memo,
                "idempotency_key": f"bench-statement:{n}",
                "created_at": start + step * n,
            }
        )
        if len(batch) == 10_000:
            db.session.execute(insert(Transfer), batch)
            batch.clear()
            print(f"    {n + 1:,} ({time.perf_counter() - started:.0f} s)", flush=True)
    if batch:
        db.session.execute(insert(Transfer), batch)
    # the running balances, exactly as posting them one by one would have left them
    total_in = sum(moved_out.values()) + balance
    db.session.execute(
        update(LedgerAccount)
        .where(LedgerAccount.id == account.id)
        .values(balance_pence=LedgerAccount.balance_pence + balance)
    )
    db.session.execute(
        update(LedgerAccount)
        .where(LedgerAccount.id == source.id)
        .values(balance_pence=LedgerAccount.balance_pence - total_in)
    )
    for target_id, amount in moved_out.items():
        db.session.execute(
            update(LedgerAccount)
            .where(LedgerAccount.id == target_id)
            .values(balance_pence=LedgerAccount.balance_pence + amount)
        )
    from virtualacademy.services import ledger

    ledger.rebuild_flows()  # the flow summary the ledger keeps, for transfers written around it
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE transfer")
            conn.exec_driver_sql("ANALYZE account")
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)
    return account.id, admin.id


def bench_database(given: str, runs: int) -> bool:
    url = database_url(given, "statements") if given == "sqlite" else database_url(given, "", "statements")
    print(f"Database: {shown(url)}", flush=True)
    app = app_for(url)
    with app.app_context():
        from virtualacademy.extensions import db
        from virtualacademy.models import LedgerAccount, User
        from virtualacademy.services import ledger

        account_id, admin_id = seed()
        admin = db.session.get(User, admin_id)
        from virtualacademy.services import sessions

        session_id = sessions.start(admin, "bench")
        db.session.commit()
        balance = db.session.get(LedgerAccount, account_id).balance_pence
        db.session.remove()

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    path = f"/funding/accounts/{account_id}/statement"
    first = time_requests(client, path, runs, f"{TRANSFERS:,} transfers, oldest first (page 1 of")
    deep = time_requests(client, f"{path}?page=1000", runs, "(page 1,000 of")
    csv_times = []
    for _ in range(max(3, runs // 5)):
        started = time.perf_counter()
        response = client.get(f"{path}.csv")
        body = response.get_data(as_text=True)
        csv_times.append((time.perf_counter() - started) * 1000)
    last = body.rstrip().splitlines()[-1].split(",")
    assert last[2] == "Closing balance" and last[7] == f"{balance // 100}.{balance % 100:02d}", last
    with app.app_context():
        result = ledger.verify()
        assert result.ok, result.problems[:5]

    med = statistics.median(first)
    print(
        f"  statement, first page of {TRANSFERS:,} transfers: median {med:.1f} ms "
        f"(min {min(first):.1f}, max {max(first):.1f}, {runs} runs)\n"
        f"  page 1,000 (transfers 49,951 to 50,000): median {statistics.median(deep):.1f} ms\n"
        f"  the whole period as CSV ({TRANSFERS:,} rows, {len(body) / 1e6:.1f} MB): "
        f"median {statistics.median(csv_times) / 1000:.2f} s; its closing balance matches the account\n"
        f"  target (first page under {TARGET_MS:.0f} ms): {'met' if med < TARGET_MS else 'MISSED'}",
        flush=True,
    )
    return med < TARGET_MS


def main(argv: list[str] | None = None) -> int:
    return main_for(bench_database, argv, prog="python -m bench.statements", doc=__doc__, runs=21)


if __name__ == "__main__":
    sys.exit(main())
