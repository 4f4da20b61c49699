"""Family enrolment: applications, decisions, enrolment lifecycle and the family's own records."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from virtualacademy import clock, mail
from virtualacademy.errors import InvalidToken, NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    Application,
    ApplicationMessage,
    ApplicationStatus,
    EheReason,
    Enrolment,
    EnrolmentStatus,
    Family,
    Guardian,
    GuardianInvitation,
    Learner,
    Locality,
    MentorAssignment,
    Role,
    SendStatus,
    User,
    UserRole,
    WithdrawalReason,
)
from virtualacademy.services import accounts, audit, guardian_invitations, localities, sessions

#: Eligibility at application only: statutory school age up to 18 (nothing else gates on age).
ELIGIBLE_MIN_AGE = 4
ELIGIBLE_MAX_AGE = 18
#: A guardian may invite a learner account for a child of at least this age.
LEARNER_ACCOUNT_MIN_AGE = 11

APPLICATION_RESUME = "application-resume"
APPLICATION_ACCOUNT = "application-account"

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I


def _reference(prefix: str, model, column) -> str:
    while True:
        ref = prefix + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
        if db.session.scalar(select(model.id).where(column == ref)) is None:
            return ref


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def next_school_day(today: date) -> date:
    """The next weekday after ``today``: the default start date of an accepted application."""
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


# --- the application, section by section ------------------------------------------------


def _clean(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def check_person(data: dict, *, required: bool = True, prefix: str = "") -> dict:
    """Name, email and phone of a guardian; field names in errors carry ``prefix``."""
    name = _clean(data.get("name") or "")
    email = _clean(data.get("email") or "")
    phone = _clean(data.get("phone") or "")
    if not required and not (name or email or phone):
        return {}
    if not name:
        raise ValidationError("Enter the full name", field=f"{prefix}name")
    if not email:
        raise ValidationError("Enter an email address", field=f"{prefix}email")
    try:
        email = accounts.check_email(email)
    except ValidationError as error:
        raise ValidationError(error.message, field=f"{prefix}email") from error
    digits = "".join(c for c in phone if c.isdigit())
    if phone and not (10 <= len(digits) <= 13):
        raise ValidationError("Enter a UK phone number, like 07700 900982 or 01302 123456", field=f"{prefix}phone")
    return {"name": name, "email": email, "phone": phone}


def check_address(data: dict) -> dict:
    line_1 = _clean(data.get("line_1") or "")
    town = _clean(data.get("town") or "")
    if not line_1:
        raise ValidationError("Enter the first line of the address", field="line_1")
    if not town:
        raise ValidationError("Enter the town or city", field="town")
    postcode = localities.normalise_postcode(data.get("postcode") or "")
    return {"line_1": line_1, "line_2": _clean(data.get("line_2") or ""), "town": town, "postcode": postcode}


def check_child(data: dict, today: date) -> dict:
    legal_name = _clean(data.get("legal_name") or "")
    if not legal_name:
        raise ValidationError("Enter the child's full legal name", field="legal_name")
    born = data.get("date_of_birth")
    if not isinstance(born, date):
        raise ValidationError("Enter the child's date of birth", field="date_of_birth")
    if born > today:
        raise ValidationError("Date of birth must be in the past", field="date_of_birth")
    age = age_on(born, today)
    if not ELIGIBLE_MIN_AGE <= age <= ELIGIBLE_MAX_AGE:
        raise ValidationError(
            f"The academy is for children of statutory school age up to 18: a child must be between "
            f"{ELIGIBLE_MIN_AGE} and {ELIGIBLE_MAX_AGE} years old (this date of birth makes them {age})",
            field="date_of_birth",
        )
    urn = _clean(data.get("previous_school_urn") or "")
    if urn and not (urn.isdigit() and len(urn) == 6):
        raise ValidationError("A school URN is 6 digits, like 106789", field="previous_school_urn")
    left = data.get("date_left_school")
    if left is not None and (left > today or left < born):
        raise ValidationError(
            "Date left school must be in the past and after the date of birth", field="date_left_school"
        )
    try:
        reason = EheReason(data.get("reason"))
    except ValueError:
        raise ValidationError("Select the main reason for education other than at school", field="reason") from None
    try:
        send = SendStatus(data.get("send_status"))
    except ValueError:
        raise ValidationError("Select the child's special educational needs status", field="send_status") from None
    review = data.get("ehcp_review_date")
    if send is SendStatus.EHCP and review is None:
        raise ValidationError("Enter the date of the EHCP's next annual review", field="ehcp_review_date")
    return {
        "legal_name": legal_name,
        "preferred_name": _clean(data.get("preferred_name") or ""),
        "date_of_birth": born.isoformat(),
        "previous_school": _clean(data.get("previous_school") or ""),
        "previous_school_urn": urn,
        "date_left_school": left.isoformat() if left else None,
        "reason": reason.value,
        "send_status": send.value,
        "ehcp_review_date": review.isoformat() if (review and send is SendStatus.EHCP) else None,
        "fsm_eligible": bool(data.get("fsm_eligible")),
        "young_carer": bool(data.get("young_carer")),
        "needs": _clean(data.get("needs") or ""),
        "photo_consent": bool(data.get("photo_consent")),
    }


def start_application(guardian: dict) -> Application:
    """A new draft from the applicant's own details; emails a link to come back to it."""
    person = check_person(guardian)
    application = Application(
        reference=_reference("VA-", Application, Application.reference),
        email=person["email"],
        answers={"guardian": person, "children": []},
    )
    db.session.add(application)
    db.session.flush()
    _send_resume_link(application)
    audit.record("application.started", obj=application)
    return application


