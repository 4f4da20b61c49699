"""The one mail delivery path.

``queue()`` writes an :class:`OutboxMessage` in the caller's transaction, so a message
exists exactly when the change that caused it is committed. ``deliver_pending()`` (run by
the scheduler every minute) sends due messages over SMTP, or prints them in development,
retrying failures with exponential back-off; each message is marked sent in its own
commit straight after the server accepts it, so nothing is lost and nothing is sent twice.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import Insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

#: Back-off after the n-th failure: 1, 2, 4, 8 ... minutes, at most six hours.
MAX_BACKOFF = timedelta(hours=6)


def backoff(attempts: int) -> timedelta:
    # The exponent is capped first: 2**n minutes overflows timedelta for large n.
    return min(timedelta(minutes=2 ** min(max(attempts - 1, 0), 20)), MAX_BACKOFF)


def absolute_url(endpoint: str, **values) -> str:
    """A full link for an email (there is no request to take the host from)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def absolute_url_for_path(path: str) -> str:
    """A full link for a path inside the app, e.g. ``/caseload`` -> ``https://academy.example.org/caseload``."""
    return current_app.config["BASE_URL"].rstrip("/") + "/" + path.lstrip("/")


def queue(
    to: str,
    subject: str,
    template: str,
    *,
    dedupe_key: str | None = None,
    **context,
) -> OutboxMessage | None:
    """Render ``templates/email/<template>.txt`` and add it to the outbox.

    With a ``dedupe_key`` already used, nothing is queued and None is returned.
    """
    if dedupe_key is not None:
        existing = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return None
    context.setdefault("academy_name", current_app.config["ACADEMY_NAME"])
    body = render_template(f"email/{template}.txt", **context)
    message = OutboxMessage(to_address=to, subject=subject, body_text=body, dedupe_key=dedupe_key)
    if dedupe_key is None:
        db.session.add(message)
        db.session.flush()
        return message
    # A concurrent writer may have taken the key since we looked: keep our transaction intact.
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return None
    return message


@dataclass
class Email:
    """One message for :func:`queue_many`: what :func:`queue` takes, as a value."""

    to: str
    subject: str
    template: str
    dedupe_key: str | None = None
    context: dict = field(default_factory=dict)


def queue_many(emails: Iterable[Email]) -> None:
    """Render many messages and add them to the outbox with one INSERT (executemany).

    A message whose ``dedupe_key`` is already in the outbox, or earlier in ``emails``, is not
    queued: the database's unique index decides (``ON CONFLICT (dedupe_key) DO NOTHING``), so two
    runs at once cannot queue a message twice. Callers that know which keys are new should pass
    only those, so nothing is rendered for nothing.
    """
    emails = list(emails)
    if not emails:
        return
    academy_name = current_app.config["ACADEMY_NAME"]
    rows = []
    for email in emails:
        context = {"academy_name": academy_name, **email.context}
        rows.append(
            {
                "to_address": email.to,
                "subject": email.subject,
                "body_text": render_template(f"email/{email.template}.txt", **context),
                "dedupe_key": email.dedupe_key,
            }
        )
    db.session.execute(insert_new_keys(OutboxMessage, "dedupe_key"), rows)


def insert_new_keys(model, key: str) -> Insert:
    """``INSERT`` into ``model``'s table that skips rows whose unique ``key`` is taken
    (``ON CONFLICT (key) DO NOTHING``, on PostgreSQL and SQLite alike); its ``rowcount`` is the
    number written. Unlike SQLite's ``INSERT OR IGNORE`` it ignores nothing else: a broken
    NOT NULL or CHECK still fails."""
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[db.session.get_bind().dialect.name]
    # preserve_rowcount: the result's rowcount is the rows written (SQLAlchemy keeps it only for
    # UPDATE and DELETE otherwise, and psycopg's executemany then reports -1).
    return (
        dialect.insert(model.__table__)
        .on_conflict_do_nothing(index_elements=[key])
        .execution_options(preserve_rowcount=True)
    )


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0


def message_id(message: OutboxMessage, domain: str) -> str:
    """The same Message-ID on every attempt, so a server that accepted a message whose
    "sent" mark was then lost (a crash before the commit) can drop the repeat. The
    creation time keeps ids unique across databases that reuse row numbers."""
    created = message.created_at.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")
    return f"<outbox-{message.id}.{created}@{domain}>"


def _sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "virtualacademy.invalid"


