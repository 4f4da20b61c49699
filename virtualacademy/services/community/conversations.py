"""Conversations about a learner between their family, their mentor and their locality's coordinator.

*Who takes part is never stored*: a thread belongs to the learner, and who may read and post is the learner's
relations today (:data:`access.TALKS`: the family, the current mentor, the locality's coordinator). When a
mentor hands over, the new mentor sees every thread at once and the old one no longer does.

*The safeguarding lead* may read any thread (not post); each time they open one, an audit event records it.

*Telling people*: a new message puts a notification in the app for everyone else who takes part and emails
them that a message is waiting, never what it says; one such email per person per thread until they read it.

*Attachments* go through the product's one file checker (:mod:`virtualacademy.uploads`) and are stored under a
random name in ``COMMUNITY_ATTACHMENT_FOLDER`` (default ``instance/messages/``), removed again if the message is
not committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from virtualacademy import clock, uploads
from virtualacademy.errors import DomainError, NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    Conversation,
    ConversationRead,
    Guardian,
    Learner,
    LocalityStaff,
    MentorAssignment,
    Message,
    MessageAttachment,
    Role,
    User,
    UserRole,
)
from virtualacademy.models.localities import LocalityRole
from virtualacademy.policies.relations import only_related
from virtualacademy.services import audit, notifications
from virtualacademy.services.community import access
from virtualacademy.services.community.common import family_users, require_text

BODY_MAX = 5_000
MAX_ATTACHMENTS = 5
POLICY = uploads.Policy(
    formats=tuple(uploads.FORMATS.values()),
    max_bytes_setting="EVIDENCE_MAX_BYTES",
    field="attachments",
    refusal="The file must be a PDF, an image, audio, video or an office document",
)


@dataclass(frozen=True)
class Upload:
    filename: str | None
    data: bytes


def folder() -> Path:
    configured = current_app.config.get("COMMUNITY_ATTACHMENT_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "messages"


def path_of(attachment: MessageAttachment) -> Path | None:
    name = attachment.stored_name or ""
    if len(name) != 32 or not all(c in "0123456789abcdef" for c in name):
        return None
    return folder() / name


def start(actor: User, learner: Learner, subject: str, body: str, files: list[Upload] | None = None) -> Conversation:
    """A new thread about ``learner`` with its first message."""
    if not access.may_talk(actor, learner):
        raise NotAllowed("Only the learner's family, mentor and coordinator can write to each other about them")
    subject = require_text(subject, "subject", "Enter what the conversation is about", 200)
    conversation = Conversation(learner_id=learner.id, subject=subject, started_by_id=actor.id)
    conversation.learner = learner
    db.session.add(conversation)
    db.session.flush()
    post(actor, conversation, body, files)
    return conversation


def _attach(message: Message, files: list[Upload]) -> None:
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError(f"Attach at most {MAX_ATTACHMENTS} files to one message", field="attachments")
    checked = [(f, uploads.check(POLICY, f.filename, f.data)) for f in files]  # every file checked first
    for upload, kind in checked:
        message.attachments.append(
            MessageAttachment(
                stored_name=uploads.write(folder(), upload.data),
                filename=uploads.display_name(upload.filename, kind, default="attachment"),
                content_type=kind.content_type,
                size=len(upload.data),
            )
        )


def post(actor: User, conversation: Conversation, body: str, files: list[Upload] | None = None) -> Message:
    if not access.may_talk(actor, conversation.learner):
        raise NotAllowed("Only the learner's family, mentor and coordinator can post in this conversation")
    text = require_text(body, "body", "Write your message", BODY_MAX, multiline=True)
    now = clock.now()
    message = Message(conversation_id=conversation.id, author_id=actor.id, body=text, created_at=now)
    _attach(message, list(files or []))
    db.session.add(message)
    conversation.last_message_at = now
    db.session.flush()
    mark_read(actor, conversation, message.id)
    _tell_others(actor, conversation, message)
    return message


def participants(learner: Learner) -> list[User]:
    """Everyone who takes part in the learner's conversations today: the family's accounts, the current mentor,
    the locality's coordinators (holding the role)."""
    people = family_users(learner.family_id, learner_id=learner.id)
    mentors = select(MentorAssignment.mentor_id).where(
        MentorAssignment.learner_id == learner.id, MentorAssignment.ends_on.is_(None)
    )
    coordinators = select(LocalityStaff.user_id).where(
        LocalityStaff.locality_id == learner.locality_id, LocalityStaff.role == LocalityRole.COORDINATOR
    )
    staff = db.session.scalars(
        select(User)
        .where(
            User.active.is_(True),
            or_(
                and_(User.id.in_(mentors), User.id.in_(select(UserRole.user_id).where(UserRole.role == Role.MENTOR))),
                and_(
                    User.id.in_(coordinators),
                    User.id.in_(select(UserRole.user_id).where(UserRole.role == Role.COORDINATOR)),
                ),
            ),
        )
        .order_by(User.id)
    )
    for user in staff:
        if user not in people:
            people.append(user)
    return people


