"""Each learner's last contact and next check-in due day, and each contact's days late, kept in step by the
mentoring services so the overview counts them in the database

Revision ID: 0016_contact_punctuality
Revises: 0015_progress_reports
Create Date: 2026-12-03 14:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_contact_punctuality'
down_revision = '0015_progress_reports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_contact_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('contact_due_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_learner_contact_due_on'), ['contact_due_on'], unique=False)
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.add_column(sa.Column('days_late', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('contact_on', sa.Date(), nullable=True))
    op.create_table('contact_day',
    sa.Column('locality_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('check_ins', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.Column('days_late', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_contact_day_locality_id_locality'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('locality_id', 'day', name=op.f('pk_contact_day'))
    )
    op.create_table('contact_now',
    sa.Column('locality_id', sa.Integer(), nullable=False),
    sa.Column('counted_on', sa.Date(), nullable=False),
    sa.Column('rebuilt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mentored', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Integer(), nullable=False),
    sa.Column('without_contact', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_contact_now_locality_id_locality'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('locality_id', name=op.f('pk_contact_now'))
    )
    # Existing rows are filled by the scheduled ``contact-figures`` job (or ``flask --app wsgi mentoring
    # refresh-contact``): the figures depend on the academy's cadence settings, read by the application.


def downgrade():
    op.drop_table('contact_now')
    op.drop_table('contact_day')
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_column('contact_on')
        batch_op.drop_column('days_late')
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learner_contact_due_on'))
        batch_op.drop_column('contact_due_on')
        batch_op.drop_column('last_contact_on')
