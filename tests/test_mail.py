"""The mail outbox: written in the caller's transaction, delivered to a real local SMTP
server (aiosmtpd) with retries and back-off, never lost and never sent twice."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.conftest import Inbox, free_port
from virtualacademy import mail
from virtualacademy.extensions import db
from virtualacademy.models import OutboxMessage, OutboxStatus
from virtualacademy.models.base import utcnow
from virtualacademy.scheduler import LeaderLock

SENDER_DOMAIN = "virtualacademy.test"  # from TestConfig's MAIL_DEFAULT_SENDER


def queue_reset(to: str = "ada@example.com", **kwargs) -> OutboxMessage | None:
    """Queue a real email from the app's templates (the password reset one)."""
    user = SimpleNamespace(name="Zoë Lovelace", known_as="Zoë Lovelace", email=to)  # as a User: greeted by known_as
    return mail.queue(
        to,
        "Reset your password",
        "password_reset",
        user=user,
        link="http://localhost/reset/t0ken",
        minutes=60,
        **kwargs,
    )


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


class PickyInbox(Inbox):
    """An inbox that refuses some recipients (with the given SMTP reply) and can turn
    away the first few DATA commands, remembering each Message-ID it was offered."""

    def __init__(self, refuse: dict[str, str] | None = None, defer_data: int = 0, during_data=None):
        super().__init__()
        self.refuse = refuse or {}
        self.defer_data = defer_data
        self.during_data = during_data
        self.offered_ids: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.offered_ids.append(message_from_bytes(envelope.content, policy=default_policy)["Message-ID"])
        if self.during_data is not None:
            self.during_data()
        if self.defer_data > 0:
            self.defer_data -= 1
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


def serve(smtp_server, inbox: PickyInbox) -> None:
    """Restart the test's SMTP server (same port) with ``inbox`` as its handler."""
    smtp_server.stop()
    smtp_server.inbox = inbox
    smtp_server.start()


def test_backoff_doubles_from_one_minute_up_to_six_hours():
    assert [mail.backoff(n) for n in (0, 1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 1, 2, 4, 8)]
    assert mail.backoff(9) == timedelta(minutes=256)
    assert mail.backoff(10) == timedelta(hours=6)
    assert mail.backoff(50) == timedelta(hours=6)


def test_a_message_queued_in_a_rolled_back_transaction_is_never_sent(app, committed_db, smtp_server):
    with app.app_context():
        queue_reset("kept@example.com")
        db.session.commit()
        queue_reset("rolled.back@example.com")
        db.session.rollback()

        report = mail.deliver_pending()

        assert report == mail.DeliveryReport(sent=1)
        assert [m["To"] for m in smtp_server.messages] == ["kept@example.com"]
        assert [m.to_address for m in outbox()] == ["kept@example.com"]


def test_delivers_to_the_smtp_server_once_with_a_stable_message_id(ctx, smtp_server):
    message = queue_reset()
    db.session.commit()

    report = mail.deliver_pending()

    assert report == mail.DeliveryReport(sent=1)
    [received] = smtp_server.messages
    assert received["To"] == "ada@example.com"
    assert received["Subject"] == "Reset your password"
    assert received["From"] == "Virtual Academy <no-reply@virtualacademy.test>"
    body = received.get_content()
    assert "Dear Zoë Lovelace," in body
    assert "http://localhost/reset/t0ken" in body
    assert "for 60 minutes" in body
    assert received["Message-ID"] == mail.message_id(message, SENDER_DOMAIN)
    assert received["Message-ID"].startswith(f"<outbox-{message.id}.")
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    assert message.sent_at is not None and message.last_error is None

    # Level-triggered: a second run finds nothing due and sends nothing.
    assert mail.deliver_pending() == mail.DeliveryReport()
    assert mail.deliver_pending(utcnow() + timedelta(days=1)) == mail.DeliveryReport()
    assert len(smtp_server.messages) == 1


def test_a_dedupe_key_queues_one_message(ctx, smtp_server):
    first = queue_reset(dedupe_key="reset:ada:1")
    assert queue_reset(dedupe_key="reset:ada:1") is None
    assert queue_reset(dedupe_key="reset:ada:2") is not None
    db.session.commit()
    assert [m.dedupe_key for m in outbox()] == ["reset:ada:1", "reset:ada:2"]

    assert mail.deliver_pending().sent == 2
    # The key stays used once the message has gone.
    assert queue_reset(dedupe_key="reset:ada:1") is None
    db.session.commit()
    assert mail.deliver_pending().sent == 0
    assert len(smtp_server.messages) == 2
    assert first.status == OutboxStatus.SENT


def test_survives_the_server_being_down_and_delivers_later_exactly_once(ctx, smtp_server):
    smtp_server.stop()
    message = queue_reset()
    db.session.commit()
    t0 = utcnow()

    report = mail.deliver_pending(t0)

    assert report == mail.DeliveryReport(failed=1)
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at == t0 + timedelta(minutes=1)

    smtp_server.start()
    # Not due yet: the back-off holds even though the server is back.
    assert mail.deliver_pending(t0 + timedelta(seconds=30)) == mail.DeliveryReport()
    assert smtp_server.messages == []
    assert message.attempts == 1

    assert mail.deliver_pending(t0 + timedelta(minutes=1)) == mail.DeliveryReport(sent=1)
    assert mail.deliver_pending(t0 + timedelta(minutes=10)) == mail.DeliveryReport()
    assert [m["To"] for m in smtp_server.messages] == ["ada@example.com"]
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 2
    assert message.last_error is None


