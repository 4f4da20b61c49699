"""Termly progress reports: the mentor's comment page (with the term's data beside it), the families' and the
mentors' lists, the PDF download, and publishing a term's reports (docs/progress-reports.md)."""

from flask import Blueprint

from virtualacademy import dashboards, navigation
from virtualacademy.models import Role

bp = Blueprint("progress_reports", __name__, url_prefix="/reports", cli_group="reports")


def _mentor_panel(user) -> dict:
    from virtualacademy.services import progress_reports

    return {"due": progress_reports.reports_due(user)}


navigation.register(
    navigation.NavItem(
        "Progress reports",
        "progress_reports.family",
        roles=(Role.GUARDIAN, Role.LEARNER),
        order=65,
        sections=(r"/reports/$",),
    )
)
navigation.register(
    navigation.NavItem(
        "Progress reports",
        "progress_reports.caseload",
        roles=(Role.MENTOR, Role.ADMIN),
        order=65,
        sections=(r"/reports/(caseload|learners/|terms/|runs/)",),
    )
)
dashboards.register(
    dashboards.Panel(
        Role.MENTOR,
        "Progress reports to write this term",
        "progress_reports/dashboard_mentor.html",
        _mentor_panel,
        order=30,
    )
)
