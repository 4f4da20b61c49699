"""The exams officer's pages: the catalogue (and its CSV import), series, centres with their seats per series, the
entries of a series, the centre entry list, results summary and reports. Thin: parse, call one service, commit
through the unit of work, flash, redirect."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.blueprints.exams import bp
from virtualacademy.blueprints.exams.charts import charts_for
from virtualacademy.blueprints.exams.forms import (
    CatalogueImportForm,
    CentreForm,
    PaperForm,
    QualificationForm,
    SeatsForm,
    SeriesForm,
    choices,
)
from virtualacademy.extensions import db
from virtualacademy.inputs import int_arg, paginate, text_arg, to_int
from virtualacademy.models import (
    ArrangementType,
    AwardingBody,
    EntryState,
    ExamCentre,
    ExamSeries,
    ExamSession,
    Locality,
    Qualification,
    QualificationType,
    Role,
    Tier,
)
from virtualacademy.models.exams import (
    ENTRY_STATE_LABELS,
    FEE_KIND_LABELS,
    PAID_FROM_LABELS,
    QUALIFICATION_TYPE_LABELS,
)
from virtualacademy.money import pounds_typed
from virtualacademy.policies import get_or_404, requires_roles
from virtualacademy.services.exams import catalogue, documents, pages, reports
from virtualacademy.services.exams import series as series_service
from virtualacademy.unit_of_work import unit_of_work

EXAMS_STAFF = (Role.EXAMS_OFFICER, Role.ADMIN)
PER_PAGE = 25


@bp.route("/")
@requires_roles(*EXAMS_STAFF)
def index():
    today = clock.today()
    found = paginate(select(ExamSeries).order_by(ExamSeries.first_exam_on.desc(), ExamSeries.id), per_page=PER_PAGE)
    return render_template("exams/index.html", page=found, today=today)


# --- the catalogue -------------------------------------------------------------------------------------------


@bp.route("/qualifications")
@requires_roles(*EXAMS_STAFF)
def qualifications():
    search = (text_arg("q") or "").strip()[:100]
    found = paginate(pages.qualifications(search), per_page=PER_PAGE)
    return render_template(
        "exams/qualifications.html", page=found, search=search, type_labels=QUALIFICATION_TYPE_LABELS
    )


def _qualification_input(form: QualificationForm) -> catalogue.QualificationInput:
    return catalogue.QualificationInput(
        awarding_body=AwardingBody(form.awarding_body.data),
        qualification_type=QualificationType(form.qualification_type.data),
        subject=form.subject.data,
        spec_code=form.spec_code.data,
        entry_fee_pence=form.entry_fee.pence,
        tiered=form.tiered.data,
        needs_supervision=form.needs_supervision.data,
    )


@bp.route("/qualifications/new", methods=["GET", "POST"])
@requires_roles(*EXAMS_STAFF)
def new_qualification():
    form = QualificationForm()
    del form.active
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            qualification = catalogue.save_qualification(current_user, None, _qualification_input(form))
        if work.ok:
            flash(f"{qualification.title} has been added to the catalogue.", "success")
            return redirect(url_for("exams.qualifications"))
    return render_template("exams/qualification_form.html", form=form, qualification=None)


@bp.route("/qualifications/<int:qualification_id>", methods=["GET", "POST"])
@requires_roles(*EXAMS_STAFF)
def edit_qualification(qualification_id: int):
    qualification = get_or_404(Qualification, qualification_id, "manage")
    form = QualificationForm(obj=None if request.method == "POST" else qualification)
    if request.method == "GET":
        form.entry_fee.data = pounds_typed(qualification.entry_fee_pence)
        form.awarding_body.data = qualification.awarding_body.value
        form.qualification_type.data = qualification.qualification_type.value
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            catalogue.save_qualification(current_user, qualification, _qualification_input(form))
            catalogue.set_active(current_user, qualification, form.active.data)
        if work.ok:
            flash("Changes saved.", "success")
            return redirect(url_for("exams.qualifications"))
    return render_template("exams/qualification_form.html", form=form, qualification=qualification)


@bp.route("/qualifications/import", methods=["GET", "POST"])
@requires_roles(*EXAMS_STAFF)
def import_catalogue():
    form = CatalogueImportForm()
    report = None
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            report = catalogue.import_catalogue(current_user, form.file.data.read())
            if not report.ok:
                work.discard()
        if work.ok and report.ok:
            flash(
                f"Catalogue imported: {report.added} added, {report.changed} changed, {report.unchanged} unchanged.",
                "success",
            )
            return redirect(url_for("exams.qualifications"))
        if work.ok:
            form.file.errors = [f"{len(report.errors)} rows have problems: nothing was imported"]
    return render_template("exams/import.html", form=form, report=report, columns=catalogue.COLUMNS)


# --- series --------------------------------------------------------------------------------------------------

_SERIES_DATES = (
    "entry_deadline",
    "late_entry_deadline",
    "very_late_cutoff",
    "changes_free_until",
    "access_deadline",
    "first_exam_on",
    "last_exam_on",
    "results_day",
    "a_level_results_day",
    "age_rule_on",
)


def _series_input(form: SeriesForm) -> series_service.SeriesInput:
    return series_service.SeriesInput(
        name=form.name.data,
        late_fee_pence=form.late_fee.pence,
        very_late_fee_pence=form.very_late_fee.pence,
        age_rule_min_age=form.age_rule_min_age.data,
        age_rule_applies_to=QualificationType(form.age_rule_applies_to.data) if form.age_rule_applies_to.data else None,
        age_rule_reason=form.age_rule_reason.data,
        **{name: getattr(form, name).data for name in _SERIES_DATES},
    )


@bp.route("/series/new", methods=["GET", "POST"])
@requires_roles(*EXAMS_STAFF)
def new_series():
    form = SeriesForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            series = series_service.save_series(current_user, None, _series_input(form))
        if work.ok:
            flash(f"{series.name} has been added.", "success")
            return redirect(url_for("exams.series", series_id=series.id))
    return render_template("exams/series_form.html", form=form, series=None)


@bp.route("/series/<int:series_id>/edit", methods=["GET", "POST"])
@requires_roles(*EXAMS_STAFF)
def edit_series(series_id: int):
    series = get_or_404(ExamSeries, series_id, "manage")
    form = SeriesForm(obj=None if request.method == "POST" else series)
    if request.method == "GET":
        form.late_fee.data = pounds_typed(series.late_fee_pence)
        form.very_late_fee.data = pounds_typed(series.very_late_fee_pence)
        form.age_rule_applies_to.data = series.age_rule_applies_to.value if series.age_rule_applies_to else ""
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            series_service.save_series(current_user, series, _series_input(form))
        if work.ok:
            flash("Changes saved.", "success")
            return redirect(url_for("exams.series", series_id=series.id))
    return render_template("exams/series_form.html", form=form, series=series)


@bp.route("/series/<int:series_id>")
@requires_roles(*EXAMS_STAFF)
def series(series_id: int):
    """A series: its dates, each centre's seats, and its entries (filtered by centre and state)."""
    series = get_or_404(ExamSeries, series_id, "manage")
    centre_id = int_arg("centre")
    state_text = text_arg("state") or ""
    state = EntryState(state_text) if state_text in EntryState._value2member_map_ else None
    found = paginate(pages.series_entries(series, centre_id, state), per_page=PER_PAGE)
    filters = {k: v for k, v in {"centre": centre_id, "state": state.value if state else None}.items() if v}
    return render_template(
        "exams/series.html",
        series=series,
        page=found,
        centres=pages.centre_seats(series),
        centre_id=centre_id,
        state=state,
        state_labels=ENTRY_STATE_LABELS,
        filters=filters,
        page_args={"series_id": series.id, **filters},
    )


