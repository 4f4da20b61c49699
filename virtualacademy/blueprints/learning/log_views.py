"""The learning log (attendance in learning), portfolio evidence, exhibitions and the record of achievement."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import exists, select

from virtualacademy import clock, navigation, uploads
from virtualacademy.blueprints.forms_common import flash_linked, show_domain_error
from virtualacademy.blueprints.learning import bp
from virtualacademy.blueprints.learning.charts import attendance_chart
from virtualacademy.blueprints.learning.log_forms import (
    CommentForm,
    ConfirmForm,
    EvidenceEditForm,
    EvidenceForm,
    ExhibitionForm,
    FeedbackForm,
    LogEntryForm,
    NarrativeForm,
    PeriodForm,
    ShowcaseForm,
)
from virtualacademy.errors import DomainError, ValidationError
from virtualacademy.extensions import db
from virtualacademy.inputs import paginate, to_int
from virtualacademy.models import (
    ActivityType,
    Enrolment,
    Evidence,
    EvidenceKind,
    Exhibition,
    ExhibitionMode,
    Goal,
    Learner,
    LogEntry,
    Role,
)
from virtualacademy.models.learning import ACTIVITY_TYPE_LABELS, GOAL_STATUS_LABELS
from virtualacademy.policies import can, get_or_404, requires_roles, scoped
from virtualacademy.services import achievement, evidence, exhibitions, families, learning_log
from virtualacademy.services.localities import on_roll_filter
from virtualacademy.unit_of_work import unit_of_work

#: Everyone who has a learning log to read: families and the staff who work with learners.
LOG_ROLES = (Role.GUARDIAN, Role.LEARNER, Role.MENTOR, Role.COORDINATOR, Role.ADMIN)
STAFF_ROLES = (Role.MENTOR, Role.COORDINATOR, Role.ADMIN)
#: The log's pages (for the menu's "Learning log"): the week, entries, attendance, portfolio, exhibitions, record.
LOG_PAGES = (
    r"/learning/log",
    r"/learning/learners/\d+/(week|log|attendance|portfolio|exhibitions|achievement)",
    r"/learning/(evidence|exhibitions)/",
)
navigation.register(
    navigation.NavItem("Learning log", "learning.log_home", roles=LOG_ROLES, order=15, sections=LOG_PAGES)
)


@bp.app_template_filter("hours_minutes")
def _hours_minutes(minutes: int) -> str:
    return learning_log.duration(minutes)


@bp.app_template_filter("decimal_hours")
def _decimal_hours(minutes: int) -> str:
    return learning_log.hours(minutes)


def _learner(learner_id: int, action: str = "log_view") -> Learner:
    return get_or_404(Learner, learner_id, action)


def _name(learner: Learner) -> str:
    return f"{learner.known_as} {learner.legal_name.split()[-1]}"


# --- where to start --------------------------------------------------------------------------------------


@bp.route("/log")
@requires_roles(*LOG_ROLES)
def log_home():
    """A learner goes straight to their week; a family sees its children; staff see their learners, those who
    have gone longest without logged learning first."""
    today = clock.today()
    is_staff = current_user.has_role(*STAFF_ROLES)
    own = families.learner_for_user(current_user) if current_user.has_role(Role.LEARNER) else None
    children = [lr for f in families.families_of(current_user) for lr in f.learners]
    if own is not None and not children and not is_staff:
        return redirect(url_for("learning.week", learner_id=own.id))
    if len(children) == 1 and own is None and not is_staff:
        return redirect(url_for("learning.week", learner_id=children[0].id))
    page = gaps = None
    if is_staff:
        # Sorted by each learner's stored last logged day (kept in step with the log), never by aggregating the
        # whole log; learners reached through the scope's indexes, then checked to be on roll. Only ids are
        # sorted and paged; the page's 50 learners are loaded after (a deep page then sorts narrow rows).
        stmt = (
            select(Learner.id)
            .where(exists().where(Enrolment.learner_id == Learner.id, on_roll_filter(today)))
            .order_by(Learner.last_logged_on.asc().nulls_first(), Learner.legal_name, Learner.id)
        )
        page = paginate(scoped(current_user, stmt, Learner), per_page=50)
        loaded = {lr.id: lr for lr in db.session.scalars(select(Learner).where(Learner.id.in_(page.items)))}
        page.items = [loaded[learner_id] for learner_id in page.items]
        gaps = learning_log.gaps(list(loaded), today)
    return render_template(
        "learning/log_home.html",
        own=own,
        children=children,
        page=page,
        gaps=gaps,
        gap_days=learning_log.GAP_DAYS,
        name=_name,
    )


# --- the week view and log entries ---------------------------------------------------------------------------


def _day_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/learners/<int:learner_id>/week")
@requires_roles(*LOG_ROLES)
def week(learner_id: int):
    learner = _learner(learner_id)
    today = clock.today()
    shown = learning_log.week(learner, min(_day_arg("start") or today, today))
    counts = learning_log.evidence_counts(learner, shown.start, shown.end)
    can_write = can(current_user, "log_write", learner)
    return render_template(
        "learning/week.html",
        learner=learner,
        week=shown,
        previous_week=shown.start - timedelta(days=7),
        next_week=shown.start + timedelta(days=7) if shown.start < learning_log.monday_of(today) else None,
        can_write=can_write,
        loggable_days={d.on for d in shown.days if can_write and learning_log.may_log_on(d.on, today)},
        may_edit=learning_log.may_edit_each(current_user, learner, [e for d in shown.days for e in d.entries], today),
        locked={e.id: learning_log.is_locked(e, today) for d in shown.days for e in d.entries},
        evidence_counts=counts,
        goals={goal.id: goal.title for goal in learning_log.current_goals(learner)},
        gap=learning_log.gap_of(learner, today),
        gap_days=learning_log.GAP_DAYS,
        activity_labels=ACTIVITY_TYPE_LABELS,
        window=learning_log.EDIT_WINDOW_DAYS,
    )


def _entry_form(learner: Learner, entry: LogEntry | None = None) -> LogEntryForm:
    if request.method == "POST":
        form = LogEntryForm()
    elif entry is not None:
        form = LogEntryForm(
            data={
                "on_date": entry.on_date,
                "hours": entry.minutes // 60,
                "minutes": entry.minutes % 60,
                "activity": entry.activity.value,
                "subjects": [s.id for s in entry.subjects],
                "description": entry.description,
                "goal_id": str(entry.goal_id or ""),
            }
        )
    else:
        on = _day_arg("on")
        today = clock.today()
        form = LogEntryForm(data={"on_date": on if on and on <= today else today})
    subjects = learning_log.active_subjects()
    if entry is not None:  # keep a subject that has since been retired
        subjects += [s for s in entry.subjects if s not in subjects]
    form.subjects.choices = [(s.id, s.name) for s in subjects]
    goals = learning_log.current_goals(learner)
    form.goal_id.choices = [("", "None of them")] + [(str(goal.id), goal.title) for goal in goals]
    return form


def _log_input(form: LogEntryForm) -> learning_log.LogInput:
    return learning_log.LogInput(
        on_date=form.on_date.data,
        minutes=(form.hours.data or 0) * 60 + (form.minutes.data or 0),
        activity=ActivityType(form.activity.data) if form.activity.data else None,
        subject_ids=list(form.subjects.data or []),
        description=form.description.data,
        goal_id=int(form.goal_id.data) if form.goal_id.data else None,
    )


def _duration_error(form: LogEntryForm) -> None:
    """Hours and minutes both empty (or both 0) is one error, on the hours box."""
    if not form.hours.errors and not form.minutes.errors and not (form.hours.data or form.minutes.data):
        form.hours.errors = ["Enter how long the learning took, in hours and minutes"]


def _day_url(entry: LogEntry) -> str:
    """A log entry's day on its week's page."""
    return url_for(
        "learning.week",
        learner_id=entry.learner_id,
        start=entry.on_date.isoformat(),
        _anchor=f"day-{entry.on_date.isoformat()}",
    )


@bp.route("/learners/<int:learner_id>/log/new", methods=["GET", "POST"])
@requires_roles(*LOG_ROLES)
def log_new(learner_id: int):
    learner = _learner(learner_id, "log_write")
    form = _entry_form(learner)
    if request.method == "POST":
        valid = form.validate_on_submit()
        _duration_error(form)
        if valid and not form.errors:
            with unit_of_work(form) as work:
                entry = learning_log.add_entry(current_user, learner, _log_input(form))
            if work.ok:
                flash_linked(
                    f"Logged {learning_log.duration(entry.minutes)} of "
                    f"{ACTIVITY_TYPE_LABELS[entry.activity].lower()} on {{link}}.",
                    _day_url(entry),
                    f"{entry.on_date:%A %-d %B}",
                )
                return redirect(url_for("learning.week", learner_id=learner.id, start=entry.on_date.isoformat()))
    return render_template("learning/log_form.html", form=form, learner=learner, entry=None, correcting=False)


@bp.route("/log/<int:entry_id>/edit", methods=["GET", "POST"])
@requires_roles(*LOG_ROLES)
def log_edit(entry_id: int):
    entry = get_or_404(LogEntry, entry_id, "edit")
    learner = entry.learner
    today = clock.today()
    locked = learning_log.is_locked(entry, today)
    if not learning_log.may_edit(current_user, entry, today):
        return render_template("learning/log_locked.html", entry=entry, learner=learner)
    form = _entry_form(learner, entry)
    if request.method == "POST":
        valid = form.validate_on_submit()
        _duration_error(form)
        if valid and not form.errors:
            with unit_of_work(form) as work:
                learning_log.update_entry(current_user, entry, _log_input(form), today)
            if work.ok:
                flash_linked(
                    ("Correction saved and recorded" if entry.corrected_by_id and locked else "Changes saved")
                    + " for {link}.",
                    _day_url(entry),
                    f"{entry.on_date:%A %-d %B}",
                )
                return redirect(url_for("learning.week", learner_id=learner.id, start=entry.on_date.isoformat()))
    return render_template("learning/log_form.html", form=form, learner=learner, entry=entry, correcting=locked)


@bp.route("/log/<int:entry_id>/delete", methods=["GET", "POST"])
@requires_roles(*LOG_ROLES)
def log_delete(entry_id: int):
    entry = get_or_404(LogEntry, entry_id, "edit")
    learner = entry.learner
    today = clock.today()
    if not learning_log.may_edit(current_user, entry, today):
        return render_template("learning/log_locked.html", entry=entry, learner=learner)
    form = ConfirmForm()
    if form.validate_on_submit():
        on = entry.on_date
        with unit_of_work() as work:
            learning_log.delete_entry(current_user, entry, today)
        if work.ok:
            flash("The entry has been deleted.", "success")
        return redirect(url_for("learning.week", learner_id=learner.id, start=on.isoformat()))
    return render_template(
        "learning/log_delete.html", form=form, entry=entry, learner=learner, activity_labels=ACTIVITY_TYPE_LABELS
    )


# --- attendance in learning ----------------------------------------------------------------------------------


@bp.route("/learners/<int:learner_id>/attendance")
@requires_roles(*LOG_ROLES)
def attendance(learner_id: int):
    learner = _learner(learner_id)
    today = clock.today()
    term = learning_log.term_from_key(request.args.get("term")) or learning_log.term_of(today)
    result = learning_log.term_attendance(learner, term, today)
    return render_template(
        "learning/attendance.html",
        learner=learner,
        result=result,
        chart=attendance_chart(result),
        term=term,
        current_term=learning_log.term_of(today),
        gap=learning_log.gap_of(learner, today),
        gap_days=learning_log.GAP_DAYS,
    )


# --- portfolio evidence --------------------------------------------------------------------------------------


@bp.route("/learners/<int:learner_id>/portfolio")
@requires_roles(*LOG_ROLES)
def portfolio(learner_id: int):
    learner = _learner(learner_id)
    showcase = request.args.get("showcase") == "1"
    return render_template(
        "learning/evidence_index.html",
        learner=learner,
        items=evidence.portfolio(learner, showcase_only=showcase),
        showcase=showcase,
        can_write=can(current_user, "log_write", learner),
        inline_images=evidence.INLINE_IMAGES,
        labels={k: f.label for k, f in evidence.ACCEPTED.items()},
    )


def _evidence_form(learner: Learner) -> EvidenceForm:
    form = EvidenceForm()
    form.goal_id.choices = [("", "None of them")] + [
        (str(goal.id), goal.title) for goal in learning_log.current_goals(learner)
    ]
    if request.method == "GET":
        goal = request.args.get("goal", "")
        if goal in {value for value, _label in form.goal_id.choices}:
            form.goal_id.data = goal
        form.log_entry_id.data = request.args.get("entry", "")
    return form


@bp.route("/learners/<int:learner_id>/portfolio/new", methods=["GET", "POST"])
@requires_roles(*LOG_ROLES)
def evidence_new(learner_id: int):
    learner = _learner(learner_id, "log_write")
    form = _evidence_form(learner)
    entry_id = to_int(form.log_entry_id.data)
    entry = db.session.get(LogEntry, entry_id) if entry_id else None
    if entry is not None and entry.learner_id != learner.id:
        entry = None
    if form.validate_on_submit():
        common = {
            "title": form.title.data,
            "goal_id": to_int(form.goal_id.data),
            "log_entry_id": entry.id if entry else None,
            "is_draft": form.is_draft.data == "yes",
        }
        upload = form.file.data if getattr(form.file.data, "filename", "") else None
        link = (form.url.data or "").strip()
        with unit_of_work(form) as work:
            if upload is not None and link:
                raise ValidationError("Add a file or a link, not both", field="url")
            if upload is not None:
                data = upload.read(evidence.max_bytes() + 1)
                item = evidence.add_file(current_user, learner, filename=upload.filename, data=data, **common)
            elif link:
                item = evidence.add_link(current_user, learner, url=link, **common)
            else:
                raise ValidationError("Choose a file to upload, or enter a link", field="file")
        if work.ok:
            flash(f"\u201c{item.title}\u201d has been added to {learner.known_as}\u2019s portfolio.", "success")
            return redirect(url_for("learning.evidence_detail", evidence_id=item.id))
    return render_template(
        "learning/evidence_form.html",
        form=form,
        learner=learner,
        entry=entry,
        max_size=f"{evidence.max_bytes() // (1024 * 1024)} MB",
        accepted=evidence.ACCEPTED_DESCRIPTION,
        activity_labels=ACTIVITY_TYPE_LABELS,
    )


def _evidence_page(item: Evidence, comment_form: CommentForm | None = None, status: int = 200):
    learner = item.learner
    comment_form = comment_form or CommentForm(formdata=None)
    return render_template(
        "learning/evidence_detail.html",
        item=item,
        learner=learner,
        goal=db.session.get(Goal, item.goal_id) if item.goal_id else None,
        entry=db.session.get(LogEntry, item.log_entry_id) if item.log_entry_id else None,
        form=comment_form,
        comment_form=comment_form,
        showcase_form=ShowcaseForm(formdata=None),
        can_write=can(current_user, "edit", item),
        can_showcase=can(current_user, "showcase", item),
        inline=item.kind is EvidenceKind.FILE and item.content_type in evidence.INLINE_IMAGES,
        label=evidence.ACCEPTED[item.content_type].label if item.content_type in evidence.ACCEPTED else "Link",
        size=evidence.size_label(item.size_bytes),
        activity_labels=ACTIVITY_TYPE_LABELS,
    ), status


@bp.route("/evidence/<int:evidence_id>")
@requires_roles(*LOG_ROLES)
def evidence_detail(evidence_id: int):
    return _evidence_page(get_or_404(Evidence, evidence_id, "view"))


@bp.route("/evidence/<int:evidence_id>/comments", methods=["POST"])
@requires_roles(*LOG_ROLES)
def evidence_comment(evidence_id: int):
    item = get_or_404(Evidence, evidence_id, "edit")
    form = CommentForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            evidence.add_comment(current_user, item, form.body.data)
        if work.ok:
            flash("Comment added.", "success")
            return redirect(url_for("learning.evidence_detail", evidence_id=item.id, _anchor="comments"))
    return _evidence_page(item, form)


@bp.route("/evidence/<int:evidence_id>/showcase", methods=["POST"])
@requires_roles(*LOG_ROLES)
def evidence_showcase(evidence_id: int):
    item = get_or_404(Evidence, evidence_id, "showcase")
    form = ShowcaseForm()
    if not form.validate_on_submit() or form.show.data not in ("yes", "no"):
        abort(400)
    with unit_of_work() as work:
        evidence.set_showcase(current_user, item, form.show.data == "yes")
    if work.ok:
        flash("Added to the showcase." if item.in_showcase else "Taken out of the showcase.", "success")
    return redirect(url_for("learning.evidence_detail", evidence_id=item.id))


@bp.route("/evidence/<int:evidence_id>/edit", methods=["GET", "POST"])
@requires_roles(*LOG_ROLES)
def evidence_edit(evidence_id: int):
    item = get_or_404(Evidence, evidence_id, "edit")
    form = EvidenceEditForm(
        data={"title": item.title, "is_draft": "yes" if item.is_draft else "no"} if request.method == "GET" else None
    )
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            evidence.update(current_user, item, title=form.title.data, is_draft=form.is_draft.data == "yes")
        if work.ok:
            flash("Changes saved.", "success")
            return redirect(url_for("learning.evidence_detail", evidence_id=item.id))
    return render_template("learning/evidence_edit.html", form=form, item=item, learner=item.learner)


@bp.route("/evidence/<int:evidence_id>/delete", methods=["GET", "POST"])
@requires_roles(*LOG_ROLES)
def evidence_delete(evidence_id: int):
    item = get_or_404(Evidence, evidence_id, "edit")
    learner = item.learner
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            evidence.delete(current_user, item)
        if not work.ok:
            return redirect(url_for("learning.evidence_detail", evidence_id=item.id))
        flash("The evidence has been deleted.", "success")
        return redirect(url_for("learning.portfolio", learner_id=learner.id))
    return render_template("learning/evidence_delete.html", form=form, item=item, learner=learner)


@bp.route("/evidence/<int:evidence_id>/file")
@requires_roles(*LOG_ROLES)
def evidence_file(evidence_id: int):
    """The stored file, only to someone who may see the learner: always as a download, except a raster image
    asked for with ``?inline=1`` (for the page's preview), which is sent as that image type and nothing else."""
    item = get_or_404(Evidence, evidence_id, "view")
    data = evidence.read_bytes(item)  # at most EVIDENCE_MAX_BYTES; read whole, so no file is left open
    if data is None:
        abort(404)
    return uploads.file_response(
        data, item.content_type, item.original_name or "evidence", inline=request.args.get("inline") == "1"
    )


# --- exhibitions ---------------------------------------------------------------------------------------------


@bp.route("/learners/<int:learner_id>/exhibitions")
@requires_roles(*LOG_ROLES)
def exhibitions_index(learner_id: int):
    learner = _learner(learner_id)
    today = clock.today()
    items = exhibitions.of_learner(learner)
    return render_template(
        "learning/exhibitions.html",
        learner=learner,
        items=items,
        planned={show.id for show in items if exhibitions.is_planned(show, today)},
        recent=exhibitions.exhibited_recently(learner, today),
        can_write=can(current_user, "log_write", learner),
        modes=exhibitions.MODE_LABELS,
    )


@bp.route("/learners/<int:learner_id>/exhibitions/new", methods=["GET", "POST"])
@requires_roles(*LOG_ROLES)
def exhibition_new(learner_id: int):
    learner = _learner(learner_id, "log_write")
    form = ExhibitionForm()
    items = evidence.portfolio(learner)
    form.items.choices = [
        (i.id, f"{i.title}{' (draft)' if i.is_draft else ''}{' (showcase)' if i.in_showcase else ''}") for i in items
    ]
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            show = exhibitions.create(
                current_user,
                learner,
                exhibitions.ExhibitionInput(
                    held_on=form.held_on.data,
                    mode=ExhibitionMode(form.mode.data),
                    where=form.where.data,
                    description=form.description.data,
                    audience=form.audience.data,
                    item_ids=list(form.items.data or []),
                ),
            )
        if work.ok:
            flash("The exhibition has been saved.", "success")
            return redirect(url_for("learning.exhibition_detail", exhibition_id=show.id))
    return render_template("learning/exhibition_form.html", form=form, learner=learner, has_items=bool(items))


@bp.route("/exhibitions/<int:exhibition_id>")
@requires_roles(*LOG_ROLES)
def exhibition_detail(exhibition_id: int):
    show = get_or_404(Exhibition, exhibition_id, "view")
    learner = db.session.get(Learner, show.learner_id)
    planned = exhibitions.is_planned(show, clock.today())
    return render_template(
        "learning/exhibition_detail.html",
        show=show,
        learner=learner,
        averages=exhibitions.averages(show),
        rubric=exhibitions.RUBRIC,
        scores=exhibitions.SCORE_LABELS,
        modes=exhibitions.MODE_LABELS,
        planned=planned,
        can_record_feedback=can(current_user, "edit", show) and not planned,
    )


@bp.route("/exhibitions/<int:exhibition_id>/feedback", methods=["GET", "POST"])
@requires_roles(*LOG_ROLES)
def exhibition_feedback(exhibition_id: int):
    show = get_or_404(Exhibition, exhibition_id, "edit")
    learner = db.session.get(Learner, show.learner_id)
    form = FeedbackForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            exhibitions.add_feedback(
                current_user,
                show,
                exhibitions.FeedbackInput(
                    reviewer_name=form.reviewer_name.data,
                    reviewer_role=form.reviewer_role.data,
                    content=to_int(form.content.data),
                    explanation=to_int(form.explanation.data),
                    reflection=to_int(form.reflection.data),
                    comments=form.comments.data,
                ),
            )
        if work.ok:
            flash(f"Feedback from {form.reviewer_name.data.strip()} has been saved.", "success")
            return redirect(url_for("learning.exhibition_detail", exhibition_id=show.id))
    return render_template(
        "learning/exhibition_feedback.html", form=form, show=show, learner=learner, rubric=exhibitions.RUBRIC
    )


# --- the record of achievement -------------------------------------------------------------------------------


def _period_from_args() -> tuple[date, date]:
    """An ISO period from ``?start=&end=``; the academic year so far if missing or not a valid period."""
    try:
        return achievement.check_period(_day_arg("start"), _day_arg("end"))
    except DomainError:
        return achievement.default_period()


@bp.route("/learners/<int:learner_id>/achievement")
@requires_roles(*LOG_ROLES)
def achievement_page(learner_id: int):
    """Choose a period (the page's own form sends day, month and year; links send ISO dates), see what the
    record will hold, then download the PDF."""
    learner = _learner(learner_id)
    record = None
    if len(request.args.getlist("start")) == 3 or len(request.args.getlist("end")) == 3:
        form = PeriodForm(request.args)
        if form.validate():
            try:
                start, end = achievement.check_period(form.start.data, form.end.data)
            except DomainError as error:
                show_domain_error(form, error)
            else:
                record = achievement.record(learner, start, end)
    else:
        start, end = _period_from_args()
        form = PeriodForm(formdata=None, data={"start": start, "end": end})
        record = achievement.record(learner, start, end)
    return render_template(
        "learning/achievement.html",
        learner=learner,
        form=form,
        record=record,
        can_write_narrative=can(current_user, "narrative_write", learner),
        goal_labels=GOAL_STATUS_LABELS,
    )


@bp.route("/learners/<int:learner_id>/achievement.pdf")
@requires_roles(*LOG_ROLES)
def achievement_pdf(learner_id: int):
    learner = _learner(learner_id)
    start, end = _period_from_args()
    body = achievement.render(learner, start, end)
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    filename = f"record-of-achievement-{learner.known_as.lower().replace(' ', '-')}-{start:%Y-%m}-to-{end:%Y-%m}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{_ascii(filename)}"'
    return response


def _ascii(name: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "-" for ch in name)


@bp.route("/learners/<int:learner_id>/achievement/summary", methods=["GET", "POST"])
@requires_roles(Role.MENTOR, Role.ADMIN)
def achievement_narrative(learner_id: int):
    learner = _learner(learner_id, "narrative_write")
    if request.method == "GET":
        start, end = _period_from_args()
        existing = achievement.narrative_for(learner, start, end)
        exact = existing if existing and (existing.starts_on, existing.ends_on) == (start, end) else None
        form = NarrativeForm(data={"start": start, "end": end, "text": exact.text if exact else ""})
    else:
        form = NarrativeForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            achievement.save_narrative(current_user, learner, form.start.data, form.end.data, form.text.data)
        if work.ok:
            flash("The summary has been saved. It appears in the record of achievement for this period.", "success")
            return redirect(
                url_for(
                    "learning.achievement_page",
                    learner_id=learner.id,
                    start=form.start.data.isoformat(),
                    end=form.end.data.isoformat(),
                )
            )
    return render_template("learning/achievement_narrative.html", form=form, learner=learner)
