"""Personal learning plans: the plan and its goals, the version history and the differences between versions,
plan reviews and their reminders, and the configurable list of subject areas.

Who may do what (registered as policy rules by ``virtualacademy/policies/learning_plans.py``):

* **See a plan** (``relations.SEES``): the learner themself, their guardians, their mentor (and for 30 days
  after a handover), the coordinator of their locality (read-only), and admins.
* **Edit it** (plan text and goals): the learner, their guardians, their current mentor, admins.
* **Staff notes**: seen by the mentor (current, or within 30 days of a handover) and admins; written by the
  current mentor and admins. Never shown to the family, nor to coordinators.
* **Review it** (and set the review schedule): the current mentor and admins.

Every change that alters the plan writes a :class:`PlanVersion` snapshot (plan text, review schedule and the
current goals), with who and when, in the same transaction. A save that changes nothing writes no version.

Services flush; the caller commits once. The package's modules, each importable from here:

- :mod:`.access`: who may edit, review and read the staff notes;
- :mod:`.subjects`: the subject areas;
- :mod:`.history`: the plan, its snapshots and versions, and the merge of concurrent edits;
- :mod:`.editing`: the plan's text and its goals;
- :mod:`.reviewing`: recording reviews, the review schedule, and reading a review;
- :mod:`.reminders`: the review-reminder job;
- :mod:`.sharing`: sharing a draft with the family;
- :mod:`.differences`: what changed between two versions;
- :mod:`.towards_exams`: learners whose goals name an exam (the exams officer's dashboard);
- :mod:`.privacy`: the data-protection section (registered when the package is imported);
- :mod:`.common`: what they share (limits, text fields, dates).
"""

from __future__ import annotations

from virtualacademy.services.learning_plans.access import (
    EDITS,
    READS_STAFF_NOTES,
    REVIEWS,
    may_edit,
    may_review,
    sees_staff_notes,
    writes_staff_notes,
)
from virtualacademy.services.learning_plans.common import (
    DEFAULT_REVIEW_WEEKS,
    MAX_REVIEW_WEEKS,
    MAX_SUBJECT_NAME,
    MAX_TEXT,
    MAX_TITLE,
    MIN_REVIEW_WEEKS,
    REMINDER_DAYS,
    STAFF_FIELDS,
    TEXT_FIELDS,
    UNCHANGED,
    long_date,
)
from virtualacademy.services.learning_plans.differences import (
    FieldChange,
    GoalChange,
    Segment,
    VersionDiff,
    compare,
    diff_version,
    word_diff,
)
from virtualacademy.services.learning_plans.editing import (
    GoalInput,
    add_goal,
    archive_goal,
    save_plan,
    update_goal,
)
from virtualacademy.services.learning_plans.history import (
    CONFLICT_MESSAGE,
    NOTE_KEYS,
    archived_goals,
    current_goals,
    plan_of,
    snapshot,
    version,
    versions,
)
from virtualacademy.services.learning_plans.privacy import (
    erase_section,
    export_section,
)
from virtualacademy.services.learning_plans.reminders import (
    ReviewReminderReport,
    reminder_time,
    send_review_reminders,
)
from virtualacademy.services.learning_plans.reviewing import (
    GoalReviewInput,
    ReviewDetail,
    ReviewDue,
    ReviewItem,
    changed_by_names,
    last_review,
    plan_of_review,
    record_review,
    review_dates,
    review_detail,
    reviewers,
    reviews,
    set_review_schedule,
)
from virtualacademy.services.learning_plans.sharing import (
    MAX_SHARE_MESSAGE,
    share_with_family,
)
from virtualacademy.services.learning_plans.subjects import (
    save_subject_area,
    subject_areas,
    subject_choices,
)
from virtualacademy.services.learning_plans.towards_exams import (
    EXAM_WORDS,
    ExamGoal,
    exam_goals,
)

__all__ = [
    "CONFLICT_MESSAGE",
    "DEFAULT_REVIEW_WEEKS",
    "EDITS",
    "EXAM_WORDS",
    "MAX_REVIEW_WEEKS",
    "MAX_SHARE_MESSAGE",
    "MAX_SUBJECT_NAME",
    "MAX_TEXT",
    "MAX_TITLE",
    "MIN_REVIEW_WEEKS",
    "NOTE_KEYS",
    "READS_STAFF_NOTES",
    "REMINDER_DAYS",
    "REVIEWS",
    "STAFF_FIELDS",
    "TEXT_FIELDS",
    "UNCHANGED",
    "add_goal",
    "archive_goal",
    "archived_goals",
    "changed_by_names",
    "compare",
    "current_goals",
    "diff_version",
    "erase_section",
    "exam_goals",
    "export_section",
    "last_review",
    "long_date",
    "may_edit",
    "may_review",
    "plan_of",
    "plan_of_review",
    "record_review",
    "reminder_time",
    "review_dates",
    "review_detail",
    "reviewers",
    "reviews",
    "save_plan",
    "save_subject_area",
    "sees_staff_notes",
    "send_review_reminders",
    "set_review_schedule",
    "share_with_family",
    "snapshot",
    "subject_areas",
    "subject_choices",
    "update_goal",
    "version",
    "versions",
    "word_diff",
    "writes_staff_notes",
    "ExamGoal",
    "FieldChange",
    "GoalChange",
    "GoalInput",
    "GoalReviewInput",
    "ReviewDetail",
    "ReviewDue",
    "ReviewItem",
    "ReviewReminderReport",
    "Segment",
    "VersionDiff",
]
