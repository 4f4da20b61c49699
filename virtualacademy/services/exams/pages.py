"""What the exam pages show, decided here so templates never compute a rule: a learner's exams with the next
action for each qualification, the exams officer's lists (ready to enter, entries of a series, arrangements
awaiting a decision, results to record) and the dashboard's counts.

Every list is a ``Select`` with a stable order, for ``inputs.paginate``; nothing loads rows to count them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from virtualacademy import clock
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
    Readiness,
    ReadinessJudgement,
    User,
)
from virtualacademy.models.exams import ENTRY_STATE_LABELS
from virtualacademy.services.exams import access, documents
from virtualacademy.services.exams import series as series_service
from virtualacademy.services.exams.common import long_date, who

# --- one learner ------------------------------------------------------------------------------------------


@dataclass
class QualificationRow:
    """A qualification the learner has been judged on: the current judgement, its entries, the next step."""

    judgement: ReadinessJudgement
    entries: list[ExamEntry]
    next_action: str
    #: The user may confirm as the learner / as a guardian (and has not yet).
    may_confirm_as_learner: bool = False
    may_confirm_as_guardian: bool = False
    earlier: int = 0


@dataclass
class TimetableLine:
    paper: ExamPaper
    entry: ExamEntry


@dataclass
class LearnerExams:
    learner: Learner
    rows: list[QualificationRow]
    entries: list[ExamEntry]
    arrangements: list[AccessArrangement]
    #: Arrangement id -> the centres that cannot provide it (said on the page).
    cannot_provide: dict[int, list[ExamCentre]]
    timetable: list[TimetableLine]
    #: Series with an entry the centre has confirmed: a statement of entry can be downloaded.
    statement_series: list[ExamSeries]
    may_judge: bool
    may_arrange: bool
    may_manage: bool
    may_confirm_any: bool = False
    extra: dict = field(default_factory=dict)


def _next_action(judgement: ReadinessJudgement, live: ExamEntry | None) -> str:
    name = who(judgement.learner)
    if live is not None:
        if live.state is EntryState.REQUESTED:
            return f"Entered for {live.series.name} at {live.centre.name}: waiting for the centre's candidate number"
        if live.state is EntryState.ENTERED:
            return f"Entered for {live.series.name}: download the statement of entry and check the timetable"
        if live.state is EntryState.SAT:
            day = series_service.results_day_for(live.series, live.qualification)
            return f"Sat in {live.series.name}: results on {long_date(day)}"
        return f"Result: {live.grade} ({live.series.name})"
    if judgement.judgement is Readiness.NOT_YET:
        return f"Not ready yet: {judgement.still_needed}. The mentor records a new judgement when {name} is ready"
    missing = []
    if judgement.learner_confirmed_at is None:
        missing.append(name)
    if judgement.guardian_confirmed_at is None:
        missing.append("a parent or carer")
    if missing:
        return f"Ready: waiting for {' and '.join(missing)} to confirm"
    return "Ready and confirmed: the exams officer enters them for a series at a centre"


def learner_exams(user: User, learner: Learner) -> LearnerExams:
    """Everything the learner's exams page shows, with what each person may do on it."""
    judgements = list(
        db.session.scalars(
            select(ReadinessJudgement)
            .where(ReadinessJudgement.learner_id == learner.id)
            .options(joinedload(ReadinessJudgement.qualification), selectinload(ReadinessJudgement.mocks))
            .order_by(ReadinessJudgement.id.desc())
        )
    )
    entries = list(
        db.session.scalars(
            select(ExamEntry)
            .join(ExamSeries, ExamSeries.id == ExamEntry.series_id)
            .where(ExamEntry.learner_id == learner.id)
            .options(
                joinedload(ExamEntry.series),
                joinedload(ExamEntry.centre),
                joinedload(ExamEntry.qualification),
                selectinload(ExamEntry.fees),
            )
            .order_by(ExamSeries.first_exam_on.desc(), ExamEntry.id)
        ).unique()
    )
    can_learner = access.may_confirm_as_learner(user, learner)
    can_guardian = access.may_confirm_as_guardian(user, learner)
    rows: dict[int, QualificationRow] = {}
    for judgement in judgements:
        if judgement.qualification_id in rows:
            rows[judgement.qualification_id].earlier += 1
            continue
        theirs = [e for e in entries if e.qualification_id == judgement.qualification_id]
        live = next((e for e in theirs if e.state is not EntryState.WITHDRAWN), None)
        ready = judgement.judgement is Readiness.READY and live is None
        rows[judgement.qualification_id] = QualificationRow(
            judgement,
            theirs,
            _next_action(judgement, live),
            may_confirm_as_learner=ready and can_learner and judgement.learner_confirmed_at is None,
            may_confirm_as_guardian=ready and can_guardian and judgement.guardian_confirmed_at is None,
        )
    found = [
        a
        for a in db.session.scalars(
            select(AccessArrangement)
            .where(AccessArrangement.learner_id == learner.id)
            .options(joinedload(AccessArrangement.series))
            .order_by(AccessArrangement.series_id.desc(), AccessArrangement.id)
        )
    ]
    today = clock.today()
    confirmed = [e for e in entries if e.state in documents.CONFIRMED]
    timetable = [
        TimetableLine(paper, entry)
        for entry in confirmed
        if entry.series.last_exam_on >= today
        for paper in series_service.papers_for(entry)
    ]
    timetable.sort(key=lambda line: (line.paper.sits_on, line.paper.session, line.paper.paper_code))
    open_ones = [a for a in found if a.status in (ArrangementStatus.DRAFT, ArrangementStatus.APPLIED)]
    facts = arrangement_facts(open_ones)
    result = LearnerExams(
        learner=learner,
        rows=list(rows.values()),
        entries=entries,
        arrangements=found,
        cannot_provide=facts.cannot_provide,
        timetable=timetable,
        statement_series=list({e.series_id: e.series for e in confirmed}.values()),
        may_judge=access.may_judge(user, learner),
        may_arrange=access.may_draft_arrangement(user, learner),
        may_manage=access.may_manage(user),
    )
    result.may_confirm_any = any(r.may_confirm_as_learner or r.may_confirm_as_guardian for r in result.rows)
    return result


