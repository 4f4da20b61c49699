"""Each learner's last day with logged learning, kept with the learner for staff lists at national scale

Revision ID: 0008_last_logged
Revises: 0007_spend_drafts
Create Date: 2026-11-23 13:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_last_logged'
down_revision = '0007_spend_drafts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_logged_on', sa.Date(), nullable=True))
    # Back-fill from the log (the app keeps it in step from now on).
    op.execute(
        "UPDATE learner SET last_logged_on = "
        "(SELECT max(log_entry.on_date) FROM log_entry WHERE log_entry.learner_id = learner.id)"
    )


def downgrade():
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_column('last_logged_on')
