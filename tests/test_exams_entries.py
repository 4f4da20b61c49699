"""Exam entries: made from a ready, confirmed judgement; refused with a reason naming each broken rule; late fees
by the series' deadlines on the one clock; fees through the ledger with idempotency keys; withdrawal refunds before
the entry deadline and not after; sitting and results; never gated on age."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from tests.factories import (
    CentreSeriesCapacityFactory,
    ExamCentreFactory,
    ExamSeriesFactory,
    QualificationFactory,
    ReadinessJudgementFactory,
    UserFactory,
    fund_exams_budget,
)
from virtualacademy import clock
from virtualacademy.errors import DomainError, NotAllowed, ValidationError
from virtualacademy.models import (
    AccessArrangement,
    AccountKind,
    ArrangementEvidence,
    ArrangementStatus,
    ArrangementType,
    CentreSeriesCapacity,
    EntryState,
    ExamFee,
    FeeKind,
    PaidFrom,
    QualificationType,
    Readiness,
    Role,
    Tier,
    Transfer,
    TransferKind,
)
from virtualacademy.services import ledger
from virtualacademy.services.exams import entries, fees, results

#: London mornings on each side of the June 2027 deadlines (the factory's series).
BEFORE_DEADLINE = datetime(2027, 2, 10, 10, 0, tzinfo=clock.LONDON)
ON_DEADLINE = datetime(2027, 2, 21, 23, 30, tzinfo=clock.LONDON)
LATE = datetime(2027, 3, 2, 10, 0, tzinfo=clock.LONDON)  # the suite's own day
VERY_LATE = datetime(2027, 4, 1, 10, 0, tzinfo=clock.LONDON)
AFTER_CUTOFF = datetime(2027, 4, 22, 0, 5, tzinfo=clock.LONDON)
EXAMS_START = datetime(2027, 5, 10, 9, 0, tzinfo=clock.LONDON)
RESULTS = datetime(2027, 8, 19, 8, 0, tzinfo=clock.LONDON)


@pytest.fixture
def officer(ctx):
    return UserFactory(roles=[Role.EXAMS_OFFICER])


def setting(seats: int = 10, budget: int = 100_000, **centre):
    """A June 2027 series, a centre with ``seats`` for it, a ready confirmed judgement, and an exams budget."""
    series = ExamSeriesFactory()
    centre = ExamCentreFactory(**centre)
    CentreSeriesCapacityFactory(centre=centre, series=series, seats=seats)
    judgement = ReadinessJudgementFactory()
    if budget:
        fund_exams_budget(budget)
    return judgement, series, centre


def enter(officer, judgement, series, centre, **kwargs):
    return entries.create_entry(officer, judgement.learner, judgement.qualification, series, centre, **kwargs)


def exams_budget() -> int:
    return ledger.central(AccountKind.CENTRAL_EXAMS).balance_pence


# --- making an entry ---------------------------------------------------------------------------------------


def test_an_entry_before_the_deadline_posts_the_entry_and_centre_fees_from_the_exams_budget(ctx, officer, travel):
    travel(BEFORE_DEADLINE)
    judgement, series, centre = setting()
    entry = enter(officer, judgement, series, centre)
    assert entry.state is EntryState.REQUESTED and entry.paid_from is PaidFrom.CENTRAL
    assert entry.judgement_id == judgement.id and entry.entered_on == date(2027, 2, 10)
    assert {(f.kind, f.amount_pence) for f in entry.fees} == {(FeeKind.ENTRY, 4_500), (FeeKind.CENTRE, 11_500)}
    assert exams_budget() == 100_000 - 16_000
    spending = ledger.spending_account(ledger.SpendingCategory.EXAM_FEES)
    assert spending.balance_pence == 16_000
    keys = set(ctx.scalars(select(Transfer.idempotency_key).where(Transfer.kind == TransferKind.SPEND)))
    assert keys == {
        f"exam-fee:{entry.learner_id}:{entry.id}:entry",
        f"exam-fee:{entry.learner_id}:{entry.id}:centre",
    }
    memos = set(ctx.scalars(select(Transfer.memo).where(Transfer.kind == TransferKind.SPEND)))
    assert all(judgement.learner.legal_name not in memo for memo in memos)  # memos name references, never people
    assert ctx.get(CentreSeriesCapacity, centre.id) is not None
    assert ctx.scalar(select(CentreSeriesCapacity.seats_taken).where(CentreSeriesCapacity.centre_id == centre.id)) == 1
    assert ledger.verify().ok


def test_on_the_deadline_day_itself_no_late_fee_is_added(ctx, officer, travel):
    travel(ON_DEADLINE)  # 23:30 in London on 21 February (UTC is the same day in winter)
    judgement, series, centre = setting()
    entry = enter(officer, judgement, series, centre)
    assert FeeKind.LATE not in {f.kind for f in entry.fees}


@pytest.mark.parametrize(
    ("moment", "kind", "pence"),
    [(LATE, FeeKind.LATE, 5_000), (VERY_LATE, FeeKind.VERY_LATE, 10_000)],
)
def test_after_the_entry_deadline_a_late_or_very_late_fee_is_added(ctx, officer, travel, moment, kind, pence):
    travel(moment)
    judgement, series, centre = setting()
    entry = enter(officer, judgement, series, centre)
    assert {(f.kind, f.amount_pence) for f in entry.fees} == {
        (FeeKind.ENTRY, 4_500),
        (FeeKind.CENTRE, 11_500),
        (kind, pence),
    }
    assert exams_budget() == 100_000 - 16_000 - pence


def test_after_the_very_late_cutoff_no_entry_is_made(ctx, officer, travel):
    travel(AFTER_CUTOFF)
    judgement, series, centre = setting()
    with pytest.raises(DomainError, match="closed on 21 April 2027"):
        enter(officer, judgement, series, centre)
    assert ctx.scalar(select(func.count()).select_from(ExamFee)) == 0


def test_no_entry_without_a_ready_judgement(ctx, officer):
    judgement, series, centre = setting()
    learner, qualification = judgement.learner, judgement.qualification
    other = QualificationFactory(subject="Statistics")
    with pytest.raises(DomainError, match="no readiness judgement for Statistics"):
        entries.create_entry(officer, learner, other, series, centre)
    ReadinessJudgementFactory(
        learner=learner, qualification=qualification, judgement=Readiness.NOT_YET, still_needed="Algebra"
    )
    with pytest.raises(DomainError, match="is not judged ready"):
        entries.create_entry(officer, learner, qualification, series, centre)


def test_no_entry_until_the_learner_and_a_guardian_have_confirmed(ctx, officer):
    judgement, series, centre = setting()
    judgement.learner_confirmed_at = None
    with pytest.raises(DomainError, match=f"^{judgement.learner.known_as} has not yet confirmed"):
        enter(officer, judgement, series, centre)
    judgement.guardian_confirmed_at = None
    with pytest.raises(DomainError, match="and a parent or carer have not yet confirmed"):
        enter(officer, judgement, series, centre)
    judgement.learner_confirmed_at = clock.now()
    with pytest.raises(DomainError, match="^a parent or carer has not yet confirmed"):
        enter(officer, judgement, series, centre)


def test_a_duplicate_entry_for_the_same_qualification_and_series_is_refused(ctx, officer):
    judgement, series, centre = setting()
    enter(officer, judgement, series, centre)
    with pytest.raises(DomainError, match="already entered for .* in June 2027"):
        enter(officer, judgement, series, centre)
    elsewhere = ExamCentreFactory()
    CentreSeriesCapacityFactory(centre=elsewhere, series=series)
    with pytest.raises(DomainError, match="already entered"):
        enter(officer, judgement, series, elsewhere)


def test_a_centre_that_does_not_take_private_candidates_is_refused(ctx, officer):
    judgement, series, centre = setting(accepts_private_candidates=False)
    with pytest.raises(DomainError, match="does not take private candidates"):
        enter(officer, judgement, series, centre)


def test_a_full_centre_is_refused_naming_its_seats(ctx, officer):
    judgement, series, centre = setting(seats=1)
    enter(officer, judgement, series, centre)
    second = ReadinessJudgementFactory()
    with pytest.raises(DomainError) as refused:
        enter(officer, second, series, centre)
    assert refused.value.message == f"{centre.name} is full for {series.name}: its one seat is taken"
    assert exams_budget() == 100_000 - 16_000 - 5_000  # the second learner was charged nothing


def test_a_centre_with_no_seats_in_the_series_is_refused(ctx, officer):
    judgement, series, _centre = setting()
    with pytest.raises(DomainError, match="has no seats for the academy"):
        enter(officer, judgement, series, ExamCentreFactory())


def test_assessment_the_centre_must_supervise_needs_a_centre_that_does(ctx, officer):
    judgement, series, centre = setting(supervises_nea=False)
    judgement.qualification.needs_supervision = True
    with pytest.raises(DomainError, match="does not supervise it"):
        enter(officer, judgement, series, centre)


def test_an_arrangement_the_centre_cannot_provide_is_refused(ctx, officer):
    judgement, series, centre = setting(provides=[ArrangementType.EXTRA_TIME_25])
    ctx.add(
        AccessArrangement(
            learner_id=judgement.learner_id,
            series_id=series.id,
            arrangement_type=ArrangementType.SCRIBE,
            evidence_kind=ArrangementEvidence.EHCP,
            status=ArrangementStatus.APPLIED,
        )
    )
    ctx.flush()
    with pytest.raises(DomainError, match="cannot provide scribe \\(amanuensis\\)"):
        enter(officer, judgement, series, centre)


def test_a_tiered_qualification_takes_the_recommended_tier_unless_another_is_chosen(ctx, officer):
    judgement, series, centre = setting()
    judgement.qualification.tiered = True
    judgement.recommended_tier = Tier.HIGHER
    assert enter(officer, judgement, series, centre).tier is Tier.HIGHER
    other = ReadinessJudgementFactory(recommended_tier=None)
    other.qualification.tiered = True
    with pytest.raises(ValidationError, match="Choose the tier"):
        enter(officer, other, series, centre)
    assert enter(officer, other, series, centre, tier=Tier.FOUNDATION).tier is Tier.FOUNDATION


def test_only_the_exams_officer_or_an_admin_makes_entries(ctx):
    judgement, series, centre = setting()
    for roles in ([Role.MENTOR], [Role.COORDINATOR], [Role.GUARDIAN]):
        with pytest.raises(NotAllowed):
            enter(UserFactory(roles=roles), judgement, series, centre)
    assert enter(UserFactory(roles=[Role.ADMIN]), judgement, series, centre).state is EntryState.REQUESTED


# --- paying ------------------------------------------------------------------------------------------------


def test_refused_when_the_budget_cannot_cover_it_with_the_shortfall_shown(ctx, officer):
    judgement, series, centre = setting(budget=10_000)
    with pytest.raises(ledger.InsufficientFunds, match="Exams budget has £100.00, £110.00 short of the £210.00"):
        enter(officer, judgement, series, centre)  # £45 + £115 + £50 late
    assert ctx.scalar(select(CentreSeriesCapacity.seats_taken).where(CentreSeriesCapacity.centre_id == centre.id)) == 0


def test_the_academy_can_pay_from_each_learners_own_budget(app, ctx, officer, travel):
    travel(BEFORE_DEADLINE)
    judgement, series, centre = setting(budget=0)
    personal = ledger.personal_account(judgement.learner)
    ledger.post(None, ledger.funding_source(), personal, 30_000, TransferKind.ALLOCATION, "Budget", "seed-personal")
    assert app.config["EXAM_FEES_PAID_FROM"] == "central"  # the default
    app.config["EXAM_FEES_PAID_FROM"] = "personal"
    try:
        entry = enter(officer, judgement, series, centre)
    finally:
        app.config["EXAM_FEES_PAID_FROM"] = "central"
    assert entry.paid_from is PaidFrom.PERSONAL
    assert personal.balance_pence == 30_000 - 16_000
    assert {f.paid_from for f in entry.fees} == {PaidFrom.PERSONAL}


def test_a_fee_is_never_charged_twice(ctx, officer, travel):
    travel(BEFORE_DEADLINE)
    judgement, series, centre = setting()
    entry = enter(officer, judgement, series, centre)
    again = fees.charge(officer, entry, [fees.FeeLine(FeeKind.ENTRY, 4_500), fees.FeeLine(FeeKind.CENTRE, 11_500)])
    assert again == []
    # The ledger's key would refuse it too, even past the fee rows.
    first = ctx.scalar(select(Transfer).where(Transfer.idempotency_key.endswith(":entry")))
    assert (
        ledger.post(
            officer,
            ledger.central(AccountKind.CENTRAL_EXAMS),
            ledger.spending_account(ledger.SpendingCategory.EXAM_FEES),
            4_500,
            TransferKind.SPEND,
            "retry",
            first.idempotency_key,
        ).id
        == first.id
    )
    assert exams_budget() == 100_000 - 16_000
    assert ledger.verify().ok


def test_a_family_found_centre_can_be_paid_by_the_family_with_nothing_posted(ctx, officer):
    judgement, series, _ = setting()
    own = ExamCentreFactory(family_found=True, centre_number=None)
    entry = enter(officer, judgement, series, own, paid_from=PaidFrom.FAMILY)
    assert entry.fees == [] and exams_budget() == 100_000
    with pytest.raises(DomainError, match="Only an entry at a centre the family found"):
        enter(officer, ReadinessJudgementFactory(), series, ExamCentreFactory(), paid_from=PaidFrom.FAMILY)


# --- withdrawing -------------------------------------------------------------------------------------------


def test_withdrawing_by_the_entry_deadline_refunds_by_reversing_each_transfer(ctx, officer, travel):
    travel(BEFORE_DEADLINE)
    judgement, series, centre = setting()
    entry = enter(officer, judgement, series, centre)
    result = entries.withdraw(officer, entry, "Decided to wait for November")
    assert result.refunded_pence == 16_000 and entry.fees_refunded
    assert entry.state is EntryState.WITHDRAWN and exams_budget() == 100_000
    reversals = list(ctx.scalars(select(Transfer).where(Transfer.kind == TransferKind.REVERSAL)))
    assert {r.reverses_id for r in reversals} == {f.transfer_id for f in entry.fees}
    assert all(f.refund_transfer_id for f in entry.fees)
    assert ctx.scalar(select(CentreSeriesCapacity.seats_taken).where(CentreSeriesCapacity.centre_id == centre.id)) == 0
    assert ledger.verify().ok
    # A new entry after a withdrawal is allowed, and charged afresh.
    again = enter(officer, judgement, series, centre)
    assert again.state is EntryState.REQUESTED and exams_budget() == 100_000 - 16_000


def test_withdrawing_after_the_entry_deadline_keeps_the_fees_spent(ctx, officer, travel):
    travel(BEFORE_DEADLINE)
    judgement, series, centre = setting()
    entry = enter(officer, judgement, series, centre)
    travel(datetime(2027, 2, 22, 9, 0, tzinfo=clock.LONDON))
    result = entries.withdraw(officer, entry, "Unwell")
    assert result.refunded_pence == 0 and not entry.fees_refunded
    assert exams_budget() == 100_000 - 16_000
    assert ctx.scalar(select(func.count()).select_from(Transfer).where(Transfer.kind == TransferKind.REVERSAL)) == 0
    assert ctx.scalar(select(CentreSeriesCapacity.seats_taken).where(CentreSeriesCapacity.centre_id == centre.id)) == 0


def test_a_withdrawal_needs_a_reason_and_an_entry_not_yet_sat(ctx, officer, travel):
    judgement, series, centre = setting()
    entry = enter(officer, judgement, series, centre)
    with pytest.raises(ValidationError, match="Give the reason"):
        entries.withdraw(officer, entry, "  ")
    entries.confirm_entered(officer, entry, "0042", "12345A7000421")
    travel(EXAMS_START)
    entries.mark_sat(officer, entry)
    with pytest.raises(DomainError, match="This entry is sat: it cannot be withdrawn"):
        entries.withdraw(officer, entry, "Too late")


# --- the centre's details, sitting, results ----------------------------------------------------------------


def test_the_candidate_number_and_uci_are_stored_exactly_as_the_centre_gives_them(ctx, officer):
    judgement, series, centre = setting()
    entry = enter(officer, judgement, series, centre)
    for number, uci, field in [
        ("42", "12345A7000421", "candidate_number"),
        ("00421", "12345A7000421", "candidate_number"),
        ("0042", "12345A700042", "uci"),
        ("0042", "12345-7000421", "uci"),
    ]:
        with pytest.raises(ValidationError) as refused:
            entries.confirm_entered(officer, entry, number, uci)
        assert refused.value.field == field
    entries.confirm_entered(officer, entry, " 0042 ", "12345a7000421")
    assert (entry.candidate_number, entry.uci, entry.state) == ("0042", "12345a7000421", EntryState.ENTERED)
    other = enter(officer, ReadinessJudgementFactory(), series, centre)
    with pytest.raises(ValidationError, match="already another candidate's"):
        entries.confirm_entered(officer, other, "0042", "12345A7000439")


def test_a_tier_changes_only_while_changes_are_free(ctx, officer, travel):
    judgement, series, centre = setting()
    judgement.qualification.tiered = True
    entry = enter(officer, judgement, series, centre, tier=Tier.FOUNDATION)
    entries.change_tier(officer, entry, Tier.HIGHER)
    assert entry.tier is Tier.HIGHER
    travel(datetime(2027, 4, 22, 9, 0, tzinfo=clock.LONDON))
    with pytest.raises(DomainError, match="Fee-free changes for .* ended on 21 April 2027"):
        entries.change_tier(officer, entry, Tier.FOUNDATION)


def test_a_result_is_recorded_only_for_an_entry_that_was_sat(ctx, officer, travel):
    judgement, series, centre = setting()
    entry = enter(officer, judgement, series, centre)
    with pytest.raises(DomainError, match="only be recorded for an entry that was sat: this one is requested"):
        results.record_result(officer, entry, "7")
    with pytest.raises(DomainError, match="not confirmed this entry yet"):
        entries.mark_sat(officer, entry)
    entries.confirm_entered(officer, entry, "0042", "12345A7000421")
    with pytest.raises(DomainError, match="only be recorded for an entry that was sat: this one is entered"):
        results.record_result(officer, entry, "7")
    with pytest.raises(DomainError, match="starts on 10 May 2027"):
        entries.mark_sat(officer, entry)
    travel(EXAMS_START)
    entries.mark_sat(officer, entry)
    travel(RESULTS)
    with pytest.raises(ValidationError, match="Enter the grade"):
        results.record_result(officer, entry, "")
    results.record_result(officer, entry, "7")
    assert (entry.state, entry.grade, entry.result_on) == (EntryState.RESULT_RECORDED, "7", date(2027, 8, 19))
    [result] = results.results_of(judgement.learner)
    assert (result.grade, result.qualification.id, result.age_at_entry) == ("7", judgement.qualification_id, 13)


def test_a_level_results_come_on_their_own_day(ctx, officer, travel):
    judgement, series, centre = setting()
    judgement.qualification.qualification_type = QualificationType.A_LEVEL
    entry = enter(officer, judgement, series, centre)
    entries.confirm_entered(officer, entry, "0042", "12345A7000421")
    travel(EXAMS_START)
    entries.mark_sat(officer, entry)
    travel(RESULTS)
    results.record_result(officer, entry, "A*")
    assert entry.result_on == date(2027, 8, 12)


# --- readiness, never age ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("born", "age"), [(date(2014, 9, 30), 12), (date(2009, 12, 1), 17), (date(1990, 1, 1), 37)])
def test_any_age_is_entered_when_ready_and_the_age_is_only_recorded(ctx, officer, born, age):
    judgement, series, centre = setting()
    judgement.learner.date_of_birth = born
    assert enter(officer, judgement, series, centre).age_at_entry == age


def test_a_series_age_rule_is_shown_with_its_reason_and_never_refuses(ctx, officer):
    judgement, series, centre = setting()
    series.age_rule_min_age = 16
    series.age_rule_on = date(2027, 8, 31)
    series.age_rule_applies_to = QualificationType.GCSE
    series.age_rule_reason = "The November series is for resits by candidates who have left school."
    quoted = entries.quote(judgement.learner, judgement.qualification, series, centre)
    assert quoted.age_rule_note == (
        f"{series.name} is for GCSE candidates aged 16 or over on 31 August 2027; {judgement.learner.known_as} "
        "will be 14. The awarding body's reason: The November series is for resits by candidates who have left "
        "school."
    )
    assert enter(officer, judgement, series, centre).state is EntryState.REQUESTED
    igcse = ReadinessJudgementFactory(qualification=QualificationFactory(qualification_type=QualificationType.IGCSE))
    assert entries.quote(igcse.learner, igcse.qualification, series, centre).age_rule_note is None


def test_entries_of_a_learner_and_the_fees_summary(ctx, officer, travel):
    travel(BEFORE_DEADLINE)
    judgement, series, centre = setting()
    entry = enter(officer, judgement, series, centre)
    learner = judgement.learner
    assert entries.entries_of(learner) == [entry]
    assert entries.fees_summary(entry) == (16_000, 0)
    entries.withdraw(officer, entry, "Changed plans")
    assert entries.fees_summary(entry) == (0, 16_000)
    assert entries.describe_fees(entry) == [
        "Entry fee: £45.00 (refunded)",
        "Centre administration fee: £115.00 (refunded)",
    ]
