"""Calendar feeds (iCalendar, RFC 5545, written with the ``icalendar`` library).

* **A public feed per locality**: its published events and the academy-wide ones, from 60 days ago on. No
  personal data and no online links (an online session's location is just "Online"); a cancelled event stays
  in the feed with ``STATUS:CANCELLED`` so calendars that had it show it cancelled.
* **A private feed per family**: the events its places are booked (or offered) at, with the venue's address
  and, for an online session, its link; an event cancelled after they booked shows as cancelled. It says how
  many places, never whose. The feed's address carries a random token (:func:`reset_token`); only a SHA-256 hash
  of it is kept, so the link cannot be read back from the database, and resetting it ends the old link at once.
  A wrong or old token finds no family (the view answers 404).

Times are written in Europe/London with its ``VTIMEZONE``, so a calendar shows 10:00 in March and in June alike.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar
from icalendar import Event as VEvent
from sqlalchemy import or_, select

from virtualacademy import clock
from virtualacademy.errors import NotAllowed
from virtualacademy.extensions import db
from virtualacademy.models import Booking, BookingState, Event, EventStatus, Family, FamilyFeed, Locality, User
from virtualacademy.models.community import EVENT_TYPE_LABELS
from virtualacademy.services import audit
from virtualacademy.services.community import access
from virtualacademy.services.community.bookings import EVENT_CANCELLED

PAST_DAYS = 60
MAX_EVENTS = 2_000
PRODID = "-//Virtual Academy//Community events//EN"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def reset_token(actor: User, family: Family) -> str:
    """A new private feed address token for ``family`` (the old one stops working). Shown once: only its hash is
    kept."""
    if not access.in_family(actor, family.id):
        raise NotAllowed("Only the family can make its calendar link")
    token = secrets.token_urlsafe(32)
    feed = db.session.get(FamilyFeed, family.id)
    if feed is None:
        db.session.add(FamilyFeed(family_id=family.id, token_hash=_hash(token), created_at=clock.now()))
    else:
        feed.token_hash, feed.created_at = _hash(token), clock.now()
    db.session.flush()
    audit.record("community.feed_token_reset", actor=actor, obj=family)
    return token


def family_for_token(token: str | None) -> Family | None:
    """The family whose current token this is, or None (a wrong, malformed or reset token)."""
    if not token or len(token) > 100:
        return None
    family_id = db.session.scalar(select(FamilyFeed.family_id).where(FamilyFeed.token_hash == _hash(token)))
    return db.session.get(Family, family_id) if family_id is not None else None


@dataclass
class FamilyCalendar:
    """For the calendar page: one of the person's families, and whether its private link has been made."""

    family: Family
    #: When the current private link was made (None: never).
    link_made_at: datetime | None


@dataclass
class CalendarPage:
    """What the calendar page shows ``user``: the localities whose public feeds they may add (their children's
    and those their family follows), and their families' private feeds."""

    localities: list[Locality]
    families: list[FamilyCalendar]


def calendar_page(user: User) -> CalendarPage:
    """The calendar page's facts for a parent, carer or learner, in three statements."""
    from virtualacademy.services.community.common import family_ids_of

    localities = list(
        db.session.scalars(
            select(Locality).where(Locality.id.in_(access.visible_locality_ids(user))).order_by(Locality.name).limit(50)
        )
    )
    families = list(
        db.session.scalars(select(Family).where(Family.id.in_(family_ids_of(user))).order_by(Family.id).limit(20))
    )
    made = dict(
        db.session.execute(
            select(FamilyFeed.family_id, FamilyFeed.created_at).where(FamilyFeed.family_id.in_(family_ids_of(user)))
        ).all()
    )
    return CalendarPage(localities, [FamilyCalendar(family, made.get(family.id)) for family in families])


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    return calendar


def _host() -> str:
    return urlsplit(current_app.config.get("BASE_URL") or "").hostname or "virtualacademy.invalid"


