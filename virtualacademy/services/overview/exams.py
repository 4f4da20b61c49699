"""Exams per locality (the learner's): entries made in a period (not withdrawn), the learners entered, their ages
at entry (entries are by readiness, never by age, so the spread of ages is worth seeing), and results recorded."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from virtualacademy.extensions import db
from virtualacademy.models import AwardingBody, ExamEntry, Learner, Qualification, QualificationType
from virtualacademy.models.exams import qualification_title
from virtualacademy.services.exams.reports import LIVE
from virtualacademy.services.overview.common import Period, chosen


@dataclass
class LocalityExams:
    entries: int = 0
    learners: int = 0
    results: int = 0
    #: age at entry -> entries
    ages: Counter = field(default_factory=Counter)


@dataclass
class Exams:
    period: Period
    by_locality: dict[int, LocalityExams] = field(default_factory=dict)

    def total(self, locality_ids=None) -> LocalityExams:
        result = LocalityExams()
        for locality_id, row in chosen(self.by_locality, locality_ids):
            if locality_ids is None or locality_id in locality_ids:
                result.entries += row.entries
                result.learners += row.learners
                result.results += row.results
                result.ages.update(row.ages)
        return result

    def ages(self, locality_ids=None) -> list[tuple[str, int]]:
        """Entries at each age, youngest first."""
        counts = self.total(locality_ids).ages
        return [(str(age), counts[age]) for age in sorted(counts)]


def exams(period: Period) -> Exams:
    """Per locality: entries made in the period by age at entry, the learners they are for, and results recorded
    in the period. Two grouped statements."""
    result = Exams(period)

    def row(locality_id: int) -> LocalityExams:
        return result.by_locality.setdefault(locality_id, LocalityExams())

    for locality_id, age, entries in db.session.execute(
        select(Learner.locality_id, ExamEntry.age_at_entry, func.count())
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .where(LIVE, ExamEntry.entered_on.between(period.start, period.end))
        .group_by(Learner.locality_id, ExamEntry.age_at_entry)
    ):
        if locality_id is not None:
            row(locality_id).ages[age] += entries
            row(locality_id).entries += entries
    in_period = ExamEntry.entered_on.between(period.start, period.end)
    for locality_id, learners, results in db.session.execute(
        select(
            Learner.locality_id,
            func.count(func.distinct(ExamEntry.learner_id)).filter(in_period),
            func.count().filter(ExamEntry.result_on.between(period.start, period.end)),
        )
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .where(LIVE)
        .group_by(Learner.locality_id)
    ):
        if locality_id is not None and (learners or results):
            row(locality_id).learners = learners
            row(locality_id).results = results
    return result


@dataclass(frozen=True)
class QualificationCount:
    qualification: str
    #: the grade recorded (None for entries, or a result recorded without a grade)
    grade: str | None
    count: int


def _by_qualification(condition, locality_ids, with_grade: bool) -> list[QualificationCount]:
    columns = [Qualification.awarding_body, Qualification.qualification_type, Qualification.subject]
    columns.append(Qualification.spec_code)
    grade = [ExamEntry.grade] if with_grade else []
    stmt = (
        select(*columns, *grade, func.count())
        .select_from(ExamEntry)
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .join(Qualification, Qualification.id == ExamEntry.qualification_id)
        .where(LIVE, condition, Learner.locality_id.is_not(None))
        .group_by(Qualification.id, *columns, *grade)
        .order_by(Qualification.subject, Qualification.id, *grade)
    )
    if locality_ids is not None:
        stmt = stmt.where(Learner.locality_id.in_(locality_ids))
    rows = []
    for row in db.session.execute(stmt):
        body, kind, subject, code = row[:4]
        rows.append(
            QualificationCount(
                qualification_title(AwardingBody(body), QualificationType(kind), subject, code),
                row[4] if with_grade else None,
                row[-1],
            )
        )
    return rows


def by_qualification(
    period: Period, locality_ids: list[int] | None = None
) -> tuple[list[QualificationCount], list[QualificationCount]]:
    """The entries :func:`exams` counts in ``period`` by qualification, and the results it counts by qualification
    and grade (for learners of ``locality_ids``, or every locality): two grouped statements, their rows bounded by
    the catalogue and the grades, not the entries."""
    entries = _by_qualification(ExamEntry.entered_on.between(period.start, period.end), locality_ids, False)
    results = _by_qualification(ExamEntry.result_on.between(period.start, period.end), locality_ids, True)
    return entries, results