def resume_url(application: Application) -> str:
    """The emailed way back to an application, whatever has happened to it since: the draft to carry on with, or,
    once sent, the account to create or sign in to (``families.resume_application`` works out which)."""
    token = accounts.signed(APPLICATION_RESUME, {"a": application.id, "e": application.email})
    return mail.absolute_url("families.resume_application", token=token)


def _send_resume_link(application: Application, *, again: bool = False) -> None:
    # A link asked for again is sent at most once a day per application (the key names the day).
    key = f"application-resume:{application.id}:{application.email}"
    mail.queue(
        application.email,
        f"Your application to {current_app.config['ACADEMY_NAME']} ({application.reference})",
        "application_resume",
        dedupe_key=f"{key}:again:{clock.today().isoformat()}" if again else key,
        application=application,
        again=again,
        sent=application.status is not ApplicationStatus.DRAFT,
        link=resume_url(application),
    )


def send_new_resume_link(application: Application) -> None:
    """A fresh link for someone whose link has expired, to the application's own address (so it tells a
    stranger nothing and gives them nothing)."""
    _send_resume_link(application, again=True)
    audit.record("application.link_resent", obj=application)


def _editable(application: Application) -> None:
    if application.status is not ApplicationStatus.DRAFT:
        raise NotAllowed("This application has been sent, so it can no longer be changed here")


def _set(application: Application, key: str, value: Any) -> None:
    answers = dict(application.answers or {})
    answers[key] = value
    application.answers = answers  # a new dict, so the JSON column is saved


def save_guardian(application: Application, guardian: dict) -> bool:
    """Change the applicant's own details; returns whether a new link was emailed (a new address)."""
    _editable(application)
    person = check_person(guardian)
    emailed = person["email"] != application.email
    if emailed:
        application.email = person["email"]
        _send_resume_link(application)
    _set(application, "guardian", person)
    return emailed


def save_address(application: Application, address: dict) -> None:
    _editable(application)
    clean = check_address(address)
    _set(application, "address", clean)
    suggested = localities.locality_for_postcode(clean["postcode"])
    application.locality_id = suggested.id if suggested else None


def save_second_guardian(application: Application, person: dict) -> None:
    _editable(application)
    clean = check_person(person, required=False)
    if clean and clean["email"] == application.email:
        raise ValidationError("Enter a different email address from your own", field="email")
    _set(application, "second_guardian", clean or None)


def save_child(application: Application, index: int | None, child: dict, today: date) -> int:
    """Add (``index=None``) or replace a child; returns its position."""
    _editable(application)
    clean = check_child(child, today)
    children = list(application.answers.get("children") or [])
    if index is None:
        children.append(clean)
        index = len(children) - 1
    elif 0 <= index < len(children):
        children[index] = clean
    else:
        raise ValidationError("That child is not on this application")
    _set(application, "children", children)
    return index


def remove_child(application: Application, index: int) -> None:
    _editable(application)
    children = list(application.answers.get("children") or [])
    if 0 <= index < len(children):
        children.pop(index)
    _set(application, "children", children)


