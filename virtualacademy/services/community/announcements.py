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

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import joinedload

from virtualacademy import clock
from virtualacademy.errors import NotAllowed, ValidationError
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


@dataclass
class Posted:
    """An announcement just posted, and how many it reached."""

    announcement: Announcement
    #: Families with a parent or carer told in the app.
    families: int
    #: Parents and carers told in the app.
    people: int
    #: Of those, how many asked for announcements by email and were emailed.
    emailed: int


def post(actor: User, locality: Locality | None, title: str, body: str) -> Announcement:
    """Post an announcement to ``locality``'s families (None: every family, admins only)."""
    return post_counted(actor, locality, title, body).announcement


def post_counted(actor: User, locality: Locality | None, title: str, body: str) -> Posted:
    """:func:`post`, saying how many families and people were told, and how many were emailed."""
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
    return Posted(
        announcement,
        families=_families_told(locality_id),
        people=len(sent),
        emailed=sum(1 for notice in sent if notice.email_template),
    )


def _families_told(locality_id: int | None) -> int:
    """How many families have an active parent or carer in the audience of an announcement to ``locality_id``."""
    families = select(Learner.family_id)
    if locality_id is not None:
        families = families.where(Learner.locality_id == locality_id)
    return db.session.scalar(
        select(func.count(func.distinct(Guardian.family_id)))
        .join(User, User.id == Guardian.user_id)
        .where(Guardian.family_id.in_(families), User.active.is_(True))
    )


def postable_localities(user: User) -> list[Locality]:
    """The localities ``user`` may post announcements to: those they coordinate (every one, for an admin)."""
    from virtualacademy.models import Role
    from virtualacademy.services.localities import coordinated_by

    stmt = select(Locality).where(Locality.active.is_(True)).order_by(Locality.name).limit(1_000)
    if not user.has_role(Role.ADMIN):
        if not user.has_role(Role.COORDINATOR):
            return []
        stmt = stmt.where(Locality.id.in_(coordinated_by(user)))
    return list(db.session.scalars(stmt))


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
    stmt = (
        select(Announcement)
        .options(joinedload(Announcement.locality))
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
    )
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


@dataclass
class Choices:
    """What the community settings page shows one person: their email choices and, for a parent or carer, the
    localities their family may follow (every active one but their children's own) and those it follows."""

    preference: CommunityPreference
    #: The families the person is a parent or carer in (empty for a learner).
    families: list[Family]
    #: Localities that may be followed, by name (empty when there is no family to follow them for).
    localities: list[Locality]
    followed_ids: set[int]


#: More localities than the academy will ever have: the list of those to follow is never cut short in practice.
MAX_LOCALITIES = 1_000


def _guardian_families(user: User) -> list[Family]:
    return list(
        db.session.scalars(
            select(Family)
            .join(Guardian, Guardian.family_id == Family.id)
            .where(Guardian.user_id == user.id)
            .order_by(Family.id)
            .limit(20)
        ).unique()
    )


def _followable(families: list[Family]) -> tuple[list[Locality], set[int]]:
    """Localities the families may follow (active, not their children's own), and those they follow now."""
    if not families:
        return [], set()
    family_ids = [family.id for family in families]  # at most 20
    own = select(Learner.locality_id).where(Learner.family_id.in_(family_ids), Learner.locality_id.is_not(None))
    localities = list(
        db.session.scalars(
            select(Locality)
            .where(Locality.active.is_(True), Locality.id.not_in(own))
            .order_by(Locality.name)
            .limit(MAX_LOCALITIES)
        )
    )
    followed = set(
        db.session.scalars(
            select(FollowedLocality.locality_id).where(FollowedLocality.family_id.in_(family_ids)).distinct()
        )
    )
    return localities, followed


def choices_for(user: User) -> Choices:
    """The person's community choices, for the settings page."""
    families = _guardian_families(user)
    localities, followed = _followable(families)
    return Choices(preferences(user), families, localities, followed)


def save_choices(
    actor: User, *, announcement_emails: bool, weekly_digest: bool, following: set[int] | None = None
) -> Choices:
    """Save the person's email choices and (``following`` given, for a parent or carer) the localities their
    families follow: those named are followed, any other is no longer."""
    set_preferences(actor, announcement_emails=announcement_emails, weekly_digest=weekly_digest)
    families = _guardian_families(actor)
    if following is not None and families:
        localities, followed = _followable(families)
        allowed = {locality.id: locality for locality in localities}
        if not set(following) <= allowed.keys() | followed:
            raise ValidationError("Choose localities from the list", field="following")
        for family in families:
            for locality_id in set(following) ^ followed:
                locality = allowed.get(locality_id) or db.session.get(Locality, locality_id)
                follow(actor, family, locality, following=locality_id in following)
    return choices_for(actor)


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
