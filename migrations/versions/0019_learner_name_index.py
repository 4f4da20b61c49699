"""An index for staff lists of learners in name order

Revision ID: 0019_learner_name_index
Revises: 0018_ledger_flow
Create Date: 2026-12-03 15:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019_learner_name_index'
down_revision = '0018_ledger_flow'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.create_index('ix_learner_name', ['legal_name', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_index('ix_learner_name')
