"""The family's own view: children, contact details, inviting the other guardian and a learner account."""

import re
from datetime import date

from sqlalchemy import select

from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import GuardianFactory, LearnerFactory, UserFactory
from virtualacademy import clock
from virtualacademy.models import AuditEvent, Guardian, Learner, MentorAssignment, OutboxMessage, Role, User
from virtualacademy.services.families import families_of


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


def invitation_link(db_session, to: str) -> str:
    body = db_session.scalars(
        select(OutboxMessage.body_text).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id.desc())
    ).first()
    return re.search(r"https?://[^/\s]+(/family/invitations/\S+)", body).group(1)


def test_inviting_the_other_guardian_who_has_no_account(app, client, db_session):
    learner = LearnerFactory()
    family_with(client, learner)
    response = post_form(client, "/family", {"name": "Chris Partner", "email": "chris@example.com"}, "/family")
    assert response.status_code == 302
    home = client.get("/family").get_data(as_text=True)
    assert "We have emailed an invitation to chris@example.com" in home and "Invited, not joined yet" in home
    # Nothing is made until Chris accepts: no account, no parent or carer in the family.
    assert db_session.scalar(select(User).where(User.email == "chris@example.com")) is None
    assert db_session.scalar(select(Guardian).where(Guardian.email == "chris@example.com")) is None
    link = invitation_link(db_session, "chris@example.com")
    chris_client = app.test_client()
    page = chris_client.get(link).get_data(as_text=True)
    assert "Create your account and join" in page
    bad = post_form(chris_client, link, {"password": "short", "confirm": "short"}, link)
    assert bad.status_code == 200 and "govuk-error-summary" in bad.get_data(as_text=True)
    done = post_form(
        chris_client, link, {"password": "a long family password", "confirm": "a long family password"}, link
    )
    assert done.status_code == 302 and done.headers["Location"] == "/family"
    chris = db_session.scalar(select(User).where(User.email == "chris@example.com"))
    guardian = db_session.scalar(select(Guardian).where(Guardian.email == "chris@example.com"))
    assert chris.roles == {Role.GUARDIAN} and guardian.family_id == learner.family_id and guardian.user_id == chris.id
    assert chris_client.get(link).status_code == 400  # single use
    again = post_form(client, "/family", {"name": "Chris Partner", "email": "chris@example.com"}, "/family")
    assert "Chris Partner is already a parent or carer in your family" in again.get_data(as_text=True)


