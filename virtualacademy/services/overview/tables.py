"""The overview's tables as rows for CSV: the comparison, and each section per locality (the viewer's localities,
then the academy's total)."""

from __future__ import annotations

from virtualacademy.models.families import EHE_REASON_LABELS, SEND_STATUS_LABELS, EheReason, SendStatus
from virtualacademy.models.funding import SPENDING_CATEGORY_LABELS, SpendingCategory
from virtualacademy.services.overview.common import month_label, share
from virtualacademy.services.overview.page import Overview

Rows = list[list[str | int | float | None]]


def comparison(page: Overview) -> Rows:
    rows: Rows = [["measure", "yours", "academy", "locality average", "lowest", "middle", "highest", "localities"]]
    for m in page.comparisons():
        s = m.spread
        rows.append([m.name, m.value, s.academy, s.average, s.lowest, s.middle, s.highest, s.localities])
    return rows


def _shown(page: Overview) -> list[tuple[int | None, str]]:
    return [(locality.id, locality.name) for locality in page.shown] + [(None, "Academy")]


def roll(page: Overview) -> Rows:
    rows: Rows = [["locality", "month", "on roll at month end", "joiners", "leavers"]]
    for locality_id, name in _shown(page):
        ids = None if locality_id is None else [locality_id]
        on_roll = page.roll.total(page.roll.on_roll, ids)
        joiners = page.roll.total(page.roll.joiners, ids)
        leavers = page.roll.total(page.roll.leavers, ids)
        for n, end in enumerate(page.roll.month_ends):
            rows.append([name, month_label(end), on_roll[n], joiners[n], leavers[n]])
    return rows


def cohort(page: Overview) -> Rows:
    rows: Rows = [
        [
            "locality",
            "on roll",
            *(EHE_REASON_LABELS[r] for r in EheReason),
            *(f"SEND: {SEND_STATUS_LABELS[s]}" for s in SendStatus),
            "primary",
            "primary eligible for free school meals",
            "secondary",
            "secondary eligible for free school meals",
        ]
    ]
    for locality_id, name in _shown(page):
        row = page.cohort.total(None if locality_id is None else [locality_id])
        rows.append(
            [
                name,
                row.on_roll,
                *(row.reasons[r] for r in EheReason),
                *(row.send[s] for s in SendStatus),
                row.fsm["primary"][1],
                row.fsm["primary"][0],
                row.fsm["secondary"][1],
                row.fsm["secondary"][0],
            ]
        )
    return rows


def attendance(page: Overview) -> Rows:
    rows: Rows = [
        [
            "locality",
            "on roll at the end of the period",
            "days with learning",
            "hours of learning",
            "days per learner per week",
            "hours per learner per week",
            "no learning for 14 days",
            "no learning for 14 days (per cent)",
        ]
    ]
    for locality_id, name in _shown(page):
        row = page.attendance.total(None if locality_id is None else [locality_id])
        days, hours = row.per_learner_week(page.period.weeks)
        rows.append(
            [
                name,
                row.on_roll,
                row.learning_days,
                round(row.minutes / 60, 1),
                days,
                hours,
                row.without_learning,
                share(row.without_learning, row.on_roll),
            ]
        )
    return rows


def contact(page: Overview) -> Rows:
    rows: Rows = [
        [
            "locality",
            "check-ins made",
            "on time",
            "on time (per cent)",
            "late",
            "days late on average, when late",
            "learners with a mentor today",
            "check-in overdue today",
            "without contact for more than 14 days",
        ]
    ]
    for locality_id, name in _shown(page):
        row = page.contact.total(None if locality_id is None else [locality_id])
        rows.append(
            [
                name,
                row.check_ins,
                row.on_time,
                row.on_time_percent,
                row.late,
                row.average_days_late,
                row.mentored,
                row.overdue,
                row.without_contact,
            ]
        )
    return rows


def mentors(rows_of) -> Rows:
    """Every mentor's figures (``rows_of``: (name, caseload limit, figures) in name order)."""
    rows: Rows = [
        [
            "mentor",
            "check-ins made",
            "on time (per cent)",
            "days late on average, when late",
            "learners on roll with them today",
            "caseload limit",
            "check-in overdue today",
            "without contact for more than 14 days",
        ]
    ]
    for name, limit, row in rows_of:
        rows.append(
            [
                name,
                row.check_ins,
                row.on_time_percent,
                row.average_days_late,
                row.mentored,
                limit,
                row.overdue,
                row.without_contact,
            ]
        )
    return rows


def wellbeing(page: Overview) -> Rows:
    rows: Rows = [["locality", "score 1", "score 2", "score 3", "score 4", "score 5", "learners whose wellbeing fell"]]
    for locality_id, name in _shown(page):
        row = page.wellbeing.total(None if locality_id is None else [locality_id])
        rows.append([name, *row.scores.values(), row.fell])
    return rows


def exams(page: Overview) -> Rows:
    rows: Rows = [["locality", "entries made", "learners entered", "results recorded", "entries by age at entry"]]
    for locality_id, name in _shown(page):
        ids = None if locality_id is None else [locality_id]
        row = page.exams.total(ids)
        ages = "; ".join(f"{age}: {n}" for age, n in page.exams.ages(ids))
        rows.append([name, row.entries, row.learners, row.results, ages])
    return rows


def reviews(page: Overview) -> Rows:
    rows: Rows = [["locality", "reviews held", "with a due day", "held on time", "on time (per cent)", "overdue today"]]
    for locality_id, name in _shown(page):
        row = page.reviews.total(None if locality_id is None else [locality_id])
        rows.append(
            [name, row.held, row.with_due_date, row.on_time, share(row.on_time, row.with_due_date), row.overdue]
        )
    return rows


def money(page: Overview) -> Rows:
    """Amounts in pence (whole numbers, as the ledger keeps them)."""
    rows: Rows = [
        [
            "locality",
            "allocated (pence)",
            *(f"spent: {SPENDING_CATEGORY_LABELS[c]} (pence)" for c in SpendingCategory),
            "spent in all (pence)",
            "locality budget balance (pence)",
            "learning budgets balance (pence)",
        ]
    ]
    for locality_id, name in _shown(page):
        row = page.money.total(None if locality_id is None else [locality_id])
        rows.append(
            [
                name,
                row.allocated,
                *(row.spent[c] for c in SpendingCategory),
                row.spent_total,
                row.locality_balance,
                row.personal_balances,
            ]
        )
    return rows
