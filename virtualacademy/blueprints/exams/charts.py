"""The series reports' charts: entries by qualification, centre, locality and age at entry
(``virtualacademy.charts``)."""

from __future__ import annotations

from virtualacademy import charts
from virtualacademy.models import ExamSeries
from virtualacademy.services.exams import reports

EMPTY = "No entries yet."


def _entries(caption: str, counts: list[reports.Count], label_heading: str) -> charts.Chart:
    return charts.bar(
        caption, [(c.label, c.count) for c in counts], unit="entries", label_heading=label_heading, empty=EMPTY
    )


def charts_for(series: ExamSeries) -> dict[str, charts.Chart]:
    return {
        "by_qualification": _entries(
            "Entries by qualification", reports.entries_by_qualification(series), "Qualification"
        ),
        "by_centre": _entries("Entries by centre", reports.entries_by_centre(series), "Centre"),
        "by_locality": _entries("Entries by locality", reports.entries_by_locality(series), "Locality"),
        "ages": _entries("Entries by age at entry", reports.ages_at_entry(series), "Age at entry"),
    }
