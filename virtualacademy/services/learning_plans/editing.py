"""Changing the plan: its text and its goals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from virtualacademy import clock
from virtualacademy.errors import ValidationError
from virtualacademy.models import Goal, GoalStatus, Learner, LearningPlan, PlanVersion, SubjectArea, User
from virtualacademy.services.learning_plans.access import _require, may_edit, writes_staff_notes
from virtualacademy.services.learning_plans.common import MAX_TITLE, STAFF_FIELDS, TEXT_FIELDS, UNCHANGED, _text
from virtualacademy.services.learning_plans.history import _locked_plan, _plan_for_change, _record_version, _theirs
from virtualacademy.services.learning_plans.subjects import subject_areas, subject_choices


def save_plan(
    actor: User,
    learner: Learner,
    *,
    interests: str | None,
    aspirations: str | None,
    strengths: str | None,
    support_needs: str | None,
    staff_notes: str | None = UNCHANGED,
    based_on: int | None = None,
    today: date | None = None,
) -> PlanVersion | None:
    """Save the plan's text. Returns the new version, or None if nothing changed.

    ``based_on`` is the version the user started from: a field someone else has changed since keeps their
    change if this user left it as it was, and is refused (with the field named) if both changed it.
    ``staff_notes`` is left alone unless given, and only the current mentor or an admin may give it.
    """
    _require(may_edit(actor, learner), "You cannot change this plan")
    if staff_notes is not UNCHANGED:
        _require(writes_staff_notes(actor, learner), "Only the learner's mentor or an admin can write staff notes")
    given = {"interests": interests, "aspirations": aspirations, "strengths": strengths, "support_needs": support_needs}
    labels = dict(TEXT_FIELDS)
    if staff_notes is not UNCHANGED:
        given["staff_notes"] = staff_notes
        labels.update(STAFF_FIELDS)
    values = {name: _text(value, labels[name], name) for name, value in given.items()}
    plan = _locked_plan(learner)
    if plan is None and not any(values.values()):
        return None  # an empty form saved before anything was written: no plan yet, and no version
    plan = _plan_for_change(learner, today or clock.today(), plan)
    keep = _theirs(plan, based_on, values)
    for name, value in values.items():
        if name not in keep:
            setattr(plan, name, value)
    return _record_version(actor, plan, "Plan edited")


@dataclass
class GoalInput:
    title: str | None
    success: str | None = None
    subject_ids: list[int] = field(default_factory=list)
    target_date: date | None = None
    status: GoalStatus = GoalStatus.NOT_STARTED

    @property
    def is_blank(self) -> bool:
        return not ((self.title or "").strip() or (self.success or "").strip() or self.subject_ids or self.target_date)


def _goal_values(values: GoalInput, allowed: list[SubjectArea], prefix: str = "") -> dict[str, Any]:
    """Checked values for a goal: a title and at least one subject area (from ``allowed``)."""
    title = " ".join((values.title or "").split())
    if not title:
        raise ValidationError("Enter the goal", field=f"{prefix}title")
    if len(title) > MAX_TITLE:
        raise ValidationError(f"The goal must be {MAX_TITLE} characters or fewer", field=f"{prefix}title")
    success = _text(values.success, "What success looks like", f"{prefix}success")
    if not values.subject_ids:
        raise ValidationError("Choose at least one subject area", field=f"{prefix}subjects")
    by_id = {s.id: s for s in allowed}
    if any(i not in by_id for i in values.subject_ids):
        raise ValidationError("Choose subject areas from the list", field=f"{prefix}subjects")
    subjects = [by_id[i] for i in dict.fromkeys(values.subject_ids)]
    subjects.sort(key=lambda s: (s.position, s.name))
    try:
        status = GoalStatus(values.status)
    except ValueError:
        raise ValidationError("Choose the goal's status", field=f"{prefix}status") from None
    return {
        "title": title,
        "success": success,
        "subjects": subjects,
        "target_date": values.target_date,
        "status": status,
    }


def _new_goal(plan: LearningPlan, checked: dict[str, Any]) -> Goal:
    goal = Goal(**checked)
    plan.goals.append(goal)
    return goal


def add_goal(actor: User, learner: Learner, values: GoalInput, today: date | None = None) -> Goal:
    """Add a goal to the learner's plan (starting the plan if there is none yet)."""
    _require(may_edit(actor, learner), "You cannot change this plan")
    checked = _goal_values(values, subject_areas())
    plan = _plan_for_change(learner, today or clock.today())
    goal = _new_goal(plan, checked)
    _record_version(actor, plan, f"Goal added: {checked['title']}")
    return goal


def update_goal(actor: User, goal: Goal, values: GoalInput, based_on: int | None = None) -> PlanVersion | None:
    """Change a goal. Returns the new version, or None if nothing changed."""
    plan = goal.plan
    _require(may_edit(actor, plan.learner), "You cannot change this plan")
    if goal.archived_at is not None:
        raise ValidationError("This goal has been archived, so it can no longer be changed")
    checked = _goal_values(values, subject_choices(goal))
    plan = _plan_for_change(plan.learner, clock.today())
    mine = {**checked, "subjects": [s.name for s in checked["subjects"]], "status": checked["status"].value}
    mine["target_date"] = checked["target_date"].isoformat() if checked["target_date"] else None
    keep = _theirs(plan, based_on, mine, goal_id=goal.id)
    for name, value in checked.items():
        if name not in keep:
            setattr(goal, name, value)
    return _record_version(actor, plan, f"Goal changed: {checked['title']}")


def archive_goal(actor: User, goal: Goal, now: datetime | None = None) -> PlanVersion | None:
    """Take a goal off the current plan. It stays in the history and in past reviews."""
    plan = goal.plan
    _require(may_edit(actor, plan.learner), "You cannot change this plan")
    if goal.archived_at is not None:
        raise ValidationError("This goal is already archived")
    plan = _plan_for_change(plan.learner, clock.today())
    goal.archived_at = now or clock.now()
    return _record_version(actor, plan, f"Goal archived: {goal.title}")
