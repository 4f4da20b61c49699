from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from virtualacademy.blueprints.auth import bp
from virtualacademy.blueprints.auth.forms import (
    ChangePasswordForm,
    ForgottenPasswordForm,
    NewPasswordForm,
    SignInForm,
)
from virtualacademy.blueprints.forms_common import safe_next, show_domain_error
from virtualacademy.errors import DomainError, InvalidToken
from virtualacademy.extensions import db, form_email, limiter
from virtualacademy.services import accounts


def _failed(response) -> bool:
    """Only failed sign-ins (the form shown again) count towards the limits."""
    return response.status_code == 200 and request.method == "POST"


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=form_email, methods=["POST"], deduct_when=_failed
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except DomainError as error:
            db.session.commit()  # keep the audit record of the failure
            show_domain_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            return redirect(safe_next(form.next.data, url_for("main.dashboard")))
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    accounts.record_sign_out(current_user)
    db.session.commit()
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/forgotten-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_IP"], methods=["POST"])
def forgotten_password():
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("auth/reset_sent.html", email=form.email.data.strip())
    return render_template("auth/forgotten_password.html", form=form)


def _token_page(token: str, purpose: str, template: str, action):
    try:
        user = accounts.user_for_token(token, purpose)
    except InvalidToken as error:
        return render_template("auth/link_invalid.html", message=error.message), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = action(token, form.password.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            logout_user()
            login_user(user)
            flash("Your password has been saved and you are signed in.", "success")
            return redirect(url_for("main.dashboard"))
    return render_template(template, form=form, user=user)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _token_page(token, accounts.RESET, "auth/reset_password.html", accounts.reset_password)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _token_page(token, accounts.INVITATION, "auth/accept_invitation.html", accounts.accept_invitation)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except DomainError as error:
            db.session.commit()  # keep the audit record of a wrong current password
            show_domain_error(form, error)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # the session carries the new stamp
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/change_password.html", form=form)
