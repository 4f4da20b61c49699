"""Exam series with their deadlines and fees, centres with the seats they offer per series, and the timetable.

Every deadline is data on a series (or on a centre for a series): the code never knows that June entries close on
21 February. A series may carry an awarding body's own age rule, shown with its reason; it never gates an entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from virtualacademy import clock
from virtualacademy.errors import DomainError, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    ArrangementType,
    CentreArrangement,
    CentreSeriesCapacity,
    EntryState,
    ExamCentre,
    ExamEntry,
    ExamPaper,
    ExamSeries,
    ExamSession,
    FeeKind,
    Learner,
    Locality,
    Qualification,
    QualificationType,
    Tier,
    User,
)
from virtualacademy.models.exams import QUALIFICATION_TYPE_LABELS
from virtualacademy.services import audit
from virtualacademy.services.exams.common import age_on, clean_text, long_date, require_exams_staff, who, whole_pence

# --- series ----------------------------------------------------------------------------------------------


@dataclass
class SeriesInput:
    name: str
    entry_deadline: date
    late_entry_deadline: date
    late_fee_pence: int
    very_late_cutoff: date
    very_late_fee_pence: int
    changes_free_until: date
    access_deadline: date
    first_exam_on: date
    last_exam_on: date
    results_day: date
    a_level_results_day: date | None = None
    age_rule_min_age: int | None = None
    age_rule_on: date | None = None
    age_rule_applies_to: QualificationType | None = None
    age_rule_reason: str | None = None


#: (earlier field, later field, message): each pair must be in this order.
_ORDER = (
    ("entry_deadline", "late_entry_deadline", "The late-entry deadline must be on or after the entry deadline"),
    ("late_entry_deadline", "very_late_cutoff", "The very-late cutoff must be on or after the late-entry deadline"),
    ("entry_deadline", "changes_free_until", "Fee-free changes must end on or after the entry deadline"),
    ("very_late_cutoff", "first_exam_on", "The first exam must be after the very-late cutoff"),
    ("access_deadline", "first_exam_on", "The access-arrangement deadline must be before the first exam"),
    ("first_exam_on", "last_exam_on", "The last exam must be on or after the first"),
    ("last_exam_on", "results_day", "Results day must be after the last exam"),
)


def _check_series(data: SeriesInput) -> SeriesInput:
    name = clean_text(data.name, "name", "Enter the name of the series, like June 2027", 80)
    for name_ in (
        "entry_deadline",
        "late_entry_deadline",
        "very_late_cutoff",
        "changes_free_until",
        "access_deadline",
        "first_exam_on",
        "last_exam_on",
        "results_day",
    ):
        if not isinstance(getattr(data, name_), date):
            raise ValidationError("Enter a date", field=name_)
    for earlier, later, message in _ORDER:
        if getattr(data, later) < getattr(data, earlier):
            raise ValidationError(message, field=later)
    if data.a_level_results_day is not None and data.a_level_results_day <= data.last_exam_on:
        raise ValidationError("A level results day must be after the last exam", field="a_level_results_day")
    whole_pence(data.late_fee_pence, "late_fee_pence", "The late fee")
    whole_pence(data.very_late_fee_pence, "very_late_fee_pence", "The very late fee")
    reason = clean_text(data.age_rule_reason, "age_rule_reason", None, 1000)
    rule = (data.age_rule_min_age, data.age_rule_on)
    if any(v is not None for v in rule) or reason:
        if data.age_rule_min_age is None or not 0 < data.age_rule_min_age < 100:
            raise ValidationError("Enter the age the awarding body's rule names", field="age_rule_min_age")
        if data.age_rule_on is None:
            raise ValidationError("Enter the day the age is counted on, like 31 August", field="age_rule_on")
        if not reason:
            raise ValidationError("Give the awarding body's reason, so families can see it", field="age_rule_reason")
    return SeriesInput(**{**data.__dict__, "name": name, "age_rule_reason": reason})


def save_series(actor: User, series: ExamSeries | None, data: SeriesInput) -> ExamSeries:
    """Add an exam series (``series`` None) or change its dates and fees."""
    require_exams_staff(actor, "set up exam series")
    data = _check_series(data)
    clash = db.session.scalar(select(ExamSeries).where(ExamSeries.name == data.name))
    if clash is not None and clash is not series:
        raise ValidationError(f"There is already a series called {data.name}", field="name")
    created = series is None
    try:
        with db.session.begin_nested():
            if created:
                series = ExamSeries()
                db.session.add(series)
            for name, value in data.__dict__.items():
                setattr(series, name, value)
            db.session.flush()
    except IntegrityError as error:
        raise ValidationError(f"There is already a series called {data.name}", field="name") from error
    audit.record(
        "exams.series_added" if created else "exams.series_changed",
        actor=actor,
        obj=series,
        detail={"name": series.name, "entry_deadline": series.entry_deadline.isoformat()},
    )
    return series


def fee_band(series: ExamSeries, on: date) -> tuple[FeeKind | None, int]:
    """The late fee an entry made on ``on`` pays: none up to the entry deadline, the late fee up to the late-entry
    deadline, the very late fee up to the very-late cutoff. After the cutoff there are no entries."""
    if on <= series.entry_deadline:
        return None, 0
    if on <= series.late_entry_deadline:
        return FeeKind.LATE, series.late_fee_pence
    if on <= series.very_late_cutoff:
        return FeeKind.VERY_LATE, series.very_late_fee_pence
    raise DomainError(
        f"Entries for {series.name} closed on {long_date(series.very_late_cutoff)} (the very-late cutoff): "
        "no more entries can be made",
        field="series",
    )


def results_day_for(series: ExamSeries, qualification: Qualification) -> date:
    """A level and AS results may come out before the others (a week earlier in August)."""
    if series.a_level_results_day and qualification.qualification_type in (
        QualificationType.A_LEVEL,
        QualificationType.AS,
    ):
        return series.a_level_results_day
    return series.results_day


def age_rule_note(series: ExamSeries, learner: Learner, qualification: Qualification) -> str | None:
    """The series' own age rule (an awarding body's, kept as data) when it applies to this learner and
    qualification, said with its reason, for the exams officer to see before entering. The product never refuses
    an entry on age: this is information."""
    if series.age_rule_min_age is None or series.age_rule_on is None:
        return None
    if series.age_rule_applies_to is not None and series.age_rule_applies_to != qualification.qualification_type:
        return None
    age = age_on(learner.date_of_birth, series.age_rule_on)
    if age >= series.age_rule_min_age:
        return None
    kind = (
        f"{QUALIFICATION_TYPE_LABELS[series.age_rule_applies_to]} candidates"
        if series.age_rule_applies_to
        else "candidates"
    )
    return (
        f"{series.name} is for {kind} aged {series.age_rule_min_age} or over on {long_date(series.age_rule_on)}; "
        f"{who(learner)} will be {age}. The awarding body's reason: {series.age_rule_reason}"
    )


# --- centres ---------------------------------------------------------------------------------------------

_CENTRE_NUMBER = re.compile(r"^[0-9]{5}$")


@dataclass
class CentreInput:
    name: str
    address: str = ""
    postcode: str | None = None
    centre_number: str | None = None
    locality_id: int | None = None
    accepts_private_candidates: bool = True
    admin_fee_pence: int = 0
    supervises_nea: bool = False
    family_found: bool = False
    provides: Iterable[ArrangementType] = field(default_factory=tuple)


def save_centre(actor: User, centre: ExamCentre | None, data: CentreInput) -> ExamCentre:
    """Add a centre (``centre`` None) or change one, with the access arrangements it can provide."""
    require_exams_staff(actor, "set up exam centres")
    name = clean_text(data.name, "name", "Enter the centre's name", 200)
    address = clean_text(data.address, "address", None, 1000) or ""
    postcode = clean_text(data.postcode, "postcode", None, 8)
    number = clean_text(data.centre_number, "centre_number", None, 8)
    if number is not None and not _CENTRE_NUMBER.match(number):
        raise ValidationError("Enter the centre number as 5 digits, like 12345", field="centre_number")
    if number is not None:
        clash = db.session.scalar(select(ExamCentre).where(ExamCentre.centre_number == number))
        if clash is not None and clash is not centre:
            raise ValidationError(f"Centre number {number} is already {clash.name}", field="centre_number")
    if data.locality_id is not None and db.session.get(Locality, data.locality_id) is None:
        raise ValidationError("Choose a locality", field="locality_id")
    fee = whole_pence(data.admin_fee_pence, "admin_fee_pence", "The centre's administration fee")
    provides = set(data.provides or ())
    if not all(isinstance(p, ArrangementType) for p in provides):
        raise ValidationError("Choose from the access arrangements listed", field="provides")
    created = centre is None
    try:
        with db.session.begin_nested():
            if created:
                centre = ExamCentre()
                db.session.add(centre)
            centre.name, centre.address, centre.postcode, centre.centre_number = name, address, postcode, number
            centre.locality_id = data.locality_id
            centre.accepts_private_candidates = bool(data.accepts_private_candidates)
            centre.admin_fee_pence = fee
            centre.supervises_nea = bool(data.supervises_nea)
            centre.family_found = bool(data.family_found)
            have = {a.arrangement_type: a for a in centre.arrangements}
            for kind in set(have) - provides:
                centre.arrangements.remove(have[kind])
            for kind in sorted(provides - set(have)):
                centre.arrangements.append(CentreArrangement(arrangement_type=kind))
            db.session.flush()
    except IntegrityError as error:
        raise ValidationError(f"Centre number {number} is already taken", field="centre_number") from error
    audit.record(
        "exams.centre_added" if created else "exams.centre_changed",
        actor=actor,
        obj=centre,
        detail={"name": centre.name, "centre_number": centre.centre_number},
    )
    return centre


def capacity(centre: ExamCentre, series: ExamSeries) -> CentreSeriesCapacity | None:
    return db.session.scalar(
        select(CentreSeriesCapacity).where(
            CentreSeriesCapacity.centre_id == centre.id, CentreSeriesCapacity.series_id == series.id
        )
    )


def set_capacity(
    actor: User, centre: ExamCentre, series: ExamSeries, seats: int, access_deadline: date | None = None
) -> CentreSeriesCapacity:
    """The seats a centre offers in a series, and its own access-arrangement deadline for it (if earlier than
    the series'). Seats can never go below those already taken."""
    require_exams_staff(actor, "set a centre's seats")
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 0 or seats > 100_000:
        raise ValidationError("Enter the number of seats, 0 or more", field="seats")
    if access_deadline is not None and access_deadline > series.access_deadline:
        raise ValidationError(
            f"A centre's deadline for access arrangements cannot be after the series' own, "
            f"{long_date(series.access_deadline)}",
            field="access_deadline",
        )
    row = capacity(centre, series)
    if row is None:
        row = CentreSeriesCapacity(centre_id=centre.id, series_id=series.id, seats=seats, seats_taken=0)
        db.session.add(row)
    else:
        # Only if no entry took the seats meanwhile: the same row lock as placing an entry.
        changed = db.session.execute(
            update(CentreSeriesCapacity)
            .where(CentreSeriesCapacity.id == row.id, CentreSeriesCapacity.seats_taken <= seats)
            .values(seats=seats)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.refresh(row)
        if not changed:
            raise ValidationError(
                f"{row.seats_taken} seats at {centre.name} are already taken for {series.name}: "
                "withdraw entries before offering fewer seats",
                field="seats",
            )
    row.access_deadline = access_deadline
    db.session.flush()
    audit.record(
        "exams.capacity_set",
        actor=actor,
        obj=row,
        detail={"centre": centre.id, "series": series.id, "seats": seats},
    )
    return row


def access_deadline(series: ExamSeries, centre: ExamCentre | None) -> date:
    """The deadline for access-arrangement applications: the centre's own for the series if it set one, else the
    series'."""
    if centre is not None:
        row = capacity(centre, series)
        if row is not None and row.access_deadline is not None:
            return row.access_deadline
    return series.access_deadline


# --- the timetable ----------------------------------------------------------------------------------------


@dataclass
class PaperInput:
    paper_code: str
    title: str
    sits_on: date
    session: ExamSession
    duration_minutes: int
    tier: Tier | None = None
    room: str | None = None


def save_paper(
    actor: User, qualification: Qualification, series: ExamSeries, data: PaperInput, paper: ExamPaper | None = None
) -> ExamPaper:
    """Add a paper to the timetable of a qualification in a series (or change one)."""
    require_exams_staff(actor, "change the exam timetable")
    code = clean_text(data.paper_code, "paper_code", "Enter the paper code, like 8300/1H", 20)
    title = clean_text(data.title, "title", "Enter the paper's title", 200)
    room = clean_text(data.room, "room", None, 100)
    if not isinstance(data.sits_on, date) or not series.first_exam_on <= data.sits_on <= series.last_exam_on:
        raise ValidationError(
            f"The paper must be sat between {long_date(series.first_exam_on)} and {long_date(series.last_exam_on)}",
            field="sits_on",
        )
    if not isinstance(data.session, ExamSession):
        raise ValidationError("Choose morning or afternoon", field="session")
    if isinstance(data.duration_minutes, bool) or not isinstance(data.duration_minutes, int):
        raise ValidationError("Enter the length in minutes", field="duration_minutes")
    if not 0 < data.duration_minutes <= 600:
        raise ValidationError("Enter the length in minutes, like 90", field="duration_minutes")
    if data.tier is not None and not qualification.tiered:
        raise ValidationError(f"{qualification.subject} has no tiers", field="tier")
    try:
        with db.session.begin_nested():
            if paper is None:
                paper = ExamPaper(qualification_id=qualification.id, series_id=series.id)
                db.session.add(paper)
            paper.paper_code, paper.title, paper.room = code, title, room
            paper.sits_on, paper.session, paper.duration_minutes, paper.tier = (
                data.sits_on,
                data.session,
                data.duration_minutes,
                data.tier,
            )
            db.session.flush()
    except IntegrityError as error:
        raise ValidationError(
            f"Paper {code} is already in the timetable for {qualification.subject} in {series.name}",
            field="paper_code",
        ) from error
    return paper


def papers_for(entry: ExamEntry) -> list[ExamPaper]:
    """The papers an entry sits, in order: its qualification's in its series, of its tier (or for every tier)."""
    stmt = select(ExamPaper).where(
        ExamPaper.qualification_id == entry.qualification_id, ExamPaper.series_id == entry.series_id
    )
    if entry.tier is not None:
        stmt = stmt.where((ExamPaper.tier.is_(None)) | (ExamPaper.tier == entry.tier))
    return list(db.session.scalars(stmt.order_by(ExamPaper.sits_on, ExamPaper.session, ExamPaper.paper_code)))


#: When each session starts, London time (the awarding bodies' usual start times; a centre may say otherwise).
SESSION_STARTS = {ExamSession.AM: time(9, 0), ExamSession.PM: time(13, 30)}
#: Entries whose papers belong in a family's calendar: confirmed by the centre, or already sat.
CALENDAR_STATES = (EntryState.ENTERED, EntryState.SAT, EntryState.RESULT_RECORDED)


def family_papers(family_id: int, since: date, limit: int = 500) -> list[tuple[ExamPaper, ExamEntry]]:
    """The papers the family's children sit from ``since`` on (each with its entry), in one statement: for the
    family's private calendar feed."""
    tier_matches = (ExamPaper.tier.is_(None)) | (ExamEntry.tier.is_(None)) | (ExamPaper.tier == ExamEntry.tier)
    stmt = (
        select(ExamPaper, ExamEntry)
        .join(
            ExamEntry,
            (ExamEntry.qualification_id == ExamPaper.qualification_id) & (ExamEntry.series_id == ExamPaper.series_id),
        )
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .where(
            Learner.family_id == family_id,
            ExamEntry.state.in_(CALENDAR_STATES),
            tier_matches,
            ExamPaper.sits_on >= since,
        )
        .order_by(ExamPaper.sits_on, ExamPaper.session, ExamPaper.id)
        .limit(limit)
        .options(selectinload(ExamEntry.learner), selectinload(ExamEntry.centre), selectinload(ExamPaper.qualification))
    )
    return [(paper, entry) for paper, entry in db.session.execute(stmt).all()]


def upcoming_series(today: date | None = None) -> list[ExamSeries]:
    """Series whose last exam is today or later, soonest first."""
    today = today or clock.today()
    return list(
        db.session.scalars(
            select(ExamSeries).where(ExamSeries.last_exam_on >= today).order_by(ExamSeries.first_exam_on)
        )
    )
