"""Termly progress reports: the mentor's comment for each learner and term, and when the term's reports were
published to families

Revision ID: 0015_progress_reports
Revises: 0014_community
Create Date: 2026-12-03 11:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_progress_reports'
down_revision = '0014_community'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('progress_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('term_key', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('comment_by_id', sa.Integer(), nullable=True),
    sa.Column('comment_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_by_id'], ['user.id'], name=op.f('fk_progress_report_comment_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_progress_report_learner_id_learner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_progress_report_published_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_report')),
    sa.UniqueConstraint('learner_id', 'term_key', name='uq_progress_report_learner_term')
    )
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.create_index('ix_progress_report_term_published', ['term_key', 'published_at'], unique=False)


def downgrade():
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_report_term_published')

    op.drop_table('progress_report')
