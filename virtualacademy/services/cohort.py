"""The cohort profile: who is on roll, as the authority review counted them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, func, or_, select

from virtualacademy.extensions import db
from virtualacademy.models import Enrolment, Learner, Locality
from virtualacademy.models.families import EHE_REASON_LABELS, SEND_STATUS_LABELS, EheReason, SendStatus
from virtualacademy.services.localities import on_roll_filter

#: Age on 31 August at the start of the academic year: under 11 is primary, 11 and over secondary.
SECONDARY_FROM_AGE = 11


def academic_year_start(on: date) -> date:
    return date(on.year if on.month >= 9 else on.year - 1, 9, 1)


def phase(born: date, on: date) -> str:
    """``primary`` or ``secondary`` by age on the 31 August before the academic year containing ``on``."""
    cutoff = date(academic_year_start(on).year, 8, 31)
    age = cutoff.year - born.year - ((cutoff.month, cutoff.day) < (born.month, born.day))
    return "secondary" if age >= SECONDARY_FROM_AGE else "primary"


@dataclass
class MonthFlow:
    month: date  # first day of the month
    joiners: int = 0
    leavers: int = 0

    @property
    def label(self) -> str:
        return self.month.strftime("%b %Y")


@dataclass
class CohortProfile:
    on: date
    total: int = 0
    by_locality: list[tuple[str, int]] = field(default_factory=list)
    by_reason: list[tuple[str, int]] = field(default_factory=list)
    by_send: list[tuple[str, int]] = field(default_factory=list)
    #: phase -> (eligible, total)
    fsm: dict[str, tuple[int, int]] = field(default_factory=dict)
    flows: list[MonthFlow] = field(default_factory=list)

    def fsm_percent(self, phase_name: str) -> int:
        eligible, total = self.fsm.get(phase_name, (0, 0))
        return round(100 * eligible / total) if total else 0


def _months_back(on: date, count: int) -> list[date]:
    months = []
    year, month = on.year, on.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def secondary_born_by(on: date) -> date:
    """The latest birthday of a secondary-age learner on ``on``: aged 11 or over on the 31 August before the
    academic year containing ``on`` (:func:`phase`, as one comparison the database can make)."""
    cutoff = date(academic_year_start(on).year, 8, 31)
    return date(cutoff.year - SECONDARY_FROM_AGE, cutoff.month, cutoff.day)


def _counted(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def profile(on: date, locality_ids: list[int] | None = None) -> CohortProfile:
    """The cohort on roll on ``on`` (optionally within some localities), and 12 months of joiners and leavers.
    Three statements, counted in the database (their rows are bounded by the categories, not the learners)."""
    phase_of = case((Learner.date_of_birth <= secondary_born_by(on), "secondary"), else_="primary")
    stmt = (
        select(Locality.name, Learner.reason, Learner.send_status, Learner.fsm_eligible, phase_of, func.count())
        .select_from(Enrolment)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .join(Locality, Locality.id == Enrolment.locality_id)
        .where(on_roll_filter(on))
        .group_by(Locality.name, Learner.reason, Learner.send_status, Learner.fsm_eligible, phase_of)
    )
    if locality_ids is not None:
        stmt = stmt.where(Enrolment.locality_id.in_(locality_ids))
    localities: Counter = Counter()
    reasons: Counter = Counter()
    send: Counter = Counter()
    fsm: dict[str, list[int]] = {"primary": [0, 0], "secondary": [0, 0]}
    total = 0
    for name, reason, send_status, eligible, phase_name, count in db.session.execute(stmt):
        total += count
        localities[name] += count
        reasons[reason] += count
        send[send_status] += count
        fsm[phase_name][1] += count
        fsm[phase_name][0] += count if eligible else 0
    result = CohortProfile(on=on, total=total)
    all_names = [n for (n,) in db.session.execute(select(Locality.name).order_by(Locality.name))]
    result.by_locality = [(n, localities.get(n, 0)) for n in all_names if n in localities or locality_ids is None]
    result.by_reason = [(EHE_REASON_LABELS[r], reasons.get(r, 0)) for r in EheReason]
    result.by_send = [(SEND_STATUS_LABELS[s], send.get(s, 0)) for s in SendStatus]
    result.fsm = {k: (v[0], v[1]) for k, v in fsm.items()}

    months = _months_back(on, 12)
    ends = [date(m.year + (m.month == 12), m.month % 12 + 1, 1) - timedelta(days=1) for m in months]
    spans = [(m, min(last, on)) for m, last in zip(months, ends, strict=True)]
    flow_stmt = select(
        *[_counted(Enrolment.start_date.between(first, last)) for first, last in spans],
        *[_counted(Enrolment.end_date.between(first, last)) for first, last in spans],
    ).where(or_(Enrolment.start_date.between(months[0], on), Enrolment.end_date.between(months[0], on)))
    if locality_ids is not None:
        flow_stmt = flow_stmt.where(Enrolment.locality_id.in_(locality_ids))
    counts = [int(n) for n in db.session.execute(flow_stmt).one()]
    result.flows = [MonthFlow(m, joiners=counts[i], leavers=counts[len(months) + i]) for i, m in enumerate(months)]
    return result


def as_csv_rows(p: CohortProfile) -> list[list[str | int]]:
    rows: list[list[str | int]] = [["section", "group", "learners"]]
    rows.append(["total", f"on roll on {p.on.isoformat()}", p.total])
    rows += [["locality", name, n] for name, n in p.by_locality]
    rows += [["reason", name, n] for name, n in p.by_reason]
    rows += [["send", name, n] for name, n in p.by_send]
    for phase_name in ("primary", "secondary"):
        eligible, total = p.fsm[phase_name]
        rows.append([f"fsm_{phase_name}", "eligible", eligible])
        rows.append([f"fsm_{phase_name}", "all", total])
    for flow in p.flows:
        rows.append(["joiners", flow.month.strftime("%Y-%m"), flow.joiners])
        rows.append(["leavers", flow.month.strftime("%Y-%m"), flow.leavers])
    return rows
