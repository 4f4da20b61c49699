"""Learning: personal learning plans and reviews (``plan_views``), and the learning log, portfolio
evidence, exhibitions and the record of achievement (``log_views``)."""

from flask import Blueprint

from virtualacademy import clock, dashboards
from virtualacademy.models import Role

bp = Blueprint("learning", __name__, url_prefix="/learning")


def _exams_panel(user) -> dict:
    from virtualacademy.services import learning_plans

    count, goals = learning_plans.exam_goals(clock.today())
    return {"count": count, "goals": goals}


dashboards.register(
    dashboards.Panel(
        Role.EXAMS_OFFICER, "Learners working towards exams", "dashboard/learning_exams.html", _exams_panel, order=10
    )
)
