"""The plan and its version history: snapshots, writing the next version when something changed, and the
three-way merge that keeps another user's change (or refuses a clash)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Goal, Learner, LearningPlan, PlanVersion, User
from virtualacademy.services import audit
from virtualacademy.services.learning_plans.common import DEFAULT_REVIEW_WEEKS, STAFF_FIELDS, TEXT_FIELDS

# --- the plan and its versions --------------------------------------------------------------------


def plan_of(learner: Learner, *, with_goals: bool = False) -> LearningPlan | None:
    """The learner's plan; ``with_goals``: with its goals and their subject areas read at once (for a page)."""
    query = select(LearningPlan).where(LearningPlan.learner_id == learner.id)
    if with_goals:
        query = query.options(selectinload(LearningPlan.goals).selectinload(Goal.subjects))
    return db.session.scalar(query)


def current_goals(plan: LearningPlan | None) -> list[Goal]:
    return [g for g in plan.goals if g.archived_at is None] if plan else []


def archived_goals(plan: LearningPlan | None) -> list[Goal]:
    return [g for g in plan.goals if g.archived_at is not None] if plan else []


def _locked_plan(learner: Learner) -> LearningPlan | None:
    """The learner's plan, locked for the rest of the transaction (so two saves queue rather than both take
    the same version number), freshly read."""
    return db.session.scalar(
        select(LearningPlan)
        .where(LearningPlan.learner_id == learner.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _plan_for_change(learner: Learner, today: date, plan: LearningPlan | None = None) -> LearningPlan:
    """``plan`` or the learner's (locked) plan, or a new one: version 0 until its first version is written, its
    first review due one interval from today."""
    plan = plan or _locked_plan(learner)
    if plan is not None:
        return plan
    plan = LearningPlan(
        learner_id=learner.id,
        version=0,
        review_every_weeks=DEFAULT_REVIEW_WEEKS,
        next_review_on=today + timedelta(weeks=DEFAULT_REVIEW_WEEKS),
    )
    try:
        with db.session.begin_nested():
            db.session.add(plan)
    except IntegrityError:  # someone else wrote the first version at the same moment: use theirs
        plan = _locked_plan(learner)
    return plan


def _goal_snapshot(goal: Goal) -> dict[str, Any]:
    return {
        "id": goal.id,
        "title": goal.title,
        "success": goal.success,
        "subjects": [s.name for s in goal.subjects],
        "target_date": goal.target_date.isoformat() if goal.target_date else None,
        "status": goal.status.value,
    }


def snapshot(plan: LearningPlan) -> dict[str, Any]:
    """The plan as it stands: its text, review schedule and current goals (archived ones are left out)."""
    return {
        **{name: getattr(plan, name) for name in (*TEXT_FIELDS, *STAFF_FIELDS)},
        "review_every_weeks": plan.review_every_weeks,
        "next_review_on": plan.next_review_on.isoformat() if plan.next_review_on else None,
        "goals": [_goal_snapshot(g) for g in current_goals(plan)],
    }


#: Keys a version's snapshot carries about the change itself rather than the plan.
NOTE_KEYS = frozenset({"change", "review"})


def _without_note(snap: dict[str, Any] | None) -> dict[str, Any] | None:
    return {k: v for k, v in snap.items() if k not in NOTE_KEYS} if snap is not None else None


def version(plan: LearningPlan, number: int) -> PlanVersion | None:
    return db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.version == number))


def _record_version(
    actor: User, plan: LearningPlan, change: str, review: dict[str, Any] | None = None
) -> PlanVersion | None:
    """Write the next version if the plan differs from its last one; None if nothing changed. ``change`` says
    what was done; ``review`` (its id and the goals it agreed) marks the version a review wrote."""
    db.session.flush()
    db.session.refresh(plan, ["goals"])
    snap = snapshot(plan)
    last = version(plan, plan.version) if plan.version else None
    if last is not None and _without_note(last.snapshot) == snap:
        return None
    plan.version += 1
    plan.updated_by_id = actor.id
    note = {"change": change, **({"review": review} if review else {})}
    row = PlanVersion(plan_id=plan.id, version=plan.version, snapshot={**snap, **note}, changed_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(
        "learning.plan_changed",
        actor=actor,
        obj=plan.learner,
        detail={"plan": plan.id, "version": plan.version, "change": change},
    )
    return row


CONFLICT_MESSAGE = (
    "Someone else changed this while you were editing. Check the plan, or save again to replace their version"
)


def _theirs(plan: LearningPlan, based_on: int | None, mine: dict[str, Any], goal_id: int | None = None) -> set[str]:
    """A three-way merge of ``mine`` (the fields as this user saves them) with changes others made since version
    ``based_on`` (what the user started from). Returns the fields to leave as they now are: those the user did
    not change but someone else did. A field both changed, differently, is refused (with its name), so nobody's
    change is silently lost. Fields are the plan's, or one goal's when ``goal_id`` is given."""
    if based_on is None or plan.version == based_on:
        return set()
    if based_on == 0:
        base = {"goals": []}  # the user started from an empty plan
    else:
        then = version(plan, based_on)
        if then is None:
            return set()
        base = then.snapshot

    def values(snap: dict[str, Any]) -> dict[str, Any]:
        if goal_id is None:
            return snap
        return next((g for g in snap.get("goals", []) if g["id"] == goal_id), {})

    before, now = values(base), values(snapshot(plan))
    keep = set()
    for name, value in mine.items():
        if before.get(name) == now.get(name):
            continue  # nobody else changed it
        if value == before.get(name):
            keep.add(name)  # only they changed it: keep theirs
        elif value != now.get(name):
            raise ValidationError(CONFLICT_MESSAGE, field=name)
    return keep


def versions(plan: LearningPlan | None) -> list[PlanVersion]:
    """Newest first."""
    if plan is None:
        return []
    return list(
        db.session.scalars(
            select(PlanVersion).where(PlanVersion.plan_id == plan.id).order_by(PlanVersion.version.desc())
        )
    )
