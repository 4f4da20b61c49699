"""The family's application, section by section: starting it, the emailed links back to it, sending it, and
the applicant's account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from virtualacademy import clock, mail
from virtualacademy.errors import InvalidToken, NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Application, ApplicationStatus, Guardian, Role, User
from virtualacademy.services import accounts, audit, localities, sessions
from virtualacademy.services.families.checks import _reference, check_address, check_child, check_person

APPLICATION_RESUME = "application-resume"
APPLICATION_ACCOUNT = "application-account"

#: An application's statuses once its family has sent it: the admin's queue lists, filters and reviews only these
#: (a draft is still the family's to finish).
SENT_STATUSES = tuple(s for s in ApplicationStatus if s is not ApplicationStatus.DRAFT)


def is_sent(application: Application) -> bool:
    """Whether the family has sent ``application`` (it is no longer a draft)."""
    return application.status in SENT_STATUSES


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
        sent=is_sent(application),
        link=resume_url(application),
    )


def send_new_resume_link(application: Application) -> None:
    """A fresh link for someone whose link has expired, to the application's own address (so it tells a
    stranger nothing and gives them nothing)."""
    _send_resume_link(application, again=True)
    audit.record("application.link_resent", obj=application)


def _editable(application: Application) -> None:
    if is_sent(application):
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
    if application.user_id is None and is_sent(application) and user.email == (application.email):
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
