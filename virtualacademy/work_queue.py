"""The work queue: RQ on Redis (docs/architecture.md, "The work queue").

With ``REDIS_URL`` set, the scheduler only *enqueues* its jobs (:func:`enqueue`) and any number of
``flask --app wsgi worker`` processes, on any number of machines, run them (:func:`work`). Without it (the SQLite
demo) the scheduler runs each job in its own process, as :func:`virtualacademy.jobs.run_job`, the same function a
worker calls.

A job name is queued at most once at a time: while a run of ``deliver-mail`` is waiting or running, enqueueing
``deliver-mail`` again adds nothing (the scheduler's tick is simply skipped, as APScheduler skips a tick while the
previous one runs). The run that is under way is found through a pointer key per job name, checked and replaced
under a Redis lock. Each run has its own RQ id, so a failed run stays in RQ's failed-job registry to be read while
the next tick queues a fresh one. Jobs are level-triggered, so a run that fails, or is lost with a worker that
stopped, is made good by the next.
"""

from __future__ import annotations

import logging
import threading
import uuid

from flask import Flask, current_app
from redis import Redis
from rq import Queue, SimpleWorker
from rq.exceptions import NoSuchJobError
from rq.job import Job as QueuedRun
from rq.job import JobStatus
from rq.registry import StartedJobRegistry

from virtualacademy.jobs import JOBS, run_job

log = logging.getLogger(__name__)

PREFIX = "virtualacademy:queue"
#: A run in one of these states holds its job name: another is not queued beside it.
UNDER_WAY = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


def enabled(app: Flask) -> bool:
    """Whether jobs go through the queue (REDIS_URL is set)."""
    return bool(app.config.get("REDIS_URL"))


def connection(app: Flask) -> Redis:
    return Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=5, socket_timeout=30)


def queue_for(app: Flask, redis: Redis | None = None) -> Queue:
    return Queue(app.config["QUEUE_NAME"], connection=redis or connection(app))


def _pointer(name: str) -> str:
    return f"{PREFIX}:current:{name}"


def under_way(queue: Queue, name: str) -> QueuedRun | None:
    """The run of job ``name`` that is queued or running, if any."""
    run_id = queue.connection.get(_pointer(name))
    if run_id is None:
        return None
    try:
        run = QueuedRun.fetch(run_id.decode(), connection=queue.connection)
    except NoSuchJobError:
        return None
    return run if run.get_status() in UNDER_WAY else None


def enqueue(app: Flask, name: str) -> QueuedRun | None:
    """Queue a run of job ``name``; None if one is already queued or running (nothing is added).

    Raises ``redis.RedisError`` if Redis cannot be reached: the caller (the scheduler) logs it and tries again at
    the next tick; the work itself waits in the database (the outbox, the queued report runs)."""
    job = JOBS[name]
    queue = queue_for(app)
    redis = queue.connection
    # A run whose worker stopped without finishing it is moved to the failed registry once its heartbeat runs out,
    # which frees its name (workers do this too, every few minutes).
    StartedJobRegistry(queue=queue).cleanup()
    with redis.lock(f"{PREFIX}:enqueue:{name}", timeout=30, blocking_timeout=10):
        if under_way(queue, name) is not None:
            return None
        run = queue.enqueue_call(
            "virtualacademy.work_queue.perform",
            args=(name,),
            job_id=f"{name}-{uuid.uuid4().hex}",
            description=job.description,
            timeout=job.timeout or app.config["QUEUE_JOB_TIMEOUT"],
            result_ttl=app.config["QUEUE_RESULT_TTL"],
            failure_ttl=app.config["QUEUE_FAILURE_TTL"],
        )
        redis.set(_pointer(name), run.id)
    log.info("Queued %s as %s", name, run.id)
    return run


def perform(name: str):
    """What a worker runs for a queued job: the job itself, in a unit of work of its own."""
    return run_job(current_app._get_current_object(), JOBS[name])


#: A worker running a job says so this often; a run not heard of for four times as long was lost with its worker.
HEARTBEAT_SECONDS = 30.0


class AppWorker(SimpleWorker):
    """An RQ worker that runs each job in this process (no fork: the job's database connections are its own) with
    the app's context pushed, so :func:`perform` finds the app.

    RQ's forking worker renews the running job's heartbeat from the parent process; a simple worker runs the job
    in its only thread, so RQ would mark the run as alive for its whole timeout (a day, for a report build) and a
    worker lost mid-run would hold the job's name that long. Here a thread renews the heartbeat while the job
    runs, and a lost run is freed within minutes."""

    def __init__(self, *args, app: Flask, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app

    def get_heartbeat_ttl(self, job) -> int:
        return max(2, int(HEARTBEAT_SECONDS * 4))

    def perform_job(self, job, queue):
        stop = threading.Event()
        beating = threading.Thread(target=self._beat, args=(job, stop), name="rq-heartbeat", daemon=True)
        beating.start()
        try:
            with self.app.app_context():
                return super().perform_job(job, queue)
        finally:
            stop.set()
            beating.join()

    def _beat(self, job, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                self.maintain_heartbeats(job)  # updates only entries still there: harmless once the run has ended
            except Exception:
                log.warning("Could not renew the heartbeat of %s", job.id, exc_info=True)


def worker_for(app: Flask, name: str | None = None) -> AppWorker:
    queue = queue_for(app)
    return AppWorker([queue], connection=queue.connection, name=name, app=app)


def work(app: Flask, burst: bool = False, name: str | None = None) -> bool:
    """Run queued jobs until stopped (SIGTERM finishes the job in hand first), or until the queue is empty with
    ``burst``. Returns whether any job was run."""
    return worker_for(app, name).work(burst=burst, logging_level="INFO", with_scheduler=False)
