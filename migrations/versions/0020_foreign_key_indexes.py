"""Indexes on the foreign keys that pages, services and deletes look rows up by

Revision ID: 0020_foreign_key_indexes
Revises: 0019_learner_name_index
Create Date: 2026-12-03 17:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020_foreign_key_indexes'
down_revision = '0019_learner_name_index'
branch_labels = None
depends_on = None

#: Each table and the foreign-key columns indexed, one index each (named ``ix_<table>_<column>``).
INDEXES = {
    'application': ['locality_id', 'user_id', 'family_id'],
    'enrolment': ['application_id'],
    'locality_staff': ['locality_id'],
    'agreed_action': ['check_in_id'],
    'spend_request': ['transfer_id'],
    'goal_review': ['goal_id'],
    'log_entry': ['goal_id'],
    'evidence': ['goal_id', 'log_entry_id'],
    'exhibition_item': ['evidence_id'],
}


def upgrade():
    for table, columns in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.create_index(f'ix_{table}_{column}', [column], unique=False)


def downgrade():
    for table, columns in reversed(INDEXES.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(columns):
                batch_op.drop_index(f'ix_{table}_{column}')