def save_declaration(application: Application, privacy_consent: bool) -> None:
    _editable(application)
    if not privacy_consent:
        raise ValidationError("Confirm you have read the privacy notice to continue", field="privacy_consent")
    _set(application, "privacy_consent", True)
    _set(application, "consented_at", clock.now().isoformat())


def missing_sections(application: Application) -> list[str]:
    """The sections still to complete, in order (empty when ready to send)."""
    answers = application.answers or {}
    missing = []
    if not answers.get("guardian"):
        missing.append("guardian")
    if not answers.get("address"):
        missing.append("address")
    if "second_guardian" not in answers:
        missing.append("second_guardian")
    if not answers.get("children"):
        missing.append("children")
    if not answers.get("privacy_consent"):
        missing.append("declaration")
    return missing


def submit(application: Application) -> None:
    """Send the application: the family gets its reference and a link to create their account."""
    _editable(application)
    missing = missing_sections(application)
    if missing:
        raise ValidationError("Some sections are not finished yet: " + ", ".join(s.replace("_", " ") for s in missing))
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = clock.now()
    mail.queue(
        application.email,
        f"We have received your application ({application.reference})",
        "application_received",
        dedupe_key=f"application-received:{application.id}",
        application=application,
        link=mail.absolute_url("families.create_account", token=account_token(application)),
    )
    audit.record("application.submitted", obj=application, detail={"children": len(application.answers["children"])})


def application_for_token(token: str, purpose: str) -> Application:
    data = accounts.unsigned(token, purpose, current_app.config["INVITATION_MAX_AGE"] * 4)
    return _application_named(data)


def _application_named(data: dict) -> Application:
    application = db.session.get(Application, data.get("a"))
    if application is None or application.email != data.get("e"):
        raise InvalidToken("This link is no longer valid. Start a new application or contact the academy.")
    return application


@dataclass(frozen=True)
class ApplicationLink:
    application: Application
    #: A genuine link past its age: it names the application, but opens nothing (a new one can be emailed).
    expired: bool


def read_application_link(token: str, purpose: str) -> ApplicationLink:
    """The application an emailed link names, and whether the link has expired; InvalidToken if the link was
    never ours (or its application is gone or was erased)."""
    try:
        return ApplicationLink(application_for_token(token, purpose), expired=False)
    except InvalidToken:
        data = accounts.unsigned(token, purpose, None)  # the signature alone: raises again unless it is genuine
        return ApplicationLink(_application_named(data), expired=True)


def read_any_application_link(token: str) -> ApplicationLink:
    """:func:`read_application_link` for either emailed link (to carry on, or to create the account)."""
    try:
        return read_application_link(token, APPLICATION_RESUME)
    except InvalidToken:
        return read_application_link(token, APPLICATION_ACCOUNT)


def has_account(application: Application) -> bool:
    """Whether the applicant can sign in: an account made from the application, or one with its address."""
    return application.user_id is not None or accounts.get_by_email(application.email) is not None


def account_token(application: Application) -> str:
    """A fresh token for the link that creates the applicant's account (what the "we have received" email
    carries)."""
    return accounts.signed(APPLICATION_ACCOUNT, {"a": application.id, "e": application.email})


def claim_application(user: User, application: Application) -> bool:
    """Link a sent application to the signed-in account with its email address (an emailed link proved the
    address; signing in proved the account), so they can follow it. True if it is now theirs."""
    if (
        application.user_id is None
        and application.status is not ApplicationStatus.DRAFT
        and user.email == (application.email)
    ):
        application.user_id = user.id
        audit.record("application.account_linked", actor=user, obj=application)
    return application.user_id == user.id


def application_for_account_link(token: str) -> Application:
    """The application whose confirmation link this is, if its account is still to be made."""
    application = application_for_token(token, APPLICATION_ACCOUNT)
    if application.user_id is not None:
        raise InvalidToken("Your account has already been created. Sign in with your email address and password.")
    if accounts.get_by_email(application.email) is not None:
        raise InvalidToken("There is already an account with this email address. Sign in, or reset your password.")
    return application


