"""The academy overview (admins) and the locality overview (coordinators): figures for a term or a period, with
charts and the tables behind them, each figure beside the academy's and the spread across localities."""

from flask import Blueprint

from virtualacademy import navigation
from virtualacademy.models import Role

bp = Blueprint("overview", __name__, url_prefix="/overview")

navigation.register(
    navigation.NavItem(
        "Overview", "overview.index", roles=(Role.ADMIN, Role.COORDINATOR), order=3, sections=(r"/overview",)
    )
)