@bp.route("/series/<int:series_id>/papers", methods=["GET", "POST"])
@requires_roles(*EXAMS_STAFF)
def papers(series_id: int):
    """The series' timetable: its papers, and a form to add one."""
    series = get_or_404(ExamSeries, series_id, "manage")
    form = PaperForm()
    form.qualification_id.choices = choices(
        [("", "Choose a qualification")]
        + [(str(q.id), q.title) for q in db.session.scalars(pages.qualifications(active_only=True).limit(2_000))]
    )
    qualification = db.session.get(Qualification, to_int(form.qualification_id.data or "") or 0)
    if form.validate_on_submit() and qualification is not None:
        data = series_service.PaperInput(
            paper_code=form.paper_code.data,
            title=form.title.data,
            sits_on=form.sits_on.data,
            session=ExamSession(form.session.data),
            duration_minutes=form.duration_minutes.data,
            tier=Tier(form.tier.data) if form.tier.data else None,
            room=form.room.data,
        )
        with unit_of_work(form) as work:
            paper = series_service.save_paper(current_user, qualification, series, data)
        if work.ok:
            flash(f"Paper {paper.paper_code} added to the {series.name} timetable.", "success")
            return redirect(url_for("exams.papers", series_id=series.id))
    found = paginate(pages.series_papers(series), per_page=PER_PAGE)
    return render_template("exams/papers.html", form=form, series=series, page=found)


@bp.route("/series/<int:series_id>/centres/<int:centre_id>/entries.csv")
@requires_roles(*EXAMS_STAFF)
def entry_list_csv(series_id: int, centre_id: int):
    series = get_or_404(ExamSeries, series_id, "manage")
    centre = get_or_404(ExamCentre, centre_id, "manage")
    return documents.entry_list_response(centre, series)


@bp.route("/series/<int:series_id>/results")
@requires_roles(*EXAMS_STAFF)
def results_summary(series_id: int):
    series = get_or_404(ExamSeries, series_id, "manage")
    return render_template(
        "exams/results_summary.html",
        series=series,
        grades=reports.results_by_qualification(series),
        to_record=paginate(pages.results_to_record().where(ExamSeries.id == series.id), per_page=PER_PAGE),
    )