def create_account(token: str, password: str, *, user_agent: str | None = None) -> User:
    """From the confirmation email: verify the email and set a password (a guardian account), and sign this
    browser in."""
    application = application_for_account_link(token)
    guardian = application.answers["guardian"]
    user = accounts.create_user(application.email, guardian["name"], [Role.GUARDIAN], password=password)
    application.user_id = user.id
    _link_guardian_accounts(application, user)
    sessions.start(user, user_agent)
    audit.record("application.account_created", actor=user, obj=application)
    return user


def _link_guardian_accounts(application: Application, user: User) -> None:
    """Attach the applicant's new account to their own record in the family their application made (if it has
    been accepted already); records in other families are joined only by accepting an invitation."""
    if application.family_id is None:
        return
    for guardian in db.session.scalars(
        select(Guardian).where(
            Guardian.family_id == application.family_id, Guardian.email == user.email, Guardian.user_id.is_(None)
        )
    ):
        guardian.user_id = user.id


# --- review by admin ---------------------------------------------------------------------


def applications_queue(status: ApplicationStatus | None, locality_id: int | None):
    stmt = select(Application).where(Application.status != ApplicationStatus.DRAFT)
    if status is not None:
        stmt = stmt.where(Application.status == status)
    if locality_id is not None:
        stmt = stmt.where(Application.locality_id == locality_id)
    return stmt.order_by(Application.submitted_at, Application.id)


def duplicate_warnings(application: Application) -> list[str]:
    """Possible duplicates of an undecided application (a decided one has none to warn about)."""
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.MORE_INFO_REQUESTED):
        return []
    warnings = []
    for child in application.answers.get("children") or []:
        born = date.fromisoformat(child["date_of_birth"])
        match = db.session.scalar(
            select(Learner).where(
                func.lower(Learner.legal_name) == child["legal_name"].lower(), Learner.date_of_birth == born
            )
        )
        if match is not None:
            warnings.append(
                f"A learner called {match.legal_name} born {born:%-d %B %Y} is already known (family {match.family.reference})."
            )
    guardian = db.session.scalar(select(Guardian).where(Guardian.email == application.email))
    if guardian is not None:
        warnings.append(
            f"The email {application.email} already belongs to a guardian in family {guardian.family.reference}."
        )
    other = db.session.scalar(
        select(Application).where(
            Application.email == application.email,
            Application.id != application.id,
            Application.status.in_([ApplicationStatus.SUBMITTED, ApplicationStatus.MORE_INFO_REQUESTED]),
        )
    )
    if other is not None:
        warnings.append(f"Another open application ({other.reference}) uses the same email address.")
    return warnings


def _decidable(application: Application) -> None:
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.MORE_INFO_REQUESTED):
        raise NotAllowed("This application has already been decided")


def accept(actor: User, application: Application, start_date: date, locality: Locality) -> Family:
    """Enrol the family: creates the family, guardians, learners and their enrolments."""
    _decidable(application)
    if not locality.active:
        raise ValidationError("Choose an active locality", field="locality_id")
    answers = application.answers
    address = answers["address"]
    family = Family(
        reference=_reference("F", Family, Family.reference),
        address_line_1=address["line_1"],
        address_line_2=address.get("line_2") or None,
        town=address["town"],
        postcode=address["postcode"],
        source="application",
        privacy_consent_at=datetime.fromisoformat(answers["consented_at"]) if answers.get("consented_at") else None,
    )
    db.session.add(family)
    primary = answers["guardian"]
    family.guardians.append(
        Guardian(
            name=primary["name"],
            email=primary["email"],
            phone=primary.get("phone") or None,
            is_primary=True,
            # Only the account the applicant made from the confirmation link (so proved the address is theirs).
            user_id=application.user_id,
        )
    )
    second = answers.get("second_guardian")
    if second:
        family.guardians.append(Guardian(name=second["name"], email=second["email"], phone=second.get("phone") or None))
    for child in answers["children"]:
        learner = Learner(
            legal_name=child["legal_name"],
            preferred_name=child.get("preferred_name") or None,
            date_of_birth=date.fromisoformat(child["date_of_birth"]),
            previous_school=child.get("previous_school") or None,
            previous_school_urn=child.get("previous_school_urn") or None,
            date_left_school=date.fromisoformat(child["date_left_school"]) if child.get("date_left_school") else None,
            reason=EheReason(child["reason"]),
            send_status=SendStatus(child["send_status"]),
            ehcp_review_date=date.fromisoformat(child["ehcp_review_date"]) if child.get("ehcp_review_date") else None,
            fsm_eligible=bool(child.get("fsm_eligible")),
            young_carer=bool(child.get("young_carer")),
            needs=child.get("needs") or None,
            photo_consent=bool(child.get("photo_consent")),
            locality_id=locality.id,
        )
        learner.enrolments.append(
            Enrolment(
                locality_id=locality.id,
                status=EnrolmentStatus.ENROLLED,
                start_date=start_date,
                application_id=application.id,
            )
        )
        family.learners.append(learner)
    db.session.flush()
    for guardian in family.guardians:
        if guardian.user_id is not None:
            _grant(guardian.user_id, Role.GUARDIAN)
        elif guardian.email and accounts.get_by_email(guardian.email) is not None:
            # An address that already signs in is invited to accept; the family's answers never link an account.
            guardian_invitations.invite(actor, family, guardian.name, guardian.email, guardian=guardian)
    application.status = ApplicationStatus.ACCEPTED
    application.decided_at = clock.now()
    application.decided_by_id = actor.id
    application.family_id = family.id
    application.locality_id = locality.id
    mail.queue(
        application.email,
        f"Welcome to {current_app.config['ACADEMY_NAME']}",
        "application_accepted",
        dedupe_key=f"application-decision:{application.id}",
        application=application,
        family=family,
        start_date=start_date,
        locality=locality,
        link=mail.absolute_url("auth.sign_in"),
    )
    audit.record(
        "application.accepted",
        actor=actor,
        obj=application,
        detail={"family": family.reference, "locality": locality.name, "start_date": start_date.isoformat()},
    )
    return family


