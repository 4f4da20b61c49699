"""Keeping families informed: announcements, community email choices, following a neighbouring locality, the
weekly digest and the reminder the day before an event.

* **Announcements** go to a locality's families (or, from an admin, every family): in the app for everyone, and
  by email to those who opted in (:class:`CommunityPreference`, off by default). One notification per person,
  written in a few statements however many families (``notifications.notify_many``).
* **The weekly digest** (the ``community-digest`` job, Sundays): for each parent or carer who has not turned it
  off, the events published in the last week in the localities they see and the family's bookings in the next
  two weeks. One email per person per week (its key names the week), nothing if there is nothing to say.
* **Reminders** (the ``community-reminders`` job, hourly): a booked family is emailed once, about 24 hours
  before each event they have places at.

Both jobs are level-triggered: they ask what is due at ``now`` and their keys make a repeated run send nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, select

from virtualacademy import clock
from virtualacademy.errors import NotAllowed
from virtualacademy.extensions import db
from virtualacademy.models import (
    Announcement,
    Booking,
    BookingState,
    CommunityPreference,
    Event,
    EventStatus,
    Family,
    FollowedLocality,
    Guardian,
    Learner,
    Locality,
    User,
)
from virtualacademy.services import audit, notifications
from virtualacademy.services.community import access
from virtualacademy.services.community.bookings import event_link
from virtualacademy.services.community.common import clean_markdown, render_markdown, require_text, when

DIGEST_DAYS_AHEAD = 14
REMINDER_HOURS = 24


def post(actor: User, locality: Locality | None, title: str, body: str) -> Announcement:
    """Post an announcement to ``locality``'s families (None: every family, admins only)."""
    locality_id = locality.id if locality is not None else None
    if not access.manages_locality(actor, locality_id):
        raise NotAllowed("Only the locality's coordinator (or an admin, for everyone) can post announcements")
    title = require_text(title, "title", "Enter the announcement's title", 200)
    source = clean_markdown(body)
    require_text(source, "body", "Write the announcement", 10_000, multiline=True)
    announcement = Announcement(
        locality_id=locality_id,
        title=title,
        body=source,
        body_html=render_markdown(source),
        author_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(announcement)
    db.session.flush()
    sent = notifications.notify_many(
        notifications.Notice(
            user=user,
            key=f"community-announcement:{announcement.id}:{user.id}",
            kind="community_announcement",
            title=title,
            body=source[:1000],
            link=f"/community/announcements/{announcement.id}",
            email_template="notification" if emails else None,
        )
        for user, emails in _audience(locality_id)
    )
    audit.record("community.announcement_posted", actor=actor, obj=announcement, detail={"told": len(sent)})
    return announcement


def _audience(locality_id: int | None) -> list[tuple[User, bool]]:
    """Each parent or carer in the locality's families (every family: None), with whether they want emails."""
    families = select(Learner.family_id)
    if locality_id is not None:
        families = families.where(Learner.locality_id == locality_id)
    rows = db.session.execute(
        select(User, CommunityPreference.announcement_emails)
        .join(Guardian, Guardian.user_id == User.id)
        .outerjoin(CommunityPreference, CommunityPreference.user_id == User.id)
        .where(Guardian.family_id.in_(families), User.active.is_(True))
        .distinct()
        .order_by(User.id)
    ).all()
    return [(user, bool(emails)) for user, emails in rows]


def announcements_for(user: User) -> Select:
    """Announcements ``user`` sees, newest first (a select for the page to paginate)."""
    stmt = select(Announcement).order_by(Announcement.created_at.desc(), Announcement.id.desc())
    return access.narrow_by_locality(user, stmt, Announcement.locality_id)


def preferences(user: User) -> CommunityPreference:
    return db.session.get(CommunityPreference, user.id) or CommunityPreference(
        user_id=user.id, announcement_emails=False, weekly_digest=True
    )


def set_preferences(user: User, *, announcement_emails: bool, weekly_digest: bool) -> CommunityPreference:
    choice = db.session.get(CommunityPreference, user.id)
    if choice is None:
        choice = CommunityPreference(user_id=user.id)
        db.session.add(choice)
    choice.announcement_emails, choice.weekly_digest = bool(announcement_emails), bool(weekly_digest)
    db.session.flush()
    return choice


def follow(actor: User, family: Family, locality: Locality, following: bool = True) -> None:
    """Opt the family in to (or out of) a neighbouring locality's events."""
    if not access.in_family(actor, family.id):
        raise NotAllowed("Only the family can choose which localities it follows")
    row = db.session.get(FollowedLocality, (family.id, locality.id))
    if following and row is None:
        db.session.add(FollowedLocality(family_id=family.id, locality_id=locality.id))
    elif not following and row is not None:
        db.session.delete(row)
    db.session.flush()


# --- the jobs -----------------------------------------------------------------------------------------------


def send_event_reminders(now: datetime | None = None) -> int:
    """Email each booked family once about an event starting within the next 24 hours."""
    now = now or clock.now()
    rows = db.session.execute(
        select(Event, Booking.family_id, User)
        .join(Booking, Booking.event_id == Event.id)
        .join(Guardian, Guardian.family_id == Booking.family_id)
        .join(User, User.id == Guardian.user_id)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at > now,
            Event.starts_at <= now + timedelta(hours=REMINDER_HOURS),
            Booking.state == BookingState.BOOKED,
            User.active.is_(True),
        )
        .distinct()
        .order_by(Event.starts_at, Event.id, User.id)
    ).all()
    sent = notifications.notify_many(
        notifications.Notice(
            user=user,
            key=f"community-reminder:{event.id}:{family_id}:{user.id}",
            kind="community_reminder",
            title=f"Tomorrow: {event.title}",
            body=f"{event.title} starts on {when(event.starts_at)}"
            + (f" at {event.venue}." if event.venue and not event.is_online else "."),
            link=event_link(event),
            email_template="notification",
        )
        for event, family_id, user in rows
    )
    return len(sent)


