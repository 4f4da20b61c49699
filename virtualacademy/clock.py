"""The one clock: what time it is, today's date in London, and conversions to London time.

Every "now" and "today" in the product comes from here (times are stored in UTC and shown in Europe/London), so
that a test can set the clock and the product behaves the same whatever day the suite runs on.

``travel_to(instant)`` moves the clock so that it reads ``instant`` now and keeps ticking from there; ``reset()``
puts it back. A test run's scheduler subprocess shares its parent's clock through ``TEST_CLOCK_OFFSET_SECONDS``,
which is read only when ``APP_ENV`` is ``test``.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

#: How far the clock is moved from the machine's own (zero outside tests).
_offset = timedelta(0)

OFFSET_VARIABLE = "TEST_CLOCK_OFFSET_SECONDS"


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC) + _offset


def today(at: datetime | None = None) -> date:
    """The date in London now (or at ``at``)."""
    return london(at or now()).date()


def london(value: datetime) -> datetime:
    """``value`` in London time (a naive value is taken to be UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LONDON)


def london_midnight(day: date) -> datetime:
    """The start of ``day`` in London, as a UTC time."""
    return datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(UTC)


def long_date(value: date | datetime | None) -> str:
    """``2 March 2027``: a date, or the London date of a moment (empty for None). Pages (the ``long_date``
    filter), messages and PDFs all write dates this way."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value:%-d %B %Y}"


def local_datetime(value: datetime | None) -> str:
    """``2 March 2027 at 10:00am`` in London time (empty for None)."""
    if value is None:
        return ""
    return value.astimezone(LONDON).strftime("%-d %B %Y at %-I:%M%p").replace("AM", "am").replace("PM", "pm")


def travel_to(instant: datetime) -> timedelta:
    """Set the clock to read ``instant`` now (it keeps ticking). Returns the offset, for a subprocess to share."""
    global _offset
    if instant.tzinfo is None:
        raise ValueError("travel_to needs a timezone-aware time")
    _offset = instant - datetime.now(UTC)
    return _offset


def set_offset(offset: timedelta) -> None:
    global _offset
    _offset = offset


def offset() -> timedelta:
    return _offset


def reset() -> None:
    set_offset(timedelta(0))


def offset_from_environment() -> None:
    """In a test run's subprocess, take the parent's clock (see the module's docstring)."""
    value = os.environ.get(OFFSET_VARIABLE)
    if value and (os.environ.get("APP_ENV") or "").lower() == "test":
        set_offset(timedelta(seconds=float(value)))
