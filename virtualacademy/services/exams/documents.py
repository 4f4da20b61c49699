"""Documents: a candidate's statement of entry for a series (PDF, through the one PDF helper), and a centre's entry
list for a series (CSV, through the one CSV writer) for the centre to submit to the awarding bodies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from virtualacademy import clock, csv_export, pdf
from virtualacademy.errors import DomainError
from virtualacademy.extensions import db
from virtualacademy.models import (
    AccessArrangement,
    ArrangementStatus,
    EntryState,
    ExamCentre,
    ExamEntry,
    ExamPaper,
    ExamSeries,
    Learner,
    Qualification,
)
from virtualacademy.models.exams import (
    ARRANGEMENT_STATUS_LABELS,
    ARRANGEMENT_TYPE_LABELS,
    AWARDING_BODY_LABELS,
    ENTRY_STATE_LABELS,
    QUALIFICATION_TYPE_LABELS,
    TIER_LABELS,
)
from virtualacademy.services.exams import series as series_service
from virtualacademy.services.exams.common import who

#: Entries the centre has confirmed: the ones a statement of entry lists.
CONFIRMED = (EntryState.ENTERED, EntryState.SAT, EntryState.RESULT_RECORDED)

WHAT_TO_BRING = (
    "This statement of entry, and photo identification if the centre asks for it",
    "Black ink pens (and spares), a pencil, a ruler and an eraser",
    "A calculator for papers that allow one (with its lid and any instructions removed)",
    "Water in a clear bottle with the label removed",
    "Nothing else: phones, smart watches and notes must be left outside the exam room",
)


@dataclass(frozen=True)
class StatementLine:
    entry: ExamEntry
    qualification: Qualification
    tier: str | None
    papers: list[ExamPaper]
    arrangements: list[str]


@dataclass(frozen=True)
class Statement:
    learner: Learner
    series: ExamSeries
    centres: list[ExamCentre]
    candidate_numbers: list[str]
    uci: str | None
    lines: list[StatementLine]
    series_arrangements: list[str]
    what_to_bring: tuple[str, ...]
    issued_on: date


def _arrangement_label(a: AccessArrangement) -> str:
    label = ARRANGEMENT_TYPE_LABELS[a.arrangement_type]
    if a.detail:
        label = f"{label}: {a.detail}"
    if a.status is not ArrangementStatus.APPROVED:
        label = f"{label} ({ARRANGEMENT_STATUS_LABELS[a.status].lower()})"
    return label


def statement(learner: Learner, series: ExamSeries) -> Statement:
    """The statement of entry: each confirmed entry with its papers (date, session, length, room if known), the
    access arrangements, the centre and the candidate number, and what to bring. Refused until the centre has
    confirmed at least one entry."""
    found = list(
        db.session.scalars(
            select(ExamEntry)
            .where(
                ExamEntry.learner_id == learner.id,
                ExamEntry.series_id == series.id,
                ExamEntry.state.in_(CONFIRMED),
            )
            .order_by(ExamEntry.id)
        )
    )
    if not found:
        raise DomainError(
            f"The centre has not confirmed any entry of {who(learner)} in {series.name} yet: the statement of "
            "entry comes once it has"
        )
    arrangements = list(
        db.session.scalars(
            select(AccessArrangement)
            .where(
                AccessArrangement.learner_id == learner.id,
                AccessArrangement.series_id == series.id,
                AccessArrangement.status != ArrangementStatus.DECLINED,
            )
            .order_by(AccessArrangement.id)
        )
    )
    lines = [
        StatementLine(
            entry,
            entry.qualification,
            TIER_LABELS[entry.tier] if entry.tier else None,
            series_service.papers_for(entry),
            [_arrangement_label(a) for a in arrangements if a.entry_id == entry.id],
        )
        for entry in found
    ]
    centres = list({e.centre_id: e.centre for e in found}.values())
    numbers = sorted({e.candidate_number for e in found if e.candidate_number})
    ucis = sorted({e.uci for e in found if e.uci})
    return Statement(
        learner,
        series,
        centres,
        numbers,
        ucis[0] if len(ucis) == 1 else None,
        lines,
        [_arrangement_label(a) for a in arrangements if a.entry_id is None],
        WHAT_TO_BRING,
        clock.today(),
    )


def statement_pdf(learner: Learner, series: ExamSeries) -> bytes:
    return pdf.render_pdf("exams/statement.html", statement=statement(learner, series))


# --- a centre's entry list ----------------------------------------------------------------------------------

ENTRY_LIST_HEADER = (
    "Candidate number",
    "UCI",
    "Surname",
    "Forenames",
    "Date of birth",
    "Awarding body",
    "Qualification",
    "Specification code",
    "Subject",
    "Tier",
    "Access arrangements",
    "Status",
    "Entry made",
)


def _names(legal_name: str) -> tuple[str, str]:
    parts = legal_name.split()
    return (parts[-1], " ".join(parts[:-1])) if len(parts) > 1 else (legal_name, "")


def entry_list_rows(centre: ExamCentre, series: ExamSeries) -> Iterator[tuple]:
    """The header, then one row per live entry at the centre in the series (by candidate number, those without one last, then name), with
    the access arrangements that apply to it. Two statements, however many entries."""
    arranged: dict[tuple[int, int | None], list[str]] = {}
    for a in db.session.scalars(
        select(AccessArrangement)
        .where(
            AccessArrangement.series_id == series.id,
            AccessArrangement.status != ArrangementStatus.DECLINED,
            AccessArrangement.learner_id.in_(
                select(ExamEntry.learner_id).where(ExamEntry.centre_id == centre.id, ExamEntry.series_id == series.id)
            ),
        )
        .order_by(AccessArrangement.id)
    ):
        arranged.setdefault((a.learner_id, a.entry_id), []).append(_arrangement_label(a))
    yield ENTRY_LIST_HEADER
    rows = db.session.execute(
        select(ExamEntry, Learner, Qualification)
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .join(Qualification, Qualification.id == ExamEntry.qualification_id)
        .where(
            ExamEntry.centre_id == centre.id,
            ExamEntry.series_id == series.id,
            ExamEntry.state != EntryState.WITHDRAWN,
        )
        .order_by(ExamEntry.candidate_number.is_(None), ExamEntry.candidate_number, Learner.legal_name, ExamEntry.id)
    )
    for entry, learner, qualification in rows:
        surname, forenames = _names(learner.legal_name)
        applies = arranged.get((learner.id, None), []) + arranged.get((learner.id, entry.id), [])
        yield (
            entry.candidate_number,
            entry.uci,
            surname,
            forenames,
            learner.date_of_birth,
            AWARDING_BODY_LABELS[qualification.awarding_body],
            QUALIFICATION_TYPE_LABELS[qualification.qualification_type],
            qualification.spec_code,
            qualification.subject,
            TIER_LABELS[entry.tier] if entry.tier else "",
            "; ".join(applies),
            ENTRY_STATE_LABELS[entry.state],
            entry.entered_on,
        )


def entry_list_response(centre: ExamCentre, series: ExamSeries):
    """The entry list as a CSV download."""
    return csv_export.response(
        entry_list_rows(centre, series), f"entries-{series.name}-{centre.centre_number or centre.id}.csv"
    )


def statement_filename(learner: Learner, series: ExamSeries) -> str:
    return f"statement-of-entry-{series.name}-{learner.id}.pdf"
