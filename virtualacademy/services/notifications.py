"""The one notification path: an in-app notification (the bell), optionally with an email, and digests: one
email gathering many in-app notifications for one person.

Every notification has a unique ``key`` (e.g. ``checkin-digest:<mentor>:<date>``): notifying twice with the
same key adds nothing and sends nothing, so a job run twice, late, or after a crash is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from virtualacademy import clock, mail
from virtualacademy.database import one_of as _one_of
from virtualacademy.extensions import db
from virtualacademy.models import Notification, User


def notify(
    user: User,
    key: str,
    kind: str,
    title: str,
    *,
    body: str | None = None,
    link: str | None = None,
    email_template: str | None = None,
    **email_context,
) -> Notification | None:
    """Add a notification for ``user`` (and queue an email from ``email_template``) unless ``key`` was used.

    Returns the new notification, or None if it already existed.
    """
    if db.session.scalar(select(Notification.id).where(Notification.key == key)) is not None:
        return None
    notification = Notification(user_id=user.id, key=key, kind=kind, title=title, body=body, link=link)
    try:
        with db.session.begin_nested():
            db.session.add(notification)
    except IntegrityError:
        return None  # a concurrent run took the key first
    if email_template and user.active:
        mail.queue(
            user.email,
            title,
            email_template,
            dedupe_key=f"notification:{key}",
            user=user,
            title=title,
            body=body,
            link=mail.absolute_url_for_path(link) if link else None,
            **email_context,
        )
    return notification


@dataclass
class Notice:
    """One notification for :func:`notify_many`: the arguments of :func:`notify`, as a value."""

    user: User
    key: str
    kind: str
    title: str
    body: str | None = None
    link: str | None = None
    email_template: str | None = None
    email_context: dict = field(default_factory=dict)


def notify_many(notices: Iterable[Notice]) -> list[Notice]:
    """:func:`notify` for many notifications at once, in the same few statements however many there
    are: one SELECT of the keys already used, one INSERT (executemany) of the new notifications and
    one of their emails. Returns the notices that were new (the first of any repeated key).

    Two runs at once cannot write a key twice: the inserts skip a key that another transaction took
    since the SELECT (``ON CONFLICT DO NOTHING`` on the unique key; the email's dedupe key likewise),
    and only then is there one more SELECT, to leave those notices out of the result and unmailed.
    """
    fresh: dict[str, Notice] = {}
    for notice in notices:
        fresh.setdefault(notice.key, notice)
    if not fresh:
        return []
    for key in db.session.scalars(select(Notification.key).where(_one_of(Notification.key, list(fresh)))):
        del fresh[key]
    if not fresh:
        return []
    now = clock.now()
    written = db.session.execute(
        mail.insert_new_keys(Notification, "key"),
        [
            {
                "user_id": n.user.id,
                "key": n.key,
                "kind": n.kind,
                "title": n.title,
                "body": n.body,
                "link": n.link,
                "created_at": now,
            }
            for n in fresh.values()
        ],
    ).rowcount
    if written != len(fresh):
        # Another run took some of these keys since the SELECT (one of us waited for the other to
        # commit). Keep the notices written here, told apart by this batch's creation time.
        ours = set(
            db.session.scalars(
                select(Notification.key).where(_one_of(Notification.key, list(fresh)), Notification.created_at == now)
            )
        )
        fresh = {key: n for key, n in fresh.items() if key in ours}
    mail.queue_many(
        mail.Email(
            n.user.email,
            n.title,
            n.email_template,
            dedupe_key=f"notification:{n.key}",
            context={
                "user": n.user,
                "title": n.title,
                "body": n.body,
                "link": mail.absolute_url_for_path(n.link) if n.link else None,
                **n.email_context,
            },
        )
        for n in fresh.values()
        if n.email_template and n.user.active
    )
    return list(fresh.values())


@dataclass
class Digest:
    """One email gathering many notifications for one person (e.g. every learner newly flagged today): the
    notifications themselves are in the app, one each; the email is sent at most once per ``key``."""

    user: User
    key: str
    subject: str
    intro: str
    lines: list[str]
    link: str | None = None
    outro: str | None = None


def email_digests(digests: Iterable[Digest]) -> int:
    """Queue the digests (one INSERT however many) to active users; returns how many were offered."""
    emails = [
        mail.Email(
            d.user.email,
            d.subject,
            "digest",
            dedupe_key=d.key,
            context={
                "user": d.user,
                "intro": d.intro,
                "lines": d.lines,
                "outro": d.outro,
                "link": mail.absolute_url_for_path(d.link) if d.link else None,
            },
        )
        for d in digests
        if d.user.active
    ]
    mail.queue_many(emails)
    return len(emails)


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def inbox(user: User):
    """A query of the user's notifications, newest first."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_read(user: User, notification: Notification) -> None:
    if notification.user_id == user.id and notification.read_at is None:
        notification.read_at = clock.now()


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    return result.rowcount
