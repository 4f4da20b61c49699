"""The conversation pages: a parent starts a thread with a file, the mentor sees the unread count in the header and
on the dashboard, reads (the count goes down) and replies; the email only says a message is waiting; a handover
passes the thread to the new mentor; the safeguarding lead reads (audited) and cannot reply; a disguised file is
refused with a message and what was typed stays; the lists cost the same few statements for 3 threads or 30."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import community_world as cw
from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import LearnerFactory, UserFactory
from tests.statements import counting
from virtualacademy import clock, mail
from virtualacademy.extensions import db
from virtualacademy.models import (
    AuditEvent,
    Conversation,
    LocalityStaff,
    MentorAssignment,
    Message,
    MessageAttachment,
    Role,
)
from virtualacademy.models.localities import LocalityRole
from virtualacademy.services import mentoring
from virtualacademy.services.community import conversations

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SECRET = "Ellie is worried about the fractions test"


@pytest.fixture
def world(app, db_session, tmp_path):
    app.config["COMMUNITY_ATTACHMENT_FOLDER"] = str(tmp_path)
    with app.test_request_context():
        world = cw.build(families=2)
        world.mentor = UserFactory(roles=[Role.MENTOR], name="Mo Mentor")
        world.new_mentor = UserFactory(roles=[Role.MENTOR], name="Nat New")
        world.lead = UserFactory(roles=[Role.SAFEGUARDING_LEAD], name="Lee Lead")
        db_session.add_all(
            LocalityStaff(user_id=m.id, locality_id=world.locality.id, role=LocalityRole.MENTOR)
            for m in (world.mentor, world.new_mentor)
        )
        world.learner = world.family(0).children[0]
        world.learner.preferred_name = "Ellie"
        mentoring.assign(world.admin, world.learner, world.mentor, clock.today() - timedelta(days=40))
        db_session.commit()
    yield world
    app.config.pop("COMMUNITY_ATTACHMENT_FOLDER", None)


def client_for(app, user):
    client = app.test_client()
    sign_in(client, user.email)
    return client


def _start(client, learner, subject="Maths worries", body=SECRET, files=()):
    path = f"/community/learners/{learner.id}/conversations/new"
    data = {"subject": subject, "body": body, "attachments": [(io.BytesIO(d), name) for name, d in files]}
    return post_form(client, path, data, path, content_type="multipart/form-data")


def _thread(learner) -> Conversation:
    return db.session.scalars(select(Conversation).where(Conversation.learner_id == learner.id)).one()


def _header(page: str) -> str:
    """The "Messages" entry of the header, as read."""
    found = re.search(r'href="/community/conversations"[^>]*>(.*?)</a>', page, re.S)
    assert found, "no Messages entry in the header"
    return re.sub(r"<[^>]+>", "", found.group(1)).split()


def test_a_parent_starts_a_thread_with_a_pdf_and_the_mentor_reads_and_replies(app, world, smtp_server, travel):
    travel(datetime(2027, 3, 2, 10, 0, tzinfo=clock.LONDON))  # the message's time is shown: fixed, not the run's
    parent = client_for(app, world.family(0).guardian)
    response = _start(parent, world.learner, files=[("plan.pdf", PDF)])
    assert response.status_code == 302
    thread = _thread(world.learner)
    [attachment] = db.session.scalars(select(MessageAttachment)).all()
    assert (attachment.filename, attachment.content_type) == ("plan.pdf", "application/pdf")

    mail.deliver_pending()
    [email] = [m for m in smtp_server.inbox.to(world.mentor.email) if "waiting" in m["Subject"]]
    text = email.get_body(("plain",)).get_content()
    assert "message is waiting" in email["Subject"].lower() and "Sign in to read it" in text
    assert "fractions" not in text and "fractions" not in email["Subject"] and "Maths worries" not in text

    mentor = client_for(app, world.mentor)
    dashboard = mentor.get("/dashboard").get_data(as_text=True)
    assert _header(dashboard) == ["Messages", "1", "unread"]
    assert "Maths worries</a> about Ellie: 1 unread" in dashboard

    inbox = mentor.get("/community/conversations").get_data(as_text=True)
    assert "Maths worries" in inbox and "1 unread" in inbox

    page = mentor.get(f"/community/conversations/{thread.id}").get_data(as_text=True)
    assert SECRET in page and "Parent or carer" in page and "Tuesday 2 March 2027 at 10:00" in page
    assert f'href="/community/attachments/{attachment.id}"' in page and "plan.pdf" in page
    assert _header(page) == ["Messages"]  # read: the count has gone
    assert conversations.unread_count(world.mentor) == 0

    download = mentor.get(f"/community/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")

    path = f"/community/conversations/{thread.id}"
    response = post_form(mentor, path, {"body": "Let's talk on Tuesday."}, path, content_type="multipart/form-data")
    assert response.status_code == 302
    page = parent.get(path).get_data(as_text=True)
    assert "Let&#39;s talk on Tuesday." in page and "Ellie’s mentor" in page and "Mo Mentor" in page
    assert db.session.scalar(select(func.count(Message.id))) == 2


def test_the_unread_count_goes_down_as_threads_are_read(app, world):
    parent = client_for(app, world.family(0).guardian)
    _start(parent, world.learner, "First", "One")
    _start(parent, world.learner, "Second", "Two")
    mentor = client_for(app, world.mentor)
    assert _header(mentor.get("/community/conversations").get_data(as_text=True)) == ["Messages", "2", "unread"]
    first = db.session.scalar(select(Conversation.id).where(Conversation.subject == "First"))
    mentor.get(f"/community/conversations/{first}")
    assert _header(mentor.get("/community/conversations").get_data(as_text=True)) == ["Messages", "1", "unread"]


def test_after_a_handover_the_old_mentor_gets_404_and_the_new_one_sees_the_thread(app, world):
    parent = client_for(app, world.family(0).guardian)
    _start(parent, world.learner)
    thread = _thread(world.learner)
    with app.test_request_context():
        mentoring.assign(
            world.admin,
            db.session.get(type(world.learner), world.learner.id),
            world.new_mentor,
            clock.today(),
            "Handing over",
        )
        db.session.commit()
    old, new = client_for(app, world.mentor), client_for(app, world.new_mentor)
    assert old.get(f"/community/conversations/{thread.id}").status_code == 404
    assert old.get(f"/community/learners/{world.learner.id}/conversations").status_code == 404
    assert "Maths worries" not in old.get("/community/conversations").get_data(as_text=True)
    assert "Maths worries" in new.get("/community/conversations").get_data(as_text=True)
    assert SECRET in new.get(f"/community/conversations/{thread.id}").get_data(as_text=True)


def test_the_safeguarding_lead_reads_audited_with_no_reply_form(app, world):
    _start(client_for(app, world.family(0).guardian), world.learner)
    thread = _thread(world.learner)
    lead = client_for(app, world.lead)
    found = lead.get("/community/conversations?q=" + world.learner.legal_name.split()[0]).get_data(as_text=True)
    assert f"/community/learners/{world.learner.id}/conversations" in found
    listing = lead.get(f"/community/learners/{world.learner.id}/conversations").get_data(as_text=True)
    assert "Maths worries" in listing and "Start a conversation" not in listing
    page = lead.get(f"/community/conversations/{thread.id}").get_data(as_text=True)
    assert SECRET in page and "Send reply" not in page and 'name="body"' not in page
    views = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "community.thread_viewed_by_safeguarding_lead")
    ).all()
    assert [v.actor_id for v in views] == [world.lead.id]
    path = f"/community/conversations/{thread.id}"
    token = csrf_token(lead, path)
    assert lead.post(path, data={"body": "Hello", "csrf_token": token}).status_code == 403
    assert lead.get(f"/community/learners/{world.learner.id}/conversations/new").status_code == 403
    assert db.session.scalar(select(func.count(Message.id))) == 1


def test_a_disguised_file_is_refused_with_a_message_and_what_was_typed_stays(app, world):
    parent = client_for(app, world.family(0).guardian)
    response = _start(parent, world.learner, files=[("report.pdf", b"<script>alert(1)</script>")])
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Error: " in page
    assert "The file is a web page, SVG or script, which cannot be accepted, even though its name ends in .pdf" in page
    assert 'value="Maths worries"' in page and SECRET in page
    assert db.session.scalar(select(func.count(Conversation.id))) == 0


def test_an_empty_form_and_bad_input_give_field_errors(app, world):
    parent = client_for(app, world.family(0).guardian)
    page = _start(parent, world.learner, subject="", body="").get_data(as_text=True)
    assert "Enter what the conversation is about" in page and "Write your message" in page
    page = _start(parent, world.learner, subject="x" * 201, body="y" * 5001).get_data(as_text=True)
    assert "200 characters or fewer" in page and "5,000 characters or fewer" in page
    files = [(f"p{n}.pdf", PDF) for n in range(6)]
    page = _start(parent, world.learner, files=files).get_data(as_text=True)
    assert "Attach at most 5 files" in page
    assert db.session.scalar(select(func.count(Conversation.id))) == 0


def test_others_cannot_read_threads_or_files(app, world):
    _start(client_for(app, world.family(0).guardian), world.learner, files=[("plan.pdf", PDF)])
    thread = _thread(world.learner)
    attachment = db.session.scalars(select(MessageAttachment)).one()
    for outsider in (world.family(1).guardian, world.other_coordinator, world.new_mentor):
        client = client_for(app, outsider)
        assert client.get(f"/community/conversations/{thread.id}").status_code == 404
        assert client.get(f"/community/attachments/{attachment.id}").status_code == 404
        assert client.get(f"/community/learners/{world.learner.id}/conversations/new").status_code == 404
    coordinator = client_for(app, world.coordinator)
    assert coordinator.get(f"/community/attachments/{attachment.id}").status_code == 200


def _threads(app, world, how_many: int) -> None:
    with app.test_request_context():
        parent = world.family(0).guardian
        for n in range(how_many):
            learner = LearnerFactory(family=world.family(0).guardian_row.family, locality=world.locality)
            db.session.add(MentorAssignment(learner_id=learner.id, mentor_id=world.mentor.id, starts_on=clock.today()))
            db.session.flush()
            conversations.start(db.session.merge(parent), learner, f"Thread {n}", "Hello")
        db.session.commit()


@pytest.mark.parametrize("path", ["/community/conversations", "/dashboard"])
def test_the_lists_cost_the_same_statements_for_3_threads_or_30(app, world, path):
    mentor = client_for(app, world.mentor)
    _threads(app, world, 3)
    with counting() as few:
        assert mentor.get(path).status_code == 200
    _threads(app, world, 27)
    with counting() as many:
        page = mentor.get(path).get_data(as_text=True)
    assert len(many) == len(few)
    assert _header(page) == ["Messages", "30", "unread"]


def test_the_learner_page_lists_threads_and_offers_to_start_one(app, world):
    parent = client_for(app, world.family(0).guardian)
    _start(parent, world.learner)
    page = parent.get(f"/community/learners/{world.learner.id}/conversations").get_data(as_text=True)
    assert "Maths worries" in page and "Start a conversation" in page
    inbox = parent.get("/community/conversations").get_data(as_text=True)
    assert f"/community/learners/{world.learner.id}/conversations" in inbox
