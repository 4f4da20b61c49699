"""The family's application, end to end over HTTP: apply, check, send, create an account,
be reviewed, answer a question, be accepted, and see the children."""

import re
from datetime import date, timedelta

from sqlalchemy import select

from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import LocalityFactory, UserFactory
from virtualacademy import clock
from virtualacademy.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Enrolment,
    Family,
    Guardian,
    Learner,
    OutboxMessage,
    Role,
    User,
)
from virtualacademy.services import accounts, families

PASSWORD = "our family learns together"


def post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def last_link(session, to, prefix):
    """The link starting ``prefix`` in the latest email to ``to`` that has one."""
    for message in session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id.desc())
    ):
        match = re.search(r"http://localhost(" + re.escape(prefix) + r"\S+)", message.body_text)
        if match:
            return match.group(1)
    raise AssertionError(f"no {prefix} link emailed to {to}")


CHILD = {
    "legal_name": "Robin Example",
    "preferred_name": "Robbie",
    "date_of_birth": ["14", "3", "2014"],
    "previous_school": "Hill Primary",
    "previous_school_urn": "106789",
    "date_left_school": ["20", "7", "2025"],
    "reason": "health",
    "send_status": "ehcp",
    "ehcp_review_date": ["1", "2", "2027"],
    "fsm_eligible": "y",
    "needs": "Finds groups hard; loves astronomy.",
}


def fill_application(client, email="jo.example@example.com"):
    assert client.get("/apply").status_code == 200
    response = post(client, "/apply/your-details", {"name": "Jo Example", "email": email, "phone": "07700 900982"})
    assert response.headers["Location"] == "/apply/address"
    response = post(client, "/apply/address", {"line_1": "3 Mill Lane", "town": "Doncaster", "postcode": "dn45hx"})
    assert response.headers["Location"] == "/apply/other-parent"
    response = post(client, "/apply/other-parent", {})
    assert response.headers["Location"] == "/apply/children"
    response = post(client, "/apply/children/add", CHILD)
    assert response.headers["Location"] == "/apply/children", response.get_data(as_text=True)
    response = post(client, "/apply/declaration", {"privacy_consent": "y"})
    assert response.headers["Location"] == "/apply/check"


