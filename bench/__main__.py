"""Run every benchmark in turn on each configured database and print a summary (``make bench``).

    .venv/bin/python -m bench                                  # a SQLite file, then PostgreSQL
    .venv/bin/python -m bench --only reminders
    .venv/bin/python -m bench --database sqlite --database postgresql+psycopg://postgres@127.0.0.1:5432/va_bench

PostgreSQL is ``BENCH_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/va_bench``);
the user needs to be allowed to create databases, since scripts keep their data sets in sibling
databases (``va_bench_import``, ``va_bench_2000`` ...). Each script runs in its own process; what it
prints is shown as it runs and collected in the summary at the end. The figures are written up in
``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass

from bench import ROOT, database_url, default_databases, shown

#: Modules here that are not benchmarks.
HELPERS = {"__init__", "__main__", "seed_national"}
#: Benchmarks run on their own, against a database built for them (``pages``: ``flask seed-scale``, PostgreSQL).
ON_THEIR_OWN = {"pages"}


@dataclass(frozen=True)
class Script:
    name: str

    def command(self, given: str) -> list[str]:
        if self.name == "import_families":
            # A plain script taking a URL; given its own database, as it wants one to spare.
            url = database_url(given, "import_families") if given == "sqlite" else database_url(given, "", "import")
            return [sys.executable, str(ROOT / "bench" / "import_families.py"), url]
        return [sys.executable, "-m", f"bench.{self.name}", "--database", given]


def scripts() -> list[Script]:
    """Every benchmark in ``bench/``: each takes ``--database URL`` (or ``sqlite``), prints its figures
    and exits non-zero if it missed its target."""
    return [Script(p.stem) for p in sorted((ROOT / "bench").glob("*.py")) if p.stem not in HELPERS | ON_THEIR_OWN]


def machine() -> str:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", action="append", help="a URL, or 'sqlite' (default: a SQLite file and PostgreSQL)"
    )
    parser.add_argument("--only", choices=[s.name for s in scripts()], action="append", help="run just this script")
    args = parser.parse_args(argv)
    databases = args.database or default_databases()
    chosen = [s for s in scripts() if not args.only or s.name in args.only]
    results = []
    for script in chosen:
        for given in databases:
            print(f"\n=== {script.name} on {shown(given) if given != 'sqlite' else 'SQLite'} ===", flush=True)
            started = time.perf_counter()
            try:
                command = script.command(given)
            except Exception as exc:  # e.g. PostgreSQL not running, or not allowed to create a database
                results.append((script, given, f"not run: {exc}".splitlines()[0], 0.0, []))
                print(results[-1][2], flush=True)
                continue
            process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=os.environ.copy())
            lines = []
            for line in process.stdout:
                print(line, end="", flush=True)
                lines.append(line.rstrip())
            status = "ok" if process.wait() == 0 else f"FAILED (exit {process.returncode})"
            results.append((script, given, status, time.perf_counter() - started, lines))

    print(f"\n=== Summary: {machine()} ===")
    for script, given, status, seconds, lines in results:
        print(f"{script.name} on {'SQLite' if given == 'sqlite' else shown(given)}: {status} ({seconds:.0f} s in all)")
        for line in lines:
            print(f"    {line}")
    return 0 if all(r[2] == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
