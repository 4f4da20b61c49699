"""Indexes for deep pages: the learning log's list of learners (last logged day, then name and id), and the
transfers journal narrowed by year or by kind (newest first)

Revision ID: 0024_deep_page_indexes
Revises: 0023_cohort_now
Create Date: 2026-12-03 17:40:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0024_deep_page_indexes"
down_revision = "0023_cohort_now"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("learner", schema=None) as batch_op:
        batch_op.create_index("ix_learner_log_order", ["last_logged_on", "legal_name", "id"], unique=False)
    with op.batch_alter_table("transfer", schema=None) as batch_op:
        batch_op.drop_index("ix_transfer_year_id")
        batch_op.create_index("ix_transfer_year_id", ["year_id", "id"], unique=False)
        batch_op.create_index("ix_transfer_kind", ["kind", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("transfer", schema=None) as batch_op:
        batch_op.drop_index("ix_transfer_kind")
        batch_op.drop_index("ix_transfer_year_id")
        batch_op.create_index("ix_transfer_year_id", ["year_id"], unique=False)
    with op.batch_alter_table("learner", schema=None) as batch_op:
        batch_op.drop_index("ix_learner_log_order")