def test_a_family_applies_and_is_accepted(app, client, db_session):
    south = LocalityFactory(name="Doncaster South", districts=["DN4"])
    fill_application(client)
    application = db_session.scalar(select(Application))
    assert application.status is ApplicationStatus.DRAFT
    assert application.locality_id == south.id  # suggested from the postcode district
    assert application.answers["address"]["postcode"] == "DN4 5HX"
    # a resume link was emailed at the start
    assert last_link(db_session, "jo.example@example.com", "/apply/resume/")

    check = client.get("/apply/check").get_data(as_text=True)
    for text in (
        "Jo Example",
        "3 Mill Lane, Doncaster, DN4 5HX",
        "Robin Example",
        "14 March 2014",
        "Hill Primary, URN 106789",
        "Health, including anxiety or medical needs",
        "Education, Health and Care Plan (EHCP), next annual review 1 February 2027",
        "Doncaster South",
    ):
        assert text in check, text

    response = post(client, "/apply/check", {})
    assert response.headers["Location"] == "/apply/sent"
    assert application.reference in client.get("/apply/sent").get_data(as_text=True)
    db_session.expire_all()
    application = db_session.get(Application, application.id)
    assert application.status is ApplicationStatus.SUBMITTED and application.submitted_at

    # the confirmation email's link verifies the email and creates the guardian account
    account_link = last_link(db_session, "jo.example@example.com", "/apply/account/")
    response = post(client, account_link, {"password": PASSWORD, "confirm": PASSWORD})
    assert response.headers["Location"] == "/dashboard"
    jo = db_session.scalar(select(User).where(User.email == "jo.example@example.com"))
    assert jo.roles == {Role.GUARDIAN}
    used = client.get(account_link)  # used: it now leads to the application itself
    assert used.headers["Location"] == f"/my-applications/{application.id}"
    family_page = client.get("/family").get_data(as_text=True)
    assert "Submitted" in family_page

    # admin asks a question; the family answers in the app
    admin_client = app.test_client()
    admin = UserFactory(roles=[Role.ADMIN])
    sign_in(admin_client, admin.email)
    queue = admin_client.get("/applications").get_data(as_text=True)
    assert application.reference in queue
    detail = f"/applications/{application.id}"
    response = admin_client.post(
        f"{detail}/ask",
        data={"question": "Which exam board was Robin studying?", "csrf_token": csrf_token(admin_client, detail)},
    )
    assert response.status_code == 302
    # the question's email links to the application (through sign-in, or making the account, as needed)
    resume = last_link(db_session, "jo.example@example.com", "/apply/resume/")
    question_link = client.get(resume).headers["Location"]
    assert question_link == f"/my-applications/{application.id}"
    page = client.get(question_link).get_data(as_text=True)
    assert "Which exam board was Robin studying?" in page
    response = post(client, question_link, {"answer": "AQA for science."})
    assert response.status_code == 302
    assert "AQA for science." in admin_client.get(detail).get_data(as_text=True)

    # accept
    response = admin_client.post(
        f"{detail}/accept",
        data={
            "start_date": ["1", "12", "2026"],
            "locality_id": south.id,
            "csrf_token": csrf_token(admin_client, detail),
        },
    )
    assert response.status_code == 302
    db_session.expire_all()
    family = db_session.scalar(select(Family))
    learner = db_session.scalar(select(Learner))
    assert learner.legal_name == "Robin Example" and learner.preferred_name == "Robbie"
    assert learner.ehcp_review_date == date(2027, 2, 1) and learner.fsm_eligible
    assert learner.locality_id == south.id
    (enrolment,) = db_session.scalars(select(Enrolment)).all()
    assert enrolment.start_date == date(2026, 12, 1) and enrolment.locality_id == south.id
    (guardian,) = db_session.scalars(select(Guardian)).all()
    assert guardian.user_id == jo.id and guardian.family_id == family.id
    welcome = db_session.scalars(select(OutboxMessage).where(OutboxMessage.subject.like("Welcome%"))).one()
    assert "Robbie is enrolled from 1 December 2026 in the Doncaster South locality" in welcome.body_text
    actions = set(db_session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(application.id))))
    assert {
        "application.submitted",
        "application.more_information_requested",
        "application.answered",
        "application.accepted",
    } <= actions

    # the family sees its child, and only its child
    home = client.get("/family").get_data(as_text=True)
    assert "Robbie" in home and "Doncaster South" in home and "Enrolled" in home
    assert client.get(f"/family/learners/{learner.id}").status_code == 200


def test_bad_input_is_shown_and_nothing_typed_is_lost(client, db_session):
    response = post(client, "/apply/your-details", {"name": "", "email": "not an email"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page and "Enter your full name" in page
    post(client, "/apply/your-details", {"name": "Al", "email": "al@example.com"})
    response = post(client, "/apply/address", {"line_1": "1 Road", "town": "Town", "postcode": "ZZ99"})
    page = response.get_data(as_text=True)
    assert "Enter a real UK postcode" in page and 'value="ZZ99"' in page and 'value="1 Road"' in page

    future = {**CHILD, "date_of_birth": ["1", "1", str(clock.today().year + 1)]}
    page = post(client, "/apply/children/add", future).get_data(as_text=True)
    assert "Date of birth must be in the past" in page
    assert 'value="Robin Example"' in page and "Finds groups hard" in page  # kept
    too_old = {**CHILD, "date_of_birth": ["1", "1", str(clock.today().year - 25)]}
    assert "statutory school age up to 18" in post(client, "/apply/children/add", too_old).get_data(as_text=True)
    no_review = {**CHILD, "ehcp_review_date": ["", "", ""]}
    assert "EHCP&#39;s next annual review" in post(client, "/apply/children/add", no_review).get_data(
        as_text=True
    ) or "EHCP's next annual review" in post(client, "/apply/children/add", no_review).get_data(as_text=True)
    bad_date = {**CHILD, "date_of_birth": ["31", "2", "2014"]}
    assert "Date of birth must be a real date" in post(client, "/apply/children/add", bad_date).get_data(as_text=True)
    response = post(client, "/apply/declaration", {})
    assert "Confirm you have read the privacy notice" in response.get_data(as_text=True)
    application = db_session.scalar(select(Application))
    assert application.answers["children"] == []


def test_a_draft_survives_the_browser_closing(app, client, db_session):
    post(client, "/apply/your-details", {"name": "Sam Draft", "email": "sam.draft@example.com"})
    post(client, "/apply/address", {"line_1": "9 Elm Road", "town": "Doncaster", "postcode": "DN5 7AB"})
    link = last_link(db_session, "sam.draft@example.com", "/apply/resume/")
    fresh = app.test_client()  # a new browser: no session
    response = fresh.get(link)
    assert response.headers["Location"] == "/apply/other-parent"  # the first unfinished section
    page = fresh.get("/apply/address").get_data(as_text=True)
    assert 'value="9 Elm Road"' in page
    assert fresh.get("/apply/resume/garbage").status_code == 400


def test_cannot_send_an_unfinished_application(client, db_session):
    post(client, "/apply/your-details", {"name": "Half Done", "email": "half@example.com"})
    page = client.get("/apply/check").get_data(as_text=True)
    assert "Some sections are not finished yet" in page and "Send application" not in page
    response = post_form(client, "/apply/check", {}, "/apply/your-details")
    assert response.status_code == 200
    assert db_session.scalar(select(Application)).status is ApplicationStatus.DRAFT


def test_decline_needs_a_reason_and_emails_it(client, db_session):
    from tests.factories import ApplicationFactory

    application = ApplicationFactory()
    admin = UserFactory(roles=[Role.ADMIN])
    sign_in(client, admin.email)
    detail = f"/applications/{application.id}"
    page = post_form(client, f"{detail}/decline", {"reason": " "}, detail).get_data(as_text=True)
    assert "Enter the reason, which will be sent to the family" in page
    response = post_form(client, f"{detail}/decline", {"reason": "You live outside the area we serve."}, detail)
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Application, application.id).status is ApplicationStatus.DECLINED
    message = db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == application.email)).one()
    assert "You live outside the area we serve." in message.body_text
    # a decided application cannot be decided again
    page = post_form(client, f"{detail}/decline", {"reason": "again"}, detail).get_data(as_text=True)
    assert "already been decided" in page


