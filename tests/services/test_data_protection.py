"""Data-protection requests: the subject-access export, and erasure once the retention period ends."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.factories import (
    ApplicationFactory,
    FamilyFactory,
    GuardianFactory,
    LearnerFactory,
    LocalityFactory,
    NotificationFactory,
    SpendRequestFactory,
    UserFactory,
    application_answers,
)
from virtualacademy import mail
from virtualacademy.context import request_ip
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.jobs import JOBS
from virtualacademy.models import (
    Application,
    ApplicationMessage,
    ApplicationStatus,
    AuditEvent,
    EheReason,
    Family,
    Learner,
    Notification,
    OutboxMessage,
    OutboxStatus,
    Role,
    SendStatus,
    User,
    UserRole,
    UserSession,
    WithdrawalReason,
)
from virtualacademy.services import accounts, audit, cohort, data_protection, families, localities, sessions

#: The youngest child below is born 20 August 2013: their 25th birthday is 20 August 2038.
DUE = date(2038, 8, 20)
#: 23:30 UTC on 19 August 2038 is 00:30 on the 20th in London (BST): due. An hour earlier is not.
AT_DUE = datetime(2038, 8, 19, 23, 30, tzinfo=UTC)
BEFORE_DUE = datetime(2038, 8, 19, 22, 30, tzinfo=UTC)
WITHDRAWN_ON = date(2027, 7, 20)
PAST = date(2027, 1, 15)  # a day both children were on roll


@dataclass
class Household:
    family: Family
    guardian_user: User
    admin: User
    learner_ids: list[int]
    application_id: int


def household(
    db_session,
    surname: str = "Hartley",
    *,
    postcode: str = "DN4 5HX",
    withdraw: bool = True,
    born: tuple[date, date] = (date(2010, 5, 17), date(2013, 8, 20)),
) -> Household:
    """A family of two parents and two children, with an application, messages, emails and audit events."""
    admin = UserFactory(roles=[Role.ADMIN])
    locality = LocalityFactory()
    family = FamilyFactory(address_line_1=f"7 {surname} Lane", address_line_2="Bessacarr", postcode=postcode)
    email = f"{surname.lower()}.parent@example.com"
    primary = GuardianFactory(
        family=family,
        user=UserFactory(email=email, name=f"Pat {surname}", roles=[Role.GUARDIAN]),
        phone="07700 900982",
    )
    GuardianFactory(family=family, user=None, name=f"Chris {surname}", email=f"chris.{surname.lower()}@example.com")
    older = LearnerFactory(
        family=family,
        locality=locality,
        legal_name=f"Ann {surname}",
        preferred_name="Annie",
        date_of_birth=born[0],
        previous_school="Hill Primary",
        previous_school_urn="106789",
        date_left_school=date(2026, 7, 18),
        needs=f"Ann {surname} finds mornings hard",
        reason=EheReason.HEALTH,
        send_status=SendStatus.EHCP,
        ehcp_review_date=date(2027, 3, 1),
        fsm_eligible=True,
        enrolled=date(2026, 9, 1),
    )
    younger = LearnerFactory(
        family=family,
        locality=locality,
        legal_name=f"Bob {surname}",
        date_of_birth=born[1],
        reason=EheReason.PHILOSOPHICAL,
        enrolled=date(2026, 9, 1),
    )
    application = ApplicationFactory(
        email=email,
        status=ApplicationStatus.ACCEPTED,
        family_id=family.id,
        user_id=primary.user_id,
        answers=application_answers(name=f"Pat {surname}", email=email, children=2),
    )
    application.messages.append(ApplicationMessage(from_family=False, author_id=admin.id, body="Which school?"))
    application.messages.append(
        ApplicationMessage(from_family=True, author_id=primary.user_id, body=f"Hill Primary; ask for {surname}")
    )
    db_session.add(
        OutboxMessage(to_address=email, subject="Welcome", body_text=f"Dear Pat {surname}, welcome.", dedupe_key=None)
    )
    db_session.add(
        OutboxMessage(
            to_address=email,
            subject="Reminder",
            body_text="Still waiting to be sent",
            dedupe_key=f"application-resume:{application.id}:{email}",
        )
    )
    NotificationFactory(user=primary.user, title=f"A message about Ann {surname}", body="Ann's plan is ready")
    db_session.flush()
    token = request_ip.set("203.0.113.9")
    try:
        with pytest.raises(ValidationError):
            accounts.authenticate(email, "not the password")  # audited with the email in the detail
        with pytest.raises(ValidationError):  # the other parent has no account: found by the detail alone
            accounts.authenticate(f"chris.{surname.lower()}@example.com", "a guess")
        audit.record("learner.details_updated", actor=primary.user, obj=older)
    finally:
        request_ip.reset(token)
    if withdraw:
        for learner in (older, younger):
            families.withdraw(admin, learner, WITHDRAWN_ON, WithdrawalReason.OTHER, f"{surname}s moved to Leeds")
    db_session.commit()
    return Household(family, primary.user, admin, [older.id, younger.id], application.id)


def snapshot(db_session, family_id: int) -> str:
    """Everything held about a family, to compare before and after."""
    db_session.expire_all()
    family = db_session.get(Family, family_id)
    return json.dumps(data_protection.subject_access(family, datetime(2030, 1, 1, tzinfo=UTC)), sort_keys=True)


# --- subject access --------------------------------------------------------------------------------


def test_the_export_holds_this_familys_records_and_nothing_from_another(ctx):
    mine = household(ctx, "Hartley")
    other = household(ctx, "Okafor", postcode="DN5 7AB")
    SpendRequestFactory(learner=ctx.get(Learner, mine.learner_ids[0]), what_for="Hartley piano lessons")
    SpendRequestFactory(learner=ctx.get(Learner, other.learner_ids[0]), what_for="Okafor books")
    data = data_protection.subject_access(mine.family)
    text = json.dumps(data)

    assert data["family"]["reference"] == mine.family.reference
    assert data["family"]["postcode"] == "DN4 5HX"
    assert {g["name"] for g in data["guardians"]} == {"Pat Hartley", "Chris Hartley"}
    assert [a["email"] for a in data["accounts"]] == ["hartley.parent@example.com"]
    assert data["accounts"][0]["roles"] == ["guardian"]
    assert [lr["legal_name"] for lr in data["learners"]] == ["Ann Hartley", "Bob Hartley"]
    assert data["learners"][0]["date_of_birth"] == "2010-05-17"  # dates ISO
    assert data["learners"][0]["reason"] == "health" and data["learners"][0]["send_status"] == "ehcp"  # enums as values
    assert [(e["status"], e["start_date"], e["end_date"]) for e in data["enrolments"]] == [
        ("withdrawn", "2026-09-01", "2027-07-20")
    ] * 2
    [application] = data["applications"]
    assert application["answers"]["guardian"]["name"] == "Pat Hartley"
    assert [(m["from"], m["body"]) for m in application["messages"]] == [
        ("academy", "Which school?"),
        ("family", "Hill Primary; ask for Hartley"),
    ]
    actions = {(e["action"], e["object_type"]) for e in data["audit_events"]}
    assert {
        ("auth.sign_in_failed", "User"),  # about the guardian's account, by email
        ("learner.details_updated", "Learner"),
        ("enrolment.withdrawn", "Enrolment"),
    } <= actions
    failed = [e for e in data["audit_events"] if e["action"] == "auth.sign_in_failed"]
    assert [(e["object_id"], e["detail"]["email"], e["ip"]) for e in failed] == [
        (str(mine.guardian_user.id), "hartley.parent@example.com", "203.0.113.9"),
        (None, "chris.hartley@example.com", "203.0.113.9"),
    ]
    withdrawn = next(e for e in data["audit_events"] if e["action"] == "enrolment.withdrawn")
    assert withdrawn["actor"] == "academy staff" and "ip" not in withdrawn and "actor_id" not in withdrawn
    assert sorted(m["subject"] for m in data["emails"]) == ["Reminder", "Welcome"]
    assert data["emails"][0]["created_at"].endswith("+00:00")
    assert [n["title"] for n in data["notifications"]] == ["A message about Ann Hartley"]
    # other modules' sections: the children's spend requests (spending_privacy)
    assert [(r["record"], r["what_for"]) for r in data["spending"]] == [("spend request", "Hartley piano lessons")]

    # Nothing from the other family, and no secrets or staff identities.
    for leak in ("Okafor", "okafor", other.family.reference, "DN5", mine.admin.email, mine.admin.name):
        assert leak not in text
    for secret in ("password_hash", "security_stamp", mine.guardian_user.security_stamp):
        assert secret not in text


def test_the_export_is_a_zip_of_json_and_a_readable_pdf_and_is_audited(ctx, caplog):
    mine = household(ctx)
    caplog.set_level(logging.WARNING)
    export = data_protection.export(mine.admin, mine.family, datetime(2027, 9, 1, 9, 0, tzinfo=UTC))

    assert export.filename == f"family-{mine.family.reference}-subject-access.zip"
    archive = zipfile.ZipFile(io.BytesIO(export.content))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == ["family.json", "family.pdf"]
    data = json.loads(archive.read("family.json"))
    assert [lr["legal_name"] for lr in data["learners"]] == ["Ann Hartley", "Bob Hartley"]

    document = archive.read("family.pdf")
    assert document.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(document))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 5  # a cover page, then one section per page at least
    for expected in (
        f"Records held about family {mine.family.reference}",
        "Ann Hartley",
        "Bob Hartley",
        "Pat Hartley",
        "17 May 2010",  # dates as people write them
        "Health, including anxiety or medical needs",
        "Hill Primary; ask for Hartley",
        "Dear Pat Hartley, welcome.",
        "A message about Ann Hartley",
        "Page 2 of",
    ):
        assert expected in text, expected
    # The stylesheet and logo loaded: WeasyPrint warns about anything it could not use.
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []

    event = ctx.scalars(select(AuditEvent).where(AuditEvent.action == "data_protection.export")).one()
    assert (event.object_type, event.object_id, event.actor_id) == ("Family", str(mine.family.id), mine.admin.id)
    assert event.detail["learners"] == 2 and event.detail["emails"] == 2
    detail = json.dumps(event.detail)
    assert "Hartley" not in detail and "@" not in detail


# --- requesting erasure ---------------------------------------------------------------------------


def test_erasure_cannot_be_requested_while_a_child_is_enrolled(ctx):
    mine = household(ctx, withdraw=False)
    with pytest.raises(NotAllowed, match="Ann Hartley and Bob Hartley are still enrolled"):
        data_protection.request_erasure(mine.admin, mine.family)
    assert mine.family.erasure_requested_at is None
    families.withdraw(mine.admin, ctx.get(Learner, mine.learner_ids[0]), WITHDRAWN_ON, WithdrawalReason.COLLEGE_OR_WORK)
    with pytest.raises(NotAllowed, match="^Bob Hartley is still enrolled"):
        data_protection.request_erasure(mine.admin, mine.family)


def test_erasure_is_requested_audited_and_can_be_cancelled(ctx):
    mine = household(ctx)
    requested = datetime(2028, 1, 10, 12, 0, tzinfo=UTC)
    assert data_protection.request_erasure(mine.admin, mine.family, requested) == DUE
    assert mine.family.erasure_requested_at == requested
    state = data_protection.erasure_state(mine.family, requested)
    assert (state.state, state.due_on, state.erasable) == ("requested", DUE, False)
    with pytest.raises(NotAllowed, match="already been requested"):
        data_protection.request_erasure(mine.admin, mine.family)

    data_protection.cancel_erasure(mine.admin, mine.family)
    assert mine.family.erasure_requested_at is None
    assert data_protection.erasure_state(mine.family).state == "not_requested"
    with pytest.raises(NotAllowed, match="has not been requested"):
        data_protection.cancel_erasure(mine.admin, mine.family)
    events = ctx.execute(
        select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.detail)
        .where(AuditEvent.object_type == "Family", AuditEvent.action.startswith("data_protection."))
        .order_by(AuditEvent.id)
    ).all()
    assert events == [
        ("data_protection.erasure_requested", mine.admin.id, {"due_on": "2038-08-20", "retention_age_years": 25}),
        ("data_protection.erasure_cancelled", mine.admin.id, {}),
    ]
    # Cancelled: the job leaves the family alone even long after the due date.
    assert data_protection.erase_due(datetime(2040, 1, 1, tzinfo=UTC)).erased == []


@pytest.mark.parametrize(
    ("born", "years", "due"),
    [
        ((date(2010, 5, 17), date(2013, 8, 20)), 25, date(2038, 8, 20)),  # the youngest child counts
        ((date(2013, 8, 20), date(2010, 5, 17)), 25, date(2038, 8, 20)),
        ((date(2010, 5, 17), date(2013, 8, 20)), 18, date(2031, 8, 20)),  # RETENTION_AGE_YEARS
        ((date(2010, 5, 17), date(2012, 2, 29)), 25, date(2037, 3, 1)),  # a leap-day birthday: 1 March
    ],
)
def test_erasure_is_due_on_the_youngest_childs_birthday_at_the_retention_age(app, ctx, born, years, due):
    mine = household(ctx, born=born)
    old = app.config["RETENTION_AGE_YEARS"]
    app.config["RETENTION_AGE_YEARS"] = years
    try:
        assert data_protection.erasure_due_on(mine.family) == due
    finally:
        app.config["RETENTION_AGE_YEARS"] = old


# --- erasure ---------------------------------------------------------------------------------------


def requested(ctx, surname: str = "Hartley", **kwargs) -> Household:
    mine = household(ctx, surname, **kwargs)
    data_protection.request_erasure(mine.admin, mine.family, datetime(2028, 1, 10, tzinfo=UTC))
    ctx.commit()
    return mine


def test_nobody_can_erase_early(ctx):
    mine = household(ctx)
    with pytest.raises(NotAllowed, match="has not been requested"):
        data_protection.erase_family(mine.family, AT_DUE, actor=mine.admin)
    data_protection.request_erasure(mine.admin, mine.family)
    with pytest.raises(NotAllowed, match="can be erased from 20 August 2038"):
        data_protection.erase_family(mine.family, BEFORE_DUE, actor=mine.admin)
    assert mine.family.erased_at is None and mine.family.guardians[0].name == "Pat Hartley"


def test_the_job_before_the_due_date_does_nothing(ctx):
    mine = requested(ctx)
    before = snapshot(ctx, mine.family.id)
    run = JOBS["erase-due"].func(now=BEFORE_DUE)
    assert (run.erased, run.failed) == ([], [])
    assert snapshot(ctx, mine.family.id) == before


def test_the_job_on_the_due_date_anonymises_the_family_and_keeps_the_statistics(ctx):
    mine = requested(ctx)
    other = household(ctx, "Okafor", postcode="DN5 7AB")
    on_roll = localities.numbers_on_roll(PAST)
    profile = cohort.profile(PAST)
    other_before = snapshot(ctx, other.family.id)
    enrolments_before = [
        (e.locality_id, e.status, e.start_date, e.end_date, e.withdrawal_reason)
        for lr in mine.family.learners
        for e in lr.enrolments
    ]
    session_key = sessions.start(mine.guardian_user, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)")
    stamp = mine.guardian_user.security_stamp
    locality_id = mine.family.learners[0].locality_id
    mine.guardian_user.preferred_name = "Pat"  # as a learner's own account would carry the name they go by

    run = JOBS["erase-due"].func(now=AT_DUE)
    assert run.erased == [mine.family.reference] and run.failed == []
    assert str(run) == f"erased 1 family ({mine.family.reference})"
    ctx.expire_all()

    family = ctx.get(Family, mine.family.id)
    assert family.erased_at == AT_DUE
    assert (family.address_line_1, family.address_line_2, family.town, family.postcode) == ("Erased", None, "", "DN4")
    assert [(g.name, g.email, g.phone) for g in family.guardians] == [("Erased", None, None)] * 2

    ann, bob = family.learners
    assert (ann.legal_name, ann.preferred_name, ann.needs) == ("Erased", None, None)
    assert (ann.previous_school, ann.previous_school_urn, ann.ehcp_review_date) == (None, None, None)
    assert (ann.date_of_birth, ann.date_left_school, bob.date_of_birth) == (
        date(2010, 5, 1),
        date(2026, 7, 1),
        date(2013, 8, 1),
    )  # birth year and month kept for ages and year groups; the day is gone
    # Non-identifying statistics are kept.
    assert (ann.reason, ann.send_status, ann.fsm_eligible, ann.locality_id) == (
        EheReason.HEALTH,
        SendStatus.EHCP,
        True,
        locality_id,
    )
    assert [
        (e.locality_id, e.status, e.start_date, e.end_date, e.withdrawal_reason)
        for lr in family.learners
        for e in lr.enrolments
    ] == enrolments_before
    assert all(e.withdrawal_note is None for lr in family.learners for e in lr.enrolments)
    assert localities.numbers_on_roll(PAST) == on_roll
    assert cohort.profile(PAST) == profile

    # The guardian's account is closed and anonymised: they can no longer sign in.
    user = ctx.get(User, mine.guardian_user.id)
    assert (user.name, user.preferred_name, user.email, user.password_hash, user.active, user.roles) == (
        "Erased",
        None,
        f"erased-{user.id}@erased.invalid",
        None,
        False,
        frozenset(),
    )
    assert user.security_stamp != stamp  # reset and invitation links are spent
    with pytest.raises(ValidationError):
        accounts.authenticate("hartley.parent@example.com", PASSWORD)
    # Its signed-in sessions are gone, not only refused.
    assert ctx.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)) == 0
    assert sessions.resume(session_key).user is None

    application = ctx.get(Application, mine.application_id)
    assert application.email == f"erased-application-{application.id}@erased.invalid"
    answers = application.answers
    assert answers["erased"] is True and answers["guardian"] == {"name": "Erased", "email": "", "phone": ""}
    assert answers["address"] == {"line_1": "Erased", "line_2": "", "town": "", "postcode": "DN4"}
    assert [(c["legal_name"], c["date_of_birth"], c["reason"], c["fsm_eligible"]) for c in answers["children"]] == [
        ("Erased", "2010-03-01", "health", True),
        ("Erased", "2011-03-01", "health", True),
    ]
    assert [m.body for m in application.messages] == ["Erased", "Erased"]

    emails = ctx.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    erased = [m for m in emails if m.to_address == "erased@erased.invalid"]
    assert len(erased) == 2 and all(m.body_text == "" and m.subject == "Erased" for m in erased)
    assert {m.status for m in erased} == {OutboxStatus.FAILED}  # the pending one is never sent
    assert all("hartley" not in (m.dedupe_key or "") for m in emails)
    [notification] = ctx.scalars(select(Notification).where(Notification.user_id == user.id)).all()
    assert (notification.title, notification.body, notification.link) == ("Erased", None, None)

    # Audit events keep what happened and when, without personal data.
    failed = ctx.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed", AuditEvent.object_id == str(user.id))
    ).one()
    assert failed.detail == {"email": "[erased]", "reason": "wrong_password"} and failed.ip is None
    unknown = ctx.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "auth.sign_in_failed", AuditEvent.object_id.is_(None))
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.detail, e.ip) for e in unknown] == [
        ({"email": "[erased]", "reason": "unknown_email"}, None),  # found by the address in its detail
        ({"email": "chris.okafor@example.com", "reason": "unknown_email"}, "203.0.113.9"),  # another family's
        ({"email": "hartley.parent@example.com", "reason": "unknown_email"}, None),  # the attempt above, just now
    ]
    withdrawn = ctx.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "enrolment.withdrawn", AuditEvent.object_id == str(ann.enrolments[0].id)
        )
    ).one()
    assert withdrawn.detail["reason"] == "other" and withdrawn.actor_id == mine.admin.id
    everything = json.dumps(data_protection.subject_access(family))
    for gone in ("Hartley", "hartley", "07700 900982", "5HX", "Hill Primary", "106789", "mornings", "Leeds"):
        assert gone not in everything, gone
    event = ctx.scalars(select(AuditEvent).where(AuditEvent.action == "data_protection.erased")).one()
    assert (event.object_id, event.actor_id) == (str(family.id), None)
    assert event.detail["learners"] == 2 and event.detail["accounts"] == 1 and event.detail["emails"] == 2
    assert "Hartley" not in json.dumps(event.detail)

    # The other family is untouched.
    assert snapshot(ctx, other.family.id) == other_before


def test_staff_notifications_and_emails_naming_the_family_lose_their_text(ctx):
    mine = requested(ctx)
    other = household(ctx, "Okafor", postcode="DN5 7AB")
    mentor = UserFactory(roles=[Role.MENTOR], email="mentor@example.com")
    about_annie = Notification(
        user_id=mentor.id, key="gap-annie", kind="learning_gap", title="No learning logged for 14 days: Annie Hartley"
    )
    in_a_digest = Notification(
        user_id=mentor.id, key="digest", kind="checkin_digest", title="2 check-ins due", body="- Annie: due today"
    )
    about_other = Notification(
        user_id=mentor.id, key="gap-okafor", kind="learning_gap", title="No learning logged for 14 days: Ann Okafor"
    )
    ctx.add_all([about_annie, in_a_digest, about_other])
    mail.queue(
        "mentor@example.com",
        "No learning logged: 1 learner",
        "digest",
        user=mentor,
        intro="Gaps:",
        lines=["Annie Hartley. Nothing logged since 1 June."],
        dedupe_key="digest-annie",
    )
    mail.queue(
        "mentor@example.com",
        "No learning logged: 1 learner",
        "digest",
        user=mentor,
        intro="Gaps:",
        lines=["Ann Okafor. Nothing logged since 1 June."],
        dedupe_key="digest-okafor",
    )
    ctx.commit()

    counts = data_protection.erase_family(mine.family, AT_DUE, actor=mine.admin)
    assert (counts.staff_notifications, counts.staff_emails) == (2, 1)
    assert (about_annie.title, in_a_digest.title, in_a_digest.body) == ("Erased", "Erased", None)
    assert about_annie.key == "gap-annie"  # the row and key stay: a job run again does not notify anew
    assert about_other.title == "No learning logged for 14 days: Ann Okafor"
    emails = {
        m.dedupe_key: m for m in ctx.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("digest-%")))
    }
    assert (emails["digest-annie"].subject, emails["digest-annie"].body_text) == ("Erased", "Erased")
    assert emails["digest-annie"].status is OutboxStatus.FAILED  # never sent now
    assert "Ann Okafor" in emails["digest-okafor"].body_text
    assert snapshot(ctx, other.family.id)  # the other family is untouched (see the test above for all of it)


def test_running_the_job_again_changes_nothing_more(ctx):
    mine = requested(ctx)
    data_protection.erase_due(AT_DUE)
    ctx.commit()
    after_first = snapshot(ctx, mine.family.id)
    events = ctx.scalar(select(func.count()).select_from(AuditEvent))
    run = data_protection.erase_due(datetime(2039, 1, 1, tzinfo=UTC))
    assert run.erased == [] and run.failed == []
    assert snapshot(ctx, mine.family.id) == after_first
    assert ctx.scalar(select(func.count()).select_from(AuditEvent)) == events
    with pytest.raises(NotAllowed, match="already been erased"):
        data_protection.cancel_erasure(mine.admin, ctx.get(Family, mine.family.id))


def test_a_family_that_fails_is_left_untouched_and_the_job_goes_on(ctx, monkeypatch, caplog):
    broken = requested(ctx, "Hartley")
    fine = requested(ctx, "Okafor", postcode="DN5 7AB")

    def erase(subject):
        if subject.family.id == broken.family.id:
            raise RuntimeError("disk on fire")
        return 0

    monkeypatch.setitem(data_protection.SECTIONS, "test", data_protection.Section("test", "Test", lambda s: [], erase))
    before = snapshot(ctx, broken.family.id)
    run = data_protection.erase_due(AT_DUE)
    assert run.erased == [fine.family.reference] and run.failed == [broken.family.reference]
    assert "left untouched" in caplog.text
    ctx.commit()
    assert snapshot(ctx, broken.family.id) == before
    assert ctx.get(Family, fine.family.id).erased_at == AT_DUE
    # Fixed, the next run erases it.
    monkeypatch.delitem(data_protection.SECTIONS, "test")
    assert data_protection.erase_due(AT_DUE).erased == [broken.family.reference]


def test_an_account_used_elsewhere_is_kept_and_leaves_the_family(ctx):
    mine = requested(ctx)
    mine.guardian_user.role_links.append(UserRole(role=Role.MENTOR))  # the parent also works for the academy
    audit.record("mentoring.check_in_recorded", actor=mine.guardian_user, obj=LearnerFactory())  # their work
    ctx.commit()
    # Their emails and actions are not only about this family: listed as left out, not exported.
    data = data_protection.subject_access(mine.family)
    assert [a["email"] for a in data["accounts"]] == ["hartley.parent@example.com"]
    assert [m["to_address"] for m in data["emails"]] == [] and data["notifications"] == []
    assert "hartley.parent@example.com is also used outside this family" in data["export"]["not_included"]
    actions = {e["action"] for e in data["audit_events"]}
    assert "mentoring.check_in_recorded" not in actions  # their work, about another family
    assert {"auth.sign_in_failed", "learner.details_updated"} <= actions  # about their account and this family
    data_protection.erase_due(AT_DUE)
    ctx.expire_all()
    user = ctx.get(User, mine.guardian_user.id)
    assert (user.name, user.email, user.active) == ("Pat Hartley", "hartley.parent@example.com", True)
    assert user.roles == {Role.MENTOR}
    family = ctx.get(Family, mine.family.id)
    assert [g.user_id for g in family.guardians] == [None, None] and family.guardians[0].name == "Erased"
    assert families.families_of(user) == []
    # Email still sent to an address in use is the living person's record: kept.
    assert ctx.scalar(select(func.count()).where(OutboxMessage.to_address == "hartley.parent@example.com")) == 2


def test_a_family_without_children_is_erased_once_requested(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    family = GuardianFactory().family
    data_protection.request_erasure(admin, family)
    assert data_protection.erasure_due_on(family) is None
    assert data_protection.erase_due().erased == [family.reference]


def test_the_erase_due_command_prints_what_it_did(runner, db_session):
    mine = requested(db_session, born=(date(1990, 1, 1), date(1995, 6, 30)))  # due long ago
    dry = runner.invoke(args=["erase-due", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"Would erase family {mine.family.reference}." in dry.output
    assert "Dry run: 1 family due for erasure; nothing was changed." in dry.output
    db_session.expire_all()
    assert db_session.get(Family, mine.family.id).erased_at is None

    done = runner.invoke(args=["erase-due"])
    assert done.exit_code == 0, done.output
    assert done.output == f"Erased family {mine.family.reference}.\n"
    db_session.expire_all()
    assert db_session.get(Family, mine.family.id).erased_at is not None
    again = runner.invoke(args=["erase-due"])
    assert again.output == "No family is due for erasure.\n"


def test_the_job_runs_daily_in_the_small_hours(app):
    job = JOBS["erase-due"]
    trigger = job.trigger(app.config)
    fire = trigger.get_next_fire_time(None, datetime(2038, 8, 19, 12, 0, tzinfo=UTC))
    assert fire.isoformat() == "2038-08-20T02:30:00+01:00"


def test_a_family_enrolled_again_after_the_request_is_not_erased(ctx):
    mine = requested(ctx)
    ann = ctx.get(Learner, mine.learner_ids[0])
    families.re_enrol(mine.admin, ann, date(2028, 9, 1), ann.locality)
    ctx.commit()
    assert data_protection.erase_due(AT_DUE).erased == []
    with pytest.raises(NotAllowed, match="Ann Hartley is enrolled again"):
        data_protection.erase_family(mine.family, AT_DUE, actor=mine.admin)
    assert ctx.get(Family, mine.family.id).erased_at is None and ann.legal_name == "Ann Hartley"