def _grant(user_id: int, role: Role) -> None:
    if db.session.get(UserRole, (user_id, role)) is None:
        db.session.add(UserRole(user_id=user_id, role=role))
        db.session.flush()


def request_more_information(actor: User, application: Application, question: str) -> None:
    _decidable(application)
    question = (question or "").strip()
    if not question:
        raise ValidationError("Enter your question for the family", field="question")
    application.messages.append(ApplicationMessage(from_family=False, author_id=actor.id, body=question))
    application.status = ApplicationStatus.MORE_INFO_REQUESTED
    db.session.flush()
    mail.queue(
        application.email,
        f"A question about your application ({application.reference})",
        "application_question",
        dedupe_key=f"application-question:{application.messages[-1].id}",
        application=application,
        link=resume_url(application),  # leads to the account to sign in to, or to make, whichever is missing
    )
    audit.record("application.more_information_requested", actor=actor, obj=application)


def answer_question(user: User, application: Application, answer: str) -> None:
    if application.user_id != user.id:
        raise NotAllowed("This is not your application")
    if application.status is not ApplicationStatus.MORE_INFO_REQUESTED:
        raise NotAllowed("The academy has not asked a question about this application")
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError("Enter your answer", field="answer")
    application.messages.append(ApplicationMessage(from_family=True, author_id=user.id, body=answer))
    application.status = ApplicationStatus.SUBMITTED
    db.session.flush()
    audit.record("application.answered", actor=user, obj=application)


def decline(actor: User, application: Application, reason: str) -> None:
    _decidable(application)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Enter the reason, which will be sent to the family", field="reason")
    application.status = ApplicationStatus.DECLINED
    application.decline_reason = reason
    application.decided_at = clock.now()
    application.decided_by_id = actor.id
    mail.queue(
        application.email,
        f"Your application to {current_app.config['ACADEMY_NAME']} ({application.reference})",
        "application_declined",
        dedupe_key=f"application-decision:{application.id}",
        application=application,
        reason=reason,
    )
    audit.record("application.declined", actor=actor, obj=application)


# --- enrolment lifecycle -------------------------------------------------------------------


