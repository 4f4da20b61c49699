"""Readiness-based exam entry: the catalogue, series and centres, readiness judgements, entries, access
arrangements, fees, statements of entry and results."""

from flask import Blueprint

from virtualacademy import dashboards, navigation
from virtualacademy.models import Role

bp = Blueprint("exams", __name__, url_prefix="/exams")


def _officer_panel(_user) -> dict:
    from virtualacademy.services.exams import pages

    return {"board": pages.officer_dashboard()}


def _coordinator_panel(user) -> dict:
    from virtualacademy.services.exams import pages

    return {"counts": pages.coordinator_counts(user)}


navigation.register(
    navigation.NavItem(
        "Exams", "exams.index", roles=(Role.EXAMS_OFFICER, Role.ADMIN), order=60, sections=(r"/exams/(?!family)",)
    )
)
navigation.register(
    navigation.NavItem(
        "Exams", "exams.family", roles=(Role.GUARDIAN, Role.LEARNER), order=60, sections=(r"/exams/(family|learners/)",)
    )
)
dashboards.register(
    dashboards.Panel(Role.COORDINATOR, "Exam entries", "dashboard/exams_coordinator.html", _coordinator_panel, order=40)
)
dashboards.register(
    dashboards.Panel(Role.EXAMS_OFFICER, "Exams to do", "dashboard/exams_officer_panel.html", _officer_panel, order=5)
)

from virtualacademy.services.exams import privacy  # noqa: E402,F401  (registers its data-protection section)
