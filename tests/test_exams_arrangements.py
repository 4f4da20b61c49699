"""Access arrangements: for an entry or across a series; the centre must provide them; applied for by the deadline
(the centre's own, if earlier); a cost is charged once through the ledger and refunded if declined."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from tests.factories import (
    CentreSeriesCapacityFactory,
    ExamCentreFactory,
    ExamSeriesFactory,
    ReadinessJudgementFactory,
    UserFactory,
    fund_exams_budget,
)
from virtualacademy import clock
from virtualacademy.errors import DomainError, NotAllowed, ValidationError
from virtualacademy.models import (
    AccountKind,
    ArrangementEvidence,
    ArrangementStatus,
    ArrangementType,
    ExamFee,
    FeeKind,
    MentorAssignment,
    Role,
    Transfer,
    TransferKind,
)
from virtualacademy.services import ledger
from virtualacademy.services.exams import arrangements, entries

BEFORE_DEADLINE = datetime(2027, 2, 10, 10, 0, tzinfo=clock.LONDON)


@pytest.fixture
def officer(ctx):
    return UserFactory(roles=[Role.EXAMS_OFFICER])


def entered(officer, seats=10, **centre):
    series = ExamSeriesFactory()
    c = ExamCentreFactory(**centre)
    CentreSeriesCapacityFactory(centre=c, series=series, seats=seats, access_deadline=date(2027, 1, 24))
    judgement = ReadinessJudgementFactory()
    fund_exams_budget()
    entry = entries.create_entry(officer, judgement.learner, judgement.qualification, series, c)
    return entry


def exams_budget() -> int:
    return ledger.central(AccountKind.CENTRAL_EXAMS).balance_pence


def test_an_arrangement_for_an_entry_is_drafted_applied_and_approved(ctx, officer, travel):
    travel(datetime(2027, 1, 10, 10, 0, tzinfo=clock.LONDON))
    entry = entered(officer)
    arrangement = arrangements.add_arrangement(
        officer,
        entry.learner,
        entry.series,
        ArrangementType.EXTRA_TIME_25,
        ArrangementEvidence.EHCP,
        entry=entry,
        evidence_note="EHCP section F: 25% extra time in all assessments",
    )
    assert arrangement.status is ArrangementStatus.DRAFT
    assert arrangements.deadline(arrangement) == date(2027, 1, 24)  # the centre's own, before the series'
    assert arrangements.cannot_provide(arrangement) == []
    arrangements.apply(officer, arrangement)
    assert arrangement.status is ArrangementStatus.APPLIED and arrangement.applied_at is not None
    arrangements.decide(officer, arrangement, approved=True)
    assert arrangement.status is ArrangementStatus.APPROVED
    with pytest.raises(DomainError, match="Only an arrangement that has been applied for"):
        arrangements.decide(officer, arrangement, approved=False)


def test_an_arrangement_the_centre_cannot_provide_is_refused(ctx, officer):
    entry = entered(officer, provides=[ArrangementType.EXTRA_TIME_25])
    with pytest.raises(DomainError, match=f"{entry.centre.name} cannot provide scribe \\(amanuensis\\)"):
        arrangements.add_arrangement(
            officer, entry.learner, entry.series, ArrangementType.SCRIBE, ArrangementEvidence.EHCP, entry=entry
        )
    # Across the series: every centre the learner is entered at must provide it.
    with pytest.raises(DomainError, match="cannot provide reader"):
        arrangements.add_arrangement(
            officer, entry.learner, entry.series, ArrangementType.READER, ArrangementEvidence.SPECIALIST_REPORT
        )


def test_applying_after_the_centres_deadline_is_refused_naming_it(ctx, officer, travel):
    travel(datetime(2027, 1, 10, 10, 0, tzinfo=clock.LONDON))
    entry = entered(officer)
    arrangement = arrangements.add_arrangement(
        officer, entry.learner, entry.series, ArrangementType.REST_BREAKS, ArrangementEvidence.NORMAL_WAY_OF_WORKING
    )
    travel(datetime(2027, 1, 25, 9, 0, tzinfo=clock.LONDON))
    with pytest.raises(DomainError, match="deadline for access-arrangement applications was 24 January 2027"):
        arrangements.apply(officer, arrangement)


def test_a_cost_is_charged_with_the_entry_once_and_refunded_if_declined(ctx, officer, travel):
    travel(datetime(2027, 1, 10, 10, 0, tzinfo=clock.LONDON))
    entry = entered(officer, provides=[ArrangementType.SCRIBE])
    before = exams_budget()
    scribe = arrangements.add_arrangement(
        officer,
        entry.learner,
        entry.series,
        ArrangementType.SCRIBE,
        ArrangementEvidence.SPECIALIST_REPORT,
        entry=entry,
        cost_pence=6_000,
    )
    assert exams_budget() == before - 6_000
    fee = ctx.scalar(select(ExamFee).where(ExamFee.arrangement_id == scribe.id))
    assert (fee.kind, fee.amount_pence, fee.entry_id) == (FeeKind.ARRANGEMENT, 6_000, entry.id)
    assert fee.transfer.idempotency_key == f"exam-fee:{entry.learner_id}:{entry.id}:arrangement:{scribe.id}"
    assert fee.transfer.to_account.key == "spending:access_arrangements"
    arrangements.apply(officer, scribe)
    arrangements.decide(officer, scribe, approved=False)
    assert scribe.status is ArrangementStatus.DECLINED and exams_budget() == before
    assert fee.refund_transfer_id is not None
    assert ledger.verify().ok


def test_a_series_wide_arrangement_is_charged_once_with_the_first_entry(ctx, officer, travel):
    travel(BEFORE_DEADLINE)
    series = ExamSeriesFactory()
    centre = ExamCentreFactory(provides=[ArrangementType.SCRIBE])
    CentreSeriesCapacityFactory(centre=centre, series=series)
    fund_exams_budget()
    first = ReadinessJudgementFactory()
    learner = first.learner
    second = ReadinessJudgementFactory(learner=learner)
    scribe = arrangements.add_arrangement(
        officer, learner, series, ArrangementType.SCRIBE, ArrangementEvidence.EHCP, cost_pence=9_000
    )
    assert exams_budget() == 100_000  # no entry yet: nothing to charge it with
    quoted = entries.quote(learner, first.qualification, series, centre)
    assert [(line.kind, line.amount_pence) for line in quoted.lines] == [
        (FeeKind.ENTRY, 4_500),
        (FeeKind.CENTRE, 11_500),
        (FeeKind.ARRANGEMENT, 9_000),
    ]
    one = entries.create_entry(officer, learner, first.qualification, series, centre)
    two = entries.create_entry(officer, learner, second.qualification, series, centre)
    assert exams_budget() == 100_000 - 2 * 16_000 - 9_000
    assert [f.entry_id for f in ctx.scalars(select(ExamFee).where(ExamFee.arrangement_id == scribe.id))] == [one.id]
    # Withdrawn by the deadline, the first entry's fees come back with the scribe's; the next entry pays for it.
    entries.withdraw(officer, one, "Only one subject this year")
    assert exams_budget() == 100_000 - 16_000
    assert entries.quote(learner, first.qualification, series, centre).total_pence == 25_000
    assert two.fees and all(f.arrangement_id is None for f in two.fees)


def test_a_series_wide_arrangement_added_later_is_charged_with_the_first_live_entry(ctx, officer):
    entry = entered(officer, provides=[ArrangementType.SEPARATE_ROOM])
    before = exams_budget()
    arrangements.add_arrangement(
        officer,
        entry.learner,
        entry.series,
        ArrangementType.SEPARATE_ROOM,
        ArrangementEvidence.NORMAL_WAY_OF_WORKING,
        cost_pence=2_500,
    )
    assert exams_budget() == before - 2_500
    assert ctx.scalar(select(func.count()).select_from(Transfer).where(Transfer.kind == TransferKind.SPEND)) == 4


def test_a_cost_the_budget_cannot_cover_is_refused_with_the_shortfall(ctx, officer):
    entry = entered(officer, provides=[ArrangementType.SCRIBE])
    left = exams_budget()
    with pytest.raises(ledger.InsufficientFunds, match="short of the"):
        arrangements.add_arrangement(
            officer,
            entry.learner,
            entry.series,
            ArrangementType.SCRIBE,
            ArrangementEvidence.EHCP,
            entry=entry,
            cost_pence=left + 1,
        )


def test_the_mentor_may_draft_but_only_exams_staff_apply_and_decide(ctx, officer):
    entry = entered(officer)
    mentor = UserFactory(roles=[Role.MENTOR])
    ctx.add(MentorAssignment(learner_id=entry.learner_id, mentor_id=mentor.id, starts_on=date(2026, 9, 1)))
    ctx.flush()
    drafted = arrangements.add_arrangement(
        mentor, entry.learner, entry.series, ArrangementType.REST_BREAKS, ArrangementEvidence.NORMAL_WAY_OF_WORKING
    )
    with pytest.raises(NotAllowed):
        arrangements.apply(mentor, drafted)
    with pytest.raises(NotAllowed):
        arrangements.add_arrangement(
            UserFactory(roles=[Role.MENTOR]),
            entry.learner,
            entry.series,
            ArrangementType.REST_BREAKS,
            ArrangementEvidence.NORMAL_WAY_OF_WORKING,
        )
    with pytest.raises(ValidationError, match="Say what the arrangement is"):
        arrangements.add_arrangement(
            officer, entry.learner, entry.series, ArrangementType.OTHER, ArrangementEvidence.SPECIALIST_REPORT
        )
    assert arrangements.arrangements_of(entry.learner) == [drafted]
