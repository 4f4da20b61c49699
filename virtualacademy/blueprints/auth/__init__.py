from flask import Blueprint

bp = Blueprint("auth", __name__)

from virtualacademy.blueprints.auth import views  # noqa: E402,F401