def entry_state_label(entry: ExamEntry) -> str:
    return ENTRY_STATE_LABELS[entry.state]


# --- the exams officer's lists ----------------------------------------------------------------------------


def _current_judgements():
    """The latest judgement for each learner and qualification, as a subquery of ids."""
    return (
        select(func.max(ReadinessJudgement.id).label("id"))
        .group_by(ReadinessJudgement.learner_id, ReadinessJudgement.qualification_id)
        .subquery()
    )


def ready_to_enter(today: date | None = None, name: str | None = None) -> Select:
    """Current judgements that are ready and confirmed by the learner and a guardian, with no live entry in a
    series still to come: the learners the exams officer can enter. Optionally narrowed by the learner's name."""
    today = today or clock.today()
    latest = _current_judgements()
    entered = exists().where(
        ExamEntry.learner_id == ReadinessJudgement.learner_id,
        ExamEntry.qualification_id == ReadinessJudgement.qualification_id,
        ExamEntry.state != EntryState.WITHDRAWN,
        ExamEntry.series_id.in_(select(ExamSeries.id).where(ExamSeries.last_exam_on >= today)),
    )
    stmt = (
        select(ReadinessJudgement)
        .join(latest, latest.c.id == ReadinessJudgement.id)
        .join(Learner, Learner.id == ReadinessJudgement.learner_id)
        .where(
            ReadinessJudgement.judgement == Readiness.READY,
            ReadinessJudgement.learner_confirmed_at.is_not(None),
            ReadinessJudgement.guardian_confirmed_at.is_not(None),
            ~entered,
        )
        .options(joinedload(ReadinessJudgement.learner), joinedload(ReadinessJudgement.qualification))
        .order_by(ReadinessJudgement.judged_on, ReadinessJudgement.id)
    )
    if name:
        pattern = f"%{name.strip().lower()}%"
        stmt = stmt.where(
            or_(func.lower(Learner.legal_name).like(pattern), func.lower(Learner.preferred_name).like(pattern))
        )
    return stmt


