"""Inviting parents and carers who have no account to sign in: every family with a child on roll (for families
imported from an authority's list, who never applied online), or one family from a learner's page."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from virtualacademy import clock
from virtualacademy.blueprints.families import bp
from virtualacademy.blueprints.forms_common import Form
from virtualacademy.models import Learner, Role
from virtualacademy.policies import get_or_404, requires_roles
from virtualacademy.services import families
from virtualacademy.unit_of_work import unit_of_work


class InviteForm(Form):
    submit = SubmitField("Send invitations", widget=GovSubmitInput())


def _people(n: int) -> str:
    return f"{n:,} parent{'' if n == 1 else 's'} or carer{'' if n == 1 else 's'}"


def _message(run: families.InvitationRun) -> str:
    parts = []
    if run.invited:
        parts.append(f"Invited {_people(run.invited)} to set a password and sign in.")
    if run.asked_to_accept:
        parts.append(
            f"{_people(run.asked_to_accept)} already sign in with their email address: each has been sent an "
            "invitation to accept, signed in as themselves."
        )
    if run.no_email:
        parts.append(f"{_people(run.no_email)} could not be invited: no email address.")
    return " ".join(parts) or "Nobody needed inviting."


@bp.route("/families/invitations", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def invitations():
    form = InviteForm()
    today = clock.today()
    if form.validate_on_submit():
        with unit_of_work():
            run = families.invite_uninvited(current_user, today, limit=families.INVITE_BATCH)
        left = families.uninvited_summary(today).to_invite
        message = _message(run)
        if left:
            message += f" {_people(left)} still to invite: send the next invitations below."
        flash(message, "success")
        return redirect(url_for("families.invitations"))
    return render_template(
        "families/invitations.html",
        form=form,
        summary=families.uninvited_summary(today),
        batch=families.INVITE_BATCH,
    )


@bp.route("/learners/<int:learner_id>/invite-guardians", methods=["POST"])
@requires_roles(Role.ADMIN)
def invite_learners_guardians(learner_id: int):
    learner = get_or_404(Learner, learner_id, "view")
    if InviteForm().validate_on_submit():
        with unit_of_work():
            run = families.invite_family(current_user, learner.family)
        flash(_message(run), "success")
    return redirect(url_for("families.learner_detail", learner_id=learner.id) + "#parents-and-carers")