def test_an_existing_account_is_never_attached_by_a_family(app, client, db_session):
    """The same answer whether or not the address has an account; a staff account is refused when it opens the
    link; a guardian account joins only by accepting, signed in as itself."""
    learner = LearnerFactory()
    family_with(client, learner)
    staff = UserFactory(roles=[Role.MENTOR], email="staff@example.com", name="Sam Staff")
    other_parent = GuardianFactory(user__email="kit@example.com", user__name="Kit Other").user
    flashes = []
    for name, email in (
        ("Sam Staff", "staff@example.com"),
        ("Kit Other", "kit@example.com"),
        ("New Person", "new@example.com"),
    ):
        response = post_form(client, "/family", {"name": name, "email": email}, "/family")
        assert response.status_code == 302
        page = client.get("/family").get_data(as_text=True)
        flashes.append(
            re.search(r"We have emailed an invitation to [^<]*", page).group(0).replace(email, "X").replace(name, "N")
        )
    assert len(set(flashes)) == 1  # the page does not tell who already has an account
    db_session.expire_all()
    assert not staff.has_role(Role.GUARDIAN) and not families_of(staff) and len(families_of(other_parent)) == 1
    assert db_session.scalars(select(Guardian).where(Guardian.family_id == learner.family_id)).all() == [
        db_session.scalar(select(Guardian).where(Guardian.family_id == learner.family_id))
    ]

    # Staff: not signed in, the link asks them to sign in; signed in, it is refused with a clear message.
    staff_link = invitation_link(db_session, "staff@example.com")
    staff_client = app.test_client()
    response = staff_client.get(staff_link)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    sign_in(staff_client, staff.email)
    page = staff_client.get(staff_link).get_data(as_text=True)
    assert "a family cannot add a staff account as a parent or carer" in page and "Join the family" not in page
    refused = post_form(staff_client, staff_link, {}, staff_link)
    assert refused.status_code == 200
    db_session.expire_all()
    assert not staff.has_role(Role.GUARDIAN) and staff_client.get(f"/family/learners/{learner.id}").status_code == 403

    # Another family's parent, signed in as someone else, cannot accept; signed in as themselves, they join.
    kit_link = invitation_link(db_session, "kit@example.com")
    page = staff_client.get(kit_link).get_data(as_text=True)
    assert "this invitation is for kit@example.com" in page and "Join the family" not in page
    kit_client = app.test_client()
    sign_in(kit_client, other_parent.email)
    assert kit_client.get(f"/family/learners/{learner.id}").status_code == 404  # nothing changed yet
    assert "Join the family" in kit_client.get(kit_link).get_data(as_text=True)
    joined = post_form(kit_client, kit_link, {}, kit_link)
    assert joined.status_code == 302
    assert kit_client.get(f"/family/learners/{learner.id}").status_code == 200
    assert kit_client.get(kit_link).status_code == 400
    actions = set(
        db_session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("family.guardian_invitation%")))
    )
    assert actions == {
        "family.guardian_invitation_sent",
        "family.guardian_invitation_refused",
        "family.guardian_invitation_accepted",
    }


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


def test_emails_and_pages_greet_a_learner_by_the_name_they_go_by(app, client, db_session):
    """Ella goes by Ellie: her invitation, notifications, digests and password reset say so, and so does the
    header once she signs in; when the family changes the name she goes by, her account follows."""
    from virtualacademy.services import accounts, notifications

    today = clock.today()
    ella = LearnerFactory(date_of_birth=date(today.year - 13, 1, 1), legal_name="Ella Jones", preferred_name="Ellie")
    guardian = family_with(client, ella)
    path = f"/family/learners/{ella.id}"
    assert post_form(client, f"{path}/account", {"email": "ella@example.com"}, path).status_code == 302

    def last_email_to(address: str) -> str:
        return (
            db_session.scalars(
                select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id.desc())
            )
            .first()
            .body_text
        )

    invitation = last_email_to("ella@example.com")
    assert invitation.startswith("Dear Ellie,") and "Ella" not in invitation
    link = re.search(r"http://localhost(/invitation/\S+)", invitation).group(1)
    learner_client = app.test_client()
    post_form(
        learner_client, link, {"password": "stars and planets forever", "confirm": "stars and planets forever"}, link
    )
    page = learner_client.get("/dashboard").get_data(as_text=True)
    assert "Hello, Ellie" in page and 'Ellie<span class="govuk-visually-hidden"> – your account' in page

    # The family changes the name she goes by: her account follows.
    assert post_form(client, path, {"preferred_name": "El", "needs": ""}, path).status_code == 302
    ella_user = db_session.scalar(select(User).where(User.email == "ella@example.com"))
    assert (ella_user.name, ella_user.known_as) == ("Ella Jones", "El")
    notifications.notify(ella_user, "test:1", "test", "Your plan review is due", email_template="notification")
    assert last_email_to("ella@example.com").startswith("Dear El,\n")
    notifications.email_digests([notifications.Digest(ella_user, "digest:1", "Today", "Today:", ["one thing"])])
    assert last_email_to("ella@example.com").startswith("Dear El,\n")
    accounts.request_password_reset("ella@example.com")
    assert last_email_to("ella@example.com").startswith("Dear El,\n")
    # an adult with no other name on record is greeted by their name
    notifications.notify(guardian.user, "test:2", "test", "Hello", email_template="notification")
    assert last_email_to(guardian.user.email).startswith(f"Dear {guardian.user.name},\n")


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
