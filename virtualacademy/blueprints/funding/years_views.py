"""Funding years, census runs, central and locality money, year-end and the academy overview."""

from flask import render_template

from virtualacademy.blueprints.funding import bp
from virtualacademy.models import Role
from virtualacademy.policies import requires_roles


@bp.route("/")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def index():
    return render_template("funding/index.html")
