from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required

from virtualacademy import dashboards
from virtualacademy.blueprints.main import bp
from virtualacademy.services import health


@bp.route("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("main/home.html")


@bp.route("/dashboard")
@login_required
def dashboard():
    return render_template("main/dashboard.html", sections=dashboards.sections_for(current_user))


@bp.route("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.route("/accessibility")
def accessibility():
    return render_template("main/accessibility.html")


@bp.route("/healthz")
def healthz():
    ok = health.database_ok()
    body = {"status": "ok" if ok else "error", "database": "ok" if ok else "unreachable"}
    return jsonify(body), 200 if ok else 503


@bp.route("/healthz/floor")
def healthz_floor():
    """The page benchmarks' floor: the app with one indexed query. Says only whether it answered."""
    ok = health.floor_ok()
    return jsonify({"status": "ok" if ok else "error"}), 200 if ok else 503
