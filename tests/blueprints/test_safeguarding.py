"""Safeguarding concerns over HTTP: raising through the form (errors keep what was typed), who sees a concern
(lead, raiser, other mentor, admin who is not a lead, the learner's guardian, the learner), audit of every
view, the chronology, and the lead's list and dashboard."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import banners, post_form, sign_in
from tests.factories import GuardianFactory, LearnerFactory, SafeguardingConcernFactory, UserFactory
from virtualacademy import clock
from virtualacademy.blueprints.safeguarding.forms import parse_time
from virtualacademy.models import (
    AuditEvent,
    ConcernEntry,
    ConcernEntryKind,
    ConcernStatus,
    Notification,
    OutboxMessage,
    Role,
    SafeguardingConcern,
)
from virtualacademy.services import safeguarding

LONDON = ZoneInfo("Europe/London")
WHAT = "Told me their stepdad locks them in their room."


def london_today() -> date:
    return clock.today()


def date_parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def views_of(session, concern) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "safeguarding.concern_viewed", AuditEvent.object_id == str(concern.id)
            )
        )
    )


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- raising -----------------------------------------------------------------------------------------


def test_a_mentor_finds_the_learner_and_raises_a_concern(client, db_session):
    learner = LearnerFactory(legal_name="Ruby Okafor", preferred_name="Rubes")
    LearnerFactory(legal_name="Ruby Left", enrolled=False)
    lead = UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    mentor = UserFactory(roles=[Role.MENTOR])
    sign_in(client, mentor.email)

    start = client.get("/safeguarding/raise").get_data(as_text=True)
    assert "Raise a safeguarding concern" in start and "call 999" in start
    short = client.get("/safeguarding/raise?q=R").get_data(as_text=True)
    assert "Enter at least 2 letters of the learner&#39;s name" in short and "govuk-error-summary" in short
    found = client.get("/safeguarding/raise?q=ruby").get_data(as_text=True)
    # Only what identifies the child: name, family reference, locality.
    assert "Ruby Okafor" in found and "Rubes" in found and learner.family.reference in found
    assert learner.locality.name in found and "Ruby Left" not in found
    assert "2013" not in found  # not the date of birth
    assert f"/safeguarding/raise?learner={learner.id}" in found

    path = f"/safeguarding/raise?learner={learner.id}"
    form = client.get(path).get_data(as_text=True)
    assert "Concern about Ruby Okafor" in form

    # Errors: a date in the future and nothing written about what happened; nothing typed is lost.
    tomorrow = london_today() + timedelta(days=1)
    response = post_form(
        client,
        path,
        {
            "observed_on": date_parts(tomorrow),
            "observed_time": "2:30pm",
            "what_happened": " ",
            "immediate_action": "Rang the lead.",
        },
        path,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The date it was seen or heard must be today or in the past" in page
    assert 'value="2:30pm"' in page and "Rang the lead." in page and f'value="{tomorrow.year}"' in page
    response = post_form(client, path, {"observed_on": date_parts(tomorrow), "observed_time": "25:00"}, path)
    page = response.get_data(as_text=True)
    assert "Enter what was seen or heard" in page
    assert "Time it was seen or heard must be a real time, like 14:30 or 2:30pm" in page and 'value="25:00"' in page
    assert count(db_session, SafeguardingConcern) == 0 and count(db_session, Notification) == 0

    yesterday = london_today() - timedelta(days=1)
    response = post_form(
        client,
        path,
        {"observed_on": date_parts(yesterday), "observed_time": "14:30", "what_happened": WHAT, "immediate_action": ""},
        path,
    )
    assert response.status_code == 302 and response.headers["Location"] == "/safeguarding/raised"
    confirmation = client.get("/safeguarding/raised").get_data(as_text=True)
    assert "Concern sent" in confirmation and "The safeguarding leads have been told" in confirmation
    assert "stepdad" not in confirmation

    concern = db_session.scalars(select(SafeguardingConcern)).one()
    assert (concern.learner_id, concern.raised_by_id, concern.what_happened) == (learner.id, mentor.id, WHAT)
    assert concern.immediate_action is None
    assert concern.observed_at.astimezone(LONDON).replace(tzinfo=None) == datetime.combine(
        yesterday, datetime.min.time().replace(hour=14, minute=30)
    )
    (notification,) = db_session.scalars(select(Notification)).all()
    (email,) = db_session.scalars(select(OutboxMessage)).all()
    assert notification.user_id == lead.id and email.to_address == lead.email
    for text in (notification.title, notification.body, email.subject, email.body_text):
        assert "Ruby" not in text and "stepdad" not in text


def test_the_confirmation_says_when_there_is_no_lead_to_tell(client, db_session):
    learner = LearnerFactory()
    mentor = UserFactory(roles=[Role.MENTOR])
    sign_in(client, mentor.email)
    path = f"/safeguarding/raise?learner={learner.id}"
    yesterday = london_today() - timedelta(days=1)
    post_form(client, path, {"observed_on": date_parts(yesterday), "observed_time": "9am", "what_happened": WHAT}, path)
    page = client.get("/safeguarding/raised").get_data(as_text=True)
    assert "Nobody has the safeguarding lead role yet" in page and "Concern sent" not in page


def test_a_concern_cannot_be_raised_about_a_learner_who_has_left(client, db_session):
    left = LearnerFactory(enrolled=False)
    sign_in(client, UserFactory(roles=[Role.COORDINATOR]).email)
    assert client.get(f"/safeguarding/raise?learner={left.id}").status_code == 404
    assert client.get("/safeguarding/raise?learner=999999").status_code == 404


def test_family_accounts_cannot_raise_or_list(client, db_session):
    learner = LearnerFactory()
    guardian = GuardianFactory(family=learner.family)
    sign_in(client, guardian.user.email)
    assert client.get("/safeguarding/raise").status_code == 403
    assert client.get(f"/safeguarding/raise?learner={learner.id}").status_code == 403
    assert client.get("/safeguarding/").status_code == 403


# --- who sees a concern ------------------------------------------------------------------------------


@pytest.fixture
def scene(db_session):
    """A concern about a learner (who has an account and a guardian), raised by a mentor, with a lead's entry."""
    learner_account = UserFactory(roles=[Role.LEARNER])
    learner = LearnerFactory(legal_name="Tariq Haddad", user=learner_account)
    guardian = GuardianFactory(family=learner.family)
    raiser = UserFactory(roles=[Role.MENTOR])
    lead = UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    concern = SafeguardingConcernFactory(learner=learner, raised_by=raiser, what_happened=WHAT)
    safeguarding.add_entry(lead, concern, ConcernEntryKind.EARLY_HELP, "Early help assessment offered to mum.")
    db_session.commit()
    return {
        "concern": concern,
        "lead": lead,
        "raiser": raiser,
        "other mentor": UserFactory(roles=[Role.MENTOR]),
        "admin, not a lead": UserFactory(roles=[Role.ADMIN]),
        "guardian of the learner": guardian.user,
        "the learner": learner_account,
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("lead", 200),
        ("raiser", 200),
        ("other mentor", 404),
        ("admin, not a lead", 404),
        ("guardian of the learner", 404),
        ("the learner", 404),
    ],
)
def test_who_sees_a_concern(client, db_session, scene, who, status):
    concern, user = scene["concern"], scene[who]
    sign_in(client, user.email)

    response = client.get(f"/safeguarding/concerns/{concern.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == status
    if status == 200:
        assert "Tariq Haddad" in page and "stepdad" in page
        # The chronology and its form are for leads; the raiser sees the status only.
        assert ("Early help assessment offered" in page) is (who == "lead")
        assert ("Add to the chronology" in page) is (who == "lead")
        assert "Open" in page
    else:
        assert "Tariq" not in page and "stepdad" not in page
    # A 404 leaves no trace of a view; a view leaves exactly one.
    assert [e.actor_id for e in views_of(db_session, concern)] == ([user.id] if status == 200 else [])

    # Nowhere else either: their list (if any), their dashboard, their notifications.
    for path in ("/safeguarding/", "/dashboard", "/notifications/"):
        other = client.get(path)
        text = other.get_data(as_text=True)
        if who in ("lead", "raiser") and path == "/safeguarding/":
            assert "Tariq Haddad" in text
        elif who in ("guardian of the learner", "the learner") and path == "/dashboard":
            # their own dashboard names the child, but says nothing of any concern
            assert "stepdad" not in text and "concern" not in text.lower(), path
        else:
            assert "Tariq" not in text and "stepdad" not in text, path
    # Only a lead may add to it.
    response = post_form(
        client,
        f"/safeguarding/concerns/{concern.id}/entries",
        {"kind": "note", "text": "Trying to add."},
        "/dashboard",
    )
    assert response.status_code == (302 if who == "lead" else 404)


def test_each_view_is_audited_once(client, db_session, scene):
    concern, lead = scene["concern"], scene["lead"]
    sign_in(client, lead.email)
    client.get(f"/safeguarding/concerns/{concern.id}")
    client.get(f"/safeguarding/concerns/{concern.id}")
    client.get("/safeguarding/")  # the list shows no report: not a view of one
    events = views_of(db_session, concern)
    assert [(e.actor_id, e.detail) for e in events] == [(lead.id, {}), (lead.id, {})]


# --- the chronology ----------------------------------------------------------------------------------


def test_a_lead_records_the_chronology_closes_and_reopens(client, db_session, scene):
    concern, lead = scene["concern"], scene["lead"]
    path = f"/safeguarding/concerns/{concern.id}"
    sign_in(client, lead.email)

    response = post_form(client, f"{path}/entries", {"text": "Spoke to social care."}, path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Choose what was done or decided" in page
    assert "Spoke to social care." in page  # kept
    response = post_form(client, f"{path}/entries", {"kind": "referral", "text": "Referred to social care."}, path)
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    entry = db_session.scalar(select(func.max(ConcernEntry.id)))
    assert f"Added to the chronology: [the new entry]({path}#entry-{entry})." in banners(page)
    assert f'id="entry-{entry}"' in page and "Referral to children&#39;s social care" in page

    response = post_form(
        client, f"{path}/entries", {"kind": "closed", "text": "Family supported; no further action."}, path
    )
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    outcome = db_session.scalar(select(func.max(ConcernEntry.id)))
    assert f"The concern is closed: [the outcome]({path}#entry-{outcome})." in banners(page)
    assert "Reopen this concern" in page and "Add to the chronology" not in page
    db_session.expire_all()
    assert db_session.get(SafeguardingConcern, concern.id).status is ConcernStatus.CLOSED

    response = post_form(client, f"{path}/entries", {"kind": "note", "text": "Late note."}, path)
    assert "This concern is closed. Reopen it to add to its chronology" in response.get_data(as_text=True)
    response = post_form(client, f"{path}/reopen", {"reason": ""}, path)
    assert "Enter why the concern is being reopened" in response.get_data(as_text=True)
    response = post_form(client, f"{path}/reopen", {"reason": "A new disclosure."}, path)
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "The concern is open again." in page and "Reopened: A new disclosure." in page
    db_session.expire_all()
    concern = db_session.get(SafeguardingConcern, concern.id)
    assert concern.status is ConcernStatus.OPEN
    assert [e.kind for e in concern.entries] == [
        ConcernEntryKind.EARLY_HELP,
        ConcernEntryKind.REFERRAL,
        ConcernEntryKind.CLOSED,
        ConcernEntryKind.NOTE,
    ]


def test_the_leads_list_and_dashboard(client, db_session, scene):
    lead, concern = scene["lead"], scene["concern"]
    closed = SafeguardingConcernFactory(status=ConcernStatus.CLOSED)
    newest = SafeguardingConcernFactory(created_at=clock.now() + timedelta(minutes=1))
    sign_in(client, lead.email)

    page = client.get("/safeguarding/").get_data(as_text=True)
    assert page.index(newest.learner.legal_name) < page.index("Tariq Haddad")
    assert closed.learner.legal_name not in page and scene["raiser"].name in page
    assert "2 open concerns, newest first" in page
    page = client.get("/safeguarding/?status=closed").get_data(as_text=True)
    assert closed.learner.legal_name in page and "Tariq Haddad" not in page
    page = client.get("/safeguarding/?status=all").get_data(as_text=True)
    assert all(c.learner.legal_name in page for c in (concern, closed, newest))

    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "<strong>2</strong> open concerns." in dashboard
    assert 'href="/safeguarding/"' in dashboard


def test_the_raisers_list_shows_only_their_own(client, db_session, scene):
    SafeguardingConcernFactory(learner=scene["concern"].learner)  # raised by someone else
    sign_in(client, scene["raiser"].email)
    page = client.get("/safeguarding/?status=all").get_data(as_text=True)
    assert "Concerns you have raised" in page and "1 concern, newest first" in page


def test_a_lead_is_told_in_the_app_and_the_link_opens_the_concern(client, db_session):
    lead = UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    learner = LearnerFactory(legal_name="Mia Kowalski")
    concern, _ = safeguarding.raise_concern(
        UserFactory(roles=[Role.EXAMS_OFFICER]),
        learner,
        london_today(),
        datetime.min.time(),
        WHAT,
    )
    db_session.commit()
    sign_in(client, lead.email)
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert "A safeguarding concern has been raised" in inbox and "Mia" not in inbox and "stepdad" not in inbox
    notification = db_session.scalars(select(Notification)).one()
    response = post_form(client, f"/notifications/{notification.id}/open", {}, "/notifications/")
    assert response.headers["Location"] == f"/safeguarding/concerns/{concern.id}"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14:30", (14, 30)),
        ("2:30pm", (14, 30)),
        ("2.30 PM", (14, 30)),
        ("9am", (9, 0)),
        ("12am", (0, 0)),
        ("12:15pm", (12, 15)),
        ("midday", (12, 0)),
        ("0:05", (0, 5)),
    ],
)
def test_times_are_read_as_people_type_them(typed, expected):
    parsed = parse_time(typed)
    assert (parsed.hour, parsed.minute) == expected


@pytest.mark.parametrize("typed", ["9", "25:00", "13pm", "10:60", "quarter past", "", "2:3pm"])
def test_what_is_not_a_time_is_refused(typed):
    with pytest.raises(ValueError):
        parse_time(typed)
