"""Access arrangements (25% extra time, a reader, a scribe, a separate room ...) for one entry or for a candidate
across a series. Each needs evidence and an application before the deadline (the centre's own for the series if it
set one, else the series'), and the centre must be able to provide it. A cost (a scribe's hours) is posted through
the ledger with the entry's other fees; a declined arrangement's cost is refunded."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.errors import DomainError, NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    AccessArrangement,
    ArrangementEvidence,
    ArrangementStatus,
    ArrangementType,
    EntryState,
    ExamCentre,
    ExamEntry,
    ExamFee,
    ExamSeries,
    FeeKind,
    Learner,
    PaidFrom,
    User,
)
from virtualacademy.models.exams import ARRANGEMENT_TYPE_LABELS
from virtualacademy.services import audit
from virtualacademy.services.exams import access, fees
from virtualacademy.services.exams import series as series_service
from virtualacademy.services.exams.common import clean_text, long_date, require_exams_staff, who, whole_pence
from virtualacademy.services.exams.entries import OPEN_STATES


def _live_entries(learner_id: int, series_id: int) -> list[ExamEntry]:
    return list(
        db.session.scalars(
            select(ExamEntry)
            .where(
                ExamEntry.learner_id == learner_id,
                ExamEntry.series_id == series_id,
                ExamEntry.state != EntryState.WITHDRAWN,
            )
            .order_by(ExamEntry.id)
        )
    )


def centres_for(arrangement: AccessArrangement) -> list[ExamCentre]:
    """The centres that must provide it: its entry's, or those of each of the learner's entries in the series."""
    if arrangement.entry is not None:
        return [arrangement.entry.centre]
    seen: dict[int, ExamCentre] = {}
    for entry in _live_entries(arrangement.learner_id, arrangement.series_id):
        seen.setdefault(entry.centre_id, entry.centre)
    return list(seen.values())


def cannot_provide(arrangement: AccessArrangement) -> list[ExamCentre]:
    """Centres that cannot provide the arrangement (for the page to say so)."""
    return [c for c in centres_for(arrangement) if arrangement.arrangement_type not in c.provides]


def deadline(arrangement: AccessArrangement) -> date:
    """The application deadline: the earliest of its centres' own deadlines for the series, else the series'."""
    centres = centres_for(arrangement)
    if not centres:
        return arrangement.series.access_deadline
    return min(series_service.access_deadline(arrangement.series, c) for c in centres)


def _check_provided(arrangement_type: ArrangementType, centres: list[ExamCentre], learner: Learner) -> None:
    missing = [c.name for c in centres if arrangement_type not in c.provides]
    if missing:
        raise DomainError(
            f"{' and '.join(missing)} cannot provide {ARRANGEMENT_TYPE_LABELS[arrangement_type].lower()} for "
            f"{who(learner)}: arrange another centre first",
            field="arrangement_type",
        )


def add_arrangement(
    actor: User,
    learner: Learner,
    series: ExamSeries,
    arrangement_type: ArrangementType,
    evidence_kind: ArrangementEvidence,
    *,
    entry: ExamEntry | None = None,
    detail: str | None = None,
    evidence_note: str | None = None,
    cost_pence: int = 0,
) -> AccessArrangement:
    """A draft arrangement for one entry or (``entry`` None) for every entry of the learner in the series. Refused
    if a centre involved cannot provide it. Its cost, if any, is charged with the entry (for a series-wide one,
    with the learner's first entry in the series), unless the family pays the centre themselves."""
    if not access.may_draft_arrangement(actor, learner):
        raise NotAllowed(f"Only the exams officer, an admin or {who(learner)}'s mentor can add access arrangements")
    if not isinstance(arrangement_type, ArrangementType):
        raise ValidationError("Choose the access arrangement", field="arrangement_type")
    if not isinstance(evidence_kind, ArrangementEvidence):
        raise ValidationError("Choose the evidence for it", field="evidence_kind")
    detail = clean_text(
        detail,
        "detail",
        "Say what the arrangement is" if arrangement_type is ArrangementType.OTHER else None,
        1000,
    )
    evidence_note = clean_text(evidence_note, "evidence_note", None, 5000)
    cost_pence = whole_pence(cost_pence, "cost_pence", "The cost")
    if entry is not None:
        if entry.learner_id != learner.id or entry.series_id != series.id:
            raise ValidationError("Choose one of this learner's entries in the series", field="entry")
        if entry.state not in OPEN_STATES:
            raise DomainError("Arrangements can only be added to an entry that has not been sat or withdrawn")
        centres = [entry.centre]
    else:
        centres = list({e.centre_id: e.centre for e in _live_entries(learner.id, series.id)}.values())
    _check_provided(arrangement_type, centres, learner)
    arrangement = AccessArrangement(
        learner_id=learner.id,
        series_id=series.id,
        entry_id=entry.id if entry is not None else None,
        arrangement_type=arrangement_type,
        detail=detail,
        evidence_kind=evidence_kind,
        evidence_note=evidence_note,
        cost_pence=cost_pence,
        status=ArrangementStatus.DRAFT,
        created_by_id=actor.id,
    )
    db.session.add(arrangement)
    db.session.flush()
    if cost_pence:
        payer_entry = entry or next(iter(_live_entries(learner.id, series.id)), None)
        if payer_entry is not None and payer_entry.paid_from is not PaidFrom.FAMILY:
            line = fees.FeeLine(FeeKind.ARRANGEMENT, cost_pence, arrangement)
            fees.check_covers(
                fees.paying_account(learner, payer_entry.paid_from),
                [line],
                f"{ARRANGEMENT_TYPE_LABELS[arrangement_type].lower()} for {who(learner)}",
            )
            fees.charge(actor, payer_entry, [line])
    audit.record(
        "exams.arrangement_added",
        actor=actor,
        obj=arrangement,
        detail={"learner": learner.id, "series": series.id, "type": arrangement_type.value, "cost_pence": cost_pence},
    )
    return arrangement


def apply(actor: User, arrangement: AccessArrangement, *, today: date | None = None) -> AccessArrangement:
    """The application has gone to the awarding body, by the deadline."""
    require_exams_staff(actor, "apply for access arrangements")
    if arrangement.status is not ArrangementStatus.DRAFT:
        raise DomainError("This arrangement has already been applied for")
    today = today or clock.today()
    due = deadline(arrangement)
    if today > due:
        raise DomainError(
            f"The deadline for access-arrangement applications was {long_date(due)}: ask the centre whether it "
            "can still apply"
        )
    _check_provided(arrangement.arrangement_type, centres_for(arrangement), arrangement.learner)
    arrangement.status = ArrangementStatus.APPLIED
    arrangement.applied_at = clock.now()
    audit.record("exams.arrangement_applied", actor=actor, obj=arrangement)
    return arrangement


def decide(actor: User, arrangement: AccessArrangement, approved: bool) -> AccessArrangement:
    """Record the awarding body's decision. A declined arrangement's cost is refunded."""
    require_exams_staff(actor, "record access-arrangement decisions")
    if arrangement.status is not ArrangementStatus.APPLIED:
        raise DomainError("Only an arrangement that has been applied for can be approved or declined")
    arrangement.status = ArrangementStatus.APPROVED if approved else ArrangementStatus.DECLINED
    arrangement.decided_at = clock.now()
    if not approved:
        charged = list(
            db.session.scalars(
                select(ExamFee).where(ExamFee.arrangement_id == arrangement.id, ExamFee.refund_transfer_id.is_(None))
            )
        )
        for payer in {fee.paid_from for fee in charged}:  # the lock order: the payer before exam spending
            fees.lock_payer(fees.paying_account(arrangement.learner, payer))
        fees.refund(actor, charged, f"access arrangement {arrangement.id} declined")
    audit.record("exams.arrangement_decided", actor=actor, obj=arrangement, detail={"approved": approved})
    return arrangement


def arrangements_of(learner: Learner, series: ExamSeries | None = None) -> list[AccessArrangement]:
    stmt = select(AccessArrangement).where(AccessArrangement.learner_id == learner.id)
    if series is not None:
        stmt = stmt.where(AccessArrangement.series_id == series.id)
    return list(db.session.scalars(stmt.order_by(AccessArrangement.series_id, AccessArrangement.id)))
