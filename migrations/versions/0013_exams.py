"""Exam entry by readiness: qualifications, series, centres and their seats, readiness judgements, entries,
papers, fees and access arrangements

Revision ID: 0013_exams
Revises: 0012_demo_records_names
Create Date: 2026-12-03 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_exams'
down_revision = '0012_demo_records_names'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exam_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('entry_deadline', sa.Date(), nullable=False),
    sa.Column('late_entry_deadline', sa.Date(), nullable=False),
    sa.Column('late_fee_pence', sa.Integer(), nullable=False),
    sa.Column('very_late_cutoff', sa.Date(), nullable=False),
    sa.Column('very_late_fee_pence', sa.Integer(), nullable=False),
    sa.Column('changes_free_until', sa.Date(), nullable=False),
    sa.Column('access_deadline', sa.Date(), nullable=False),
    sa.Column('first_exam_on', sa.Date(), nullable=False),
    sa.Column('last_exam_on', sa.Date(), nullable=False),
    sa.Column('results_day', sa.Date(), nullable=False),
    sa.Column('a_level_results_day', sa.Date(), nullable=True),
    sa.Column('age_rule_min_age', sa.SmallInteger(), nullable=True),
    sa.Column('age_rule_on', sa.Date(), nullable=True),
    sa.Column('age_rule_applies_to', sa.Enum('gcse', 'igcse', 'as', 'a_level', 'functional_skills', 'other', name='qualification_type', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('age_rule_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('age_rule_min_age IS NULL OR age_rule_on IS NOT NULL', name=op.f('ck_exam_series_age_rule_has_date')),
    sa.CheckConstraint('entry_deadline <= late_entry_deadline AND late_entry_deadline <= very_late_cutoff', name=op.f('ck_exam_series_deadline_order')),
    sa.CheckConstraint('first_exam_on <= last_exam_on AND last_exam_on <= results_day', name=op.f('ck_exam_series_exam_date_order')),
    sa.CheckConstraint('late_fee_pence >= 0 AND very_late_fee_pence >= 0', name=op.f('ck_exam_series_fees_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_series')),
    sa.UniqueConstraint('name', name=op.f('uq_exam_series_name'))
    )
    with op.batch_alter_table('exam_series', schema=None) as batch_op:
        batch_op.create_index('ix_exam_series_entry_deadline', ['entry_deadline'], unique=False)

    op.create_table('qualification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('awarding_body', sa.Enum('aqa', 'pearson_edexcel', 'ocr', 'wjec_eduqas', 'cambridge', 'other', name='awarding_body', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('qualification_type', sa.Enum('gcse', 'igcse', 'as', 'a_level', 'functional_skills', 'other', name='qualification_type', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('spec_code', sa.String(length=20), nullable=False),
    sa.Column('tiered', sa.Boolean(), nullable=False),
    sa.Column('needs_supervision', sa.Boolean(), nullable=False),
    sa.Column('entry_fee_pence', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('entry_fee_pence >= 0', name=op.f('ck_qualification_entry_fee_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qualification')),
    sa.UniqueConstraint('awarding_body', 'spec_code', name=op.f('uq_qualification_awarding_body_spec_code'))
    )
    with op.batch_alter_table('qualification', schema=None) as batch_op:
        batch_op.create_index('ix_qualification_subject', ['subject'], unique=False)

    op.create_table('exam_centre',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('centre_number', sa.String(length=8), nullable=True),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('postcode', sa.String(length=8), nullable=True),
    sa.Column('locality_id', sa.Integer(), nullable=True),
    sa.Column('accepts_private_candidates', sa.Boolean(), nullable=False),
    sa.Column('admin_fee_pence', sa.Integer(), nullable=False),
    sa.Column('supervises_nea', sa.Boolean(), nullable=False),
    sa.Column('family_found', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('admin_fee_pence >= 0', name=op.f('ck_exam_centre_admin_fee_not_negative')),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_exam_centre_locality_id_locality'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_centre')),
    sa.UniqueConstraint('centre_number', name=op.f('uq_exam_centre_centre_number'))
    )
    with op.batch_alter_table('exam_centre', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_centre_locality_id'), ['locality_id'], unique=False)

    op.create_table('exam_paper',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('qualification_id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('paper_code', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('tier', sa.Enum('foundation', 'higher', name='tier', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('sits_on', sa.Date(), nullable=False),
    sa.Column('session', sa.Enum('am', 'pm', name='exam_session', native_enum=False, create_constraint=True, length=8), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('room', sa.String(length=100), nullable=True),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_exam_paper_duration_positive')),
    sa.ForeignKeyConstraint(['qualification_id'], ['qualification.id'], name=op.f('fk_exam_paper_qualification_id_qualification'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['series_id'], ['exam_series.id'], name=op.f('fk_exam_paper_series_id_exam_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_paper')),
    sa.UniqueConstraint('qualification_id', 'series_id', 'paper_code', name=op.f('uq_exam_paper_qualification_id_series_id_paper_code'))
    )
    with op.batch_alter_table('exam_paper', schema=None) as batch_op:
        batch_op.create_index('ix_exam_paper_series_date', ['series_id', 'sits_on'], unique=False)

    op.create_table('centre_arrangement',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('arrangement_type', sa.Enum('extra_time_25', 'extra_time_more', 'rest_breaks', 'reader', 'scribe', 'word_processor', 'separate_room', 'modified_papers', 'other', name='arrangement_type', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['exam_centre.id'], name=op.f('fk_centre_arrangement_centre_id_exam_centre'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('centre_id', 'arrangement_type', name=op.f('pk_centre_arrangement'))
    )
    op.create_table('centre_series_capacity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('seats_taken', sa.Integer(), nullable=False),
    sa.Column('access_deadline', sa.Date(), nullable=True),
    sa.CheckConstraint('seats >= 0', name=op.f('ck_centre_series_capacity_seats_not_negative')),
    sa.CheckConstraint('seats_taken >= 0 AND seats_taken <= seats', name=op.f('ck_centre_series_capacity_seats_taken_range')),
    sa.ForeignKeyConstraint(['centre_id'], ['exam_centre.id'], name=op.f('fk_centre_series_capacity_centre_id_exam_centre'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['series_id'], ['exam_series.id'], name=op.f('fk_centre_series_capacity_series_id_exam_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_centre_series_capacity')),
    sa.UniqueConstraint('centre_id', 'series_id', name=op.f('uq_centre_series_capacity_centre_id_series_id'))
    )
    with op.batch_alter_table('centre_series_capacity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_centre_series_capacity_series_id'), ['series_id'], unique=False)

    op.create_table('readiness_judgement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('qualification_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('judgement', sa.Enum('ready', 'not_yet', name='readiness', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('still_needed', sa.Text(), nullable=True),
    sa.Column('recommended_tier', sa.Enum('foundation', 'higher', name='tier', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('judged_on', sa.Date(), nullable=False),
    sa.Column('learner_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('learner_confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('guardian_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('guardian_confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['guardian_confirmed_by_id'], ['user.id'], name=op.f('fk_readiness_judgement_guardian_confirmed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['learner_confirmed_by_id'], ['user.id'], name=op.f('fk_readiness_judgement_learner_confirmed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_readiness_judgement_learner_id_learner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['user.id'], name=op.f('fk_readiness_judgement_mentor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['qualification_id'], ['qualification.id'], name=op.f('fk_readiness_judgement_qualification_id_qualification')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_readiness_judgement'))
    )
    with op.batch_alter_table('readiness_judgement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_readiness_judgement_guardian_confirmed_by_id'), ['guardian_confirmed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_readiness_judgement_learner_confirmed_by_id'), ['learner_confirmed_by_id'], unique=False)
        batch_op.create_index('ix_readiness_judgement_learner_qualification', ['learner_id', 'qualification_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_readiness_judgement_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index('ix_readiness_judgement_qualification', ['qualification_id'], unique=False)

    op.create_table('exam_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('qualification_id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('judgement_id', sa.Integer(), nullable=False),
    sa.Column('tier', sa.Enum('foundation', 'higher', name='tier', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('state', sa.Enum('requested', 'entered', 'withdrawn', 'sat', 'result_recorded', name='entry_state', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('candidate_number', sa.String(length=4), nullable=True),
    sa.Column('uci', sa.String(length=13), nullable=True),
    sa.Column('paid_from', sa.Enum('central', 'personal', 'family', name='paid_from', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('age_at_entry', sa.SmallInteger(), nullable=False),
    sa.Column('entered_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_reason', sa.Text(), nullable=True),
    sa.Column('fees_refunded', sa.Boolean(), nullable=False),
    sa.Column('grade', sa.String(length=16), nullable=True),
    sa.Column('result_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('candidate_number IS NULL OR length(candidate_number) = 4', name=op.f('ck_exam_entry_candidate_number_length')),
    sa.CheckConstraint('uci IS NULL OR length(uci) = 13', name=op.f('ck_exam_entry_uci_length')),
    sa.ForeignKeyConstraint(['centre_id'], ['exam_centre.id'], name=op.f('fk_exam_entry_centre_id_exam_centre')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_exam_entry_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['judgement_id'], ['readiness_judgement.id'], name=op.f('fk_exam_entry_judgement_id_readiness_judgement')),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_exam_entry_learner_id_learner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['qualification_id'], ['qualification.id'], name=op.f('fk_exam_entry_qualification_id_qualification')),
    sa.ForeignKeyConstraint(['series_id'], ['exam_series.id'], name=op.f('fk_exam_entry_series_id_exam_series')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_entry'))
    )
    with op.batch_alter_table('exam_entry', schema=None) as batch_op:
        batch_op.create_index('ix_exam_entry_centre_series', ['centre_id', 'series_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_entry_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index('ix_exam_entry_judgement', ['judgement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_entry_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index('ix_exam_entry_qualification', ['qualification_id'], unique=False)
        batch_op.create_index('ix_exam_entry_series_state', ['series_id', 'state'], unique=False)
        batch_op.create_index('uq_exam_entry_live', ['learner_id', 'qualification_id', 'series_id'], unique=True, sqlite_where=sa.text("state <> 'withdrawn'"), postgresql_where=sa.text("state <> 'withdrawn'"))

    op.create_table('mock_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('judgement_id', sa.Integer(), nullable=False),
    sa.Column('sat_on', sa.Date(), nullable=False),
    sa.Column('paper', sa.String(length=200), nullable=False),
    sa.Column('result', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['judgement_id'], ['readiness_judgement.id'], name=op.f('fk_mock_result_judgement_id_readiness_judgement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mock_result'))
    )
    with op.batch_alter_table('mock_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mock_result_judgement_id'), ['judgement_id'], unique=False)

    op.create_table('access_arrangement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('arrangement_type', sa.Enum('extra_time_25', 'extra_time_more', 'rest_breaks', 'reader', 'scribe', 'word_processor', 'separate_room', 'modified_papers', 'other', name='arrangement_type', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('evidence_kind', sa.Enum('ehcp', 'specialist_report', 'normal_way_of_working', name='arrangement_evidence', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('evidence_note', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'applied', 'approved', 'declined', name='arrangement_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('cost_pence', sa.Integer(), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('cost_pence >= 0', name=op.f('ck_access_arrangement_cost_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_access_arrangement_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['exam_entry.id'], name=op.f('fk_access_arrangement_entry_id_exam_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_access_arrangement_learner_id_learner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['series_id'], ['exam_series.id'], name=op.f('fk_access_arrangement_series_id_exam_series')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_arrangement'))
    )
    with op.batch_alter_table('access_arrangement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_arrangement_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_arrangement_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('ix_access_arrangement_learner_series', ['learner_id', 'series_id'], unique=False)
        batch_op.create_index('ix_access_arrangement_series_status', ['series_id', 'status'], unique=False)

    op.create_table('exam_fee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('entry', 'centre', 'late', 'very_late', 'arrangement', name='fee_kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('arrangement_id', sa.Integer(), nullable=True),
    sa.Column('amount_pence', sa.Integer(), nullable=False),
    sa.Column('paid_from', sa.Enum('central', 'personal', 'family', name='paid_from', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=False),
    sa.Column('refund_transfer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_pence > 0', name=op.f('ck_exam_fee_amount_positive')),
    sa.ForeignKeyConstraint(['arrangement_id'], ['access_arrangement.id'], name=op.f('fk_exam_fee_arrangement_id_access_arrangement'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['exam_entry.id'], name=op.f('fk_exam_fee_entry_id_exam_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['refund_transfer_id'], ['transfer.id'], name=op.f('fk_exam_fee_refund_transfer_id_transfer')),
    sa.ForeignKeyConstraint(['transfer_id'], ['transfer.id'], name=op.f('fk_exam_fee_transfer_id_transfer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_fee')),
    sa.UniqueConstraint('refund_transfer_id', name=op.f('uq_exam_fee_refund_transfer_id')),
    sa.UniqueConstraint('transfer_id', name=op.f('uq_exam_fee_transfer_id'))
    )
    with op.batch_alter_table('exam_fee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_fee_arrangement_id'), ['arrangement_id'], unique=False)
        batch_op.create_index('ix_exam_fee_entry', ['entry_id', 'kind'], unique=False)



def downgrade():
    with op.batch_alter_table('exam_fee', schema=None) as batch_op:
        batch_op.drop_index('ix_exam_fee_entry')
        batch_op.drop_index(batch_op.f('ix_exam_fee_arrangement_id'))

    op.drop_table('exam_fee')
    with op.batch_alter_table('access_arrangement', schema=None) as batch_op:
        batch_op.drop_index('ix_access_arrangement_series_status')
        batch_op.drop_index('ix_access_arrangement_learner_series')
        batch_op.drop_index(batch_op.f('ix_access_arrangement_entry_id'))
        batch_op.drop_index(batch_op.f('ix_access_arrangement_created_by_id'))

    op.drop_table('access_arrangement')
    with op.batch_alter_table('mock_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mock_result_judgement_id'))

    op.drop_table('mock_result')
    with op.batch_alter_table('exam_entry', schema=None) as batch_op:
        batch_op.drop_index('uq_exam_entry_live', sqlite_where=sa.text("state <> 'withdrawn'"), postgresql_where=sa.text("state <> 'withdrawn'"))
        batch_op.drop_index('ix_exam_entry_series_state')
        batch_op.drop_index('ix_exam_entry_qualification')
        batch_op.drop_index(batch_op.f('ix_exam_entry_learner_id'))
        batch_op.drop_index('ix_exam_entry_judgement')
        batch_op.drop_index(batch_op.f('ix_exam_entry_created_by_id'))
        batch_op.drop_index('ix_exam_entry_centre_series')

    op.drop_table('exam_entry')
    with op.batch_alter_table('readiness_judgement', schema=None) as batch_op:
        batch_op.drop_index('ix_readiness_judgement_qualification')
        batch_op.drop_index(batch_op.f('ix_readiness_judgement_mentor_id'))
        batch_op.drop_index('ix_readiness_judgement_learner_qualification')
        batch_op.drop_index(batch_op.f('ix_readiness_judgement_learner_confirmed_by_id'))
        batch_op.drop_index(batch_op.f('ix_readiness_judgement_guardian_confirmed_by_id'))

    op.drop_table('readiness_judgement')
    with op.batch_alter_table('centre_series_capacity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_centre_series_capacity_series_id'))

    op.drop_table('centre_series_capacity')
    op.drop_table('centre_arrangement')
    with op.batch_alter_table('exam_paper', schema=None) as batch_op:
        batch_op.drop_index('ix_exam_paper_series_date')

    op.drop_table('exam_paper')
    with op.batch_alter_table('exam_centre', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_centre_locality_id'))

    op.drop_table('exam_centre')
    with op.batch_alter_table('qualification', schema=None) as batch_op:
        batch_op.drop_index('ix_qualification_subject')

    op.drop_table('qualification')
    with op.batch_alter_table('exam_series', schema=None) as batch_op:
        batch_op.drop_index('ix_exam_series_entry_deadline')

    op.drop_table('exam_series')
