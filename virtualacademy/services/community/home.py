"""The coordinator's locality page, as decided values: upcoming events with their bookings, registers still to
take, placements waiting for a decision, recent announcements and the locality's budget. A fixed number of
statements however large the locality. (Learners overdue a contact come from ``services/mentoring``.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import case, exists, func, select

from virtualacademy import clock
from virtualacademy.errors import NotAllowed
from virtualacademy.extensions import db
from virtualacademy.models import (
    Announcement,
    Attendance,
    Booking,
    BookingState,
    Event,
    EventStatus,
    Locality,
    Placement,
    PlacementState,
    User,
)
from virtualacademy.services import ledger
from virtualacademy.services.community import access

UPCOMING_DAYS = 28
#: Registers are listed for events that started in this many days (the learning log's own window).
REGISTER_DAYS = 14


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
    ).all()
    home.upcoming = [EventLine(event, booked, waiting) for event, booked, waiting in counted]
    booked = exists().where(Booking.event_id == Event.id, Booking.state == BookingState.BOOKED)
    marked = exists().where(Attendance.event_id == Event.id)
    home.registers_to_take = list(
        db.session.scalars(
            select(Event)
            .where(
                Event.locality_id == locality.id,
                Event.status == EventStatus.PUBLISHED,
                Event.starts_at <= now,
                Event.starts_at > now - timedelta(days=REGISTER_DAYS),
                booked,
                ~marked,
            )
            .order_by(Event.starts_at, Event.id)
        )
    )
    home.placements_waiting = list(
        db.session.scalars(
            select(Placement)
            .join(Placement.opportunity)
            .where(Placement.state == PlacementState.INTERESTED, Placement.opportunity.has(locality_id=locality.id))
            .order_by(Placement.created_at, Placement.id)
            .limit(50)
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
    return home
