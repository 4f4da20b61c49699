from flask import Blueprint

from virtualacademy import dashboards, navigation
from virtualacademy.models import Role

bp = Blueprint("families", __name__)

navigation.register(
    navigation.NavItem("Your family", "families.family_home", roles=(Role.GUARDIAN,), order=10, sections=(r"/family",))
)
navigation.register(
    navigation.NavItem(
        "Applications", "families.applications", roles=(Role.ADMIN,), order=20, sections=(r"/applications",)
    )
)
navigation.register(
    navigation.NavItem(
        "Learners",
        "families.learners",
        roles=(Role.ADMIN, Role.COORDINATOR, Role.EXAMS_OFFICER),
        order=30,
        sections=(r"/learners", r"/families/"),
    )
)
navigation.register(
    navigation.NavItem(
        "Cohort", "families.cohort_profile", roles=(Role.ADMIN, Role.COORDINATOR), order=70, sections=(r"/cohort",)
    )
)


def _guardian_panel(user) -> dict:
    from virtualacademy.services import families

    mine = families.families_of(user)
    cards = families.child_cards(mine)
    return {
        "cards": [card for family in mine for card in cards[family.id]],
        "applications": families.open_applications_of(user),
    }


def _admin_panel(user) -> dict:
    from virtualacademy.services import families

    return {"waiting": families.applications_waiting()}


def _coordinator_panel(user) -> dict:
    from virtualacademy.services import families

    return {"summary": families.coordinator_summary(user)}


dashboards.register(
    dashboards.Panel(Role.GUARDIAN, "Your children", "dashboard/families_guardian.html", _guardian_panel, order=10)
)
dashboards.register(dashboards.Panel(Role.ADMIN, "Enrolment", "dashboard/families_admin.html", _admin_panel, order=10))
dashboards.register(
    dashboards.Panel(
        Role.COORDINATOR, "Your locality", "dashboard/families_coordinator.html", _coordinator_panel, order=10
    )
)

# The routes live in these modules; importing them registers them on `bp`.
