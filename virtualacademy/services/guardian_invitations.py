"""Invitations to join a family as a parent or carer.

A family (or an admin, for an address that already signs in) cannot attach an existing account to a family:
the address is sent a signed, expiring, single-use link instead, and nothing changes until its owner accepts it
while signed in as that address (or, without an account yet, by setting a password, which the link proves they
can read). A staff account is never made a guardian by a family: an invitation whose address came from the
family (their own invitation, or the other parent named in their application) is refused for a staff account,
with a message saying how to ask the academy instead. The inviting family is told the same thing whether or not
the address has an account, so the form cannot be used to find out who has one. Every step is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask import current_app
from sqlalchemy import select

from virtualacademy import clock, mail
from virtualacademy.errors import InvalidToken, NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Family, Guardian, GuardianInvitation, Role, User, UserRole
from virtualacademy.models.accounts import STAFF_ROLES
from virtualacademy.services import accounts, audit, data_protection, notifications

PURPOSE = "guardian-invitation"
STAFF_REFUSED = (
    "This is an academy staff account, and a family cannot add a staff account as a parent or carer. "
    "If you are a parent or carer in this family, ask the academy's admin team to add you."
)
LEARNER_REFUSED = "A learner's account cannot be a parent or carer. Sign in with your own account."


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())


def pending(family: Family) -> list[GuardianInvitation]:
    """The family's invitations not accepted yet, oldest first."""
    return pending_by_family([family])[family.id]


def pending_by_family(families: list[Family]) -> dict[int, list[GuardianInvitation]]:
    """Each family's invitations not accepted yet, oldest first, by family id (one statement)."""
    found: dict[int, list[GuardianInvitation]] = {family.id: [] for family in families}
    for invitation in db.session.scalars(
        select(GuardianInvitation)
        .where(GuardianInvitation.family_id.in_(list(found)), GuardianInvitation.accepted_at.is_(None))
        .order_by(GuardianInvitation.id)
    ):
        found[invitation.family_id].append(invitation)
    return found


def invite(
    actor: User,
    family: Family,
    name: str,
    email: str,
    *,
    guardian: Guardian | None = None,
    from_family: bool = True,
) -> GuardianInvitation:
    """Email ``email`` a link to join ``family``. Sending again to the same address renews the one invitation
    (and spends the links sent before). Changes nothing else: no account is made, linked or given a role."""
    email = accounts.check_email(email)
    invitation = db.session.scalar(
        select(GuardianInvitation).where(
            GuardianInvitation.family_id == family.id,
            GuardianInvitation.email == email,
            GuardianInvitation.accepted_at.is_(None),
        )
    )
    now = clock.now()
    if invitation is None:
        invitation = GuardianInvitation(
            family_id=family.id,
            guardian_id=guardian.id if guardian else None,
            name=name,
            email=email,
            from_family=from_family,
            invited_by_id=actor.id,
            created_at=now,
            sent_at=now,
        )
        db.session.add(invitation)
    else:
        invitation.name = name
        invitation.sent_at = now
        invitation.invited_by_id = actor.id
        invitation.from_family = invitation.from_family or from_family
        if guardian is not None:
            invitation.guardian_id = guardian.id
    db.session.flush()
    token = accounts.signed(PURPOSE, {"i": invitation.id, "e": email, "t": _stamp(invitation.sent_at)})
    mail.queue(
        email,
        f"You are invited to join a family at {current_app.config['ACADEMY_NAME']}",
        "guardian_invitation",
        name=name,
        inviter=actor,
        link=mail.absolute_url("families.guardian_invitation", token=token),
        days=current_app.config["INVITATION_MAX_AGE"] // 86400,
    )
    audit.record(
        "family.guardian_invitation_sent",
        actor=actor,
        obj=family,
        detail={"invitation": invitation.id, "from_family": invitation.from_family},
    )
    return invitation


def for_token(token: str) -> GuardianInvitation:
    """The invitation a link is for, if it can still be accepted; otherwise InvalidToken."""
    data = accounts.unsigned(token, PURPOSE, current_app.config["INVITATION_MAX_AGE"])
    invitation = db.session.get(GuardianInvitation, data.get("i")) if isinstance(data.get("i"), int) else None
    if invitation is None or invitation.email != data.get("e"):
        raise InvalidToken("This invitation is no longer valid. Ask the family to invite you again.")
    if invitation.accepted_at is not None:
        raise InvalidToken("This invitation has already been accepted. Sign in to see the family.")
    if _stamp(invitation.sent_at) != data.get("t"):
        raise InvalidToken("A newer invitation has been sent to you since this one: use the link in that email.")
    if invitation.family.erased_at is not None:
        raise InvalidToken("This invitation is no longer valid.")
    return invitation


