"""The configurable list of subject areas a goal is tagged with."""

from __future__ import annotations

from sqlalchemy import func, select

from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Goal, SubjectArea, User
from virtualacademy.services import audit
from virtualacademy.services.learning_plans.access import _is_admin, _require
from virtualacademy.services.learning_plans.common import MAX_SUBJECT_NAME

# --- subject areas --------------------------------------------------------------------------------


def subject_areas(include_retired: bool = False) -> list[SubjectArea]:
    stmt = select(SubjectArea).order_by(SubjectArea.position, SubjectArea.name)
    if not include_retired:
        stmt = stmt.where(SubjectArea.active.is_(True))
    return list(db.session.scalars(stmt))


def subject_choices(goal: Goal | None = None) -> list[SubjectArea]:
    """The subject areas a goal may be tagged with: the active ones, plus any retired one it already has."""
    areas = subject_areas()
    if goal is not None:
        areas += [s for s in goal.subjects if not s.active]
    return areas


def save_subject_area(
    actor: User, area: SubjectArea | None, name: str, position: int | None = None, active: bool = True
) -> SubjectArea:
    """Add a subject area (``area`` None) or rename, move or retire one. Goals keep a retired area."""
    _require(_is_admin(actor), "Only an admin can change the subject areas")
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("Enter the subject area's name", field="name")
    if len(name) > MAX_SUBJECT_NAME:
        raise ValidationError(f"The name must be {MAX_SUBJECT_NAME} characters or fewer", field="name")
    clash = db.session.scalar(select(SubjectArea).where(func.lower(SubjectArea.name) == name.lower()))
    if clash is not None and clash is not area:
        raise ValidationError(f"There is already a subject area called {clash.name}", field="name")
    if position is not None and not 0 <= position <= 999:
        raise ValidationError("The position must be a number from 0 to 999", field="position")
    if area is None:
        if position is None:
            position = (db.session.scalar(select(func.max(SubjectArea.position))) or 0) + 1
        area = SubjectArea(name=name, position=position, active=active)
        db.session.add(area)
        action = "learning.subject_area_added"
    else:
        area.name, area.active = name, active
        if position is not None:
            area.position = position
        action = "learning.subject_area_changed"
    db.session.flush()
    audit.record(action, actor=actor, obj=area, detail={"name": name, "active": active})
    return area
