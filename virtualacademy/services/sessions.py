"""Signed-in sessions: one ``UserSession`` row for each browser someone is signed in on.

Signing in makes a random key. The browser keeps it in its (signed) session cookie; the server keeps only its
SHA-256 hash, so a copy of the database cannot be used to take over anyone's session. Every request looks the
hash up (:func:`resume`): a session that has been signed out, ended from another device, ended by a password
change or reset, or whose account was deactivated or erased no longer exists, so a copied cookie stops working
at once. A session not used for its idle timeout (``SESSION_IDLE_TIMEOUT_STAFF`` or ``..._FAMILY``) ends too.

``last_seen_at`` (and with it the expiry) is written at most once a minute, so most requests do not write.
No IP address is kept: a person recognises their devices by browser and system ("Chrome on Android") and by
when they were used, and the audit log already keeps the address of each sign-in.
"""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import User, UserSession
from virtualacademy.services import audit

#: ``last_seen_at`` is written at most this often.
TOUCH_EVERY = timedelta(minutes=1)
#: Longer keys than this are not looked up (a key is 43 characters).
MAX_KEY_LENGTH = 100


class Ended(enum.StrEnum):
    """Why a session presented by a browser is no longer valid."""

    #: Not used for the idle timeout.
    IDLE = "idle"
    #: Signed out on another device, ended by a password change or reset, the account deactivated; or unknown.
    ENDED = "ended"


@dataclass(frozen=True)
class Resumed:
    """The outcome of looking up a browser's session key."""

    user: User | None
    ended: Ended | None = None
    #: Whether this look-up wrote to the database (the caller commits it).
    wrote: bool = False
    #: Whose session ran out (``Ended.IDLE``), to say after how long.
    idle_user: User | None = None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_timeout(user: User) -> timedelta:
    """How long a session of ``user`` lasts unused: shorter for staff, who see many children's records."""
    name = "SESSION_IDLE_TIMEOUT_STAFF" if user.is_staff else "SESSION_IDLE_TIMEOUT_FAMILY"
    return timedelta(seconds=int(current_app.config[name]))


