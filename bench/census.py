"""How long a census takes for the whole academy: previewing and recording the census income of the national
data set (``bench/seed_national.py``: 115,000 learners in 150 localities), on SQLite and PostgreSQL.

    .venv/bin/python -m bench.census                                  # SQLite file, then PostgreSQL
    .venv/bin/python -m bench.census --database sqlite --runs 3
    .venv/bin/python -m bench.census --database postgresql+psycopg://postgres@127.0.0.1:5432/va_bench

It uses the national data set of ``bench/reminders.py`` (seeded if missing, and shared with that benchmark and
``bench/log_list.py``, which never touch funding) and sets up, once, the funding year 2026/27 at national rates:
£5,000 a learner, 50% to the academy, 10% kept by core provision, 20% to the mentor team, a £30,000 coordinator
grant per locality and a £300 personal learning budget per learner. The clock is set to 25 January 2027. Then,
``--runs`` times, from a ledger with nothing in it:

* the **autumn** census (1 October 2026: 107,117 learners on roll, and no personal budgets yet): the preview
  (``plan_census``: who is on roll and every posting, nothing written), the preview page an admin opens
  (through the Flask test client: the access check, the plan, and the first page of the transfers), then the
  recording (``record_census`` and its commit: the personal accounts made, every transfer, its audit event);
* the **spring** census (21 January 2027: all 115,000 learners; most budgets exist by now): the recording;
* the census page once recorded (the first page of what was posted).

SQL statements are counted with a ``before_cursor_execute`` listener (PostgreSQL's COPY, which writes the rows in
bulk, is not a statement it sees). After the runs the ledger is verified
(``funding verify``: balances match the transfers) and what the benchmark posted is removed, leaving the data set
as it found it. Target: each recording, commit included, in under 60 seconds (an admin's web request);
each page in under 30 seconds. Exits 1 if a target is missed or the ledger does not verify.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime

from bench import database_url, main_for, shown
from bench.log_list import signed_in
from bench.seed_national import LONDON, Scale, app_for, ensure_seeded

RECORD_TARGET_SECONDS = 60.0
PAGE_TARGET_SECONDS = 30.0
#: The benchmark's "today": after the spring census, so both can be recorded.
TODAY = datetime(2027, 1, 25, 10, 0, tzinfo=LONDON)
START_YEAR = 2026


@dataclass
class Timed:
    seconds: list[float] = field(default_factory=list)
    statements: set[int] = field(default_factory=set)

    def median(self) -> float:
        return statistics.median(self.seconds)

    def __str__(self) -> str:
        runs = ", ".join(f"{s:.1f}" for s in self.seconds)
        count = "/".join(f"{n:,}" for n in sorted(self.statements))
        return f"median {self.median():.1f} s ({runs}); {count} statements" if self.statements else f"{runs} s"


def funding_year():
    """The benchmark's funding year, set up once at national rates."""
    from virtualacademy.extensions import db
    from virtualacademy.services import funding

    year = funding.year_starting(START_YEAR)
    if year is None:
        year = funding.create_year(
            None,
            START_YEAR,
            funding.YearSettings(
                base_rate_pence=500_000,
                academy_share_bp=5_000,
                core_topslice_bp=1_000,
                mentor_topslice_bp=2_000,
                coordinator_grant_pence=3_000_000,
                personal_budget_pence=30_000,
            ),
        )
        db.session.commit()
    return year


def clear_ledger(year) -> None:
    """Remove every transfer, account and money audit event, and mark the year's censuses unrecorded: the
    ledger as it was before the first census. Refuses a database whose ledger holds anything but censuses."""
    from sqlalchemy import delete, func, select, update

    from virtualacademy.extensions import db
    from virtualacademy.models import AuditEvent, CensusDate, LedgerAccount, LedgerFlow, Transfer

    others = db.session.scalar(
        select(func.count()).select_from(Transfer).where(Transfer.idempotency_key.not_like("census:%"))
    )
    if others:
        raise SystemExit(f"This database's ledger holds {others:,} transfers besides censuses: use another one.")
    db.session.execute(delete(AuditEvent).where(AuditEvent.action.in_(["funding.transfer", "funding.census_recorded"])))
    db.session.execute(delete(LedgerFlow))
    db.session.execute(delete(Transfer))
    db.session.execute(delete(LedgerAccount))
    db.session.execute(
        update(CensusDate).where(CensusDate.year_id == year.id).values(recorded_at=None, recorded_by_id=None)
    )
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE transfer, account, audit_event"))


