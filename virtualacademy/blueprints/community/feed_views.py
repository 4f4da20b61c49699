"""Calendar feeds: each locality's public feed, a family's private feed found by its token, and the page that
explains both, where a family makes (or remakes) its private link and sees it once."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, session, url_for
from flask_login import current_user

from virtualacademy import mail
from virtualacademy.blueprints.community import bp
from virtualacademy.blueprints.community.settings_forms import ResetFeedForm
from virtualacademy.extensions import db, limiter
from virtualacademy.inputs import to_int
from virtualacademy.models import Family, Locality, Role
from virtualacademy.policies import get_or_404, requires_roles
from virtualacademy.services.community import feeds
from virtualacademy.unit_of_work import unit_of_work

#: Where the private link just made waits, in the person's session, for the one page that shows it.
NEW_LINK = "community_feed_link"
CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _feed_limit() -> str:
    return current_app.config.get("COMMUNITY_FEED_LIMIT", "120 per minute")


def webcal(url: str) -> str:
    """The same address for calendar apps that subscribe from a ``webcal://`` link (Apple Calendar, Outlook)."""
    return "webcal://" + url.split("://", 1)[-1]


def _ics(body: bytes, filename: str):
    response = make_response(body)
    response.headers["Content-Type"] = CALENDAR_TYPE
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.route("/localities/<int:locality>/events.ics")
@limiter.limit(_feed_limit)
def locality_feed(locality: int):
    """A locality's public calendar (no sign-in): its published events and the academy-wide ones."""
    place = db.get_or_404(Locality, locality)
    response = _ics(feeds.locality_feed(place), f"locality-{place.id}-events.ics")
    response.headers["Cache-Control"] = "public, max-age=900"
    return response


@bp.route("/feeds/<string(maxlength=100):token>.ics")
@limiter.limit(_feed_limit)
def family_feed(token: str):
    """A family's private calendar, found by the token in its address (a wrong or old one: 404)."""
    family = feeds.family_for_token(token)
    if family is None:
        abort(404)
    response = _ics(feeds.family_feed(family), "our-academy-events.ics")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/calendar")
@requires_roles(Role.GUARDIAN, Role.LEARNER)
def calendar():
    """The two feeds explained, with the links to copy; a private link just made is shown here once."""
    page = feeds.calendar_page(current_user)
    new_link = session.pop(NEW_LINK, None)
    fresh = None
    if isinstance(new_link, dict) and any(f.family.id == new_link.get("family") for f in page.families):
        fresh = {
            "family": new_link["family"],
            "url": mail.absolute_url("community.family_feed", token=str(new_link.get("token", ""))),
        }
    return render_template(
        "community/feeds/calendar.html",
        page=page,
        fresh=fresh,
        public_links=[
            (locality, mail.absolute_url("community.locality_feed", locality=locality.id))
            for locality in page.localities
        ],
        webcal=webcal,
    )


@bp.route("/calendar/reset", methods=["POST"])
@requires_roles(Role.GUARDIAN, Role.LEARNER)
def reset_feed():
    """Make a new private link (the old one stops working at once) and show it on the next page, once."""
    form = ResetFeedForm()
    if not form.validate_on_submit():
        abort(400)
    family = get_or_404(Family, to_int(form.family.data or "") or 0, "community_feed")
    with unit_of_work() as work:
        token = feeds.reset_token(current_user, family)
    if work.ok:
        session[NEW_LINK] = {"family": family.id, "token": token}
        flash("Your new private calendar link is below. Any link made before it no longer works.", "success")
    return redirect(url_for("community.calendar"))
