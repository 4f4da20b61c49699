from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user

from virtualacademy.blueprints.auth import bp
from virtualacademy.blueprints.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    ForgottenPasswordForm,
    NewPasswordForm,
    SignInForm,
)
from virtualacademy.blueprints.auth.login import known_devices, log_in, remember_device
from virtualacademy.blueprints.forms_common import safe_next
from virtualacademy.errors import InvalidToken
from virtualacademy.extensions import client_ip, limiter
from virtualacademy.models import UserSession
from virtualacademy.policies import get_or_404
from virtualacademy.services import accounts, sessions, throttle
from virtualacademy.unit_of_work import unit_of_work


def _not_signed_in(response) -> bool:
    """Attempts that did not sign in (the form shown again, or refused for now) count towards the flood limit."""
    return request.method == "POST" and response.status_code in (200, 429)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_not_signed_in)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = SignInForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        with unit_of_work(form, keep_failure=True) as work:  # a failure counts, and the audit log keeps it
            user = accounts.sign_in(
                form.email.data,
                form.password.data,
                ip=client_ip(),
                user_agent=request.user_agent.string,
                known_devices=known_devices(),
            )
        if work.ok:
            log_in(user)
            return remember_device(redirect(safe_next(form.next.data, url_for("main.dashboard"))), user)
        if isinstance(work.error, throttle.TooManyAttempts):
            status = 429
    return render_template("auth/sign_in.html", form=form), status


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    with unit_of_work():
        accounts.sign_out(current_user)
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/forgotten-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_IP"], methods=["POST"])
def forgotten_password():
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        with unit_of_work():
            accounts.request_password_reset(form.email.data)
        return render_template("auth/reset_sent.html", email=form.email.data.strip())
    return render_template("auth/forgotten_password.html", form=form)


def _token_page(token: str, purpose: str, template: str, action):
    try:
        user = accounts.user_for_token(token, purpose)
    except InvalidToken as error:
        return render_template("auth/link_invalid.html", message=error.message), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            user = action(token, form.password.data, user_agent=request.user_agent.string)
        if work.ok:
            log_in(user)
            flash("Your password has been saved and you are signed in.", "success")
            return remember_device(redirect(url_for("main.dashboard")), user)
    return render_template(template, form=form, user=user)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _token_page(token, accounts.RESET, "auth/reset_password.html", accounts.reset_password)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _token_page(token, accounts.INVITATION, "auth/accept_invitation.html", accounts.accept_invitation)


@bp.route("/account")
@login_required
def account():
    return render_template(
        "auth/account.html",
        devices=sessions.for_user(current_user, current_user.current_session_id),
        this_session=current_user.current_session_id,
        idle_timeout=sessions.idle_timeout_text(current_user),
        confirm=ConfirmForm(),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        # A wrong current password counts, and the audit log keeps it.
        with unit_of_work(form, keep_failure=True) as work:
            accounts.change_password(
                current_user,
                form.current_password.data,
                form.new_password.data,
                ip=client_ip(),
                known_devices=known_devices(),
            )
        if work.ok:
            flash("Your password has been changed. Any other devices have been signed out.", "success")
            return redirect(url_for("auth.account"))
        if isinstance(work.error, throttle.TooManyAttempts):
            status = 429
    return render_template("auth/change_password.html", form=form), status


@bp.route("/account/sign-out-everywhere-else", methods=["POST"])
@login_required
def sign_out_everywhere_else():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        ended = sessions.sign_out_everywhere_else(current_user, current_user.current_session_id)
    if ended:
        flash(f"You have been signed out on {ended} other device{'s' if ended != 1 else ''}.", "success")
    else:
        flash("You were not signed in anywhere else.", "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/devices/<int:session_id>/sign-out", methods=["POST"])
@login_required
def sign_out_device(session_id: int):
    device = get_or_404(UserSession, session_id, "end")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if device.id == current_user.current_session_id:
        return sign_out()
    with unit_of_work():
        sessions.sign_out_device(current_user, device)
    flash(f"{device.device} has been signed out.", "success")
    return redirect(url_for("auth.account"))
