"""Reports per series, aggregated in the database (one GROUP BY each, however many entries): entries by
qualification, centre and locality; the age at entry of each candidate (shown to prove entries are not age-bound);
results by qualification; fees spent. Coordinators get only their locality's count."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, case, func, select

from virtualacademy.errors import NotAllowed
from virtualacademy.extensions import db
from virtualacademy.models import (
    AwardingBody,
    EntryState,
    ExamCentre,
    ExamEntry,
    ExamFee,
    ExamSeries,
    FeeKind,
    Learner,
    Locality,
    PaidFrom,
    Qualification,
    QualificationType,
    User,
)
from virtualacademy.models.exams import qualification_title
from virtualacademy.services.exams import access

LIVE = ExamEntry.state != EntryState.WITHDRAWN


@dataclass(frozen=True)
class Count:
    label: str
    count: int


def _title(body, kind, subject, code) -> str:
    return qualification_title(AwardingBody(body), QualificationType(kind), subject, code)


def entries_by_qualification(series: ExamSeries) -> list[Count]:
    rows = db.session.execute(
        select(
            Qualification.awarding_body,
            Qualification.qualification_type,
            Qualification.subject,
            Qualification.spec_code,
            func.count(ExamEntry.id),
        )
        .join(ExamEntry, ExamEntry.qualification_id == Qualification.id)
        .where(ExamEntry.series_id == series.id, LIVE)
        .group_by(
            Qualification.id,
            Qualification.awarding_body,
            Qualification.qualification_type,
            Qualification.subject,
            Qualification.spec_code,
        )
        .order_by(func.count(ExamEntry.id).desc(), Qualification.subject, Qualification.id)
    )
    return [Count(_title(body, kind, subject, code), n) for body, kind, subject, code, n in rows]


def entries_by_centre(series: ExamSeries) -> list[Count]:
    rows = db.session.execute(
        select(ExamCentre.name, func.count(ExamEntry.id))
        .join(ExamEntry, ExamEntry.centre_id == ExamCentre.id)
        .where(ExamEntry.series_id == series.id, LIVE)
        .group_by(ExamCentre.id, ExamCentre.name)
        .order_by(func.count(ExamEntry.id).desc(), ExamCentre.name, ExamCentre.id)
    )
    return [Count(name, n) for name, n in rows]


def entries_by_locality(series: ExamSeries) -> list[Count]:
    rows = db.session.execute(
        select(Locality.name, func.count(ExamEntry.id))
        .select_from(ExamEntry)
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .outerjoin(Locality, Locality.id == Learner.locality_id)
        .where(ExamEntry.series_id == series.id, LIVE)
        .group_by(Locality.id, Locality.name)
        .order_by(func.count(ExamEntry.id).desc(), Locality.name)
    )
    return [Count(name or "No locality", n) for name, n in rows]


def ages_at_entry(series: ExamSeries) -> list[Count]:
    """How many entries were made at each age (in whole years on the day of entry), youngest first."""
    rows = db.session.execute(
        select(ExamEntry.age_at_entry, func.count(ExamEntry.id))
        .where(ExamEntry.series_id == series.id, LIVE)
        .group_by(ExamEntry.age_at_entry)
        .order_by(ExamEntry.age_at_entry)
    )
    return [Count(str(age), n) for age, n in rows]


def candidate_ages(series: ExamSeries) -> Select:
    """Each candidate's age at entry, by qualification: a query for a paginated list (stable order)."""
    return (
        select(
            ExamEntry.id,
            Learner.legal_name,
            Learner.preferred_name,
            Qualification.subject,
            Qualification.qualification_type,
            ExamEntry.age_at_entry,
        )
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .join(Qualification, Qualification.id == ExamEntry.qualification_id)
        .where(ExamEntry.series_id == series.id, LIVE)
        .order_by(ExamEntry.age_at_entry, Learner.legal_name, ExamEntry.id)
    )


@dataclass(frozen=True)
class GradeCount:
    qualification: str
    grade: str
    count: int


def results_by_qualification(series: ExamSeries) -> list[GradeCount]:
    """The results summary of a series: how many of each grade in each qualification."""
    rows = db.session.execute(
        select(
            Qualification.awarding_body,
            Qualification.qualification_type,
            Qualification.subject,
            Qualification.spec_code,
            ExamEntry.grade,
            func.count(ExamEntry.id),
        )
        .join(ExamEntry, ExamEntry.qualification_id == Qualification.id)
        .where(ExamEntry.series_id == series.id, ExamEntry.state == EntryState.RESULT_RECORDED)
        .group_by(
            Qualification.id,
            Qualification.awarding_body,
            Qualification.qualification_type,
            Qualification.subject,
            Qualification.spec_code,
            ExamEntry.grade,
        )
        .order_by(Qualification.subject, Qualification.id, ExamEntry.grade)
    )
    return [GradeCount(_title(body, kind, subject, code), grade, n) for body, kind, subject, code, grade, n in rows]


@dataclass
class FeesSpent:
    #: Pence spent and kept, by kind of fee.
    by_kind: dict[FeeKind, int] = field(default_factory=dict)
    #: Pence spent and kept, by who paid.
    by_payer: dict[PaidFrom, int] = field(default_factory=dict)
    refunded_pence: int = 0

    @property
    def total_pence(self) -> int:
        return sum(self.by_kind.values())


def fees_spent(series: ExamSeries) -> FeesSpent:
    kept = ExamFee.refund_transfer_id.is_(None)
    report = FeesSpent()
    for kind, payer, spent, refunded in db.session.execute(
        select(
            ExamFee.kind,
            ExamFee.paid_from,
            func.sum(case((kept, ExamFee.amount_pence), else_=0)),
            func.sum(case((kept, 0), else_=ExamFee.amount_pence)),
        )
        .join(ExamEntry, ExamEntry.id == ExamFee.entry_id)
        .where(ExamEntry.series_id == series.id)
        .group_by(ExamFee.kind, ExamFee.paid_from)
    ):
        kind, payer = FeeKind(kind), PaidFrom(payer)
        report.by_kind[kind] = report.by_kind.get(kind, 0) + int(spent or 0)
        report.by_payer[payer] = report.by_payer.get(payer, 0) + int(spent or 0)
        report.refunded_pence += int(refunded or 0)
    return report


def locality_entry_count(user: User, locality: Locality, series: ExamSeries | None = None) -> int:
    """How many live entries the locality's learners have (in one series, or all): the coordinator's view, with
    no names."""
    if not access.may_see_locality_counts(user, locality):
        raise NotAllowed("Only the locality's coordinator, the exams officer or an admin can see this")
    stmt = (
        select(func.count(ExamEntry.id))
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .where(Learner.locality_id == locality.id, LIVE)
    )
    if series is not None:
        stmt = stmt.where(ExamEntry.series_id == series.id)
    return db.session.scalar(stmt) or 0