def idle_timeout_text(user: User) -> str:
    seconds = int(idle_timeout(user).total_seconds())
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "1 hour" if hours == 1 else f"{hours} hours"
    minutes = max(1, seconds // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


# --- recognising a device from its user agent ----------------------------------------------------------

_BROWSERS = [
    (re.compile(r"\bEdg(e|A|iOS)?/"), "Edge"),
    (re.compile(r"\bOPR/|\bOpera\b"), "Opera"),
    (re.compile(r"\bSamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"\bFirefox/|\bFxiOS/"), "Firefox"),
    (re.compile(r"\bCriOS/|\bChrome/|\bChromium/|\bHeadlessChrome/"), "Chrome"),
    (re.compile(r"\bVersion/[\d.]+.*\bSafari/"), "Safari"),
]
_SYSTEMS = [
    (re.compile(r"\biPhone\b"), "iPhone"),
    (re.compile(r"\biPad\b"), "iPad"),
    (re.compile(r"\biPod\b"), "iPod"),
    (re.compile(r"\bAndroid\b"), "Android"),
    (re.compile(r"\bCrOS\b"), "Chromebook"),
    (re.compile(r"\bWindows\b"), "Windows"),
    (re.compile(r"\bMacintosh\b|\bMac OS X\b"), "Mac"),
    (re.compile(r"\bLinux\b"), "Linux"),
]


def describe_device(user_agent: str | None) -> str:
    """A browser's user agent as a person would name it: "Chrome on Android", "Safari on iPhone"."""
    text = (user_agent or "")[:1000]
    browser = next((name for pattern, name in _BROWSERS if pattern.search(text)), None)
    system = next((name for pattern, name in _SYSTEMS if pattern.search(text)), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser:
        return browser
    if system:
        return f"A browser on {system}"
    return "An unrecognised browser"


# --- starting, checking and ending sessions ---------------------------------------------------------------


def start(user: User, user_agent: str | None, now: datetime | None = None) -> str:
    """A new session for ``user`` on this browser; returns its key (for the session cookie, never stored)."""
    now = now or clock.now()
    key = secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user.id,
        key_hash=_hash(key),
        device=describe_device(user_agent)[:100],
        created_at=now,
        last_seen_at=now,
        expires_at=now + idle_timeout(user),
    )
    db.session.add(row)
    db.session.flush()
    user.session_key, user.current_session_id = key, row.id
    return key


def resume(key: str | None, now: datetime | None = None) -> Resumed:
    """The signed-in user for a browser's session key, or why there is none.

    Writes only when the session is over (its row is deleted) or was last seen more than a minute ago; the
    caller commits then (``Resumed.wrote``). Statements rather than ORM changes, so that a session signed out
    by another request in the meantime is simply not there (no error).
    """
    now = now or clock.now()
    if not key or len(key) > MAX_KEY_LENGTH:
        return Resumed(None, Ended.ENDED)
    row = db.session.scalar(
        select(UserSession).where(UserSession.key_hash == _hash(key)).options(joinedload(UserSession.user))
    )
    if row is None:
        return Resumed(None, Ended.ENDED)
    if not row.user.active:
        db.session.execute(delete(UserSession).where(UserSession.id == row.id))
        return Resumed(None, Ended.ENDED, wrote=True)
    if row.expires_at <= now:
        db.session.execute(delete(UserSession).where(UserSession.id == row.id))
        return Resumed(None, Ended.IDLE, wrote=True, idle_user=row.user)
    wrote = False
    if now - row.last_seen_at >= TOUCH_EVERY:
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == row.id)
            .values(last_seen_at=now, expires_at=now + idle_timeout(row.user))
        )
        wrote = True
    user = row.user
    user.session_key, user.current_session_id = key, row.id
    return Resumed(user, wrote=wrote)


def end(key: str | None) -> None:
    """Sign this browser out: its session no longer exists."""
    if key:
        db.session.execute(delete(UserSession).where(UserSession.key_hash == _hash(key)))


def end_all(user: User, keep: int | None = None) -> int:
    """End every session of ``user`` (but ``keep``, a session id); returns how many ended."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep)
    return db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount


def sign_out_everywhere_else(user: User, current_session_id: int | None) -> int:
    """The user's own "sign out everywhere else": every other session ends; audited."""
    ended = end_all(user, keep=current_session_id)
    audit.record("auth.signed_out_elsewhere", actor=user, obj=user, detail={"sessions": ended})
    return ended


def sign_out_device(user: User, session: UserSession) -> None:
    """End one of the user's own other sessions (the view has checked it is theirs)."""
    device = session.device
    db.session.execute(delete(UserSession).where(UserSession.id == session.id, UserSession.user_id == user.id))
    audit.record("auth.signed_out_device", actor=user, obj=user, detail={"device": device})


def for_user(user: User, this_session_id: int | None = None) -> list[UserSession]:
    """The user's signed-in sessions: this one first, then the others, most recently used first."""
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return sorted(rows, key=lambda row: row.id != this_session_id)


def delete_expired(now: datetime | None = None) -> int:
    """The ``expired-sessions`` job: delete sessions past their idle timeout. Idempotent."""
    now = now or clock.now()
    stmt = delete(UserSession).where(UserSession.expires_at <= now).execution_options(synchronize_session=False)
    return db.session.execute(stmt).rowcount


# --- data protection: a family's signed-in devices ------------------------------------------------------------


def _export_section(subject) -> list[dict]:
    from virtualacademy.services.data_protection import record

    if not subject.own_user_ids:
        return []
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id.in_(subject.own_user_ids))
        .order_by(UserSession.user_id, UserSession.created_at)
    )
    return [record(row, exclude={"id", "key_hash"}) for row in rows]


def _erase_section(subject) -> int:
    """Sessions end and go, with any count of failed sign-ins kept against the accounts."""
    from virtualacademy.models import SignInThrottle

    if not subject.own_user_ids:
        return 0
    ids = subject.own_user_ids
    ended = db.session.execute(
        delete(UserSession).where(UserSession.user_id.in_(ids)).execution_options(synchronize_session=False)
    ).rowcount
    counts = db.session.execute(
        delete(SignInThrottle).where(SignInThrottle.user_id.in_(ids)).execution_options(synchronize_session=False)
    ).rowcount
    return ended + counts


def _register_data_protection() -> None:
    from virtualacademy.services import data_protection

    data_protection.register(
        data_protection.Section("signed_in_devices", "Signed-in devices", _export_section, _erase_section)
    )


_register_data_protection()
