"""The overview's charts, drawn from its figures (``virtualacademy.charts``)."""

from __future__ import annotations

from virtualacademy import charts
from virtualacademy.models.families import EHE_REASON_LABELS, SEND_STATUS_LABELS, EheReason, SendStatus
from virtualacademy.models.funding import SPENDING_CATEGORY_LABELS
from virtualacademy.services.overview.common import month_label, share
from virtualacademy.services.overview.page import Overview


def _spread_chart(caption: str, measure, fmt: str) -> charts.Chart:
    """A measure for the viewer beside the academy's and the lowest, middle and highest locality's."""
    s = measure.spread
    rows = [("Yours", measure.value)] if measure.value is not None and s.academy != measure.value else []
    rows += [
        ("Academy", s.academy),
        ("Lowest locality", s.lowest),
        ("Middle locality", s.middle),
        ("Highest locality", s.highest),
    ]
    return charts.bar(caption, [(label, value) for label, value in rows if value is not None], format=fmt)


def charts_for(page: Overview) -> dict[str, charts.Chart]:
    return {**_roll_and_cohort(page), **_the_rest(page)}


def _roll_and_cohort(page: Overview) -> dict[str, charts.Chart]:
    ids = page.locality_ids
    months = [month_label(end) for end in page.roll.month_ends]
    cohort = page.cohort.total(ids)
    return {
        "on_roll": charts.lines(
            "Learners on roll at the end of each month",
            months,
            {"On roll": page.roll.total(page.roll.on_roll, ids)},
            label_heading="Month",
            unit="learners",
        ),
        "flows": charts.columns(
            "Joiners and leavers each month",
            months,
            {"Joiners": page.roll.total(page.roll.joiners, ids), "Leavers": page.roll.total(page.roll.leavers, ids)},
            label_heading="Month",
        ),
        "reasons_left": charts.bar(
            "Why leavers left",
            page.roll.reasons_total(ids),
            unit="leavers",
            label_heading="Reason",
            empty="Nobody left in this period.",
        ),
        "reasons": charts.bar(
            "Learners on roll by reason for education other than at school",
            [(EHE_REASON_LABELS[r], cohort.reasons[r]) for r in EheReason],
            unit="learners",
            label_heading="Reason",
        ),
        "send": charts.bar(
            "Learners on roll by special educational needs status",
            [(SEND_STATUS_LABELS[s], cohort.send[s]) for s in SendStatus],
            unit="learners",
            label_heading="SEND status",
        ),
        "fsm": charts.bar(
            "Eligible for free school meals, per cent of each phase",
            [
                ("Primary (under 11)", share(*cohort.fsm["primary"])),
                ("Secondary (11 and over)", share(*cohort.fsm["secondary"])),
            ],
            format="percent",
            unit="per cent eligible",
            label_heading="Phase",
        ),
    }


def _the_rest(page: Overview) -> dict[str, charts.Chart]:
    ids = page.locality_ids
    comparisons = {m.name: m for m in page.comparisons()}
    return {
        "wellbeing": charts.bar(
            "Wellbeing scores recorded at check-ins (1 very low, 5 very good)",
            [(str(score), n) for score, n in page.wellbeing.total(ids).scores.items()],
            unit="check-ins",
            label_heading="Score",
            empty="No wellbeing scores were recorded in this period.",
        ),
        "ages": charts.bar(
            "Exam entries made in the period by age at entry",
            page.exams.ages(ids),
            unit="entries",
            label_heading="Age at entry",
            empty="No exam entries were made in this period.",
        ),
        "spend": charts.bar(
            "Spent from budgets in the period, by category",
            [(SPENDING_CATEGORY_LABELS[c], pence) for c, pence in page.money.total(ids).spent.items()],
            format="pounds",
            unit="spent",
            label_heading="Category",
            empty="Nothing was spent in this period.",
        ),
        "on_time": _spread_chart(
            "Check-ins made on time, per cent", comparisons["Check-ins made on time (per cent)"], "percent"
        ),
        "overdue": _spread_chart(
            "Check-ins overdue today, per cent of learners with a mentor",
            comparisons["Check-ins overdue today (per cent of learners with a mentor)"],
            "percent",
        ),
        "hours": _spread_chart(
            "Hours of learning per learner per week", comparisons["Hours of learning per learner per week"], "number"
        ),
        "without_learning": _spread_chart(
            "No learning logged for 14 days, per cent of learners on roll",
            comparisons["No learning logged for 14 days (per cent)"],
            "percent",
        ),
    }
