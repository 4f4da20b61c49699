"""Differences between versions: word by word for free text, field by field for goals and the review schedule."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from virtualacademy.models import GoalStatus, LearningPlan, PlanVersion
from virtualacademy.models.learning import GOAL_STATUS_LABELS
from virtualacademy.services.learning_plans.common import STAFF_FIELDS, TEXT_FIELDS, long_date
from virtualacademy.services.learning_plans.history import version

# --- differences between versions -------------------------------------------------------------------

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass
class Segment:
    """A run of text in a difference: ``kind`` is "same", "added" or "removed"."""

    kind: str
    text: str


def word_diff(before: str | None, after: str | None) -> list[Segment]:
    """The words removed from ``before`` and added in ``after`` (difflib over words and spaces)."""
    a, b = _TOKENS.findall(before or ""), _TOKENS.findall(after or "")
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("same", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("removed", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(Segment("added", "".join(b[j1:j2])))
    return segments


@dataclass
class FieldChange:
    label: str
    before: str
    after: str
    #: For free text: the word-by-word difference.
    segments: list[Segment] | None = None
    #: "value" (before and after), or "set" (``before`` lists what was taken out, ``after`` what was put in).
    kind: str = "value"


@dataclass
class GoalChange:
    kind: str  # "added", "removed" or "changed"
    title: str
    changes: list[FieldChange] = field(default_factory=list)
    #: For an added goal: its details.
    details: list[FieldChange] = field(default_factory=list)


@dataclass
class VersionDiff:
    version: PlanVersion
    previous: PlanVersion | None
    text: list[FieldChange]
    schedule: list[FieldChange]
    goals: list[GoalChange]

    @property
    def change(self) -> str:
        return self.version.snapshot.get("change") or "Plan changed"

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.schedule or self.goals)


def _iso(value: str | None) -> str:
    return long_date(date.fromisoformat(value)) if value else "Not set"


def _goal_fields(goal: dict[str, Any]) -> list[FieldChange]:
    return [
        FieldChange("What success looks like", "", goal.get("success") or "Not written yet"),
        FieldChange("Subject areas", "", ", ".join(goal.get("subjects", []))),
        FieldChange("Target date", "", _iso(goal.get("target_date"))),
        FieldChange("Status", "", GOAL_STATUS_LABELS[GoalStatus(goal["status"])]),
    ]


def _goal_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    changes = []
    if old["title"] != new["title"]:
        changes.append(FieldChange("Goal", old["title"], new["title"], word_diff(old["title"], new["title"])))
    if (old.get("success") or "") != (new.get("success") or ""):
        changes.append(
            FieldChange(
                "What success looks like",
                old.get("success") or "",
                new.get("success") or "",
                word_diff(old.get("success"), new.get("success")),
            )
        )
    if old.get("subjects", []) != new.get("subjects", []):
        gone = [s for s in old.get("subjects", []) if s not in new.get("subjects", [])]
        came = [s for s in new.get("subjects", []) if s not in old.get("subjects", [])]
        changes.append(FieldChange("Subject areas", ", ".join(gone) or "none", ", ".join(came) or "none", kind="set"))
    if old.get("target_date") != new.get("target_date"):
        changes.append(FieldChange("Target date", _iso(old.get("target_date")), _iso(new.get("target_date"))))
    if old["status"] != new["status"]:
        changes.append(
            FieldChange(
                "Status",
                GOAL_STATUS_LABELS[GoalStatus(old["status"])],
                GOAL_STATUS_LABELS[GoalStatus(new["status"])],
            )
        )
    return changes


def compare(before: dict[str, Any] | None, after: dict[str, Any], *, include_staff: bool) -> dict[str, list]:
    """What changed from snapshot ``before`` (None: an empty plan) to ``after``."""
    before = before or {"goals": []}
    fields = {**TEXT_FIELDS, **(STAFF_FIELDS if include_staff else {})}
    text = [
        FieldChange(label, before.get(name) or "", after.get(name) or "", word_diff(before.get(name), after.get(name)))
        for name, label in fields.items()
        if (before.get(name) or "") != (after.get(name) or "")
    ]
    schedule = []
    if before.get("review_every_weeks") != after.get("review_every_weeks"):
        schedule.append(
            FieldChange(
                "Reviewed every",
                f"{before['review_every_weeks']} weeks" if before.get("review_every_weeks") else "Not set",
                f"{after['review_every_weeks']} weeks" if after.get("review_every_weeks") else "Not set",
            )
        )
    if before.get("next_review_on") != after.get("next_review_on"):
        schedule.append(
            FieldChange("Next review", _iso(before.get("next_review_on")), _iso(after.get("next_review_on")))
        )
    old_goals = {g["id"]: g for g in before.get("goals", [])}
    new_goals = {g["id"]: g for g in after.get("goals", [])}
    goals = []
    for goal_id, goal in new_goals.items():
        if goal_id not in old_goals:
            goals.append(GoalChange("added", goal["title"], details=_goal_fields(goal)))
        else:
            changes = _goal_changes(old_goals[goal_id], goal)
            if changes:
                goals.append(GoalChange("changed", goal["title"], changes=changes))
    for goal_id, goal in old_goals.items():
        if goal_id not in new_goals:
            goals.append(GoalChange("removed", goal["title"]))
    return {"text": text, "schedule": schedule, "goals": goals}


def diff_version(plan: LearningPlan, number: int, *, include_staff: bool) -> VersionDiff | None:
    """Version ``number`` against the one before it (the first against an empty plan); None if there is none.
    Staff notes are compared only if ``include_staff``."""
    current = version(plan, number)
    if current is None:
        return None
    previous = version(plan, number - 1) if number > 1 else None
    parts = compare(previous.snapshot if previous else None, current.snapshot, include_staff=include_staff)
    return VersionDiff(current, previous, **parts)
