"""Data-protection requests (admin only): what the academy holds about a family, the
subject-access export, and erasure once the retention period has ended."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from virtualacademy import clock
from virtualacademy.blueprints.families import bp
from virtualacademy.models import Family, Role
from virtualacademy.policies import get_or_404, requires_roles
from virtualacademy.services import data_protection
from virtualacademy.unit_of_work import unit_of_work


def _family(family_id: int) -> Family:
    # Family has no "manage" rule, so only admins pass (and anyone else gets a 404).
    return get_or_404(Family, family_id, "manage")


def _page(family: Family, error: str | None = None):
    data = data_protection.subject_access(family)
    return render_template(
        "families/data_protection.html",
        family=family,
        data=data,
        holdings=data_protection.holdings(data),
        erasure=data_protection.erasure_state(family, clock.now()),
        retention_age=data_protection.retention_age_years(),
        error=error,
    )


def _back(family: Family):
    return redirect(url_for("families.family_data", family_id=family.id))


@bp.route("/families/<int:family_id>/data")
@requires_roles(Role.ADMIN)
def family_data(family_id: int):
    return _page(_family(family_id))


@bp.route("/families/<int:family_id>/data/export", methods=["POST"])
@requires_roles(Role.ADMIN)
def export_family_data(family_id: int):
    family = _family(family_id)
    with unit_of_work():
        export = data_protection.export(current_user, family, clock.now())
    response = Response(export.content, mimetype="application/zip")
    response.headers.set("Content-Disposition", "attachment", filename=export.filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/families/<int:family_id>/data/erasure", methods=["POST"])
@requires_roles(Role.ADMIN)
def request_family_erasure(family_id: int):
    family = _family(family_id)
    with unit_of_work(quiet=True) as work:  # the page shows the problem
        due = data_protection.request_erasure(current_user, family, clock.now())
    if not work.ok:
        return _page(family, work.error.message)
    if data_protection.why_not_erasable(family, clock.now()) is None:
        when = "tonight, unless you erase it now or cancel the request"  # the retention period is over
    else:
        when = f"on {due:%-d %B %Y}"
    flash(f"Erasure requested. The family's personal data will be erased {when}.", "success")
    return _back(family)


@bp.route("/families/<int:family_id>/data/erasure/cancel", methods=["POST"])
@requires_roles(Role.ADMIN)
def cancel_family_erasure(family_id: int):
    family = _family(family_id)
    with unit_of_work(quiet=True) as work:
        data_protection.cancel_erasure(current_user, family)
    if not work.ok:
        return _page(family, work.error.message)
    flash("The erasure request has been cancelled. Nothing was erased.", "success")
    return _back(family)


@bp.route("/families/<int:family_id>/data/erase", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def erase_family_now(family_id: int):
    """Erase now rather than wait for tonight's job: only once the retention period has ended."""
    family = _family(family_id)
    if request.method == "POST":
        with unit_of_work(quiet=True) as work:
            data_protection.erase_family(family, clock.now(), actor=current_user)
        if not work.ok:
            return _page(family, work.error.message)
        flash(f"Family {family.reference}'s personal data has been erased.", "success")
        return _back(family)
    problem = data_protection.why_not_erasable(family, clock.now())
    if problem:
        flash(problem, "error")
        return _back(family)
    return render_template(
        "families/data_protection_erase.html", family=family, erasure=data_protection.erasure_state(family)
    )
