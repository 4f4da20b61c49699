"""Wellbeing scores recorded each London day per locality and score, kept in step with the check-ins for the
overview's wellbeing over long periods

Revision ID: 0022_wellbeing_day
Revises: 0021_ledger_flow_month
Create Date: 2026-12-03 17:50:00.000000

"""
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0022_wellbeing_day'
down_revision = '0021_ledger_flow_month'
branch_labels = None
depends_on = None

LONDON = ZoneInfo("Europe/London")


def upgrade():
    op.create_table('wellbeing_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=False),
    sa.Column('check_ins', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_wellbeing_day_locality_id_locality'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wellbeing_day')),
    sa.UniqueConstraint('locality_id', 'on_date', 'score', name='uq_wellbeing_day_locality_date_score')
    )
    with op.batch_alter_table('wellbeing_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wellbeing_day_on_date'), ['on_date'], unique=False)
    _fill()


def _fill():
    """The scores already recorded, counted by the learner's locality, London day and score."""
    check_in = sa.table('check_in', sa.column('learner_id'), sa.column('occurred_at'), sa.column('wellbeing'))
    learner = sa.table('learner', sa.column('id'), sa.column('locality_id'))
    rows = op.get_bind().execute(
        sa.select(learner.c.locality_id, check_in.c.occurred_at, check_in.c.wellbeing)
        .join(learner, learner.c.id == check_in.c.learner_id)
        .where(check_in.c.wellbeing.is_not(None), learner.c.locality_id.is_not(None))
    )
    counts = Counter()
    for locality_id, at, score in rows:
        if isinstance(at, str):  # SQLite
            at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        counts[(locality_id, at.astimezone(LONDON).date(), score)] += 1
    table = sa.table('wellbeing_day', *[sa.column(c) for c in ('locality_id', 'on_date', 'score', 'check_ins')])
    batch = []
    for (locality_id, on_date, score), n in counts.items():
        batch.append({'locality_id': locality_id, 'on_date': on_date, 'score': score, 'check_ins': n})
        if len(batch) == 10_000:
            op.bulk_insert(table, batch)
            batch = []
    if batch:
        op.bulk_insert(table, batch)


def downgrade():
    with op.batch_alter_table('wellbeing_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wellbeing_day_on_date'))
    op.drop_table('wellbeing_day')
