"""Personal learning plans, goals, version history and plan reviews."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from virtualacademy import clock, navigation
from virtualacademy.blueprints.forms_common import flash_linked
from virtualacademy.blueprints.learning import bp
from virtualacademy.blueprints.learning.plan_forms import (
    NEW_GOAL_SLOTS,
    ArchiveGoalForm,
    GoalForm,
    PlanForm,
    ScheduleForm,
    SharePlanForm,
    SubjectAreaForm,
    review_form,
    set_subject_choices,
)
from virtualacademy.extensions import db
from virtualacademy.models import Goal, GoalStatus, Learner, PlanReview, Role, SubjectArea
from virtualacademy.models.learning import GOAL_STATUS_LABELS
from virtualacademy.policies import Relation, can, get_or_404, is_related, requires_roles
from virtualacademy.services import families, learning_plans
from virtualacademy.services.learning_plans import GoalInput, GoalReviewInput
from virtualacademy.unit_of_work import unit_of_work

#: Everyone who may have a plan in reach (the object check then decides which plans).
READERS = (Role.GUARDIAN, Role.LEARNER, Role.MENTOR, Role.COORDINATOR, Role.ADMIN)
WRITERS = (Role.GUARDIAN, Role.LEARNER, Role.MENTOR, Role.ADMIN)
REVIEWERS = (Role.MENTOR, Role.ADMIN)
STATUS_TAGS = {
    GoalStatus.NOT_STARTED: "govuk-tag--grey",
    GoalStatus.WORKING_ON_IT: "govuk-tag--blue",
    GoalStatus.ACHIEVED: "govuk-tag--green",
    GoalStatus.NOT_YET: "govuk-tag--yellow",
}
LABELS = {"status": GOAL_STATUS_LABELS, "status_tags": STATUS_TAGS, "fields": learning_plans.TEXT_FIELDS}

#: A learner's plan pages (for the menu's "Learning plan").
PLAN_PAGES = (r"/learning/learners/\d+/plan", r"/learning/(goals|reviews)/")
navigation.register(
    navigation.NavItem("Learning plan", "learning.my_plan", roles=(Role.LEARNER,), order=10, sections=PLAN_PAGES)
)
navigation.register(
    navigation.NavItem(
        "Subject areas", "learning.subject_areas", roles=(Role.ADMIN,), order=85, sections=(r"/learning/subject-areas",)
    )
)


@bp.app_template_global()
def plan_review_dates(learner_ids) -> dict:
    """For the caseload page: when each learner's plan review is due (``overdue`` when it has passed)."""
    return learning_plans.review_dates(list(learner_ids), clock.today())


def _goal_url(goal) -> str:
    """A goal on its plan's page."""
    return url_for("learning.plan", learner_id=goal.plan.learner_id, _anchor=f"goal-{goal.id}")


def _back_to_plan(learner: Learner):
    return redirect(url_for("learning.plan", learner_id=learner.id))


def _back_link(learner: Learner) -> tuple[str, str] | None:
    """Where the plan page's back link goes: the guardian's page for their child, or the staff page."""
    if is_related(current_user, learner, Relation.GUARDIAN):
        return url_for("families.family_learner", learner_id=learner.id), f"Back to {learner.known_as}"
    if can(current_user, "mentor_view", learner):
        return url_for("mentoring.learner", learner_id=learner.id), f"Back to {learner.known_as}"
    return None


# --- the plan -------------------------------------------------------------------------------------


@bp.route("/my-plan")
@requires_roles(Role.LEARNER)
def my_plan():
    learner = families.learner_for_user(current_user)
    if learner is None:
        abort(404)
    return _back_to_plan(learner)


@bp.route("/learners/<int:learner_id>/plan")
@requires_roles(*READERS)
def plan(learner_id: int):
    learner = get_or_404(Learner, learner_id, "plan_view")
    return _plan_page(learner, SharePlanForm())


@bp.route("/learners/<int:learner_id>/plan/share", methods=["POST"])
@requires_roles(*REVIEWERS)
def share_plan(learner_id: int):
    learner = get_or_404(Learner, learner_id, "plan_review")
    form = SharePlanForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            told = learning_plans.share_with_family(current_user, learner, form.message.data)
        if work.ok:
            flash(
                f"The plan has been shared with {learner.known_as}’s family for comment "
                f"({told} {'person' if told == 1 else 'people'} told).",
                "success",
            )
            return _back_to_plan(learner)
    return _plan_page(learner, form)


