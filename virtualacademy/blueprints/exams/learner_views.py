"""A learner's exams: the page the family, the mentor and the exams officer share (readiness with the confirm
buttons, entries, arrangements, the timetable, statements of entry), the mentor's readiness judgement, entries
made from a ready judgement ("check the fees" first), what happens to an entry after, and access arrangements."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from virtualacademy import clock
from virtualacademy.blueprints.exams import bp
from virtualacademy.blueprints.exams.forms import (
    MOCK_SLOTS,
    ActionForm,
    ArrangementForm,
    CandidateForm,
    EntryForm,
    JudgementForm,
    ResultForm,
    TierForm,
    WithdrawForm,
    choices,
)
from virtualacademy.blueprints.forms_common import flash_linked
from virtualacademy.extensions import db
from virtualacademy.inputs import paginate, text_arg, to_int
from virtualacademy.models import (
    AccessArrangement,
    ArrangementEvidence,
    ArrangementStatus,
    ArrangementType,
    EntryState,
    ExamCentre,
    ExamEntry,
    ExamSeries,
    Learner,
    PaidFrom,
    Qualification,
    Readiness,
    ReadinessJudgement,
    Role,
    Tier,
)
from virtualacademy.models.exams import (
    ARRANGEMENT_EVIDENCE_LABELS,
    ARRANGEMENT_STATUS_LABELS,
    ARRANGEMENT_TYPE_LABELS,
    ENTRY_STATE_LABELS,
    FEE_KIND_LABELS,
    PAID_FROM_LABELS,
    READINESS_LABELS,
    TIER_LABELS,
)
from virtualacademy.money import pounds
from virtualacademy.policies import get_or_404, requires_roles
from virtualacademy.services.exams import arrangements, documents, entries, fees, pages, readiness, results
from virtualacademy.services.exams import series as series_service
from virtualacademy.unit_of_work import unit_of_work

EXAMS_STAFF = (Role.EXAMS_OFFICER, Role.ADMIN)
EXAM_READERS = (Role.GUARDIAN, Role.LEARNER, Role.MENTOR, Role.EXAMS_OFFICER, Role.ADMIN)
LABELS = {
    "readiness": READINESS_LABELS,
    "tier": TIER_LABELS,
    "state": ENTRY_STATE_LABELS,
    "arrangement": ARRANGEMENT_TYPE_LABELS,
    "evidence": ARRANGEMENT_EVIDENCE_LABELS,
    "status": ARRANGEMENT_STATUS_LABELS,
    "fee": FEE_KIND_LABELS,
    "paid_from": PAID_FROM_LABELS,
}
PER_PAGE = 25


def _id(value) -> int | None:
    return to_int(value or "")


# --- the learner's page ------------------------------------------------------------------------------------


@bp.route("/learners/<int:learner_id>")
@requires_roles(*EXAM_READERS)
def learner(learner_id: int):
    learner = get_or_404(Learner, learner_id, "exams_view")
    return render_template(
        "exams/learner.html", learner=learner, exams=pages.learner_exams(current_user, learner), labels=LABELS
    )


@bp.route("/family")
@requires_roles(Role.GUARDIAN, Role.LEARNER)
def family():
    """The family's way in: each of their children (or the learner themselves), to their exams page."""
    children = pages.family_learners(current_user)
    if len(children) == 1:
        return redirect(url_for("exams.learner", learner_id=children[0].id))
    return render_template("exams/family.html", children=children)


# --- readiness -----------------------------------------------------------------------------------------------


def _mocks(form: JudgementForm) -> list[readiness.MockInput]:
    found = []
    for n in range(1, MOCK_SLOTS + 1):
        sat_on, paper, result = (getattr(form, f"mock_{n}_{part}").data for part in ("sat_on", "paper", "result"))
        if sat_on or paper or result:
            found.append(readiness.MockInput(sat_on, paper or "", result or ""))
    return found


