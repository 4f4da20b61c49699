"""Community records in subject-access exports and erasure (see docs/community.md and docs/data-protection.md).

* **Export**: the family's bookings (event, times, attendee, state, what each cost and whether it was refunded),
  the children's register marks and placements, every conversation about the children with its messages (who
  wrote each: "family member" or "academy staff") and the names of attached files, the family's followed
  localities, and its people's community email choices. The feed's token is never exported (only its hash is
  held).
* **Erasure**: messages and conversation subjects are replaced with "Erased" and their attached files deleted
  (once the erasure commits); placement notes go; the private calendar feed and followed localities are deleted,
  and so are the community choices of accounts used by this family alone. Bookings, register marks and
  placements stay as facts (events held, places taken, money spent) that no longer say whose they were once the
  learner is anonymised.

Registered by importing this module (the community blueprint does).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from virtualacademy import uploads
from virtualacademy.extensions import db
from virtualacademy.models import (
    Attendance,
    Booking,
    CommunityPreference,
    Conversation,
    FamilyFeed,
    FollowedLocality,
    Message,
    MessageAttachment,
    Placement,
)
from virtualacademy.services import data_protection
from virtualacademy.services.community.conversations import path_of
from virtualacademy.services.data_protection import ERASED, Section, Subject, record

STAFF, FAMILY = "academy staff", "family member"


def _learner_ids(subject: Subject) -> list[int]:
    return [learner.id for learner in subject.learners]


def _bookings(subject: Subject) -> list[dict[str, Any]]:
    rows = []
    for booking in db.session.scalars(
        select(Booking).where(Booking.family_id == subject.family.id).order_by(Booking.id)
    ):
        rows.append(
            {
                "record": "event booking",
                **record(booking, exclude={"booked_by_id", "transfer_id", "refund_transfer_id"}),
                "event": booking.event.title,
                "event_starts_at": booking.event.starts_at.isoformat(),
                "attendee": booking.attendee_name,
                "refunded": booking.refund_transfer_id is not None,
            }
        )
    return rows


def _conversations(subject: Subject, ids: list[int]) -> list[dict[str, Any]]:
    rows = []
    for conversation in db.session.scalars(
        select(Conversation).where(Conversation.learner_id.in_(ids)).order_by(Conversation.id)
    ):
        rows.append(
            {
                "record": "conversation",
                **record(conversation, exclude={"started_by_id"}),
                "messages": [
                    {
                        **record(message, exclude={"author_id", "conversation_id"}),
                        "written_by": FAMILY if message.author_id in subject.user_ids else STAFF,
                        "attachments": [a.filename for a in message.attachments],
                    }
                    for message in conversation.messages
                ],
            }
        )
    return rows


def export(subject: Subject) -> list[dict[str, Any]]:
    ids = _learner_ids(subject)
    rows = _bookings(subject)
    if ids:
        for mark in db.session.scalars(
            select(Attendance).where(Attendance.learner_id.in_(ids)).order_by(Attendance.id)
        ):
            rows.append({"record": "event register", **record(mark, exclude={"recorded_by_id"})})
        for placement in db.session.scalars(
            select(Placement).where(Placement.learner_id.in_(ids)).order_by(Placement.id)
        ):
            rows.append(
                {
                    "record": "placement",
                    **record(placement, exclude={"expressed_by_id", "decided_by_id"}),
                    "opportunity": placement.opportunity.title,
                    "host": placement.opportunity.host_organisation,
                }
            )
        rows += _conversations(subject, ids)
    for followed in db.session.scalars(select(FollowedLocality).where(FollowedLocality.family_id == subject.family.id)):
        rows.append({"record": "followed locality", "locality_id": followed.locality_id})
    for choice in db.session.scalars(
        select(CommunityPreference).where(CommunityPreference.user_id.in_(sorted(subject.user_ids) or [0]))
    ):
        rows.append({"record": "community email choices", **record(choice, exclude={"user_id"})})
    return rows


def erase(subject: Subject) -> int:
    ids = _learner_ids(subject)
    changed = 0
    if ids:
        threads = select(Conversation.id).where(Conversation.learner_id.in_(ids))
        for message in db.session.scalars(select(Message).where(Message.conversation_id.in_(threads))):
            if message.body != ERASED:
                message.body = ERASED
                changed += 1
        for attachment in db.session.scalars(
            select(MessageAttachment).where(
                MessageAttachment.message_id.in_(select(Message.id).where(Message.conversation_id.in_(threads)))
            )
        ):
            path = path_of(attachment)
            if path is not None:
                uploads.delete_after_commit(path)
            db.session.delete(attachment)
            changed += 1
        for conversation in db.session.scalars(select(Conversation).where(Conversation.learner_id.in_(ids))):
            if conversation.subject != ERASED:
                conversation.subject = ERASED
                changed += 1
        for placement in db.session.scalars(select(Placement).where(Placement.learner_id.in_(ids))):
            if placement.note:
                placement.note = None
                changed += 1
    family = subject.family.id
    changed += db.session.execute(delete(FamilyFeed).where(FamilyFeed.family_id == family)).rowcount
    changed += db.session.execute(delete(FollowedLocality).where(FollowedLocality.family_id == family)).rowcount
    if subject.own_user_ids:
        changed += db.session.execute(
            delete(CommunityPreference).where(CommunityPreference.user_id.in_(sorted(subject.own_user_ids)))
        ).rowcount
    db.session.flush()
    return changed


data_protection.register(Section("community", "Events, placements, conversations and community choices", export, erase))
