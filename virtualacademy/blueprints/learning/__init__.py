"""Learning: personal learning plans and reviews (``plan_views``), and the learning log, portfolio
evidence, exhibitions and the record of achievement (``log_views``)."""

from flask import Blueprint

bp = Blueprint("learning", __name__, url_prefix="/learning")

from virtualacademy.blueprints.learning import log_views, plan_views  # noqa: E402,F401
