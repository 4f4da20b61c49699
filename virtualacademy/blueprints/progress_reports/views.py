"""The progress-report pages: thin views over ``services/progress_reports``."""

from __future__ import annotations

from flask import abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from virtualacademy import clock
from virtualacademy.blueprints.progress_reports import bp
from virtualacademy.blueprints.progress_reports.forms import ACADEMY, BuildForm, CommentForm, PublishForm
from virtualacademy.extensions import db
from virtualacademy.inputs import paginate
from virtualacademy.models import Learner, Locality, ReportRun, Role
from virtualacademy.policies import get_or_404, requires_roles
from virtualacademy.services import localities, progress_reports
from virtualacademy.services.learning_log.attendance import term_from_key, term_of
from virtualacademy.services.progress_reports import lists, runs
from virtualacademy.unit_of_work import unit_of_work

PER_PAGE = 25
READERS = (Role.GUARDIAN, Role.LEARNER, Role.MENTOR, Role.COORDINATOR, Role.ADMIN)


def _term(key: str | None):
    term = progress_reports.term_or_none(key)
    if term is None:
        abort(404)
    return term


@bp.route("/")
@requires_roles(Role.GUARDIAN, Role.LEARNER)
def family():
    """The family's published reports, newest first."""
    page = paginate(progress_reports.family_reports(current_user), per_page=PER_PAGE)
    return render_template("progress_reports/family.html", page=page, term_of=progress_reports.term_or_none)


@bp.route("/caseload")
@requires_roles(Role.MENTOR, Role.ADMIN)
def caseload():
    """A term's reports of the mentor's caseload (every learner's, for an admin), with whether each comment is
    written."""
    key = request.args.get("term")
    term = _term(key) if key else term_of(clock.today())
    page = paginate(progress_reports.caseload_reports(current_user, term), per_page=PER_PAGE)
    return render_template(
        "progress_reports/caseload.html",
        page=page,
        term=term,
        terms=progress_reports.terms_open(),
        reports=lists.reports_of(page.items, term),
        is_admin=current_user.has_role(Role.ADMIN),
        runs=runs.recent(term) if current_user.has_role(Role.ADMIN) else [],
        progress_text=runs.progress_text,
        status_labels=runs.STATUS_LABELS,
    )


@bp.route("/learners/<int:learner_id>/terms/<term_key>/comment", methods=["GET", "POST"])
@requires_roles(Role.MENTOR, Role.ADMIN)
def comment(learner_id: int, term_key: str):
    """The mentor's comment, written with the term's figures beside it."""
    learner = get_or_404(Learner, learner_id, "progress_report_comment")
    term = _term(term_key)
    report = progress_reports.report_for(learner, term)
    form = CommentForm(data={"comment": report.comment if report else None} if request.method == "GET" else None)
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            progress_reports.save_comment(current_user, learner, term, form.comment.data)
        if work.ok:
            flash(f"Comment saved on {learner.known_as}’s report for the {term.name.lower()}.", "success")
            return redirect(url_for("progress_reports.caseload", term=term.key))
    return render_template(
        "progress_reports/comment.html",
        form=form,
        learner=learner,
        term=term,
        data=progress_reports.gather(learner, term),
    )


@bp.route("/learners/<int:learner_id>/terms/<term_key>.pdf")
@requires_roles(*READERS)
def report_pdf(learner_id: int, term_key: str):
    """The report as a PDF: published, for whoever sees the learner; a draft, for the mentor or an admin."""
    learner = get_or_404(Learner, learner_id, "progress_reports_view")
    term = _term(term_key)
    if not progress_reports.may_download(current_user, learner, progress_reports.report_for(learner, term)):
        abort(404)
    response = make_response(progress_reports.render(learner, term))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{progress_reports.filename(learner, term)}"'
    return response


@bp.route("/terms/<term_key>/publish", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def publish(term_key: str):
    """Publish a term's reports: how many have comments, then confirm."""
    term = _term(term_key)
    form = PublishForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            published = progress_reports.publish(current_user, term)
        if work.ok:
            if published:
                flash(
                    f"{published:,} reports for the {term.name.lower()} published: families have been told.", "success"
                )
            else:
                flash(f"The reports for the {term.name.lower()} were already published: nobody was told again.", "info")
            return redirect(url_for("progress_reports.caseload", term=term.key))
    return render_template(
        "progress_reports/publish.html", form=form, term=term, summary=progress_reports.publish_summary(term)
    )


@bp.route("/terms/<term_key>/build", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def build(term_key: str):
    """Start building a term's report PDFs (the academy's, or one locality's): the scheduler builds them."""
    term = _term(term_key)
    form = BuildForm()
    form.scope.choices = [(ACADEMY, "Every learner in the academy")] + [
        (str(locality.id), locality.name) for locality in localities.all_localities(active_only=True)
    ]
    if form.validate_on_submit():
        locality = None if form.scope.data == ACADEMY else db.session.get(Locality, int(form.scope.data))
        with unit_of_work(form) as work:
            run, new = runs.queue(current_user, term, locality)
        if work.ok:
            if new:
                flash("The build is queued: it starts within a minute, and this page shows how it goes.", "success")
            else:
                flash("These reports are already being built: this is that build’s progress.", "info")
            return redirect(url_for("progress_reports.run", run_id=run.id))
    return render_template("progress_reports/build.html", form=form, term=term)


def _run(run_id: int) -> ReportRun:
    return get_or_404(ReportRun, run_id, "view")


@bp.route("/runs/<int:run_id>")
@requires_roles(Role.ADMIN)
def run(run_id: int):
    """A build's progress; while it goes on the page updates itself (or, without JavaScript, reloads)."""
    found = _run(run_id)
    return render_template(
        "progress_reports/run.html",
        run=found,
        term=term_from_key(found.term_key),
        progress=runs.progress_of(found),
        status_labels=runs.STATUS_LABELS,
    )


@bp.route("/runs/<int:run_id>/progress")
@requires_roles(Role.ADMIN)
def run_progress(run_id: int):
    """The build's progress as JSON, for its page to update itself."""
    return jsonify(runs.progress_of(_run(run_id)))
