"""Builds of a term's report PDFs started from the browser: the web request only records the run, queued; the
scheduler's ``build-progress-reports`` job takes it up and carries it out with the same code as ``flask reports
build`` (:mod:`.batch`: worker processes, whole files, reports already built skipped), writing its progress on the
run as it goes.

* One run at a time for a term and scope (the academy, or one locality): asking again while one is queued or
  running gives that one (``ReportRun.active_key`` is unique while a run is under way).
* A run is claimed by one statement that changes it from queued to running, so of two schedulers only one gets it.
* Progress is committed in batches (every :data:`PROGRESS_EVERY` reports, or :data:`PROGRESS_SECONDS`), with a
  heartbeat. A run still "running" whose heartbeat is older than :data:`STALE_AFTER` was left by a process that
  stopped: it is queued again and resumed (the reports it built are skipped), up to :data:`MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from virtualacademy import clock
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Locality, ReportRun, Role, RunStatus, User
from virtualacademy.services import audit
from virtualacademy.services.learning_log.attendance import Term, term_from_key
from virtualacademy.services.progress_reports import batch

#: Progress is written after this many reports ...
PROGRESS_EVERY = 25
#: ... or this many seconds, whichever comes first.
PROGRESS_SECONDS = 5.0
#: A running run whose heartbeat is older than this was left by a process that stopped.
STALE_AFTER = timedelta(minutes=10)
#: Times a run is taken up before it is given up as failed (each crash resumes it).
MAX_ATTEMPTS = 3
#: Learners named in a run's error when reports fail.
NAMED_FAILURES = 10
#: The longest error text kept.
ERROR_MAX = 2000
#: Runs listed on a term's reports page.
RECENT = 5


def active_key(term: Term, locality: Locality | None) -> str:
    return f"{term.key}:{'academy' if locality is None else f'locality-{locality.id}'}"


def queue(actor: User, term: Term, locality: Locality | None) -> tuple[ReportRun, bool]:
    """Queue a build of ``term``'s reports (one locality's, or the academy's); returns the run and whether it is
    new. While a run for the same term and scope is queued or running, that run is returned instead."""
    if not actor.has_role(Role.ADMIN):
        raise NotAllowed("Only an admin can build a term's progress reports")
    if term.start > clock.today():
        raise ValidationError(f"The {term.name.lower()} has not begun: its reports cannot be built yet")
    if locality is not None and not locality.active:
        raise ValidationError("Choose a locality that is open", field="scope")
    key = active_key(term, locality)
    existing = db.session.scalar(select(ReportRun).where(ReportRun.active_key == key))
    if existing is not None:
        return existing, False
    run = ReportRun(
        term_key=term.key,
        locality=locality,
        requested_by=actor,
        requested_at=clock.now(),
        status=RunStatus.QUEUED,
        active_key=key,
    )
    try:
        with db.session.begin_nested():  # another request may have queued the same run a moment ago
            db.session.add(run)
    except IntegrityError:
        return db.session.scalar(select(ReportRun).where(ReportRun.active_key == key)), False
    audit.record(
        "progress_reports.build_queued",
        actor=actor,
        obj=run,
        detail={"term": term.key, "locality": locality.id if locality else None},
    )
    return run, True


def recent(term: Term) -> list[ReportRun]:
    """The term's latest runs, newest first (a few: the page links each)."""
    return list(
        db.session.scalars(
            select(ReportRun)
            .where(ReportRun.term_key == term.key)
            .order_by(ReportRun.requested_at.desc(), ReportRun.id.desc())
            .limit(RECENT)
            .options(joinedload(ReportRun.locality), joinedload(ReportRun.requested_by))
        )
    )


# --- in the scheduler ------------------------------------------------------------------------------------------


