"""The enrolment lifecycle: a learner withdrawn, and enrolled again."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    Enrolment,
    EnrolmentStatus,
    Learner,
    Locality,
    MentorAssignment,
    User,
    WithdrawalReason,
)
from virtualacademy.services import audit


def withdraw(actor: User, learner: Learner, on: date, reason: WithdrawalReason, note: str | None = None) -> Enrolment:
    """End the learner's current enrolment: ``on`` is the first day off roll.

    Their mentor's assignment ends on the same day, as at a handover: the child leaves the mentor's caseload and
    reminders, and the mentor may read the child's records for 30 days after it, never change them. Re-enrolled,
    the child waits for a mentor to be assigned again."""
    enrolment = learner.current_enrolment
    if enrolment is None:
        raise ValidationError(f"{learner.known_as} is not enrolled")
    if on < enrolment.start_date:
        raise ValidationError(
            f"The withdrawal date cannot be before the enrolment started ({enrolment.start_date:%-d %B %Y})",
            field="withdrawal_date",
        )
    if reason is WithdrawalReason.OTHER and not (note or "").strip():
        raise ValidationError("Say why the learner is leaving", field="note")
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.end_date = on
    enrolment.withdrawal_reason = reason
    enrolment.withdrawal_note = (note or "").strip() or None
    mentor = db.session.scalar(
        select(MentorAssignment).where(MentorAssignment.learner_id == learner.id, MentorAssignment.ends_on.is_(None))
    )
    if mentor is not None:
        mentor.ends_on = max(on, mentor.starts_on)
    db.session.flush()
    audit.record(
        "enrolment.withdrawn",
        actor=actor,
        obj=enrolment,
        detail={"learner": learner.id, "date": on.isoformat(), "reason": reason.value},
    )
    return enrolment


def re_enrol(actor: User, learner: Learner, start_date: date, locality: Locality) -> Enrolment:
    """A new enrolment for a learner who left; the earlier ones are kept."""
    if learner.current_enrolment is not None:
        raise ValidationError(f"{learner.known_as} is already enrolled")
    last = learner.enrolments[-1] if learner.enrolments else None
    if last is not None and last.end_date and start_date < last.end_date:
        raise ValidationError(
            f"The new start date must be on or after {last.end_date:%-d %B %Y}, when they left", field="start_date"
        )
    if learner.family.erased_at is not None:
        raise NotAllowed("This family's records have been erased")
    enrolment = Enrolment(
        learner=learner, locality_id=locality.id, status=EnrolmentStatus.ENROLLED, start_date=start_date
    )
    learner.locality_id = locality.id
    db.session.add(enrolment)
    db.session.flush()
    audit.record(
        "enrolment.re_enrolled",
        actor=actor,
        obj=enrolment,
        detail={"learner": learner.id, "start_date": start_date.isoformat(), "locality": locality.name},
    )
    return enrolment