def bench_database(given: str, runs: int) -> bool:
    from sqlalchemy import event, func, select

    from virtualacademy import clock
    from virtualacademy.extensions import db
    from virtualacademy.models import Role, Transfer, User, UserRole
    from virtualacademy.services import funding, ledger

    url = database_url(given, "reminders")
    print(f"Census on {shown(url)}", flush=True)
    clock.travel_to(TODAY)
    app = app_for(url)
    app.config["RATELIMIT_ENABLED"] = False
    preview, page, autumn, spring, recorded_page = Timed(), Timed(), Timed(), Timed(), Timed()
    with app.app_context():
        seeded = ensure_seeded(Scale())
        if seeded:
            print(f"  seeded {seeded}", file=sys.stderr)
        year = funding_year()
        admin = db.session.scalar(select(User).join(UserRole).where(UserRole.role == Role.ADMIN).order_by(User.id))
        from virtualacademy.services import sessions

        admin_id, client = admin.id, signed_in(app, sessions.start(admin, "bench"))
        db.session.commit()
        path = f"/funding/years/{year.id}/census"
        statements = [0]

        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(*_args):
            statements[0] += 1

        def timed(into: Timed, work):
            db.session.remove()
            statements[0] = 0
            started = time.perf_counter()
            result = work()
            into.seconds.append(time.perf_counter() - started)
            into.statements.add(statements[0])
            return result

        def record(key: str):
            census = funding.census_of(funding.year_starting(START_YEAR), key)
            result = funding.record_census(db.session.get(User, admin_id), census, on=clock.today())
            db.session.commit()
            return result

        def get(path: str, check: str) -> int:
            response = client.get(path)
            body = response.get_data(as_text=True)
            assert response.status_code == 200 and check in body, (path, response.status_code)
            return len(body.encode())

        for _ in range(runs):
            clear_ledger(funding.year_starting(START_YEAR))
            plan = timed(preview, lambda: funding.plan_census(funding.census_of(funding.year_starting(2026), "autumn")))
            autumn_learners, autumn_postings = plan.learners, len(plan.postings)
            page_bytes = timed(page, lambda: get(f"{path}/autumn", "Record census income"))
            result = timed(autumn, lambda: record("autumn"))
            assert len(result.transfer_ids) == autumn_postings, (len(result.transfer_ids), autumn_postings)
            result = timed(spring, lambda: record("spring"))
            spring_learners, spring_postings = result.plan.learners, len(result.transfer_ids)
            recorded_bytes = timed(recorded_page, lambda: get(f"{path}/spring", "Recorded"))
        db.session.remove()
        transfers = db.session.scalar(select(func.count()).select_from(Transfer))
        started = time.perf_counter()
        verified = ledger.verify()
        verify_seconds = time.perf_counter() - started
        clear_ledger(funding.year_starting(START_YEAR))
        event.remove(db.engine, "before_cursor_execute", _count)
        db.session.remove()
        db.engine.dispose()
    clock.reset()

    print(f"  autumn census: {autumn_learners:,} learners on roll, {autumn_postings:,} transfers")
    print(f"    preview (plan_census): {preview}")
    print(f"    preview page: {page} ({page_bytes / 1e6:.1f} MB)")
    print(f"    record (personal budgets made; commit included): {autumn}")
    print(f"  spring census: {spring_learners:,} learners on roll, {spring_postings:,} transfers")
    print(f"    record (commit included): {spring}")
    print(f"    census page once recorded: {recorded_page} ({recorded_bytes / 1e6:.1f} MB)")
    print(
        f"  ledger: {transfers:,} transfers, verified in {verify_seconds:.1f} s: "
        f"{'all invariants hold' if verified.ok else 'PROBLEMS: ' + '; '.join(verified.problems[:3])}"
    )
    met = max(autumn.median(), spring.median()) < RECORD_TARGET_SECONDS
    met = met and max(page.median(), recorded_page.median()) < PAGE_TARGET_SECONDS
    print(
        f"  target (recording under {RECORD_TARGET_SECONDS:.0f} s, pages under {PAGE_TARGET_SECONDS:.0f} s): "
        f"{'met' if met else 'MISSED'}",
        flush=True,
    )
    return met and verified.ok


def main(argv: list[str] | None = None) -> int:
    return main_for(bench_database, argv, prog="python -m bench.census", doc=__doc__, runs=3)


if __name__ == "__main__":
    sys.exit(main())
