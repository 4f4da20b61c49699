"""Other adults in a learner's life (tutors, social workers and the like) whom the mentor keeps track of."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Learner, OtherAdult, OtherAdultRole, User
from virtualacademy.services import audit
from virtualacademy.services.mentoring.relations import WRITES, require


def add_other_adult(
    actor: User,
    learner: Learner,
    name: str,
    role: OtherAdultRole,
    organisation: str | None,
    starts_on: date,
    ends_on: date | None,
) -> OtherAdult:
    require(actor, learner, WRITES, "Only the learner's mentor, coordinator or an admin can do this")
    name = (name or "").strip()
    if not name:
        raise ValidationError("Enter the person's name", field="name")
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError("The end date must be on or after the start date", field="ends_on")
    adult = OtherAdult(
        learner_id=learner.id,
        name=name,
        role=role,
        organisation=(organisation or "").strip() or None,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    db.session.add(adult)
    db.session.flush()
    audit.record("mentoring.other_adult_added", actor=actor, obj=learner, detail={"role": role.value})
    return adult


def other_adults(learner: Learner) -> list[OtherAdult]:
    return list(
        db.session.scalars(
            select(OtherAdult).where(OtherAdult.learner_id == learner.id).order_by(OtherAdult.starts_on.desc())
        )
    )
