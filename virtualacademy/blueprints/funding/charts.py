"""The funding pages' charts (``virtualacademy.charts``): the year overview's balances and spending, and a
locality budget's spending by category. Amounts in pence, shown to the nearest pound."""

from __future__ import annotations

from virtualacademy import charts
from virtualacademy.services.funding import Overview
from virtualacademy.services.spending import LocalityBudget


def overview_charts(data: Overview) -> dict[str, charts.Chart]:
    return {
        "balances": charts.bar(
            "Remaining balances, to the nearest pound",
            [(h.label, h.balance_pence) for h in data.holders],
            format="pounds",
            unit="remaining balance",
            label_heading="Account",
            empty="Every balance is £0.",
        ),
        "spending": charts.bar(
            "Spending by category, to the nearest pound",
            data.spending_by_category(),
            format="pounds",
            unit="spent",
            label_heading="Category",
            empty="Nothing has been spent this funding year.",
        ),
    }


def locality_spending_chart(summary: LocalityBudget) -> charts.Chart:
    return charts.bar(
        "Spent by category, to the nearest pound",
        [(c.label, c.total) for c in summary.by_category],
        format="pounds",
        unit="spent",
        label_heading="Category",
        empty="Nothing has been spent yet this funding year.",
    )