def _plan_page(learner: Learner, share_form: SharePlanForm):
    plan = learning_plans.plan_of(learner, with_goals=True)
    review_list = learning_plans.reviews(plan)
    last = learning_plans.version(plan, plan.version) if plan and plan.version else None
    return render_template(
        "learning/plan.html",
        learner=learner,
        plan=plan,
        goals=learning_plans.current_goals(plan),
        archived=learning_plans.archived_goals(plan),
        reviews=review_list,
        reviewers=learning_plans.reviewers(review_list),
        due=learning_plans.ReviewDue(plan.next_review_on, clock.today()) if plan else None,
        last_change=last,
        changed_by=learning_plans.changed_by_names([last] if last else []),
        is_self=learner.user_id == current_user.id,
        back=_back_link(learner),
        can_edit=can(current_user, "plan_edit", learner),
        can_review=can(current_user, "plan_review", learner),
        sees_staff=can(current_user, "plan_staff_notes", learner),
        share_form=share_form,
        form=share_form if share_form.errors else None,
        labels=LABELS,
    )


@bp.route("/learners/<int:learner_id>/plan/edit", methods=["GET", "POST"])
@requires_roles(*WRITERS)
def edit_plan(learner_id: int):
    learner = get_or_404(Learner, learner_id, "plan_edit")
    plan = learning_plans.plan_of(learner)
    staff = learning_plans.writes_staff_notes(current_user, learner)
    data = None
    if request.method == "GET":
        data = {name: getattr(plan, name) if plan else None for name in (*learning_plans.TEXT_FIELDS, "staff_notes")}
        data["based_on"] = plan.version if plan else 0
    form = PlanForm(data=data)
    if not staff:
        del form.staff_notes
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            saved = learning_plans.save_plan(
                current_user,
                learner,
                interests=form.interests.data,
                aspirations=form.aspirations.data,
                strengths=form.strengths.data,
                support_needs=form.support_needs.data,
                staff_notes=form.staff_notes.data if staff else learning_plans.UNCHANGED,
                based_on=form.based_on.data,
            )
        if work.ok:
            flash("The plan has been saved." if saved else "Nothing was changed.", "success")
            return _back_to_plan(learner)
        _refresh_based_on(form, learner)
    return render_template("learning/plan_edit.html", form=form, learner=learner, plan=plan)


def _refresh_based_on(form, learner: Learner) -> None:
    """After a refused save, a second save is made from the plan as it is now (the user has seen the clash)."""
    plan = learning_plans.plan_of(learner)
    form.based_on.data = plan.version if plan else 0


# --- goals ----------------------------------------------------------------------------------------


def _goal_input(form: GoalForm) -> GoalInput:
    return GoalInput(
        title=form.title.data,
        success=form.success.data,
        subject_ids=list(form.subjects.data or []),
        target_date=form.target_date.data,
        status=GoalStatus(form.status.data),
    )


@bp.route("/learners/<int:learner_id>/plan/goals/new", methods=["GET", "POST"])
@requires_roles(*WRITERS)
def add_goal(learner_id: int):
    learner = get_or_404(Learner, learner_id, "plan_edit")
    form = GoalForm()
    set_subject_choices(form.subjects, learning_plans.subject_choices())
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            goal = learning_plans.add_goal(current_user, learner, _goal_input(form))
        if work.ok:
            flash_linked("Goal added: {link}", _goal_url(goal), goal.title)
            return _back_to_plan(learner)
    return render_template("learning/goal_form.html", form=form, learner=learner, goal=None)


