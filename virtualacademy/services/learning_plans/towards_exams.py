"""Learners working towards exams, found from their goals (the exams officer's dashboard)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from virtualacademy.extensions import db
from virtualacademy.models import Enrolment, Goal, GoalStatus, Learner, LearningPlan
from virtualacademy.services.localities import on_roll_filter

# --- learners working towards exams (the exams officer's dashboard) --------------------------------------

#: Words in a current goal's title or success criteria that mean the learner is working towards a public exam or
#: qualification. Until exam entries exist, these goals are how the exams officer finds learners to talk to.
EXAM_WORDS = ("exam", "gcse", "a level", "a-level", "qualification", "functional skills", "btec", "entry level")


@dataclass
class ExamGoal:
    learner: Learner
    title: str
    target_date: date | None


def exam_goals(today: date, limit: int = 20) -> tuple[int, list[ExamGoal]]:
    """Learners on roll with a current, unfinished goal that mentions an exam or qualification: how many, and the
    first ``limit`` goals, soonest target date first (one statement each, however many learners there are)."""
    text = func.lower(func.coalesce(Goal.title, "") + " " + func.coalesce(Goal.success, ""))
    goals = (
        select(Goal.id, Goal.title, Goal.target_date, LearningPlan.learner_id)
        .join(LearningPlan, LearningPlan.id == Goal.plan_id)
        .where(
            Goal.archived_at.is_(None),
            Goal.status != GoalStatus.ACHIEVED,
            or_(*(text.like(f"%{word}%") for word in EXAM_WORDS)),
            LearningPlan.learner_id.in_(select(Enrolment.learner_id).where(on_roll_filter(today))),
        )
    )
    count = db.session.scalar(select(func.count(func.distinct(goals.subquery().c.learner_id))))
    rows = db.session.execute(
        goals.add_columns(Learner)
        .join(Learner, Learner.id == LearningPlan.learner_id)
        .order_by(Goal.target_date.is_(None), Goal.target_date, Learner.legal_name, Goal.id)
        .limit(limit)
    ).all()
    return count, [ExamGoal(row.Learner, row.title, row.target_date) for row in rows]