# --- the emailed links back to an application never lead to a dead end ---------------------------------------------


def sent_application(client, db_session, email="jo.example@example.com") -> Application:
    LocalityFactory(name="Doncaster South", districts=["DN4"])
    fill_application(client, email)
    assert post(client, "/apply/check", {}).headers["Location"] == "/apply/sent"
    return db_session.scalar(select(Application).where(Application.email == email))


def emails_to(db_session, address: str) -> int:
    return len(db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)).all())


def test_an_expired_resume_link_offers_a_new_one_by_email(app, client, db_session, travel):
    post(client, "/apply/your-details", {"name": "Sam Draft", "email": "sam.draft@example.com"})
    application = db_session.scalar(select(Application))
    now = clock.now()
    travel(now - timedelta(weeks=5))  # a link emailed five weeks ago (links last four)
    link = "/apply/resume/" + accounts.signed(
        families.APPLICATION_RESUME, {"a": application.id, "e": application.email}
    )
    travel(now)
    fresh = app.test_client()
    expired = fresh.get(link)
    page = expired.get_data(as_text=True)
    assert expired.status_code == 400 and "This link has expired" in page
    assert application.reference in page and "s***@example.com" in page and "sam.draft@example.com" not in page
    assert "Email me a new link" in page
    new_link_path = f"/apply/link/{link.rsplit('/', 1)[1]}/new"
    before = emails_to(db_session, "sam.draft@example.com")
    sent = fresh.post(new_link_path, data={"csrf_token": csrf_token(fresh, link)})  # the page's own form
    assert sent.status_code == 200 and "Check your email" in sent.get_data(as_text=True)
    assert emails_to(db_session, "sam.draft@example.com") == before + 1
    assert fresh.post(new_link_path, data={"csrf_token": csrf_token(fresh, link)}).status_code == 200
    assert emails_to(db_session, "sam.draft@example.com") == before + 1  # one a day at most
    new_link = last_link(db_session, "sam.draft@example.com", "/apply/resume/")
    assert new_link != link
    assert fresh.get(new_link).headers["Location"] == "/apply/address"  # carries on where it stopped
    assert fresh.get("/apply/resume/garbage").status_code == 400
    assert "start a new application" in fresh.get("/apply/resume/garbage").get_data(as_text=True)


def test_a_resume_link_to_a_sent_application_leads_to_creating_the_account(app, client, db_session):
    application = sent_application(client, db_session)
    link = last_link(db_session, "jo.example@example.com", "/apply/resume/")
    fresh = app.test_client()
    response = fresh.get(link)
    assert response.headers["Location"].startswith("/apply/account/")
    page = fresh.get(response.headers["Location"]).get_data(as_text=True)
    assert "Create your account" in page and f"Application {application.reference} has been sent" in page


