"""A partial index of contacts made, for the last contact per learner

Revision ID: 0009_check_in_contact_index
Revises: 0008_last_logged
Create Date: 2026-11-23 14:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_check_in_contact_index'
down_revision = '0008_last_logged'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.create_index(
            'ix_check_in_contact_made',
            ['learner_id', 'occurred_at'],
            unique=False,
            sqlite_where=sa.text('contact_made IS 1'),
            postgresql_where=sa.text('contact_made IS TRUE'),
        )


def downgrade():
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_index('ix_check_in_contact_made')
