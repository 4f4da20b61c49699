"""Accounts for a family's people: parents and carers who have no account (e.g. imported from an authority's
list) invited to sign in, one family or in bulk, and a learner's own account. An address that already signs
in is asked to accept instead (:mod:`virtualacademy.services.guardian_invitations`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Enrolment, Family, Guardian, GuardianInvitation, Learner, Role, User
from virtualacademy.policies.relations import Relation, is_related
from virtualacademy.services import accounts, audit, guardian_invitations, localities
from virtualacademy.services.families.checks import LEARNER_ACCOUNT_MIN_AGE, age_on


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
    if not is_related(actor, learner, Relation.GUARDIAN):
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
