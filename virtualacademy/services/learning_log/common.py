"""What every part of the learning log shares: the edit window, the gap length, limits, and how minutes are
written."""

from __future__ import annotations

from datetime import date

#: An entry can be changed by the family (and mentor) until this many days after the day it is about.
EDIT_WINDOW_DAYS = 14
#: A learner with no logged learning for this many days is flagged to their mentor.
GAP_DAYS = 14
DESCRIPTION_MAX = 500
DAY_MINUTES = 24 * 60


# --- durations --------------------------------------------------------------------------------------


def duration(minutes: int) -> str:
    """``90`` -> ``1 hour 30 minutes``; ``45`` -> ``45 minutes``; ``0`` -> ``0 minutes``."""
    hours, rest = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def hours(minutes: int | float) -> str:
    """Minutes as hours to one decimal place, for tables: ``90`` -> ``1.5``."""
    return f"{minutes / 60:.1f}"


def _as_date(value) -> date | None:
    """Aggregates over a date column can come back as text on SQLite."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