@dataclass
class _Reader:
    user: User
    family_ids: set[int]
    locality_ids: set[int]


def _readers() -> dict[int, _Reader]:
    """Every active parent or carer who wants the digest, with their families and the localities they see."""
    wants = and_(
        User.active.is_(True),
        User.id.not_in(select(CommunityPreference.user_id).where(CommunityPreference.weekly_digest.is_(False))),
    )
    readers: dict[int, _Reader] = {}
    for user, family_id, locality_id in db.session.execute(
        select(User, Guardian.family_id, Learner.locality_id)
        .join(Guardian, Guardian.user_id == User.id)
        .join(Learner, Learner.family_id == Guardian.family_id)
        .where(wants)
        .distinct()
    ):
        reader = readers.setdefault(user.id, _Reader(user, set(), set()))
        reader.family_ids.add(family_id)
        if locality_id is not None:
            reader.locality_ids.add(locality_id)
    for user_id, locality_id in db.session.execute(
        select(Guardian.user_id, FollowedLocality.locality_id).join(
            FollowedLocality, FollowedLocality.family_id == Guardian.family_id
        )
    ):
        if user_id in readers:
            readers[user_id].locality_ids.add(locality_id)
    return readers


def send_weekly_digests(now: datetime | None = None) -> int:
    """The weekly digest for each parent or carer with something to tell; returns how many were queued."""
    now = now or clock.now()
    year, week, _ = clock.london(now).isocalendar()
    new_events = list(
        db.session.scalars(
            select(Event)
            .where(
                Event.status == EventStatus.PUBLISHED,
                Event.published_at > now - timedelta(days=7),
                Event.starts_at > now,
            )
            .order_by(Event.starts_at, Event.id)
        )
    )
    upcoming: dict[int, list[tuple[Event, Booking]]] = defaultdict(list)
    for event, booking in db.session.execute(
        select(Event, Booking)
        .join(Booking, Booking.event_id == Event.id)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at > now,
            Event.starts_at <= now + timedelta(days=DIGEST_DAYS_AHEAD),
            Booking.state.in_([BookingState.BOOKED, BookingState.OFFERED]),
        )
        .order_by(Event.starts_at, Booking.id)
    ):
        upcoming[booking.family_id].append((event, booking))
    digests = []
    for reader in _readers().values():
        lines = [
            f"New: {e.title}, {when(e.starts_at)} ({e.places_left} places left)"
            for e in new_events
            if e.locality_id is None or e.locality_id in reader.locality_ids
        ]
        booked = sorted(
            {(e.starts_at, e.id, e.title) for f in reader.family_ids for e, _b in upcoming.get(f, [])},
        )
        lines += [f"Booked: {title}, {when(starts)}" for starts, _id, title in booked]
        if lines:
            digests.append(
                notifications.Digest(
                    user=reader.user,
                    key=f"community-digest:{reader.user.id}:{year}-W{week:02d}",
                    subject="This week's events",
                    intro="New events near you, and your family's bookings in the next two weeks:",
                    lines=lines,
                    link="/community/events",
                )
            )
    return notifications.email_digests(digests)
