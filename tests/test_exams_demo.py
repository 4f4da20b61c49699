"""The demo academy's exams: a small catalogue, the November 2026 and June 2027 series, centres, judgements and
entries made through the services, so every rule held; and a second run adds nothing."""

from sqlalchemy import func, select

from virtualacademy.models import (
    AccessArrangement,
    EntryState,
    ExamCentre,
    ExamEntry,
    ExamPaper,
    ExamSeries,
    FeeKind,
    Learner,
    Qualification,
    Readiness,
    ReadinessJudgement,
)
from virtualacademy.services import ledger


def test_the_demo_seeds_the_exams_through_the_rules(runner, db_session):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Skipped:" not in first.output, first.output
    assert "An exam catalogue of 11 qualifications" in first.output
    assert db_session.scalar(select(func.count()).select_from(Qualification)) == 11
    june = db_session.scalar(select(ExamSeries).where(ExamSeries.name == "June 2027"))
    november = db_session.scalar(select(ExamSeries).where(ExamSeries.name == "November 2026"))
    assert november.age_rule_min_age == 16 and "31 August" in november.age_rule_reason
    assert db_session.scalar(select(func.count()).select_from(ExamCentre)) == 3
    assert db_session.scalar(select(func.count()).select_from(ExamPaper)) == 10

    def entry_of(name: str) -> ExamEntry:
        return db_session.scalar(
            select(ExamEntry).join(Learner, Learner.id == ExamEntry.learner_id).where(Learner.legal_name == name)
        )

    ellie, zara, kuba = entry_of("Ella Jones"), entry_of("Zara Ali"), entry_of("Jakub Novak")
    assert (ellie.series_id, ellie.state, ellie.age_at_entry) == (june.id, EntryState.REQUESTED, 13)
    assert FeeKind.LATE in {f.kind for f in ellie.fees}  # the suite's clock is after 21 February 2027
    assert (zara.state, zara.candidate_number, len(zara.uci)) == (EntryState.ENTERED, "0107", 13)
    assert db_session.scalar(select(func.count()).select_from(AccessArrangement)) == 2
    assert (kuba.series_id, kuba.state, kuba.grade, kuba.age_at_entry) == (
        november.id,
        EntryState.RESULT_RECORDED,
        "7",
        14,
    )
    assert kuba.centre.family_found
    not_yet = db_session.scalars(
        select(ReadinessJudgement).where(ReadinessJudgement.judgement == Readiness.NOT_YET)
    ).all()
    assert len(not_yet) == 2 and all(j.still_needed for j in not_yet)
    assert ledger.verify().ok

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "Nothing new to add" in second.output, second.output
    assert db_session.scalar(select(func.count()).select_from(ExamEntry)) == 3
