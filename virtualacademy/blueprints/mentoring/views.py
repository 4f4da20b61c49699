"""Caseloads, check-ins, assignment and contact settings."""

from datetime import datetime, time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from virtualacademy import clock
from virtualacademy.blueprints.forms_common import Form, flash_linked
from virtualacademy.blueprints.mentoring import bp
from virtualacademy.blueprints.mentoring.forms import (
    ACTION_SLOTS,
    AssignForm,
    CadenceForm,
    CaseloadLimitForm,
    CheckInForm,
    OtherAdultForm,
    SupportForm,
)
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.inputs import paginate, text_arg, to_int
from virtualacademy.models import (
    ActionOwner,
    AgreedAction,
    ContactMethod,
    ContactWith,
    Learner,
    OtherAdultRole,
    Role,
    SupportLevel,
    User,
)
from virtualacademy.models.mentoring import (
    ACTION_OWNER_LABELS,
    CONTACT_METHOD_LABELS,
    CONTACT_WITH_LABELS,
    OTHER_ADULT_ROLE_LABELS,
    SUPPORT_LEVEL_LABELS,
)
from virtualacademy.policies import can, get_or_404, has_any_role, requires_roles
from virtualacademy.policies.relations import overseen_localities
from virtualacademy.services import families, mentoring
from virtualacademy.services.exams import pages as exam_pages
from virtualacademy.services.mentoring import ActionInput, ContactStatus
from virtualacademy.unit_of_work import unit_of_work

#: Who sets the contact cadences and caseload limits (the settings pages, and the link to them).
SETTINGS_ROLES = (Role.ADMIN,)

LABELS = {
    "status": mentoring.CONTACT_STATUS_LABELS,
    "method": CONTACT_METHOD_LABELS,
    "with": CONTACT_WITH_LABELS,
    "owner": ACTION_OWNER_LABELS,
    "adult_role": OTHER_ADULT_ROLE_LABELS,
    "level": SUPPORT_LEVEL_LABELS,
}


@bp.route("/caseload")
@requires_roles(Role.MENTOR)
def caseload():
    status = request.args.get("status") or None
    try:
        chosen = ContactStatus(status) if status else None
    except ValueError:
        abort(404)
    rows = mentoring.caseload(current_user, clock.today(), chosen)
    return render_template(
        "mentoring/caseload.html", rows=rows, status=status, statuses=list(ContactStatus), labels=LABELS
    )


def _learner_page(learner: Learner, *, checkin_form=None, support_form=None, adult_form=None, status=200):
    support = mentoring.support_of(learner)
    support_form = support_form or SupportForm(
        data={"level": support.level.value if support.level else "standard", "override_days": support.override_days}
    )
    adult_form = adult_form or OtherAdultForm()
    today = clock.today()
    states = mentoring.contact_states(today, learner_ids=[learner.id])
    assignment = mentoring.current_assignment(learner)
    errors_form = next((f for f in (support_form, adult_form) if f.errors), None)
    return render_template(
        "mentoring/learner.html",
        learner=learner,
        assignment=assignment,
        state=states[0] if states else None,
        check_ins=mentoring.chronology(learner),
        actions=mentoring.open_actions(learner),
        adults=mentoring.other_adults(learner),
        support=support,
        cadence=mentoring.cadence_days(support),
        support_form=support_form,
        adult_form=adult_form,
        form=errors_form,
        can_write=can(current_user, "mentor_write", learner),
        can_assign=can(current_user, "assign_mentor", learner),
        exams=exam_pages.overview_for(current_user, learner),
        labels=LABELS,
    ), status


@bp.route("/caseload/learners/<int:learner_id>")
@requires_roles(Role.MENTOR, Role.COORDINATOR, Role.ADMIN)
def learner(learner_id: int):
    learner = get_or_404(Learner, learner_id, "mentor_view")
    return _learner_page(learner)


def _occurred_at(form: CheckInForm) -> datetime:
    hours, minutes = (int(x) for x in form.occurred_time.data.replace(".", ":").split(":"))
    return datetime.combine(form.occurred_on.data, time(hours, minutes), clock.LONDON)


