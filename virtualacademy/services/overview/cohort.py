"""The cohort on roll on a day, per locality: why families chose education other than at school, SEND and EHCP,
free-school-meals eligibility, and primary or secondary age."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Date, and_, case, delete, func, insert, literal, select

from virtualacademy.extensions import db
from virtualacademy.models import CohortNow, Enrolment, Learner
from virtualacademy.models.families import EheReason, SendStatus
from virtualacademy.services.cohort import secondary_born_by
from virtualacademy.services.localities import on_roll_filter
from virtualacademy.services.overview.attendance import without_learning_filter
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
    #: locality id -> learners on roll with no learning logged for 14 days on ``on``, when asked for (the
    #: attendance section's figure for today, counted in the same pass over the learners on roll)
    without_learning: dict[int, int] | None = None
    #: When the figures were counted, if they were read from the summary recounted every 10 minutes (None: live).
    counted_at: datetime | None = None

    def total(self, locality_ids: list[int] | None = None) -> LocalityCohort:
        result = LocalityCohort()
        for locality_id, cohort in chosen(self.by_locality, locality_ids):
            if locality_ids is None or locality_id in locality_ids:
                result.add(cohort)
        return result


def _counted(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def cohort(on: date, *, with_gaps: bool = False) -> Cohort:
    """Every locality's learners on roll on ``on`` counted by reason, SEND status, free-school-meals eligibility
    and phase: one statement grouped by locality, a column per category (so its rows are the localities, and the
    database aggregates as it reads). ``with_gaps`` (``on`` being today) also counts, in the same pass, those with
    no learning logged for 14 days; and then the summary recounted every 10 minutes (:class:`CohortNow`) is read
    instead when it was counted on ``on``."""
    if with_gaps:
        counted = _from_summary(on)
        if counted is not None:
            return counted
    secondary = Learner.date_of_birth <= secondary_born_by(on)
    fsm = Learner.fsm_eligible.is_(True)
    stmt = (
        select(
            Enrolment.locality_id,
            func.count(),
            *(_counted(Learner.reason == r) for r in EheReason),
            *(_counted(Learner.send_status == s) for s in SendStatus),
            _counted(secondary),
            _counted(and_(fsm, ~secondary)),
            _counted(and_(fsm, secondary)),
            _counted(without_learning_filter(on)) if with_gaps else literal(0),
        )
        .join(Learner, Learner.id == Enrolment.learner_id)
        .where(on_roll_filter(on))
        .group_by(Enrolment.locality_id)
    )
    figures = _cohort_of(on, db.session.execute(stmt).all())
    if not with_gaps:
        figures.without_learning = None
    return figures


def _cohort_of(on: date, rows, counted_at: datetime | None = None) -> Cohort:
    """A :class:`Cohort` from rows of (locality, on roll, a count per reason, per SEND status, secondary, primary
    eligible for free school meals, secondary eligible, without learning for 14 days)."""
    by_locality: dict[int, LocalityCohort] = {}
    without_learning: dict[int, int] = {}
    reasons, statuses = len(EheReason), len(SendStatus)
    for locality_id, on_roll, *counts in rows:
        counts = [int(n) for n in counts]
        row = by_locality[locality_id] = LocalityCohort(int(on_roll))
        row.reasons = dict(zip(EheReason, counts[:reasons], strict=True))
        row.send = dict(zip(SendStatus, counts[reasons : reasons + statuses], strict=True))
        older, primary_fsm, secondary_fsm, gaps = counts[reasons + statuses :]
        row.fsm = {"primary": [primary_fsm, int(on_roll) - older], "secondary": [secondary_fsm, older]}
        if gaps:
            without_learning[locality_id] = gaps
    return Cohort(on, by_locality, without_learning, counted_at)


# --- the cohort on roll today, recounted every 10 minutes ------------------------------------------------------


def _phase_and_gaps(on: date):
    return Learner.date_of_birth <= secondary_born_by(on), without_learning_filter(on)


def recount_cohort(today: date, now: datetime) -> None:
    """Recount :class:`CohortNow` for ``today`` from the enrolments and learners, in the database (one INSERT ...
    SELECT, whatever the size of the academy); the ``overview-figures`` job calls it every 10 minutes."""
    secondary, gap = _phase_and_gaps(today)
    db.session.execute(delete(CohortNow))
    db.session.execute(
        insert(CohortNow).from_select(
            [
                "locality_id",
                "counted_on",
                "counted_at",
                "reason",
                "send_status",
                "fsm_eligible",
                "secondary",
                "learners",
                "without_learning",
            ],
            select(
                Enrolment.locality_id,
                literal(today, Date),
                literal(now, CohortNow.__table__.c.counted_at.type),
                Learner.reason,
                Learner.send_status,
                Learner.fsm_eligible,
                secondary,
                func.count(),
                _counted(gap),
            )
            .join(Learner, Learner.id == Enrolment.learner_id)
            .where(on_roll_filter(today))
            .group_by(Enrolment.locality_id, Learner.reason, Learner.send_status, Learner.fsm_eligible, secondary),
        )
    )
    db.session.flush()


def _from_summary(on: date) -> Cohort | None:
    """The cohort on ``on`` from :class:`CohortNow` if it was counted on that day, else None: one statement over at
    most a row per locality and category, summed by locality with a column per category as :func:`cohort` counts."""
    c = CohortNow

    def summed(condition=None):
        return func.coalesce(func.sum(c.learners if condition is None else case((condition, c.learners), else_=0)), 0)

    rows = db.session.execute(
        select(
            c.locality_id,
            summed(),
            *(summed(c.reason == r.value) for r in EheReason),
            *(summed(c.send_status == s.value) for s in SendStatus),
            summed(c.secondary.is_(True)),
            summed(and_(c.fsm_eligible.is_(True), c.secondary.is_(False))),
            summed(and_(c.fsm_eligible.is_(True), c.secondary.is_(True))),
            func.coalesce(func.sum(c.without_learning), 0),
            func.max(c.counted_at),
        )
        .where(c.counted_on == on)
        .group_by(c.locality_id)
    ).all()
    if not rows:
        return None
    return _cohort_of(on, [row[:-1] for row in rows], counted_at=max(row[-1] for row in rows))