def _vevent(event: Event, *, private: bool, places: int = 0) -> VEvent:
    item = VEvent()
    item.add("uid", f"community-event-{event.id}@{_host()}")
    item.add("dtstamp", event.updated_at)
    item.add("last-modified", event.updated_at)
    item.add("dtstart", clock.london(event.starts_at))
    item.add("dtend", clock.london(event.ends_at))
    item.add("summary", event.title)
    item.add("categories", [EVENT_TYPE_LABELS[event.event_type]])
    description = event.description or ""
    if private and places and event.status is not EventStatus.CANCELLED:
        description = f"{places} place{'s' if places != 1 else ''} booked.\n\n{description}"
    if private and event.online_link:
        description += f"\n\nJoin online: {event.online_link}"
        item.add("url", event.online_link)
    if description.strip():
        item.add("description", description.strip())
    if event.is_online:
        item.add("location", "Online")
    elif event.venue:
        item.add("location", ", ".join(p for p in (event.venue, (event.address or "").replace("\n", ", ")) if p))
    item.add("status", "CANCELLED" if event.status is EventStatus.CANCELLED else "CONFIRMED")
    return item


def _exam_vevent(paper, entry) -> VEvent:
    """A paper a child sits, for the family's private feed."""
    from datetime import datetime

    from virtualacademy.services.exams.series import SESSION_STARTS

    starts = datetime.combine(paper.sits_on, SESSION_STARTS[paper.session], clock.LONDON)
    item = VEvent()
    item.add("uid", f"exam-paper-{paper.id}-entry-{entry.id}@{_host()}")
    item.add("dtstamp", clock.now())
    item.add("dtstart", starts)
    item.add("dtend", starts + timedelta(minutes=paper.duration_minutes))
    item.add("summary", f"{entry.learner.known_as}: {paper.qualification.subject} {paper.title} ({paper.paper_code})")
    item.add("categories", ["Exam"])
    where = ", ".join(p for p in (paper.room, entry.centre.name) if p)
    if where:
        item.add("location", where)
    item.add(
        "description",
        f"{paper.session.value.upper()} session; arrive 30 minutes early with the statement of entry. "
        "Start times are the usual ones: the statement of entry gives the centre's.",
    )
    item.add("status", "CONFIRMED")
    return item


def _finish(calendar: Calendar) -> bytes:
    today = clock.today()
    calendar.add_missing_timezones(
        first_date=today - timedelta(days=PAST_DAYS + 366), last_date=today.replace(year=today.year + 3)
    )
    return calendar.to_ical()


def locality_feed(locality: Locality) -> bytes:
    """The public feed of ``locality``'s events (and the academy-wide ones)."""
    since = clock.now() - timedelta(days=PAST_DAYS)
    events = db.session.scalars(
        select(Event)
        .where(
            or_(Event.locality_id == locality.id, Event.locality_id.is_(None)),
            Event.published_at.is_not(None),
            Event.status != EventStatus.DRAFT,
            Event.ends_at >= since,
        )
        .order_by(Event.starts_at, Event.id)
        .limit(MAX_EVENTS)
    )
    calendar = _calendar(f"{locality.name} events")
    for event in events:
        calendar.add_component(_vevent(event, private=False))
    return _finish(calendar)


def family_feed(family: Family) -> bytes:
    """The private feed of a family's booked events, and the exam papers their children are entered for."""
    since = clock.now() - timedelta(days=PAST_DAYS)
    holding = or_(
        Booking.state.in_([BookingState.BOOKED, BookingState.OFFERED]),
        (Booking.state == BookingState.CANCELLED) & (Booking.cancel_reason == EVENT_CANCELLED),
    )
    rows = db.session.execute(
        select(Event, db.func.count(Booking.id))
        .join(Booking, Booking.event_id == Event.id)
        .where(Booking.family_id == family.id, holding, Event.ends_at >= since)
        .group_by(Event.id)
        .order_by(Event.starts_at, Event.id)
        .limit(MAX_EVENTS)
    ).all()
    calendar = _calendar("Our academy events")
    for event, places in rows:
        calendar.add_component(_vevent(event, private=True, places=places))
    from virtualacademy.services.exams.series import family_papers

    for paper, entry in family_papers(family.id, since.date()):
        calendar.add_component(_exam_vevent(paper, entry))
    return _finish(calendar)
