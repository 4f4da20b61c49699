"""Conversations about a learner: the family, the current mentor and the coordinator; a handover passes the
thread on; unread counts; an email that a message is waiting, never the message; attachments through the upload
checks; the safeguarding lead reads any thread and each view is audited; export and erasure."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import community_world as cw
from tests.factories import UserFactory, png_bytes
from virtualacademy import clock
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import AuditEvent, Conversation, LocalityStaff, MessageAttachment, OutboxMessage, Role
from virtualacademy.models.localities import LocalityRole
from virtualacademy.policies import can, scoped
from virtualacademy.services import mentoring
from virtualacademy.services.community import conversations, privacy
from virtualacademy.services.data_protection import ERASED, subjects


@pytest.fixture
def world(ctx, app, tmp_path):
    app.config["COMMUNITY_ATTACHMENT_FOLDER"] = str(tmp_path)
    world = cw.build(families=2)
    world.mentor = UserFactory(roles=[Role.MENTOR])
    world.new_mentor = UserFactory(roles=[Role.MENTOR])
    db.session.add_all(
        LocalityStaff(user_id=m.id, locality_id=world.locality.id, role=LocalityRole.MENTOR)
        for m in (world.mentor, world.new_mentor)
    )
    db.session.flush()
    world.learner = world.family(0).children[0]
    mentoring.assign(world.admin, world.learner, world.mentor, clock.today() - timedelta(days=40))
    yield world
    app.config.pop("COMMUNITY_ATTACHMENT_FOLDER", None)


def _emails(user):
    """The "a message is waiting" emails to ``user``."""
    return list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.to_address == user.email, OutboxMessage.subject == "A new message is waiting for you"
            )
        )
    )


def test_a_family_and_the_mentor_exchange_messages_with_unread_counts(ctx, world):
    parent = world.family(0).guardian
    thread = conversations.start(parent, world.learner, "Maths worries", "Ellie is anxious about fractions.")
    assert conversations.unread_count(world.mentor) == 1 and conversations.unread_count(world.coordinator) == 1
    assert conversations.unread_count(parent) == 0
    [email] = _emails(world.mentor)
    assert "fractions" not in email.body_text and "fractions" not in email.subject  # never the message itself
    conversations.post(parent, thread, "Also: she loved the clay workshop.")
    assert conversations.unread_count(world.mentor) == 2
    assert len(_emails(world.mentor)) == 1  # one email until they have read the thread
    messages = conversations.open_thread(world.mentor, thread)
    assert [m.body[:5] for m in messages] == ["Ellie", "Also:"]
    assert conversations.unread_count(world.mentor) == 0
    conversations.post(world.mentor, thread, "Thanks, let's talk on Tuesday.")
    assert conversations.unread_count(parent) == 1
    conversations.post(parent, thread, "Tuesday is fine.")
    assert len(_emails(world.mentor)) == 2  # read since the first email: a new one


def test_only_the_family_the_current_mentor_and_the_coordinator_take_part(ctx, world):
    thread = conversations.start(world.family(0).guardian, world.learner, "Hello", "Hi")
    outsiders = [world.family(1).guardian, world.other_coordinator, world.new_mentor, world.admin]
    for person in outsiders:
        assert not can(person, "view", thread)
        with pytest.raises(NotAllowed):
            conversations.post(person, thread, "Let me in")
        assert db.session.scalars(scoped(person, select(Conversation))).all() == []
    for person in (world.family(0).guardian, world.mentor, world.coordinator):
        assert can(person, "post", thread)
    with pytest.raises(ValidationError):
        conversations.post(world.mentor, thread, "   ")


def test_a_handover_passes_the_thread_to_the_new_mentor(ctx, world):
    thread = conversations.start(world.family(0).guardian, world.learner, "Plans", "Can we talk about the plan?")
    mentoring.assign(world.admin, world.learner, world.new_mentor, clock.today(), "Handing over")
    assert can(world.new_mentor, "post", thread) and conversations.unread_count(world.new_mentor) == 1
    assert not can(world.mentor, "view", thread)
    with pytest.raises(NotAllowed):
        conversations.post(world.mentor, thread, "Still here?")
    conversations.post(world.family(0).guardian, thread, "Welcome!")
    assert len(_emails(world.new_mentor)) == 1


def test_the_safeguarding_lead_reads_any_thread_and_each_view_is_audited(ctx, world):
    dsl = UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    thread = conversations.start(world.family(0).guardian, world.learner, "Hello", "Hi")
    assert can(dsl, "view", thread) and not can(dsl, "post", thread)
    conversations.open_thread(dsl, thread)
    conversations.open_thread(dsl, thread)
    views = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "community.thread_viewed_by_safeguarding_lead")
    ).all()
    assert len(views) == 2 and all(v.actor_id == dsl.id for v in views)
    with pytest.raises(NotAllowed):
        conversations.post(dsl, thread, "Hello")


def test_attachments_go_through_the_upload_checks(ctx, world, tmp_path):
    parent = world.family(0).guardian
    with pytest.raises(ValidationError):
        conversations.start(
            parent, world.learner, "Page", "See this", [conversations.Upload("x.pdf", b"<script>alert(1)</script>")]
        )
    thread = conversations.start(
        parent, world.learner, "Photo", "Her model", [conversations.Upload("model.png", png_bytes())]
    )
    [attachment] = thread.messages[0].attachments
    assert attachment.content_type == "image/png" and (tmp_path / attachment.stored_name).exists()
    data, _ = conversations.attachment_for(world.mentor, attachment)
    assert data == png_bytes()
    assert not can(world.family(1).guardian, "download", attachment)


def test_conversations_are_exported_and_erased(ctx, world, tmp_path):
    parent = world.family(0).guardian
    conversations.start(parent, world.learner, "Photo", "Her model", [conversations.Upload("m.png", png_bytes())])
    conversations.post(world.mentor, db.session.scalars(select(Conversation)).one(), "Lovely")
    subject = subjects.subject(world.family(0).guardian_row.family)
    rows = [r for r in privacy.export(subject) if r["record"] == "conversation"]
    assert [m["written_by"] for m in rows[0]["messages"]] == ["family member", "academy staff"]
    assert rows[0]["messages"][0]["attachments"] == ["m.png"]
    assert privacy.erase(subject) >= 3
    thread = db.session.scalars(select(Conversation)).one()
    assert thread.subject == ERASED and {m.body for m in thread.messages} == {ERASED}
    assert db.session.scalars(select(MessageAttachment)).all() == []