def test_gives_up_after_the_maximum_attempts_and_never_retries(app, ctx, smtp_server):
    max_attempts = app.config["MAIL_MAX_ATTEMPTS"]
    assert max_attempts == 5
    smtp_server.stop()
    message = queue_reset()
    db.session.commit()
    now = utcnow()

    for attempt in range(1, max_attempts):
        assert mail.deliver_pending(now) == mail.DeliveryReport(failed=1)
        assert (message.status, message.attempts) == (OutboxStatus.PENDING, attempt)
        assert message.next_attempt_at == now + mail.backoff(attempt)
        now = message.next_attempt_at
    assert mail.deliver_pending(now) == mail.DeliveryReport(gave_up=1)
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, max_attempts)

    smtp_server.start()
    assert mail.deliver_pending(now + timedelta(days=30)) == mail.DeliveryReport()
    assert smtp_server.messages == []
    assert message.attempts == max_attempts


def test_a_write_elsewhere_during_the_send_does_not_lose_the_sent_mark(app, committed_db, smtp_server):
    """While the server takes the message, another connection writes (as the scheduler's
    lock heartbeat does). On SQLite a transaction that read before that write cannot write
    after it, so marking the message sent must not depend on the earlier read."""
    with app.app_context():
        engine = db.engine
        heartbeat = LeaderLock(engine, name="heartbeat-during-send")
        serve(smtp_server, PickyInbox(during_data=lambda: heartbeat.try_acquire()))
        queue_reset()
        db.session.commit()

        assert mail.deliver_pending() == mail.DeliveryReport(sent=1)
        assert heartbeat.held  # the write really happened, mid-send
        assert [(m.status, m.attempts) for m in outbox()] == [(OutboxStatus.SENT, 1)]
        assert mail.deliver_pending(utcnow() + timedelta(hours=1)) == mail.DeliveryReport()
        assert len(smtp_server.messages) == 1
        heartbeat.release()


def test_a_retry_offers_the_same_message_id(ctx, smtp_server):
    inbox = PickyInbox(defer_data=1)
    serve(smtp_server, inbox)
    message = queue_reset()
    db.session.commit()
    t0 = utcnow()

    assert mail.deliver_pending(t0) == mail.DeliveryReport(failed=1)
    assert "451" in message.last_error
    assert mail.deliver_pending(t0 + timedelta(minutes=1)) == mail.DeliveryReport(sent=1)

    assert len(inbox.offered_ids) == 2
    assert inbox.offered_ids[0] == inbox.offered_ids[1] == mail.message_id(message, SENDER_DOMAIN)
    assert len(inbox.messages) == 1


def test_a_refused_recipient_does_not_block_other_messages(ctx, smtp_server):
    serve(
        smtp_server,
        PickyInbox(
            refuse={
                "nobody@example.com": "550 5.1.1 No such mailbox",
                "full@example.com": "452 4.2.2 Mailbox full, try later",
            }
        ),
    )
    nobody = queue_reset("nobody@example.com")
    full = queue_reset("full@example.com")
    ada = queue_reset("ada@example.com")
    db.session.commit()
    now = utcnow()

    report = mail.deliver_pending(now)

    assert report == mail.DeliveryReport(sent=1, failed=1, gave_up=1)
    assert [m["To"] for m in smtp_server.messages] == ["ada@example.com"]
    assert ada.status == OutboxStatus.SENT
    # A permanent (5xx) refusal will not change on a retry.
    assert (nobody.status, nobody.attempts) == (OutboxStatus.FAILED, 1)
    assert "550" in nobody.last_error
    # A temporary (4xx) one is retried after the back-off.
    assert (full.status, full.attempts) == (OutboxStatus.PENDING, 1)
    assert "452" in full.last_error
    assert full.next_attempt_at == now + timedelta(minutes=1)


def test_a_message_that_cannot_be_built_fails_alone_and_injects_nothing(ctx, smtp_server):
    bad = queue_reset("ada@example.com\r\nBcc: eve@example.com")
    good = queue_reset("grace@example.com")
    db.session.commit()

    assert mail.deliver_pending() == mail.DeliveryReport(sent=1, gave_up=1)

    assert [m["To"] for m in smtp_server.messages] == ["grace@example.com"]
    assert all(m["Bcc"] is None for m in smtp_server.messages)
    assert (bad.status, bad.attempts) == (OutboxStatus.FAILED, 1)
    assert "linefeed" in bad.last_error
    assert good.status == OutboxStatus.SENT


def test_console_backend_prints_the_message_and_marks_it_sent(app, ctx, capsys, monkeypatch):
    # Nothing listens on this port: the console backend must not need a server.
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "console")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    message = queue_reset()
    db.session.commit()

    assert mail.deliver_pending() == mail.DeliveryReport(sent=1)

    printed = capsys.readouterr().out
    assert "To: ada@example.com" in printed
    assert "Subject: Reset your password" in printed
    assert "Dear Zoë Lovelace," in printed  # readable, not transfer-encoded
    assert "http://localhost/reset/t0ken" in printed
    assert message.status == OutboxStatus.SENT
    assert mail.deliver_pending() == mail.DeliveryReport()
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("backend", ["smtp", "console"])
def test_only_due_pending_messages_are_counted(app, ctx, smtp_server, monkeypatch, backend):
    """The batch limit bounds one run; the rest go on the next."""
    monkeypatch.setitem(app.config, "MAIL_BACKEND", backend)
    monkeypatch.setitem(app.config, "MAIL_BATCH_SIZE", 2)
    for n in range(3):
        queue_reset(f"learner{n}@example.com")
    db.session.commit()

    assert mail.deliver_pending().sent == 2
    assert mail.deliver_pending().sent == 1
    assert mail.deliver_pending().sent == 0
    assert db.session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT)) == 3
    assert len(smtp_server.messages) == (3 if backend == "smtp" else 0)
