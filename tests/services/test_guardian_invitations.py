"""Inviting parents and carers without an account (e.g. imported families) to sign in."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import GuardianFactory, LearnerFactory, UserFactory
from virtualacademy.errors import NotAllowed
from virtualacademy.models import AuditEvent, GuardianInvitation, OutboxMessage, Role, User, WithdrawalReason
from virtualacademy.services import families, guardian_invitations

TODAY = date(2026, 11, 23)


@pytest.fixture
def imported(ctx):
    """Three families with a child on roll, as an import leaves them (guardians without accounts), one family
    whose child has left, and a parent who already signs in (staff) with their own address."""
    admin = UserFactory(roles=[Role.ADMIN], name="Ada Admin")
    staff_parent = UserFactory(roles=[Role.MENTOR], email="kim.parent@example.com")
    on_roll = [LearnerFactory(enrolled=date(2026, 9, 1)) for _ in range(3)]
    a = GuardianFactory(family=on_roll[0].family, user=None, name="Al Able", email="al@example.com")
    b = GuardianFactory(family=on_roll[0].family, user=None, name="Bo Able", email=None, is_primary=False)
    c = GuardianFactory(family=on_roll[1].family, user=None, name="Kim Parent", email="kim.parent@example.com")
    d = GuardianFactory(family=on_roll[2].family, user=None, name="Di Dee", email="di@example.com")
    gone = LearnerFactory(enrolled=date(2026, 9, 1))
    e = GuardianFactory(family=gone.family, user=None, name="Ed Gone", email="ed@example.com")
    families.withdraw(admin, gone, date(2026, 10, 1), WithdrawalReason.RETURNED_TO_SCHOOL)
    already = GuardianFactory(family=on_roll[2].family, is_primary=False)  # has an account
    ctx.commit()
    return {"admin": admin, "staff_parent": staff_parent, "a": a, "b": b, "c": c, "d": d, "e": e, "already": already}


def invitations(ctx) -> list[OutboxMessage]:
    return list(ctx.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_summary_counts_who_can_be_invited(imported):
    summary = families.uninvited_summary(TODAY)
    assert (summary.to_invite, summary.families, summary.no_email) == (3, 3, 1)


def test_invitations_make_accounts_link_existing_ones_and_are_sent_once(ctx, imported):
    p = imported
    run = families.invite_uninvited(p["admin"], TODAY, limit=2)
    assert (run.invited, run.asked_to_accept, run.no_email) == (1, 1, 0)  # Al (new), Kim (already signs in)
    ctx.commit()
    assert p["a"].user is not None and p["a"].user.password_hash is None and p["a"].user.has_role(Role.GUARDIAN)
    # Kim already signs in (staff): nothing changes for the account until Kim accepts, signed in as Kim.
    assert p["c"].user_id is None and not p["staff_parent"].has_role(Role.GUARDIAN)
    sent = invitations(ctx)
    assert [(m.to_address, m.subject) for m in sent] == [
        ("al@example.com", sent[0].subject),
        ("kim.parent@example.com", sent[1].subject),
    ]
    assert (
        "invited" in sent[0].subject and "Set your password" in sent[0].body_text and "Ada Admin" in sent[0].body_text
    )
    assert "invited to join a family" in sent[1].subject and "/family/invitations/" in sent[1].body_text
    assert families.uninvited_summary(TODAY).to_invite == 1

    # The rest; then again: nobody is invited twice, Ed's family (withdrawn) and Bo (no email) are left alone.
    run = families.invite_uninvited(p["admin"], TODAY)
    assert (run.invited, run.asked_to_accept) == (1, 0) and p["d"].user_id is not None
    assert (families.invite_uninvited(p["admin"], TODAY).invited, len(invitations(ctx))) == (0, 3)
    assert p["e"].user_id is None and p["b"].user_id is None
    assert families.uninvited_summary(TODAY).to_invite == 0
    audited = ctx.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "family.guardian_invited")
    )
    assert audited == 3


def test_one_familys_guardians_are_invited_from_a_learners_page(ctx, imported):
    p = imported
    run = families.invite_family(p["admin"], p["a"].family)
    assert (run.invited, run.asked_to_accept, run.no_email) == (1, 0, 1)
    assert p["d"].user_id is None  # another family


def test_only_an_admin_invites_in_bulk(ctx, imported):
    mentor = UserFactory(roles=[Role.MENTOR])
    with pytest.raises(NotAllowed):
        families.invite_uninvited(mentor, TODAY)
    assert ctx.scalar(select(func.count()).select_from(User).where(User.email == "al@example.com")) == 0


def test_an_admin_invitation_to_a_parent_who_is_staff_is_accepted_signed_in_as_themselves(ctx, imported):
    """The authority's list (not the family) named the address: staff may accept it, and only by themselves."""
    p = imported
    families.invite_family(p["admin"], p["c"].family)
    (invitation,) = ctx.scalars(select(GuardianInvitation)).all()
    assert invitation.guardian_id == p["c"].id and not invitation.from_family
    token = re.search(r"/family/invitations/(\S+)", invitations(ctx)[-1].body_text).group(1)
    with pytest.raises(NotAllowed):
        guardian_invitations.accept(token, p["admin"])  # someone else
    guardian = guardian_invitations.accept(token, p["staff_parent"])
    assert guardian.id == p["c"].id and guardian.user_id == p["staff_parent"].id
    assert p["staff_parent"].has_role(Role.GUARDIAN) and p["staff_parent"].has_role(Role.MENTOR)
    assert families.invite_family(p["admin"], p["c"].family).asked_to_accept == 0