@bp.route("/caseload/learners/<int:learner_id>/check-in", methods=["GET", "POST"])
@requires_roles(Role.MENTOR, Role.COORDINATOR, Role.ADMIN)
def record_check_in(learner_id: int):
    learner = get_or_404(Learner, learner_id, "mentor_write")
    now = clock.london(clock.now())
    form = CheckInForm(
        data={"occurred_on": now.date(), "occurred_time": now.strftime("%H:%M")} if request.method == "GET" else None
    )
    if form.validate_on_submit():
        actions = [
            ActionInput(
                getattr(form, f"action_{n}_text").data or "",
                ActionOwner(getattr(form, f"action_{n}_owner").data or "learner"),
                getattr(form, f"action_{n}_due").data,
            )
            for n in range(1, ACTION_SLOTS + 1)
        ]
        with unit_of_work(form) as work:
            check_in = mentoring.record_check_in(
                current_user,
                learner,
                occurred_at=_occurred_at(form),
                method=ContactMethod(form.method.data),
                with_whom=ContactWith(form.with_whom.data),
                contact_made=form.contact_made.data == "yes",
                wellbeing=int(form.wellbeing.data) if form.wellbeing.data else None,
                engagement=int(form.engagement.data) if form.engagement.data else None,
                notes=form.notes.data,
                actions=actions,
            )
        if work.ok:
            flash_linked(
                "Check-in with {link} saved.",
                url_for("mentoring.learner", learner_id=learner.id, _anchor=f"check-in-{check_in.id}"),
                learner.known_as,
            )
            return redirect(url_for("mentoring.learner", learner_id=learner.id))
    return render_template("mentoring/check_in.html", form=form, learner=learner, slots=range(1, ACTION_SLOTS + 1))


@bp.route("/caseload/actions/<int:action_id>/close", methods=["POST"])
@requires_roles(Role.MENTOR, Role.COORDINATOR, Role.ADMIN)
def close_action(action_id: int):
    action = db.get_or_404(AgreedAction, action_id)
    learner = get_or_404(Learner, action.learner_id, "mentor_write")
    if not Form().validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        mentoring.close_action(current_user, action)
    if work.ok:
        flash("Action closed.", "success")
    return redirect(url_for("mentoring.learner", learner_id=learner.id))


@bp.route("/caseload/learners/<int:learner_id>/support", methods=["POST"])
@requires_roles(Role.COORDINATOR, Role.ADMIN)
def set_support(learner_id: int):
    learner = get_or_404(Learner, learner_id, "assign_mentor")
    form = SupportForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            mentoring.set_support(current_user, learner, SupportLevel(form.level.data), form.override_days.data)
        if work.ok:
            flash("Support level saved.", "success")
            return redirect(url_for("mentoring.learner", learner_id=learner.id))
    return _learner_page(learner, support_form=form)


@bp.route("/caseload/learners/<int:learner_id>/adults", methods=["POST"])
@requires_roles(Role.MENTOR, Role.COORDINATOR, Role.ADMIN)
def add_other_adult(learner_id: int):
    learner = get_or_404(Learner, learner_id, "mentor_write")
    form = OtherAdultForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            mentoring.add_other_adult(
                current_user,
                learner,
                form.name.data,
                OtherAdultRole(form.role.data),
                form.organisation.data,
                form.starts_on.data,
                form.ends_on.data,
            )
        if work.ok:
            flash_linked(
                "{link} has been added to the other adults.",
                url_for("mentoring.learner", learner_id=learner.id, _anchor="other-adults"),
                form.name.data.strip(),
            )
            return redirect(url_for("mentoring.learner", learner_id=learner.id))
    return _learner_page(learner, adult_form=form)


# --- assignment (admin and coordinators) --------------------------------------------------------


@bp.route("/mentoring/unassigned")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def unassigned():
    today = clock.today()
    stmt = mentoring.unassigned_learners(today, overseen_localities(current_user)).options(
        selectinload(Learner.enrolments), selectinload(Learner.locality)
    )
    page = paginate(stmt, per_page=50)
    return render_template(
        "mentoring/unassigned.html",
        page=page,
        starts_on={learner.id: families.starts_on(learner, today) for learner in page.items},
        may_change_settings=has_any_role(current_user, *SETTINGS_ROLES),
    )


