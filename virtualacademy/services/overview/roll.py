"""Learners on roll over time, joiners and leavers (with the reasons they left), per locality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, literal, select, union_all

from virtualacademy.extensions import db
from virtualacademy.models import Enrolment, Learner
from virtualacademy.models.families import (
    EHE_REASON_LABELS,
    WITHDRAWAL_REASON_LABELS,
    EheReason,
    EnrolmentStatus,
    WithdrawalReason,
)
from virtualacademy.services.localities import on_roll_filter
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


def _month_of(column, ends: list[date]):
    """SQL: the index of the month of the period (by its last days ``ends``) that the day in ``column`` falls in."""
    if len(ends) == 1:
        return literal(0)
    return case(*((column <= end, n) for n, end in enumerate(ends[:-1])), else_=len(ends) - 1)


def roll(period: Period) -> Roll:
    """Every locality's roll at each month's end, its joiners and leavers each month, and why leavers left: three
    grouped statements, whatever the number of learners. The roll at each month's end is the roll the day before the
    period (one pass over the enrolments, one condition each) plus the joiners and less the leavers since, which are
    counted from the enrolments that start or end in the period only."""
    ends = period.month_ends()
    n = len(ends)
    enrolled = Enrolment.status != EnrolmentStatus.APPLIED
    before = dict(
        db.session.execute(
            select(Enrolment.locality_id, func.count())
            .where(on_roll_filter(period.start - timedelta(days=1)))
            .group_by(Enrolment.locality_id)
        ).all()
    )
    joiners: dict[int, list[int]] = {i: [0] * n for i in before}
    leavers: dict[int, list[int]] = {i: [0] * n for i in before}
    changes = union_all(
        select(
            Enrolment.locality_id.label("locality_id"),
            _month_of(Enrolment.start_date, ends).label("month"),
            literal(0).label("leaving"),
        ).where(enrolled, Enrolment.start_date.between(period.start, period.end)),
        select(Enrolment.locality_id, _month_of(Enrolment.end_date, ends), literal(1)).where(
            enrolled, Enrolment.end_date.between(period.start, period.end)
        ),
    ).subquery()
    for locality_id, month, leaving, count in db.session.execute(
        select(changes.c.locality_id, changes.c.month, changes.c.leaving, func.count()).group_by(
            changes.c.locality_id, changes.c.month, changes.c.leaving
        )
    ):
        (leavers if leaving else joiners).setdefault(locality_id, [0] * n)[month] += count
        (joiners if leaving else leavers).setdefault(locality_id, [0] * n)
    on_roll: dict[int, list[int]] = {}
    for locality_id, joined in joiners.items():
        count, months = before.get(locality_id, 0), []
        for joined_in, left_in in zip(joined, leavers[locality_id], strict=True):
            count += joined_in - left_in
            months.append(count)
        on_roll[locality_id] = months
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
