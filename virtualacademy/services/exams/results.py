"""Results: recorded for an entry that was sat, and gathered for the learner's record of achievement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.errors import DomainError, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import EntryState, ExamCentre, ExamEntry, ExamSeries, Learner, Qualification, User
from virtualacademy.models.exams import ENTRY_STATE_LABELS
from virtualacademy.services import audit
from virtualacademy.services.exams import series as series_service
from virtualacademy.services.exams.common import clean_text, long_date, require_exams_staff


def record_result(actor: User, entry: ExamEntry, grade: str, *, result_on: date | None = None) -> ExamEntry:
    """Record the grade (as the awarding body gives it: ``7``, ``A*``, ``U``, ``Distinction``) and its date
    (results day by default). Only for an entry that was sat; a result already recorded can be corrected."""
    require_exams_staff(actor, "record results")
    if entry.state not in (EntryState.SAT, EntryState.RESULT_RECORDED):
        raise DomainError(
            f"A result can only be recorded for an entry that was sat: this one is "
            f"{ENTRY_STATE_LABELS[entry.state].lower()}",
            field="grade",
        )
    grade = clean_text(grade, "grade", "Enter the grade as the awarding body gives it, like 7 or A*", 16)
    result_on = result_on or series_service.results_day_for(entry.series, entry.qualification)
    if result_on < entry.series.first_exam_on:
        raise ValidationError(
            f"The result cannot come before the first exam, on {long_date(entry.series.first_exam_on)}",
            field="result_on",
        )
    if result_on > clock.today():
        raise ValidationError("The date of the result cannot be in the future", field="result_on")
    before = entry.grade
    entry.grade, entry.result_on, entry.state = grade, result_on, EntryState.RESULT_RECORDED
    audit.record(
        "exams.result_recorded" if before is None else "exams.result_corrected",
        actor=actor,
        obj=entry,
        detail={"grade": grade, "before": before},
    )
    return entry


@dataclass(frozen=True)
class Result:
    qualification: Qualification
    series: ExamSeries
    centre: ExamCentre
    grade: str
    result_on: date
    age_at_entry: int


def results_of(learner: Learner) -> list[Result]:
    """The learner's results, oldest first (for the record of achievement)."""
    rows = db.session.execute(
        select(ExamEntry, Qualification, ExamSeries, ExamCentre)
        .join(Qualification, Qualification.id == ExamEntry.qualification_id)
        .join(ExamSeries, ExamSeries.id == ExamEntry.series_id)
        .join(ExamCentre, ExamCentre.id == ExamEntry.centre_id)
        .where(ExamEntry.learner_id == learner.id, ExamEntry.state == EntryState.RESULT_RECORDED)
        .order_by(ExamEntry.result_on, Qualification.subject)
    )
    return [Result(q, s, c, e.grade, e.result_on, e.age_at_entry) for e, q, s, c in rows]
