"""The family's side of community events: browsing the events they may see (a list, or a month's calendar),
an event's page, booking places for their children (and themselves, when guardians attend), their bookings, and
cancelling a booking or confirming a place offered from the waiting list. Staff see the events of their scope;
those who manage an event may cancel any booking on it."""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from virtualacademy import clock, dashboards
from virtualacademy.blueprints.community import bp
from virtualacademy.blueprints.community.event_forms import (
    BookForm,
    CancelBookingForm,
    ConfirmOfferForm,
    EventFilterForm,
)
from virtualacademy.inputs import paginate
from virtualacademy.models import Booking, BookingState, Event, EventType, Role
from virtualacademy.models.community import BOOKING_STATE_LABELS, EVENT_TYPE_LABELS, PLACE_PAID_FROM_LABELS
from virtualacademy.money import pounds
from virtualacademy.policies import can, get_or_404, requires_roles
from virtualacademy.services.community import bookings as booking_service
from virtualacademy.services.community import browse
from virtualacademy.services.community.common import when
from virtualacademy.unit_of_work import unit_of_work

BROWSERS = (Role.GUARDIAN, Role.LEARNER, Role.MENTOR, Role.COORDINATOR, Role.ADMIN)
FAMILY_ROLES = (Role.GUARDIAN, Role.LEARNER)
PER_PAGE = 20
MONTH_PER_PAGE = 100
LABELS = {"type": EVENT_TYPE_LABELS, "state": BOOKING_STATE_LABELS, "paid_from": PLACE_PAID_FROM_LABELS}


def _family_panel(user) -> dict:
    return {"offers": browse.offers(user, limit=5), "upcoming": browse.next_bookings(user), "when": when}


for _role in FAMILY_ROLES:
    dashboards.register(dashboards.Panel(_role, "Events", "dashboard/community_family.html", _family_panel, order=45))


@bp.app_template_filter("event_times")
def event_times(event: Event) -> str:
    return browse.times_text(event)


def _month_label(year: int, month: int) -> str:
    return f"{date(year, month, 1):%B %Y}"


def _shift(year: int, month: int, by: int) -> tuple[int, int] | None:
    index = year * 12 + (month - 1) + by
    shifted = divmod(index, 12)
    return (shifted[0], shifted[1] + 1) if browse.FIRST_YEAR <= shifted[0] <= browse.LAST_YEAR else None


# --- browsing ------------------------------------------------------------------------------------------------


@bp.route("/events")
@requires_roles(*BROWSERS)
def events():
    """Events the person may see: a list (filtered by type and dates) or a month's calendar."""
    form = EventFilterForm(request.args)
    month_view = request.args.get("view") == "month"
    valid = form.validate() if request.args else True
    event_type = EventType(form.type.data) if valid and form.type.data else None
    args = {k: v for k, v in request.args.items() if k != "page"}
    if month_view:
        year, month = form.year_month or (clock.today().year, clock.today().month)
        found = paginate(browse.month_events(current_user, year, month, event_type=event_type), per_page=MONTH_PER_PAGE)
        earlier, later = _shift(year, month, -1), _shift(year, month, 1)
        nav_args = {k: v for k, v in args.items() if k not in ("month", "date_from", "date_to")}
        context = {
            "days": browse.by_day(found.items),
            "month_label": _month_label(year, month),
            "previous": earlier
            and {
                "href": url_for("community.events", **{**nav_args, "month": f"{earlier[0]:04d}-{earlier[1]:02d}"}),
                "label": _month_label(*earlier),
            },
            "next": later
            and {
                "href": url_for("community.events", **{**nav_args, "month": f"{later[0]:04d}-{later[1]:02d}"}),
                "label": _month_label(*later),
            },
        }
        if not form.month.data:
            form.month.data = f"{year:04d}-{month:02d}"
    else:
        start = clock.london_midnight(form.date_from.data) if valid and form.date_from.data else None
        end = clock.london_midnight(form.date_to.data + timedelta(days=1)) if valid and form.date_to.data else None
        found = paginate(
            browse.event_list(current_user, event_type=event_type, start=start, end=end), per_page=PER_PAGE
        )
        context = {}
    now = clock.now()
    return render_template(
        "community/events/index.html",
        form=form,
        month_view=month_view,
        page=found,
        args=args,
        places=browse.places_on(current_user, [e.id for e in found.items]),
        places_text={e.id: browse.places_text(e, now) for e in found.items},
        labels=LABELS,
        when=when,
        is_family=current_user.has_role(*FAMILY_ROLES),
        list_href=url_for("community.events", **{k: v for k, v in args.items() if k not in ("view", "month")}),
        month_href=url_for("community.events", view="month", **{k: v for k, v in args.items() if k in ("type",) and v}),
        **context,
    )


