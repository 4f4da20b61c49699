"""An index for the learning log's list of learners (last logged day, then name and id)

Revision ID: 0020_learner_log_order_index
Revises: 0019_learner_name_index
Create Date: 2026-12-03 17:40:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_learner_log_order_index"
down_revision = "0019_learner_name_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("learner", schema=None) as batch_op:
        batch_op.create_index("ix_learner_log_order", ["last_logged_on", "legal_name", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("learner", schema=None) as batch_op:
        batch_op.drop_index("ix_learner_log_order")
