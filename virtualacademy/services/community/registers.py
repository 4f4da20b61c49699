"""On the day: the coordinator takes the register (on a phone) for an event's booked places, marking each
present, late or absent. A learner marked present or late gets an attendance-in-learning entry in their learning
log (activity "community event", the event's subject areas, the time it ran that day), one per London day the
event ran up to today, through the learning log's own :func:`~virtualacademy.services.learning_log.add_attended`;
taking the register again is safe (days already logged are not logged twice, and a learner changed to absent has
the entries the register made taken back).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, delete, insert, select
from sqlalchemy.orm import contains_eager

from virtualacademy import clock
from virtualacademy.errors import DomainError, NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    ActivityType,
    Attendance,
    AttendanceMark,
    Booking,
    BookingState,
    Event,
    EventStatus,
    Guardian,
    Learner,
    LogEntry,
    User,
)
from virtualacademy.models.community import EVENT_TYPE_LABELS, attendance_log_entry
from virtualacademy.services import audit, learning_log
from virtualacademy.services.community import access

ATTENDED = (AttendanceMark.PRESENT, AttendanceMark.LATE)


@dataclass
class RegisterRow:
    booking: Booking
    attendance: Attendance | None

    @property
    def mark(self) -> AttendanceMark | None:
        return self.attendance.mark if self.attendance is not None else None


def register(event: Event) -> list[RegisterRow]:
    """The booked places with their marks so far, learners first, by name (attendees loaded with them)."""
    rows = db.session.execute(
        _booked(event)
        .add_columns(Attendance)
        .outerjoin(Attendance, Attendance.booking_id == Booking.id)
        .options(contains_eager(Booking.learner), contains_eager(Booking.guardian))
    ).all()
    return [RegisterRow(booking, attendance) for booking, attendance in rows]


def _booked(event: Event) -> Select:
    return (
        select(Booking)
        .outerjoin(Learner, Learner.id == Booking.learner_id)
        .outerjoin(Guardian, Guardian.id == Booking.guardian_id)
        .where(Booking.event_id == event.id, Booking.state == BookingState.BOOKED)
        .order_by(Booking.learner_id.is_(None), Learner.legal_name, Guardian.name, Booking.id)
    )


def register_places(event: Event) -> Select:
    """The booked places (learners first, by name, attendees loaded), to paginate a long register."""
    return _booked(event).options(contains_eager(Booking.learner), contains_eager(Booking.guardian))


def marks_for(booking_ids: list[int]) -> dict[int, AttendanceMark]:
    """The marks recorded so far for a page of booked places (one query)."""
    if not booking_ids:
        return {}
    rows = db.session.execute(
        select(Attendance.booking_id, Attendance.mark).where(Attendance.booking_id.in_(booking_ids))
    )
    return {booking_id: mark for booking_id, mark in rows}


def day_minutes(event: Event, today: date) -> list[tuple[date, int]]:
    """(London date, minutes the event ran that day) for each day it ran, up to ``today``."""
    start, end = clock.london(event.starts_at), clock.london(event.ends_at)
    days, day = [], start.date()
    while day <= end.date() and day <= today:
        opens = max(start, datetime(day.year, day.month, day.day, tzinfo=clock.LONDON))
        following = day + timedelta(days=1)
        closes = min(end, datetime(following.year, following.month, following.day, tzinfo=clock.LONDON))
        # In UTC: two London times subtract as wall-clock times, which is wrong on the days the clocks change.
        elapsed = closes.astimezone(UTC) - opens.astimezone(UTC)
        minutes = min(int(elapsed.total_seconds() // 60), learning_log.DAY_MINUTES)
        if minutes > 0:
            days.append((day, minutes))
        day = following
    return days


def _logged_days(attendance: Attendance) -> dict[date, LogEntry]:
    entries = db.session.scalars(
        select(LogEntry)
        .join(attendance_log_entry, attendance_log_entry.c.log_entry_id == LogEntry.id)
        .where(attendance_log_entry.c.attendance_id == attendance.id)
    )
    return {entry.on_date: entry for entry in entries}


def _log_attendance(actor: User, event: Event, attendance: Attendance, today: date) -> int:
    booking = attendance.booking
    done = _logged_days(attendance)
    made = 0
    for day, minutes in day_minutes(event, today):
        if day in done:
            continue
        data = learning_log.LogInput(
            on_date=day,
            minutes=minutes,
            activity=ActivityType.COMMUNITY_EVENT,
            subject_ids=[s.id for s in event.subjects],
            description=f"{event.title} ({EVENT_TYPE_LABELS[event.event_type].lower()})"[
                : learning_log.DESCRIPTION_MAX
            ],
        )
        try:
            entry = learning_log.add_attended(actor, booking.learner, data, today)
        except ValidationError as error:
            raise ValidationError(f"{booking.learner.known_as}: {error.message}", field="marks") from error
        db.session.execute(insert(attendance_log_entry).values(attendance_id=attendance.id, log_entry_id=entry.id))
        made += 1
    return made


def _unlog_attendance(attendance: Attendance) -> int:
    entries = list(_logged_days(attendance).values())
    db.session.execute(delete(attendance_log_entry).where(attendance_log_entry.c.attendance_id == attendance.id))
    for entry in entries:
        learning_log.remove_attended(entry)
    return len(entries)


def take_register(actor: User, event: Event, marks: dict[int, AttendanceMark], today: date | None = None) -> int:
    """Record marks (booking id -> mark) for booked places; returns the learning-log entries made. Refused for
    someone who does not manage the event, before it starts, for a cancelled event, or for a booking that is not
    a booked place at this event (nothing is recorded then)."""
    if not access.may_manage_event(actor, event):
        raise NotAllowed("Only the locality's coordinator (or an admin) can take this register")
    if event.status is not EventStatus.PUBLISHED:
        raise DomainError("The register is only taken for a published event that was not cancelled")
    if clock.now() < event.starts_at:
        raise DomainError("The register can be taken once the event has started")
    today = today or clock.today()
    rows = {row.booking.id: row for row in register(event)}
    unknown = [b for b in marks if b not in rows]
    if unknown:
        raise ValidationError("Mark only the places booked for this event", field="marks")
    if any(not isinstance(mark, AttendanceMark) for mark in marks.values()):
        raise ValidationError("Mark each place present, late or absent", field="marks")
    made = 0
    for booking_id, mark in sorted(marks.items()):
        row = rows[booking_id]
        attendance = row.attendance
        if attendance is None:
            attendance = Attendance(event_id=event.id, booking_id=booking_id, learner_id=row.booking.learner_id)
            attendance.booking = row.booking
            db.session.add(attendance)
        attendance.mark, attendance.recorded_by_id, attendance.recorded_at = mark, actor.id, clock.now()
        db.session.flush()
        if row.booking.learner_id is None:
            continue
        if mark in ATTENDED:
            made += _log_attendance(actor, event, attendance, today)
        else:
            _unlog_attendance(attendance)
    audit.record("community.register_taken", actor=actor, obj=event, detail={"marks": len(marks), "logged": made})
    return made
