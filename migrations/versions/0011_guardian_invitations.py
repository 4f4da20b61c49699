"""Guardian invitations: a family's invitation to another parent or carer, accepted by them while signed in

Revision ID: 0011_guardian_invitations
Revises: 0010_user_sessions
Create Date: 2026-12-02 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0011_guardian_invitations'
down_revision = '0010_user_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'guardian_invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('family_id', sa.Integer(), nullable=False),
        sa.Column('guardian_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('from_family', sa.Boolean(), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('accepted_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['accepted_by_id'], ['user.id'], name=op.f('fk_guardian_invitation_accepted_by_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_guardian_invitation_family_id_family'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['guardian_id'], ['guardian.id'], name=op.f('fk_guardian_invitation_guardian_id_guardian'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_guardian_invitation_invited_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_guardian_invitation')),
    )
    with op.batch_alter_table('guardian_invitation', schema=None) as batch_op:
        batch_op.create_index('ix_guardian_invitation_family_email', ['family_id', 'email'], unique=False)
        batch_op.create_index(batch_op.f('ix_guardian_invitation_guardian_id'), ['guardian_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_guardian_invitation_invited_by_id'), ['invited_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_guardian_invitation_accepted_by_id'), ['accepted_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('guardian_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guardian_invitation_accepted_by_id'))
        batch_op.drop_index(batch_op.f('ix_guardian_invitation_invited_by_id'))
        batch_op.drop_index(batch_op.f('ix_guardian_invitation_guardian_id'))
        batch_op.drop_index('ix_guardian_invitation_family_email')
    op.drop_table('guardian_invitation')
