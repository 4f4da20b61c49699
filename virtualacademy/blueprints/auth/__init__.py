from flask import Blueprint

bp = Blueprint("auth", __name__)

from virtualacademy.blueprints.auth import jobs, views  # noqa: E402,F401  (views, and jobs: its scheduled jobs)
