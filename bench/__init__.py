"""Benchmarks: how long the academy's heavy work takes at national scale, on SQLite and PostgreSQL.

``python -m bench`` (``make bench``) runs every script here in turn and prints a summary; the
figures are written up in ``docs/performance.md``. Speed targets live here, never in timed tests.

A database is named by URL, or ``sqlite`` for a file under ``instance/bench/`` (git-ignored). A
script that needs several data sets uses sibling databases named after the one it was given
(``va_bench_2000`` beside ``va_bench``; ``reminders-2000.sqlite`` beside ``reminders.sqlite``),
creating them if they are missing, so a seeded database is kept and reused by the next run.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_DIR = ROOT / "instance" / "bench"
#: Used unless ``--database`` or ``BENCH_POSTGRES_URL`` says otherwise.
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/va_bench"


def postgres_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def default_databases() -> list[str]:
    return ["sqlite", postgres_url()]


def database_url(given: str, name: str, suffix: str = "") -> str:
    """The URL a script uses: ``given`` (``sqlite`` means a file named ``name`` under ``instance/bench/``),
    or with ``suffix`` a sibling database, created if missing."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if given == "sqlite":
        SQLITE_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{SQLITE_DIR / name}{suffix and '-' + suffix}.sqlite"
    url = make_url(given)
    if not suffix:
        return given
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        return str(url.set(database=str(path.with_stem(f"{path.stem}-{suffix}"))))
    sibling = f"{url.database}_{suffix}"
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": sibling}) is None:
                conn.execute(text(f'CREATE DATABASE "{sibling}"'))
    finally:
        engine.dispose()
    return url.set(database=sibling).render_as_string(hide_password=False)


def shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def time_requests(client, path: str, runs: int, check: str) -> list[float]:
    """Milliseconds for each of ``runs`` GET requests of ``path`` (after one warm-up request, whose page must
    contain ``check``), the whole response read."""
    import time

    response = client.get(path)  # warm-up: templates compiled, caches filled
    assert response.status_code == 200, (path, response.status_code)
    assert check in response.get_data(as_text=True), (path, check)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        body = response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and body
    return times


def main_for(bench_database, argv: list[str] | None, *, prog: str, doc: str, runs: int) -> int:
    """The command line every page benchmark shares: ``--database`` (repeatable) and ``--runs``; exits 1 if
    ``bench_database(given, runs)`` missed its target on any database."""
    import argparse

    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    parser.add_argument(
        "--database", action="append", help="a URL, or 'sqlite' (default: a SQLite file and PostgreSQL)"
    )
    parser.add_argument("--runs", type=int, default=runs)
    args = parser.parse_args(argv)
    ok = True
    for given in args.database or default_databases():
        ok = bench_database(given, args.runs) and ok
    return 0 if ok else 1
