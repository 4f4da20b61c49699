from flask import Blueprint

from virtualacademy import clock, dashboards, navigation
from virtualacademy.models import Role

bp = Blueprint("mentoring", __name__)

navigation.register(
    navigation.NavItem("Caseload", "mentoring.caseload", roles=(Role.MENTOR,), order=5, sections=(r"/caseload",))
)
navigation.register(
    navigation.NavItem(
        "Mentoring",
        "mentoring.unassigned",
        roles=(Role.ADMIN, Role.COORDINATOR),
        order=40,
        sections=(r"/mentoring/", r"/caseload/learners/"),
    )
)


def _mentor_panel(user) -> dict:
    from virtualacademy.services import mentoring

    rows = mentoring.caseload(user, clock.today())
    counts = {status: 0 for status in mentoring.ContactStatus}
    for row in rows:
        counts[row.state.status] += 1
    return {"counts": counts, "total": len(rows), "labels": mentoring.CONTACT_STATUS_LABELS}


def _unassigned_panel(user) -> dict:
    from sqlalchemy import func, select

    from virtualacademy.extensions import db
    from virtualacademy.policies.relations import overseen_localities
    from virtualacademy.services import mentoring

    query = mentoring.unassigned_learners(clock.today(), overseen_localities(user)).order_by(None)
    return {"unassigned": db.session.scalar(select(func.count()).select_from(query.subquery()))}


dashboards.register(
    dashboards.Panel(Role.MENTOR, "Your caseload", "dashboard/mentoring_mentor.html", _mentor_panel, order=10)
)
dashboards.register(
    dashboards.Panel(Role.ADMIN, "Mentoring", "dashboard/mentoring_unassigned.html", _unassigned_panel, order=5)
)
dashboards.register(
    dashboards.Panel(Role.COORDINATOR, "Mentoring", "dashboard/mentoring_unassigned.html", _unassigned_panel, order=20)
)

from virtualacademy.services import mentoring_privacy  # noqa: E402,F401  (registers its data-protection section)
