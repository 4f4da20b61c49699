"""Request-wide behaviour: security headers, error pages, template helpers."""

from __future__ import annotations

import logging
import secrets
import time
from datetime import date, timedelta

from flask import Flask, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from virtualacademy import clock, money, navigation
from virtualacademy.context import request_ip
from virtualacademy.extensions import client_ip
from virtualacademy.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

ERROR_PAGES = {
    400: (
        "There is a problem with your request",
        "The page could not understand what was sent. Go back and try again.",
    ),
    403: ("You do not have permission to see this page", "If you think you should, ask the academy's admin team."),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted it, check you copied the whole address.",
    ),
    405: ("There is a problem with your request", "This page cannot be used in that way. Go back and try again."),
    413: (
        "The file or form is too large",
        "What you sent is larger than the academy accepts. Make it smaller and try again.",
    ),
    429: ("Too many attempts", "You have tried too many times in a short while. Wait a few minutes, then try again."),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. Nothing you entered has been saved if you saw this page after sending a form.",
    ),
}


def _rate_limit_message() -> str | None:
    """When the limit a request broke lets it try again, in the academy's time (the limiter counts in real time)."""
    from virtualacademy.extensions import limiter
    from virtualacademy.services.throttle import wait_text

    limit = limiter.current_limit
    if limit is None or not limit.breached:
        return None
    now = clock.now()
    retry_at = now + timedelta(seconds=max(1.0, limit.reset_at - time.time()))
    return f"You have tried too many times in a short while. {wait_text(retry_at, now)}"


def init_app(app: Flask) -> None:
    """Request-wide behaviour, in this order: the proxy's headers trusted (in production), the request's context,
    the security headers, the error pages, and the template filters and globals."""
    _trust_proxy(app)
    _add_request_context(app)
    _add_security_headers(app)
    _add_error_pages(app)
    _add_template_helpers(app)


def _trust_proxy(app: Flask) -> None:
    """Behind the production proxy: the client's address, scheme and host from its ``X-Forwarded-*`` headers."""
    if app.config.get("ENV_NAME") == "production" or app.config.get("TRUST_PROXY"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)


def _add_request_context(app: Flask) -> None:
    """Per request: the CSP nonce, the client's address for the audit log, and the browser's session checked."""

    @app.before_request
    def _request_context():
        g.csp_nonce = secrets.token_urlsafe(16)
        g.request_ip_token = request_ip.set(client_ip())
        # Check the browser's session now, before any view runs: it may end it, or note that it was used.
        _ = current_user.is_authenticated

    @app.teardown_request
    def _reset_context(_exc):
        token = g.pop("request_ip_token", None)
        if token is not None:
            request_ip.reset(token)


def _add_security_headers(app: Flask) -> None:
    """Every response's security headers (CSP with the request's nonce, framing, sniffing, referrer, HSTS)."""

    @app.after_request
    def _security_headers(response):
        nonce = g.get("csp_nonce", "")
        response.headers.setdefault(  # a stored file's response sets its own, stricter one (uploads.py)
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'",
        )
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if app.config.get("HSTS"):
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if current_user and current_user.is_authenticated:
            # Pages about children are never kept in shared caches or the back/forward cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _add_error_pages(app: Flask) -> None:
    """A page for a refused form (CSRF), for each HTTP error, and for anything unexpected (rolled back)."""

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        from virtualacademy.services import audit

        with unit_of_work():
            audit.record("security.csrf_failure", detail={"path": request.path, "reason": error.description})
        return (
            render_template(
                "errors/error.html",
                code=400,
                title="Your form could not be sent",
                message="The page had been open too long or was sent from somewhere else, so it was not accepted. "
                "Go back, reload the page and try again.",
            ),
            400,
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        code = error.code or 500
        title, message = ERROR_PAGES.get(code, (error.name, error.description))
        if code == 429:
            from virtualacademy.services import audit

            with unit_of_work():
                audit.record("security.rate_limited", detail={"path": request.path, "limit": str(error.description)})
            message = _rate_limit_message() or message
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("Unhandled error on %s %s", request.method, request.path)
        from virtualacademy.extensions import db

        db.session.rollback()  # what a unit of work had not rolled back already
        title, message = ERROR_PAGES[500]
        return render_template("errors/error.html", code=500, title=title, message=message), 500


class _UnreadNotifications:
    """The signed-in user's unread notifications, counted when a template first shows them (the page's layout),
    so the panels a dashboard renders on their own never count them."""

    def __init__(self) -> None:
        self._count: int | None = None

    def __int__(self) -> int:
        if self._count is None:
            self._count = 0
            if current_user and current_user.is_authenticated:
                from virtualacademy.services.notifications import unread_count

                self._count = unread_count(current_user)
        return self._count

    def __bool__(self) -> bool:
        return int(self) > 0

    def __str__(self) -> str:
        return str(int(self))

    def __eq__(self, other: object) -> bool:
        return int(self) == other

    __hash__ = None  # type: ignore[assignment]


def _add_template_helpers(app: Flask) -> None:
    """Template filters (London dates and times, money) and the globals every page uses."""
    app.add_template_filter(clock.local_datetime, "local_datetime")
    app.add_template_filter(clock.long_date, "long_date")
    long_date = clock.long_date

    @app.template_filter("iso_long_date")
    def iso_long_date(value: str | None) -> str:
        """An ISO date string (as kept in JSON answers) shown as a long date."""
        return long_date(date.fromisoformat(value)) if value else ""

    @app.template_filter("zip_with")
    def zip_with(left, right) -> list[tuple]:
        """Pair two sequences for a chart: names with values (None becomes 0)."""
        return [(a, b or 0) for a, b in zip(list(left), list(right), strict=True)]

    # Integer pence shown as pounds: 123456 -> £1,234.56; -250 -> −£2.50 (``money.pounds``).
    app.add_template_filter(money.pounds, "money")

    @app.context_processor
    def _template_globals():
        return {
            "unread_notifications": _UnreadNotifications(),
            "academy_name": app.config["ACADEMY_NAME"],
            "cspNonce": g.get("csp_nonce"),
            "navigation": navigation.items_for(current_user),
        }