def withdraw(actor: User, learner: Learner, on: date, reason: WithdrawalReason, note: str | None = None) -> Enrolment:
    """End the learner's current enrolment: ``on`` is the first day off roll.

    Their mentor's assignment ends on the same day, as at a handover: the child leaves the mentor's caseload and
    reminders, and the mentor may read the child's records for 30 days after it, never change them. Re-enrolled,
    the child waits for a mentor to be assigned again."""
    enrolment = learner.current_enrolment
    if enrolment is None:
        raise ValidationError(f"{learner.known_as} is not enrolled")
    if on < enrolment.start_date:
        raise ValidationError(
            f"The withdrawal date cannot be before the enrolment started ({enrolment.start_date:%-d %B %Y})",
            field="withdrawal_date",
        )
    if reason is WithdrawalReason.OTHER and not (note or "").strip():
        raise ValidationError("Say why the learner is leaving", field="note")
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.end_date = on
    enrolment.withdrawal_reason = reason
    enrolment.withdrawal_note = (note or "").strip() or None
    mentor = db.session.scalar(
        select(MentorAssignment).where(MentorAssignment.learner_id == learner.id, MentorAssignment.ends_on.is_(None))
    )
    if mentor is not None:
        mentor.ends_on = max(on, mentor.starts_on)
    db.session.flush()
    audit.record(
        "enrolment.withdrawn",
        actor=actor,
        obj=enrolment,
        detail={"learner": learner.id, "date": on.isoformat(), "reason": reason.value},
    )
    return enrolment


def re_enrol(actor: User, learner: Learner, start_date: date, locality: Locality) -> Enrolment:
    """A new enrolment for a learner who left; the earlier ones are kept."""
    if learner.current_enrolment is not None:
        raise ValidationError(f"{learner.known_as} is already enrolled")
    last = learner.enrolments[-1] if learner.enrolments else None
    if last is not None and last.end_date and start_date < last.end_date:
        raise ValidationError(
            f"The new start date must be on or after {last.end_date:%-d %B %Y}, when they left", field="start_date"
        )
    if learner.family.erased_at is not None:
        raise NotAllowed("This family's records have been erased")
    enrolment = Enrolment(
        learner=learner, locality_id=locality.id, status=EnrolmentStatus.ENROLLED, start_date=start_date
    )
    learner.locality_id = locality.id
    db.session.add(enrolment)
    db.session.flush()
    audit.record(
        "enrolment.re_enrolled",
        actor=actor,
        obj=enrolment,
        detail={"learner": learner.id, "start_date": start_date.isoformat(), "locality": locality.name},
    )
    return enrolment


# --- the family's own records -----------------------------------------------------------


def is_guardian_of(user: User, learner: Learner) -> bool:
    return any(g.user_id == user.id for g in learner.family.guardians)


def open_applications_of(user: User) -> list[Application]:
    """The user's own applications that are not yet accepted (so they can follow them)."""
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.user_id == user.id, Application.status != ApplicationStatus.ACCEPTED)
            .order_by(Application.id)
        )
    )


def applications_waiting() -> int:
    """Sent applications awaiting a decision (including those waiting for the family's answer)."""
    return db.session.scalar(
        select(func.count())
        .select_from(Application)
        .where(Application.status.in_([ApplicationStatus.SUBMITTED, ApplicationStatus.MORE_INFO_REQUESTED]))
    )


@dataclass
class LocalitySummary:
    locality: Locality
    on_roll: int


def coordinator_summary(user: User) -> list[LocalitySummary]:
    from virtualacademy.models import LocalityRole

    today = clock.today()
    counts = localities.numbers_on_roll(today)
    return [
        LocalitySummary(loc, counts.get(loc.id, 0)) for loc in localities.localities_of(user, LocalityRole.COORDINATOR)
    ]


def families_of(user: User) -> list[Family]:
    return list(
        db.session.scalars(
            select(Family).join(Guardian).where(Guardian.user_id == user.id).order_by(Family.id)
        ).unique()
    )


def update_contact(actor: User, guardian: Guardian, phone: str, address: dict | None = None) -> None:
    checked = check_person({"name": guardian.name, "email": guardian.email or actor.email, "phone": phone or ""})
    guardian.phone = checked["phone"] or None
    if address is not None:
        clean = check_address(address)
        family = guardian.family
        family.address_line_1 = clean["line_1"]
        family.address_line_2 = clean["line_2"] or None
        family.town = clean["town"]
        family.postcode = clean["postcode"]
    audit.record("family.contact_updated", actor=actor, obj=guardian.family)


def update_learner_details(actor: User, learner: Learner, preferred_name: str, needs: str) -> None:
    learner.preferred_name = (preferred_name or "").strip() or None
    learner.needs = (needs or "").strip() or None
    if learner.user is not None:
        learner.user.preferred_name = learner.known_as  # their account greets them by it too
    audit.record("learner.details_updated", actor=actor, obj=learner)


