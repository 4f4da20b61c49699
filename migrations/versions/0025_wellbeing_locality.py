"""The locality beside each learner's latest wellbeing scores, the learners whose wellbeing fell indexed, and the
budgets' balances covered by an index by kind and locality

Revision ID: 0025_wellbeing_locality
Revises: 0024_deep_page_indexes
Create Date: 2026-12-03 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025_wellbeing_locality'
down_revision = '0024_deep_page_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('latest_wellbeing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locality_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_latest_wellbeing_locality_id_locality'), 'locality', ['locality_id'], ['id'],
            ondelete='SET NULL',
        )
        batch_op.create_index(batch_op.f('ix_latest_wellbeing_locality_id'), ['locality_id'], unique=False)
    op.execute(
        "UPDATE latest_wellbeing SET locality_id = "
        "(SELECT learner.locality_id FROM learner WHERE learner.id = latest_wellbeing.learner_id)"
    )
    with op.batch_alter_table('latest_wellbeing', schema=None) as batch_op:
        batch_op.create_index(
            'ix_latest_wellbeing_fell', ['latest_at', 'locality_id'], unique=False,
            postgresql_where=sa.text('latest < previous'), sqlite_where=sa.text('latest < previous'),
        )
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index(
            'ix_account_kind_locality_id', ['kind', 'locality_id'], unique=False,
            postgresql_include=['balance_pence'],
        )


def downgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_index('ix_account_kind_locality_id')
    with op.batch_alter_table('latest_wellbeing', schema=None) as batch_op:
        batch_op.drop_index('ix_latest_wellbeing_fell')
        batch_op.drop_index(batch_op.f('ix_latest_wellbeing_locality_id'))
        batch_op.drop_constraint(batch_op.f('fk_latest_wellbeing_locality_id_locality'), type_='foreignkey')
        batch_op.drop_column('locality_id')