def series_entries(series: ExamSeries, centre_id: int | None = None, state: EntryState | None = None) -> Select:
    """A series' entries, by learner name, optionally for one centre or in one state."""
    stmt = (
        select(ExamEntry)
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .where(ExamEntry.series_id == series.id)
        .options(joinedload(ExamEntry.learner), joinedload(ExamEntry.qualification), joinedload(ExamEntry.centre))
        .order_by(Learner.legal_name, ExamEntry.id)
    )
    if centre_id is not None:
        stmt = stmt.where(ExamEntry.centre_id == centre_id)
    if state is not None:
        stmt = stmt.where(ExamEntry.state == state)
    return stmt


def arrangements_awaiting(status: ArrangementStatus | None = None) -> Select:
    """Arrangements still to apply for (draft) or to decide (applied), deadline order by series."""
    wanted = [status] if status is not None else [ArrangementStatus.DRAFT, ArrangementStatus.APPLIED]
    return (
        select(AccessArrangement)
        .join(ExamSeries, ExamSeries.id == AccessArrangement.series_id)
        .where(AccessArrangement.status.in_(wanted))
        .options(joinedload(AccessArrangement.learner), joinedload(AccessArrangement.series))
        .order_by(ExamSeries.access_deadline, AccessArrangement.id)
    )


def results_to_record(today: date | None = None) -> Select:
    """Entries that were sat (or are still entered) in a series whose results day has come: a result to record."""
    today = today or clock.today()
    return (
        select(ExamEntry)
        .join(ExamSeries, ExamSeries.id == ExamEntry.series_id)
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .where(
            ExamEntry.state.in_([EntryState.SAT, EntryState.ENTERED]),
            or_(ExamSeries.results_day <= today, ExamSeries.a_level_results_day <= today),
        )
        .options(joinedload(ExamEntry.learner), joinedload(ExamEntry.qualification), joinedload(ExamEntry.series))
        .order_by(ExamSeries.results_day, Learner.legal_name, ExamEntry.id)
    )


def statements_to_send(today: date | None = None) -> Select:
    """Entries the centre has confirmed in a series not over yet: their statements of entry go to the family."""
    today = today or clock.today()
    return (
        select(ExamEntry)
        .join(ExamSeries, ExamSeries.id == ExamEntry.series_id)
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .where(ExamEntry.state == EntryState.ENTERED, ExamSeries.last_exam_on >= today)
        .options(joinedload(ExamEntry.learner), joinedload(ExamEntry.qualification), joinedload(ExamEntry.series))
        .order_by(ExamSeries.first_exam_on, Learner.legal_name, ExamEntry.id)
    )


@dataclass(frozen=True)
class Deadline:
    series: ExamSeries
    what: str
    on: date


_DEADLINES = (
    ("entry_deadline", "Entry deadline"),
    ("late_entry_deadline", "Late-entry deadline"),
    ("very_late_cutoff", "Very-late cutoff (no entries after it)"),
    ("changes_free_until", "Fee-free changes and refunds end"),
    ("access_deadline", "Access-arrangement applications"),
    ("first_exam_on", "First exam"),
    ("results_day", "Results day"),
    ("a_level_results_day", "A level and AS results day"),
)


def deadlines_between(start: date, end: date) -> list[Deadline]:
    """Every series date from ``start`` to ``end``, in date order (one query: series overlapping the window)."""
    found = db.session.scalars(
        select(ExamSeries)
        .where(
            ExamSeries.very_late_cutoff >= start - timedelta(days=400),
            or_(ExamSeries.entry_deadline <= end, ExamSeries.results_day >= start),
        )
        .order_by(ExamSeries.first_exam_on)
        .limit(20)
    )
    lines = [
        Deadline(s, label, getattr(s, name))
        for s in found
        for name, label in _DEADLINES
        if getattr(s, name) is not None and start <= getattr(s, name) <= end
    ]
    return sorted(lines, key=lambda d: (d.on, d.series.id))


def deadlines_this_month(today: date | None = None) -> list[Deadline]:
    today = today or clock.today()
    return deadlines_between(today, today + timedelta(days=31))