@bp.route("/series/<int:series_id>/reports")
@requires_roles(*EXAMS_STAFF)
def series_reports(series_id: int):
    series = get_or_404(ExamSeries, series_id, "manage")
    return render_template(
        "exams/reports.html",
        series=series,
        charts=charts_for(series),
        candidates=paginate(pages.candidate_entries(series), per_page=PER_PAGE),
        grades=reports.results_by_qualification(series),
        fees=reports.fees_spent(series),
        fee_labels=FEE_KIND_LABELS,
        payer_labels=PAID_FROM_LABELS,
        type_labels=QUALIFICATION_TYPE_LABELS,
    )


# --- centres -------------------------------------------------------------------------------------------------


@bp.route("/centres")
@requires_roles(*EXAMS_STAFF)
def centres():
    found = paginate(
        select(ExamCentre).order_by(ExamCentre.family_found, ExamCentre.name, ExamCentre.id), per_page=PER_PAGE
    )
    return render_template("exams/centres.html", page=found)


def _locality_choices():
    names = db.session.execute(select(Locality.id, Locality.name).order_by(Locality.name).limit(1000))
    return choices([("", "None"), *((str(i), name) for i, name in names)])


def _centre_input(form: CentreForm) -> series_service.CentreInput:
    return series_service.CentreInput(
        name=form.name.data,
        address=form.address.data or "",
        postcode=form.postcode.data,
        centre_number=form.centre_number.data,
        locality_id=to_int(form.locality_id.data or ""),
        accepts_private_candidates=form.accepts_private_candidates.data,
        admin_fee_pence=form.admin_fee.pence,
        supervises_nea=form.supervises_nea.data,
        family_found=form.family_found.data,
        provides=[ArrangementType(v) for v in form.provides.data or ()],
    )


@bp.route("/centres/new", methods=["GET", "POST"])
@requires_roles(*EXAMS_STAFF)
def new_centre():
    form = CentreForm()
    form.locality_id.choices = _locality_choices()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            centre = series_service.save_centre(current_user, None, _centre_input(form))
        if work.ok:
            flash(f"{centre.name} has been added.", "success")
            return redirect(url_for("exams.edit_centre", centre_id=centre.id))
    return render_template("exams/centre_form.html", form=form, centre=None, seats=[])


@bp.route("/centres/<int:centre_id>", methods=["GET", "POST"])
@requires_roles(*EXAMS_STAFF)
def edit_centre(centre_id: int):
    centre = get_or_404(ExamCentre, centre_id, "manage")
    form = CentreForm(obj=None if request.method == "POST" else centre)
    form.locality_id.choices = _locality_choices()
    if request.method == "GET":
        form.admin_fee.data = pounds_typed(centre.admin_fee_pence)
        form.locality_id.data = str(centre.locality_id or "")
        form.provides.data = sorted(a.value for a in centre.provides)
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            series_service.save_centre(current_user, centre, _centre_input(form))
        if work.ok:
            flash("Changes saved.", "success")
            return redirect(url_for("exams.edit_centre", centre_id=centre.id))
    return render_template(
        "exams/centre_form.html", form=form, centre=centre, seats=series_service.upcoming_series(clock.today())
    )


@bp.route("/centres/<int:centre_id>/series/<int:series_id>", methods=["GET", "POST"])
@requires_roles(*EXAMS_STAFF)
def centre_seats(centre_id: int, series_id: int):
    centre = get_or_404(ExamCentre, centre_id, "manage")
    series = get_or_404(ExamSeries, series_id, "manage")
    row = series_service.capacity(centre, series)
    form = SeatsForm(obj=None if request.method == "POST" else row)
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            series_service.set_capacity(current_user, centre, series, form.seats.data, form.access_deadline.data)
        if work.ok:
            flash(f"Seats at {centre.name} for {series.name} saved.", "success")
            return redirect(url_for("exams.series", series_id=series.id))
    return render_template("exams/seats.html", form=form, centre=centre, series=series, row=row)


# --- coordinators ----------------------------------------------------------------------------------------------


@bp.route("/localities")
@requires_roles(Role.COORDINATOR, *EXAMS_STAFF)
def locality_counts():
    """How many entries each locality's learners have per series: counts only, never whose."""

    found = paginate(pages.visible_localities(current_user), per_page=PER_PAGE)
    upcoming = series_service.upcoming_series(clock.today())[:6]
    ids = [loc.id for loc in found.items]
    counts = pages.locality_counts(
        select(Locality.id).where(Locality.id.in_(ids)),
        select(ExamSeries.id).where(ExamSeries.id.in_([s.id for s in upcoming])),
    )
    return render_template("exams/localities.html", page=found, series_list=upcoming, counts=counts)
