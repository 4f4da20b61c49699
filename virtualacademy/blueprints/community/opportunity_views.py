"""Opportunities and placements: families and learners find opportunities by interest and locality and say a
child is interested; coordinators (and admins) curate opportunities and decide placements; the learner or family
logs each session of an approved placement in the learning log. Every rule is the service's
(``services/community/opportunities.py``); access is the community rules' (``Opportunity``: ``view``,
``manage``; ``Placement``: ``view``, ``decide``; ``Learner``: ``log_write``)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from virtualacademy import clock, dashboards
from virtualacademy.blueprints.community import bp
from virtualacademy.blueprints.community.opportunity_forms import (
    ANYWHERE,
    DecideForm,
    InterestForm,
    OpportunityForm,
    SessionForm,
)
from virtualacademy.blueprints.forms_common import flash_linked, safe_next
from virtualacademy.extensions import db
from virtualacademy.inputs import int_arg, paginate, text_arg, to_int
from virtualacademy.models import Learner, Opportunity, OpportunityKind, Placement, PlacementState, Role
from virtualacademy.models.community import OPPORTUNITY_KIND_LABELS, PLACEMENT_STATE_LABELS
from virtualacademy.models.learning import ACTIVITY_TYPE_LABELS
from virtualacademy.policies import can, get_or_404, requires_roles
from virtualacademy.services import learning_log
from virtualacademy.services.community import opportunities
from virtualacademy.unit_of_work import unit_of_work

FAMILY_ROLES = (Role.GUARDIAN, Role.LEARNER)
MANAGERS = (Role.COORDINATOR, Role.ADMIN)
#: Who may open an opportunity or a placement (the object's own rule then decides).
READERS = (*FAMILY_ROLES, Role.MENTOR, *MANAGERS)
LOGGERS = (*FAMILY_ROLES, Role.MENTOR, Role.ADMIN)
PER_PAGE = 20
LABELS = {"kind": OPPORTUNITY_KIND_LABELS, "state": PLACEMENT_STATE_LABELS}


def _panel(user) -> dict:
    return {"placements": opportunities.approved_for_family(user)}


for _role in FAMILY_ROLES:
    dashboards.register(dashboards.Panel(_role, "Placements", "dashboard/community_placements.html", _panel, order=47))


# --- finding opportunities ---------------------------------------------------------------------------------------


@bp.route("/opportunities", endpoint="opportunities")
@requires_roles(*READERS)
def opportunities_list():
    search = (text_arg("q") or "").strip()[:100]
    locality_id = int_arg("locality")
    managers = current_user.has_role(*MANAGERS)
    stmt = opportunities.search(current_user, search, locality_id, with_closed=managers)
    found = paginate(opportunities.with_details(stmt), per_page=PER_PAGE)
    args = {k: v for k, v in (("q", search), ("locality", locality_id)) if v}
    return render_template(
        "community/opportunities/index.html",
        page=found,
        search=search,
        locality_id=locality_id,
        localities=opportunities.search_localities(current_user),
        taken=opportunities.places_taken([o.id for o in found.items]),
        may_add=managers and opportunities.manages_any(current_user),
        args=args,
        labels=LABELS,
    )


@bp.route("/opportunities/<int:opportunity>")
@requires_roles(*READERS)
def opportunity(opportunity: int):
    found = get_or_404(Opportunity, opportunity, "view")
    manages = can(current_user, "manage", found)
    placements = paginate(opportunities.placements_of(found), per_page=PER_PAGE) if manages else None
    family = current_user.has_role(*FAMILY_ROLES)
    own = list(db.session.scalars(opportunities.family_placements(current_user, found))) if family else []
    return render_template(
        "community/opportunities/opportunity.html",
        opportunity=found,
        manages=manages,
        places_left=opportunities.places_left(found),
        placements=placements,
        own=own,
        may_express=family and found.open,
        labels=LABELS,
    )


# --- curating ----------------------------------------------------------------------------------------------------


#: The opportunity's own values the form shows as they are.
_COPIED = (
    "title",
    "description",
    "host_organisation",
    "contact_name",
    "contact_email",
    "contact_phone",
    "host_checked_on",
    "location",
    "time_commitment",
    "places",
    "open",
)


def _opportunity_form(item: Opportunity | None) -> OpportunityForm:
    if request.method == "POST":
        form = OpportunityForm()
    elif item is None:
        form = OpportunityForm(data={"open": True, "places": 1})
    else:
        form = OpportunityForm(
            data={
                **{name: getattr(item, name) for name in _COPIED},
                "locality_id": str(item.locality_id) if item.locality_id else ANYWHERE,
                "kind": item.kind.value,
                "interests": ", ".join(i.interest for i in item.interests),
            }
        )
    choices = [("", "Choose a locality")] + [
        (str(p.id), p.name) for p in opportunities.curated_localities(current_user)
    ]
    if current_user.has_role(Role.ADMIN):
        choices.append((ANYWHERE, "Anywhere (academy-wide)"))
    form.locality_id.choices = choices
    return form


def _opportunity_input(form: OpportunityForm) -> opportunities.OpportunityInput:
    locality = form.locality_id.data
    return opportunities.OpportunityInput(
        title=form.title.data,
        kind=OpportunityKind(form.kind.data),
        host_organisation=form.host_organisation.data,
        contact_name=form.contact_name.data,
        interests=form.interests.data,
        locality_id=None if locality == ANYWHERE else to_int(locality),
        description=form.description.data or "",
        contact_email=form.contact_email.data,
        contact_phone=form.contact_phone.data,
        host_checked_on=form.host_checked_on.data,
        location=form.location.data,
        time_commitment=form.time_commitment.data,
        places=form.places.data,
        open=form.open.data,
    )


def _save(item: Opportunity | None):
    form = _opportunity_form(item)
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            saved = opportunities.save_opportunity(current_user, item, _opportunity_input(form))
        if work.ok:
            flash_linked(
                ("Opportunity added: {link}." if item is None else "Changes saved to {link}."),
                url_for("community.opportunity", opportunity=saved.id),
                saved.title,
            )
            return redirect(url_for("community.opportunity", opportunity=saved.id))
    return render_template("community/opportunities/form.html", form=form, opportunity=item)


@bp.route("/opportunities/new", methods=["GET", "POST"])
@requires_roles(*MANAGERS)
def new_opportunity():
    return _save(None)


@bp.route("/opportunities/<int:opportunity>/edit", methods=["GET", "POST"])
@requires_roles(*MANAGERS)
def edit_opportunity(opportunity: int):
    return _save(get_or_404(Opportunity, opportunity, "manage"))


# --- saying a child is interested --------------------------------------------------------------------------------


@bp.route("/opportunities/<int:opportunity>/interest", methods=["GET", "POST"])
@requires_roles(*FAMILY_ROLES)
def express_interest(opportunity: int):
    found = get_or_404(Opportunity, opportunity, "view")
    children = opportunities.children_for(current_user)
    form = InterestForm()
    form.learner_id.choices = [(str(c.id), c.known_as) for c in children]
    if len(children) == 1:
        del form.learner_id  # a learner (or an only child): no choice to make
    if children and form.validate_on_submit():
        learner = children[0] if len(children) == 1 else db.session.get(Learner, int(form.learner_id.data))
        with unit_of_work(form) as work:
            placement = opportunities.express_interest(current_user, found, learner, form.note.data)
        if work.ok:
            flash_linked(
                f"Interest sent for {learner.known_as}. The coordinator will decide and let you know: {{link}}.",
                url_for("community.placement", placement=placement.id),
                "see the placement",
            )
            return redirect(url_for("community.placement", placement=placement.id))
    return render_template("community/opportunities/interest.html", form=form, opportunity=found, children=children)


# --- placements --------------------------------------------------------------------------------------------------


@bp.route("/placements")
@requires_roles(*FAMILY_ROLES, *MANAGERS)
def placements():
    managers = current_user.has_role(*MANAGERS)
    stmt = opportunities.waiting_for(current_user) if managers else opportunities.family_placements(current_user)
    return render_template(
        "community/opportunities/placements.html",
        page=paginate(stmt, per_page=PER_PAGE),
        managers=managers,
        labels=LABELS,
    )


def _placement_page(placement: Placement, decide_form: DecideForm | None = None):
    decides = can(current_user, "decide", placement)
    return render_template(
        "community/opportunities/placement.html",
        placement=placement,
        opportunity=placement.opportunity,
        sessions=opportunities.sessions(placement),
        decides=decides,
        may_log=placement.state is PlacementState.APPROVED and can(current_user, "log_write", placement.learner),
        form=decide_form,
        decide_form=decide_form or DecideForm(),
        activity_labels=ACTIVITY_TYPE_LABELS,
        labels=LABELS,
    )


@bp.route("/placements/<int:placement>")
@requires_roles(*READERS)
def placement(placement: int):
    return _placement_page(get_or_404(Placement, placement, "view"))


@bp.route("/placements/<int:placement>/decide", methods=["POST"])
@requires_roles(*MANAGERS)
def decide_placement(placement: int):
    found = get_or_404(Placement, placement, "decide")
    form = DecideForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            if form.decision.data == "approve":
                opportunities.approve(current_user, found, form.starts_on.data)
            else:
                opportunities.decline(current_user, found)
        if work.ok:
            approved = form.decision.data == "approve"
            flash_linked(
                f"{'Approved' if approved else 'Declined'}: {{link}}. The family has been told.",
                url_for("community.placement", placement=found.id),
                f"{found.learner.known_as}, {found.opportunity.title}",
            )
            back = url_for("community.placement", placement=found.id)
            return redirect(safe_next(request.form.get("next"), back))
    return _placement_page(found, form)


@bp.route("/placements/<int:placement>/sessions/new", methods=["GET", "POST"])
@requires_roles(*LOGGERS)
def log_placement_session(placement: int):
    found = get_or_404(Placement, placement, "view")
    learner = get_or_404(Learner, found.learner_id, "log_write")
    form = SessionForm(data={"on_date": clock.today()} if request.method == "GET" else None)
    form.subjects.choices = [(s.id, s.name) for s in learning_log.active_subjects()]
    if request.method == "POST":
        valid = form.validate_on_submit()
        if not form.hours.errors and not form.minutes.errors and not (form.hours.data or form.minutes.data):
            form.hours.errors = ["Enter how long the session took, in hours and minutes"]
        if valid and not form.errors:
            with unit_of_work(form) as work:
                entry = opportunities.log_session(
                    current_user,
                    found,
                    form.on_date.data,
                    (form.hours.data or 0) * 60 + (form.minutes.data or 0),
                    form.description.data,
                    list(form.subjects.data or []),
                )
            if work.ok:
                flash_linked(
                    f"Logged {learning_log.duration(entry.minutes)} in {learner.known_as}'s learning log on {{link}}.",
                    url_for(
                        "learning.week",
                        learner_id=learner.id,
                        start=entry.on_date.isoformat(),
                        _anchor=f"day-{entry.on_date.isoformat()}",
                    ),
                    f"{entry.on_date:%A %-d %B}",
                )
                return redirect(url_for("community.placement", placement=found.id))
    return render_template("community/opportunities/session.html", form=form, placement=found, learner=learner)
