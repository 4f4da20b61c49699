from flask import Blueprint

bp = Blueprint("localities", __name__, url_prefix="/localities")

from virtualacademy.blueprints.localities import views  # noqa: E402,F401
