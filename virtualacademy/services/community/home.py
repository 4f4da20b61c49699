"""The coordinator's locality page, as decided values: upcoming events with their bookings, registers still to
take, placements waiting for a decision, the locality's learners without contact, recent announcements and the
locality's budget; and the counts a coordinator's dashboard shows for each of their localities. A fixed number of
statements however large the locality.

"Without contact" is the mentoring rule (``mentoring.without_contact``): no contact made for more than 14 days,
counted from the last contact made or, with none, from the day the current mentor started; a learner with neither
has had none ever. Here it is counted in the database (``mentoring.no_contact_cutoff``) for the learners on roll
in the locality today."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import selectinload

from virtualacademy import clock
from virtualacademy.errors import NotAllowed
from virtualacademy.extensions import db
from virtualacademy.models import (
    Announcement,
    Attendance,
    Booking,
    BookingState,
    Enrolment,
    Event,
    EventStatus,
    Learner,
    Locality,
    MentorAssignment,
    Opportunity,
    Placement,
    PlacementState,
    User,
)
from virtualacademy.policies.relations import coordinated_localities as coordinated_localities_select
from virtualacademy.policies.relations import oversees_every_locality
from virtualacademy.services import ledger, mentoring
from virtualacademy.services.community import access
from virtualacademy.services.localities import on_roll_filter

UPCOMING_DAYS = 28
#: Registers are listed for events that started in this many days (the learning log's own window).
REGISTER_DAYS = 14
#: At most this many rows in each list on the page (the counts say how many there are in all).
LIST_LIMIT = 50
#: Learners without contact named on the page, longest without contact first (the count says how many in all).
WITHOUT_CONTACT_SHOWN = 10


@dataclass
class NoContact:
    """A learner without contact: when they were last contacted (a London day; None: never) and, counted from
    then or from when their mentor started, for how many days (None: never contacted and no mentor)."""

    learner: Learner
    last_contact: date | None
    days: int | None
    has_mentor: bool


@dataclass
class EventLine:
    event: Event
    booked: int
    waiting: int


@dataclass
class LocalityHome:
    locality: Locality
    upcoming: list[EventLine] = field(default_factory=list)
    registers_to_take: list[Event] = field(default_factory=list)
    placements_waiting: list[Placement] = field(default_factory=list)
    announcements: list[Announcement] = field(default_factory=list)
    budget_pence: int = 0
    #: How many of the locality's learners on roll are without contact, and the first of them.
    without_contact_count: int = 0
    without_contact: list[NoContact] = field(default_factory=list)


@dataclass
class LocalityCounts:
    """What needs doing today in one locality: registers to take, placements to decide, learners without
    contact, offers of a place waiting for the family to confirm."""

    locality: Locality
    registers_to_take: int = 0
    placements_to_decide: int = 0
    without_contact: int = 0
    offers_waiting: int = 0


def _register_due(now):
    """Events whose register is to be taken: published, started in the last ``REGISTER_DAYS`` days, with places
    booked and no register taken yet."""
    return and_(
        Event.status == EventStatus.PUBLISHED,
        Event.starts_at <= now,
        Event.starts_at > now - timedelta(days=REGISTER_DAYS),
        exists().where(Booking.event_id == Event.id, Booking.state == BookingState.BOOKED),
        ~exists().where(Attendance.event_id == Event.id),
    )


def locality_home(user: User, locality: Locality) -> LocalityHome:
    if not access.manages_locality(user, locality.id):
        raise NotAllowed("Only the locality's coordinator (or an admin) sees its community page")
    now = clock.now()
    home = LocalityHome(locality)
    counted = db.session.execute(
        select(
            Event,
            func.count(case((Booking.state == BookingState.BOOKED, Booking.id))),
            func.count(case((Booking.state == BookingState.WAITING, Booking.id))),
        )
        .outerjoin(Booking, Booking.event_id == Event.id)
        .where(
            Event.locality_id == locality.id,
            Event.status != EventStatus.CANCELLED,
            Event.ends_at > now,
            Event.starts_at < now + timedelta(days=UPCOMING_DAYS),
        )
        .group_by(Event.id)
        .order_by(Event.starts_at, Event.id)
        .limit(LIST_LIMIT)
    ).all()
    home.upcoming = [EventLine(event, booked, waiting) for event, booked, waiting in counted]
    home.registers_to_take = list(
        db.session.scalars(
            select(Event)
            .where(Event.locality_id == locality.id, _register_due(now))
            .order_by(Event.starts_at, Event.id)
            .limit(LIST_LIMIT)
        )
    )
    home.placements_waiting = list(
        db.session.scalars(
            select(Placement)
            .join(Placement.opportunity)
            .where(Placement.state == PlacementState.INTERESTED, Opportunity.locality_id == locality.id)
            .options(selectinload(Placement.learner), selectinload(Placement.opportunity))
            .order_by(Placement.created_at, Placement.id)
            .limit(LIST_LIMIT)
        )
    )
    home.announcements = list(
        db.session.scalars(
            select(Announcement)
            .where(Announcement.locality_id == locality.id)
            .order_by(Announcement.created_at.desc(), Announcement.id.desc())
            .limit(5)
        )
    )
    home.budget_pence = ledger.locality_account(locality).balance_pence
    home.without_contact_count, home.without_contact = learners_without_contact(locality.id, clock.today())
    return home


# --- learners without contact ----------------------------------------------------------------------------------


def _no_contact_rows(today: date):
    """(learner id, locality id, last contact made, current mentor's start) for every learner on roll today who
    is without contact by the mentoring rule (``mentoring.without_contact_filter``, on the last contact kept on each
    learner): a select to narrow and count, never rows loaded to be counted."""
    on_roll = select(Enrolment.learner_id, Enrolment.locality_id).where(on_roll_filter(today)).subquery()
    return (
        select(
            on_roll.c.learner_id,
            on_roll.c.locality_id,
            Learner.last_contact_on.label("last_on"),
            MentorAssignment.starts_on,
        )
        .join(Learner, Learner.id == on_roll.c.learner_id)
        .outerjoin(MentorAssignment, mentoring.current_mentor_join())
        .where(mentoring.without_contact_filter(today))
    )


def learners_without_contact(locality_id: int, today: date, shown: int = WITHOUT_CONTACT_SHOWN):
    """How many of the locality's learners on roll are without contact on ``today``, and the first ``shown`` of
    them, longest without contact first: never contacted (those with no mentor before those whose mentor started
    earliest), then by the oldest last contact. Two statements (and one for the learners shown)."""
    rows = _no_contact_rows(today).subquery()
    mine = select(rows).where(rows.c.locality_id == locality_id)
    count = db.session.scalar(select(func.count()).select_from(mine.subquery())) or 0
    first = db.session.execute(
        mine.order_by(
            rows.c.last_on.is_not(None),
            rows.c.last_on,
            rows.c.starts_on.is_not(None),
            rows.c.starts_on,
            rows.c.learner_id,
        ).limit(shown)
    ).all()
    learners = {
        learner.id: learner
        for learner in db.session.scalars(select(Learner).where(Learner.id.in_([row.learner_id for row in first])))
    }
    found = []
    for row in first:
        last_day = row.last_on
        since = last_day or row.starts_on
        found.append(
            NoContact(
                learners[row.learner_id], last_day, (today - since).days if since else None, row.starts_on is not None
            )
        )
    return count, found


# --- the community hub ---------------------------------------------------------------------------------------


def coordinated_localities(user: User) -> list[Locality]:
    """The localities ``user`` acts as coordinator of (usually one), by name."""
    return list(
        db.session.scalars(
            select(Locality).where(Locality.id.in_(coordinated_localities_select(user))).order_by(Locality.name)
        )
    )


def locality_search(text: str = ""):
    """Localities whose name contains ``text`` (every one when empty), by name: a select to paginate."""
    stmt = select(Locality).order_by(Locality.name, Locality.id)
    text = text.strip()
    if text:
        stmt = stmt.where(Locality.name.icontains(text, autoescape=True))
    return stmt


def report_localities(user: User) -> list[tuple[int, str]]:
    """The localities ``user`` may choose on the report: every one for an admin, their own for a coordinator."""
    stmt = select(Locality.id, Locality.name).order_by(Locality.name, Locality.id).limit(1000)
    if not oversees_every_locality(user):
        stmt = stmt.where(Locality.id.in_(coordinated_localities_select(user)))
    return [(row.id, row.name) for row in db.session.execute(stmt)]


# --- the coordinator's dashboard -------------------------------------------------------------------------------


def coordinator_counts(user: User) -> list[LocalityCounts]:
    """For each locality ``user`` coordinates (by name), the counts that need action today. Five statements
    however many localities, events and learners: each count is grouped by locality in the database."""
    mine = coordinated_localities_select(user)
    localities = list(db.session.scalars(select(Locality).where(Locality.id.in_(mine)).order_by(Locality.name)))
    if not localities:
        return []
    now = clock.now()
    found = {loc.id: LocalityCounts(loc) for loc in localities}
    for key, count in db.session.execute(
        select(Event.locality_id, func.count(Event.id))
        .where(Event.locality_id.in_(mine), _register_due(now))
        .group_by(Event.locality_id)
    ):
        found[key].registers_to_take = count
    for key, count in db.session.execute(
        select(Opportunity.locality_id, func.count(Placement.id))
        .join(Placement, Placement.opportunity_id == Opportunity.id)
        .where(Opportunity.locality_id.in_(mine), Placement.state == PlacementState.INTERESTED)
        .group_by(Opportunity.locality_id)
    ):
        found[key].placements_to_decide = count
    rows = _no_contact_rows(clock.today()).subquery()
    for key, count in db.session.execute(
        select(rows.c.locality_id, func.count()).where(rows.c.locality_id.in_(mine)).group_by(rows.c.locality_id)
    ):
        found[key].without_contact = count
    for key, count in db.session.execute(
        select(Event.locality_id, func.count(Booking.id))
        .join(Booking, Booking.event_id == Event.id)
        .where(Event.locality_id.in_(mine), Booking.state == BookingState.OFFERED)
        .group_by(Event.locality_id)
    ):
        found[key].offers_waiting = count
    return list(found.values())
