"""Family enrolment: the public application, review by admin, the family's own view,
and withdrawal and re-enrolment."""

from datetime import date

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from virtualacademy import clock
from virtualacademy.blueprints.auth.login import log_in, remember_device
from virtualacademy.blueprints.families import bp
from virtualacademy.blueprints.families.forms import (
    AcceptForm,
    AddressForm,
    AnswerForm,
    ChildForm,
    ContactForm,
    DeclarationForm,
    DeclineForm,
    GuardianForm,
    InviteGuardianForm,
    InviteLearnerForm,
    JoinFamilyForm,
    LearnerDetailsForm,
    QuestionForm,
    ReEnrolForm,
    SecondGuardianForm,
    SetPasswordForm,
    SubmitApplicationForm,
    WithdrawForm,
)
from virtualacademy.blueprints.families.invitation_views import InviteForm
from virtualacademy.blueprints.families.summary import answer_sections
from virtualacademy.errors import InvalidToken
from virtualacademy.extensions import client_ip, db, form_email, limiter
from virtualacademy.inputs import int_arg, paginate
from virtualacademy.models import (
    ActionOwner,
    Application,
    ApplicationStatus,
    Guardian,
    Learner,
    Locality,
    Role,
    WithdrawalReason,
)
from virtualacademy.models.families import (
    APPLICATION_STATUS_LABELS,
    EHE_REASON_LABELS,
    SEND_STATUS_LABELS,
    WITHDRAWAL_REASON_LABELS,
)
from virtualacademy.models.mentoring import ACTION_OWNER_LABELS
from virtualacademy.policies import Relation, can, get_or_404, is_related, learner_records, requires_roles
from virtualacademy.services import families, guardian_invitations, localities, mentoring, sessions
from virtualacademy.services.overview.lists import LearnerFilter
from virtualacademy.unit_of_work import unit_of_work

DRAFT_KEY = "application_id"
SECTION_ENDPOINTS = {
    "guardian": "families.apply_guardian",
    "address": "families.apply_address",
    "second_guardian": "families.apply_second_guardian",
    "children": "families.apply_children",
    "declaration": "families.apply_declaration",
}
LABELS = {
    "reasons": EHE_REASON_LABELS,
    "send": SEND_STATUS_LABELS,
    "statuses": APPLICATION_STATUS_LABELS,
    "withdrawal_reasons": WITHDRAWAL_REASON_LABELS,
}


def _draft(required: bool = True) -> Application | None:
    application_id = session.get(DRAFT_KEY)
    application = db.session.get(Application, application_id) if application_id else None
    if application is not None and families.is_sent(application):
        application = None
    if application is None and required:
        abort(redirect(url_for("families.apply_start")))
    return application


def _next_page(application: Application, default: str) -> str:
    if request.args.get("change"):
        return url_for("families.apply_check")
    return url_for(default)


def _save(form, action, next_endpoint: str, application: Application | None):
    """Run a service action for a wizard page; on a broken rule show it on the form."""
    with unit_of_work(form) as work:
        result = action()
    if not work.ok:
        return None
    return redirect(_next_page(application or result, next_endpoint))


# --- the application -----------------------------------------------------------------


@bp.after_request
def _application_pages_are_never_stored(response):
    """An application holds a family's details (and a browser may be shared): no copy is kept in any cache.
    A response that chose its own caching keeps it."""
    if request.path == "/apply" or request.path.startswith("/apply/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _emailed(_response) -> bool:
    """Only a request that emailed a link (an application started, or its address changed) counts."""
    return bool(g.get("application_emailed"))


@bp.route("/apply")
def apply_start():
    return render_template("families/apply_start.html", draft=_draft(required=False))


@bp.route("/apply/your-details", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["APPLY_LIMIT_PER_IP"], methods=["POST"], deduct_when=_emailed)
@limiter.limit(
    lambda: current_app.config["APPLY_LIMIT_PER_EMAIL"], key_func=form_email, methods=["POST"], deduct_when=_emailed
)
def apply_guardian():
    application = _draft(required=False)
    data = (application.answers.get("guardian") if application else None) or {}
    form = GuardianForm(data=data)
    if form.validate_on_submit():
        values = {"name": form.name.data, "email": form.email.data, "phone": form.phone.data}
        if application is None:
            with unit_of_work(form) as work:
                application = families.start_application(values)
            if not work.ok:
                return render_template("families/apply_guardian.html", form=form)
            g.application_emailed = True
            session[DRAFT_KEY] = application.id
            return redirect(url_for("families.apply_address"))

        def save():
            g.application_emailed = families.save_guardian(application, values)

        response = _save(form, save, "families.apply_address", application)
        if response:
            return response
    return render_template("families/apply_guardian.html", form=form)


@bp.route("/apply/address", methods=["GET", "POST"])
def apply_address():
    application = _draft()
    form = AddressForm(data=application.answers.get("address") or {})
    if form.validate_on_submit():
        values = {k: getattr(form, k).data for k in ("line_1", "line_2", "town", "postcode")}
        response = _save(
            form, lambda: families.save_address(application, values), "families.apply_second_guardian", application
        )
        if response:
            return response
    return render_template("families/apply_address.html", form=form)


@bp.route("/apply/other-parent", methods=["GET", "POST"])
def apply_second_guardian():
    application = _draft()
    form = SecondGuardianForm(data=application.answers.get("second_guardian") or {})
    if form.validate_on_submit():
        values = {"name": form.name.data, "email": form.email.data, "phone": form.phone.data}
        response = _save(
            form, lambda: families.save_second_guardian(application, values), "families.apply_children", application
        )
        if response:
            return response
    return render_template("families/apply_second_guardian.html", form=form)


@bp.route("/apply/children")
def apply_children():
    application = _draft()
    return render_template("families/apply_children.html", application=application, labels=LABELS)


def _child_values(form: ChildForm) -> dict:
    return {name: field.data for name, field in form._fields.items() if name not in ("csrf_token", "submit")}


def _child_form_data(child: dict) -> dict:
    data = dict(child)
    for key in ("date_of_birth", "date_left_school", "ehcp_review_date"):
        if data.get(key):
            data[key] = date.fromisoformat(data[key])
    return data


@bp.route("/apply/children/add", methods=["GET", "POST"])
@bp.route("/apply/children/<int:index>", methods=["GET", "POST"])
def apply_child(index: int | None = None):
    application = _draft()
    children = application.answers.get("children") or []
    if index is not None and not 0 <= index < len(children):
        abort(404)
    form = ChildForm(data=_child_form_data(children[index]) if index is not None else {})
    if form.validate_on_submit():
        values = _child_values(form)
        response = _save(
            form,
            lambda: families.save_child(application, index, values, clock.today()),
            "families.apply_children",
            application,
        )
        if response:
            return response
    return render_template("families/apply_child.html", form=form, index=index)


@bp.route("/apply/children/<int:index>/remove", methods=["POST"])
def apply_remove_child(index: int):
    application = _draft()
    form = SubmitApplicationForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        families.remove_child(application, index)
    flash("Child removed from the application.", "success")
    return redirect(url_for("families.apply_children"))


@bp.route("/apply/declaration", methods=["GET", "POST"])
def apply_declaration():
    application = _draft()
    form = DeclarationForm(data={"privacy_consent": bool(application.answers.get("privacy_consent"))})
    if form.validate_on_submit():
        response = _save(
            form,
            lambda: families.save_declaration(application, form.privacy_consent.data),
            "families.apply_check",
            application,
        )
        if response:
            return response
    return render_template("families/apply_declaration.html", form=form)


@bp.route("/apply/check", methods=["GET", "POST"])
def apply_check():
    application = _draft()
    missing = families.missing_sections(application)
    form = SubmitApplicationForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            families.submit(application)
        if work.ok:
            session.pop(DRAFT_KEY, None)
            session["submitted_reference"] = application.reference
            return redirect(url_for("families.apply_sent"))
    locality = db.session.get(Locality, application.locality_id) if application.locality_id else None
    return render_template(
        "families/apply_check.html",
        application=application,
        missing=missing,
        section_links=SECTION_ENDPOINTS,
        sections=answer_sections(application.answers, change=True),
        form=form,
        labels=LABELS,
        locality=locality,
    )


@bp.route("/apply/sent")
def apply_sent():
    reference = session.get("submitted_reference")
    if not reference:
        return redirect(url_for("families.apply_start"))
    return render_template("families/apply_sent.html", reference=reference)


def _masked(email: str) -> str:
    """An address shown to whoever holds a link, without giving it away: ``j***@example.com``."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _link_problem(problem: str, application: Application | None = None, message: str | None = None, status=400):
    """The page for an emailed application link that cannot be used as it is, with the way on from there."""
    return render_template(
        "families/application_link.html",
        problem=problem,
        application=application,
        masked=_masked(application.email) if application else None,
        message=message,
        form=SubmitApplicationForm(formdata=None),
        max_weeks=current_app.config["INVITATION_MAX_AGE"] * 4 // (7 * 86400),
    ), status


def _to_sent_application(application: Application):
    """From an emailed link to a sent application: to the application if signed in as its applicant's account;
    to sign in (and back to the link) if they have an account; to create it if not. Never a dead end."""
    if current_user.is_authenticated:
        with unit_of_work():
            claimed = families.claim_application(current_user, application)
        if claimed:
            return redirect(url_for("families.my_application", application_id=application.id))
        return _link_problem("other_account", application, status=200)
    if families.has_account(application):
        flash(f"Application {application.reference} has been sent. Sign in to follow it.", "info")
        return redirect(url_for("auth.sign_in", next=request.path))
    flash(f"Application {application.reference} has been sent. Create your account to follow it.", "info")
    return redirect(url_for("families.create_account", token=families.account_token(application)))


@bp.route("/apply/resume/<token>")
def resume_application(token: str):
    try:
        link = families.read_application_link(token, families.APPLICATION_RESUME)
    except InvalidToken as error:
        return _link_problem("invalid", message=error.message)
    application = link.application
    if link.expired:
        return _link_problem("expired", application)
    if families.is_sent(application):
        return _to_sent_application(application)
    session[DRAFT_KEY] = application.id
    missing = families.missing_sections(application)
    return redirect(url_for(SECTION_ENDPOINTS[missing[0]]) if missing else url_for("families.apply_check"))


@bp.route("/apply/link/<token>/new", methods=["POST"])
def new_application_link(token: str):
    """Email a fresh link to the address an expired one was sent to."""
    if not SubmitApplicationForm().validate_on_submit():
        abort(400)
    try:
        link = families.read_any_application_link(token)
    except InvalidToken as error:
        return _link_problem("invalid", message=error.message)
    with unit_of_work():
        families.send_new_resume_link(link.application)
    return render_template("families/application_link_sent.html", masked=_masked(link.application.email))


@bp.route("/apply/account/<token>", methods=["GET", "POST"])
def create_account(token: str):
    try:
        link = families.read_application_link(token, families.APPLICATION_ACCOUNT)
    except InvalidToken as error:
        return _link_problem("invalid", message=error.message)
    application = link.application
    if families.has_account(application):
        return _to_sent_application(application)  # made already, or the applicant had one: sign in to it
    if link.expired:
        return _link_problem("expired", application)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work(form, passthrough=(InvalidToken,)) as work:
                user = families.create_account(token, form.password.data, user_agent=request.user_agent.string)
        except InvalidToken as error:
            return _link_problem("invalid", message=error.message)
        if work.ok:
            log_in(user)
            flash("Your email address is confirmed and your account is ready.", "success")
            return remember_device(redirect(url_for("main.dashboard")), user)
    return render_template("families/create_account.html", form=form, application=application)


# --- the applicant's own view ---------------------------------------------------------------


@bp.route("/my-applications/<int:application_id>", methods=["GET", "POST"])
@login_required
def my_application(application_id: int):
    application = get_or_404(Application, application_id, "view_own")
    form = AnswerForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            families.answer_question(current_user, application, form.answer.data)
        if work.ok:
            flash("Your answer has been sent to the academy.", "success")
            return redirect(url_for("families.my_application", application_id=application.id))
    return render_template("families/my_application.html", application=application, form=form, labels=LABELS)


# --- review by admin -------------------------------------------------------------------


def _locality_choices() -> list[SelectChoice]:
    return [SelectChoice(loc.id, loc.name) for loc in localities.all_localities(active_only=True)]


@bp.route("/applications")
@requires_roles(Role.ADMIN)
def applications():
    status = request.args.get("status") or None
    locality_id = int_arg("locality")
    try:
        status_value = ApplicationStatus(status) if status else None
    except ValueError:
        abort(404)
    page = paginate(families.applications_queue(status_value, locality_id), per_page=50)
    return render_template(
        "families/applications.html",
        page=page,
        status=status,
        locality_id=locality_id,
        statuses=families.SENT_STATUSES,
        localities=localities.all_localities(),
        labels=LABELS,
        filter_args={k: v for k, v in {"status": status, "locality": locality_id}.items() if v},
    )


@bp.route("/applications/<int:application_id>")
@requires_roles(Role.ADMIN)
def application_detail(application_id: int):
    application = get_or_404(Application, application_id, "review")
    if not families.is_sent(application):
        abort(404)
    return _render_review(application, _fresh_accept_form(application), QuestionForm(), DeclineForm())


def _fresh_accept_form(application: Application, formdata=None) -> AcceptForm:
    """The locality suggested from the postcode and the next school day, to start from."""
    return AcceptForm(
        formdata=formdata,
        data={"locality_id": application.locality_id, "start_date": families.next_school_day(clock.today())},
    )


def _render_review(application, accept_form, question_form, decline_form, status=200):
    accept_form.locality_id.choices = _locality_choices()
    locality = db.session.get(Locality, application.locality_id) if application.locality_id else None
    postcode = (application.answers.get("address") or {}).get("postcode")
    return render_template(
        "families/application_detail.html",
        application=application,
        postcode=postcode,
        accepted=families.accepted_family(application) if application.status is ApplicationStatus.ACCEPTED else None,
        invite_form=InviteForm(),
        sections=answer_sections(application.answers, change=False, today=clock.today()),
        warnings=families.duplicate_warnings(application),
        accept_form=accept_form,
        question_form=question_form,
        decline_form=decline_form,
        labels=LABELS,
        locality=locality,
        form=accept_form if accept_form.errors else question_form if question_form.errors else decline_form,
    ), status


def _decide(application_id: int, form_class, action, message: str):
    application = get_or_404(Application, application_id, "review")
    # The forms not being sent are shown fresh (not filled from this POST), as on the detail page.
    forms = {
        AcceptForm: _fresh_accept_form(application, formdata=None),
        QuestionForm: QuestionForm(formdata=None),
        DeclineForm: DeclineForm(formdata=None),
    }
    form = forms[form_class] = form_class()
    if form_class is AcceptForm:
        form.locality_id.choices = _locality_choices()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            action(application, form)
        if work.ok:
            flash(message.format(application=application), "success")
            return redirect(url_for("families.application_detail", application_id=application.id))
    return _render_review(application, forms[AcceptForm], forms[QuestionForm], forms[DeclineForm])


@bp.route("/applications/<int:application_id>/accept", methods=["POST"])
@requires_roles(Role.ADMIN)
def accept_application(application_id: int):
    def action(application, form):
        locality = db.session.get(Locality, form.locality_id.data)
        if locality is None:
            from virtualacademy.errors import ValidationError

            raise ValidationError("Choose a locality", field="locality_id")
        families.accept(current_user, application, form.start_date.data, locality)

    return _decide(
        application_id,
        AcceptForm,
        action,
        "Application {application.reference} accepted: the family is enrolled. Next, invite them and assign mentors.",
    )


@bp.route("/applications/<int:application_id>/ask", methods=["POST"])
@requires_roles(Role.ADMIN)
def ask_about_application(application_id: int):
    return _decide(
        application_id,
        QuestionForm,
        lambda application, form: families.request_more_information(current_user, application, form.question.data),
        "Your question has been emailed to the family.",
    )


@bp.route("/applications/<int:application_id>/decline", methods=["POST"])
@requires_roles(Role.ADMIN)
def decline_application(application_id: int):
    return _decide(
        application_id,
        DeclineForm,
        lambda application, form: families.decline(current_user, application, form.reason.data),
        "Application {application.reference} declined. The family has been told why.",
    )


# --- learners: staff view, withdrawal and re-enrolment -----------------------------------


@bp.route("/learners")
@requires_roles(Role.ADMIN, Role.COORDINATOR, Role.EXAMS_OFFICER)
def learners():
    """Every learner the person may see; narrowed, when an overview figure links here, to the learners it counts."""
    filters = LearnerFilter.from_args(request.args)
    stmt = filters.apply(learner_records(current_user, select(Learner)), clock.today())
    # the family, locality and enrolments each row shows, read for the page at once (not a statement a row)
    stmt = stmt.options(
        joinedload(Learner.family), joinedload(Learner.locality), selectinload(Learner.enrolments)
    ).order_by(Learner.legal_name, Learner.id)
    page = paginate(stmt, per_page=50)
    locality = db.session.get(Locality, filters.locality) if filters.locality else None
    return render_template(
        "families/learners.html", page=page, filters=filters, described=filters.describe(locality and locality.name)
    )


def _learner_page(learner: Learner, *, withdraw_form=None, reenrol_form=None, form=None):
    """The staff page of a learner, with every form it shows: the one that was sent (with its errors) and fresh
    ones for the rest, so a refused form never leaves the page without the others."""
    if reenrol_form is None:
        reenrol_form = ReEnrolForm(formdata=None, data={"locality_id": learner.locality_id})
    reenrol_form.locality_id.choices = _locality_choices()
    return render_template(
        "families/learner_detail.html",
        learner=learner,
        can_manage=can(current_user, "manage", learner),
        withdraw_form=withdraw_form or WithdrawForm(formdata=None),
        reenrol_form=reenrol_form,
        invite_form=InviteForm(formdata=None),
        form=form,
        labels=LABELS,
    )


@bp.route("/learners/<int:learner_id>")
@login_required
def learner_detail(learner_id: int):
    learner = get_or_404(Learner, learner_id, "read_record")
    if current_user.has_role(Role.GUARDIAN) and is_related(current_user, learner, Relation.GUARDIAN):
        return redirect(url_for("families.family_learner", learner_id=learner.id))
    return _learner_page(learner)


@bp.route("/learners/<int:learner_id>/withdraw", methods=["POST"])
@requires_roles(Role.ADMIN)
def withdraw_learner(learner_id: int):
    learner = get_or_404(Learner, learner_id, "manage")
    form = WithdrawForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            families.withdraw(
                current_user, learner, form.withdrawal_date.data, WithdrawalReason(form.reason.data), form.note.data
            )
        if work.ok:
            flash(f"{learner.known_as} has been withdrawn. Their history is kept.", "success")
            return redirect(url_for("families.learner_detail", learner_id=learner.id))
    return _learner_page(learner, withdraw_form=form, form=form)


@bp.route("/learners/<int:learner_id>/re-enrol", methods=["POST"])
@requires_roles(Role.ADMIN)
def re_enrol_learner(learner_id: int):
    learner = get_or_404(Learner, learner_id, "manage")
    form = ReEnrolForm()
    form.locality_id.choices = _locality_choices()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            locality = db.session.get(Locality, form.locality_id.data)
            families.re_enrol(current_user, learner, form.start_date.data, locality)
        if work.ok:
            flash(f"{learner.known_as} has been re-enrolled.", "success")
            return redirect(url_for("families.learner_detail", learner_id=learner.id))
    return _learner_page(learner, reenrol_form=form, form=form)


# --- the family's own view ----------------------------------------------------------------


@bp.route("/family", methods=["GET", "POST"])
@requires_roles(Role.GUARDIAN)
def family_home():
    mine = families.families_of(current_user)
    open_applications = families.open_applications_of(current_user)
    invite_form = InviteGuardianForm()
    if mine and invite_form.validate_on_submit():
        with unit_of_work(invite_form) as work:
            invitation = families.invite_guardian(current_user, mine[0], invite_form.name.data, invite_form.email.data)
        if work.ok:
            # The same words whether or not the address already has an account.
            flash(
                f"We have emailed an invitation to {invitation.email}. {invitation.name} will join your family "
                "when they accept it.",
                "success",
            )
            return redirect(url_for("families.family_home"))
    return render_template(
        "families/family_home.html",
        invite_form=invite_form,
        form=invite_form,
        families=mine,
        invitations=guardian_invitations.pending_by_family(mine),
        cards=families.child_cards(mine),
        applications=open_applications,
        labels=LABELS,
    )


@bp.route("/family/learners/<int:learner_id>", methods=["GET", "POST"])
@requires_roles(Role.GUARDIAN)
def family_learner(learner_id: int):
    learner = get_or_404(Learner, learner_id, "edit_details")
    form = LearnerDetailsForm(obj=None if request.method == "POST" else learner)
    if form.validate_on_submit():
        with unit_of_work():
            families.update_learner_details(current_user, learner, form.preferred_name.data, form.needs.data)
        flash("Saved.", "success")
        return redirect(url_for("families.family_learner", learner_id=learner.id))
    return _family_learner_page(learner, form, InviteLearnerForm())


def _family_learner_page(learner: Learner, form, account_form, status: int = 200):
    siblings = [lr for f in families.families_of(current_user) for lr in f.learners]
    return render_template(
        "families/family_learner.html",
        learner=learner,
        form=form if form.errors or not account_form.errors else account_form,
        details_form=form,
        account_form=account_form,
        siblings=siblings,
        can_have_account=families.age_on(learner.date_of_birth, clock.today()) >= families.LEARNER_ACCOUNT_MIN_AGE,
        contact=mentoring.family_contact_summary(learner, clock.today()),
        mentor=mentoring.current_mentor(learner),
        starts_on=families.starts_on(learner, clock.today()),
        family_actions=mentoring.open_actions(learner, (ActionOwner.LEARNER, ActionOwner.GUARDIAN)),
        owner_labels=ACTION_OWNER_LABELS,
        labels=LABELS,
    ), status


def _signed_in_user() -> str:
    """Rate-limit key: the signed-in user (the limit is checked before the view sends anonymous visitors away)."""
    user_id = getattr(current_user, "id", None)
    return f"user:{user_id}" if user_id is not None else f"ip:{client_ip()}"


@bp.route("/family/learners/<int:learner_id>/account", methods=["POST"])
@requires_roles(Role.GUARDIAN)
@limiter.limit(lambda: current_app.config["LEARNER_INVITE_LIMIT"], key_func=_signed_in_user)
def invite_learner_account(learner_id: int):
    learner = get_or_404(Learner, learner_id, "edit_details")
    account_form = InviteLearnerForm()
    if account_form.validate_on_submit():
        with unit_of_work(account_form) as work:
            families.invite_learner(current_user, learner, account_form.email.data, clock.today())
        if work.ok:
            flash(f"{learner.known_as} has been sent an invitation to set up their account.", "success")
            return redirect(url_for("families.family_learner", learner_id=learner.id))
    return _family_learner_page(learner, LearnerDetailsForm(obj=learner), account_form)


@bp.route("/me")
@requires_roles(Role.LEARNER)
def learner_home():
    learner = families.learner_for_user(current_user)
    if learner is None:
        abort(404)
    return render_template(
        "families/learner_home.html",
        learner=learner,
        mentor=mentoring.current_mentor(learner),
        contact=mentoring.family_contact_summary(learner, clock.today()),
        starts_on=families.starts_on(learner, clock.today()),
        labels=LABELS,
    )


@bp.route("/family/contact", methods=["GET", "POST"])
@requires_roles(Role.GUARDIAN)
def family_contact():
    guardian = db.session.scalar(select(Guardian).where(Guardian.user_id == current_user.id).order_by(Guardian.id))
    if guardian is None:
        abort(404)
    family = guardian.family
    data = {
        "phone": guardian.phone,
        "line_1": family.address_line_1,
        "line_2": family.address_line_2,
        "town": family.town,
        "postcode": family.postcode,
    }
    form = ContactForm(data=None if request.method == "POST" else data)
    if form.validate_on_submit():
        address = {k: getattr(form, k).data for k in ("line_1", "line_2", "town", "postcode")}
        with unit_of_work(form) as work:
            families.update_contact(current_user, guardian, form.phone.data, address)
        if work.ok:
            flash("Your contact details have been saved.", "success")
            return redirect(url_for("families.family_home"))
    return render_template("families/family_contact.html", form=form)


# --- invitations to join a family as a parent or carer ----------------------------------------------------------


@bp.route("/family/invitations/<token>", methods=["GET", "POST"])
def guardian_invitation(token: str):
    """Accept an invitation to a family: signed in as the invited address, or by creating its account."""
    try:
        invitation = guardian_invitations.for_token(token)
    except InvalidToken as error:
        return render_template("auth/link_invalid.html", message=error.message), 400
    user = current_user if current_user.is_authenticated else None
    acceptance = guardian_invitations.acceptance(invitation, user)
    State = guardian_invitations.State
    if acceptance.state is State.SIGN_IN:
        flash(f"Sign in as {invitation.email} to accept the invitation.", "info")
        return redirect(url_for("auth.sign_in", next=request.path))
    if acceptance.state is State.REFUSED:
        with unit_of_work():
            guardian_invitations.record_refusal(invitation, user)
    form = SetPasswordForm() if acceptance.state is State.NEW_ACCOUNT else JoinFamilyForm()
    if acceptance.state in (State.NEW_ACCOUNT, State.READY) and form.validate_on_submit():
        try:
            with unit_of_work(form, passthrough=(InvalidToken,)) as work:
                if acceptance.state is State.NEW_ACCOUNT:
                    user = guardian_invitations.accept_with_new_account(token, form.password.data)
                    sessions.start(user, request.user_agent.string)
                else:
                    guardian_invitations.accept(token, user)
        except InvalidToken as error:
            return render_template("auth/link_invalid.html", message=error.message), 400
        if work.ok:
            if current_user != user:
                log_in(user)
            flash(f"You have joined family {invitation.family.reference} as a parent or carer.", "success")
            return redirect(url_for("families.family_home"))
    return render_template(
        "families/guardian_invitation.html",
        invitation=invitation,
        acceptance=acceptance,
        states=State,
        form=form,
    )
