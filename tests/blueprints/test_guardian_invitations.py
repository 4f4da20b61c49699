"""Admin pages and the command for inviting parents and carers without an account to sign in."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import post_form, sign_in
from tests.factories import GuardianFactory, LearnerFactory, UserFactory
from virtualacademy import clock
from virtualacademy.models import Guardian, LocalityRole, LocalityStaff, OutboxMessage, Role


@pytest.fixture
def people(app, db_session):
    today = clock.today()
    admin = UserFactory(roles=[Role.ADMIN], name="Ada Admin")
    learner = LearnerFactory(legal_name="Robin Example", enrolled=today - timedelta(days=30))
    GuardianFactory(family=learner.family, user=None, name="Al Example", email="al@example.com")
    GuardianFactory(family=learner.family, user=None, name="Bo Example", email=None, is_primary=False)
    other = LearnerFactory(enrolled=today - timedelta(days=30))
    GuardianFactory(family=other.family, user=None, name="Cy Other", email="cy@example.com")
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    db_session.add(
        LocalityStaff(user_id=coordinator.id, locality_id=learner.locality_id, role=LocalityRole.COORDINATOR)
    )
    db_session.commit()
    return {"admin": admin, "learner": learner, "coordinator": coordinator}


def client_for(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def guardian(db_session, name: str) -> Guardian:
    db_session.expire_all()
    return db_session.scalar(select(Guardian).where(Guardian.name == name))


def test_the_learners_page_shows_who_signs_in_and_invites_the_family(app, db_session, people):
    admin = client_for(app, people["admin"])
    path = f"/learners/{people['learner'].id}"
    page = admin.get(path).get_data(as_text=True)
    assert "Parents and carers" in page and "Al Example" in page and "No email address" in page
    assert page.count("No account") == 2 and "Invite them to sign in" in page
    response = post_form(admin, f"{path}/invite-guardians", token_from=path)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{path}#parents-and-carers")
    assert guardian(db_session, "Al Example").user_id is not None
    assert guardian(db_session, "Cy Other").user_id is None  # another family
    page = admin.get(path).get_data(as_text=True)
    assert "Invited 1 parent or carer to set a password and sign in." in page
    assert "1 parent or carer could not be invited: no email address." in page
    assert "Invited</strong>" in page and "Invite them to sign in" not in page
    # A coordinator sees the table but cannot invite.
    coordinator = client_for(app, people["coordinator"])
    assert "Al Example" in coordinator.get(path).get_data(as_text=True)
    assert post_form(coordinator, f"{path}/invite-guardians", token_from=path).status_code == 403


def test_the_invitations_page_sends_the_next_batch(app, db_session, people, monkeypatch):
    from virtualacademy.services import families

    monkeypatch.setattr(families, "INVITE_BATCH", 1)
    admin = client_for(app, people["admin"])
    page = admin.get("/families/invitations").get_data(as_text=True)
    assert "<strong>2</strong> parents or carers in 2 families can be invited." in page
    assert "Send the next 1 invitation" in page and "1 parent or carer cannot be invited" in page
    response = post_form(admin, "/families/invitations", token_from="/families/invitations", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Invited 1 parent or carer" in page and "1 parent or carer still to invite" in page
    post_form(admin, "/families/invitations", token_from="/families/invitations")
    page = admin.get("/families/invitations").get_data(as_text=True)
    assert "has an account or has been invited" in page
    sent = db_session.scalars(select(OutboxMessage.to_address).order_by(OutboxMessage.id)).all()
    assert [a for a in sent if a in ("al@example.com", "cy@example.com")] == ["al@example.com", "cy@example.com"]


def test_the_command_invites_everyone_with_progress(app, db_session, people):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["invite-guardians", "--admin", people["admin"].email, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2 parent(s) or carer(s) in 2 families to invite; 1 without an email address" in result.output
    assert guardian(db_session, "Al Example").user_id is None
    result = runner.invoke(args=["invite-guardians", "--admin", people["admin"].email])
    assert result.exit_code == 0, result.output
    assert "Invited 2; asked 0 with an existing account to accept" in result.output
    assert guardian(db_session, "Cy Other").user_id is not None
    again = runner.invoke(args=["invite-guardians", "--admin", people["admin"].email])
    assert "0 parent(s) or carer(s)" in again.output
    refused = runner.invoke(args=["invite-guardians", "--admin", "nobody@example.com"])
    assert refused.exit_code != 0 and "not an active admin" in refused.output
