"""Configuration classes, read from the environment.

Pick one with ``APP_ENV`` (``development`` by default, ``test`` or ``production``),
or pass a class, a name or a mapping to ``create_app(config=...)``.
"""

from __future__ import annotations

import os


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    #: Shown in the header, page titles and emails.
    ACADEMY_NAME = os.environ.get("ACADEMY_NAME", "Virtual Academy")
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-secret-key")
    #: Embedded default: a SQLite file in the instance folder.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///virtualacademy.sqlite")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    #: Absolute base URL used in links inside emails, e.g. https://academy.example.org
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    # Uploads and requests
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = 500_000
    #: The largest portfolio evidence file accepted (keep MAX_CONTENT_LENGTH above it).
    EVIDENCE_MAX_BYTES = _int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 60 * 60
    #: A signed-in session not used for this many seconds ends: staff see many children's records, so theirs
    #: is shorter than a family's.
    SESSION_IDLE_TIMEOUT_STAFF = _int("SESSION_IDLE_TIMEOUT_STAFF", 2 * 60 * 60)
    SESSION_IDLE_TIMEOUT_FAMILY = _int("SESSION_IDLE_TIMEOUT_FAMILY", 8 * 60 * 60)
    WTF_CSRF_TIME_LIMIT = 8 * 60 * 60
    #: Send HSTS (only behind HTTPS, i.e. production).
    HSTS = False

    # Passwords and tokens
    PASSWORD_MIN_LENGTH = _int("PASSWORD_MIN_LENGTH", 10)
    PASSWORD_RESET_MAX_AGE = _int("PASSWORD_RESET_MAX_AGE", 60 * 60)  # one hour
    INVITATION_MAX_AGE = _int("INVITATION_MAX_AGE", 7 * 24 * 60 * 60)  # one week

    # Failed sign-ins (and wrong current passwords) make the next attempt wait, per account and per IP address:
    # no wait for the first few failures, then 1 s, 2 s, 4 s ... up to LOGIN_DELAY_MAX_SECONDS. The counts are in
    # the database, so every worker sees them; a correct password never counts.
    LOGIN_DELAY_FREE_FAILURES = _int("LOGIN_DELAY_FREE_FAILURES", 3)
    LOGIN_DELAY_FREE_FAILURES_PER_IP = _int("LOGIN_DELAY_FREE_FAILURES_PER_IP", 20)
    LOGIN_DELAY_MAX_SECONDS = _int("LOGIN_DELAY_MAX_SECONDS", 15 * 60)
    #: Seconds without a failure after which a count starts again from nothing.
    LOGIN_FAILURES_FORGET_AFTER = _int("LOGIN_FAILURES_FORGET_AFTER", 24 * 60 * 60)
    LOGIN_FAILURES_PER_IP_FORGET_AFTER = _int("LOGIN_FAILURES_PER_IP_FORGET_AFTER", 60 * 60)

    # Redis: the work queue (docs/architecture.md, "The work queue") and the rate limits' counts, shared by every
    # web server and worker. Empty (the SQLite demo): the scheduler runs the jobs itself and each process counts
    # its own rate limits.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    #: The RQ queue the scheduler fills and `flask --app wsgi worker` empties.
    QUEUE_NAME = os.environ.get("QUEUE_NAME", "virtualacademy")
    #: A queued job still running after this many seconds is stopped (a job may set its own).
    QUEUE_JOB_TIMEOUT = _int("QUEUE_JOB_TIMEOUT", 60 * 60)
    #: Finished and failed jobs are kept this long in Redis, for `rq info` and the failed-job registry.
    QUEUE_RESULT_TTL = _int("QUEUE_RESULT_TTL", 24 * 60 * 60)
    QUEUE_FAILURE_TTL = _int("QUEUE_FAILURE_TTL", 7 * 24 * 60 * 60)

    # Rate limits against floods and mass emailing (Flask-Limiter). Counted in Redis when REDIS_URL is set (every
    # server sees one count), or in RATELIMIT_STORAGE_URI if that names another store; otherwise in memory, one
    # count per process. While the store cannot be reached each process counts in its own memory instead.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_KEY_PREFIX = "virtualacademy"
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "30 per 15 minutes")
    RESET_LIMIT_PER_IP = os.environ.get("RESET_LIMIT_PER_IP", "10 per hour")
    #: Applications started (or their email address changed), each of which emails a link.
    APPLY_LIMIT_PER_IP = os.environ.get("APPLY_LIMIT_PER_IP", "10 per hour")
    APPLY_LIMIT_PER_EMAIL = os.environ.get("APPLY_LIMIT_PER_EMAIL", "5 per day")
    #: Learner accounts a parent or carer may ask for (each emails an invitation).
    LEARNER_INVITE_LIMIT = os.environ.get("LEARNER_INVITE_LIMIT", "10 per hour")

    # Mail: "console" prints messages, "smtp" delivers them.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 20)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Virtual Academy <no-reply@virtualacademy.test>")
    #: Give up on a message after this many failed attempts (back-off doubles each time).
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 10)
    MAIL_BATCH_SIZE = _int("MAIL_BATCH_SIZE", 100)

    # Scheduler (its own process: `flask --app wsgi scheduler run`; with REDIS_URL set it only enqueues the jobs,
    # and `flask --app wsgi worker` processes run them)
    SCHEDULER_TIMEZONE = os.environ.get("SCHEDULER_TIMEZONE", "Europe/London")
    MAIL_OUTBOX_INTERVAL_SECONDS = _int("MAIL_OUTBOX_INTERVAL_SECONDS", 60)
    #: How often the scheduler looks for progress-report builds started from the browser.
    REPORT_RUN_INTERVAL_SECONDS = _int("REPORT_RUN_INTERVAL_SECONDS", 15)
    #: Worker processes for such a build (0: one per CPU).
    REPORT_RUN_WORKERS = _int("REPORT_RUN_WORKERS", 0)
    #: Seconds a SQLite scheduler lock lasts without a heartbeat before another process may take it.
    SCHEDULER_LOCK_TTL = _int("SCHEDULER_LOCK_TTL", 60)

    DISPLAY_TIMEZONE = "Europe/London"

    # Mentoring: check-in reminders (the scheduler's `checkin-reminders` job)
    #: Time of the morning digest, HH:MM in SCHEDULER_TIMEZONE.
    CHECKIN_REMINDER_TIME = os.environ.get("CHECKIN_REMINDER_TIME", "07:30")
    CHECKIN_SKIP_WEEKENDS = _bool("CHECKIN_SKIP_WEEKENDS", True)
    #: Escalate to the coordinator and admins once a check-in is overdue by more than this many cadences.
    CHECKIN_ESCALATE_AFTER_CADENCES = _int("CHECKIN_ESCALATE_AFTER_CADENCES", 1)

    # Data protection
    #: A family marked for erasure is anonymised on its youngest child's birthday at this age
    #: (docs/data-protection.md); never earlier.
    RETENTION_AGE_YEARS = _int("RETENTION_AGE_YEARS", 25)

    # Funding: spending from personal learning budgets
    #: A spend request for more than this (in pence) needs a second approver, an admin (default £500).
    SECOND_APPROVAL_OVER_PENCE = _int("SECOND_APPROVAL_OVER_PENCE", 50_000)
    #: The largest invoice or receipt accepted with a spend request, in bytes (default 10 MB).
    SPEND_DOCUMENT_MAX_BYTES = _int("SPEND_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)

    # Exams
    #: Who pays exam entry fees, centre fees, late fees and access-arrangement costs: ``central`` (the academy's
    #: exams budget) or ``personal`` (each learner's learning budget). See docs/exams.md.
    EXAM_FEES_PAID_FROM = os.environ.get("EXAM_FEES_PAID_FROM", "central")


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    MAIL_OUTBOX_INTERVAL_SECONDS = _int("MAIL_OUTBOX_INTERVAL_SECONDS", 10)


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite:///test.sqlite")
    #: Never the machine's REDIS_URL: tests that use Redis start their own server and hand it to the app (or to
    #: a server process they start, as TEST_REDIS_URL).
    REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    MAIL_BACKEND = "smtp"
    MAIL_PORT = _int("MAIL_PORT", 8025)  # a test may point a scheduler subprocess at its own server
    MAIL_MAX_ATTEMPTS = 5
    WTF_CSRF_ENABLED = True
    PASSWORD_MIN_LENGTH = 10
    BASE_URL = "http://localhost"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    HSTS = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    name = (name or os.environ.get("APP_ENV") or "development").lower()
    try:
        return CONFIGS[name]
    except KeyError as exc:
        raise RuntimeError(f"Unknown APP_ENV {name!r}; use one of {', '.join(CONFIGS)}") from exc