@bp.route("/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@requires_roles(*WRITERS)
def edit_goal(goal_id: int):
    goal = get_or_404(Goal, goal_id, "edit")
    learner = goal.plan.learner
    if goal.archived_at is not None:
        abort(404)
    data = None
    if request.method == "GET":
        data = {
            "title": goal.title,
            "success": goal.success,
            "subjects": [s.id for s in goal.subjects],
            "target_date": goal.target_date,
            "status": goal.status.value,
            "based_on": goal.plan.version,
        }
    form = GoalForm(data=data)
    set_subject_choices(form.subjects, learning_plans.subject_choices(goal))
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            saved = learning_plans.update_goal(current_user, goal, _goal_input(form), based_on=form.based_on.data)
        if work.ok:
            if saved:
                flash_linked("Goal saved: {link}", _goal_url(goal), goal.title)
            else:
                flash("Nothing was changed.", "success")
            return _back_to_plan(learner)
        _refresh_based_on(form, learner)
    return render_template(
        "learning/goal_form.html", form=form, learner=learner, goal=goal, archive_form=ArchiveGoalForm()
    )


@bp.route("/goals/<int:goal_id>/archive", methods=["POST"])
@requires_roles(*WRITERS)
def archive_goal(goal_id: int):
    goal = get_or_404(Goal, goal_id, "edit")
    learner = goal.plan.learner
    if not ArchiveGoalForm().validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        learning_plans.archive_goal(current_user, goal)
    if work.ok:
        flash(f"Goal archived: {goal.title}. It stays in the plan's history.", "success")
    return _back_to_plan(learner)


# --- version history ------------------------------------------------------------------------------


@bp.route("/learners/<int:learner_id>/plan/history")
@requires_roles(*READERS)
def plan_history(learner_id: int):
    learner = get_or_404(Learner, learner_id, "plan_view")
    plan = learning_plans.plan_of(learner)
    version_list = learning_plans.versions(plan)
    return render_template(
        "learning/plan_history.html",
        learner=learner,
        plan=plan,
        versions=version_list,
        names=learning_plans.changed_by_names(version_list),
    )


@bp.route("/learners/<int:learner_id>/plan/history/<int:number>")
@requires_roles(*READERS)
def plan_version(learner_id: int, number: int):
    learner = get_or_404(Learner, learner_id, "plan_view")
    plan = learning_plans.plan_of(learner)
    diff = (
        learning_plans.diff_version(plan, number, include_staff=can(current_user, "plan_staff_notes", learner))
        if plan
        else None
    )
    if diff is None:
        abort(404)
    return render_template(
        "learning/plan_version.html",
        learner=learner,
        plan=plan,
        diff=diff,
        names=learning_plans.changed_by_names([diff.version]),
    )


# --- reviews --------------------------------------------------------------------------------------


@bp.route("/learners/<int:learner_id>/plan/review", methods=["GET", "POST"])
@requires_roles(*REVIEWERS)
def record_review(learner_id: int):
    learner = get_or_404(Learner, learner_id, "plan_review")
    plan = learning_plans.plan_of(learner)
    goals = learning_plans.current_goals(plan)
    weeks = plan.review_every_weeks if plan else learning_plans.DEFAULT_REVIEW_WEEKS
    data = None
    if request.method == "GET":
        data = {"held_on": clock.today(), "review_every_weeks": weeks}
        data.update({f"status_{g.id}": g.status.value for g in goals})
    form = review_form(goals, learning_plans.subject_choices(), data=data)
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            review = learning_plans.record_review(
                current_user,
                learner,
                held_on=form.held_on.data,
                summary=form.summary.data,
                goals=[
                    GoalReviewInput(
                        g.id,
                        GoalStatus(form[f"status_{g.id}"].data),
                        form[f"progress_{g.id}"].data,
                        form[f"next_steps_{g.id}"].data,
                    )
                    for g in goals
                ],
                new_goals=[
                    GoalInput(
                        title=form[f"new_{n}_title"].data,
                        success=form[f"new_{n}_success"].data,
                        subject_ids=list(form[f"new_{n}_subjects"].data or []),
                        target_date=form[f"new_{n}_target_date"].data,
                    )
                    for n in range(1, NEW_GOAL_SLOTS + 1)
                ],
                review_every_weeks=form.review_every_weeks.data,
                next_review_on=form.next_review_on.data,
            )
        if work.ok:
            flash_linked(
                "The {link} has been saved.",
                url_for("learning.review", review_id=review.id),
                f"review held on {review.held_on:%-d %B %Y}",
            )
            return _back_to_plan(learner)
    return render_template(
        "learning/review_form.html",
        form=form,
        learner=learner,
        plan=plan,
        goals=goals,
        slots=range(1, NEW_GOAL_SLOTS + 1),
        labels=LABELS,
    )


@bp.route("/learners/<int:learner_id>/plan/review-dates", methods=["GET", "POST"])
@requires_roles(*REVIEWERS)
def review_schedule(learner_id: int):
    learner = get_or_404(Learner, learner_id, "plan_review")
    plan = learning_plans.plan_of(learner)
    data = None
    if request.method == "GET":
        data = {
            "review_every_weeks": plan.review_every_weeks if plan else learning_plans.DEFAULT_REVIEW_WEEKS,
            "next_review_on": plan.next_review_on if plan else None,
        }
    form = ScheduleForm(data=data)
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            learning_plans.set_review_schedule(
                current_user, learner, form.review_every_weeks.data, form.next_review_on.data
            )
        if work.ok:
            flash("The review dates have been saved.", "success")
            return _back_to_plan(learner)
    return render_template("learning/review_schedule.html", form=form, learner=learner, plan=plan)


@bp.route("/reviews/<int:review_id>")
@requires_roles(*READERS)
def review(review_id: int):
    found = get_or_404(PlanReview, review_id, "view")
    return render_template("learning/review.html", detail=learning_plans.review_detail(found), labels=LABELS)


# --- subject areas (admin) ------------------------------------------------------------------------


@bp.route("/subject-areas", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def subject_areas():
    form = SubjectAreaForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            area = learning_plans.save_subject_area(
                current_user, None, form.name.data, form.position.data, form.active.data
            )
        if work.ok:
            flash(f"{area.name} has been added.", "success")
            return redirect(url_for("learning.subject_areas"))
    return render_template(
        "learning/subject_areas.html", form=form, areas=learning_plans.subject_areas(include_retired=True)
    )


@bp.route("/subject-areas/<int:area_id>", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def edit_subject_area(area_id: int):
    area = db.get_or_404(SubjectArea, area_id)
    form = SubjectAreaForm(obj=None if request.method == "POST" else area)
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            learning_plans.save_subject_area(current_user, area, form.name.data, form.position.data, form.active.data)
        if work.ok:
            flash(f"{area.name} has been saved.", "success")
            return redirect(url_for("learning.subject_areas"))
    return render_template("learning/subject_area.html", form=form, area=area)
