"""Learners on roll over time, joiners and leavers (with the reasons they left), per locality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_, select

from virtualacademy.extensions import db
from virtualacademy.models import Enrolment, Learner
from virtualacademy.models.families import (
    EHE_REASON_LABELS,
    WITHDRAWAL_REASON_LABELS,
    EheReason,
    EnrolmentStatus,
    WithdrawalReason,
)
from virtualacademy.services.overview.common import Period, chosen


@dataclass
class Roll:
    period: Period
    month_ends: list[date]
    #: locality id -> learners on roll at the end of each month of the period
    on_roll: dict[int, list[int]]
    #: locality id -> enrolments that started (joiners) / ended (leavers) in each month
    joiners: dict[int, list[int]]
    leavers: dict[int, list[int]]
    #: locality id -> reason -> leavers in the period
    reasons: dict[int, dict[WithdrawalReason | None, int]]

    def total(self, figures: dict[int, list[int]], locality_ids: list[int] | None = None) -> list[int]:
        """Month by month, the sum over ``locality_ids`` (every locality when None)."""
        rows = [v for _k, v in chosen(figures, locality_ids)]
        return [sum(values) for values in zip(*rows, strict=True)] if rows else [0] * len(self.month_ends)

    def reasons_total(self, locality_ids: list[int] | None = None) -> list[tuple[str, int]]:
        counts: dict[WithdrawalReason | None, int] = {}
        for locality_id, by_reason in chosen(self.reasons, locality_ids):
            if locality_ids is None or locality_id in locality_ids:
                for reason, n in by_reason.items():
                    counts[reason] = counts.get(reason, 0) + n
        named = [(WITHDRAWAL_REASON_LABELS[r], counts.get(r, 0)) for r in WithdrawalReason]
        if counts.get(None):
            named.append(("Not recorded", counts[None]))
        return named


def _counted(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def roll(period: Period) -> Roll:
    """Every locality's roll at each month's end, its joiners and leavers each month, and why leavers left: three
    grouped statements, whatever the number of learners."""
    ends = period.month_ends()
    months = period.months()
    enrolled = Enrolment.status != EnrolmentStatus.APPLIED
    on_roll_columns = [
        _counted(and_(Enrolment.start_date <= end, or_(Enrolment.end_date.is_(None), Enrolment.end_date > end)))
        for end in ends
    ]
    joiner_columns = [_counted(Enrolment.start_date.between(first, last)) for first, last in months]
    leaver_columns = [_counted(Enrolment.end_date.between(first, last)) for first, last in months]
    on_roll: dict[int, list[int]] = {}
    joiners: dict[int, list[int]] = {}
    leavers: dict[int, list[int]] = {}
    stmt = (
        select(Enrolment.locality_id, *on_roll_columns, *joiner_columns, *leaver_columns)
        .where(enrolled, Enrolment.start_date <= period.end)
        .group_by(Enrolment.locality_id)
    )
    n = len(ends)
    for row in db.session.execute(stmt):
        values = [int(v) for v in row[1:]]
        on_roll[row[0]] = values[:n]
        joiners[row[0]] = values[n : 2 * n]
        leavers[row[0]] = values[2 * n :]
    reasons: dict[int, dict[WithdrawalReason | None, int]] = {}
    for locality_id, reason, count in db.session.execute(
        select(Enrolment.locality_id, Enrolment.withdrawal_reason, func.count())
        .where(enrolled, Enrolment.end_date.between(period.start, period.end))
        .group_by(Enrolment.locality_id, Enrolment.withdrawal_reason)
    ):
        reasons.setdefault(locality_id, {})[reason] = count
    return Roll(period, ends, on_roll, joiners, leavers, reasons)


def joiner_reasons(period: Period, locality_ids: list[int] | None = None) -> list[tuple[str, int]]:
    """The joiners :func:`roll` counts in ``period`` (enrolments that started in it, in ``locality_ids`` or every
    locality), by their reason for education other than at school: one grouped statement."""
    stmt = (
        select(Learner.reason, func.count())
        .select_from(Enrolment)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .where(Enrolment.status != EnrolmentStatus.APPLIED, Enrolment.start_date.between(period.start, period.end))
        .group_by(Learner.reason)
    )
    if locality_ids is not None:
        stmt = stmt.where(Enrolment.locality_id.in_(locality_ids))
    counts = {reason: n for reason, n in db.session.execute(stmt)}
    return [(EHE_REASON_LABELS[r], counts.get(r, 0)) for r in EheReason]
