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
    # Existing rows are filled by the scheduled ``contact-figures`` job (or ``flask --app wsgi mentoring
    # refresh-contact``): the figures depend on the academy's cadence settings, read by the application.


def downgrade():
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_column('days_late')
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learner_contact_due_on'))
        batch_op.drop_column('contact_due_on')
        batch_op.drop_column('last_contact_on')
