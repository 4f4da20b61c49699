"""Admin: users and roles, deactivation, and the audit log."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from tests.conftest import post_form, sign_in
from tests.factories import UserFactory
from virtualacademy.models import AuditEvent, OutboxMessage, Role, User
from virtualacademy.services import audit


def table(page: str) -> str:
    """The rows of the page's table (so filter choices elsewhere on the page don't count)."""
    return page.split("<tbody", 1)[1].split("</tbody>", 1)[0]


def signed_in_admin(client):
    admin = UserFactory(name="Alex Admin", roles=[Role.ADMIN])
    sign_in(client, admin.email)
    return admin


def test_users_list_filters_by_role(client, db_session):
    signed_in_admin(client)
    UserFactory(name="Mina Mentor", roles=[Role.MENTOR])
    UserFactory(name="Gus Guardian", roles=[Role.GUARDIAN])
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Mina Mentor" in page and "Gus Guardian" in page
    page = client.get("/admin/users?role=mentor").get_data(as_text=True)
    assert "Mina Mentor" in page and "Gus Guardian" not in page
    assert client.get("/admin/users?role=wizard").status_code == 404


def test_changing_roles_is_saved_and_audited(client, db_session):
    admin = signed_in_admin(client)
    user = UserFactory(name="Rae Staff", roles=[Role.MENTOR])
    path = f"/admin/users/{user.id}"
    response = post_form(client, path, {"name": "Rae Staff-Jones", "roles": ["coordinator", "safeguarding_lead"]}, path)
    assert response.status_code == 302
    db_session.expire_all()
    user = db_session.get(User, user.id)
    assert user.name == "Rae Staff-Jones"
    assert user.roles == {Role.COORDINATOR, Role.SAFEGUARDING_LEAD}
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "user.roles_changed"))
    assert event.actor_id == admin.id
    assert event.detail == {"added": ["coordinator", "safeguarding_lead"], "removed": ["mentor"]}


def test_admin_cannot_remove_their_own_admin_role(client, db_session):
    admin = signed_in_admin(client)
    UserFactory(roles=[Role.ADMIN])  # another admin exists; still not allowed on yourself
    path = f"/admin/users/{admin.id}"
    response = post_form(client, path, {"name": admin.name, "roles": ["mentor"]}, path)
    assert response.status_code == 200
    assert "You cannot remove your own admin role" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(User, admin.id).roles == {Role.ADMIN}


def test_the_last_admin_cannot_be_removed_or_deactivated(client, db_session):
    admin = signed_in_admin(client)
    other = UserFactory(roles=[Role.ADMIN])
    post_form(client, f"/admin/users/{other.id}/deactivate", {}, f"/admin/users/{other.id}")
    db_session.expire_all()
    assert db_session.get(User, other.id).active is False
    # now `admin` is the only active admin: deactivating yourself is refused anyway
    response = post_form(
        client, f"/admin/users/{admin.id}/deactivate", {}, f"/admin/users/{admin.id}", follow_redirects=True
    )
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(User, admin.id).active is True


def test_deactivate_and_reactivate_are_audited(client, db_session):
    signed_in_admin(client)
    user = UserFactory(roles=[Role.MENTOR])
    path = f"/admin/users/{user.id}"
    response = post_form(client, f"{path}/deactivate", {}, path, follow_redirects=True)
    assert "can no longer sign in" in response.get_data(as_text=True)
    response = post_form(client, f"{path}/reactivate", {}, path, follow_redirects=True)
    assert "can sign in again" in response.get_data(as_text=True)
    actions = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(user.id)).order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["user.deactivated", "user.activated"]


def test_invite_form_rejects_bad_input_and_keeps_what_was_typed(client, db_session):
    signed_in_admin(client)
    UserFactory(email="taken@example.com")
    path = "/admin/users/invite"
    response = post_form(client, path, {"name": "", "email": "not-an-email", "roles": []}, path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter the person&#39;s full name" in page or "Enter the person's full name" in page
    assert "Select at least one role" in page
    assert 'value="not-an-email"' in page
    response = post_form(client, path, {"name": "Dup Licate", "email": "TAKEN@example.com", "roles": ["mentor"]}, path)
    page = response.get_data(as_text=True)
    assert "An account with this email address already exists" in page
    assert 'value="Dup Licate"' in page
    response = post_form(client, path, {"name": "Bad Email", "email": "a@b", "roles": ["mentor"]}, path)
    assert "Enter an email address in the correct format" in response.get_data(as_text=True)
    assert db_session.scalars(select(OutboxMessage)).all() == []


def test_resend_invitation_queues_a_new_link(client, db_session):
    admin = signed_in_admin(client)
    from virtualacademy.services import accounts

    user = accounts.invite(admin, "late@example.com", "Late Starter", [Role.MENTOR])
    db_session.commit()
    path = f"/admin/users/{user.id}"
    response = post_form(client, f"{path}/resend-invitation", {}, path, follow_redirects=True)
    assert "A new invitation has been sent to late@example.com" in response.get_data(as_text=True)
    assert (
        len(db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "late@example.com")).all()) == 2
    )


def test_audit_log_pages_and_filters(client, db_session):
    admin = signed_in_admin(client)
    for n in range(60):
        audit.record("test.bulk", actor=admin, object_type="Thing", object_id=n)
    audit.record("test.other", object_type="Widget", object_id=7)
    old = audit.record("test.old", object_type="Widget", object_id=8)
    old.occurred_at = datetime(2025, 1, 15, 12, tzinfo=UTC)
    db_session.commit()

    page = client.get("/admin/audit").get_data(as_text=True)
    assert "events, newest first" in page
    assert 'aria-label="Page 2"' in page or "page=2" in page
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "test.bulk" in second

    filtered = client.get("/admin/audit?action=test.other").get_data(as_text=True)
    assert "1 event," in filtered and "Widget 7" in table(filtered)

    by_actor = table(client.get(f"/admin/audit?actor_email={admin.email.upper()}").get_data(as_text=True))
    assert "test.other" not in by_actor and "test.bulk" in by_actor

    by_object = client.get("/admin/audit?object_type=Widget&object_id=8").get_data(as_text=True)
    assert "1 event," in by_object and "test.old" in table(by_object)

    jan = "date_from=14&date_from=1&date_from=2025&date_to=16&date_to=1&date_to=2025"
    dated = client.get(f"/admin/audit?{jan}").get_data(as_text=True)
    assert "1 event," in dated and "test.old" in table(dated)

    bad = client.get("/admin/audit?date_from=31&date_from=2&date_from=2025")
    assert bad.status_code == 200
    assert "From must be a real date" in bad.get_data(as_text=True)


def test_audit_filter_uses_london_days(ctx):
    event = audit.record("test.late_evening")
    # 23:30 on 30 June in London is 22:30 UTC
    event.occurred_at = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)
    ctx.flush()
    june_30 = ctx.scalars(audit.query(audit.AuditFilter(date_from=date(2026, 6, 30), date_to=date(2026, 6, 30)))).all()
    july_1 = ctx.scalars(audit.query(audit.AuditFilter(date_from=date(2026, 7, 1)))).all()
    assert event in june_30 and event not in july_1