# --- a family's invitation to another parent or carer ---------------------------------------------------------


def _token(ctx, to: str) -> str:
    body = ctx.scalars(
        select(OutboxMessage.body_text).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id.desc())
    ).first()
    return re.search(r"/family/invitations/(\S+)", body).group(1)


def test_a_family_invitation_expires_is_spent_by_a_newer_one_and_refuses_staff_and_learners(ctx, travel):
    from datetime import timedelta

    from virtualacademy import clock
    from virtualacademy.errors import InvalidToken

    learner = LearnerFactory()
    parent = GuardianFactory(family=learner.family).user
    staff = UserFactory(roles=[Role.ADMIN], email="boss@example.com")
    pupil = UserFactory(roles=[Role.LEARNER], email="pupil@example.com")
    for email in ("boss@example.com", "pupil@example.com", "late@example.com"):
        families.invite_guardian(parent, learner.family, "Someone", email)
    with pytest.raises(NotAllowed, match="staff account"):
        guardian_invitations.accept(_token(ctx, "boss@example.com"), staff)
    with pytest.raises(NotAllowed, match="learner's account"):
        guardian_invitations.accept(_token(ctx, "pupil@example.com"), pupil)
    assert not staff.has_role(Role.GUARDIAN) and not pupil.has_role(Role.GUARDIAN)

    first = _token(ctx, "late@example.com")
    travel(clock.now() + timedelta(minutes=1))
    families.invite_guardian(parent, learner.family, "Someone Late", "late@example.com")
    with pytest.raises(InvalidToken, match="newer invitation"):
        guardian_invitations.for_token(first)
    second = _token(ctx, "late@example.com")
    assert guardian_invitations.for_token(second).name == "Someone Late"
    assert len(guardian_invitations.pending(learner.family)) == 3  # one invitation per address, renewed
    travel(clock.now() + timedelta(days=8))
    with pytest.raises(InvalidToken, match="expired"):
        guardian_invitations.accept_with_new_account(second, "a long family password")
    assert ctx.scalar(select(User).where(User.email == "late@example.com")) is None


def test_an_applications_other_parent_with_an_account_is_invited_not_linked(ctx):
    from tests.factories import ApplicationFactory, LocalityFactory, application_answers

    staff = UserFactory(roles=[Role.MENTOR], email="sam.staff@example.com")
    answers = application_answers(email="pat.parent@example.com")
    answers["second_guardian"] = {"name": "Sam Staff", "email": "sam.staff@example.com", "phone": ""}
    application = ApplicationFactory(email="pat.parent@example.com", answers=answers)
    admin = UserFactory(roles=[Role.ADMIN])
    family = families.accept(admin, application, TODAY, LocalityFactory())
    second = next(g for g in family.guardians if g.email == "sam.staff@example.com")
    assert second.user_id is None and not staff.has_role(Role.GUARDIAN)
    (invitation,) = guardian_invitations.pending(family)
    assert invitation.guardian_id == second.id and invitation.from_family
    with pytest.raises(NotAllowed, match="staff account"):
        guardian_invitations.accept(_token(ctx, "sam.staff@example.com"), staff)
