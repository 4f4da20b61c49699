"""Plan reviews: recording one, the review schedule, when reviews are due, and reading a review back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.database import chunked
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Goal, GoalReview, GoalStatus, Learner, LearningPlan, PlanReview, PlanVersion, User
from virtualacademy.services import audit
from virtualacademy.services.learning_plans.access import _require, may_review
from virtualacademy.services.learning_plans.common import (
    DEFAULT_REVIEW_WEEKS,
    MAX_REVIEW_WEEKS,
    MIN_REVIEW_WEEKS,
    _text,
    long_date,
)
from virtualacademy.services.learning_plans.editing import GoalInput, _goal_values, _new_goal
from virtualacademy.services.learning_plans.history import (
    _locked_plan,
    _plan_for_change,
    _record_version,
    current_goals,
    versions,
)
from virtualacademy.services.learning_plans.subjects import subject_areas

# --- reviews --------------------------------------------------------------------------------------


@dataclass
class GoalReviewInput:
    goal_id: int
    status: GoalStatus
    progress: str | None = None
    next_steps: str | None = None


def _weeks(value: int | None, field_name: str) -> int:
    if value is None or not MIN_REVIEW_WEEKS <= int(value) <= MAX_REVIEW_WEEKS:
        raise ValidationError(
            f"Enter a number of weeks from {MIN_REVIEW_WEEKS} to {MAX_REVIEW_WEEKS}", field=field_name
        )
    return int(value)


def last_review(plan: LearningPlan | None) -> PlanReview | None:
    if plan is None:
        return None
    return db.session.scalar(
        select(PlanReview)
        .where(PlanReview.plan_id == plan.id)
        .order_by(PlanReview.held_on.desc(), PlanReview.id.desc())
        .limit(1)
    )


def reviews(plan: LearningPlan | None) -> list[PlanReview]:
    if plan is None:
        return []
    return list(
        db.session.scalars(
            select(PlanReview)
            .where(PlanReview.plan_id == plan.id)
            .order_by(PlanReview.held_on.desc(), PlanReview.id.desc())
        )
    )


def record_review(
    actor: User,
    learner: Learner,
    *,
    held_on: date | None,
    goals: list[GoalReviewInput],
    new_goals: list[GoalInput] | None = None,
    summary: str | None = None,
    review_every_weeks: int | None = None,
    next_review_on: date | None = None,
    today: date | None = None,
) -> PlanReview:
    """Record a review held with the family and learner: for each current goal its progress, next steps and
    new status; any new goals agreed; and the next review date (by default one interval after this one)."""
    today = today or clock.today()
    _require(may_review(actor, learner), "Only the learner's mentor or an admin can record a review")
    if held_on is None:
        raise ValidationError("Enter the date of the review", field="held_on")
    if held_on > today:
        raise ValidationError("The date of the review must be today or in the past", field="held_on")
    plan = _locked_plan(learner)  # created only once everything has been checked
    previous = last_review(plan)
    if previous is not None and held_on < previous.held_on:
        raise ValidationError(
            f"The date of the review must be on or after the last review, on {long_date(previous.held_on)}",
            field="held_on",
        )
    if review_every_weeks is None:
        review_every_weeks = plan.review_every_weeks if plan else DEFAULT_REVIEW_WEEKS
    weeks = _weeks(review_every_weeks, "review_every_weeks")
    next_on = next_review_on or held_on + timedelta(weeks=weeks)
    if next_on <= held_on:
        raise ValidationError("The next review must be after this one", field="next_review_on")
    current = {g.id: g for g in current_goals(plan)}
    reviewed: list[tuple[Goal, GoalStatus, str | None, str | None]] = []
    for item in goals:
        goal = current.get(item.goal_id)
        if goal is None:
            raise ValidationError("A goal in this review is no longer in the plan. Open the review form again")
        progress = _text(item.progress, "Progress", f"progress_{item.goal_id}")
        next_steps = _text(item.next_steps, "Next steps", f"next_steps_{item.goal_id}")
        try:
            status = GoalStatus(item.status)
        except ValueError:
            raise ValidationError("Choose where the goal is now", field=f"status_{item.goal_id}") from None
        reviewed.append((goal, status, progress, next_steps))
    agreed = []
    allowed = subject_areas()
    for n, values in enumerate(new_goals or [], start=1):
        if not values.is_blank:
            agreed.append(_goal_values(values, allowed, prefix=f"new_{n}_"))
    summary = _text(summary, "Summary", "summary")

    plan = _plan_for_change(learner, today, plan)
    review = PlanReview(
        plan_id=plan.id, held_on=held_on, reviewed_by_id=actor.id, summary=summary, next_review_on=next_on
    )
    db.session.add(review)
    for goal, status, progress, next_steps in reviewed:
        review.goal_reviews.append(GoalReview(goal_id=goal.id, progress=progress, next_steps=next_steps, status=status))
        goal.status = status
    new = [_new_goal(plan, checked) for checked in agreed]
    plan.review_every_weeks = weeks
    plan.next_review_on = next_on
    db.session.flush()
    _record_version(
        actor, plan, f"Review on {long_date(held_on)}", review={"id": review.id, "agreed": [g.id for g in new]}
    )
    audit.record(
        "learning.plan_reviewed",
        actor=actor,
        obj=learner,
        detail={"review": review.id, "held_on": held_on.isoformat(), "next_review_on": next_on.isoformat()},
    )
    return review


def set_review_schedule(
    actor: User,
    learner: Learner,
    review_every_weeks: int | None,
    next_review_on: date | None = None,
    today: date | None = None,
) -> PlanVersion | None:
    """Change how often the learner's plan is reviewed and when the next review is (by default one interval
    after the last review, or from today if there has been none; never in the past)."""
    today = today or clock.today()
    _require(may_review(actor, learner), "Only the learner's mentor or an admin can change the review dates")
    weeks = _weeks(review_every_weeks, "review_every_weeks")
    plan = _locked_plan(learner)
    if next_review_on is None:
        previous = last_review(plan)
        next_review_on = max(today, (previous.held_on if previous else today) + timedelta(weeks=weeks))
    if next_review_on < today:
        raise ValidationError("The next review must be today or later", field="next_review_on")
    plan = _plan_for_change(learner, today, plan)
    plan.review_every_weeks = weeks
    plan.next_review_on = next_review_on
    return _record_version(actor, plan, "Review dates changed")


@dataclass
class ReviewDue:
    next_review_on: date | None
    today: date

    @property
    def overdue(self) -> bool:
        return self.next_review_on is not None and self.next_review_on < self.today

    @property
    def days_overdue(self) -> int:
        return (self.today - self.next_review_on).days if self.overdue else 0


def review_dates(learner_ids: list[int], today: date) -> dict[int, ReviewDue]:
    """When each learner's plan review is due (learners without a plan are left out), in one query."""
    if not learner_ids:
        return {}
    return {
        learner_id: ReviewDue(next_on, today)
        for some in chunked(learner_ids)  # a caseload: short, unless its limit was overridden many times
        for learner_id, next_on in db.session.execute(
            select(LearningPlan.learner_id, LearningPlan.next_review_on).where(LearningPlan.learner_id.in_(some))
        )
    }


