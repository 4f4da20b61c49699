"""What every part of learning plans shares: the review interval and reminder window, the plan's text
fields and their limits, and how dates and free text are written."""

from __future__ import annotations

from typing import Any

from virtualacademy.clock import long_date  # noqa: F401  (re-exported: the plan services write dates with it)
from virtualacademy.errors import ValidationError

#: A review every this many weeks unless the mentor sets another interval for the learner.
DEFAULT_REVIEW_WEEKS = 6
MIN_REVIEW_WEEKS, MAX_REVIEW_WEEKS = 1, 26
#: The family and mentor are reminded this many days before a review is due.
REMINDER_DAYS = 7
#: The plan's shared text, in the order it is shown, with its label.
TEXT_FIELDS = {
    "interests": "Interests and passions",
    "aspirations": "Aspirations",
    "strengths": "Strengths",
    "support_needs": "Support needs and adjustments",
}
#: Staff only: never shown to the family or coordinators.
STAFF_FIELDS = {"staff_notes": "Staff notes"}
MAX_TEXT = 4000
MAX_TITLE = 300
MAX_SUBJECT_NAME = 80
#: Stands for "leave the staff notes as they are" (the family's forms do not carry them).
UNCHANGED: Any = object()


def _text(value: str | None, label: str, field_name: str, limit: int = MAX_TEXT) -> str | None:
    value = (value or "").strip().replace("\r\n", "\n")
    if len(value) > limit:
        raise ValidationError(f"{label} must be {limit} characters or fewer", field=field_name)
    return value or None
