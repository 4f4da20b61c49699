"""The app factory, configuration, health check, security headers and error pages."""

import pytest
from sqlalchemy import text

from virtualacademy import create_app
from virtualacademy.extensions import db
from virtualacademy.models import AuditEvent


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "SECRET_KEY": "", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            {
                "APP_ENV": "production",
                "SECRET_KEY": "dev-only-insecure-secret-key",
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
            }
        )


def test_production_starts_with_a_real_secret_key_and_secure_cookies():
    app = create_app({"APP_ENV": "production", "SECRET_KEY": "x" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["HSTS"] is True


def test_database_url_selects_the_database():
    app = create_app({"APP_ENV": "development", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@localhost/x"})
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"


def test_sqlite_enforces_foreign_keys(app, db_session):
    if db.engine.dialect.name != "sqlite":
        assert db.engine.dialect.name == "postgresql"  # enforces them natively
        return
    assert db_session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_health_reports_ok_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_reports_503_when_the_database_is_unreachable(tmp_path):
    broken = create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}


def test_security_headers_on_every_page(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self' 'nonce-" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # only in production


def test_hsts_in_production():
    app = create_app({"APP_ENV": "production", "SECRET_KEY": "y" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    response = app.test_client().get("/privacy")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_each_request_gets_its_own_nonce(client):
    first = client.get("/privacy").headers["Content-Security-Policy"]
    second = client.get("/privacy").headers["Content-Security-Policy"]
    assert first != second


@pytest.mark.parametrize(
    ("path", "code", "heading"),
    [("/no-such-page", 404, "Page not found"), ("/sign-out", 405, "There is a problem with your request")],
)
def test_error_pages_in_the_page_style(client, path, code, heading):
    response = client.get(path)
    assert response.status_code == code
    body = response.get_data(as_text=True)
    assert heading in body
    assert "govuk-template" in body
    assert "Traceback" not in body


def test_oversized_request_gets_a_clear_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = client.post("/sign-in", data={"email": "a" * 5000})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 25 * 1024 * 1024
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_unexpected_error_is_a_500_page_without_a_stack_trace(caplog):
    caplog.allow_unhandled = True
    app = create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    @app.route("/_boom_for_test")
    def _boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/_boom_for_test")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_csrf_failure_is_a_clear_400_and_audited(client, db_session):
    response = client.post("/sign-in", data={"email": "a@example.com", "password": "x"})
    assert response.status_code == 400
    assert "Your form could not be sent" in response.get_data(as_text=True)
    assert db_session.query(AuditEvent).filter_by(action="security.csrf_failure").count() == 1


def test_static_pages_render(client):
    for path, heading in [
        ("/", "Virtual Academy"),
        ("/privacy", "Privacy notice"),
        ("/accessibility", "Accessibility statement"),
    ]:
        response = client.get(path)
        assert response.status_code == 200
        assert heading in response.get_data(as_text=True)
