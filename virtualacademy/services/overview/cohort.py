"""The cohort on roll on a day, per locality: why families chose education other than at school, SEND and EHCP,
free-school-meals eligibility, and primary or secondary age."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select

from virtualacademy.extensions import db
from virtualacademy.models import Enrolment, Learner
from virtualacademy.models.families import EheReason, SendStatus
from virtualacademy.services.cohort import secondary_born_by
from virtualacademy.services.localities import on_roll_filter
from virtualacademy.services.overview.common import chosen


@dataclass
class LocalityCohort:
    on_roll: int = 0
    reasons: dict[EheReason, int] = field(default_factory=lambda: dict.fromkeys(EheReason, 0))
    send: dict[SendStatus, int] = field(default_factory=lambda: dict.fromkeys(SendStatus, 0))
    #: phase ("primary", "secondary") -> (eligible for free school meals, learners)
    fsm: dict[str, list[int]] = field(default_factory=lambda: {"primary": [0, 0], "secondary": [0, 0]})

    @property
    def secondary(self) -> int:
        return self.fsm["secondary"][1]

    @property
    def fsm_eligible(self) -> int:
        return self.fsm["primary"][0] + self.fsm["secondary"][0]

    def add(self, other: LocalityCohort) -> None:
        self.on_roll += other.on_roll
        for key, n in other.reasons.items():
            self.reasons[key] += n
        for key, n in other.send.items():
            self.send[key] += n
        for phase, (eligible, total) in other.fsm.items():
            self.fsm[phase][0] += eligible
            self.fsm[phase][1] += total


@dataclass
class Cohort:
    on: date
    by_locality: dict[int, LocalityCohort]

    def total(self, locality_ids: list[int] | None = None) -> LocalityCohort:
        result = LocalityCohort()
        for locality_id, cohort in chosen(self.by_locality, locality_ids):
            if locality_ids is None or locality_id in locality_ids:
                result.add(cohort)
        return result


def cohort(on: date) -> Cohort:
    """Every locality's learners on roll on ``on`` counted by reason, SEND status, free-school-meals eligibility
    and phase: one grouped statement (its rows are bounded by the categories, not the learners)."""
    phase = case((Learner.date_of_birth <= secondary_born_by(on), "secondary"), else_="primary")
    stmt = (
        select(Enrolment.locality_id, Learner.reason, Learner.send_status, Learner.fsm_eligible, phase, func.count())
        .join(Learner, Learner.id == Enrolment.learner_id)
        .where(on_roll_filter(on))
        .group_by(Enrolment.locality_id, Learner.reason, Learner.send_status, Learner.fsm_eligible, phase)
    )
    by_locality: dict[int, LocalityCohort] = defaultdict(LocalityCohort)
    for locality_id, reason, send, fsm, phase_name, count in db.session.execute(stmt):
        row = by_locality[locality_id]
        row.on_roll += count
        row.reasons[reason] += count
        row.send[send] += count
        row.fsm[phase_name][1] += count
        row.fsm[phase_name][0] += count if fsm else 0
    return Cohort(on, dict(by_locality))
