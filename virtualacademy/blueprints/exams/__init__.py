"""Readiness-based exam entry: the catalogue, series and centres, readiness judgements, entries, access
arrangements, fees, statements of entry and results."""

from flask import Blueprint

bp = Blueprint("exams", __name__, url_prefix="/exams")

from virtualacademy.blueprints.exams import jobs  # noqa: E402,F401  (its scheduled jobs)
from virtualacademy.services.exams import privacy  # noqa: E402,F401  (registers its data-protection section)
