"""The community report's charts, drawn from the rows the page shows (``virtualacademy.charts``)."""

from __future__ import annotations

from decimal import Decimal

from virtualacademy import charts
from virtualacademy.paging import ListPage
from virtualacademy.services.community.reports import CommunityReport, ReportLine


def shown_lines(report: CommunityReport, page: ListPage) -> list[ReportLine]:
    """The rows on this page of the report: its localities, then (on the last page) the academy-wide events, and
    the academy average on every page for comparison."""
    last = not page.has_next
    return [*page.items, *([report.academy_wide] if report.academy_wide and last else []), report.average]


def _number(value: int | Decimal | None) -> int | float | None:
    """A count or a percentage to one decimal place (the academy average's are ``Decimal``), as the chart takes it."""
    if value is None or isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


def charts_for(lines: list[ReportLine]) -> dict[str, charts.Chart]:
    rated = [line for line in lines if line.reached_percent is not None]
    return {
        "attendances": charts.bar(
            "Attendances (present or late), by locality",
            [(line.name, _number(line.attended)) for line in lines],
            unit="attendances",
            label_heading="Locality",
            empty="Nobody came to an event in this period.",
        ),
        "reached": charts.bar(
            "Learners on roll who came to anything, per cent, by locality",
            [(line.name, _number(line.reached_percent)) for line in rated],
            format="percent",
            unit="per cent reached",
            label_heading="Locality",
            empty="No learner on roll came to anything in this period.",
        ),
    }