def requeue_stale(now: datetime | None = None) -> int:
    """Queue again the runs left running by a process that stopped (their heartbeat is old), so they resume; give
    up on those taken up :data:`MAX_ATTEMPTS` times. Returns how many were queued again."""
    now = now or clock.now()
    stale = (ReportRun.status == RunStatus.RUNNING) & (ReportRun.heartbeat_at < now - STALE_AFTER)
    db.session.execute(
        update(ReportRun)
        .where(stale, ReportRun.attempts >= MAX_ATTEMPTS)
        .values(
            status=RunStatus.FAILED,
            active_key=None,
            finished_at=now,
            error=f"The build stopped {MAX_ATTEMPTS} times without finishing. Start it again to build the reports "
            "still missing.",
        )
        .execution_options(synchronize_session=False)
    )
    requeued = db.session.execute(
        update(ReportRun)
        .where(stale, ReportRun.attempts < MAX_ATTEMPTS)
        .values(status=RunStatus.QUEUED)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire_all()
    return requeued


def claim_next(now: datetime | None = None) -> ReportRun | None:
    """Take the oldest queued run, marking it running, in one statement: of two processes asking at once, one gets
    it and the other none. Call it at the start of a transaction and commit straight after."""
    now = now or clock.now()
    oldest = (
        select(ReportRun.id)
        .where(ReportRun.status == RunStatus.QUEUED)
        .order_by(ReportRun.requested_at, ReportRun.id)
        .limit(1)
        .scalar_subquery()
    )
    claimed = db.session.execute(
        update(ReportRun)
        .where(ReportRun.id == oldest, ReportRun.status == RunStatus.QUEUED)
        .values(
            status=RunStatus.RUNNING,
            attempts=ReportRun.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            total=0,
            built=0,
            skipped=0,
            failed=0,
            error=None,
        )
        .returning(ReportRun.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    if claimed is None:
        return None
    db.session.expire_all()
    return db.session.get(ReportRun, claimed)


class _Progress:
    """Keeps the run's counts and writes them (with a heartbeat) every few reports or seconds."""

    def __init__(self, run_id: int, checkpoint: Callable[[], None]):
        self.run_id = run_id
        self.checkpoint = checkpoint
        self.total = self.built = self.skipped = self.failed = 0
        self.failures: list[int] = []
        self._unsaved = 0
        self._saved_at = time.monotonic()

    def planned(self, to_build: int, skipped: int) -> None:
        self.total, self.skipped = to_build + skipped, skipped
        self.save()

    def finished(self, learner_id: int, error: str | None) -> None:
        if error is None:
            self.built += 1
        else:
            self.failed += 1
            self.failures.append(learner_id)
        self._unsaved += 1
        if self._unsaved >= PROGRESS_EVERY or time.monotonic() - self._saved_at >= PROGRESS_SECONDS:
            self.save()

    def save(self, **values) -> None:
        db.session.execute(
            update(ReportRun)
            .where(ReportRun.id == self.run_id)
            .values(
                total=self.total,
                built=self.built,
                skipped=self.skipped,
                failed=self.failed,
                heartbeat_at=clock.now(),
                **values,
            )
            .execution_options(synchronize_session=False)
        )
        self.checkpoint()
        self._unsaved, self._saved_at = 0, time.monotonic()


def carry_out(run: ReportRun, today: date, checkpoint: Callable[[], None], workers: int | None = None) -> ReportRun:
    """Build the claimed run's reports, saving its progress through ``checkpoint`` (the caller's commit) as it
    goes, and mark it done, or failed with why. Reports already built are skipped, so a resumed run builds only
    what is missing."""
    run_id, term, locality_id = run.id, term_from_key(run.term_key), run.locality_id
    progress = _Progress(run_id, checkpoint)
    finished = {"status": RunStatus.FAILED, "active_key": None}
    try:
        batch.build(term, today, locality_id=locality_id, workers=workers, watch=progress)
    except Exception as error:  # the run stops; it is marked failed and may be started again
        db.session.rollback()
        progress.save(**finished, finished_at=clock.now(), error=f"{type(error).__name__}: {error}"[:ERROR_MAX])
    else:
        if progress.failed:
            named = ", ".join(str(i) for i in progress.failures[:NAMED_FAILURES])
            more = f" and {progress.failed - NAMED_FAILURES:,} more" if progress.failed > NAMED_FAILURES else ""
            error = (
                f"{progress.failed:,} report{'' if progress.failed == 1 else 's'} could not be built (learners "
                f"{named}{more}). Start the build again to retry them."
            )
            progress.save(**finished, finished_at=clock.now(), error=error)
        else:
            progress.save(status=RunStatus.DONE, active_key=None, finished_at=clock.now())
    db.session.expire_all()
    return db.session.get(ReportRun, run_id)


# --- what the run's page shows ---------------------------------------------------------------------------------

STATUS_LABELS = {
    RunStatus.QUEUED: "Waiting to start",
    RunStatus.RUNNING: "Building",
    RunStatus.DONE: "Finished",
    RunStatus.FAILED: "Stopped",
}


def progress_text(run: ReportRun) -> str:
    """The run's progress in words: the page's status line, and what a screen reader is told as it changes."""
    if run.status == RunStatus.QUEUED:
        return "Waiting to resume after a stop" if run.attempts else "Waiting to start"
    if run.status == RunStatus.RUNNING and not run.total:
        return "Finding the learners whose reports to build"
    figures = f"{run.ready:,} of {run.total:,} report{'' if run.total == 1 else 's'} built"
    if run.status == RunStatus.RUNNING:
        return figures
    if run.status == RunStatus.DONE:
        return f"Finished: {figures}"
    return f"Stopped: {figures}" + (f", {run.failed:,} could not be built" if run.failed else "")


def progress_of(run: ReportRun) -> dict:
    """The run's progress as the page's figures (and its JSON, for the page to update itself)."""
    return {
        "status": run.status.value,
        "status_label": STATUS_LABELS[run.status],
        "under_way": run.under_way,
        "text": progress_text(run),
        "total": run.total,
        "ready": run.ready,
        "built": run.built,
        "skipped": run.skipped,
        "failed": run.failed,
        "percent": round(100 * run.ready / run.total) if run.total else (100 if run.status == RunStatus.DONE else 0),
    }
