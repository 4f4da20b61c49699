"""The family's own view: children, contact details, inviting the other guardian and a learner account."""

import re
from datetime import date

from sqlalchemy import select

from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import GuardianFactory, LearnerFactory, UserFactory
from virtualacademy import clock
from virtualacademy.models import Guardian, Learner, MentorAssignment, OutboxMessage, Role, User


def family_with(client, *learners):
    guardian = GuardianFactory(family=learners[0].family)
    for other in learners[1:]:
        other.family = learners[0].family
    sign_in(client, guardian.user.email)
    return guardian


def test_guardian_switches_between_children_and_edits_their_details(client, db_session):
    ann = LearnerFactory(legal_name="Ann Smith", preferred_name="Annie")
    bob = LearnerFactory(legal_name="Bob Smith", family=ann.family)
    family_with(client, ann, bob)
    home = client.get("/family").get_data(as_text=True)
    assert "Annie" in home and "Bob" in home
    page = client.get(f"/family/learners/{bob.id}").get_data(as_text=True)
    assert f'href="/family/learners/{ann.id}"' in page  # switch to the sibling
    path = f"/family/learners/{bob.id}"
    response = post_form(client, path, {"preferred_name": "Bobby", "needs": "Prefers mornings."}, path)
    assert response.status_code == 302
    db_session.expire_all()
    bob = db_session.get(Learner, bob.id)
    assert bob.preferred_name == "Bobby" and bob.needs == "Prefers mornings."


def test_guardian_cannot_see_another_familys_child(client, db_session):
    mine = LearnerFactory()
    theirs = LearnerFactory()
    family_with(client, mine)
    assert client.get(f"/family/learners/{theirs.id}").status_code == 404
    assert client.get(f"/learners/{theirs.id}").status_code == 404
    assert theirs.legal_name not in client.get("/family").get_data(as_text=True)


def test_contact_details_are_validated_and_saved(client, db_session):
    learner = LearnerFactory()
    guardian = family_with(client, learner)
    response = post_form(
        client,
        "/family/contact",
        {"phone": "12", "line_1": "1 New Road", "town": "Doncaster", "postcode": "DN4 5HX"},
        "/family/contact",
    )
    assert "Enter a UK phone number" in response.get_data(as_text=True)
    response = post_form(
        client,
        "/family/contact",
        {"phone": "01302 123456", "line_1": "1 New Road", "town": "Doncaster", "postcode": "dn5 7ab"},
        "/family/contact",
    )
    assert response.status_code == 302
    db_session.expire_all()
    g = db_session.get(Guardian, guardian.id)
    assert g.phone == "01302 123456" and g.family.postcode == "DN5 7AB" and g.family.address_line_1 == "1 New Road"


def test_inviting_the_other_guardian(client, db_session):
    learner = LearnerFactory()
    family_with(client, learner)
    response = post_form(client, "/family", {"name": "Chris Partner", "email": "chris@example.com"}, "/family")
    assert response.status_code == 302
    chris = db_session.scalar(select(User).where(User.email == "chris@example.com"))
    assert chris.roles == {Role.GUARDIAN} and chris.password_hash is None
    guardian = db_session.scalar(select(Guardian).where(Guardian.email == "chris@example.com"))
    assert guardian.family_id == learner.family_id and guardian.user_id == chris.id
    invitation = db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "chris@example.com")).one()
    assert re.search(r"/invitation/\S+", invitation.body_text)
    again = post_form(client, "/family", {"name": "Chris Partner", "email": "chris@example.com"}, "/family")
    assert "Chris Partner already has an account" in again.get_data(as_text=True)


def test_learner_account_only_from_age_11_and_sees_only_themself(app, client, db_session):
    today = clock.today()
    older = LearnerFactory(date_of_birth=date(today.year - 12, 1, 1), legal_name="Olly Older")
    younger = LearnerFactory(date_of_birth=date(today.year - 9, 1, 1), family=older.family, legal_name="Yan Younger")
    guardian = family_with(client, older, younger)
    path = f"/family/learners/{younger.id}"
    page = post_form(client, f"{path}/account", {"email": "yan@example.com"}, path).get_data(as_text=True)
    assert "for children aged 11 or over" in page
    path = f"/family/learners/{older.id}"
    page = post_form(client, f"{path}/account", {"email": guardian.user.email}, path).get_data(as_text=True)
    assert "not a parent" in page
    response = post_form(client, f"{path}/account", {"email": "olly@example.com"}, path)
    assert response.status_code == 302
    olly = db_session.scalar(select(User).where(User.email == "olly@example.com"))
    assert olly.roles == {Role.LEARNER}
    assert db_session.get(Learner, older.id).user_id == olly.id

    # Olly sets a password from the invitation and sees only himself
    link = re.search(
        r"http://localhost(/invitation/\S+)",
        db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "olly@example.com")).one().body_text,
    ).group(1)
    learner_client = app.test_client()
    post_form(
        learner_client, link, {"password": "stars and planets forever", "confirm": "stars and planets forever"}, link
    )
    assert "Hello, Olly" in learner_client.get("/me").get_data(as_text=True)
    assert learner_client.get(f"/learners/{older.id}").status_code == 200
    assert learner_client.get(f"/learners/{younger.id}").status_code == 404
    assert learner_client.get("/family").status_code == 403


def test_every_family_page_names_the_learners_mentor(app, client, db_session):
    learner = LearnerFactory(legal_name="Olly Owl")
    guardian = GuardianFactory(family=learner.family)
    learner.user = UserFactory(roles=[Role.LEARNER])
    mentor = UserFactory(roles=[Role.MENTOR], name="Mo Mentor")
    db_session.add(MentorAssignment(learner_id=learner.id, mentor_id=mentor.id, starts_on=date(2027, 1, 4)))
    db_session.commit()
    sign_in(client, learner.user.email)
    own = client.get("/me").get_data(as_text=True)
    assert "Mo Mentor" in own and "Being arranged" not in own
    assert 'href="/learning/my-plan"' in own
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/me")})
    sign_in(client, guardian.user.email)
    for path in ("/family", f"/family/learners/{learner.id}", "/dashboard"):
        page = client.get(path).get_data(as_text=True)
        assert "Mo Mentor" in page and "Being arranged" not in page, path
