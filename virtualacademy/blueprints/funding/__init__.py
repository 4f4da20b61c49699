"""Devolved funding: years and census runs, budgets, spending and statements.

Routes live in two modules: ``years_views`` (funding years, census runs, central and locality money,
year-end, the academy overview) and ``spending_views`` (spend requests, locality spending, statements,
the family's and coordinator's views).
"""

from flask import Blueprint

from virtualacademy import navigation
from virtualacademy.models import Role

bp = Blueprint("funding", __name__, url_prefix="/funding")

navigation.register(
    navigation.NavItem(
        "Funding", "funding.index", roles=(Role.ADMIN, Role.COORDINATOR), order=50, sections=(r"/funding/",)
    )
)
navigation.register(
    navigation.NavItem(
        "Learning budgets", "funding.family_budgets", roles=(Role.GUARDIAN,), order=50, sections=(r"/funding/",)
    )
)
navigation.register(
    navigation.NavItem(
        "Learning budget", "funding.my_budget", roles=(Role.LEARNER,), order=51, sections=(r"/funding/",)
    )
)

from virtualacademy.services import spending_privacy  # noqa: E402,F401  (registers its data-protection section)
