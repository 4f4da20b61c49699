"""The one mail delivery path.

``queue()`` writes an :class:`OutboxMessage` in the caller's transaction, so a message
exists exactly when the change that caused it is committed. ``deliver_pending()`` (run by
the scheduler every minute) sends due messages over SMTP, or prints them in development,
retrying failures with exponential back-off; each message is marked sent in its own
commit straight after the server accepts it, so nothing is lost and nothing is sent twice.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from virtualacademy.extensions import db
from virtualacademy.models import OutboxMessage, OutboxStatus
from virtualacademy.models.base import utcnow

log = logging.getLogger(__name__)

#: Back-off after the n-th failure: 1, 2, 4, 8 ... minutes, at most six hours.
MAX_BACKOFF = timedelta(hours=6)


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def absolute_url(endpoint: str, **values) -> str:
    """A full link for an email (there is no request to take the host from)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


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
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0


def _build(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    # The same Message-ID on every attempt lets a mail server drop a duplicate.
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip(">") or "virtualacademy"
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain=domain)
    email.set_content(message.body_text)
    return email


class _Transport:
    """Console or SMTP, opened once per delivery run."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        if self.config["MAIL_BACKEND"] == "console":
            print(f"\n----- email -----\n{email}\n----- end of email -----", flush=True)
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
            try:
                self.smtp.quit()
            except smtplib.SMTPException:
                pass
            except OSError:
                pass
            self.smtp = None


def deliver_pending(now: datetime | None = None) -> DeliveryReport:
    """Send every message that is due. Commits after each message."""
    now = now or utcnow()
    config = current_app.config
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
                OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING
            )
            if db.engine.dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            message = db.session.scalar(stmt)
            if message is None:  # sent meanwhile by someone else
                db.session.commit()
                continue
            try:
                transport.send(_build(message))
            except (smtplib.SMTPException, OSError) as exc:
                # A refused recipient concerns this message only; anything else means the
                # server is unreachable, so stop and leave the rest for the next run.
                server_down = not isinstance(exc, smtplib.SMTPRecipientsRefused)
                transport.close()
                message.attempts += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                    message.status = OutboxStatus.FAILED
                    report.gave_up += 1
                    log.error("Giving up on outbox message %s after %s attempts", message.id, message.attempts)
                else:
                    message.next_attempt_at = now + backoff(message.attempts)
                    report.failed += 1
                    log.warning("Outbox message %s not delivered (%s); will retry", message.id, exc)
                db.session.commit()
                if server_down:
                    break
                continue
            else:
                message.attempts += 1
                message.status = OutboxStatus.SENT
                message.sent_at = utcnow()
                message.last_error = None
                report.sent += 1
            db.session.commit()
    finally:
        transport.close()
    return report