def count(stmt: Select) -> int:
    """How many rows a list's query has, counted in the database."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


@dataclass
class OfficerDashboard:
    ready: list[ReadinessJudgement]
    ready_count: int
    deadlines: list[Deadline]
    arrangements: list[AccessArrangement]
    arrangements_count: int
    statements: list[ExamEntry]
    statements_count: int
    results: list[ExamEntry]
    results_count: int


def officer_dashboard(today: date | None = None, show: int = 5) -> OfficerDashboard:
    """The exams officer's panel: a few of each, with how many there are (a fixed number of statements)."""
    today = today or clock.today()
    ready = ready_to_enter(today)
    awaiting = arrangements_awaiting()
    results = results_to_record(today)
    return OfficerDashboard(
        ready=list(db.session.scalars(ready.limit(show)).unique()),
        ready_count=count(ready),
        deadlines=deadlines_this_month(today),
        arrangements=list(db.session.scalars(awaiting.limit(show)).unique()),
        arrangements_count=count(awaiting),
        statements=list(db.session.scalars(statements_to_send(today).limit(show)).unique()),
        statements_count=count(statements_to_send(today)),
        results=list(db.session.scalars(results.limit(show)).unique()),
        results_count=count(results),
    )


def centre_seats(series: ExamSeries) -> list[tuple[ExamCentre, object]]:
    """(centre, its capacity row or None) for every active centre, for a series' page."""
    from virtualacademy.models import CentreSeriesCapacity

    rows = db.session.execute(
        select(ExamCentre, CentreSeriesCapacity)
        .outerjoin(
            CentreSeriesCapacity,
            and_(CentreSeriesCapacity.centre_id == ExamCentre.id, CentreSeriesCapacity.series_id == series.id),
        )
        .where(ExamCentre.active.is_(True))
        .order_by(ExamCentre.family_found, ExamCentre.name, ExamCentre.id)
    )
    return [(centre, row) for centre, row in rows]


def qualifications(search: str | None = None, active_only: bool = False) -> Select:
    stmt = select(Qualification).order_by(Qualification.subject, Qualification.awarding_body, Qualification.id)
    if search:
        pattern = f"%{search.strip().lower()}%"
        stmt = stmt.where(
            or_(func.lower(Qualification.subject).like(pattern), func.lower(Qualification.spec_code).like(pattern))
        )
    if active_only:
        stmt = stmt.where(Qualification.active.is_(True))
    return stmt


# --- coordinators: counts for their localities, never names ------------------------------------------------


def visible_localities(user: User) -> Select:
    """The localities whose exam counts ``user`` sees: those they coordinate; every one for exams staff."""
    from virtualacademy.models import Locality
    from virtualacademy.services import localities

    stmt = select(Locality).order_by(Locality.name, Locality.id)
    if access.may_manage(user):
        return stmt
    return stmt.where(Locality.id.in_(localities.coordinated_by(user)))


def locality_counts(locality_ids: Select, series_ids: Select) -> dict[tuple[int, int], int]:
    """Live entries by (locality id, series id), for the localities and series of a page: one GROUP BY."""
    rows = db.session.execute(
        select(Learner.locality_id, ExamEntry.series_id, func.count(ExamEntry.id))
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .where(
            ExamEntry.state != EntryState.WITHDRAWN,
            Learner.locality_id.in_(locality_ids),
            ExamEntry.series_id.in_(series_ids),
        )
        .group_by(Learner.locality_id, ExamEntry.series_id)
    )
    return {(locality, series): n for locality, series, n in rows}


def candidate_entries(series: ExamSeries) -> Select:
    """Each live entry of a series with its candidate's age at entry, youngest first (``reports.candidate_ages``
    as entries, for a paginated list)."""
    return (
        select(ExamEntry)
        .join(Learner, Learner.id == ExamEntry.learner_id)
        .where(ExamEntry.series_id == series.id, ExamEntry.state != EntryState.WITHDRAWN)
        .options(joinedload(ExamEntry.learner), joinedload(ExamEntry.qualification))
        .order_by(ExamEntry.age_at_entry, Learner.legal_name, ExamEntry.id)
    )


def family_learners(user: User) -> list[Learner]:
    """The learners whose exams a guardian or learner follows: their children, or themselves."""
    from virtualacademy.policies.relations import FAMILY, only_related

    return list(
        db.session.scalars(only_related(select(Learner), Learner.id, user, FAMILY).order_by(Learner.legal_name))
    )


