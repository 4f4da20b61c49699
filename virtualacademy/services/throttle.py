"""A growing wait after failed sign-ins, per account and per IP address, kept in the database.

Each failed sign-in (or wrong current password when changing it) counts against the email address typed and
against the IP address it came from. After the first few failures (``LOGIN_DELAY_FREE_FAILURES``, 3; per IP
``LOGIN_DELAY_FREE_FAILURES_PER_IP``, 20) each failure makes the next attempt wait: 1 s, 2 s, 4 s ... up to
``LOGIN_DELAY_MAX_SECONDS`` (15 minutes). An attempt made before then is refused *without checking the
password*, so guessing is slow whatever the guesser does; the correct password after the wait signs in, and
resets the count. Nothing ever locks an account: at worst a person waits, and an admin can clear the wait.

**Known browsers.** A browser that has signed in to an account before carries a signed "known device" cookie;
its attempts on that account count against that browser alone, not the account. So a stranger's failures make
strangers wait, while the family on their usual phone or computer is not held up by them.

**Several workers, and races.** The counts are rows of ``sign_in_throttle`` keyed by an HMAC of the email
address, browser key or IP address (none of them is stored). An attempt first makes sure its rows exist
(``INSERT ... ON CONFLICT DO NOTHING``) and locks the account's (or browser's) row until its transaction ends
(``SELECT ... FOR UPDATE``), so attempts on one account run one at a time: parallel requests cannot slip
several guesses past the wait, and no failure is lost. The IP address's row is only ever changed by single
atomic statements, so sign-ins from a shared address (a school, a library) never queue behind each other.

Unknown email addresses are counted exactly like known ones, so the waits say nothing about who has an account.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, or_, select, update

from virtualacademy import clock
from virtualacademy.errors import DomainError
from virtualacademy.extensions import db
from virtualacademy.mail import insert_new_keys
from virtualacademy.models import SignInThrottle, ThrottleKind, User


class TooManyAttempts(DomainError):
    """An attempt before the wait after earlier failures has passed; the password was not checked."""

    def __init__(
        self,
        retry_at: datetime,
        now: datetime,
        field: str | None = "email",
        lead: str = "There have been too many failed attempts to sign in.",
    ):
        self.retry_at = retry_at
        super().__init__(f"{lead} {wait_text(retry_at, now)}", field)


def wait_text(retry_at: datetime, now: datetime) -> str:
    """ "Wait 4 seconds, then try again." or "Try again after 10:19am." (London time)."""
    seconds = max(1, int((retry_at - now).total_seconds() + 0.999))
    if seconds < 60:
        return f"Wait {seconds} second{'s' if seconds != 1 else ''}, then try again."
    local = clock.london(retry_at + timedelta(seconds=59)).replace(second=0, microsecond=0)
    return f"Try again after {local:%-I:%M%p}.".replace("AM", "am").replace("PM", "pm")


@dataclass(frozen=True)
class Attempt:
    """The counters one sign-in attempt is judged by: its account's (or known browser's), and its address's."""

    key: str
    kind: ThrottleKind
    ip_key: str
    user_id: int | None


def _digest(kind: ThrottleKind, value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"sign-in-throttle:{kind.value}:{value}".encode(), hashlib.sha256).hexdigest()


def account_key(email: str) -> str:
    return _digest(ThrottleKind.ACCOUNT, (email or "").strip().lower())


def _free(kind: ThrottleKind) -> int:
    name = "LOGIN_DELAY_FREE_FAILURES_PER_IP" if kind is ThrottleKind.IP else "LOGIN_DELAY_FREE_FAILURES"
    return int(current_app.config[name])


def _forget_after(kind: ThrottleKind) -> timedelta:
    name = "LOGIN_FAILURES_PER_IP_FORGET_AFTER" if kind is ThrottleKind.IP else "LOGIN_FAILURES_FORGET_AFTER"
    return timedelta(seconds=int(current_app.config[name]))


def delay_after(failures: int, kind: ThrottleKind = ThrottleKind.ACCOUNT) -> timedelta:
    """The wait after the ``failures``th failure in a row: none for the free ones, then 1 s, 2 s, 4 s ... capped."""
    over = failures - _free(kind)
    if over <= 0:
        return timedelta(0)
    cap = int(current_app.config["LOGIN_DELAY_MAX_SECONDS"])
    return timedelta(seconds=min(cap, 2 ** min(over - 1, 30)))