def _build(message: OutboxMessage, sender: str, domain: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message_id(message, domain)
    email.set_content(message.body_text)
    return email


def _refusal_is_permanent(exc: smtplib.SMTPRecipientsRefused) -> bool:
    """A 5xx reply (no such mailbox) will not change on a retry; a 4xx one may."""
    return bool(exc.recipients) and all(code >= 500 for code, _reply in exc.recipients.values())


class _Transport:
    """Console or SMTP, opened once per delivery run."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage, body_text: str) -> None:
        if self.config["MAIL_BACKEND"] == "console":
            # Readable in a terminal: the headers, then the text as written (not transfer-encoded).
            headers = "".join(
                f"{name}: {value}\n" for name, value in email.items() if name.lower() != "content-transfer-encoding"
            )
            print(f"\n----- email -----\n{headers}\n{body_text}\n----- end of email -----", flush=True)
            return
        if self.smtp is None:
            self.smtp = self._connect()
        self.smtp.send_message(email)

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        if c["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(
                c["MAIL_SERVER"], c["MAIL_PORT"], timeout=c["MAIL_TIMEOUT"], context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=c["MAIL_TIMEOUT"])
            if c["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
        if c["MAIL_USERNAME"]:
            smtp.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"] or "")
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
            with contextlib.suppress(OSError):
                self.smtp.close()
            self.smtp = None


def _failure(
    message_id: int, attempts: int, exc: Exception, now: datetime, report: DeliveryReport, *, permanent: bool
) -> dict:
    """The outcome of a failed attempt: retry after the back-off, or give up."""
    attempts += 1
    values: dict = {"attempts": attempts, "last_error": f"{type(exc).__name__}: {exc}"[:2000]}
    if permanent or attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        values["status"] = OutboxStatus.FAILED
        report.gave_up += 1
        log.error("Giving up on outbox message %s after %s attempt(s): %s", message_id, attempts, exc)
    else:
        values["next_attempt_at"] = now + backoff(attempts)
        report.failed += 1
        log.warning("Outbox message %s not delivered (%s); will retry", message_id, exc)
    return values


def _record(message_id: int, values: dict) -> None:
    """Write the outcome of one attempt as a single UPDATE and commit it.

    On SQLite this must be the first statement of its transaction: a transaction that
    read before the (slow) send may not start writing once anyone else has written
    meanwhile (SQLITE_BUSY_SNAPSHOT, "database is locked" at once), and a message sent
    but left unmarked would be sent again.
    """
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def deliver_pending(now: datetime | None = None) -> DeliveryReport:
    """Send every message that is due. Commits after each message."""
    now = now or clock.now()
    config = current_app.config
    sender = config["MAIL_DEFAULT_SENDER"]
    domain = _sender_domain(sender)
    postgresql = db.engine.dialect.name == "postgresql"
    report = DeliveryReport()
    due_ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(config["MAIL_BATCH_SIZE"])
        )
    )
    db.session.commit()
    transport = _Transport(config)
    try:
        for message_id in due_ids:
            stmt = select(OutboxMessage).where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
            )
            if postgresql:
                # Held until the outcome is committed, so a second sender skips this message.
                stmt = stmt.with_for_update(skip_locked=True)
            message = db.session.scalar(stmt)
            if message is None:  # sent (or put off) meanwhile by someone else
                db.session.commit()
                continue
            attempts, body = message.attempts, message.body_text
            try:
                email = _build(message, sender, domain)
            except (ValueError, TypeError, MessageError) as exc:
                # Bad data in the message itself (e.g. a line break in an address): a retry cannot help.
                _record(message_id, _failure(message_id, attempts, exc, now, report, permanent=True))
                continue
            if not postgresql:
                # SQLite: end the read before the network call (see _record). Only one
                # scheduler delivers at a time there, so nobody else sends this message.
                db.session.commit()
            try:
                transport.send(email, body)
            except smtplib.SMTPRecipientsRefused as exc:
                # Concerns this message only; the connection stays usable for the rest.
                outcome = _failure(message_id, attempts, exc, now, report, permanent=_refusal_is_permanent(exc))
            except (smtplib.SMTPException, OSError) as exc:
                # The server is unreachable or unwilling: stop and leave the rest for the next run.
                transport.close()
                _record(message_id, _failure(message_id, attempts, exc, now, report, permanent=False))
                break
            else:
                outcome = {
                    "status": OutboxStatus.SENT,
                    "attempts": attempts + 1,
                    "sent_at": clock.now(),
                    "last_error": None,
                }
                report.sent += 1
            _record(message_id, outcome)
    finally:
        transport.close()
    return report