def active_centres(limit: int = 500) -> list[ExamCentre]:
    """Centres an entry can be made at, by name (a few dozen: the academy's and those families found)."""
    return list(
        db.session.scalars(select(ExamCentre).where(ExamCentre.active.is_(True)).order_by(ExamCentre.name).limit(limit))
    )


@dataclass
class ArrangementFacts:
    """For a page of arrangements: each one's application deadline, and the centres that cannot provide it."""

    deadlines: dict[int, date]
    cannot_provide: dict[int, list[ExamCentre]]


def arrangement_facts(items: list[AccessArrangement]) -> ArrangementFacts:
    """The deadline (``arrangements.deadline``) and the centres that cannot provide it
    (``arrangements.cannot_provide``) of each arrangement on a page, in two statements whatever the page holds."""
    from virtualacademy.models import CentreArrangement
    from virtualacademy.services.exams.reminders import arrangement_deadline_sql

    ids = [a.id for a in items]  # one page's worth
    if not ids:
        return ArrangementFacts({}, {})
    deadlines = dict(
        db.session.execute(
            select(AccessArrangement.id, arrangement_deadline_sql())
            .join(ExamSeries, ExamSeries.id == AccessArrangement.series_id)
            .where(AccessArrangement.id.in_(ids))
        ).all()
    )
    provided = exists().where(
        CentreArrangement.centre_id == ExamCentre.id,
        CentreArrangement.arrangement_type == AccessArrangement.arrangement_type,
    )
    cannot: dict[int, list[ExamCentre]] = {}
    for arrangement_id, centre in db.session.execute(
        select(AccessArrangement.id, ExamCentre)
        .join(
            ExamEntry,
            and_(
                ExamEntry.learner_id == AccessArrangement.learner_id,
                ExamEntry.series_id == AccessArrangement.series_id,
                ExamEntry.state != EntryState.WITHDRAWN,
                or_(AccessArrangement.entry_id.is_(None), ExamEntry.id == AccessArrangement.entry_id),
            ),
        )
        .join(ExamCentre, ExamCentre.id == ExamEntry.centre_id)
        .where(AccessArrangement.id.in_(ids), ~provided)
        .order_by(AccessArrangement.id, ExamCentre.name)
        .distinct()
    ):
        cannot.setdefault(arrangement_id, []).append(centre)
    return ArrangementFacts({k: v for k, v in deadlines.items()}, cannot)


@dataclass(frozen=True)
class LocalityCount:
    locality: str
    series: str
    count: int


def coordinator_counts(user: User, series_shown: int = 3) -> list[LocalityCount]:
    """For a coordinator's dashboard: live entries in each locality they coordinate, for the next few series."""
    from virtualacademy.models import Locality
    from virtualacademy.services import localities

    coming = series_service.upcoming_series(clock.today())[:series_shown]
    places = list(
        db.session.scalars(
            select(Locality).where(Locality.id.in_(localities.coordinated_by(user))).order_by(Locality.name).limit(20)
        )
    )
    if not coming or not places:
        return []
    counts = locality_counts(
        select(Locality.id).where(Locality.id.in_(localities.coordinated_by(user))),
        select(ExamSeries.id).where(ExamSeries.id.in_([s.id for s in coming])),
    )
    return [LocalityCount(p.name, s.name, counts.get((p.id, s.id), 0)) for p in places for s in coming]


def series_papers(series: ExamSeries) -> Select:
    """A series' timetable in order, with each paper's qualification."""
    return (
        select(ExamPaper)
        .where(ExamPaper.series_id == series.id)
        .options(joinedload(ExamPaper.qualification))
        .order_by(ExamPaper.sits_on, ExamPaper.session, ExamPaper.paper_code, ExamPaper.id)
    )


def overview_for(viewer, learner):
    """A learner's readiness and entries with the next action, for a page of another module that shows one
    learner (the mentor's learner page): None if ``viewer`` may not see the learner's exams."""
    from virtualacademy.services.exams import access

    if not access.may_view(viewer, learner):
        return None
    return learner_exams(viewer, learner)
