"""How long ``funding verify`` takes over 2 million transfers on PostgreSQL, and that it still catches a
corrupted database at that size.

    .venv/bin/python -m bench.verify                                  # PostgreSQL (BENCH_POSTGRES_URL)
    .venv/bin/python -m bench.verify --database postgresql+psycopg://postgres@127.0.0.1:5432/va_bench --runs 5
    .venv/bin/python -m bench.verify --database sqlite --transfers 200000    # a smaller run on SQLite

The ledger is seeded once in a sibling database ``<name>_verify`` (kept for the next run; SQLite:
``instance/bench/verify.sqlite``): a funding source, the three central budgets, 150 locality budgets,
20,000 personal budgets and the spending accounts, and 2,000,000 transfers between them in posting order:
income to the centre, allocations to localities and on to learners, payments out of personal and locality
budgets, and reversals of some payments, none ever taking a budget below zero. They are written with
PostgreSQL's COPY (every constraint and index in place), each account's running balance exactly as posting
one by one would have left it. Then ``ledger.verify()`` is timed ``--runs`` times (median reported); then one
stored balance is changed behind the ledger's back and a transfer's amount too, ``verify()`` must name both,
and the change is rolled back. Target: verify under 30 seconds. Exits 1 if it is missed or a check fails.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from bench import database_url, postgres_url, shown

TRANSFERS = 2_000_000
TARGET_SECONDS = 30.0
LOCALITIES = 150
LEARNERS = 20_000
KEY_PREFIX = "bench-verify:"
NULL = "\\N"  # COPY's text format


def app_for(url: str):
    from flask_migrate import upgrade

    from virtualacademy import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "console"})
    with app.app_context():
        upgrade()
    return app


def _accounts():
    """Make the bench's accounts (if missing); returns (source, core, localities, personal, spending) ids."""
    from sqlalchemy import insert, select

    from virtualacademy.extensions import db
    from virtualacademy.models import AccountKind, LedgerAccount, SpendingCategory
    from virtualacademy.services import ledger

    source = ledger.funding_source().id
    core = ledger.central(AccountKind.CENTRAL_CORE).id
    spending = [ledger.spending_account(c).id for c in SpendingCategory]
    wanted = [(f"bench-locality:{n}", AccountKind.LOCALITY, f"Bench locality {n} budget") for n in range(LOCALITIES)]
    wanted += [(f"bench-personal:{n}", AccountKind.PERSONAL, f"Bench learner {n}") for n in range(LEARNERS)]
    have = set(db.session.scalars(select(LedgerAccount.key).where(LedgerAccount.key.like("bench-%"))))
    missing = [{"key": k, "kind": kind, "name": name, "balance_pence": 0} for k, kind, name in wanted if k not in have]
    for start in range(0, len(missing), 5_000):
        db.session.execute(insert(LedgerAccount), missing[start : start + 5_000])
    ids = dict(
        db.session.execute(select(LedgerAccount.key, LedgerAccount.id).where(LedgerAccount.key.like("bench-%"))).all()
    )
    db.session.commit()
    localities = [ids[f"bench-locality:{n}"] for n in range(LOCALITIES)]
    personal = [ids[f"bench-personal:{n}"] for n in range(LEARNERS)]
    return source, core, localities, personal, spending


def generate(count, balances, source, core, localities, personal, spending):
    """``count`` transfers in posting order, as tuples (number from 0, from, to, amount, kind, memo, key,
    the number of the transfer reversed, created at); ``balances`` is left with what each account holds."""
    rng = random.Random(2_000_000)
    start = datetime(2024, 9, 1, 8, tzinfo=UTC)
    step = timedelta(days=730) / count
    paid: list[tuple[int, int, int, int]] = []  # recent payments that may be reversed: (n, from, to, amount)
    n = 0

    def row(frm: int, to: int, amount: int, kind: str, memo: str, reverses: int | None = None):
        balances[frm] = balances.get(frm, 0) - amount
        balances[to] = balances.get(to, 0) + amount
        return (n, frm, to, amount, kind, memo, f"{KEY_PREFIX}{n}", reverses, start + step * n)

    while n < count:
        roll = rng.random()
        if balances.get(core, 0) < 50_000_000:
            made = row(source, core, 900_000_000, "income", "Census income")
        elif roll < 0.02:
            locality = localities[rng.randrange(LOCALITIES)]
            made = row(core, locality, rng.randint(1_000_000, 5_000_000), "allocation", "Locality allocation")
        elif roll < 0.35:
            locality = localities[rng.randrange(LOCALITIES)]
            learner = personal[rng.randrange(LEARNERS)]
            amount = rng.randint(5_000, 40_000)
            payer = locality if balances.get(locality, 0) >= amount else core
            made = row(payer, learner, amount, "allocation", "Personal learning budget")
        elif roll < 0.97 or not paid:
            learner = personal[rng.randrange(LEARNERS)]
            have = balances.get(learner, 0)
            if have < 500:
                continue
            target = spending[rng.randrange(len(spending))]
            amount = rng.randint(100, min(have, 25_000))
            made = row(learner, target, amount, "spend", f"Payment {n}")
            paid.append((n, learner, target, amount))
            if len(paid) > 10_000:
                del paid[:5_000]
        else:
            original, learner, target, amount = paid.pop(rng.randrange(len(paid)))
            made = row(target, learner, amount, "reversal", f"Reversal of transfer {original}: refunded", original)
        yield made
        n += 1