@bp.route("/learners/<int:learner_id>/readiness/new", methods=["GET", "POST"])
@requires_roles(Role.MENTOR, Role.ADMIN)
def judge(learner_id: int):
    learner = get_or_404(Learner, learner_id, "exams_judge")
    form = JudgementForm(data={"judged_on": clock.today()} if request.method == "GET" else None)
    form.qualification_id.choices = choices(
        [("", "Choose a qualification")]
        + [(str(q.id), q.title) for q in db.session.scalars(pages.qualifications(active_only=True).limit(2_000))]
    )
    if request.method == "GET" and _id(request.args.get("qualification")):
        form.qualification_id.data = request.args.get("qualification")
    if form.validate_on_submit():
        qualification = db.session.get(Qualification, _id(form.qualification_id.data))
        if qualification is None:
            form.qualification_id.errors = ["Choose the qualification"]
        else:
            with unit_of_work(form) as work:
                readiness.record_judgement(
                    current_user,
                    learner,
                    qualification,
                    judgement=Readiness(form.judgement.data),
                    evidence=form.evidence.data,
                    still_needed=form.still_needed.data,
                    recommended_tier=Tier(form.recommended_tier.data) if form.recommended_tier.data else None,
                    mocks=_mocks(form),
                    judged_on=form.judged_on.data,
                )
            if work.ok:
                flash_linked(
                    "Readiness judgement recorded for {link}.",
                    url_for("exams.learner", learner_id=learner.id),
                    learner.known_as,
                )
                return redirect(url_for("exams.learner", learner_id=learner.id))
    return render_template("exams/judge.html", form=form, learner=learner, mock_slots=range(1, MOCK_SLOTS + 1))


@bp.route("/judgements/<int:judgement_id>/confirm", methods=["POST"])
@requires_roles(Role.GUARDIAN, Role.LEARNER)
def confirm(judgement_id: int):
    judgement = get_or_404(ReadinessJudgement, judgement_id, "confirm")
    form = ActionForm()
    as_guardian = request.form.get("as") == "guardian"
    if form.validate_on_submit():
        with unit_of_work() as work:
            if as_guardian:
                readiness.confirm_as_guardian(current_user, judgement)
            else:
                readiness.confirm_as_learner(current_user, judgement)
        if work.ok:
            flash(f"Confirmed: {judgement.learner.known_as} wants to sit {judgement.qualification.subject}.", "success")
    return redirect(url_for("exams.learner", learner_id=judgement.learner_id))


# --- entries -------------------------------------------------------------------------------------------------


@bp.route("/ready")
@requires_roles(*EXAMS_STAFF)
def ready():
    """Learners judged ready and confirmed, with no entry yet: where the exams officer starts an entry."""
    search = (text_arg("q") or "").strip()[:100]
    found = paginate(pages.ready_to_enter(clock.today(), search), per_page=PER_PAGE)
    return render_template("exams/ready.html", page=found, search=search, labels=LABELS)


def _entry_choices(form: EntryForm, learner: Learner) -> None:
    current = [r.judgement for r in pages.learner_exams(current_user, learner).rows]
    form.qualification_id.choices = choices(
        [("", "Choose a qualification")]
        + [(str(j.qualification_id), j.qualification.title) for j in current if j.judgement is Readiness.READY]
    )
    form.series_id.choices = choices(
        [("", "Choose a series")] + [(str(s.id), s.name) for s in series_service.upcoming_series(clock.today())]
    )
    form.centre_id.choices = choices(
        [("", "Choose a centre")]
        + [(str(c.id), c.name + (" (found by a family)" if c.family_found else "")) for c in pages.active_centres()]
    )


def _chosen(form: EntryForm):
    qualification = db.session.get(Qualification, _id(form.qualification_id.data) or 0)
    series = db.session.get(ExamSeries, _id(form.series_id.data) or 0)
    centre = db.session.get(ExamCentre, _id(form.centre_id.data) or 0)
    for field, found in ((form.qualification_id, qualification), (form.series_id, series), (form.centre_id, centre)):
        if found is None:
            field.errors = [f"Choose the {field.label.text.lower()}"]
    return qualification, series, centre


@bp.route("/learners/<int:learner_id>/entries/new", methods=["GET", "POST"])
@requires_roles(*EXAMS_STAFF)
def new_entry(learner_id: int):
    """Choose qualification, series and centre; "check the fees" shows the quote (fees, late fee, any shortfall,
    the series' age rule); "make the entry" makes it."""
    learner = get_or_404(Learner, learner_id, "exams_view")
    form = EntryForm()
    _entry_choices(form, learner)
    if request.method == "GET" and request.args.get("qualification"):
        form.qualification_id.data = request.args.get("qualification")
    quote = cover = None
    if form.validate_on_submit():
        qualification, series, centre = _chosen(form)
        if None not in (qualification, series, centre):
            paid_from = PaidFrom.FAMILY if form.family_pays.data else None
            tier = Tier(form.tier.data) if form.tier.data else None
            with unit_of_work(form) as work:
                if form.confirm.data:
                    entry = entries.create_entry(
                        current_user, learner, qualification, series, centre, tier=tier, paid_from=paid_from
                    )
                else:
                    quote = entries.quote(learner, qualification, series, centre, paid_from=paid_from)
                    cover = fees.cover(fees.paying_account(learner, quote.paid_from), quote.lines)
                    work.discard()
            if work.ok and form.confirm.data:
                flash_linked(
                    "Entry made: {link}.",
                    url_for("exams.entry", entry_id=entry.id),
                    f"{learner.known_as}, {qualification.subject}, {series.name}",
                )
                return redirect(url_for("exams.entry", entry_id=entry.id))
    return render_template("exams/entry_new.html", form=form, learner=learner, quote=quote, cover=cover, labels=LABELS)


