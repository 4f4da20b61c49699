"""Review by admin: the queue of sent applications, possible duplicates, and the decision (accept and enrol,
ask the family a question, or decline)."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from virtualacademy import clock, mail
from virtualacademy.errors import NotAllowed, ValidationError
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
    Learner,
    Locality,
    Role,
    SendStatus,
    User,
    UserRole,
)
from virtualacademy.services import accounts, audit, guardian_invitations
from virtualacademy.services.families.applications import SENT_STATUSES, resume_url
from virtualacademy.services.families.checks import _reference


def applications_queue(status: ApplicationStatus | None, locality_id: int | None):
    stmt = select(Application).where(Application.status.in_(SENT_STATUSES))
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
    family = _new_family(answers)
    db.session.add(family)
    for guardian in _guardians(application):
        family.guardians.append(guardian)
    for child in answers["children"]:
        family.learners.append(_enrolled_learner(child, application, start_date, locality))
    db.session.flush()
    _give_guardians_access(actor, family)
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


def _new_family(answers: dict) -> Family:
    """The family an accepted application makes, at its address, with a new reference."""
    address = answers["address"]
    return Family(
        reference=_reference("F", Family, Family.reference),
        address_line_1=address["line_1"],
        address_line_2=address.get("line_2") or None,
        town=address["town"],
        postcode=address["postcode"],
        source="application",
        privacy_consent_at=datetime.fromisoformat(answers["consented_at"]) if answers.get("consented_at") else None,
    )


def _guardians(application: Application) -> list[Guardian]:
    """The applicant (the primary guardian) and the second guardian, if the application names one."""
    answers = application.answers
    primary = answers["guardian"]
    guardians = [
        Guardian(
            name=primary["name"],
            email=primary["email"],
            phone=primary.get("phone") or None,
            is_primary=True,
            # Only the account the applicant made from the confirmation link (so proved the address is theirs).
            user_id=application.user_id,
        )
    ]
    second = answers.get("second_guardian")
    if second:
        guardians.append(Guardian(name=second["name"], email=second["email"], phone=second.get("phone") or None))
    return guardians


def _enrolled_learner(child: dict, application: Application, start_date: date, locality: Locality) -> Learner:
    """A learner from a child on the application, enrolled in ``locality`` from ``start_date``."""
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
    return learner


def _give_guardians_access(actor: User, family: Family) -> None:
    """The applicant's own account becomes a guardian's; another address that already signs in is invited to
    accept (the family's answers never link an account)."""
    for guardian in family.guardians:
        if guardian.user_id is not None:
            _grant(guardian.user_id, Role.GUARDIAN)
        elif guardian.email and accounts.get_by_email(guardian.email) is not None:
            guardian_invitations.invite(actor, family, guardian.name, guardian.email, guardian=guardian)


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
