"""Plan reviews per locality (the learner's): reviews held in a period, how many were held by the day the review
before had set, and the learners on roll whose plan's next review is now overdue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from virtualacademy.extensions import db
from virtualacademy.models import Enrolment, Learner, LearningPlan, PlanReview
from virtualacademy.services.localities import on_roll_filter
from virtualacademy.services.overview.common import Period, chosen


@dataclass
class LocalityReviews:
    held: int = 0
    #: reviews that followed an earlier one, so had a day they were due (a plan's first review had none kept)
    with_due_date: int = 0
    on_time: int = 0
    #: learners on roll whose plan's next review date has passed
    overdue: int = 0


@dataclass
class Reviews:
    period: Period
    today: date
    by_locality: dict[int, LocalityReviews] = field(default_factory=dict)

    def total(self, locality_ids=None) -> LocalityReviews:
        result = LocalityReviews()
        for locality_id, row in chosen(self.by_locality, locality_ids):
            if locality_ids is None or locality_id in locality_ids:
                result.held += row.held
                result.with_due_date += row.with_due_date
                result.on_time += row.on_time
                result.overdue += row.overdue
        return result


def overdue_filter(today: date):
    """SQL condition on a learner's plan: its next review day has passed."""
    return LearningPlan.next_review_on < today


def reviews(period: Period, today: date) -> Reviews:
    """Per locality: reviews held in the period, those with a due day (set by the review before) and those held by
    it; and learners on roll today with a review overdue. Two grouped statements."""
    result = Reviews(period, today)

    def row(locality_id: int) -> LocalityReviews:
        return result.by_locality.setdefault(locality_id, LocalityReviews())

    ordered = select(
        PlanReview.plan_id,
        PlanReview.held_on,
        func.lag(PlanReview.next_review_on)
        .over(partition_by=PlanReview.plan_id, order_by=(PlanReview.held_on, PlanReview.id))
        .label("due_on"),
    ).subquery()
    for locality_id, held, with_due, on_time in db.session.execute(
        select(
            Learner.locality_id,
            func.count(),
            func.count(ordered.c.due_on),
            func.count().filter(ordered.c.held_on <= ordered.c.due_on),
        )
        .select_from(ordered)
        .join(LearningPlan, LearningPlan.id == ordered.c.plan_id)
        .join(Learner, Learner.id == LearningPlan.learner_id)
        .where(ordered.c.held_on.between(period.start, period.end))
        .group_by(Learner.locality_id)
    ):
        if locality_id is not None:
            row(locality_id).held, row(locality_id).with_due_date, row(locality_id).on_time = held, with_due, on_time
    for locality_id, count in db.session.execute(
        select(Enrolment.locality_id, func.count())
        .join(LearningPlan, LearningPlan.learner_id == Enrolment.learner_id)
        .where(on_roll_filter(today), overdue_filter(today))
        .group_by(Enrolment.locality_id)
    ):
        row(locality_id).overdue = count
    return result