def _entry_page(entry: ExamEntry, **forms):
    kept, refunded = entries.fees_summary(entry)
    today = clock.today()
    return render_template(
        "exams/entry.html",
        entry=entry,
        papers=series_service.papers_for(entry),
        kept=kept,
        refunded=refunded,
        refund_if_withdrawn=today <= entry.series.entry_deadline,
        is_open=entry.state in entries.OPEN_STATES,
        can_mark_sat=entry.state is EntryState.ENTERED and today >= entry.series.first_exam_on,
        can_record_result=entry.state in (EntryState.SAT, EntryState.RESULT_RECORDED),
        candidate_form=forms.get("candidate_form") or CandidateForm(obj=entry),
        result_form=forms.get("result_form") or ResultForm(obj=entry),
        tier_form=forms.get("tier_form") or TierForm(data={"tier": entry.tier.value if entry.tier else None}),
        can_change_tier=entry.qualification.tiered
        and entry.state in entries.OPEN_STATES
        and today <= entry.series.changes_free_until,
        action_form=ActionForm(),
        labels=LABELS,
        form=forms.get("candidate_form") or forms.get("result_form") or forms.get("tier_form"),
    )


@bp.route("/entries/<int:entry_id>")
@requires_roles(*EXAMS_STAFF)
def entry(entry_id: int):
    return _entry_page(get_or_404(ExamEntry, entry_id, "manage"))


@bp.route("/entries/<int:entry_id>/candidate", methods=["POST"])
@requires_roles(*EXAMS_STAFF)
def confirm_entered(entry_id: int):
    entry = get_or_404(ExamEntry, entry_id, "manage")
    form = CandidateForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            entries.confirm_entered(current_user, entry, form.candidate_number.data, form.uci.data)
        if work.ok:
            flash("The centre's candidate number and UCI are recorded: the entry is confirmed.", "success")
            return redirect(url_for("exams.entry", entry_id=entry.id))
    return _entry_page(entry, candidate_form=form)


@bp.route("/entries/<int:entry_id>/tier", methods=["POST"])
@requires_roles(*EXAMS_STAFF)
def change_tier(entry_id: int):
    entry = get_or_404(ExamEntry, entry_id, "manage")
    form = TierForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            entries.change_tier(current_user, entry, Tier(form.tier.data))
        if work.ok:
            flash(f"The tier is now {TIER_LABELS[entry.tier].lower()}.", "success")
            return redirect(url_for("exams.entry", entry_id=entry.id))
    return _entry_page(entry, tier_form=form)


@bp.route("/entries/<int:entry_id>/withdraw", methods=["GET", "POST"])
@requires_roles(*EXAMS_STAFF)
def withdraw(entry_id: int):
    entry = get_or_404(ExamEntry, entry_id, "manage")
    form = WithdrawForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            done = entries.withdraw(current_user, entry, form.reason.data)
        if work.ok:
            flash(
                f"Entry withdrawn. {pounds(done.refunded_pence)} in fees refunded."
                if done.refunded_pence
                else "Entry withdrawn. The fees stay spent.",
                "success",
            )
            return redirect(url_for("exams.entry", entry_id=entry.id))
    kept, _refunded = entries.fees_summary(entry)
    return render_template(
        "exams/withdraw.html",
        form=form,
        entry=entry,
        kept=kept,
        refund=clock.today() <= entry.series.entry_deadline,
        is_open=entry.state in entries.OPEN_STATES,
    )


@bp.route("/entries/<int:entry_id>/sat", methods=["POST"])
@requires_roles(*EXAMS_STAFF)
def mark_sat(entry_id: int):
    entry = get_or_404(ExamEntry, entry_id, "manage")
    if ActionForm().validate_on_submit():
        with unit_of_work() as work:
            entries.mark_sat(current_user, entry)
        if work.ok:
            flash("Recorded: the exam was sat.", "success")
    return redirect(url_for("exams.entry", entry_id=entry.id))


@bp.route("/entries/<int:entry_id>/result", methods=["POST"])
@requires_roles(*EXAMS_STAFF)
def record_result(entry_id: int):
    entry = get_or_404(ExamEntry, entry_id, "manage")
    form = ResultForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            results.record_result(current_user, entry, form.grade.data, result_on=form.result_on.data)
        if work.ok:
            flash(f"Result recorded: {entry.grade}.", "success")
            return redirect(url_for("exams.entry", entry_id=entry.id))
    return _entry_page(entry, result_form=form)


