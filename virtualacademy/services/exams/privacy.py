"""Exam records in subject-access exports and erasure (see docs/exams.md and docs/data-protection.md).

* **Export**: the children's readiness judgements with their mock results (who confirmed: "family member";
  the mentor is "academy staff"), their entries (qualification, series, centre, tier, state, candidate number,
  UCI, grade, fees) and their access arrangements.
* **Erasure**: free text goes (the evidence and what was still needed, withdrawal reasons, arrangement details
  and evidence notes), and so do the identifiers a centre gave (candidate number, UCI). Qualifications, series,
  states, grades, ages at entry and fees are kept: they are the network's results and financial records, and no
  longer say whose they were once the learner is anonymised.

Registered by importing this module (the exams blueprint does).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from virtualacademy.extensions import db
from virtualacademy.models import AccessArrangement, ExamEntry, ExamFee, ReadinessJudgement
from virtualacademy.services import data_protection
from virtualacademy.services.data_protection import ERASED, Section, Subject, record

STAFF = "academy staff"


def _learner_ids(subject: Subject) -> list[int]:
    return [learner.id for learner in subject.learners]


def export(subject: Subject) -> list[dict[str, Any]]:
    ids = _learner_ids(subject)
    rows: list[dict[str, Any]] = []
    if not ids:
        return rows
    family = subject.user_ids
    for judgement in db.session.scalars(
        select(ReadinessJudgement).where(ReadinessJudgement.learner_id.in_(ids)).order_by(ReadinessJudgement.id)
    ):
        rows.append(
            {
                "record": "readiness judgement",
                **record(judgement, exclude={"mentor_id", "learner_confirmed_by_id", "guardian_confirmed_by_id"}),
                "qualification": judgement.qualification.title,
                "judged_by": STAFF,
                "learner_confirmed_by": ("family member" if judgement.learner_confirmed_by_id in family else None),
                "guardian_confirmed_by": ("family member" if judgement.guardian_confirmed_by_id in family else None),
                "mock_results": [record(m, exclude={"judgement_id"}) for m in judgement.mocks],
            }
        )
    for entry in db.session.scalars(select(ExamEntry).where(ExamEntry.learner_id.in_(ids)).order_by(ExamEntry.id)):
        rows.append(
            {
                "record": "exam entry",
                **record(entry, exclude={"created_by_id"}),
                "qualification": entry.qualification.title,
                "series": entry.series.name,
                "centre": entry.centre.name,
                "fees": [
                    record(f, exclude={"entry_id"})
                    for f in db.session.scalars(
                        select(ExamFee).where(ExamFee.entry_id == entry.id).order_by(ExamFee.id)
                    )
                ],
            }
        )
    for arrangement in db.session.scalars(
        select(AccessArrangement).where(AccessArrangement.learner_id.in_(ids)).order_by(AccessArrangement.id)
    ):
        rows.append(
            {
                "record": "access arrangement",
                **record(arrangement, exclude={"created_by_id"}),
                "series": arrangement.series.name,
            }
        )
    return rows


def erase(subject: Subject) -> int:
    ids = _learner_ids(subject)
    if not ids:
        return 0
    changed = 0
    for judgement in db.session.scalars(select(ReadinessJudgement).where(ReadinessJudgement.learner_id.in_(ids))):
        if judgement.evidence != ERASED or judgement.still_needed:
            judgement.evidence, judgement.still_needed = ERASED, None
            changed += 1
    for entry in db.session.scalars(select(ExamEntry).where(ExamEntry.learner_id.in_(ids))):
        if entry.withdrawn_reason or entry.candidate_number or entry.uci:
            entry.withdrawn_reason = entry.candidate_number = entry.uci = None
            changed += 1
    for arrangement in db.session.scalars(select(AccessArrangement).where(AccessArrangement.learner_id.in_(ids))):
        if arrangement.detail or arrangement.evidence_note:
            arrangement.detail = arrangement.evidence_note = None
            changed += 1
    return changed


data_protection.register(Section("exams", "Exam readiness, entries and access arrangements", export, erase))
