"""The ledger's flow summary (money moved each London day, by what its two sides are) and the learning log's
(learners who logged learning each day, per locality), kept in step for the overview and the funding overview;
and indexes for the overview's reports at national size

Revision ID: 0018_ledger_flow
Revises: 0017_report_runs
Create Date: 2026-12-03 14:30:00.000000

"""
from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_ledger_flow'
down_revision = '0017_report_runs'
branch_labels = None
depends_on = None

LONDON = ZoneInfo("Europe/London")


def upgrade():
    op.create_table('ledger_flow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reversal', sa.Boolean(), nullable=False),
    sa.Column('from_kind', sa.String(length=24), nullable=False),
    sa.Column('from_locality_id', sa.Integer(), nullable=True),
    sa.Column('from_category', sa.String(length=24), nullable=True),
    sa.Column('to_kind', sa.String(length=24), nullable=False),
    sa.Column('to_locality_id', sa.Integer(), nullable=True),
    sa.Column('to_category', sa.String(length=24), nullable=True),
    sa.Column('transfers', sa.Integer(), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['year_id'], ['funding_year.id'], name=op.f('fk_ledger_flow_year_id_funding_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_flow')),
    sa.UniqueConstraint('key', name=op.f('uq_ledger_flow_key'))
    )
    with op.batch_alter_table('ledger_flow', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_flow_day', ['day'], unique=False)
        batch_op.create_index('ix_ledger_flow_year_id', ['year_id'], unique=False)
    _fill()
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.create_index(
            'ix_check_in_wellbeing_time',
            ['occurred_at', 'learner_id', 'wellbeing'],
            unique=False,
            sqlite_where=sa.text('wellbeing IS NOT NULL'),
            postgresql_where=sa.text('wellbeing IS NOT NULL'),
        )
        batch_op.create_index(
            'ix_check_in_wellbeing',
            ['learner_id', 'occurred_at', 'id', 'wellbeing'],
            unique=False,
            sqlite_where=sa.text('wellbeing IS NOT NULL'),
            postgresql_where=sa.text('wellbeing IS NOT NULL'),
        )
    with op.batch_alter_table('log_entry', schema=None) as batch_op:
        batch_op.create_index('ix_log_entry_day', ['on_date', 'learner_id', 'minutes'], unique=False)
    op.create_table('learning_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('learners', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_learning_day_locality_id_locality'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_day')),
    sa.UniqueConstraint('locality_id', 'on_date', name='uq_learning_day_locality_date')
    )
    with op.batch_alter_table('learning_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_day_on_date'), ['on_date'], unique=False)
    op.execute(
        "INSERT INTO learning_day (locality_id, on_date, learners, minutes) "
        "SELECT learner.locality_id, days.on_date, count(*), sum(days.minutes) FROM ("
        "SELECT learner_id, on_date, sum(minutes) AS minutes FROM log_entry GROUP BY learner_id, on_date) AS days "
        "JOIN learner ON learner.id = days.learner_id WHERE learner.locality_id IS NOT NULL "
        "GROUP BY learner.locality_id, days.on_date"
    )
    op.create_table('latest_wellbeing',
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('latest_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('latest', sa.SmallInteger(), nullable=False),
    sa.Column('previous', sa.SmallInteger(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_latest_wellbeing_learner_id_learner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', name=op.f('pk_latest_wellbeing'))
    )
    op.execute(
        "INSERT INTO latest_wellbeing (learner_id, latest_at, latest, previous) "
        "SELECT learner_id, max(CASE WHEN n = 1 THEN occurred_at END), max(CASE WHEN n = 1 THEN wellbeing END), "
        "max(CASE WHEN n = 2 THEN wellbeing END) FROM (SELECT learner_id, occurred_at, wellbeing, row_number() OVER "
        "(PARTITION BY learner_id ORDER BY occurred_at DESC, id DESC) AS n FROM check_in WHERE wellbeing IS NOT NULL) "
        "AS ranked WHERE n <= 2 GROUP BY learner_id"
    )
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.create_index(
            'ix_transfer_census',
            ['year_id', 'idempotency_key', 'amount_pence'],
            unique=False,
            sqlite_where=sa.text("idempotency_key LIKE 'census:%'"),
            postgresql_where=sa.text("idempotency_key LIKE 'census:%'"),
        )


def _fill():
    """The summary of the transfers already made (as ``ledger.rebuild_flows`` makes it)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT t.created_at, t.year_id, t.kind, t.reverses_id IS NOT NULL, s.kind, s.locality_id, s.category, "
        "d.kind, d.locality_id, d.category, t.amount_pence FROM transfer t "
        "JOIN account s ON s.id = t.from_account_id JOIN account d ON d.id = t.to_account_id"
    ))
    totals = defaultdict(lambda: [0, 0])
    for at, *parts, pence in rows:
        if isinstance(at, str):  # SQLite
            at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        parts[2] = bool(parts[2])
        sums = totals[(at.astimezone(LONDON).date(), *parts)]
        sums[0] += 1
        sums[1] += pence
    table = sa.table(
        'ledger_flow', *[sa.column(c) for c in (
            'key', 'day', 'year_id', 'kind', 'reversal', 'from_kind', 'from_locality_id', 'from_category', 'to_kind',
            'to_locality_id', 'to_category', 'transfers', 'amount_pence',
        )]
    )
    names = ('day', 'year_id', 'kind', 'reversal', 'from_kind', 'from_locality_id', 'from_category', 'to_kind',
             'to_locality_id', 'to_category')
    batch = []
    for parts, (count, pence) in totals.items():
        key = "|".join("" if v is None else str(int(v) if isinstance(v, bool) else v) for v in parts)
        batch.append({'key': key, **dict(zip(names, parts)), 'transfers': count, 'amount_pence': pence})
        if len(batch) == 10_000:
            op.bulk_insert(table, batch)
            batch = []
    if batch:
        op.bulk_insert(table, batch)


def downgrade():
    op.drop_table('latest_wellbeing')
    with op.batch_alter_table('learning_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_day_on_date'))
    op.drop_table('learning_day')
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.drop_index('ix_transfer_census')
    with op.batch_alter_table('log_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_log_entry_day')
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_index('ix_check_in_wellbeing')
        batch_op.drop_index('ix_check_in_wellbeing_time')
    with op.batch_alter_table('ledger_flow', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_flow_year_id')
        batch_op.drop_index('ix_ledger_flow_day')
    op.drop_table('ledger_flow')