@bp.route("/events/<int:event>")
@requires_roles(*BROWSERS)
def event(event: int):
    found = get_or_404(Event, event, "view")
    mine = browse.places_on(current_user, [found.id]).get(found.id, [])
    manages = can(current_user, "manage", found)
    return render_template(
        "community/events/event.html",
        event=found,
        mine=mine,
        positions=browse.waiting_positions(mine),
        show_where=manages or browse.has_place(mine),
        manages=manages,
        bookable=browse.is_bookable(found),
        places_text=browse.places_text(found),
        may_book=current_user.has_role(*FAMILY_ROLES),
        confirm_form=ConfirmOfferForm(),
        labels=LABELS,
        when=when,
    )


# --- booking -------------------------------------------------------------------------------------------------


@bp.route("/events/<int:event>/book", methods=["GET", "POST"])
@requires_roles(*FAMILY_ROLES)
def book(event: int):
    """Choose whom to book; each gets a place, or a place on the waiting list when the event is full."""
    found = get_or_404(Event, event, "view")
    mine = browse.places_on(current_user, [found.id]).get(found.id, [])
    offer = browse.bookable(current_user, found, mine)
    form = BookForm()
    form.attendees.choices = [SelectChoice(value, label) for value, label in offer.choices]
    open_now = browse.is_bookable(found)
    if open_now and form.validate_on_submit():
        learners, guardians = browse.chosen(current_user, form.attendees.data, offer)
        with unit_of_work(form) as work:
            made = booking_service.book_places(current_user, found, learners, guardians=guardians)
            told = browse.outcome(made)
        if work.ok:
            flash(told, "success")
            return redirect(url_for("community.event", event=found.id))
    return render_template(
        "community/events/book.html",
        form=form,
        event=found,
        offer=offer,
        mine=mine,
        open_now=open_now,
        places_text=browse.places_text(found),
        labels=LABELS,
        when=when,
    )


@bp.route("/bookings")
@requires_roles(*FAMILY_ROLES)
def bookings():
    """The family's bookings: places offered to confirm first, then upcoming (or past) ones."""
    past = request.args.get("show") == "past"
    found = paginate(browse.family_bookings(current_user, past=past), per_page=PER_PAGE)
    return render_template(
        "community/events/bookings.html",
        page=found,
        past=past,
        offers=browse.offers(current_user),
        positions=browse.waiting_positions(list(found.items)),
        args={"show": "past"} if past else {},
        confirm_form=ConfirmOfferForm(),
        labels=LABELS,
        when=when,
    )


@bp.route("/bookings/<int:booking>/cancel", methods=["GET", "POST"])
@requires_roles(*FAMILY_ROLES, Role.COORDINATOR, Role.ADMIN)
def cancel_booking(booking: int):
    found = get_or_404(Booking, booking, "cancel")
    form = CancelBookingForm()
    manages = can(current_user, "manage", found.event)
    if found.state is not BookingState.CANCELLED and form.validate_on_submit():
        event_id = found.event_id
        with unit_of_work(form) as work:
            refunded = booking_service.cancel(current_user, found)
        if work.ok:
            name = found.attendee_name
            flash(
                f"{name}’s booking is cancelled. {pounds(refunded)} has been refunded."
                if refunded
                else f"{name}’s booking is cancelled. Nothing was refunded."
                if found.cost_pence
                else f"{name}’s booking is cancelled.",
                "success",
            )
            return redirect(url_for("community.event", event=event_id) if manages else url_for("community.bookings"))
    return render_template(
        "community/events/cancel.html",
        form=form,
        booking=found,
        event=found.event,
        manages=manages,
        allowed=manages or browse.family_may_cancel(found),
        refund=browse.refund_applies(found),
        labels=LABELS,
        when=when,
    )


@bp.route("/bookings/<int:booking>/confirm", methods=["POST"])
@requires_roles(*FAMILY_ROLES)
def confirm_offer(booking: int):
    found = get_or_404(Booking, booking, "confirm")
    if ConfirmOfferForm().validate_on_submit():
        with unit_of_work() as work:
            booking_service.confirm_offer(current_user, found)
        if work.ok:
            flash(f"The place at {found.event.title} for {found.attendee_name} is confirmed.", "success")
    return redirect(url_for("community.bookings"))
