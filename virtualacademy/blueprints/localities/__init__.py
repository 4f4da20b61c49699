from flask import Blueprint

from virtualacademy import navigation
from virtualacademy.models import Role

bp = Blueprint("localities", __name__, url_prefix="/localities")

navigation.register(
    navigation.NavItem("Localities", "localities.index", roles=(Role.ADMIN,), order=80, sections=(r"/localities",))
)
