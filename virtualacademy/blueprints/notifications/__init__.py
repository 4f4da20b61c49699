from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from virtualacademy.blueprints.notifications import views  # noqa: E402,F401