def begin(
    email: str, ip: str | None, known_devices: dict[int, str] | None = None, now: datetime | None = None
) -> Attempt:
    """Judge an attempt before its password is checked: raises TooManyAttempts if it must wait.

    ``known_devices`` maps the accounts this browser has signed in to before (its cookie, whose signature the
    web layer has checked) to the browser's key for each. Locks the account's (or known browser's) row until the caller's transaction ends; the caller then calls
    :func:`failed` or :func:`succeeded` and commits, in every case.
    """
    now = now or clock.now()
    email = (email or "").strip().lower()
    user_id = db.session.scalar(select(User.id).where(User.email == email))
    nonce = (known_devices or {}).get(user_id) if user_id is not None else None
    if nonce:
        kind, key = ThrottleKind.DEVICE, _digest(ThrottleKind.DEVICE, f"{nonce}:{user_id}")
    else:
        kind, key = ThrottleKind.ACCOUNT, account_key(email)
    attempt = Attempt(key=key, kind=kind, ip_key=_digest(ThrottleKind.IP, ip or "unknown"), user_id=user_id)
    db.session.execute(
        insert_new_keys(SignInThrottle, "key"),
        [
            {"key": attempt.key, "kind": kind.value, "user_id": user_id, "failures": 0},
            {"key": attempt.ip_key, "kind": ThrottleKind.IP.value, "user_id": None, "failures": 0},
        ],
    )
    mine = db.session.execute(
        select(SignInThrottle.not_before).where(SignInThrottle.key == attempt.key).with_for_update()
    ).scalar_one()
    address = db.session.execute(
        select(SignInThrottle.not_before).where(SignInThrottle.key == attempt.ip_key)
    ).scalar_one()
    waits = [t for t in (mine, address) if t is not None and t > now]
    if waits:
        raise TooManyAttempts(max(waits), now)
    return attempt


def _count_failure(key: str, kind: ThrottleKind, now: datetime) -> None:
    """One more failure on a row, in single statements (safe however many workers count at once)."""
    stale = now - _forget_after(kind)
    table = SignInThrottle.__table__
    db.session.execute(
        update(table)
        .where(table.c.key == key)
        .values(
            failures=case(
                (or_(table.c.last_failure_at.is_(None), table.c.last_failure_at < stale), 1),
                else_=table.c.failures + 1,
            ),
            last_failure_at=now,
        )
    )
    failures = db.session.scalar(select(table.c.failures).where(table.c.key == key)) or 0
    wait = delay_after(failures, kind)
    if wait:
        until = now + wait
        db.session.execute(
            update(table)
            .where(table.c.key == key, or_(table.c.not_before.is_(None), table.c.not_before < until))
            .values(not_before=until)
        )


def failed(attempt: Attempt, now: datetime | None = None) -> None:
    """Count a wrong password against the attempt's account (or browser) and address."""
    now = now or clock.now()
    _count_failure(attempt.key, attempt.kind, now)
    _count_failure(attempt.ip_key, ThrottleKind.IP, now)


def succeeded(attempt: Attempt) -> None:
    """The right password: the account's (or browser's) count starts again. The address's count stays: one
    right password from an address says nothing about the other accounts tried from it."""
    table = SignInThrottle.__table__
    db.session.execute(delete(table).where(table.c.key == attempt.key))


@dataclass(frozen=True)
class Waiting:
    """An account's failed sign-ins, for the admin's user page."""

    failures: int
    last_failure_at: datetime | None
    not_before: datetime | None


def state_for(user: User, now: datetime | None = None) -> Waiting | None:
    """The account's own count (not its known browsers'), if it has failed sign-ins that still count."""
    now = now or clock.now()
    row = db.session.get(SignInThrottle, account_key(user.email))
    if row is None or not row.failures or row.last_failure_at is None:
        return None
    if row.last_failure_at < now - _forget_after(ThrottleKind.ACCOUNT):
        return None
    return Waiting(
        row.failures, row.last_failure_at, row.not_before if row.not_before and row.not_before > now else None
    )


def clear_for(user: User) -> int:
    """Forget the failed sign-ins counted against an account and its known browsers (an admin's "unlock")."""
    table = SignInThrottle.__table__
    stmt = delete(table).where(or_(table.c.user_id == user.id, table.c.key == account_key(user.email)))
    return db.session.execute(stmt).rowcount


def forget_old(now: datetime | None = None) -> int:
    """The ``sign-in-failures`` job: delete counts that no longer count (no failure for their forget period and
    no wait pending). Idempotent."""
    now = now or clock.now()
    table = SignInThrottle.__table__
    removed = 0
    for kind in ThrottleKind:
        stale = now - _forget_after(kind)
        stmt = delete(table).where(
            table.c.kind == kind.value,
            or_(table.c.last_failure_at.is_(None), table.c.last_failure_at < stale),
            or_(table.c.not_before.is_(None), table.c.not_before <= now),
        )
        removed += db.session.execute(stmt).rowcount
    return removed
