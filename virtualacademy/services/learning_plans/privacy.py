"""Data protection: plans in the subject-access export and in erasure (registered as the ``learning_plans``
section)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from virtualacademy.extensions import db
from virtualacademy.models import AuditEvent, LearningPlan
from virtualacademy.services import data_protection
from virtualacademy.services.data_protection import ERASED
from virtualacademy.services.learning_plans.common import STAFF_FIELDS, TEXT_FIELDS
from virtualacademy.services.learning_plans.history import versions
from virtualacademy.services.learning_plans.reviewing import reviews

# --- data protection: plans in the subject-access export and in erasure ---------------------------------------

#: What stays of a version's change note once erased: its kind ("Goal added: Fractions" -> "Goal added").
_CHANGE_KINDS = ("Goal added", "Goal changed", "Goal archived")


def _erased_change(change: str | None) -> str | None:
    for kind in _CHANGE_KINDS:
        if change and change.startswith(kind + ":"):
            return f"{kind}: {ERASED}"
    return change


def _erased_snapshot(snap: dict[str, Any]) -> dict[str, Any]:
    """The same shape with the words gone: text fields and goal titles erased; dates, statuses, subject areas and
    the review schedule kept."""
    out = dict(snap)
    for name in (*TEXT_FIELDS, *STAFF_FIELDS):
        if out.get(name):
            out[name] = ERASED
    out["goals"] = [{**g, "title": ERASED, "success": None} for g in snap.get("goals", [])]
    if "change" in out:
        out["change"] = _erased_change(out["change"])
    return out


def export_section(subject: data_protection.Subject) -> list[dict[str, Any]]:
    """Each child's plan (staff notes included: a subject access request covers opinions recorded about the
    child; whoever sends the export withholds anything an exemption covers), its goals, every version and every
    review. Staff are named only as "academy staff"."""
    rows: list[dict[str, Any]] = []
    family_users = subject.user_ids
    for plan in db.session.scalars(
        select(LearningPlan).where(LearningPlan.learner_id.in_([lr.id for lr in subject.learners]))
    ):
        rows.append({"record": "learning plan", **data_protection.record(plan, exclude={"updated_by_id"})})
        for g in plan.goals:
            rows.append({"record": "goal", **data_protection.record(g), "subjects": [s.name for s in g.subjects]})
        for v in versions(plan):
            rows.append(
                {
                    "record": "plan version",
                    **data_protection.record(v, exclude={"changed_by_id"}),
                    "changed_by": "family member" if v.changed_by_id in family_users else "academy staff",
                }
            )
        for r in reviews(plan):
            rows.append({"record": "plan review", **data_protection.record(r, exclude={"reviewed_by_id"})})
            for gr in r.goal_reviews:
                rows.append({"record": "goal review", **data_protection.record(gr)})
    return rows


def erase_section(subject: data_protection.Subject) -> int:
    """Free text goes (plan text, staff notes, goal titles and success criteria, review summaries, progress and
    next steps, and the same inside every version); dates, statuses, subject areas and the review schedule stay:
    they identify nobody and feed the statistics."""
    changed = 0
    plans = list(
        db.session.scalars(select(LearningPlan).where(LearningPlan.learner_id.in_([lr.id for lr in subject.learners])))
    )
    for plan in plans:
        for name in (*TEXT_FIELDS, *STAFF_FIELDS):
            if getattr(plan, name) not in (None, ERASED):
                setattr(plan, name, ERASED)
                changed += 1
        for g in plan.goals:
            if g.title != ERASED or g.success:
                g.title, g.success = ERASED, None
                changed += 1
        for v in versions(plan):
            erased = _erased_snapshot(v.snapshot)
            if erased != v.snapshot:
                v.snapshot = erased
                changed += 1
        for r in reviews(plan):
            if r.summary:
                r.summary = None
                changed += 1
            for gr in r.goal_reviews:
                if gr.progress or gr.next_steps:
                    gr.progress = gr.next_steps = None
                    changed += 1
    # The audit log's "plan changed" events name the goal in their change note.
    for event in db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "learning.plan_changed",
            AuditEvent.object_type == "Learner",
            AuditEvent.object_id.in_([str(lr.id) for lr in subject.learners]),
        )
    ):
        change = (event.detail or {}).get("change")
        if _erased_change(change) != change:
            event.detail = {**event.detail, "change": _erased_change(change)}
            changed += 1
    return changed


data_protection.register(
    data_protection.Section("learning_plans", "Learning plans and reviews", export_section, erase_section)
)
