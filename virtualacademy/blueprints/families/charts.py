"""The cohort profile's charts, drawn from its figures (``virtualacademy.charts``)."""

from __future__ import annotations

from virtualacademy import charts
from virtualacademy.services.cohort import CohortProfile

NOBODY = "No learners on roll on this date."


def cohort_charts(profile: CohortProfile) -> dict[str, charts.Chart]:
    return {
        "by_locality": charts.bar(
            "Learners by locality", profile.by_locality, unit="learners", label_heading="Locality", empty=NOBODY
        ),
        "by_reason": charts.bar(
            "Learners by reason for education other than at school",
            profile.by_reason,
            unit="learners",
            label_heading="Reason",
            empty=NOBODY,
        ),
        "by_send": charts.bar(
            "Learners by special educational needs status",
            profile.by_send,
            unit="learners",
            label_heading="SEND status",
            empty=NOBODY,
        ),
        "flows": charts.columns(
            "Joiners and leavers by month",
            [flow.label for flow in profile.flows],
            {"Joiners": [flow.joiners for flow in profile.flows], "Leavers": [flow.leavers for flow in profile.flows]},
            label_heading="Month",
            empty="Nobody joined or left in these twelve months.",
        ),
    }