# --- reading a review ----------------------------------------------------------------------------------


@dataclass
class ReviewItem:
    title: str
    status: GoalStatus
    progress: str | None
    next_steps: str | None


@dataclass
class ReviewDetail:
    review: PlanReview
    learner: Learner
    reviewer: User | None
    items: list[ReviewItem]
    #: Goals added to the plan at this review (from its version).
    agreed: list[str]


def plan_of_review(review: PlanReview) -> LearningPlan:
    return db.session.get(LearningPlan, review.plan_id)


def review_detail(review: PlanReview) -> ReviewDetail:
    plan = plan_of_review(review)
    reviewer = db.session.get(User, review.reviewed_by_id) if review.reviewed_by_id else None
    items = [
        ReviewItem(gr.goal.title, gr.status, gr.progress, gr.next_steps)
        for gr in sorted(review.goal_reviews, key=lambda gr: gr.goal_id)
    ]
    agreed_ids: list[int] = []
    for v in versions(plan):
        note = v.snapshot.get("review") or {}
        if note.get("id") == review.id:
            agreed_ids = note.get("agreed", [])
            break
    titles = {g.id: g.title for g in plan.goals}
    agreed = [titles[i] for i in agreed_ids if i in titles]
    return ReviewDetail(review, plan.learner, reviewer, items, agreed)


def reviewers(review_list: list[PlanReview]) -> dict[int, str]:
    ids = {r.reviewed_by_id for r in review_list if r.reviewed_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def changed_by_names(version_list: list[PlanVersion]) -> dict[int, str]:
    ids = {v.changed_by_id for v in version_list if v.changed_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
