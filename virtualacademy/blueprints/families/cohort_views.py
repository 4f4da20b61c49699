"""The cohort profile page and its CSV."""

from datetime import date

from flask import render_template, request
from flask_login import current_user

from virtualacademy import clock, csv_export
from virtualacademy.blueprints.families import bp
from virtualacademy.blueprints.families.charts import cohort_charts
from virtualacademy.blueprints.families.forms import CohortDateForm
from virtualacademy.models import Role
from virtualacademy.policies import requires_roles
from virtualacademy.policies.relations import overseen_localities
from virtualacademy.services import cohort


def _scope() -> list[int] | None:
    """Admins see the whole academy; a coordinator sees their own locality."""
    return overseen_localities(current_user)


def _date(form: CohortDateForm) -> date:
    if request.args and form.validate() and form.on.data:
        return form.on.data
    return clock.today()


@bp.route("/cohort")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def cohort_profile():
    form = CohortDateForm(request.args)
    on = _date(form)
    profile = cohort.profile(on, _scope())
    return render_template("families/cohort.html", profile=profile, charts=cohort_charts(profile), form=form, on=on)


@bp.route("/cohort.csv")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def cohort_csv():
    form = CohortDateForm(request.args)
    on = _date(form)
    return csv_export.response(cohort.as_csv_rows(cohort.profile(on, _scope())), f"cohort-{on.isoformat()}.csv")