def invite_guardian(actor: User, family: Family, name: str, email: str) -> GuardianInvitation:
    """Invite another parent or carer to the family: their address is emailed a link to accept, signed in as
    themselves (or setting a password, if they have no account). Nothing else changes until they accept, and
    the family is told the same whether or not the address already has an account."""
    if not any(g.user_id == actor.id for g in family.guardians):
        raise NotAllowed("You can only invite people to your own family")
    person = check_person({"name": name, "email": email})
    if person["email"] == actor.email:
        raise ValidationError("Enter their email address, not your own", field="email")
    guardian = next((g for g in family.guardians if g.email == person["email"]), None)
    if guardian is not None and guardian.user_id is not None:
        raise ValidationError(f"{guardian.name} is already a parent or carer in your family", field="email")
    return guardian_invitations.invite(actor, family, person["name"], person["email"], guardian=guardian)


def _give_account(actor: User, guardian: Guardian) -> bool:
    """Sign-in for a guardian who has no account: a new account with an emailed set-password link (True); or,
    if their address already signs in (a guardian in another family, or a parent who is also staff), an
    invitation to accept while signed in as themselves (False): an existing account is never linked unasked."""
    db.session.flush()
    user = accounts.get_by_email(guardian.email)
    created = user is None
    if user is None:
        user = accounts.create_user(guardian.email, guardian.name, [Role.GUARDIAN], actor=actor)
        guardian.user_id = user.id
        db.session.flush()
        accounts.send_invitation(actor, user)
    else:
        guardian_invitations.invite(
            actor, guardian.family, guardian.name, guardian.email, guardian=guardian, from_family=False
        )
    db.session.flush()
    audit.record("family.guardian_invited", actor=actor, obj=guardian.family, detail={"guardian": guardian.id})
    return created


# --- inviting parents and carers who have no account (e.g. imported from an authority's list) --------------

#: Guardians invited per request from the web page (the command line does any number, with a progress bar).
INVITE_BATCH = 200


def _uninvited(today: date):
    """Guardians without an account in a family that has a child on roll (withdrawn and erased families are left
    alone), oldest first."""
    on_roll = (
        select(Learner.family_id)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(localities.on_roll_filter(today))
    )
    return (
        select(Guardian)
        .join(Family, Family.id == Guardian.family_id)
        .where(
            Guardian.user_id.is_(None),
            Family.erased_at.is_(None),
            Guardian.family_id.in_(on_roll),
            ~_invitation_pending(),
        )
        .order_by(Guardian.id)
    )


def _invitation_pending():
    """SQL condition: the guardian has been sent an invitation to accept that is not accepted yet."""
    return (
        select(GuardianInvitation.id)
        .where(GuardianInvitation.guardian_id == Guardian.id, GuardianInvitation.accepted_at.is_(None))
        .exists()
    )


@dataclass
class UninvitedSummary:
    #: Guardians with an email address and no account: they can be invited.
    to_invite: int
    #: ... in this many families.
    families: int
    #: Guardians with no email address: they cannot be invited until one is added.
    no_email: int


def uninvited_summary(today: date) -> UninvitedSummary:
    rows = _uninvited(today).order_by(None).subquery()
    to_invite, families_count, no_email = db.session.execute(
        select(
            func.count().filter(rows.c.email.is_not(None)),
            func.count(func.distinct(rows.c.family_id)).filter(rows.c.email.is_not(None)),
            func.count().filter(rows.c.email.is_(None)),
        )
    ).one()
    return UninvitedSummary(to_invite, families_count, no_email)


@dataclass
class InvitationRun:
    #: New accounts, each sent a set-password link.
    invited: int = 0
    #: Addresses that already sign in: sent an invitation to accept, signed in as themselves.
    asked_to_accept: int = 0
    #: Guardians without an email address, left as they are.
    no_email: int = 0


def invite_guardians(
    actor: User, guardians: list[Guardian], *, on_each: Callable[[Guardian], None] | None = None
) -> InvitationRun:
    """Give each of these guardians an account (see :func:`_give_account`). Admin only; a guardian who already
    has an account, or has an invitation waiting to be accepted, is skipped, so running it again invites nobody
    twice."""
    if not actor.has_role(Role.ADMIN):
        raise NotAllowed("Only an admin can invite parents and carers in bulk")
    run = InvitationRun()
    for guardian in guardians:
        if guardian.user_id is None and not _has_pending_invitation(guardian):
            if not guardian.email:
                run.no_email += 1
            elif _give_account(actor, guardian):
                run.invited += 1
            else:
                run.asked_to_accept += 1
        if on_each is not None:
            on_each(guardian)
    return run


