"""Every foreign key has an index to find its rows by (issue 16, built for national size): pages and services
look rows up by their parent (a learner's entries, a locality's staff), and deleting a parent makes the database
look for the rows that point at it (to cascade, set null or refuse). A column counts as indexed when it is the
first column of an index, of a unique constraint or of the primary key. The few left out are listed below, each
with the reason; see docs/performance.md, "Indexes"."""

from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint

from virtualacademy.models.base import Base

#: Who did something: nothing is looked up by these, and accounts are never deleted (they are deactivated, and
#: erasure anonymises them in place), so no delete has to find the rows that point at one.
WHO_DID_IT = "a who-did-it column: never filtered on, and accounts are never deleted"

#: Subject areas are never deleted (they are made inactive), and every query reaches these rows from the goal or
#: the log entry, the first column of their primary key; an index on the log's tag table would cost every write.
SUBJECT_TAG = "a subject tag: reached from its goal or entry; subject areas are made inactive, never deleted"

NOT_INDEXED = {
    "application.decided_by_id": WHO_DID_IT,
    "application_message.author_id": WHO_DID_IT,
    "census_date.recorded_by_id": WHO_DID_IT,
    "achievement_narrative.author_id": WHO_DID_IT,
    "learning_plan.updated_by_id": WHO_DID_IT,
    "mentor_assignment.assigned_by_id": WHO_DID_IT,
    "progress_report.comment_by_id": WHO_DID_IT,
    "progress_report.published_by_id": WHO_DID_IT,
    "agreed_action.closed_by_id": WHO_DID_IT,
    "concern_entry.author_id": WHO_DID_IT,
    "exhibition_feedback.recorded_by_id": WHO_DID_IT,
    "plan_review.reviewed_by_id": WHO_DID_IT,
    "plan_version.changed_by_id": WHO_DID_IT,
    "transfer.created_by_id": WHO_DID_IT,
    "log_entry.corrected_by_id": WHO_DID_IT,
    "log_entry.created_by_id": WHO_DID_IT,
    "spend_request.requested_by_id": WHO_DID_IT,
    "spend_request.first_approver_id": WHO_DID_IT + " (the queue tests it beside the status, which is indexed)",
    "spend_request.second_approver_id": WHO_DID_IT,
    "spend_request.decided_by_id": WHO_DID_IT,
    "evidence.created_by_id": WHO_DID_IT,
    "evidence_comment.author_id": WHO_DID_IT,
    "goal_subject.subject_area_id": SUBJECT_TAG,
    "log_entry_subject.subject_area_id": SUBJECT_TAG,
}


def _leading_columns(table) -> set[str]:
    """The columns that come first in one of the table's indexes, unique constraints or its primary key."""
    found = {next(iter(index.columns)).name for index in table.indexes if index.columns}
    for constraint in table.constraints:
        if isinstance(constraint, (PrimaryKeyConstraint, UniqueConstraint)) and constraint.columns:
            found.add(next(iter(constraint.columns)).name)
    return found


def _unindexed_foreign_keys() -> set[str]:
    missing = set()
    for table in Base.metadata.sorted_tables:
        leading = _leading_columns(table)
        missing |= {f"{table.name}.{key.parent.name}" for key in table.foreign_keys if key.parent.name not in leading}
    return missing


def test_every_foreign_key_is_indexed_or_listed_with_its_reason():
    assert _unindexed_foreign_keys() == set(NOT_INDEXED)


def test_each_column_left_out_is_a_foreign_key_that_points_where_its_reason_says():
    targets = {
        f"{table.name}.{key.parent.name}": key.column.table.name
        for table in Base.metadata.sorted_tables
        for key in table.foreign_keys
    }
    for column, reason in NOT_INDEXED.items():
        assert targets[column] == ("user" if reason.startswith(WHO_DID_IT) else "subject_area"), column
