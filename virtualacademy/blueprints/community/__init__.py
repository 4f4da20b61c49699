"""Locality community: events, bookings and waiting lists, registers, calendar feeds, opportunities,
announcements and conversations (the pages come with their views; the jobs and data-protection section are
registered here)."""

from flask import Blueprint

bp = Blueprint("community", __name__, url_prefix="/community")

from virtualacademy.blueprints.community import jobs  # noqa: E402,F401  (its scheduled jobs)
from virtualacademy.services.community import privacy  # noqa: E402,F401  (registers its data-protection section)