def test_a_resume_link_once_the_account_exists_leads_through_sign_in_to_the_application(app, client, db_session):
    application = sent_application(client, db_session)
    link = last_link(db_session, "jo.example@example.com", "/apply/resume/")
    account_link = last_link(db_session, "jo.example@example.com", "/apply/account/")
    post(client, account_link, {"password": PASSWORD, "confirm": PASSWORD})

    fresh = app.test_client()
    response = fresh.get(link)
    assert response.headers["Location"] == f"/sign-in?next={link}"
    page = fresh.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Application {application.reference} has been sent. Sign in to follow it." in page
    signed = fresh.post(
        response.headers["Location"],
        data={"email": "jo.example@example.com", "password": PASSWORD, "next": link, "csrf_token": csrf_token(fresh)},
    )
    assert signed.headers["Location"] == link
    assert fresh.get(link).headers["Location"] == f"/my-applications/{application.id}"
    assert application.reference in fresh.get(f"/my-applications/{application.id}").get_data(as_text=True)


def test_a_resume_link_opened_while_signed_in_as_someone_else_says_so(app, client, db_session):
    application = sent_application(client, db_session)
    link = last_link(db_session, "jo.example@example.com", "/apply/resume/")
    other = app.test_client()
    sign_in(other, UserFactory(roles=[Role.GUARDIAN], email="pat@example.com").email)
    response = other.get(link)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "This application belongs to another account" in page
    assert "j***@example.com" in page and "signed in as pat@example.com" in page and "Sign out" in page
    assert db_session.get(Application, application.id).user_id is None  # nothing was linked to the wrong account


def test_an_applicant_who_already_had_an_account_signs_in_and_follows_their_application(app, client, db_session):
    jo = UserFactory(roles=[Role.GUARDIAN], email="jo.example@example.com")
    application = sent_application(client, db_session)
    account_link = last_link(db_session, "jo.example@example.com", "/apply/account/")
    fresh = app.test_client()
    to_sign_in = fresh.get(account_link).headers["Location"]
    assert to_sign_in.startswith("/sign-in?next=")
    sign_in(fresh, jo.email)
    assert fresh.get(account_link).headers["Location"] == f"/my-applications/{application.id}"
    assert db_session.get(Application, application.id).user_id == jo.id
    assert "See your application" in fresh.get("/dashboard").get_data(as_text=True)


def test_the_front_door_and_acceptance_ends_on_the_next_steps(app, client, db_session, travel):
    from datetime import datetime

    home = client.get("/").get_data(as_text=True)
    assert 'href="/apply"' in home and "Apply for a place" in home
    south = LocalityFactory(name="Doncaster South", districts=["DN4"])
    fill_application(client)
    post(client, "/apply/other-parent", {"name": "Sam Example", "email": "sam.example@example.com"})
    assert post(client, "/apply/check", {}).headers["Location"] == "/apply/sent"
    application = db_session.scalar(select(Application))
    travel(datetime(2027, 3, 5, 10, tzinfo=clock.LONDON))  # a Friday: the next school day is Monday
    admin_client = app.test_client()
    admin = UserFactory(roles=[Role.ADMIN])
    sign_in(admin_client, admin.email)
    detail = f"/applications/{application.id}"
    review = admin_client.get(detail).get_data(as_text=True)
    assert "Suggested locality" in review and "Doncaster South (from the postcode DN4 5HX)" in review
    assert "14 March 2014 (aged 12)" in review  # each child's age
    start = re.search(r'<input[^>]*name="start_date"[^>]*>', review).group(0)
    assert 'value="8"' in start  # Monday 8 March
    option = re.search(rf'<option[^>]*value="{south.id}"[^>]*>', review).group(0)
    assert "selected" in option
    response = admin_client.post(
        f"{detail}/accept",
        data={
            "start_date": ["8", "3", "2027"],
            "locality_id": south.id,
            "csrf_token": csrf_token(admin_client, detail),
        },
    )
    assert response.headers["Location"] == detail
    page = admin_client.get(detail).get_data(as_text=True)
    learner = db_session.scalar(select(Learner))
    assert "Next steps" in page and "enrolled from 8 March 2027 in Doncaster South" in page
    assert (
        "Jo Example and Sam Example have no account yet" in page and f"/learners/{learner.id}/invite-guardians" in page
    )
    assert f'href="/mentoring/learners/{learner.id}/assign"' in page