def _tell_others(actor: User, conversation: Conversation, message: Message) -> None:
    """In the app and by email: a message is waiting (never what it says). One email per person per thread
    until they have read it."""
    for user in participants(conversation.learner):
        if user.id == actor.id:
            continue
        seen = _last_read(conversation.id, user.id)
        notifications.notify(
            user,
            f"community-message:{conversation.id}:{user.id}:{seen}",
            "community_message",
            "A new message is waiting for you",
            body="Sign in to read it.",
            link=f"/community/conversations/{conversation.id}",
            email_template="notification",
        )


def _last_read(conversation_id: int, user_id: int) -> int:
    return (
        db.session.scalar(
            select(ConversationRead.last_read_message_id).where(
                ConversationRead.conversation_id == conversation_id, ConversationRead.user_id == user_id
            )
        )
        or 0
    )


def mark_read(user: User, conversation: Conversation, up_to: int | None = None) -> None:
    latest = up_to or db.session.scalar(select(func.max(Message.id)).where(Message.conversation_id == conversation.id))
    if not latest:
        return
    row = db.session.get(ConversationRead, (conversation.id, user.id))
    if row is None:
        db.session.add(ConversationRead(conversation_id=conversation.id, user_id=user.id, last_read_message_id=latest))
    elif row.last_read_message_id < latest:
        row.last_read_message_id, row.read_at = latest, clock.now()
    db.session.flush()


def open_thread(user: User, conversation: Conversation) -> list[Message]:
    """The thread's messages, for reading: marks them read for a participant; for a safeguarding lead who is
    not one, records the view in the audit log instead."""
    if access.may_talk(user, conversation.learner):
        mark_read(user, conversation)
    elif access.may_read_any_thread(user):
        audit.record(
            "community.thread_viewed_by_safeguarding_lead",
            actor=user,
            obj=conversation,
            detail={"learner": conversation.learner_id},
        )
    else:
        raise NotAllowed("This conversation is not yours to read")
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation.id)
            .options(joinedload(Message.author), selectinload(Message.attachments))
            .order_by(Message.id)
        )
    )


def unread_count(user: User) -> int:
    """Messages from others, in threads ``user`` takes part in, after what they have read (for the header)."""
    threads = only_talking(user)
    read = (
        select(ConversationRead.conversation_id, ConversationRead.last_read_message_id)
        .where(ConversationRead.user_id == user.id)
        .subquery()
    )
    return int(
        db.session.scalar(
            select(func.count(Message.id))
            .outerjoin(read, read.c.conversation_id == Message.conversation_id)
            .where(
                Message.conversation_id.in_(threads),
                or_(Message.author_id.is_(None), Message.author_id != user.id),
                Message.id > func.coalesce(read.c.last_read_message_id, 0),
            )
        )
        or 0
    )


def only_talking(user: User):
    """The threads ``user`` takes part in (a safeguarding lead reads others, but they are not theirs)."""
    return only_related(select(Conversation.id), Conversation.learner_id, user, access.TALKS)


def threads_of(learner: Learner) -> list[Conversation]:
    return list(
        db.session.scalars(
            select(Conversation)
            .where(Conversation.learner_id == learner.id)
            .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        )
    )


def attachment_for(user: User, attachment: MessageAttachment) -> tuple[bytes, MessageAttachment]:
    conversation = attachment.message.conversation
    if not access.may_read_conversation(user, conversation):
        raise NotAllowed("This file is not yours to read")
    path = path_of(attachment)
    if path is None or not path.exists():
        raise DomainError("The file is no longer available")
    if not access.may_talk(user, conversation.learner):
        audit.record("community.attachment_viewed_by_safeguarding_lead", actor=user, obj=attachment)
    return path.read_bytes(), attachment


# --- for the pages ---------------------------------------------------------------------------------------------


