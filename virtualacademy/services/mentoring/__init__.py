"""Mentoring: caseloads, contact cadence, check-ins and agreed actions, other adults,
and the reminders and escalations the scheduler sends.

The package's modules, each importable from here: :mod:`.relations` (a learner's mentor, and who arranges and writes their mentoring),
:mod:`.cadence`, :mod:`.assignments` (caseloads and assigning a mentor), :mod:`.adults` (other adults),
:mod:`.check_ins`, :mod:`.contact` (when check-ins are due; a mentor's caseload), :mod:`.reminders` (the
scheduler's job), :mod:`.punctuality` (each contact's days late and each learner's next due day, kept in step) and
:mod:`.variation` (contact figures per locality or mentor, counted in the database).
"""

from __future__ import annotations

from virtualacademy.models import SupportLevel
from virtualacademy.models.mentoring import DEFAULT_CASELOAD_LIMIT
from virtualacademy.services.mentoring.adults import add_other_adult, other_adults
from virtualacademy.services.mentoring.assignments import (
    MENTOR_CHOICES,
    MENTORS_PER_PAGE,
    MentorOption,
    MentorSummary,
    assign,
    caseload_limit,
    caseload_sizes,
    caseloads_and_limits,
    mentor_options,
    mentor_summaries,
    set_caseload_limit,
    summaries_of,
    unassigned_learners,
)
from virtualacademy.services.mentoring.cadence import (
    DEFAULT_CADENCE,
    cadence_days,
    cadence_defaults,
    set_cadence_defaults,
    set_support,
    support_of,
)
from virtualacademy.services.mentoring.check_ins import (
    ActionInput,
    chronology,
    close_action,
    last_wellbeing,
    open_actions,
    record_check_in,
)
from virtualacademy.services.mentoring.contact import (
    CONTACT_STATUS_LABELS,
    DUE_SOON_DAYS,
    LONDON,
    STATUS_ORDER,
    CaseloadRow,
    ContactState,
    ContactStatus,
    caseload,
    contact_states,
    family_contact_summary,
)
from virtualacademy.services.mentoring.punctuality import refresh_contact, refresh_stale
from virtualacademy.services.mentoring.relations import (
    HANDOVER_READ_DAYS,
    MANAGES,
    READS,
    WRITES,
    current_assignment,
    current_mentor,
    current_mentor_names,
)
from virtualacademy.services.mentoring.reminders import ReminderReport, send_reminders
from virtualacademy.services.mentoring.variation import (
    NO_CONTACT_DAYS,
    ContactFigures,
    contact_figures,
    current_mentor_join,
    no_contact_cutoff,
    rebuild_contact_summary,
    without_contact,
    without_contact_filter,
)

__all__ = [
    "ActionInput",
    "CONTACT_STATUS_LABELS",
    "CaseloadRow",
    "ContactState",
    "ContactStatus",
    "DEFAULT_CADENCE",
    "DEFAULT_CASELOAD_LIMIT",
    "DUE_SOON_DAYS",
    "HANDOVER_READ_DAYS",
    "LONDON",
    "MANAGES",
    "MENTOR_CHOICES",
    "MENTORS_PER_PAGE",
    "MentorOption",
    "MentorSummary",
    "NO_CONTACT_DAYS",
    "READS",
    "ReminderReport",
    "STATUS_ORDER",
    "SupportLevel",
    "ContactFigures",
    "WRITES",
    "add_other_adult",
    "assign",
    "cadence_days",
    "cadence_defaults",
    "caseload",
    "caseload_limit",
    "caseload_sizes",
    "caseloads_and_limits",
    "chronology",
    "close_action",
    "contact_states",
    "current_assignment",
    "current_mentor",
    "current_mentor_names",
    "family_contact_summary",
    "last_wellbeing",
    "mentor_options",
    "mentor_summaries",
    "no_contact_cutoff",
    "open_actions",
    "other_adults",
    "record_check_in",
    "send_reminders",
    "set_cadence_defaults",
    "set_caseload_limit",
    "set_support",
    "summaries_of",
    "support_of",
    "unassigned_learners",
    "contact_figures",
    "current_mentor_join",
    "rebuild_contact_summary",
    "refresh_contact",
    "refresh_stale",
    "without_contact_filter",
    "without_contact",
]
