"""Exam entries: made by the exams officer from a ready, confirmed judgement, for a series at a centre.

An entry moves requested -> entered (the centre's candidate number and UCI) -> sat -> result recorded, or is
withdrawn before it is sat. Placing one takes a seat at the centre with one conditional UPDATE, so entries racing
for the last seat can never overbook; its fees are posted through the ledger (:mod:`.fees`) in the same
transaction. Every refusal is a :class:`~virtualacademy.errors.DomainError` that names its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from virtualacademy import clock
from virtualacademy.errors import DomainError, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    AccessArrangement,
    ArrangementStatus,
    CentreSeriesCapacity,
    EntryState,
    ExamCentre,
    ExamEntry,
    ExamFee,
    ExamSeries,
    FeeKind,
    Learner,
    PaidFrom,
    Qualification,
    Tier,
    User,
)
from virtualacademy.models.exams import ARRANGEMENT_TYPE_LABELS, ENTRY_STATE_LABELS
from virtualacademy.services import audit
from virtualacademy.services.exams import fees, readiness
from virtualacademy.services.exams import series as series_service
from virtualacademy.services.exams.common import age_on, clean_text, long_date, pounds, require_exams_staff, who

#: States in which an entry holds its seat and can still be changed or withdrawn.
OPEN_STATES = (EntryState.REQUESTED, EntryState.ENTERED)

_CANDIDATE_NUMBER = re.compile(r"^[0-9]{4}$")
_UCI = re.compile(r"^[A-Za-z0-9]{13}$")


def live_entry(learner_id: int, qualification_id: int, series_id: int) -> ExamEntry | None:
    """The learner's entry for this qualification in this series that is not withdrawn, if any."""
    return db.session.scalar(
        select(ExamEntry).where(
            ExamEntry.learner_id == learner_id,
            ExamEntry.qualification_id == qualification_id,
            ExamEntry.series_id == series_id,
            ExamEntry.state != EntryState.WITHDRAWN,
        )
    )


def entries_of(learner: Learner) -> list[ExamEntry]:
    """A learner's entries, latest series first."""
    return list(
        db.session.scalars(
            select(ExamEntry)
            .join(ExamSeries, ExamSeries.id == ExamEntry.series_id)
            .where(ExamEntry.learner_id == learner.id)
            .order_by(ExamSeries.first_exam_on.desc(), ExamEntry.id)
        )
    )


def series_arrangements(learner_id: int, series_id: int) -> list[AccessArrangement]:
    """The learner's arrangements that cover the whole series (not declined)."""
    return list(
        db.session.scalars(
            select(AccessArrangement)
            .where(
                AccessArrangement.learner_id == learner_id,
                AccessArrangement.series_id == series_id,
                AccessArrangement.entry_id.is_(None),
                AccessArrangement.status != ArrangementStatus.DECLINED,
            )
            .order_by(AccessArrangement.id)
        )
    )


def _check_tier(qualification: Qualification, tier: Tier | None) -> Tier | None:
    if qualification.tiered:
        if not isinstance(tier, Tier):
            raise ValidationError(f"Choose the tier for {qualification.subject}: foundation or higher", field="tier")
        return tier
    if tier is not None:
        raise ValidationError(f"{qualification.subject} has no tiers", field="tier")
    return None


