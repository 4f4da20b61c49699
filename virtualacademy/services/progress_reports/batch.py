"""Building a term's reports in bulk (``flask --app wsgi reports build --term 2027-spring [--locality ID]``).

Each learner's PDF is written to ``PROGRESS_REPORT_FOLDER`` (default ``instance/progress-reports/``) as
``<term>/<learner id>.pdf``. The reports are built in worker processes, each with its own app and database session;
each file is written under a temporary name and renamed when whole, so a crash mid-run leaves no half file, and a
run skips every report already built: running again after an interruption builds only what is missing.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from virtualacademy.extensions import db
from virtualacademy.models import Learner
from virtualacademy.services.learning_log.attendance import Term, term_from_key
from virtualacademy.services.progress_reports.common import learners_in


def folder() -> Path:
    configured = current_app.config.get("PROGRESS_REPORT_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "progress-reports"


def path_for(root: Path, term: Term, learner_id: int) -> Path:
    return root / term.key / f"{learner_id}.pdf"


def learner_ids(term: Term, locality_id: int | None = None) -> list[int]:
    """The learners on roll in ``term`` (in one locality, or the whole academy), by id."""
    stmt = select(Learner.id).where(Learner.id.in_(learners_in(term))).order_by(Learner.id)
    if locality_id is not None:
        stmt = stmt.where(Learner.locality_id == locality_id)
    return list(db.session.scalars(stmt))


#: Tries at one report when the database is busy (SQLite's one writer lock, taken by every transaction).
ATTEMPTS = 5

# --- in each worker process ----------------------------------------------------------------------------------

_worker_app = None


def _start_worker(overrides: dict) -> None:
    """A worker's own app (and so its own engine and session), kept in an app context for its life."""
    global _worker_app
    from virtualacademy import create_app

    _worker_app = create_app(overrides)
    _worker_app.app_context().push()


def build_one(learner_id: int, term_key: str, root: str, today: date) -> int:
    """Build one learner's report unless it is there already; returns the learner's id."""
    from virtualacademy.services.progress_reports import documents

    term = term_from_key(term_key)
    target = path_for(Path(root), term, learner_id)
    if target.exists():
        return learner_id
    for attempt in range(1, ATTEMPTS + 1):
        try:
            learner = db.session.get(Learner, learner_id)
            body = documents.render(learner, term, today)
            break
        except OperationalError:  # SQLite: another worker holds the file's lock for a moment
            if attempt == ATTEMPTS:
                raise
            time.sleep(0.2 * attempt)
        finally:
            db.session.remove()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    partial.write_bytes(body)
    os.replace(partial, target)  # atomic: the report is there whole, or not at all
    return learner_id


# --- the run -------------------------------------------------------------------------------------------------


class Watcher(Protocol):
    """Told how a build goes (a run started from the browser keeps its progress with it)."""

    def planned(self, to_build: int, skipped: int) -> None:
        """The reports to build, and those already built (skipped), before any is built."""

    def finished(self, learner_id: int, error: str | None) -> None:
        """One report built (``error`` None) or failed."""


def start_method() -> str:
    """Fork the workers from a process with one thread (the command); from one with several (the scheduler's job
    threads) fork a clean server process first, since forking a threaded process can copy a lock held mid-use."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


@dataclass
class BuildResult:
    built: list[int] = field(default_factory=list)
    skipped: int = 0
    failed: dict[int, str] = field(default_factory=dict)


def build(
    term: Term,
    today: date,
    *,
    locality_id: int | None = None,
    workers: int | None = None,
    progress: Callable[[Iterable, int], Iterable] | None = None,
    watch: Watcher | None = None,
) -> BuildResult:
    """Build every missing report of ``term`` in ``workers`` processes; ``progress`` wraps the stream of finished
    reports and is told how many there will be (a progress bar); ``watch`` is told the plan and each report."""
    root = folder()
    result = BuildResult()
    todo = []
    for learner_id in learner_ids(term, locality_id):
        if path_for(root, term, learner_id).exists():
            result.skipped += 1
        else:
            todo.append(learner_id)
    if watch is not None:
        watch.planned(len(todo), result.skipped)
    db.session.remove()  # nothing of the parent's session goes to the workers
    if not todo:
        return result
    root.mkdir(parents=True, exist_ok=True)
    overrides = {
        "APP_ENV": current_app.config.get("APP_ENV") or os.environ.get("APP_ENV"),
        "SQLALCHEMY_DATABASE_URI": current_app.config["SQLALCHEMY_DATABASE_URI"],
        "PROGRESS_REPORT_FOLDER": str(root),
    }
    method = start_method()
    with ProcessPoolExecutor(
        max_workers=workers or os.cpu_count() or 2,
        mp_context=multiprocessing.get_context(method),
        initializer=_start_worker,
        initargs=({k: v for k, v in overrides.items() if v is not None},),
    ) as pool:
        futures = {pool.submit(build_one, learner_id, term.key, str(root), today): learner_id for learner_id in todo}
        done = as_completed(futures)
        for future in progress(done, len(todo)) if progress else done:
            learner_id = futures[future]
            try:
                result.built.append(future.result())
            except Exception as error:  # one report failing does not stop the others; the rerun retries it
                result.failed[learner_id] = f"{type(error).__name__}: {error}"
            if watch is not None:
                watch.finished(learner_id, result.failed.get(learner_id))
    return result