def _unread_per_thread(user: User, threads) -> Select:
    """A select of (conversation id, messages from others after what ``user`` has read) for the threads in the
    select ``threads``, one row per thread with any unread."""
    read = (
        select(ConversationRead.conversation_id, ConversationRead.last_read_message_id)
        .where(ConversationRead.user_id == user.id)
        .subquery()
    )
    return (
        select(Message.conversation_id.label("conversation_id"), func.count(Message.id).label("unread"))
        .outerjoin(read, read.c.conversation_id == Message.conversation_id)
        .where(
            Message.conversation_id.in_(threads),
            or_(Message.author_id.is_(None), Message.author_id != user.id),
            Message.id > func.coalesce(read.c.last_read_message_id, 0),
        )
        .group_by(Message.conversation_id)
    )


def inbox(user: User) -> Select:
    """The threads ``user`` takes part in, newest activity first, with each thread's learner (for paging; the
    unread counts of a page come from :func:`unread_in`)."""
    return (
        select(Conversation)
        .where(Conversation.id.in_(only_talking(user)))
        .options(joinedload(Conversation.learner))
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    )


def learner_threads(learner: Learner) -> Select:
    """The learner's threads, newest activity first (for paging)."""
    return (
        select(Conversation)
        .where(Conversation.learner_id == learner.id)
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    )


def unread_in(user: User, conversation_ids: list[int]) -> dict[int, int]:
    """How many messages ``user`` has not read in each of ``conversation_ids`` (a page of threads), in one
    grouped statement. Threads they have read through are left out."""
    if not conversation_ids:
        return {}
    return {
        row.conversation_id: int(row.unread)
        for row in db.session.execute(
            _unread_per_thread(user, select(Conversation.id).where(Conversation.id.in_(conversation_ids)))
        )
    }


def unread_threads(user: User, limit: int = 5) -> list[tuple[Conversation, int]]:
    """The newest threads with messages ``user`` has not read, each with how many (one statement)."""
    counts = _unread_per_thread(user, only_talking(user)).subquery()
    rows = db.session.execute(
        select(Conversation, counts.c.unread)
        .join(counts, counts.c.conversation_id == Conversation.id)
        .options(joinedload(Conversation.learner))
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(limit)
    )
    return [(conversation, int(unread)) for conversation, unread in rows]


PARENT_OR_CARER = "Parent or carer"
COORDINATOR_LABEL = "Locality coordinator"
STAFF_LABEL = "Academy staff"


def author_roles(learner: Learner, messages: list[Message]) -> dict[int, str]:
    """What each author of ``messages`` is to ``learner``, in words ("Ellie's mentor", "Parent or carer",
    "Locality coordinator"), in three statements however many messages."""
    authors = {m.author_id for m in messages if m.author_id is not None}
    if not authors:
        return {}
    found: dict[int, str] = {}
    guardians = set(
        db.session.scalars(
            select(Guardian.user_id).where(Guardian.family_id == learner.family_id, Guardian.user_id.in_(authors))
        )
    )
    mentors: dict[int, bool] = {}  # author: mentors the learner now
    for mentor_id, ends_on in db.session.execute(
        select(MentorAssignment.mentor_id, MentorAssignment.ends_on).where(
            MentorAssignment.learner_id == learner.id, MentorAssignment.mentor_id.in_(authors)
        )
    ):
        mentors[mentor_id] = mentors.get(mentor_id, False) or ends_on is None
    coordinators = set(
        db.session.scalars(
            select(LocalityStaff.user_id).where(
                LocalityStaff.locality_id == learner.locality_id,
                LocalityStaff.role == LocalityRole.COORDINATOR,
                LocalityStaff.user_id.in_(authors),
            )
        )
    )
    name = learner.known_as
    for author in authors:
        if learner.user_id == author:
            found[author] = f"{name} (the learner)"
        elif author in guardians:
            found[author] = PARENT_OR_CARER
        elif mentors.get(author):
            found[author] = f"{name}\u2019s mentor"
        elif author in mentors:
            found[author] = f"{name}\u2019s mentor until a handover"
        elif author in coordinators:
            found[author] = COORDINATOR_LABEL
        else:
            found[author] = STAFF_LABEL
    return found


def family_learners(user: User, limit: int = 50) -> list[Learner]:
    """The children a parent or carer (or a learner: themselves) can start a conversation about."""
    return list(
        db.session.scalars(
            only_related(select(Learner), Learner.id, user, access.FAMILY).order_by(Learner.legal_name).limit(limit)
        )
    )
