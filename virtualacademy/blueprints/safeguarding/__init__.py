from flask import Blueprint

from virtualacademy import dashboards, navigation
from virtualacademy.models import Role

bp = Blueprint("safeguarding", __name__, url_prefix="/safeguarding")

navigation.register(
    navigation.NavItem(
        "Safeguarding",
        "safeguarding.index",
        roles=(Role.SAFEGUARDING_LEAD,),
        order=60,
        sections=(r"/safeguarding/(?!raise)",),
    )
)
# Every other member of staff can raise a concern from any page (leads do it from the Safeguarding page).
navigation.register(
    navigation.NavItem(
        "Raise a concern",
        "safeguarding.raise_concern",
        roles=(Role.MENTOR, Role.COORDINATOR, Role.EXAMS_OFFICER, Role.ADMIN),
        order=61,
    )
)


def _lead_panel(user) -> dict:
    from virtualacademy.services import safeguarding

    return {"open_count": safeguarding.open_count()}


dashboards.register(
    dashboards.Panel(
        Role.SAFEGUARDING_LEAD, "Safeguarding concerns", "dashboard/safeguarding_panel.html", _lead_panel, order=10
    )
)

# Importing the views registers the routes.