def seed(count: int) -> None:
    """Seed the ledger unless it already holds exactly ``count`` bench transfers. Needs an app context."""
    from sqlalchemy import func, select, text, update

    from virtualacademy.extensions import db
    from virtualacademy.models import LedgerAccount, Transfer

    have = db.session.scalar(
        select(func.count()).select_from(Transfer).where(Transfer.idempotency_key.like(f"{KEY_PREFIX}%"))
    )
    if have == count:
        return
    if have or db.session.scalar(select(func.count()).select_from(Transfer)):
        raise SystemExit(f"This database already holds {have:,} transfers, not {count:,}: use another database.")
    started = time.perf_counter()
    ids = _accounts()
    print(f"  generating and writing {count:,} transfers ...", flush=True)
    balances: dict[int, int] = {}
    rows = generate(count, balances, *ids)
    first_id = 1
    if db.engine.dialect.name == "postgresql":
        raw = db.session.connection().connection.driver_connection
        with raw.cursor() as cursor:
            copy_sql = (
                "COPY transfer (id, from_account_id, to_account_id, amount_pence, kind, memo, idempotency_key, "
                "reverses_id, created_at) FROM STDIN"
            )
            with cursor.copy(copy_sql) as copy:
                buffer = io.StringIO()
                for n, row in enumerate(rows, 1):
                    i, frm, to, amount, kind, memo, key, reverses, at = row
                    reversed_id = str(reverses + first_id) if reverses is not None else NULL
                    buffer.write(
                        f"{i + first_id}\t{frm}\t{to}\t{amount}\t{kind}\t{memo}\t{key}\t"
                        f"{reversed_id}\t{at.isoformat()}\n"
                    )
                    if n % 100_000 == 0:
                        copy.write(buffer.getvalue())
                        buffer = io.StringIO()
                        print(f"    {n:,} ({time.perf_counter() - started:.0f} s)", flush=True)
                copy.write(buffer.getvalue())
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence('transfer', 'id'), (SELECT max(id) FROM transfer))")
        )
    else:
        from sqlalchemy import insert

        from virtualacademy.models import TransferKind

        batch = []
        for i, frm, to, amount, kind, memo, key, reverses, at in rows:
            batch.append(
                {
                    "id": i + first_id,
                    "from_account_id": frm,
                    "to_account_id": to,
                    "amount_pence": amount,
                    "kind": TransferKind(kind),
                    "memo": memo,
                    "idempotency_key": key,
                    "reverses_id": reverses + first_id if reverses is not None else None,
                    "created_at": at,
                }
            )
            if len(batch) == 50_000:
                db.session.execute(insert(Transfer), batch)
                batch.clear()
                print(f"    {i + 1:,} ({time.perf_counter() - started:.0f} s)", flush=True)
        if batch:
            db.session.execute(insert(Transfer), batch)
    for account_id, balance in balances.items():
        db.session.execute(update(LedgerAccount).where(LedgerAccount.id == account_id).values(balance_pence=balance))
    from virtualacademy.services import ledger

    ledger.rebuild_flows()  # the flow summary the ledger keeps, for transfers written around it
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE transfer")
            conn.exec_driver_sql("VACUUM ANALYZE account")
    print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)


def bench_database(given: str, transfers: int, runs: int) -> bool:
    url = database_url(given, "verify") if given == "sqlite" else database_url(given, "", "verify")
    print(f"Database: {shown(url)}", flush=True)
    app = app_for(url)
    with app.app_context():
        from sqlalchemy import func, select, text

        from virtualacademy.extensions import db
        from virtualacademy.models import LedgerAccount, Transfer
        from virtualacademy.services import ledger

        seed(transfers)
        db.session.remove()
        times, result = [], None
        for _ in range(runs):
            started = time.perf_counter()
            result = ledger.verify()
            times.append(time.perf_counter() - started)
            db.session.remove()
        ok = result.ok and result.transfers == transfers
        print(
            f"  verify over {result.transfers:,} transfers and {result.accounts:,} accounts: "
            f"median {statistics.median(times):.1f} s (min {min(times):.1f}, max {max(times):.1f}, {runs} runs); "
            f"{'all invariants hold' if result.ok else 'PROBLEMS: ' + '; '.join(result.problems[:3])}",
            flush=True,
        )
        # corrupt the database behind the ledger's back (rolled back afterwards): verify must say so
        learner = db.session.scalar(
            select(LedgerAccount)
            .where(LedgerAccount.key == "bench-personal:7")
            .execution_options(populate_existing=True)
        )
        victim = db.session.scalar(select(func.max(Transfer.id)).where(Transfer.kind == "spend"))
        db.session.execute(
            text("UPDATE account SET balance_pence = balance_pence + 1 WHERE id = :id"), {"id": learner.id}
        )
        db.session.execute(text("UPDATE transfer SET amount_pence = amount_pence + 100 WHERE id = :id"), {"id": victim})
        db.session.expire_all()
        started = time.perf_counter()
        problems = ledger.verify().problems
        corrupted = time.perf_counter() - started
        db.session.rollback()
        caught = any("Bench learner 7 " in p for p in problems) and any(p.startswith("Spending: ") for p in problems)
        print(
            f"  with one balance and one transfer altered: {len(problems)} problems found in {corrupted:.1f} s "
            f"({'caught' if caught else 'NOT CAUGHT'}), e.g. {problems[0] if problems else '-'}",
            flush=True,
        )
    fast = statistics.median(times) < TARGET_SECONDS
    print(f"  target (verify under {TARGET_SECONDS:.0f} s): {'met' if fast else 'MISSED'}", flush=True)
    return ok and caught and fast


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", action="append", help="a URL, or 'sqlite' (default: PostgreSQL)")
    parser.add_argument("--transfers", type=int, default=TRANSFERS)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    ok = True
    for given in args.database or [postgres_url()]:
        ok = bench_database(given, args.transfers, args.runs) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
