"""The work queue (RQ on a real ``redis-server`` of the suite's own): with REDIS_URL set the scheduler only
enqueues, real RQ workers run the jobs (in this process, and as ``flask --app wsgi worker`` in another), and a job
name is queued at most once at a time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from redis.exceptions import ConnectionError as RedisConnectionError
from rq.registry import FailedJobRegistry, FinishedJobRegistry

from tests.conftest import free_port
from tests.services import test_progress_report_runs
from tests.services.test_progress_report_runs import N, built, read
from tests.services.test_progress_report_runs import queue as ask_for_reports
from tests.test_scheduler import ROOT, queue_and_commit, scheduler_in_a_thread, statuses, wait_until
from virtualacademy import work_queue
from virtualacademy.jobs import JOBS, Job
from virtualacademy.models import OutboxStatus, RunStatus
from virtualacademy.scheduler import dispatch

#: The report-build tests' committed academy (learners in two localities, an admin), as a fixture here too.
academy = test_progress_report_runs.academy


@pytest.fixture
def queued(app, redis_server, monkeypatch):
    """The app with its work queue on the suite's Redis."""
    monkeypatch.setitem(app.config, "REDIS_URL", redis_server.url)
    return work_queue.queue_for(app)


@contextmanager
def own_signal_handlers() -> Iterator[None]:
    """An RQ worker installs SIGINT/SIGTERM handlers for its warm shutdown; give pytest its own back afterwards."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def work_until_empty(app) -> bool:
    with own_signal_handlers():
        return work_queue.work(app, burst=True)


def probe(monkeypatch, name: str, func) -> None:
    """A job of the test's own, registered like any module's."""
    trigger = lambda config: IntervalTrigger(hours=1)  # noqa: E731
    monkeypatch.setitem(JOBS, name, Job(name, "A test's job", func, trigger, lambda config: "hourly"))


def test_the_scheduler_only_enqueues_and_a_worker_runs_the_jobs(app, committed_db, smtp_server, queued):
    queue_and_commit(app, "ada@example.com")
    with scheduler_in_a_thread(app) as said:
        # Every job is due when the scheduler starts: each is queued once.
        wait_until(lambda: queued.count == len(JOBS), 15, "the scheduler to queue every job", lambda: "\n".join(said))
    assert any("Jobs are queued on Redis" in line for line in said)
    assert smtp_server.messages == []  # the scheduler ran nothing itself
    assert statuses(app) == {"ada@example.com": (OutboxStatus.PENDING, 0)}
    assert sorted(run.id.rsplit("-", 1)[0] for run in queued.jobs) == sorted(JOBS)

    assert work_until_empty(app)
    assert queued.count == 0
    assert [m["To"] for m in smtp_server.messages] == ["ada@example.com"]
    assert statuses(app) == {"ada@example.com": (OutboxStatus.SENT, 1)}
    assert FinishedJobRegistry(queue=queued).count == len(JOBS)
    assert FailedJobRegistry(queue=queued).count == 0


def test_a_report_build_asked_for_on_the_reports_page_is_carried_out_by_a_worker(app, academy, queued):
    run_id = ask_for_reports(app, academy)
    dispatch(app, JOBS["build-progress-reports"])  # the scheduler's tick
    assert read(app, run_id).status is RunStatus.QUEUED
    (waiting,) = queued.jobs
    assert waiting.timeout == 24 * 60 * 60  # a long build is not cut off at the hour other jobs get
    assert work_queue.enqueue(app, "deliver-mail").timeout == app.config["QUEUE_JOB_TIMEOUT"]

    work_until_empty(app)
    run = read(app, run_id)
    assert (run.status, run.built, run.failed, run.error) == (RunStatus.DONE, N, 0, None)
    assert built(academy["folder"]) == sorted(f"{i}.pdf" for i in academy["ids"])


def test_a_job_is_queued_once_while_a_run_of_it_waits_or_runs(app, committed_db, queued, monkeypatch):
    runs: list[object] = []

    def count_and_enqueue_again(now: datetime | None = None):
        runs.append(work_queue.enqueue(app, "probe"))  # while this run is under way: nothing more is queued
        return len(runs)

    probe(monkeypatch, "probe", count_and_enqueue_again)
    first = work_queue.enqueue(app, "probe")
    assert first is not None
    assert work_queue.enqueue(app, "probe") is None
    assert queued.count == 1
    assert work_queue.under_way(queued, "probe").id == first.id

    work_until_empty(app)
    assert runs == [None]  # one run, and its own enqueue added nothing
    assert queued.count == 0
    assert first.return_value() == 1
    assert work_queue.under_way(queued, "probe") is None

    # Once the run is over the next tick queues the job again.
    again = work_queue.enqueue(app, "probe")
    assert again is not None and again.id != first.id
    work_until_empty(app)
    assert len(runs) == 2


def test_a_running_job_keeps_its_name_and_one_lost_with_its_worker_frees_it(app, committed_db, queued, monkeypatch):
    monkeypatch.setattr(work_queue, "HEARTBEAT_SECONDS", 0.5)  # a run not heard of for 2 seconds is lost
    seen: list[object] = []

    def outlives_the_heartbeat(now: datetime | None = None):
        time.sleep(3)  # longer than the heartbeat's lifetime: the worker keeps renewing it
        seen.append(work_queue.enqueue(app, "slow"))

    probe(monkeypatch, "slow", outlives_the_heartbeat)
    work_queue.enqueue(app, "slow")
    work_until_empty(app)
    assert seen == [None]  # still running, so nothing more was queued

    # A worker takes a run and is lost (the machine stops): nothing renews the run's heartbeat.
    lost = work_queue.enqueue(app, "slow")
    worker = work_queue.worker_for(app)
    job, queue = worker.dequeue_job_and_maintain_ttl(timeout=1)
    worker.prepare_execution(job)
    worker.prepare_job_execution(job)
    assert work_queue.under_way(queued, "slow").id == lost.id
    assert work_queue.enqueue(app, "slow") is None
    time.sleep(2.5)
    # Past its heartbeat the run is moved to the failed registry, and the job is queued afresh.
    fresh = work_queue.enqueue(app, "slow")
    assert fresh is not None and fresh.id != lost.id
    assert lost.id in FailedJobRegistry(queue=queued).get_job_ids()


def test_a_failed_run_is_kept_and_does_not_hold_the_job_back(app, committed_db, queued, monkeypatch, caplog):
    def fails(now: datetime | None = None):
        raise RuntimeError("the SMTP relay is down")

    probe(monkeypatch, "fails", fails)
    failed = work_queue.enqueue(app, "fails")
    work_until_empty(app)
    assert FailedJobRegistry(queue=queued).get_job_ids() == [failed.id]
    assert "the SMTP relay is down" in failed.latest_result().exc_string
    assert any(r.getMessage() == "Job fails failed" for r in caplog.records)

    retried = work_queue.enqueue(app, "fails")
    assert retried is not None and retried.id != failed.id


def test_the_worker_command_runs_queued_jobs_in_its_own_process(app, committed_db, smtp_server, queued):
    queue_and_commit(app, "grace@example.com")
    assert work_queue.enqueue(app, "deliver-mail") is not None
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLASK_")}
    env.update(
        APP_ENV="test",
        TEST_DATABASE_URL=url,
        TEST_REDIS_URL=app.config["REDIS_URL"],
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_server.port),
        FLASK_SKIP_DOTENV="1",
    )
    flask = str(Path(sys.executable).with_name("flask"))
    done = subprocess.run(
        [flask, "--app", "wsgi", "worker", "--burst"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Worker taking jobs from queue 'virtualacademy' until it is empty." in done.stdout
    assert [m["To"] for m in smtp_server.messages] == ["grace@example.com"]
    assert statuses(app) == {"grace@example.com": (OutboxStatus.SENT, 1)}
    assert queued.count == 0


def test_the_worker_command_needs_redis(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "")
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 1
    assert "REDIS_URL is not set" in result.output


def test_with_redis_unreachable_the_job_is_not_run_and_the_failure_is_logged(
    app, committed_db, smtp_server, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    queue_and_commit(app, "ada@example.com")
    with pytest.raises(RedisConnectionError):
        dispatch(app, JOBS["deliver-mail"])
    assert any("Could not queue job deliver-mail" in r.getMessage() for r in caplog.records)
    # The mail waits in the outbox for the queue to come back; the scheduler did not send it itself.
    assert smtp_server.messages == []
    assert statuses(app) == {"ada@example.com": (OutboxStatus.PENDING, 0)}


def test_without_redis_the_scheduler_runs_the_job_itself(app, committed_db, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "")
    queue_and_commit(app, "ada@example.com")
    dispatch(app, JOBS["deliver-mail"])
    assert [m["To"] for m in smtp_server.messages] == ["ada@example.com"]