# --- access arrangements -----------------------------------------------------------------------------------


@bp.route("/arrangements")
@requires_roles(*EXAMS_STAFF)
def arrangements_list():
    status_text = text_arg("status") or ""
    status = ArrangementStatus(status_text) if status_text in ("draft", "applied") else None
    found = paginate(pages.arrangements_awaiting(status), per_page=PER_PAGE)
    return render_template(
        "exams/arrangements.html",
        page=found,
        status=status,
        labels=LABELS,
        facts=pages.arrangement_facts(found.items),
        action_form=ActionForm(),
    )


def _arrangement_choices(form: ArrangementForm, learner: Learner) -> None:
    form.series_id.choices = choices(
        [("", "Choose a series")] + [(str(s.id), s.name) for s in series_service.upcoming_series(clock.today())]
    )
    form.entry_id.choices = choices(
        [("", "Every entry in the series")]
        + [
            (str(e.id), f"{e.qualification.subject}, {e.series.name} at {e.centre.name}")
            for e in entries.entries_of(learner)
            if e.state in entries.OPEN_STATES
        ]
    )


@bp.route("/learners/<int:learner_id>/arrangements/new", methods=["GET", "POST"])
@requires_roles(Role.MENTOR, *EXAMS_STAFF)
def new_arrangement(learner_id: int):
    learner = get_or_404(Learner, learner_id, "exams_arrange")
    form = ArrangementForm()
    _arrangement_choices(form, learner)
    if form.validate_on_submit():
        series = db.session.get(ExamSeries, _id(form.series_id.data) or 0)
        entry = db.session.get(ExamEntry, _id(form.entry_id.data) or 0) if form.entry_id.data else None
        if series is None:
            form.series_id.errors = ["Choose the series"]
        else:
            with unit_of_work(form) as work:
                arrangements.add_arrangement(
                    current_user,
                    learner,
                    series,
                    ArrangementType(form.arrangement_type.data),
                    ArrangementEvidence(form.evidence_kind.data),
                    entry=entry,
                    detail=form.detail.data,
                    evidence_note=form.evidence_note.data,
                    cost_pence=form.cost.pence or 0,
                )
            if work.ok:
                flash_linked(
                    "Access arrangement saved for {link}.",
                    url_for("exams.learner", learner_id=learner.id),
                    learner.known_as,
                )
                return redirect(url_for("exams.learner", learner_id=learner.id))
    return render_template("exams/arrangement_new.html", form=form, learner=learner)


@bp.route("/arrangements/<int:arrangement_id>/apply", methods=["POST"])
@requires_roles(*EXAMS_STAFF)
def apply_arrangement(arrangement_id: int):
    arrangement = get_or_404(AccessArrangement, arrangement_id, "manage")
    if ActionForm().validate_on_submit():
        with unit_of_work() as work:
            arrangements.apply(current_user, arrangement)
        if work.ok:
            flash("Recorded: the arrangement has been applied for.", "success")
    return redirect(url_for("exams.arrangements_list"))


@bp.route("/arrangements/<int:arrangement_id>/decide", methods=["POST"])
@requires_roles(*EXAMS_STAFF)
def decide_arrangement(arrangement_id: int):
    arrangement = get_or_404(AccessArrangement, arrangement_id, "manage")
    decision = request.form.get("decision")
    if decision not in ("approved", "declined"):
        abort(400)
    if ActionForm().validate_on_submit():
        with unit_of_work() as work:
            arrangements.decide(current_user, arrangement, decision == "approved")
        if work.ok:
            flash(f"Recorded: the arrangement was {decision}.", "success")
    return redirect(url_for("exams.arrangements_list"))


# --- documents -----------------------------------------------------------------------------------------------


@bp.route("/learners/<int:learner_id>/series/<int:series_id>/statement.pdf")
@requires_roles(*EXAM_READERS)
def statement_pdf(learner_id: int, series_id: int):
    learner = get_or_404(Learner, learner_id, "exams_view")
    series = db.get_or_404(ExamSeries, series_id)
    with unit_of_work() as work:
        body = documents.statement_pdf(learner, series)
        work.discard()
    if not work.ok:
        return redirect(url_for("exams.learner", learner_id=learner.id))
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    name = documents.statement_filename(learner, series).replace(" ", "-")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- for other modules' pages (the mentor's learner page: its view passes pages.overview_for) -------------


@bp.app_template_global("exam_labels")
def exam_labels() -> dict:
    return LABELS
