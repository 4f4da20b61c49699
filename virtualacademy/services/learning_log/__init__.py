"""The learning log: what learning happened, when and for how long; attendance in learning counted from it;
and the learners who have gone quiet.

*Who*: anyone who may see a learner may read their log (``relations.SEES``: the learner, their guardians, their
mentor, a mentor for 30 days after handing over, their locality's coordinator, admins). The learner, their guardians and their
current mentor (and admins) may write it. An entry may be changed or deleted for :data:`EDIT_WINDOW_DAYS`
days after the day it is about; after that it is locked, and only the current mentor (or an admin) may correct
it: the correction is recorded on the entry (``corrected_by``/``corrected_at``) and in the audit log. Logging
learning older than the window is a correction too.

*Attendance in learning* for a week (Monday to Sunday) is the number of distinct days with logged learning and
the minutes logged. A term's weeks are clipped to the term (its first and last weeks may be part-weeks). Terms
are fixed: autumn 1 September to 31 December, spring 1 January to 31 March, summer 1 April to 31 August.

*Gaps*: a learner on roll has a gap when :data:`GAP_DAYS` days have passed since the last day with logged
learning (or, if nothing has been logged since they were enrolled, since their enrolment started). The daily
``learning-gaps`` job tells their current mentor once per gap (and per mentor).

Services flush; the caller commits once. The package's modules, each importable from here:

- :mod:`.access`: who may write and correct the log;
- :mod:`.entries`: adding, changing and deleting entries, and the edit window;
- :mod:`.week_view`: one week of a learner's log;
- :mod:`.attendance`: attendance in learning by week and term;
- :mod:`.last_logged`: ``Learner.last_logged_on`` kept in step with the log (session events, registered when the
  package is imported);
- :mod:`.learning_gaps`: learners who have gone quiet, and the ``learning-gaps`` job;
- :mod:`.breakdowns`: hours by subject area and activity type;
- :mod:`.privacy`: the data-protection section (registered when the package is imported);
- :mod:`.common`: what they share (the edit window, limits, durations).
"""

from __future__ import annotations

from virtualacademy.services.learning_log.access import (
    CORRECTS,
    WRITES,
    may_correct,
    may_write,
)
from virtualacademy.services.learning_log.attendance import (
    Season,
    Term,
    TermAttendance,
    WeekAttendance,
    term_attendance,
    term_from_key,
    term_of,
    weekly_attendance,
)
from virtualacademy.services.learning_log.breakdowns import (
    Breakdown,
    hours_by_activity,
    hours_by_subject,
)
from virtualacademy.services.learning_log.common import (
    DAY_MINUTES,
    DESCRIPTION_MAX,
    EDIT_WINDOW_DAYS,
    GAP_DAYS,
    duration,
    hours,
)
from virtualacademy.services.learning_log.entries import (
    LogInput,
    active_subjects,
    add_attended,
    add_entry,
    current_goals,
    delete_entry,
    editable_until,
    is_locked,
    may_edit,
    may_edit_each,
    may_log_on,
    minutes_logged_on,
    remove_attended,
    update_entry,
)
from virtualacademy.services.learning_log.last_logged import (
    last_logged_on_column,
    refresh_last_logged,
)
from virtualacademy.services.learning_log.learning_gaps import (
    Gap,
    GapReport,
    flag_gaps,
    gap_of,
    gaps,
)
from virtualacademy.services.learning_log.privacy import (
    FAMILY,
    STAFF,
    erase_section,
    export_section,
)
from virtualacademy.services.learning_log.week_view import (
    Day,
    Week,
    entries_between,
    evidence_counts,
    monday_of,
    week,
)

__all__ = [
    "CORRECTS",
    "DAY_MINUTES",
    "DESCRIPTION_MAX",
    "EDIT_WINDOW_DAYS",
    "FAMILY",
    "GAP_DAYS",
    "STAFF",
    "WRITES",
    "active_subjects",
    "add_attended",
    "add_entry",
    "current_goals",
    "delete_entry",
    "remove_attended",
    "duration",
    "editable_until",
    "entries_between",
    "erase_section",
    "evidence_counts",
    "export_section",
    "flag_gaps",
    "gap_of",
    "gaps",
    "hours",
    "hours_by_activity",
    "hours_by_subject",
    "is_locked",
    "last_logged_on_column",
    "may_correct",
    "may_edit",
    "may_edit_each",
    "may_log_on",
    "may_write",
    "minutes_logged_on",
    "monday_of",
    "refresh_last_logged",
    "term_attendance",
    "term_from_key",
    "term_of",
    "update_entry",
    "week",
    "weekly_attendance",
    "Breakdown",
    "Day",
    "Gap",
    "GapReport",
    "LogInput",
    "Season",
    "Term",
    "TermAttendance",
    "Week",
    "WeekAttendance",
]
