"""Small helpers shared by the exam services: who counts as exams staff, text and dates as the rules need them."""

from __future__ import annotations

from virtualacademy.clock import long_date
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.models import Learner, Role, User
from virtualacademy.money import pounds_text as pounds
from virtualacademy.services.families.checks import age_on

__all__ = ["age_on", "clean_text", "is_exams_staff", "long_date", "pounds", "require_exams_staff", "whole_pence", "who"]


def is_exams_staff(user: User | None) -> bool:
    """The exams officer or an admin: they run series, centres, entries and access arrangements."""
    return bool(user is not None and user.is_active and user.has_role(Role.EXAMS_OFFICER, Role.ADMIN))


def require_exams_staff(user: User | None, doing: str) -> None:
    if not is_exams_staff(user):
        raise NotAllowed(f"Only the exams officer or an admin can {doing}")


def clean_text(value: str | None, field: str, missing: str | None, limit: int) -> str | None:
    """Trimmed text; ``missing`` is the message when it is required and empty (None: optional)."""
    text = (value or "").strip()
    if not text:
        if missing:
            raise ValidationError(missing, field=field)
        return None
    if len(text) > limit:
        raise ValidationError(f"Use {limit} characters or fewer", field=field)
    return text


def whole_pence(value: int, field: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"{what} must be a whole number of pence, £0 or more", field=field)
    if value > 100_000_000:
        raise ValidationError(f"{what} is too large", field=field)
    return value


def who(learner: Learner) -> str:
    """The name messages use for a learner (the one they go by)."""
    return learner.known_as
