"""One learner's exam records for the access matrices: a ready, confirmed judgement, an entry the centre has
confirmed (so a statement of entry exists) and a draft access arrangement, in a June 2027 series at a centre with
seats. Made through the services, as the exams officer makes them."""

from __future__ import annotations

from tests.factories import (
    CentreSeriesCapacityFactory,
    ExamCentreFactory,
    ExamSeriesFactory,
    QualificationFactory,
    ReadinessJudgementFactory,
    UserFactory,
    fund_exams_budget,
)
from virtualacademy.models import ArrangementEvidence, ArrangementType, ExamCentre, ExamSeries, Learner, Role, User
from virtualacademy.services.exams import arrangements, entries


def exam_setting(seats: int = 10) -> tuple[ExamSeries, ExamCentre]:
    series = ExamSeriesFactory()
    centre = ExamCentreFactory()
    CentreSeriesCapacityFactory(centre=centre, series=series, seats=seats)
    fund_exams_budget(100_000)
    return series, centre


def exam_objects(
    learner: Learner,
    officer: User | None = None,
    setting: tuple[ExamSeries, ExamCentre] | None = None,
    candidate_number: str = "0001",
) -> dict[str, int]:
    """The ids the exam routes' paths are filled with, for ``learner``."""
    officer = officer or UserFactory(roles=[Role.EXAMS_OFFICER])
    series, centre = setting or exam_setting()
    judgement = ReadinessJudgementFactory(learner=learner, qualification=QualificationFactory())
    entry = entries.create_entry(officer, learner, judgement.qualification, series, centre)
    entries.confirm_entered(officer, entry, candidate_number, f"52311A{candidate_number}ABC")
    arrangement = arrangements.add_arrangement(
        officer, learner, series, ArrangementType.REST_BREAKS, ArrangementEvidence.NORMAL_WAY_OF_WORKING
    )
    return {
        "judgement": judgement.id,
        "exam_entry": entry.id,
        "arrangement": arrangement.id,
        "series": series.id,
        "centre": centre.id,
        "qualification": judgement.qualification_id,
    }
