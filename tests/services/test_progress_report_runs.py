"""Builds of a term's reports started from the browser (``services/progress_reports/runs.py``): queued once per
term and scope, claimed by one scheduler only, progress written in batches, a run left by a stopped process
resumed (the reports it built skipped), failures recorded. The scheduler's job function is called directly."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.factories import LearnerFactory, LocalityFactory, ReportRunFactory, UserFactory
from virtualacademy import clock
from virtualacademy.blueprints.progress_reports.jobs import build_progress_reports
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import AuditEvent, ReportRun, Role, RunStatus
from virtualacademy.services.learning_log.attendance import term_from_key
from virtualacademy.services.progress_reports import batch, documents, runs

SPRING = term_from_key("2027-spring")
AUTUMN = term_from_key("2026-autumn")


@pytest.fixture
def admin(ctx):
    return UserFactory(roles=[Role.ADMIN])


# --- queueing ---------------------------------------------------------------------------------------------------


def test_a_run_is_queued_once_for_a_term_and_scope(ctx, admin):
    north = LocalityFactory()
    run, new = runs.queue(admin, SPRING, None)
    assert new and run.status == RunStatus.QUEUED and run.requested_by == admin and run.locality is None
    again, new = runs.queue(UserFactory(roles=[Role.ADMIN]), SPRING, None)
    assert again.id == run.id and not new  # the one under way, not a second
    for_north, new = runs.queue(admin, SPRING, north)
    assert new and for_north.id != run.id and for_north.locality == north
    autumn, new = runs.queue(admin, AUTUMN, None)
    assert new and autumn.id not in {run.id, for_north.id}
    assert ctx.scalar(select(func.count()).select_from(ReportRun)) == 3
    assert ctx.scalar(select(func.count()).where(AuditEvent.action == "progress_reports.build_queued")) == 3
    # once it has finished, building again is a new run
    run.status, run.active_key = RunStatus.DONE, None
    ctx.flush()
    fresh, new = runs.queue(admin, SPRING, None)
    assert new and fresh.id != run.id


def test_only_an_admin_queues_a_begun_term_for_an_open_locality(ctx, admin):
    with pytest.raises(NotAllowed):
        runs.queue(UserFactory(roles=[Role.MENTOR, Role.COORDINATOR]), SPRING, None)
    with pytest.raises(ValidationError, match="has not begun"):
        runs.queue(admin, term_from_key("2027-summer"), None)
    with pytest.raises(ValidationError, match="open"):
        runs.queue(admin, SPRING, LocalityFactory(active=False))
    assert ctx.scalar(select(func.count()).select_from(ReportRun)) == 0


def test_a_request_racing_another_gets_the_run_it_queued(ctx, admin, monkeypatch):
    """Two requests that both found no run under way: the second's insert meets the unique key and it is given the
    first's run (the request's other work is kept: only the savepoint is rolled back)."""
    first = ReportRunFactory(requested_by=admin)
    real_scalar = db.session.scalar
    calls = iter([None])  # the second request's look-up happened before the first committed

    def racing(stmt, *args, **kwargs):
        found = next(calls, "real")
        return real_scalar(stmt, *args, **kwargs) if found == "real" else found

    monkeypatch.setattr(db.session, "scalar", racing)
    run, new = runs.queue(admin, SPRING, None)
    assert run.id == first.id and not new
    assert ctx.scalar(select(func.count()).select_from(ReportRun)) == 1


# --- claiming, stale runs, progress ----------------------------------------------------------------------------


def test_the_oldest_queued_run_is_claimed_once(ctx, admin):
    older = ReportRunFactory(requested_at=clock.now() - timedelta(minutes=5))
    newer = ReportRunFactory(term_key="2026-autumn")
    ReportRunFactory(term_key="2026-summer", status=RunStatus.DONE)
    claimed = runs.claim_next()
    assert claimed.id == older.id and claimed.status == RunStatus.RUNNING and claimed.attempts == 1
    assert claimed.started_at is not None and claimed.heartbeat_at is not None
    assert runs.claim_next().id == newer.id
    assert runs.claim_next() is None


def test_a_run_left_running_by_a_stopped_process_is_queued_again_then_given_up(ctx, travel):
    now = clock.now()
    stale = ReportRunFactory(status=RunStatus.RUNNING, attempts=1, heartbeat_at=now - timedelta(minutes=11))
    fresh = ReportRunFactory(
        term_key="2026-autumn", status=RunStatus.RUNNING, attempts=1, heartbeat_at=now - timedelta(minutes=2)
    )
    worn = ReportRunFactory(
        term_key="2026-summer", status=RunStatus.RUNNING, attempts=3, heartbeat_at=now - timedelta(hours=1)
    )
    assert runs.requeue_stale(now) == 1
    for run in (stale, fresh, worn):
        ctx.refresh(run)
    assert stale.status == RunStatus.QUEUED and stale.active_key == "2027-spring:academy"
    assert fresh.status == RunStatus.RUNNING
    assert worn.status == RunStatus.FAILED and worn.active_key is None and "stopped 3 times" in worn.error
    assert runs.progress_text(stale) == "Waiting to resume after a stop"


def test_progress_is_written_in_batches_with_a_heartbeat(ctx, monkeypatch):
    monkeypatch.setattr(runs, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(runs, "PROGRESS_SECONDS", 3600)
    run = ReportRunFactory(status=RunStatus.RUNNING, heartbeat_at=clock.now() - timedelta(minutes=1))
    saved = []
    figures = select(ReportRun.built, ReportRun.skipped, ReportRun.failed, ReportRun.total).where(
        ReportRun.id == run.id
    )
    progress = runs._Progress(run.id, lambda: saved.append(tuple(ctx.execute(figures).one())))
    progress.planned(3, 2)
    progress.finished(11, None)
    assert saved == [(0, 2, 0, 5)]  # one report since the last save: not written yet
    progress.finished(12, "RuntimeError: no")
    progress.finished(13, None)
    assert saved == [(0, 2, 0, 5), (1, 2, 1, 5)]
    ctx.refresh(run)
    assert run.heartbeat_at >= clock.now() - timedelta(seconds=5)
    assert progress.failures == [12]


def test_the_progress_in_words():
    run = ReportRun(status=RunStatus.QUEUED, total=0, built=0, skipped=0, failed=0, attempts=0)
    assert runs.progress_text(run) == "Waiting to start"
    run.status = RunStatus.RUNNING
    assert runs.progress_text(run) == "Finding the learners whose reports to build"
    run.total, run.built, run.skipped = 300, 100, 20
    assert runs.progress_text(run) == "120 of 300 reports built"
    assert runs.progress_of(run)["percent"] == 40
    run.status, run.built = RunStatus.DONE, 280
    assert runs.progress_text(run) == "Finished: 300 of 300 reports built"
    run.status, run.built, run.failed = RunStatus.FAILED, 278, 2
    assert runs.progress_text(run) == "Stopped: 298 of 300 reports built, 2 could not be built"


# --- the scheduler's job, with real builds -----------------------------------------------------------------------

N = 3


@pytest.fixture
def academy(app, committed_db, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PROGRESS_REPORT_FOLDER", str(tmp_path / "reports"))
    monkeypatch.setitem(app.config, "REPORT_RUN_WORKERS", 2)
    with app.app_context():
        north, south = LocalityFactory(), LocalityFactory()
        ids = [LearnerFactory(locality=north, enrolled=date(2026, 9, 1)).id for _ in range(N)]
        LearnerFactory(locality=south, enrolled=date(2026, 9, 1))
        admin = UserFactory(roles=[Role.ADMIN])
        db.session.commit()
        return {"folder": tmp_path / "reports" / "2027-spring", "north": north.id, "ids": ids, "admin": admin.id}


def built(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def queue(app, academy, locality: bool = True) -> int:
    with app.app_context():
        from virtualacademy.models import Locality, User

        admin = db.session.get(User, academy["admin"])
        north = db.session.get(Locality, academy["north"]) if locality else None
        run, _ = runs.queue(admin, SPRING, north)
        db.session.commit()
        return run.id


def job(app):
    with app.app_context():
        try:
            return build_progress_reports(clock.now())
        finally:
            db.session.remove()


def read(app, run_id: int) -> ReportRun:
    with app.app_context():
        run = db.session.get(ReportRun, run_id)
        db.session.expunge(run)
        return run


def test_the_job_builds_a_queued_run_writing_its_progress_as_it_goes(app, academy, monkeypatch):
    run_id = queue(app, academy)
    monkeypatch.setattr(runs, "PROGRESS_EVERY", 1)
    seen = []  # what another connection (the run's page) reads after each save
    save = runs._Progress.save

    def watched(self, **values):
        save(self, **values)
        with db.engine.connect() as other:
            seen.append(
                tuple(other.execute(text(f"SELECT status, built, total FROM report_run WHERE id = {run_id}")).one())
            )

    monkeypatch.setattr(runs._Progress, "save", watched)
    assert job(app) == [run_id]
    assert seen[0] == ("running", 0, N) and seen[1] == ("running", 1, N) and seen[-1] == ("done", N, N)
    run = read(app, run_id)
    assert (run.status, run.total, run.built, run.skipped, run.failed) == (RunStatus.DONE, N, N, 0, 0)
    assert run.active_key is None and run.finished_at is not None and run.error is None
    assert built(academy["folder"]) == sorted(f"{i}.pdf" for i in academy["ids"])
    assert job(app) == []  # nothing queued: nothing done
    # the academy: the locality's reports are there already, only the other learner's is built
    whole = queue(app, academy, locality=False)
    assert job(app) == [whole]
    run = read(app, whole)
    assert (run.status, run.total, run.built, run.skipped) == (RunStatus.DONE, N + 1, 1, N)


def test_a_run_left_by_a_crashed_scheduler_resumes_and_skips_what_it_built(app, academy, travel):
    run_id = queue(app, academy)
    with app.app_context():  # a scheduler claims it, builds one report, and stops
        runs.claim_next()
        db.session.commit()
        batch.build_one(academy["ids"][0], SPRING.key, str(academy["folder"].parent), date(2027, 3, 2))
    assert job(app) == []  # its heartbeat is fresh: it may still be going
    assert read(app, run_id).status == RunStatus.RUNNING
    travel(clock.now() + runs.STALE_AFTER + timedelta(minutes=1))
    assert job(app) == [run_id]
    run = read(app, run_id)
    assert (run.status, run.attempts, run.built, run.skipped, run.total) == (RunStatus.DONE, 2, N - 1, 1, N)
    assert built(academy["folder"]) == sorted(f"{i}.pdf" for i in academy["ids"])


def test_reports_that_fail_are_recorded_and_a_new_run_builds_them(app, academy, monkeypatch):
    failing = academy["ids"][1]
    render = documents.render

    def broken(learner, term, today=None):  # the workers are forked from this process: they see it
        if learner.id == failing:
            raise RuntimeError("the worker crashed")
        return render(learner, term, today)

    monkeypatch.setattr(batch, "start_method", lambda: "fork")
    monkeypatch.setattr(documents, "render", broken)
    run_id = queue(app, academy)
    job(app)
    run = read(app, run_id)
    assert (run.status, run.built, run.failed) == (RunStatus.FAILED, N - 1, 1)
    assert run.active_key is None and f"(learners {failing})" in run.error and "Start the build again" in run.error
    assert runs.progress_text(run) == f"Stopped: {N - 1} of {N} reports built, 1 could not be built"
    monkeypatch.setattr(documents, "render", render)
    again = queue(app, academy)
    assert again != run_id
    job(app)
    run = read(app, again)
    assert (run.status, run.built, run.skipped, run.failed) == (RunStatus.DONE, 1, N - 1, 0)


def test_a_build_that_breaks_is_marked_failed_with_why(app, academy, monkeypatch):
    def broken(term, locality_id=None):
        raise OSError("No space left on device")

    monkeypatch.setattr(batch, "learner_ids", broken)
    run_id = queue(app, academy)
    assert job(app) == [run_id]
    run = read(app, run_id)
    assert run.status == RunStatus.FAILED and run.error == "OSError: No space left on device"
    assert run.active_key is None and run.finished_at is not None


def test_of_two_schedulers_claiming_at_once_only_one_gets_the_run(app, committed_db):
    with app.app_context():
        run_id = ReportRunFactory().id
    start = threading.Barrier(2)
    got: list[int | None] = []
    lock = threading.Lock()

    def claim():
        with app.app_context():
            db.session.execute(select(1)).all()  # connected before the race
            db.session.commit()
            start.wait()
            run = runs.claim_next()
            db.session.commit()
            with lock:
                got.append(run.id if run else None)
            db.session.remove()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(got, key=str) == sorted([run_id, None], key=str)
    assert read(app, run_id).attempts == 1


def test_in_the_scheduler_process_the_workers_come_from_a_clean_server_process(app, academy, monkeypatch):
    """The scheduler runs its jobs in threads: forking such a process could copy a lock held mid-use, so the
    workers are forked from a fresh server process instead, and the build is the same."""
    monkeypatch.setitem(app.config, "REPORT_RUN_WORKERS", 1)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)  # the scheduler's other threads
    other.start()
    try:
        assert batch.start_method() == "forkserver"
        run_id = queue(app, academy)
        assert job(app) == [run_id]
    finally:
        stop.set()
        other.join()
    run = read(app, run_id)
    assert (run.status, run.built, run.error) == (RunStatus.DONE, N, None)
    assert built(academy["folder"]) == sorted(f"{i}.pdf" for i in academy["ids"])


def test_two_admins_asking_at_once_make_one_run(app, committed_db):
    with app.app_context():
        admins = [UserFactory(roles=[Role.ADMIN]).id for _ in range(2)]
        db.session.commit()
    start = threading.Barrier(2)
    got: list[tuple[int, bool] | str] = []
    lock = threading.Lock()

    def ask(admin_id: int):
        with app.app_context():
            from virtualacademy.models import User

            admin = db.session.get(User, admin_id)
            db.session.commit()
            start.wait()
            try:
                run, new = runs.queue(admin, SPRING, None)
                db.session.commit()
                outcome = (run.id, new)
            except Exception as error:  # noqa: BLE001 - reported, and the test fails on it
                db.session.rollback()
                outcome = f"{type(error).__name__}: {error}"
            with lock:
                got.append(outcome)
            db.session.remove()

    threads = [threading.Thread(target=ask, args=(admin_id,)) for admin_id in admins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(got) == 2 and all(isinstance(outcome, tuple) for outcome in got), got
    assert len({run_id for run_id, _ in got}) == 1 and sorted(new for _, new in got) == [False, True]
