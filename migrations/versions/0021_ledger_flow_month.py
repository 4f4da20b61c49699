"""The ledger's flow summary by month, beside its daily rows, for the overview's money over long periods

Revision ID: 0021_ledger_flow_month
Revises: 0020_foreign_key_indexes
Create Date: 2026-12-03 17:45:00.000000

"""
from collections import defaultdict
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_ledger_flow_month'
down_revision = '0020_foreign_key_indexes'
branch_labels = None
depends_on = None

NAMES = ('year_id', 'kind', 'reversal', 'from_kind', 'from_locality_id', 'from_category', 'to_kind',
         'to_locality_id', 'to_category')


def upgrade():
    op.create_table('ledger_flow_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
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
    sa.ForeignKeyConstraint(['year_id'], ['funding_year.id'], name=op.f('fk_ledger_flow_month_year_id_funding_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_flow_month')),
    sa.UniqueConstraint('key', name=op.f('uq_ledger_flow_month_key'))
    )
    with op.batch_alter_table('ledger_flow_month', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_flow_month_month', ['month'], unique=False)
        batch_op.create_index('ix_ledger_flow_month_year_id', ['year_id'], unique=False)
    _fill()


def _fill():
    """The daily rows already kept, summed by month."""
    daily = sa.table('ledger_flow', *[sa.column(c) for c in ('day', *NAMES, 'transfers', 'amount_pence')])
    totals = defaultdict(lambda: [0, 0])
    for day, *parts, count, pence in op.get_bind().execute(sa.select(*daily.c)):
        if isinstance(day, str):  # SQLite
            day = date.fromisoformat(day)
        parts[2] = bool(parts[2])
        sums = totals[(day.replace(day=1), *parts)]
        sums[0] += count
        sums[1] += pence
    table = sa.table('ledger_flow_month', *[sa.column(c) for c in ('key', 'month', *NAMES, 'transfers', 'amount_pence')])
    batch = []
    for parts, (count, pence) in totals.items():
        key = "|".join("" if v is None else str(int(v) if isinstance(v, bool) else v) for v in parts)
        batch.append({'key': key, **dict(zip(('month', *NAMES), parts, strict=True)), 'transfers': count, 'amount_pence': pence})
        if len(batch) == 10_000:
            op.bulk_insert(table, batch)
            batch = []
    if batch:
        op.bulk_insert(table, batch)


def downgrade():
    with op.batch_alter_table('ledger_flow_month', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_flow_month_year_id')
        batch_op.drop_index('ix_ledger_flow_month_month')
    op.drop_table('ledger_flow_month')
