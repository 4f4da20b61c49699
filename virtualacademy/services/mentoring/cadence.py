"""Contact cadence: how often a learner is checked in with, by support level (academy defaults) or for one
learner."""

from __future__ import annotations

from sqlalchemy import select

from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import CadenceDefault, Learner, LearnerSupport, SupportLevel, User
from virtualacademy.services import audit
from virtualacademy.services.mentoring.relations import MANAGES, require

#: Used when an admin has not changed them (and if the table is ever empty).
DEFAULT_CADENCE = {SupportLevel.STANDARD: 7, SupportLevel.ENHANCED: 3, SupportLevel.INTENSIVE: 1}


def cadence_defaults() -> dict[SupportLevel, int]:
    stored = {row.level: row.days for row in db.session.scalars(select(CadenceDefault))}
    return {level: stored.get(level, days) for level, days in DEFAULT_CADENCE.items()}


def set_cadence_defaults(actor: User, days: dict[SupportLevel, int]) -> None:
    for level, value in days.items():
        if not 1 <= int(value) <= 90:
            raise ValidationError("Each cadence must be between 1 and 90 days", field=level.value)
    for level, value in days.items():
        row = db.session.get(CadenceDefault, level)
        if row is None:
            db.session.add(CadenceDefault(level=level, days=int(value)))
        else:
            row.days = int(value)
    db.session.flush()
    audit.record("mentoring.cadence_defaults_changed", actor=actor, detail={k.value: int(v) for k, v in days.items()})


def support_of(learner: Learner) -> LearnerSupport:
    return db.session.get(LearnerSupport, learner.id) or LearnerSupport(
        learner_id=learner.id, level=SupportLevel.STANDARD
    )


def cadence_days(support: LearnerSupport, defaults: dict[SupportLevel, int] | None = None) -> int:
    if support.override_days:
        return support.override_days
    return (defaults or cadence_defaults())[support.level or SupportLevel.STANDARD]


def set_support(actor: User, learner: Learner, level: SupportLevel, override_days: int | None) -> None:
    require(actor, learner, MANAGES, "Only an admin or the learner's locality coordinator can do this")
    if override_days is not None and not 1 <= override_days <= 90:
        raise ValidationError("An individual cadence must be between 1 and 90 days", field="override_days")
    support = db.session.get(LearnerSupport, learner.id)
    if support is None:
        support = LearnerSupport(learner_id=learner.id)
        db.session.add(support)
    support.level = level
    support.override_days = override_days
    db.session.flush()
    audit.record(
        "mentoring.support_changed",
        actor=actor,
        obj=learner,
        detail={"level": level.value, "override_days": override_days},
    )
