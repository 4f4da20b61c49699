"""Exam entry by readiness: the qualification catalogue, exam series and centres, readiness judgements, entries
with their papers and fees, and access arrangements.

Nothing here is keyed on age or year group: a learner is entered when a mentor judges them ready. The one place an
age appears is a series' own age rule (an awarding body's rule, kept as data with its reason) and the age at entry
recorded for the report that proves entries are not age-bound.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from virtualacademy.models.accounts import User
from virtualacademy.models.base import Base, TimestampMixin, enum_type, utcnow
from virtualacademy.models.families import Learner
from virtualacademy.models.funding import Transfer
from virtualacademy.models.localities import Locality

# --- the catalogue ------------------------------------------------------------------------------------------


class AwardingBody(enum.StrEnum):
    AQA = "aqa"
    PEARSON_EDEXCEL = "pearson_edexcel"
    OCR = "ocr"
    WJEC_EDUQAS = "wjec_eduqas"
    CAMBRIDGE = "cambridge"
    OTHER = "other"


AWARDING_BODY_LABELS = {
    AwardingBody.AQA: "AQA",
    AwardingBody.PEARSON_EDEXCEL: "Pearson Edexcel",
    AwardingBody.OCR: "OCR",
    AwardingBody.WJEC_EDUQAS: "WJEC Eduqas",
    AwardingBody.CAMBRIDGE: "Cambridge International",
    AwardingBody.OTHER: "Other",
}


class QualificationType(enum.StrEnum):
    GCSE = "gcse"
    IGCSE = "igcse"
    AS = "as"
    A_LEVEL = "a_level"
    FUNCTIONAL_SKILLS = "functional_skills"
    OTHER = "other"


QUALIFICATION_TYPE_LABELS = {
    QualificationType.GCSE: "GCSE",
    QualificationType.IGCSE: "International GCSE",
    QualificationType.AS: "AS level",
    QualificationType.A_LEVEL: "A level",
    QualificationType.FUNCTIONAL_SKILLS: "Functional Skills",
    QualificationType.OTHER: "Other",
}


class Tier(enum.StrEnum):
    FOUNDATION = "foundation"
    HIGHER = "higher"


TIER_LABELS = {Tier.FOUNDATION: "Foundation", Tier.HIGHER: "Higher"}


class Qualification(TimestampMixin, Base):
    """A qualification a learner can be entered for, as its awarding body specifies it."""

    __tablename__ = "qualification"
    __table_args__ = (
        UniqueConstraint("awarding_body", "spec_code"),
        CheckConstraint("entry_fee_pence >= 0", name="entry_fee_not_negative"),
        Index("ix_qualification_subject", "subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    awarding_body: Mapped[AwardingBody] = mapped_column(enum_type(AwardingBody, "awarding_body", 24))
    qualification_type: Mapped[QualificationType] = mapped_column(
        enum_type(QualificationType, "qualification_type", 24)
    )
    subject: Mapped[str] = mapped_column(String(120))
    #: The awarding body's specification code, e.g. ``8300`` (AQA GCSE Mathematics) or ``0580``.
    spec_code: Mapped[str] = mapped_column(String(20))
    #: Sat at foundation or higher tier (an entry must then name its tier).
    tiered: Mapped[bool] = mapped_column(default=False)
    #: Has non-exam assessment or an endorsement (practical, spoken language) that the centre must supervise.
    needs_supervision: Mapped[bool] = mapped_column(default=False)
    #: The awarding body's entry fee for one series, in pence.
    entry_fee_pence: Mapped[int] = mapped_column(default=0)
    #: Retired qualifications stay for the entries that name them but take no new ones.
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def title(self) -> str:
        return qualification_title(self.awarding_body, self.qualification_type, self.subject, self.spec_code)


def qualification_title(body: AwardingBody, kind: QualificationType, subject: str, spec_code: str) -> str:
    """``AQA GCSE Mathematics (8300)``, ``Cambridge IGCSE First Language English (0500)``."""
    if body is AwardingBody.CAMBRIDGE and kind is QualificationType.IGCSE:
        return f"Cambridge IGCSE {subject} ({spec_code})"
    return f"{AWARDING_BODY_LABELS[body]} {QUALIFICATION_TYPE_LABELS[kind]} {subject} ({spec_code})"


# --- series and centres -------------------------------------------------------------------------------------


class ExamSeries(TimestampMixin, Base):
    """A window of public exams (``June 2027``) with its deadlines and fees. Every date is the awarding bodies'
    (or the academy's) data, never the code's."""

    __tablename__ = "exam_series"
    __table_args__ = (
        CheckConstraint("late_fee_pence >= 0 AND very_late_fee_pence >= 0", name="fees_not_negative"),
        CheckConstraint(
            "entry_deadline <= late_entry_deadline AND late_entry_deadline <= very_late_cutoff", name="deadline_order"
        ),
        CheckConstraint("first_exam_on <= last_exam_on AND last_exam_on <= results_day", name="exam_date_order"),
        CheckConstraint("age_rule_min_age IS NULL OR age_rule_on IS NOT NULL", name="age_rule_has_date"),
        Index("ix_exam_series_entry_deadline", "entry_deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    #: Entries made on or before this day pay no late fee.
    entry_deadline: Mapped[date]
    #: After the entry deadline and up to this day an entry pays ``late_fee_pence``.
    late_entry_deadline: Mapped[date]
    late_fee_pence: Mapped[int] = mapped_column(default=0)
    #: After the late-entry deadline and up to this day an entry pays ``very_late_fee_pence``; after it, no entries.
    very_late_cutoff: Mapped[date]
    very_late_fee_pence: Mapped[int] = mapped_column(default=0)
    #: The last day a tier can be changed without an awarding body's amendment fee.
    changes_free_until: Mapped[date]
    #: The awarding bodies' deadline for access-arrangement applications (a centre may set an earlier one).
    access_deadline: Mapped[date]
    first_exam_on: Mapped[date]
    last_exam_on: Mapped[date]
    #: Results day (GCSE and the rest); A level and AS results may come earlier (``a_level_results_day``).
    results_day: Mapped[date]
    a_level_results_day: Mapped[date | None]
    #: An awarding body's own age rule for the series, as data (for example the November series is for GCSE
    #: English Language and maths candidates aged 16 or over on 31 August). Shown with its reason, never code.
    age_rule_min_age: Mapped[int | None] = mapped_column(SmallInteger)
    #: The day on which the age is counted.
    age_rule_on: Mapped[date | None]
    #: The kind of qualification it applies to (empty: every entry in the series).
    age_rule_applies_to: Mapped[QualificationType | None] = mapped_column(
        enum_type(QualificationType, "qualification_type", 24)
    )
    age_rule_reason: Mapped[str | None] = mapped_column(Text)


class ArrangementType(enum.StrEnum):
    EXTRA_TIME_25 = "extra_time_25"
    EXTRA_TIME_MORE = "extra_time_more"
    REST_BREAKS = "rest_breaks"
    READER = "reader"
    SCRIBE = "scribe"
    WORD_PROCESSOR = "word_processor"
    SEPARATE_ROOM = "separate_room"
    MODIFIED_PAPERS = "modified_papers"
    OTHER = "other"


ARRANGEMENT_TYPE_LABELS = {
    ArrangementType.EXTRA_TIME_25: "25% extra time",
    ArrangementType.EXTRA_TIME_MORE: "More than 25% extra time",
    ArrangementType.REST_BREAKS: "Supervised rest breaks",
    ArrangementType.READER: "Reader or computer reader",
    ArrangementType.SCRIBE: "Scribe (amanuensis)",
    ArrangementType.WORD_PROCESSOR: "Word processor",
    ArrangementType.SEPARATE_ROOM: "Separate room",
    ArrangementType.MODIFIED_PAPERS: "Modified papers",
    ArrangementType.OTHER: "Other",
}


class ExamCentre(TimestampMixin, Base):
    """A place to sit exams: one the academy works with, or one a family found themselves (``family_found``),
    recorded the same way so the record of achievement is complete."""

    __tablename__ = "exam_centre"
    __table_args__ = (CheckConstraint("admin_fee_pence >= 0", name="admin_fee_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The JCQ centre number (five digits), when known.
    centre_number: Mapped[str | None] = mapped_column(String(8), unique=True)
    address: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str | None] = mapped_column(String(8))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id", ondelete="SET NULL"), index=True)
    accepts_private_candidates: Mapped[bool] = mapped_column(default=True)
    #: The centre's own administration fee for each entry, in pence (on top of the awarding body's fee).
    admin_fee_pence: Mapped[int] = mapped_column(default=0)
    #: Supervises non-exam assessment and endorsements for private candidates.
    supervises_nea: Mapped[bool] = mapped_column(default=False)
    #: Found and arranged by the family rather than the academy (seats there are not the academy's to count).
    family_found: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    locality: Mapped[Locality | None] = relationship()
    arrangements: Mapped[list[CentreArrangement]] = relationship(
        back_populates="centre", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def provides(self) -> set[ArrangementType]:
        return {a.arrangement_type for a in self.arrangements}


class CentreArrangement(Base):
    """An access arrangement a centre can provide."""

    __tablename__ = "centre_arrangement"

    centre_id: Mapped[int] = mapped_column(ForeignKey("exam_centre.id", ondelete="CASCADE"), primary_key=True)
    arrangement_type: Mapped[ArrangementType] = mapped_column(
        enum_type(ArrangementType, "arrangement_type", 24), primary_key=True
    )

    centre: Mapped[ExamCentre] = relationship(back_populates="arrangements")


class CentreSeriesCapacity(Base):
    """The seats a centre offers the academy's candidates in one series, and how many are taken.

    ``seats_taken`` counts the entries placed there that are not withdrawn. It changes only through one
    conditional UPDATE (``seats_taken < seats``), so concurrent entries can never overbook."""

    __tablename__ = "centre_series_capacity"
    __table_args__ = (
        UniqueConstraint("centre_id", "series_id"),
        CheckConstraint("seats >= 0", name="seats_not_negative"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= seats", name="seats_taken_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("exam_centre.id", ondelete="CASCADE"))
    series_id: Mapped[int] = mapped_column(ForeignKey("exam_series.id", ondelete="CASCADE"), index=True)
    seats: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0)
    #: The centre's own access-arrangement evidence deadline for the series (often mid to late January for June).
    access_deadline: Mapped[date | None]

    centre: Mapped[ExamCentre] = relationship()
    series: Mapped[ExamSeries] = relationship()


# --- readiness ---------------------------------------------------------------------------------------------


class Readiness(enum.StrEnum):
    READY = "ready"
    NOT_YET = "not_yet"


READINESS_LABELS = {Readiness.READY: "Ready", Readiness.NOT_YET: "Not yet"}


class ReadinessJudgement(Base):
    """A mentor's judgement, on evidence, that a learner is (or is not yet) ready to sit a qualification. The
    latest judgement for a learner and qualification is the one that counts; earlier ones are the history."""

    __tablename__ = "readiness_judgement"
    __table_args__ = (
        Index("ix_readiness_judgement_learner_qualification", "learner_id", "qualification_id", "id"),
        Index("ix_readiness_judgement_qualification", "qualification_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualification.id"))
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    #: Tutor reports, portfolio items, what the mentor has seen.
    evidence: Mapped[str] = mapped_column(Text)
    judgement: Mapped[Readiness] = mapped_column(enum_type(Readiness, "readiness", 16))
    #: For "not yet": what is still needed.
    still_needed: Mapped[str | None] = mapped_column(Text)
    recommended_tier: Mapped[Tier | None] = mapped_column(enum_type(Tier, "tier", 16))
    judged_on: Mapped[date]
    #: The learner said they want to sit it (their own account, or a guardian on their behalf).
    learner_confirmed_at: Mapped[datetime | None]
    learner_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    guardian_confirmed_at: Mapped[datetime | None]
    guardian_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    learner: Mapped[Learner] = relationship()
    qualification: Mapped[Qualification] = relationship()
    mentor: Mapped[User | None] = relationship(foreign_keys=[mentor_id])
    mocks: Mapped[list[MockResult]] = relationship(
        back_populates="judgement", cascade="all, delete-orphan", order_by="MockResult.sat_on"
    )

    @property
    def confirmed(self) -> bool:
        return self.learner_confirmed_at is not None and self.guardian_confirmed_at is not None


class MockResult(Base):
    """A mock or past-paper result offered as evidence for a judgement, with its date."""

    __tablename__ = "mock_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    judgement_id: Mapped[int] = mapped_column(ForeignKey("readiness_judgement.id", ondelete="CASCADE"), index=True)
    sat_on: Mapped[date]
    #: Which paper, e.g. ``June 2024 Paper 1 (higher)``.
    paper: Mapped[str] = mapped_column(String(200))
    #: As marked, e.g. ``64/80`` or ``grade 6``.
    result: Mapped[str] = mapped_column(String(100))

    judgement: Mapped[ReadinessJudgement] = relationship(back_populates="mocks")


# --- entries -----------------------------------------------------------------------------------------------


class EntryState(enum.StrEnum):
    REQUESTED = "requested"
    ENTERED = "entered"
    WITHDRAWN = "withdrawn"
    SAT = "sat"
    RESULT_RECORDED = "result_recorded"


ENTRY_STATE_LABELS = {
    EntryState.REQUESTED: "Requested",
    EntryState.ENTERED: "Entered",
    EntryState.WITHDRAWN: "Withdrawn",
    EntryState.SAT: "Sat",
    EntryState.RESULT_RECORDED: "Result recorded",
}


class PaidFrom(enum.StrEnum):
    CENTRAL = "central"
    PERSONAL = "personal"
    #: The family paid the centre themselves (a centre they found): nothing goes through the ledger.
    FAMILY = "family"


PAID_FROM_LABELS = {
    PaidFrom.CENTRAL: "The academy's exams budget",
    PaidFrom.PERSONAL: "The learner's learning budget",
    PaidFrom.FAMILY: "Paid by the family",
}


class ExamEntry(TimestampMixin, Base):
    """A learner entered for a qualification in a series at a centre."""

    __tablename__ = "exam_entry"
    __table_args__ = (
        # One live entry per learner, qualification and series (a withdrawn one may be followed by a new one).
        Index(
            "uq_exam_entry_live",
            "learner_id",
            "qualification_id",
            "series_id",
            unique=True,
            sqlite_where=text("state <> 'withdrawn'"),
            postgresql_where=text("state <> 'withdrawn'"),
        ),
        Index("ix_exam_entry_series_state", "series_id", "state"),
        Index("ix_exam_entry_centre_series", "centre_id", "series_id"),
        Index("ix_exam_entry_qualification", "qualification_id"),
        Index("ix_exam_entry_judgement", "judgement_id"),
        CheckConstraint("candidate_number IS NULL OR length(candidate_number) = 4", name="candidate_number_length"),
        CheckConstraint("uci IS NULL OR length(uci) = 13", name="uci_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualification.id"))
    series_id: Mapped[int] = mapped_column(ForeignKey("exam_series.id"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("exam_centre.id"))
    #: The ready, confirmed judgement the entry was made from.
    judgement_id: Mapped[int] = mapped_column(ForeignKey("readiness_judgement.id"))
    tier: Mapped[Tier | None] = mapped_column(enum_type(Tier, "tier", 16))
    state: Mapped[EntryState] = mapped_column(enum_type(EntryState, "entry_state", 24), default=EntryState.REQUESTED)
    #: The centre's 4-digit candidate number, as the centre gives it.
    candidate_number: Mapped[str | None] = mapped_column(String(4))
    #: The 13-character Unique Candidate Identifier, stored exactly as the centre gives it (never computed).
    uci: Mapped[str | None] = mapped_column(String(13))
    paid_from: Mapped[PaidFrom] = mapped_column(enum_type(PaidFrom, "paid_from", 16))
    #: Whole years on the day the entry was made: kept for the report that shows entries are not age-bound.
    age_at_entry: Mapped[int] = mapped_column(SmallInteger)
    entered_on: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    #: Whether withdrawing gave the fees back (before the entry deadline) or they stayed spent.
    fees_refunded: Mapped[bool] = mapped_column(default=False)
    grade: Mapped[str | None] = mapped_column(String(16))
    result_on: Mapped[date | None]

    learner: Mapped[Learner] = relationship()
    qualification: Mapped[Qualification] = relationship()
    series: Mapped[ExamSeries] = relationship()
    centre: Mapped[ExamCentre] = relationship()
    judgement: Mapped[ReadinessJudgement] = relationship()
    fees: Mapped[list[ExamFee]] = relationship(back_populates="entry", order_by="ExamFee.id")
    arrangements: Mapped[list[AccessArrangement]] = relationship(
        back_populates="entry", order_by="AccessArrangement.id"
    )


class FeeKind(enum.StrEnum):
    ENTRY = "entry"
    CENTRE = "centre"
    LATE = "late"
    VERY_LATE = "very_late"
    ARRANGEMENT = "arrangement"


FEE_KIND_LABELS = {
    FeeKind.ENTRY: "Entry fee",
    FeeKind.CENTRE: "Centre administration fee",
    FeeKind.LATE: "Late entry fee",
    FeeKind.VERY_LATE: "Very late entry fee",
    FeeKind.ARRANGEMENT: "Access arrangement",
}


class ExamFee(Base):
    """One fee paid for an entry, and the ledger transfer that paid it (and, if refunded, the reversal)."""

    __tablename__ = "exam_fee"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        Index("ix_exam_fee_entry", "entry_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("exam_entry.id", ondelete="CASCADE"))
    kind: Mapped[FeeKind] = mapped_column(enum_type(FeeKind, "fee_kind", 16))
    arrangement_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_arrangement.id", ondelete="SET NULL"), index=True
    )
    amount_pence: Mapped[int]
    paid_from: Mapped[PaidFrom] = mapped_column(enum_type(PaidFrom, "paid_from", 16))
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfer.id"), unique=True)
    refund_transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entry: Mapped[ExamEntry] = relationship(back_populates="fees")
    transfer: Mapped[Transfer] = relationship(foreign_keys=[transfer_id])
    refund_transfer: Mapped[Transfer | None] = relationship(foreign_keys=[refund_transfer_id])


class ExamSession(enum.StrEnum):
    AM = "am"
    PM = "pm"


class ExamPaper(Base):
    """One paper of a qualification in a series: the timetable."""

    __tablename__ = "exam_paper"
    __table_args__ = (
        UniqueConstraint("qualification_id", "series_id", "paper_code"),
        Index("ix_exam_paper_series_date", "series_id", "sits_on"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualification.id", ondelete="CASCADE"))
    series_id: Mapped[int] = mapped_column(ForeignKey("exam_series.id", ondelete="CASCADE"))
    paper_code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    #: For a tiered qualification, the tier this paper belongs to (empty: every tier).
    tier: Mapped[Tier | None] = mapped_column(enum_type(Tier, "tier", 16))
    sits_on: Mapped[date]
    session: Mapped[ExamSession] = mapped_column(enum_type(ExamSession, "exam_session", 8))
    duration_minutes: Mapped[int]
    room: Mapped[str | None] = mapped_column(String(100))

    qualification: Mapped[Qualification] = relationship()
    series: Mapped[ExamSeries] = relationship()


# --- access arrangements -----------------------------------------------------------------------------------


class ArrangementEvidence(enum.StrEnum):
    EHCP = "ehcp"
    SPECIALIST_REPORT = "specialist_report"
    NORMAL_WAY_OF_WORKING = "normal_way_of_working"


ARRANGEMENT_EVIDENCE_LABELS = {
    ArrangementEvidence.EHCP: "Education, Health and Care Plan",
    ArrangementEvidence.SPECIALIST_REPORT: "Specialist assessor's report",
    ArrangementEvidence.NORMAL_WAY_OF_WORKING: "Mentor's account of the normal way of working",
}


class ArrangementStatus(enum.StrEnum):
    DRAFT = "draft"
    APPLIED = "applied"
    APPROVED = "approved"
    DECLINED = "declined"


ARRANGEMENT_STATUS_LABELS = {
    ArrangementStatus.DRAFT: "Draft",
    ArrangementStatus.APPLIED: "Applied",
    ArrangementStatus.APPROVED: "Approved",
    ArrangementStatus.DECLINED: "Declined",
}


class AccessArrangement(TimestampMixin, Base):
    """An access arrangement for one entry, or for a candidate across a series (``entry_id`` empty)."""

    __tablename__ = "access_arrangement"
    __table_args__ = (
        CheckConstraint("cost_pence >= 0", name="cost_not_negative"),
        Index("ix_access_arrangement_learner_series", "learner_id", "series_id"),
        Index("ix_access_arrangement_series_status", "series_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    series_id: Mapped[int] = mapped_column(ForeignKey("exam_series.id"))
    #: Empty: the arrangement covers every entry of the learner in the series.
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("exam_entry.id", ondelete="CASCADE"), index=True)
    arrangement_type: Mapped[ArrangementType] = mapped_column(enum_type(ArrangementType, "arrangement_type", 24))
    #: For "other", what it is.
    detail: Mapped[str | None] = mapped_column(Text)
    evidence_kind: Mapped[ArrangementEvidence] = mapped_column(
        enum_type(ArrangementEvidence, "arrangement_evidence", 24)
    )
    evidence_note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ArrangementStatus] = mapped_column(
        enum_type(ArrangementStatus, "arrangement_status", 16), default=ArrangementStatus.DRAFT
    )
    #: What it costs, if anything (a scribe's hours), in pence.
    cost_pence: Mapped[int] = mapped_column(default=0)
    applied_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)

    learner: Mapped[Learner] = relationship()
    series: Mapped[ExamSeries] = relationship()
    entry: Mapped[ExamEntry | None] = relationship(back_populates="arrangements")
