from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from virtualacademy import clock
from virtualacademy.blueprints.localities import bp
from virtualacademy.blueprints.localities.forms import LocalityForm, LocalityStaffForm
from virtualacademy.extensions import db
from virtualacademy.models import Locality, LocalityRole, Role, User, UserRole
from virtualacademy.policies import can, get_or_404, requires_roles
from virtualacademy.services import localities
from virtualacademy.unit_of_work import unit_of_work


@bp.route("/")
@requires_roles(Role.ADMIN)
def index():
    return render_template(
        "localities/index.html",
        localities=localities.all_localities(),
        on_roll=localities.numbers_on_roll(clock.today()),
        coordinators=localities.staff_names(LocalityRole.COORDINATOR),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def new():
    form = LocalityForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            locality = localities.save_locality(
                current_user, None, form.name.data, form.districts.data, form.active.data
            )
        if work.ok:
            flash(f"{locality.name} has been added.", "success")
            return redirect(url_for("localities.detail", locality_id=locality.id))
    return render_template("localities/form.html", form=form, locality=None)


@bp.route("/<int:locality_id>", methods=["GET", "POST"])
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def detail(locality_id: int):
    locality = get_or_404(Locality, locality_id, "view")
    if not can(current_user, "manage", locality):
        # The coordinator who runs it reads its page; only those who manage it (admins) change it.
        if request.method != "GET":
            abort(403)
        return render_template(
            "localities/detail.html",
            locality=locality,
            on_roll=localities.numbers_on_roll(clock.today(), within=[locality.id]).get(locality.id, 0),
            coordinators=localities.staff_of(locality, LocalityRole.COORDINATOR),
            mentors=localities.staff_of(locality, LocalityRole.MENTOR),
        )
    form = LocalityForm(obj=None if request.method == "POST" else locality)
    if request.method == "GET":
        form.districts.data = ", ".join(locality.district_list)
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            localities.save_locality(current_user, locality, form.name.data, form.districts.data, form.active.data)
        if work.ok:
            flash("Changes saved.", "success")
            return redirect(url_for("localities.detail", locality_id=locality.id))
    return render_template(
        "localities/form.html",
        form=form,
        locality=locality,
        coordinators=localities.staff_of(locality, LocalityRole.COORDINATOR),
        mentors=localities.staff_of(locality, LocalityRole.MENTOR),
    )


def _people_with(role: Role) -> list[SelectChoice]:
    users = db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == role, User.active.is_(True)).order_by(User.name)
    )
    return [SelectChoice(u.id, f"{u.name} ({u.email})") for u in users]


@bp.route("/<int:locality_id>/staff", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def staff(locality_id: int):
    locality = get_or_404(Locality, locality_id, "manage")
    form = LocalityStaffForm()
    form.coordinators.choices = _people_with(Role.COORDINATOR)
    form.mentors.choices = _people_with(Role.MENTOR)
    if request.method == "GET":
        form.coordinators.data = [u.id for u in localities.staff_of(locality, LocalityRole.COORDINATOR)]
        form.mentors.data = [u.id for u in localities.staff_of(locality, LocalityRole.MENTOR)]
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            localities.set_staff(current_user, locality, form.coordinators.data or [], form.mentors.data or [])
        if work.ok:
            flash("Staff saved.", "success")
            return redirect(url_for("localities.detail", locality_id=locality.id))
    return render_template("localities/staff.html", form=form, locality=locality)
