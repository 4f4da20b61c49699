"""The attendance page's chart: days with logged learning, week by week (``virtualacademy.charts``)."""

from __future__ import annotations

from virtualacademy import charts
from virtualacademy.services.learning_log import TermAttendance


def attendance_chart(result: TermAttendance) -> charts.Chart:
    """``result``: a term's attendance (``learning_log.term_attendance``), each week labelled by its Monday (or
    first day in the term), a week cut by the start or end of the term marked as part of one."""
    return charts.bar(
        "Days with logged learning, week by week",
        [(f"Week of {w.start.strftime('%-d %b')}{' (part)' if w.partial else ''}", w.days) for w in result.weeks],
        unit="days",
        label_heading="Week",
        empty="No learning was logged in this term.",
    )
