"""The web side of signed-in sessions: Flask-Login's user loader, what a signed-out browser is told, and the
"known device" cookie that keeps strangers' failed sign-ins from holding up a family's own browser.

The session cookie carries the session's random key (``User.get_id()``); ``services.sessions`` keeps its hash.
"""

from __future__ import annotations

import secrets

from flask import current_app, flash, g, redirect, request, session
from flask_login import current_user, login_url, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from virtualacademy.extensions import db, login_manager
from virtualacademy.models import User
from virtualacademy.services import sessions
from virtualacademy.unit_of_work import unit_of_work

SIGNED_OUT = {
    sessions.Ended.IDLE: "You were signed out because you had not used the academy for {timeout}. "
    "Sign in again to carry on.",
    sessions.Ended.ENDED: "You were signed out because this session was ended: for example you signed out "
    "everywhere else, or your password was changed. Sign in again to carry on.",
}

#: Flask-Login's keys in the session cookie.
_LOGIN_KEYS = ("_user_id", "_fresh", "_id")


def load_user(key: str) -> User | None:
    """Flask-Login's user loader, run at the start of every request (``web.py``) with the session's key."""
    result = sessions.resume(key)
    if result.wrote:
        db.session.commit()  # at the start of the request, before the view has changed anything
    if result.user is not None:
        return result.user
    for name in _LOGIN_KEYS:
        session.pop(name, None)  # so the message is given once
    timeout = sessions.idle_timeout_text(result.idle_user) if result.idle_user is not None else ""
    flash(SIGNED_OUT[result.ended].format(timeout=timeout), "info")
    g.signed_out_message_given = True
    return None


def unauthorized():
    """A signed-in page asked for without a session: to the sign-in page, and back afterwards."""
    if not g.get("signed_out_message_given"):
        flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def log_in(user: User) -> None:
    """Put the session the service started for ``user`` (``sessions.start``, committed) into this browser's
    cookie. A session the browser held before (someone else's, say, on a shared computer) ends."""
    previous = current_user.session_key if current_user.is_authenticated else None
    if previous and previous != user.session_key:
        with unit_of_work():
            sessions.end(previous)
    logout_user()
    login_user(user)


# --- the known-device cookie -------------------------------------------------------------------------------

DEVICE_COOKIE = "known_device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60
#: Accounts remembered on one browser (a family computer shared by a parent and children).
DEVICE_COOKIE_ACCOUNTS = 5


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="virtualacademy.known-device")


def known_devices() -> dict[int, str]:
    """The accounts this browser has signed in to before, each with the browser's key for it (checked)."""
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return {}
    try:
        data = _device_serializer().loads(value, max_age=DEVICE_COOKIE_MAX_AGE)
    except BadSignature:
        return {}
    if not isinstance(data, list):
        return {}
    known = {}
    for entry in data:
        if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int) and isinstance(entry[1], str):
            known[entry[0]] = entry[1]
    return known


def remember_device(response, user: User):
    """Mark this browser as one ``user`` signs in on (after a correct password)."""
    known = known_devices()
    nonce = known.pop(user.id, None) or secrets.token_urlsafe(16)
    entries = [[user.id, nonce], *([uid, n] for uid, n in known.items())][:DEVICE_COOKIE_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps(entries),
        max_age=DEVICE_COOKIE_MAX_AGE,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )
    return response
