"""Locality community: events, bookings and waiting lists, registers, opportunities and placements,
announcements, community preferences, family calendar feeds, and conversations with their messages

Revision ID: 0014_community
Revises: 0013_exams
Create Date: 2026-12-03 08:17:46.811263

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_community'
down_revision = '0013_exams'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_announcement_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_announcement_locality_id_locality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement'))
    )
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_announcement_locality_created', ['locality_id', 'created_at'], unique=False)

    op.create_table('community_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('event_type', sa.Enum('workshop', 'trip', 'enrichment_club', 'sport', 'arts', 'social', 'exhibition_evening', 'exam_preparation', 'online_session', name='event_type', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('online_link', sa.String(length=500), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('seats_taken', sa.Integer(), nullable=False),
    sa.Column('booking_opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('booking_closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancel_closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cost_pence', sa.Integer(), nullable=False),
    sa.Column('paid_from', sa.Enum('locality', 'personal', name='place_paid_from', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('suitable_for', sa.Text(), nullable=True),
    sa.Column('accessibility', sa.Text(), nullable=True),
    sa.Column('guardians_attend', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'cancelled', name='event_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_community_event_capacity_positive')),
    sa.CheckConstraint('cost_pence >= 0', name=op.f('ck_community_event_cost_not_negative')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_community_event_ends_after_start')),
    sa.CheckConstraint('seats_taken >= 0 AND seats_taken <= capacity', name=op.f('ck_community_event_seats_taken_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_community_event_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_community_event_locality_id_locality')),
    sa.ForeignKeyConstraint(['series_id'], ['community_event.id'], name=op.f('fk_community_event_series_id_community_event'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_event'))
    )
    with op.batch_alter_table('community_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_event_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index('ix_community_event_locality_starts', ['locality_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_event_series_id'), ['series_id'], unique=False)
        batch_op.create_index('ix_community_event_status_starts', ['status', 'starts_at'], unique=False)

    op.create_table('community_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('announcement_emails', sa.Boolean(), nullable=False),
    sa.Column('weekly_digest', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_community_preference_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_community_preference'))
    )
    op.create_table('family_feed',
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_family_feed_family_id_family'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('family_id', name=op.f('pk_family_feed')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_family_feed_token_hash'))
    )
    op.create_table('followed_locality',
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_followed_locality_family_id_family'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_followed_locality_locality_id_locality'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('family_id', 'locality_id', name=op.f('pk_followed_locality'))
    )
    with op.batch_alter_table('followed_locality', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followed_locality_locality_id'), ['locality_id'], unique=False)

    op.create_table('opportunity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('internship', 'placement', 'volunteering', 'masterclass', name='opportunity_kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=False),
    sa.Column('host_organisation', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_phone', sa.String(length=32), nullable=True),
    sa.Column('host_checked_on', sa.Date(), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('time_commitment', sa.String(length=200), nullable=True),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('places > 0', name=op.f('ck_opportunity_places_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_opportunity_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_opportunity_locality_id_locality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity'))
    )
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index('ix_opportunity_locality_open', ['locality_id', 'open'], unique=False)

    op.create_table('conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_conversation_learner_id_learner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by_id'], ['user.id'], name=op.f('fk_conversation_started_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation'))
    )
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_learner_last', ['learner_id', 'last_message_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversation_started_by_id'), ['started_by_id'], unique=False)

    op.create_table('event_subject',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('subject_area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['community_event.id'], name=op.f('fk_event_subject_event_id_community_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_area_id'], ['subject_area.id'], name=op.f('fk_event_subject_subject_area_id_subject_area')),
    sa.PrimaryKeyConstraint('event_id', 'subject_area_id', name=op.f('pk_event_subject'))
    )
    with op.batch_alter_table('event_subject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_subject_subject_area_id'), ['subject_area_id'], unique=False)

    op.create_table('opportunity_interest',
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('interest', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], name=op.f('fk_opportunity_interest_opportunity_id_opportunity'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('opportunity_id', 'interest', name=op.f('pk_opportunity_interest'))
    )
    with op.batch_alter_table('opportunity_interest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_interest_interest'), ['interest'], unique=False)

    op.create_table('conversation_read',
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_read_message_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_conversation_read_conversation_id_conversation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_conversation_read_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', 'user_id', name=op.f('pk_conversation_read'))
    )
    with op.batch_alter_table('conversation_read', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_read_user_id'), ['user_id'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_message_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_message_conversation_id_conversation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message'))
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_message_conversation_id', ['conversation_id', 'id'], unique=False)

    op.create_table('placement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('interested', 'approved', 'declined', 'withdrawn', name='placement_state', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('expressed_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('other_adult_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_placement_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['expressed_by_id'], ['user.id'], name=op.f('fk_placement_expressed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_placement_learner_id_learner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], name=op.f('fk_placement_opportunity_id_opportunity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_adult_id'], ['other_adult.id'], name=op.f('fk_placement_other_adult_id_other_adult'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement')),
    sa.UniqueConstraint('opportunity_id', 'learner_id', name=op.f('uq_placement_opportunity_id_learner_id'))
    )
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_decided_by_id'), ['decided_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_expressed_by_id'), ['expressed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index('ix_placement_opportunity_state', ['opportunity_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_other_adult_id'), ['other_adult_id'], unique=False)

    op.create_table('booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=True),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('booked', 'waiting', 'offered', 'cancelled', name='booking_state', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('offer_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.Column('cost_pence', sa.Integer(), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=True),
    sa.Column('refund_transfer_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(learner_id IS NULL) <> (guardian_id IS NULL)', name=op.f('ck_booking_one_attendee')),
    sa.CheckConstraint('cost_pence >= 0', name=op.f('ck_booking_cost_not_negative')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['user.id'], name=op.f('fk_booking_booked_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['community_event.id'], name=op.f('fk_booking_event_id_community_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_booking_family_id_family'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardian.id'], name=op.f('fk_booking_guardian_id_guardian'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_booking_learner_id_learner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['refund_transfer_id'], ['transfer.id'], name=op.f('fk_booking_refund_transfer_id_transfer')),
    sa.ForeignKeyConstraint(['transfer_id'], ['transfer.id'], name=op.f('fk_booking_transfer_id_transfer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking')),
    sa.UniqueConstraint('refund_transfer_id', name=op.f('uq_booking_refund_transfer_id')),
    sa.UniqueConstraint('transfer_id', name=op.f('uq_booking_transfer_id'))
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_booked_by_id'), ['booked_by_id'], unique=False)
        batch_op.create_index('ix_booking_event_state_created', ['event_id', 'state', 'created_at'], unique=False)
        batch_op.create_index('ix_booking_family_state', ['family_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_guardian_id'), ['guardian_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index('ix_booking_state_offer_expires', ['state', 'offer_expires_at'], unique=False)
        batch_op.create_index('uq_booking_live_guardian', ['event_id', 'guardian_id'], unique=True, sqlite_where=sa.text("state <> 'cancelled' AND guardian_id IS NOT NULL"), postgresql_where=sa.text("state <> 'cancelled' AND guardian_id IS NOT NULL"))
        batch_op.create_index('uq_booking_live_learner', ['event_id', 'learner_id'], unique=True, sqlite_where=sa.text("state <> 'cancelled' AND learner_id IS NOT NULL"), postgresql_where=sa.text("state <> 'cancelled' AND learner_id IS NOT NULL"))

    op.create_table('message_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_message_attachment_message_id_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_attachment'))
    )
    with op.batch_alter_table('message_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_attachment_message_id'), ['message_id'], unique=False)

    op.create_table('event_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=True),
    sa.Column('mark', sa.Enum('present', 'late', 'absent', name='attendance_mark', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_event_attendance_booking_id_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['community_event.id'], name=op.f('fk_event_attendance_event_id_community_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_event_attendance_learner_id_learner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_event_attendance_recorded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_attendance')),
    sa.UniqueConstraint('booking_id', name=op.f('uq_event_attendance_booking_id'))
    )
    with op.batch_alter_table('event_attendance', schema=None) as batch_op:
        batch_op.create_index('ix_event_attendance_event_mark', ['event_id', 'mark'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_attendance_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_attendance_recorded_by_id'), ['recorded_by_id'], unique=False)

    op.create_table('placement_log_entry',
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('log_entry_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['log_entry_id'], ['log_entry.id'], name=op.f('fk_placement_log_entry_log_entry_id_log_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_placement_log_entry_placement_id_placement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('placement_id', 'log_entry_id', name=op.f('pk_placement_log_entry'))
    )
    with op.batch_alter_table('placement_log_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_log_entry_log_entry_id'), ['log_entry_id'], unique=False)

    op.create_table('event_attendance_log_entry',
    sa.Column('attendance_id', sa.Integer(), nullable=False),
    sa.Column('log_entry_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attendance_id'], ['event_attendance.id'], name=op.f('fk_event_attendance_log_entry_attendance_id_event_attendance'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['log_entry_id'], ['log_entry.id'], name=op.f('fk_event_attendance_log_entry_log_entry_id_log_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attendance_id', 'log_entry_id', name=op.f('pk_event_attendance_log_entry'))
    )
    with op.batch_alter_table('event_attendance_log_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_attendance_log_entry_log_entry_id'), ['log_entry_id'], unique=False)



def downgrade():
    with op.batch_alter_table('event_attendance_log_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_attendance_log_entry_log_entry_id'))

    op.drop_table('event_attendance_log_entry')
    with op.batch_alter_table('placement_log_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_log_entry_log_entry_id'))

    op.drop_table('placement_log_entry')
    with op.batch_alter_table('event_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_attendance_recorded_by_id'))
        batch_op.drop_index(batch_op.f('ix_event_attendance_learner_id'))
        batch_op.drop_index('ix_event_attendance_event_mark')

    op.drop_table('event_attendance')
    with op.batch_alter_table('message_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_attachment_message_id'))

    op.drop_table('message_attachment')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index('uq_booking_live_learner', sqlite_where=sa.text("state <> 'cancelled' AND learner_id IS NOT NULL"), postgresql_where=sa.text("state <> 'cancelled' AND learner_id IS NOT NULL"))
        batch_op.drop_index('uq_booking_live_guardian', sqlite_where=sa.text("state <> 'cancelled' AND guardian_id IS NOT NULL"), postgresql_where=sa.text("state <> 'cancelled' AND guardian_id IS NOT NULL"))
        batch_op.drop_index('ix_booking_state_offer_expires')
        batch_op.drop_index(batch_op.f('ix_booking_learner_id'))
        batch_op.drop_index(batch_op.f('ix_booking_guardian_id'))
        batch_op.drop_index('ix_booking_family_state')
        batch_op.drop_index('ix_booking_event_state_created')
        batch_op.drop_index(batch_op.f('ix_booking_booked_by_id'))

    op.drop_table('booking')
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_other_adult_id'))
        batch_op.drop_index('ix_placement_opportunity_state')
        batch_op.drop_index(batch_op.f('ix_placement_learner_id'))
        batch_op.drop_index(batch_op.f('ix_placement_expressed_by_id'))
        batch_op.drop_index(batch_op.f('ix_placement_decided_by_id'))

    op.drop_table('placement')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_conversation_id')
        batch_op.drop_index(batch_op.f('ix_message_author_id'))

    op.drop_table('message')
    with op.batch_alter_table('conversation_read', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_read_user_id'))

    op.drop_table('conversation_read')
    with op.batch_alter_table('opportunity_interest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_interest_interest'))

    op.drop_table('opportunity_interest')
    with op.batch_alter_table('event_subject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_subject_subject_area_id'))

    op.drop_table('event_subject')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_started_by_id'))
        batch_op.drop_index('ix_conversation_learner_last')

    op.drop_table('conversation')
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunity_locality_open')
        batch_op.drop_index(batch_op.f('ix_opportunity_created_by_id'))

    op.drop_table('opportunity')
    with op.batch_alter_table('followed_locality', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followed_locality_locality_id'))

    op.drop_table('followed_locality')
    op.drop_table('family_feed')
    op.drop_table('community_preference')
    with op.batch_alter_table('community_event', schema=None) as batch_op:
        batch_op.drop_index('ix_community_event_status_starts')
        batch_op.drop_index(batch_op.f('ix_community_event_series_id'))
        batch_op.drop_index('ix_community_event_locality_starts')
        batch_op.drop_index(batch_op.f('ix_community_event_created_by_id'))

    op.drop_table('community_event')
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index('ix_announcement_locality_created')
        batch_op.drop_index(batch_op.f('ix_announcement_author_id'))

    op.drop_table('announcement')
