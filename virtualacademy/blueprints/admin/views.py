from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from virtualacademy.blueprints.admin import bp
from virtualacademy.blueprints.admin.forms import AuditFilterForm, ConfirmForm, EditUserForm, InviteStaffForm
from virtualacademy.inputs import paginate
from virtualacademy.models import Role, User
from virtualacademy.policies import get_or_404, requires_roles, scoped
from virtualacademy.services import accounts, audit, throttle
from virtualacademy.unit_of_work import unit_of_work


@bp.route("/users")
@requires_roles(Role.ADMIN)
def users():
    role = request.args.get("role") or None
    stmt = scoped(current_user, select(User)).order_by(User.name)
    if role:
        if role not in {r.value for r in Role}:
            abort(404)
        from virtualacademy.models import UserRole

        stmt = stmt.join(UserRole).where(UserRole.role == Role(role))
    page = paginate(stmt, per_page=50)
    return render_template("admin/users.html", page=page, role=role, roles=list(Role))


@bp.route("/users/invite", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def invite_staff():
    form = InviteStaffForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            user = accounts.invite(current_user, form.email.data, form.name.data, form.roles.data)
        if work.ok:
            flash(f"Invitation sent to {user.email}.", "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/invite.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def user_detail(user_id: int):
    user = get_or_404(User, user_id, "manage")
    form = EditUserForm(obj=None if request.method == "POST" else user)
    if request.method == "GET":
        form.roles.data = sorted(r.value for r in user.roles)
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            accounts.update_name(current_user, user, form.name.data)
            accounts.set_roles(current_user, user, form.roles.data or [])
        if work.ok:
            flash("Changes saved.", "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template(
        "admin/user_detail.html",
        user=user,
        form=form,
        confirm=ConfirmForm(),
        failed_sign_ins=throttle.state_for(user),
    )


def _user_action(user_id: int, action, message: str):
    user = get_or_404(User, user_id, "manage")
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        action(user)
    if work.ok:
        flash(message.format(user=user), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@requires_roles(Role.ADMIN)
def deactivate_user(user_id: int):
    return _user_action(
        user_id, lambda u: accounts.set_active(current_user, u, False), "{user.name} can no longer sign in."
    )


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@requires_roles(Role.ADMIN)
def reactivate_user(user_id: int):
    return _user_action(user_id, lambda u: accounts.set_active(current_user, u, True), "{user.name} can sign in again.")


@bp.route("/users/<int:user_id>/resend-invitation", methods=["POST"])
@requires_roles(Role.ADMIN)
def resend_invitation(user_id: int):
    return _user_action(
        user_id, lambda u: accounts.send_invitation(current_user, u), "A new invitation has been sent to {user.email}."
    )


@bp.route("/users/<int:user_id>/clear-sign-in-delay", methods=["POST"])
@requires_roles(Role.ADMIN)
def clear_sign_in_delay(user_id: int):
    return _user_action(
        user_id,
        lambda u: accounts.clear_failed_sign_ins(current_user, u),
        "{user.name}'s failed sign-ins have been cleared: they can sign in straight away.",
    )


@bp.route("/audit")
@requires_roles(Role.ADMIN)
def audit_log():
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", "Any action")] + [SelectChoice(a) for a in audit.actions()]
    filters = audit.AuditFilter()
    if request.args and form.validate():
        filters = audit.AuditFilter(
            action=form.action.data or None,
            actor_email=form.actor_email.data or None,
            object_type=form.object_type.data or None,
            object_id=form.object_id.data or None,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
    page = paginate(audit.query(filters), per_page=50)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("admin/audit_log.html", form=form, page=page, args=args)
