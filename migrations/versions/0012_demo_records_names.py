"""Demo records by a stable key, the name each account's person goes by, and one name for learning budgets

Revision ID: 0012_demo_records_names
Revises: 0011_guardian_invitations
Create Date: 2026-12-02 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_demo_records_names'
down_revision = '0011_guardian_invitations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'demo_record',
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_demo_record')),
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preferred_name', sa.String(length=100), nullable=True))

    # A learner's own account goes by the learner's known-as name: the preferred name, else the first word of
    # the legal name (as Learner.known_as).
    connection = op.get_bind()
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('preferred_name', sa.String))
    learner = sa.table(
        'learner',
        sa.column('user_id', sa.Integer),
        sa.column('legal_name', sa.String),
        sa.column('preferred_name', sa.String),
    )
    rows = connection.execute(
        sa.select(learner.c.user_id, learner.c.legal_name, learner.c.preferred_name).where(
            learner.c.user_id.is_not(None)
        )
    ).all()
    values = [
        {'uid': user_id, 'known_as': (preferred_name or (legal_name.split() or [legal_name])[0])[:100]}
        for user_id, legal_name, preferred_name in rows
    ]
    if values:
        connection.execute(
            sa.update(user).where(user.c.id == sa.bindparam('uid')).values(preferred_name=sa.bindparam('known_as')),
            values,
        )

    # One name for each budget: a learner's personal budget is their "learning budget" everywhere.
    op.execute(
        "UPDATE account SET name = replace(name, 'Personal learning budget', 'Learning budget') "
        "WHERE kind = 'personal'"
    )


def downgrade():
    op.execute(
        "UPDATE account SET name = replace(name, 'Learning budget', 'Personal learning budget') "
        "WHERE kind = 'personal'"
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('preferred_name')
    op.drop_table('demo_record')
