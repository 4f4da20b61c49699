"""The one notification path: in-app, with an optional email, each notification unique by key."""

from sqlalchemy import func, select

from tests.conftest import post_form, sign_in
from tests.factories import NotificationFactory, UserFactory
from virtualacademy.models import Notification, OutboxMessage
from virtualacademy.services import notifications


def test_a_key_is_used_once_for_the_notification_and_its_email(ctx):
    user = UserFactory()
    first = notifications.notify(
        user, "k:1", "test", "Check-ins due", body="Two learners", link="/dashboard", email_template="notification"
    )
    again = notifications.notify(user, "k:1", "test", "Check-ins due", email_template="notification")
    assert first is not None and again is None
    assert ctx.scalar(select(func.count()).select_from(Notification)) == 1
    (email,) = ctx.scalars(select(OutboxMessage)).all()
    assert email.to_address == user.email and "Two learners" in email.body_text
    assert "http://localhost/dashboard" in email.body_text
    assert notifications.unread_count(user) == 1


def test_bell_shows_the_unread_count_and_opening_marks_read(client, db_session):
    user = UserFactory()
    mine = NotificationFactory(user=user, title="Your check-ins", link="/dashboard")
    NotificationFactory(user=user, title="Another")
    NotificationFactory(title="Someone else's")
    sign_in(client, user.email)
    page = client.get("/dashboard").get_data(as_text=True)
    assert '<span class="va-count">2</span>' in page
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert "Your check-ins" in inbox and "Someone else&#39;s" not in inbox and "Someone else's" not in inbox
    response = post_form(client, f"/notifications/{mine.id}/open", {}, "/notifications/")
    assert response.headers["Location"] == "/dashboard"
    assert '<span class="va-count">1</span>' in client.get("/dashboard").get_data(as_text=True)
    post_form(client, "/notifications/read-all", {}, "/notifications/")
    assert "va-count" not in client.get("/dashboard").get_data(as_text=True)


def test_a_notification_link_to_another_site_is_not_followed(client, db_session):
    user = UserFactory()
    odd = NotificationFactory(user=user, link="https://evil.example.com/")
    sign_in(client, user.email)
    response = post_form(client, f"/notifications/{odd.id}/open", {}, "/notifications/")
    assert response.headers["Location"] == "/notifications/"