class State(StrEnum):
    #: No account has this address: setting a password creates one and accepts.
    NEW_ACCOUNT = "new_account"
    #: The address has an account: sign in as it to accept.
    SIGN_IN = "sign_in"
    #: Signed in as someone else.
    WRONG_ACCOUNT = "wrong_account"
    #: Signed in as the address, which may not become a guardian this way.
    REFUSED = "refused"
    #: Signed in as the address: they can accept.
    READY = "ready"


@dataclass
class Acceptance:
    invitation: GuardianInvitation
    state: State
    #: Why it is refused (REFUSED only).
    message: str | None = None


def _refusal(invitation: GuardianInvitation, user: User) -> str | None:
    if user.has_role(Role.LEARNER):
        return LEARNER_REFUSED
    if invitation.from_family and user.has_role(*STAFF_ROLES):
        return STAFF_REFUSED
    return None


def acceptance(invitation: GuardianInvitation, user: User | None) -> Acceptance:
    """What the person holding the link can do, signed in as ``user`` (None: not signed in)."""
    account = accounts.get_by_email(invitation.email)
    if user is not None and user.email != invitation.email:
        return Acceptance(invitation, State.WRONG_ACCOUNT)
    if account is None:
        return Acceptance(invitation, State.NEW_ACCOUNT)
    if user is None:
        return Acceptance(invitation, State.SIGN_IN)
    message = _refusal(invitation, user)
    if message:
        return Acceptance(invitation, State.REFUSED, message)
    return Acceptance(invitation, State.READY)


def accept(token: str, user: User) -> Guardian:
    """Accept, signed in as the invited address's account."""
    invitation = for_token(token)
    state = acceptance(invitation, user)
    if state.state is State.WRONG_ACCOUNT:
        raise NotAllowed("This invitation was sent to another email address. Sign out, then sign in as that address.")
    if state.state is State.REFUSED:
        raise NotAllowed(state.message)
    if state.state is not State.READY:
        raise NotAllowed("Sign in to accept this invitation")
    return _join(invitation, user)


def record_refusal(invitation: GuardianInvitation, user: User) -> None:
    """Audit that an account that may not accept this invitation opened it (the page tells them why)."""
    audit.record(
        "family.guardian_invitation_refused",
        actor=user,
        obj=invitation.family,
        detail={"invitation": invitation.id, "reason": "learner" if user.has_role(Role.LEARNER) else "staff"},
    )


def accept_with_new_account(token: str, password: str) -> User:
    """Accept by creating the account (the link shows the person reads the address's email)."""
    invitation = for_token(token)
    if accounts.get_by_email(invitation.email) is not None:
        raise NotAllowed("There is already an account with this email address: sign in to accept")
    user = accounts.create_user(invitation.email, invitation.name, [Role.GUARDIAN], password=password)
    _join(invitation, user)
    return user


def _join(invitation: GuardianInvitation, user: User) -> Guardian:
    family = invitation.family
    guardian = invitation.guardian
    if guardian is None or guardian.family_id != family.id:
        guardian = next((g for g in family.guardians if g.email == invitation.email), None)
    if guardian is None:
        guardian = Guardian(name=invitation.name, email=invitation.email)
        family.guardians.append(guardian)
    if guardian.user_id is not None and guardian.user_id != user.id:
        raise ValidationError("Someone else already signs in as this parent or carer")
    guardian.user_id = user.id
    if not user.has_role(Role.GUARDIAN):
        user.role_links.append(UserRole(role=Role.GUARDIAN))
    invitation.accepted_at = clock.now()
    invitation.accepted_by_id = user.id
    db.session.flush()
    audit.record(
        "family.guardian_invitation_accepted",
        actor=user,
        obj=family,
        detail={"invitation": invitation.id, "guardian": guardian.id},
    )
    inviter = invitation.invited_by
    if inviter is not None and inviter.active and inviter.id != user.id:
        notifications.notify(
            inviter,
            f"guardian-joined:{invitation.id}",
            "guardian_joined",
            f"{guardian.name} has accepted your invitation and joined the family",
            link="/family" if inviter.has_role(Role.GUARDIAN) else None,
        )
    return guardian


# --- data protection ----------------------------------------------------------------------------------------


def _export(subject: data_protection.Subject) -> list[dict]:
    rows = db.session.scalars(
        select(GuardianInvitation)
        .where(GuardianInvitation.family_id == subject.family.id)
        .order_by(GuardianInvitation.id)
    )
    return [data_protection.record(row, exclude={"invited_by_id", "accepted_by_id"}) for row in rows]


def _erase(subject: data_protection.Subject) -> int:
    """Invitations name and address people: they go (the audit log keeps that they were sent and accepted)."""
    rows = list(db.session.scalars(select(GuardianInvitation).where(GuardianInvitation.family_id == subject.family.id)))
    for row in rows:
        db.session.delete(row)
    return len(rows)


data_protection.register(
    data_protection.Section("guardian_invitations", "Invitations to join the family", _export, _erase)
)
