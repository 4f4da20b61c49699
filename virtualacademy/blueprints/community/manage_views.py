"""The coordinator's event pages: the events of the localities they manage (an admin: every event), posting one
(or a weekly series) as a draft, changing, publishing and cancelling it, its bookings, and on the day the
register, taken on a phone, with a printable copy. Thin: parse, call the service in a unit of work, flash,
redirect. Who may manage which event is the community rule ``Event`` ``manage`` / ``register``."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.blueprints.community import bp
from virtualacademy.blueprints.community.manage_forms import (
    REPEAT_ONCE,
    ActionForm,
    CancelEventForm,
    EventForm,
    ManageFilterForm,
)
from virtualacademy.errors import DomainError
from virtualacademy.extensions import db
from virtualacademy.inputs import int_arg, paginate, to_int
from virtualacademy.models import (
    AttendanceMark,
    BookingState,
    Event,
    EventStatus,
    EventType,
    Locality,
    PlacePaidFrom,
    Role,
    SubjectArea,
)
from virtualacademy.models.community import (
    ATTENDANCE_MARK_LABELS,
    BOOKING_STATE_LABELS,
    EVENT_STATUS_LABELS,
    EVENT_TYPE_LABELS,
    PLACE_PAID_FROM_LABELS,
)
from virtualacademy.money import pounds_typed
from virtualacademy.pdf import render_pdf
from virtualacademy.policies import get_or_404, requires_roles
from virtualacademy.services.community import events, registers
from virtualacademy.services.localities import coordinated_by
from virtualacademy.unit_of_work import show_domain_error, unit_of_work

MANAGERS = (Role.COORDINATOR, Role.ADMIN)
PER_PAGE = 25
BOOKINGS_PER_PAGE = 50
#: A register page: enough rows for any ordinary event on one phone screen's scroll.
REGISTER_PER_PAGE = 60
ACADEMY_WIDE = "academy"
#: The form's fields for the service's field names.
FORM_FIELDS = {
    "starts_at": "starts_on",
    "ends_at": "ends_on",
    "booking_opens_at": "booking_opens_on",
    "booking_closes_at": "booking_closes_on",
    "cancel_closes_at": "cancel_closes_on",
    "cost_pence": "cost",
    "rule": "repeat",
}
LABELS = {
    "status": EVENT_STATUS_LABELS,
    "type": EVENT_TYPE_LABELS,
    "booking": BOOKING_STATE_LABELS,
    "paid_from": PLACE_PAID_FROM_LABELS,
    "mark": ATTENDANCE_MARK_LABELS,
}


def _localities() -> list[Locality]:
    """The localities the current user may post events for (an admin: every one)."""
    stmt = select(Locality).order_by(Locality.name)
    if not current_user.has_role(Role.ADMIN):
        stmt = stmt.where(Locality.id.in_(coordinated_by(current_user)))
    return list(db.session.scalars(stmt))


def _event_form(event: Event | None = None) -> EventForm:
    form = EventForm(obj=None)
    choices = [(str(place.id), place.name) for place in _localities()]
    if current_user.has_role(Role.ADMIN):
        choices.append(("", "Academy-wide (every family)"))
    form.locality_id.choices = choices
    subjects = db.session.scalars(select(SubjectArea).where(SubjectArea.active).order_by(SubjectArea.position))
    form.subjects.choices = [(str(s.id), s.name) for s in subjects]
    if event is not None:
        for name in ("repeat", "repeat_weeks", "repeat_until"):
            delattr(form, name)
        form.submit.label.text = "Save changes"
    if request.method == "GET" and event is not None:
        _fill(form, event)
    return form


def _fill(form: EventForm, event: Event) -> None:
    form.locality_id.data = str(event.locality_id or "")
    form.title.data, form.event_type.data = event.title, event.event_type.value
    form.description.data = event.description
    for name, moment in (
        ("starts", event.starts_at),
        ("ends", event.ends_at),
        ("booking_opens", event.booking_opens_at),
        ("booking_closes", event.booking_closes_at),
        ("cancel_closes", event.cancel_closes_at),
    ):
        if moment is not None:
            local = clock.london(moment)
            getattr(form, f"{name}_on").data, getattr(form, f"{name}_time").data = local.date(), local.time()
    form.venue.data, form.address.data, form.online_link.data = event.venue, event.address, event.online_link
    form.capacity.data, form.cost.data = event.capacity, pounds_typed(event.cost_pence)
    form.paid_from.data = event.paid_from.value
    form.suitable_for.data, form.accessibility.data = event.suitable_for, event.accessibility
    form.guardians_attend.data = event.guardians_attend
    form.subjects.data = [str(s.id) for s in event.subjects]


def _event_input(form: EventForm) -> events.EventInput:
    return events.EventInput(
        title=form.title.data,
        event_type=EventType(form.event_type.data),
        starts_at=form.moment("starts"),
        ends_at=form.moment("ends"),
        capacity=form.capacity.data,
        booking_opens_at=form.moment("booking_opens"),
        booking_closes_at=form.moment("booking_closes"),
        cancel_closes_at=form.moment("cancel_closes"),
        locality_id=int(form.locality_id.data) if form.locality_id.data else None,
        description=form.description.data or "",
        venue=form.venue.data,
        address=form.address.data,
        online_link=form.online_link.data,
        cost_pence=form.cost.pence,
        paid_from=PlacePaidFrom(form.paid_from.data),
        suitable_for=form.suitable_for.data,
        accessibility=form.accessibility.data,
        guardians_attend=bool(form.guardians_attend.data),
        subject_ids=[int(s) for s in form.subjects.data],
    )


def _show(form, work) -> None:
    """The service's refusal on the form's own field."""
    error = work.error
    field = FORM_FIELDS.get(error.field, error.field)
    if field == "repeat" and form.repeat.data != REPEAT_ONCE:
        field = "repeat_weeks" if form.repeat.data == "weeks" else "repeat_until"
    show_domain_error(form, DomainError(error.message, field=field))


# --- the list ----------------------------------------------------------------------------------------------


@bp.route("/manage/events")
@requires_roles(*MANAGERS)
def manage_events():
    form = ManageFilterForm(request.args)
    form.status.choices = [("", "Any state"), *((s.value, label) for s, label in EVENT_STATUS_LABELS.items())]
    places = _localities()
    form.locality.choices = [("", "Every locality"), *((str(p.id), p.name) for p in places)]
    if current_user.has_role(Role.ADMIN):
        form.locality.choices.append((ACADEMY_WIDE, "Academy-wide"))
    form.validate()
    status = EventStatus(form.status.data) if form.status.data and not form.status.errors else None
    locality = form.locality.data if form.locality.data and not form.locality.errors else None
    ended = form.when.data == "past" and not form.when.errors
    found = paginate(
        events.managed(
            current_user,
            status=status,
            locality_id=to_int(locality) if locality != ACADEMY_WIDE else None,
            academy_wide=locality == ACADEMY_WIDE,
            ended=ended,
        ),
        per_page=PER_PAGE,
    )
    counts = events.booking_counts([event.id for event in found.items])
    args = {k: v for k, v in {"status": form.status.data, "locality": locality, "when": form.when.data}.items() if v}
    return render_template(
        "community/manage/events.html",
        filters=form,
        page=found,
        counts=counts,
        states=BookingState,
        labels=LABELS,
        args=args,
        can_post=bool(places) or current_user.has_role(Role.ADMIN),
    )


# --- posting and changing ----------------------------------------------------------------------------------


@bp.route("/manage/events/new", methods=["GET", "POST"])
@requires_roles(*MANAGERS)
def new_event():
    form = _event_form()
    if request.method == "GET":
        wanted = int_arg("locality")
        if wanted is not None and str(wanted) in {c[0] for c in form.locality_id.choices}:
            form.locality_id.data = str(wanted)
    if form.validate_on_submit():
        rule = form.repeat_rule()
        with unit_of_work(form, quiet=True) as work:
            if rule is None:
                made = [events.create_event(current_user, _event_input(form))]
            else:
                made = events.create_recurring(current_user, _event_input(form), rule)
        if work.ok:
            if len(made) == 1:
                flash("Event saved as a draft. Families see it once you publish it.", "success")
            else:
                flash(
                    f"{len(made)} draft events made, one a week from {clock.long_date(made[0].starts_at)} to "
                    f"{clock.long_date(made[-1].starts_at)}. Publish each when it is ready.",
                    "success",
                )
            return redirect(url_for("community.manage_event", event=made[0].id))
        _show(form, work)
    return render_template("community/manage/event_form.html", form=form, event=None)


@bp.route("/manage/events/<int:event>/edit", methods=["GET", "POST"])
@requires_roles(*MANAGERS)
def edit_event(event: int):
    found = get_or_404(Event, event, "manage")
    form = _event_form(found)
    if form.validate_on_submit():
        with unit_of_work(form, quiet=True) as work:
            events.update_event(current_user, found, _event_input(form))
        if work.ok:
            flash("Changes saved.", "success")
            return redirect(url_for("community.manage_event", event=found.id))
        _show(form, work)
    return render_template("community/manage/event_form.html", form=form, event=found)


@bp.route("/manage/events/<int:event>/publish", methods=["POST"])
@requires_roles(*MANAGERS)
def publish_event(event: int):
    found = get_or_404(Event, event, "manage")
    form = ActionForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            events.publish(current_user, found)
        if work.ok:
            flash(f"{found.title} is published: families can see it and book.", "success")
    return redirect(url_for("community.manage_event", event=found.id))


@bp.route("/manage/events/<int:event>/cancel", methods=["GET", "POST"])
@requires_roles(*MANAGERS)
def cancel_event(event: int):
    found = get_or_404(Event, event, "manage")
    form = CancelEventForm()
    if found.status is EventStatus.CANCELLED:
        flash("This event is already cancelled.", "error")
        return redirect(url_for("community.manage_event", event=found.id))
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            outcome = events.cancel_and_count(current_user, found, form.reason.data)
        if work.ok:
            families = f"{outcome.families} famil{'y was' if outcome.families == 1 else 'ies were'} told"
            refunded = f"{outcome.refunded} place{'' if outcome.refunded == 1 else 's'} refunded"
            flash(f"{found.title} is cancelled: {families}, {refunded}.", "success")
            return redirect(url_for("community.manage_event", event=found.id))
    counts = events.booking_counts([found.id])[found.id]
    return render_template("community/manage/cancel.html", form=form, event=found, counts=counts, states=BookingState)


# --- the event for its manager -----------------------------------------------------------------------------


@bp.route("/manage/events/<int:event>")
@requires_roles(*MANAGERS)
def manage_event(event: int):
    found = get_or_404(Event, event, "manage")
    bookings = paginate(events.event_bookings(found), per_page=BOOKINGS_PER_PAGE)
    return render_template(
        "community/manage/event.html",
        event=found,
        form=ActionForm(),
        page=bookings,
        counts=events.booking_counts([found.id])[found.id],
        states=BookingState,
        labels=LABELS,
        started=clock.now() >= found.starts_at,
        open_for_booking=found.booking_closes_at > clock.now(),
    )


# --- the register ------------------------------------------------------------------------------------------


def _posted_marks() -> tuple[dict[int, AttendanceMark], dict[int, str], bool]:
    """(booking id -> mark, booking id -> what was chosen, whether anything was not a mark) from the form."""
    marks, chosen, bad = {}, {}, False
    for key, value in request.form.items():
        if not key.startswith("mark-"):
            continue
        booking_id = to_int(key.removeprefix("mark-"))
        if booking_id is None or value not in {m.value for m in AttendanceMark}:
            bad = True
            continue
        marks[booking_id], chosen[booking_id] = AttendanceMark(value), value
    return marks, chosen, bad


@bp.route("/manage/events/<int:event>/register", methods=["GET", "POST"])
@requires_roles(*MANAGERS)
def register(event: int):
    found = get_or_404(Event, event, "register")
    form = ActionForm()
    chosen: dict[int, str] = {}
    if form.validate_on_submit():
        marks, chosen, bad = _posted_marks()
        if bad:
            form.form_errors.append("Mark each place present, late or absent")
        elif not marks:
            form.form_errors.append("Mark each place present, late or absent before saving")
        else:
            with unit_of_work(form) as work:
                made = registers.take_register(current_user, found, marks)
            if work.ok:
                entries = f"{made} attendance-in-learning entr{'y' if made == 1 else 'ies'}"
                flash(
                    f"Register saved for {len(marks)} place{'' if len(marks) == 1 else 's'}: {entries} made.", "success"
                )
                return redirect(url_for("community.register", event=found.id, page=request.args.get("page")))
    places = paginate(registers.register_places(found), per_page=REGISTER_PER_PAGE)
    saved = registers.marks_for([booking.id for booking in places.items])
    shown = {
        booking.id: chosen.get(booking.id) or (saved[booking.id].value if booking.id in saved else None)
        for booking in places.items
    }
    return render_template(
        "community/manage/register.html",
        event=found,
        form=form,
        page=places,
        shown=shown,
        marks=list(AttendanceMark),
        labels=LABELS,
        started=clock.now() >= found.starts_at,
    )


@bp.route("/manage/events/<int:event>/register.pdf")
@requires_roles(*MANAGERS)
def register_pdf(event: int):
    found = get_or_404(Event, event, "register")
    rows = registers.register(found)
    body = render_pdf(
        "pdf/register.html",
        event=found,
        learners=[row for row in rows if row.booking.learner_id is not None],
        guardians=[row for row in rows if row.booking.guardian_id is not None],
        labels=LABELS,
        generated_at=clock.now(),
    )
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="register-{found.id}.pdf"'
    return response
