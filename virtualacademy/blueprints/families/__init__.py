from flask import Blueprint

bp = Blueprint("families", __name__)

from virtualacademy.blueprints.families import views  # noqa: E402,F401