def _take_seat(centre: ExamCentre, series: ExamSeries) -> None:
    """One seat, only if one is free: the UPDATE's condition is checked under the row's lock, so two entries
    racing for the last seat cannot both have it (on PostgreSQL the second waits, then sees the seat gone)."""
    if centre.family_found:
        return  # the family's own arrangement with the centre: not the academy's seats to count
    row = series_service.capacity(centre, series)
    if row is None:
        raise DomainError(f"{centre.name} has no seats for the academy in {series.name}", field="centre")
    taken = db.session.execute(
        update(CentreSeriesCapacity)
        .where(CentreSeriesCapacity.id == row.id, CentreSeriesCapacity.seats_taken < CentreSeriesCapacity.seats)
        .values(seats_taken=CentreSeriesCapacity.seats_taken + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(row)
    if not taken:
        seats = "its one seat is taken" if row.seats == 1 else f"all {row.seats} seats are taken"
        raise DomainError(f"{centre.name} is full for {series.name}: {seats}", field="centre")


def _free_seat(entry: ExamEntry) -> None:
    if entry.centre.family_found:
        return
    db.session.execute(
        update(CentreSeriesCapacity)
        .where(
            CentreSeriesCapacity.centre_id == entry.centre_id,
            CentreSeriesCapacity.series_id == entry.series_id,
            CentreSeriesCapacity.seats_taken > 0,
        )
        .values(seats_taken=CentreSeriesCapacity.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


@dataclass
class Quote:
    """What an entry would cost, before it is made (for the "check your answers" page)."""

    lines: list[fees.FeeLine]
    paid_from: PaidFrom
    #: The series' own age rule, when it applies (information, never a refusal).
    age_rule_note: str | None

    @property
    def total_pence(self) -> int:
        return sum(line.amount_pence for line in self.lines)


def quote(
    learner: Learner,
    qualification: Qualification,
    series: ExamSeries,
    centre: ExamCentre,
    *,
    paid_from: PaidFrom | None = None,
    today: date | None = None,
) -> Quote:
    """Check every rule an entry must meet (except the seat and the budget, which are checked as it is made) and
    say what it would cost. Refuses with the reason, like :func:`create_entry`."""
    today = today or clock.today()
    name = who(learner)
    if not qualification.active:
        raise DomainError(f"{qualification.title} is no longer in the catalogue", field="qualification")
    readiness.entry_ready(learner, qualification)
    late_kind, late_pence = series_service.fee_band(series, today)
    if live_entry(learner.id, qualification.id, series.id) is not None:
        raise DomainError(
            f"{name} is already entered for {qualification.subject} in {series.name}", field="qualification"
        )
    if not centre.active:
        raise DomainError(f"{centre.name} is no longer one of the academy's centres", field="centre")
    if not centre.accepts_private_candidates:
        raise DomainError(f"{centre.name} does not take private candidates: choose another centre", field="centre")
    if qualification.needs_supervision and not centre.supervises_nea:
        raise DomainError(
            f"{qualification.subject} has non-exam assessment or an endorsement that the centre must supervise, "
            f"and {centre.name} does not supervise it for private candidates",
            field="centre",
        )
    arrangements = series_arrangements(learner.id, series.id)
    missing = sorted({a.arrangement_type for a in arrangements} - centre.provides)
    if missing:
        raise DomainError(
            f"{centre.name} cannot provide "
            + ", ".join(ARRANGEMENT_TYPE_LABELS[m].lower() for m in missing)
            + f", which {name} has for {series.name}",
            field="centre",
        )
    paid_from = paid_from or fees.academy_setting()
    if paid_from is PaidFrom.FAMILY and not centre.family_found:
        raise DomainError(
            "Only an entry at a centre the family found themselves can be paid by the family", field="paid_from"
        )
    lines = [
        fees.FeeLine(FeeKind.ENTRY, qualification.entry_fee_pence),
        fees.FeeLine(FeeKind.CENTRE, centre.admin_fee_pence),
    ]
    if late_kind is not None:
        lines.append(fees.FeeLine(late_kind, late_pence))
    charged = set(
        db.session.scalars(
            select(ExamFee.arrangement_id).where(
                ExamFee.arrangement_id.in_(
                    select(AccessArrangement.id).where(
                        AccessArrangement.learner_id == learner.id,
                        AccessArrangement.series_id == series.id,
                        AccessArrangement.entry_id.is_(None),
                    )
                ),
                ExamFee.refund_transfer_id.is_(None),
            )
        )
    )
    lines += [
        fees.FeeLine(FeeKind.ARRANGEMENT, a.cost_pence, a) for a in arrangements if a.cost_pence and a.id not in charged
    ]
    lines = [line for line in lines if line.amount_pence > 0]
    return Quote(lines, paid_from, series_service.age_rule_note(series, learner, qualification))


def create_entry(
    actor: User,
    learner: Learner,
    qualification: Qualification,
    series: ExamSeries,
    centre: ExamCentre,
    *,
    tier: Tier | None = None,
    paid_from: PaidFrom | None = None,
    today: date | None = None,
) -> ExamEntry:
    """Enter a learner (requested, until the centre confirms it with a candidate number). Refused, with the
    reason, without a ready confirmed judgement, after the series' very-late cutoff, for a duplicate, at a centre
    that is full, does not take private candidates, cannot supervise the assessment or cannot provide the
    learner's arrangements, or when the paying budget cannot cover the fees (the shortfall is shown). After the
    entry deadline a late (or very late) fee is added."""
    require_exams_staff(actor, "enter learners for exams")
    today = today or clock.today()
    priced = quote(learner, qualification, series, centre, paid_from=paid_from, today=today)
    judgement = readiness.current_judgement(learner.id, qualification.id)
    tier = _check_tier(qualification, tier or judgement.recommended_tier)
    payer = fees.paying_account(learner, priced.paid_from)
    fees.check_covers(payer, priced.lines, f"entering {who(learner)} for {qualification.subject}")
    _take_seat(centre, series)
    entry = ExamEntry(
        learner_id=learner.id,
        qualification_id=qualification.id,
        series_id=series.id,
        centre_id=centre.id,
        judgement_id=judgement.id,
        tier=tier,
        state=EntryState.REQUESTED,
        paid_from=priced.paid_from,
        age_at_entry=age_on(learner.date_of_birth, today),
        entered_on=today,
        created_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError as error:  # the same entry made at the same moment elsewhere
        raise DomainError(
            f"{who(learner)} is already entered for {qualification.subject} in {series.name}", field="qualification"
        ) from error
    fees.charge(actor, entry, priced.lines)
    audit.record(
        "exams.entry_created",
        actor=actor,
        obj=entry,
        detail={
            "learner": learner.id,
            "qualification": qualification.id,
            "series": series.id,
            "centre": centre.id,
            "paid_from": priced.paid_from.value,
            "fees_pence": priced.total_pence,
        },
    )
    return entry


def _require_open(entry: ExamEntry, doing: str) -> None:
    if entry.state not in OPEN_STATES:
        raise DomainError(f"This entry is {ENTRY_STATE_LABELS[entry.state].lower()}: it cannot be {doing}")


def confirm_entered(actor: User, entry: ExamEntry, candidate_number: str, uci: str) -> ExamEntry:
    """The centre has entered the candidate: record its 4-digit candidate number and the 13-character Unique
    Candidate Identifier exactly as given (never worked out here)."""
    require_exams_staff(actor, "record a centre's candidate details")
    _require_open(entry, "confirmed")
    number = (candidate_number or "").strip()
    if not _CANDIDATE_NUMBER.match(number):
        raise ValidationError("Enter the centre's 4-digit candidate number, like 0042", field="candidate_number")
    code = (uci or "").strip()
    if not _UCI.match(code):
        raise ValidationError(
            "Enter the 13-character Unique Candidate Identifier (letters and digits) exactly as the centre gives it",
            field="uci",
        )
    clash = db.session.scalar(
        select(ExamEntry.id).where(
            ExamEntry.centre_id == entry.centre_id,
            ExamEntry.series_id == entry.series_id,
            ExamEntry.candidate_number == number,
            ExamEntry.learner_id != entry.learner_id,
            ExamEntry.state != EntryState.WITHDRAWN,
        )
    )
    if clash is not None:
        raise ValidationError(
            f"Candidate number {number} is already another candidate's at {entry.centre.name} in {entry.series.name}",
            field="candidate_number",
        )
    entry.candidate_number, entry.uci, entry.state = number, code, EntryState.ENTERED
    db.session.flush()
    audit.record("exams.entry_confirmed", actor=actor, obj=entry, detail={"candidate_number": number})
    return entry


def change_tier(actor: User, entry: ExamEntry, tier: Tier, *, today: date | None = None) -> ExamEntry:
    """Change the tier while changes are free (up to the series' fee-free change date)."""
    require_exams_staff(actor, "change an entry")
    _require_open(entry, "changed")
    today = today or clock.today()
    tier = _check_tier(entry.qualification, tier)
    if today > entry.series.changes_free_until:
        raise DomainError(
            f"Fee-free changes for {entry.series.name} ended on {long_date(entry.series.changes_free_until)}: "
            "the awarding body now charges to change the tier",
            field="tier",
        )
    if tier != entry.tier:
        before = entry.tier
        entry.tier = tier
        audit.record(
            "exams.entry_tier_changed",
            actor=actor,
            obj=entry,
            detail={"from": before.value if before else None, "to": tier.value},
        )
    return entry


@dataclass
class Withdrawal:
    entry: ExamEntry
    #: The fees given back (0 after the entry deadline: they stay spent).
    refunded_pence: int


def withdraw(actor: User, entry: ExamEntry, reason: str, *, today: date | None = None) -> Withdrawal:
    """Withdraw an entry not yet sat and free its seat. On or before the series' entry deadline its fees are
    refunded by reversing their transfers; after it they stay spent."""
    require_exams_staff(actor, "withdraw an entry")
    _require_open(entry, "withdrawn")
    reason = clean_text(reason, "reason", "Give the reason for withdrawing the entry", 1000)
    today = today or clock.today()
    fees.lock_payer(fees.paying_account(entry.learner, entry.paid_from))  # the lock order: payer, seats, spending
    _free_seat(entry)
    refunded = 0
    if today <= entry.series.entry_deadline:
        refunded = fees.refund(actor, fees.live_fees(entry), f"exam entry {entry.id} withdrawn by the entry deadline")
        entry.fees_refunded = True
    entry.state = EntryState.WITHDRAWN
    entry.withdrawn_at = clock.now()
    entry.withdrawn_reason = reason
    db.session.flush()
    audit.record(
        "exams.entry_withdrawn",
        actor=actor,
        obj=entry,
        detail={"refunded_pence": refunded, "fees_kept": not entry.fees_refunded},
    )
    return Withdrawal(entry, refunded)


def mark_sat(actor: User, entry: ExamEntry, *, today: date | None = None) -> ExamEntry:
    """The candidate sat the exam (from the series' first exam day)."""
    require_exams_staff(actor, "record that an exam was sat")
    today = today or clock.today()
    if entry.state is not EntryState.ENTERED:
        if entry.state is EntryState.REQUESTED:
            raise DomainError("The centre has not confirmed this entry yet (no candidate number): it cannot be sat")
        raise DomainError(f"This entry is {ENTRY_STATE_LABELS[entry.state].lower()}: it cannot be marked as sat")
    if today < entry.series.first_exam_on:
        raise DomainError(f"{entry.series.name} starts on {long_date(entry.series.first_exam_on)}: nothing is sat yet")
    entry.state = EntryState.SAT
    audit.record("exams.entry_sat", actor=actor, obj=entry)
    return entry


def fees_summary(entry: ExamEntry) -> tuple[int, int]:
    """(pence paid and kept, pence refunded) for an entry."""
    kept = refunded = 0
    for fee in entry.fees:
        if fee.refund_transfer_id is None:
            kept += fee.amount_pence
        else:
            refunded += fee.amount_pence
    return kept, refunded


def describe_fees(entry: ExamEntry) -> list[str]:
    return [
        f"{fees.FeeLine(fee.kind, fee.amount_pence).label}: {pounds(fee.amount_pence)}"
        + (" (refunded)" if fee.refund_transfer_id else "")
        for fee in entry.fees
    ]
