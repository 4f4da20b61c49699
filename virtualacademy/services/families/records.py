"""The family's own records: whose family and children a user has, their contact details, and what a family
or a coordinator sees of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from virtualacademy import clock
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    Application,
    ApplicationStatus,
    Enrolment,
    Family,
    Guardian,
    GuardianInvitation,
    Learner,
    Locality,
    User,
)
from virtualacademy.policies.relations import coordinated_localities
from virtualacademy.services import audit, guardian_invitations, localities
from virtualacademy.services.families.checks import check_address, check_person


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
    """The localities ``user`` acts as coordinator of, with the number of learners on roll in each today."""
    counts = localities.numbers_on_roll(clock.today(), within=coordinated_localities(user))
    places = db.session.scalars(
        select(Locality).where(Locality.id.in_(coordinated_localities(user))).order_by(Locality.name)
    )
    return [LocalitySummary(loc, counts.get(loc.id, 0)) for loc in places]


def families_of(user: User) -> list[Family]:
    """The user's families, with their guardians and learners (and the learners' enrolments and localities)."""
    return list(
        db.session.scalars(
            select(Family)
            .join(Guardian)
            .where(Guardian.user_id == user.id)
            .order_by(Family.id)
            .options(
                selectinload(Family.guardians),
                selectinload(Family.learners).options(selectinload(Learner.enrolments), selectinload(Learner.locality)),
            )
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


def child_cards(families: list[Family]) -> dict[int, list[ChildCard]]:
    """A card for each child of each family, by family id; the mentors' names are read for all of them at once."""
    from virtualacademy.services import mentoring

    today = clock.today()
    mentors = mentoring.current_mentor_names(
        select(Learner.id).where(Learner.family_id.in_([family.id for family in families]))
    )
    return {
        family.id: [
            ChildCard(learner, learner.current_enrolment, mentors.get(learner.id), starts_on(learner, today))
            for learner in family.learners
        ]
        for family in families
    }
