"""The cohort on roll today per locality and category, recounted every 10 minutes for the overview

Revision ID: 0023_cohort_now
Revises: 0022_wellbeing_day
Create Date: 2026-12-03 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_cohort_now'
down_revision = '0022_wellbeing_day'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cohort_now',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=False),
    sa.Column('counted_on', sa.Date(), nullable=False),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('send_status', sa.String(length=16), nullable=False),
    sa.Column('fsm_eligible', sa.Boolean(), nullable=False),
    sa.Column('secondary', sa.Boolean(), nullable=False),
    sa.Column('learners', sa.Integer(), nullable=False),
    sa.Column('without_learning', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_cohort_now_locality_id_locality'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_now'))
    )
    with op.batch_alter_table('cohort_now', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_now_locality_id'), ['locality_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cohort_now', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_now_locality_id'))
    op.drop_table('cohort_now')
