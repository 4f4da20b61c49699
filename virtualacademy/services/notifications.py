"""The one notification path: an in-app notification (the bell), optionally with an email.

Every notification has a unique ``key`` (e.g. ``checkin-digest:<mentor>:<date>``): notifying twice with the
same key adds nothing and sends nothing, so a job run twice, late, or after a crash is harmless.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from virtualacademy import mail
from virtualacademy.extensions import db
from virtualacademy.models import Notification, User
from virtualacademy.models.base import utcnow


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
        notification.read_at = utcnow()


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount
