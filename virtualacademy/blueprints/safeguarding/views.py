"""Safeguarding concerns: any member of staff raises one; the safeguarding leads see every concern and keep
its chronology; the person who raised it sees their own report and its status. For anyone else a concern is
a 404. Every view of a concern's page is audited."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from virtualacademy.blueprints.forms_common import flash_linked, show_domain_error
from virtualacademy.blueprints.safeguarding import bp
from virtualacademy.blueprints.safeguarding.forms import ConcernForm, EntryForm, LearnerSearchForm, ReopenForm
from virtualacademy.errors import DomainError
from virtualacademy.inputs import int_arg, paginate
from virtualacademy.models import ConcernStatus, Learner, SafeguardingConcern
from virtualacademy.models.accounts import STAFF_ROLES
from virtualacademy.models.mentoring import CONCERN_ENTRY_LABELS
from virtualacademy.policies import get_or_404, requires_roles, scoped
from virtualacademy.services import safeguarding
from virtualacademy.unit_of_work import unit_of_work

#: The session key holding the concern just raised, for the confirmation page.
RAISED_KEY = "concern_raised"


@bp.route("/")
@requires_roles(*STAFF_ROLES)
def index():
    status = safeguarding.list_filter(request.args.get("status"))
    stmt = scoped(current_user, safeguarding.concerns(safeguarding.LIST_FILTERS[status]))
    page = paginate(stmt, per_page=50)
    return render_template(
        "safeguarding/index.html",
        page=page,
        status=status,
        is_lead=safeguarding.is_lead(current_user),
        filter_args={"status": status},
    )


@bp.route("/raise", methods=["GET", "POST"])
@requires_roles(*STAFF_ROLES)
def raise_concern():
    learner_id = int_arg("learner")
    if learner_id is None:
        return _choose_learner()
    learner = get_or_404(Learner, learner_id, "raise_concern")
    form = ConcernForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            concern, told = safeguarding.raise_concern(
                current_user,
                learner,
                form.observed_on.data,
                form.observed_time.data,
                form.what_happened.data,
                form.immediate_action.data,
            )
        if work.ok:
            session[RAISED_KEY] = {"id": concern.id, "told": told}
            return redirect(url_for("safeguarding.raised"))
    return render_template("safeguarding/raise.html", form=form, learner=learner)


def _choose_learner():
    form = LearnerSearchForm(request.args)
    learners = None
    if "q" in request.args and form.validate():
        try:
            learners = safeguarding.find_learners(current_user, form.q.data)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template(
        "safeguarding/choose_learner.html", form=form, learners=learners, limit=safeguarding.SEARCH_LIMIT
    )


@bp.route("/raised")
@requires_roles(*STAFF_ROLES)
def raised():
    raised = session.get(RAISED_KEY)
    if not raised:
        return redirect(url_for("safeguarding.raise_concern"))
    return render_template(
        "safeguarding/raised.html",
        concern_id=raised["id"],
        told=raised["told"],
        is_lead=safeguarding.is_lead(current_user),
    )


@bp.route("/concerns/<int:concern_id>")
@login_required
def concern(concern_id: int):
    concern = get_or_404(SafeguardingConcern, concern_id, "view")
    return _concern_page(concern, EntryForm(formdata=None), ReopenForm(formdata=None))


def _concern_page(concern: SafeguardingConcern, entry_form: EntryForm, reopen_form: ReopenForm):
    """Show the concern; every showing of it is audited (and committed with the view's own change, if any)."""
    with unit_of_work():
        safeguarding.record_view(current_user, concern)
    is_lead = safeguarding.may_act(current_user, concern)
    return render_template(
        "safeguarding/concern.html",
        concern=concern,
        is_lead=is_lead,
        others=safeguarding.other_concerns(current_user, concern) if is_lead else [],
        entry_form=entry_form,
        reopen_form=reopen_form,
        form=reopen_form if reopen_form.errors else entry_form,
        labels=CONCERN_ENTRY_LABELS,
        statuses=ConcernStatus,
    )


@bp.route("/concerns/<int:concern_id>/entries", methods=["POST"])
@login_required
def add_entry(concern_id: int):
    concern = get_or_404(SafeguardingConcern, concern_id, "act")
    form = EntryForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            entry = safeguarding.add_entry(current_user, concern, form.kind.data, form.text.data)
        if work.ok:
            closed = concern.status is ConcernStatus.CLOSED
            flash_linked(
                "The concern is closed: {link}." if closed else "Added to the chronology: {link}.",
                url_for("safeguarding.concern", concern_id=concern.id, _anchor=f"entry-{entry.id}"),
                "the outcome" if closed else "the new entry",
            )
            return redirect(url_for("safeguarding.concern", concern_id=concern.id))
    return _concern_page(concern, form, ReopenForm(formdata=None))


@bp.route("/concerns/<int:concern_id>/reopen", methods=["POST"])
@login_required
def reopen(concern_id: int):
    concern = get_or_404(SafeguardingConcern, concern_id, "act")
    form = ReopenForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            safeguarding.reopen(current_user, concern, form.reason.data)
        if work.ok:
            flash("The concern is open again.", "success")
            return redirect(url_for("safeguarding.concern", concern_id=concern.id))
    return _concern_page(concern, EntryForm(formdata=None), form)
