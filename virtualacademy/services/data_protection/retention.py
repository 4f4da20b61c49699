"""Erasure, when: the retention period, whether a family can be erased now, and asking for (or cancelling) its
erasure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.errors import NotAllowed
from virtualacademy.extensions import db
from virtualacademy.models import Family, Learner, User
from virtualacademy.services import audit
from virtualacademy.services.data_protection.common import LONDON


def retention_age_years() -> int:
    return int(current_app.config["RETENTION_AGE_YEARS"])


def birthday(born: date, age: int) -> date:
    """The day someone born on ``born`` reaches ``age`` (29 February: 1 March in other years, as in UK law)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return date(born.year + age, 3, 1)


def erasure_due_on(family: Family) -> date | None:
    """The youngest child's ``RETENTION_AGE_YEARS``th birthday; None for a family with no children
    (nothing to keep it for: due as soon as it is requested)."""
    if not family.learners:
        return None
    return birthday(max(lr.date_of_birth for lr in family.learners), retention_age_years())


def _local_date(now: datetime) -> date:
    return now.astimezone(LONDON).date()


def _still_enrolled(family: Family) -> list[Learner]:
    return [lr for lr in family.learners if lr.current_enrolment is not None]


def _names(learners: list[Learner]) -> str:
    names = [lr.legal_name for lr in learners]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def why_not_erasable(family: Family, now: datetime) -> str | None:
    """Why the family cannot be erased at ``now`` (None when it can)."""
    if family.erased_at is not None:
        return "This family's personal data has already been erased"
    if family.erasure_requested_at is None:
        return "Erasure has not been requested for this family"
    enrolled = _still_enrolled(family)
    if enrolled:
        return (
            f"{_names(enrolled)} {'is' if len(enrolled) == 1 else 'are'} enrolled again, so the family cannot be erased"
        )
    due = erasure_due_on(family)
    if due is not None and _local_date(now) < due:
        return f"The retention period has not ended: the family's data can be erased from {due:%-d %B %Y}"
    return None


@dataclass(frozen=True)
class ErasureState:
    #: ``not_requested``, ``requested`` or ``erased``
    state: str
    due_on: date | None
    requested_at: datetime | None
    erased_at: datetime | None
    #: Requested, and erasable now (the retention period has ended and no one is enrolled).
    erasable: bool
    #: Children still enrolled (erasure cannot be requested while any are).
    enrolled: list[Learner] = field(default_factory=list)

    @property
    def enrolled_names(self) -> str:
        return _names(self.enrolled) if self.enrolled else ""


def erasure_state(family: Family, now: datetime | None = None) -> ErasureState:
    now = now or clock.now()
    if family.erased_at is not None:
        state = "erased"
    elif family.erasure_requested_at is not None:
        state = "requested"
    else:
        state = "not_requested"
    return ErasureState(
        state=state,
        due_on=erasure_due_on(family),
        requested_at=family.erasure_requested_at,
        erased_at=family.erased_at,
        erasable=why_not_erasable(family, now) is None,
        enrolled=_still_enrolled(family),
    )


def request_erasure(actor: User, family: Family, now: datetime | None = None) -> date | None:
    """Mark a withdrawn family for erasure; returns the date it becomes due."""
    if family.erased_at is not None:
        raise NotAllowed("This family's personal data has already been erased")
    if family.erasure_requested_at is not None:
        raise NotAllowed("Erasure has already been requested for this family")
    enrolled = _still_enrolled(family)
    if enrolled:
        raise NotAllowed(
            f"{_names(enrolled)} {'is' if len(enrolled) == 1 else 'are'} still enrolled. "
            "Withdraw every child before asking for the family's data to be erased."
        )
    family.erasure_requested_at = now or clock.now()
    due = erasure_due_on(family)
    audit.record(
        "data_protection.erasure_requested",
        actor=actor,
        obj=family,
        detail={"due_on": due.isoformat() if due else None, "retention_age_years": retention_age_years()},
    )
    return due


def cancel_erasure(actor: User, family: Family) -> None:
    if family.erased_at is not None:
        raise NotAllowed("This family's personal data has already been erased; that cannot be undone")
    if family.erasure_requested_at is None:
        raise NotAllowed("Erasure has not been requested for this family")
    family.erasure_requested_at = None
    audit.record("data_protection.erasure_cancelled", actor=actor, obj=family)


def due_for_erasure(now: datetime | None = None) -> list[Family]:
    """Families whose erasure is requested, not yet done, and due at ``now``."""
    now = now or clock.now()
    pending = db.session.scalars(
        select(Family).where(Family.erasure_requested_at.is_not(None), Family.erased_at.is_(None)).order_by(Family.id)
    )
    return [f for f in pending if why_not_erasable(f, now) is None]
