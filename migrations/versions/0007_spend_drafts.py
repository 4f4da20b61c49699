"""Spend requests: drafts (the family's "check your answers" step) and the reason a payment was reversed

Revision ID: 0007_spend_drafts
Revises: 0006_transfer_years
Create Date: 2026-11-23 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_spend_drafts'
down_revision = '0006_transfer_years'
branch_labels = None
depends_on = None

OLD = ('pending', 'awaiting_second_approval', 'approved', 'declined')
NEW = ('draft', *OLD)


def _status(values):
    return sa.Enum(*values, name='spend_status', native_enum=False, create_constraint=True, length=32)


def upgrade():
    with op.batch_alter_table('spend_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reversal_reason', sa.Text(), nullable=True))
        batch_op.alter_column('status', existing_type=_status(OLD), type_=_status(NEW), existing_nullable=False)


def downgrade():
    op.execute("DELETE FROM spend_request WHERE status = 'draft'")
    with op.batch_alter_table('spend_request', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=_status(NEW), type_=_status(OLD), existing_nullable=False)
        batch_op.drop_column('reversal_reason')