def _search_arg() -> str:
    """The ``q`` asked for: one line, at most 100 characters, without control characters."""
    return " ".join((text_arg("q") or "").split())[:100]


@bp.route("/mentoring/learners/<int:learner_id>/assign", methods=["GET", "POST"])
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def assign(learner_id: int):
    learner = get_or_404(Learner, learner_id, "assign_mentor")
    search = _search_arg()
    form = AssignForm(data={"starts_on": clock.today()} if request.method == "GET" else None)
    # Any active mentor may be chosen, not only those shown; the service decides (checked again there).
    chosen_id = to_int(form.mentor_id.data) if request.method == "POST" else None
    options, more = mentoring.mentor_options(learner, search, chosen_id=chosen_id)
    form.mentor_id.choices = [
        SelectChoice(
            o.mentor.id,
            f"{o.mentor.name}: {o.caseload} of {o.limit}"
            + (" (in this locality)" if o.in_locality else "")
            + (" (full)" if o.spare <= 0 else ""),
        )
        for o in options
    ]
    if form.validate_on_submit():
        mentor = db.session.get(User, chosen_id) if chosen_id is not None else None
        with unit_of_work(form) as work:
            if mentor is None:
                raise ValidationError("Choose a mentor", field="mentor_id")
            mentoring.assign(
                current_user,
                learner,
                mentor,
                form.starts_on.data,
                form.handover_note.data,
                confirm_over_limit=form.confirm_over_limit.data,
            )
        if work.ok:
            flash(f"{mentor.name} is now {learner.known_as}'s mentor.", "success")
            return redirect(url_for("mentoring.learner", learner_id=learner.id))
    return render_template(
        "mentoring/assign.html",
        form=form,
        learner=learner,
        options=options,
        more=more,
        search=search,
        most=mentoring.MENTOR_CHOICES,
        current=mentoring.current_assignment(learner),
    )


# --- settings (admin) --------------------------------------------------------------------------


@bp.route("/mentoring/settings", methods=["GET", "POST"])
@requires_roles(*SETTINGS_ROLES)
def settings():
    defaults = mentoring.cadence_defaults()
    form = CadenceForm(
        data={level.value: days for level, days in defaults.items()} if request.method == "GET" else None
    )
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            mentoring.set_cadence_defaults(
                current_user,
                {
                    SupportLevel.STANDARD: form.standard.data,
                    SupportLevel.ENHANCED: form.enhanced.data,
                    SupportLevel.INTENSIVE: form.intensive.data,
                },
            )
        if work.ok:
            flash("Cadences saved.", "success")
            return redirect(url_for("mentoring.settings"))
    search = _search_arg()
    page = paginate(mentoring.mentor_summaries(search), per_page=mentoring.MENTORS_PER_PAGE)
    return render_template(
        "mentoring/settings.html",
        form=form,
        page=page,
        mentors=mentoring.summaries_of(page.items),
        search=search,
    )


@bp.route("/mentoring/mentors/<int:user_id>", methods=["GET", "POST"])
@requires_roles(*SETTINGS_ROLES)
def mentor_limit(user_id: int):
    mentor = get_or_404(User, user_id, "manage")
    if not mentor.has_role(Role.MENTOR):
        abort(404)
    form = CaseloadLimitForm(
        data={"caseload_limit": mentoring.caseload_limit(mentor)} if request.method == "GET" else None
    )
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            mentoring.set_caseload_limit(current_user, mentor, form.caseload_limit.data)
        if work.ok:
            flash(f"{mentor.name}'s caseload limit is now {form.caseload_limit.data}.", "success")
            return redirect(url_for("mentoring.settings"))
    return render_template(
        "mentoring/mentor_limit.html",
        form=form,
        mentor=mentor,
        caseload=mentoring.caseload_sizes([mentor.id]).get(mentor.id, 0),
    )


@bp.route("/mentoring/report")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def report():
    """The variation report is the overview's contact section now: the same period, there."""
    query = request.query_string.decode("ascii", "ignore")
    return redirect(url_for("overview.index") + (f"?{query}" if query else "") + "#contact")