def _has_pending_invitation(guardian: Guardian) -> bool:
    return (
        db.session.scalar(
            select(GuardianInvitation.id)
            .where(GuardianInvitation.guardian_id == guardian.id, GuardianInvitation.accepted_at.is_(None))
            .limit(1)
        )
        is not None
    )


def invite_uninvited(actor: User, today: date, limit: int | None = INVITE_BATCH) -> InvitationRun:
    """Invite the next ``limit`` guardians without an account who have an email address (all of them if None)."""
    stmt = _uninvited(today).where(Guardian.email.is_not(None))
    if limit is not None:
        stmt = stmt.limit(limit)
    return invite_guardians(actor, list(db.session.scalars(stmt)))


def invite_family(actor: User, family: Family) -> InvitationRun:
    """Invite this family's guardians who have no account."""
    return invite_guardians(actor, [g for g in family.guardians if g.user_id is None])


def invite_learner(actor: User, learner: Learner, email: str, today: date) -> User:
    """A learner account for a child of at least LEARNER_ACCOUNT_MIN_AGE; the learner sees only themself."""
    if not is_guardian_of(actor, learner):
        raise NotAllowed("You can only invite your own children")
    if learner.user_id is not None:
        raise ValidationError(f"{learner.known_as} already has an account", field="email")
    if age_on(learner.date_of_birth, today) < LEARNER_ACCOUNT_MIN_AGE:
        raise ValidationError(
            f"A learner account is for children aged {LEARNER_ACCOUNT_MIN_AGE} or over", field="email"
        )
    address = accounts.check_email(email)
    if any(g.email == address for g in learner.family.guardians):
        raise ValidationError("Use the child's own email address, not a parent's", field="email")
    user = accounts.create_user(address, learner.legal_name, [Role.LEARNER], actor=actor)
    user.preferred_name = learner.known_as  # emails and pages greet the learner by the name they use
    learner.user_id = user.id
    db.session.flush()
    accounts.send_invitation(actor, user)
    audit.record("learner.account_invited", actor=actor, obj=learner)
    return user


def learner_for_user(user: User) -> Learner | None:
    return db.session.scalar(select(Learner).where(Learner.user_id == user.id))


@dataclass
class NextStep:
    learner: Learner
    mentor_name: str | None


@dataclass
class AcceptedFamily:
    """What is left to do once an application is accepted: invite the parents and carers, assign mentors."""

    family: Family
    start_date: date | None
    locality: Locality | None
    learners: list[NextStep]
    #: Parents and carers with an email address and no account yet: the admin can invite them to sign in.
    to_invite: list[Guardian]


def accepted_family(application: Application) -> AcceptedFamily | None:
    from virtualacademy.services import mentoring

    family = db.session.get(Family, application.family_id) if application.family_id else None
    if family is None:
        return None
    enrolments = [e for lr in family.learners for e in lr.enrolments if e.application_id == application.id]
    steps = []
    for learner in family.learners:
        mentor = mentoring.current_mentor(learner)
        steps.append(NextStep(learner, mentor.name if mentor else None))
    return AcceptedFamily(
        family=family,
        start_date=enrolments[0].start_date if enrolments else None,
        locality=enrolments[0].locality if enrolments else None,
        learners=steps,
        to_invite=[g for g in family.guardians if g.user_id is None and g.email],
    )


@dataclass
class ChildCard:
    learner: Learner
    enrolment: Enrolment | None
    mentor_name: str | None
    #: The day the enrolment starts, when that is still to come (None once on roll).
    starts_on: date | None = None


def starts_on(learner: Learner, today: date) -> date | None:
    """The start of the learner's current enrolment if it is after ``today`` (they are not on roll yet)."""
    enrolment = learner.current_enrolment
    return enrolment.start_date if enrolment is not None and enrolment.start_date > today else None


def child_cards(family: Family) -> list[ChildCard]:
    from virtualacademy.services import mentoring

    today = clock.today()
    cards = []
    for learner in family.learners:
        mentor = mentoring.current_mentor(learner)
        cards.append(
            ChildCard(learner, learner.current_enrolment, mentor.name if mentor else None, starts_on(learner, today))
        )
    return cards
