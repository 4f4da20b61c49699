"""Progress-report builds started from the browser and carried out by the scheduler, with their progress

Revision ID: 0017_report_runs
Revises: 0016_contact_punctuality
Create Date: 2026-12-03 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_report_runs'
down_revision = '0016_contact_punctuality'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_key', sa.String(length=16), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='report_run_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('active_key', sa.String(length=48), nullable=True),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('built', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_report_run_locality_id_locality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_report_run_requested_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_run')),
    sa.UniqueConstraint('active_key', name=op.f('uq_report_run_active_key'))
    )
    with op.batch_alter_table('report_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_run_locality_id'), ['locality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_run_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index('ix_report_run_status_requested', ['status', 'requested_at'], unique=False)
        batch_op.create_index('ix_report_run_term_requested', ['term_key', 'requested_at'], unique=False)



def downgrade():
    with op.batch_alter_table('report_run', schema=None) as batch_op:
        batch_op.drop_index('ix_report_run_term_requested')
        batch_op.drop_index('ix_report_run_status_requested')
        batch_op.drop_index(batch_op.f('ix_report_run_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_report_run_locality_id'))

    op.drop_table('report_run')
