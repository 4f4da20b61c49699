"""Inviting parents and carers without an account (e.g. imported families) to sign in."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import GuardianFactory, LearnerFactory, UserFactory
from virtualacademy.errors import NotAllowed
from virtualacademy.models import AuditEvent, OutboxMessage, Role, User, WithdrawalReason
from virtualacademy.services import families

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
    assert (run.invited, run.linked, run.no_email) == (1, 1, 0)  # Al (new) and Kim (already signs in), by id
    ctx.commit()
    assert p["a"].user is not None and p["a"].user.password_hash is None and p["a"].user.has_role(Role.GUARDIAN)
    assert p["c"].user_id == p["staff_parent"].id and p["staff_parent"].has_role(Role.GUARDIAN)
    assert p["staff_parent"].has_role(Role.MENTOR)
    sent = invitations(ctx)
    assert [(m.to_address, m.subject) for m in sent] == [
        ("al@example.com", sent[0].subject),
        ("kim.parent@example.com", sent[1].subject),
    ]
    assert (
        "invited" in sent[0].subject and "Set your password" in sent[0].body_text and "Ada Admin" in sent[0].body_text
    )
    assert "added to a family" in sent[1].subject
    assert families.uninvited_summary(TODAY).to_invite == 1

    # The rest; then again: nobody is invited twice, Ed's family (withdrawn) and Bo (no email) are left alone.
    run = families.invite_uninvited(p["admin"], TODAY)
    assert (run.invited, run.linked) == (1, 0) and p["d"].user_id is not None
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
    assert (run.invited, run.linked, run.no_email) == (1, 0, 1)
    assert p["d"].user_id is None  # another family


def test_only_an_admin_invites_in_bulk(ctx, imported):
    mentor = UserFactory(roles=[Role.MENTOR])
    with pytest.raises(NotAllowed):
        families.invite_uninvited(mentor, TODAY)
    assert ctx.scalar(select(func.count()).select_from(User).where(User.email == "al@example.com")) == 0
