"""An imported family's parent is invited to sign in, from the learner's page and from the invitations page,
sets a password from the emailed link and sees their child; a parent invites another, who accepts signed in as
themselves, while a staff account is refused; axe-core on every page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Person, axe_check, heading, sign_in, success_banner
from tests.browser.test_enrolment import emailed_link
from tests.factories import GuardianFactory, LearnerFactory
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import Role

pytestmark = pytest.mark.browser


def test_an_imported_parent_is_invited_sets_a_password_and_sees_their_child(app, new_page, make_user):
    admin_person = make_user(roles=[Role.ADMIN], name="Ada Admin")
    with app.app_context():
        today = clock.today()
        robin = LearnerFactory(legal_name="Robin Imported", enrolled=today - timedelta(days=10))
        GuardianFactory(family=robin.family, user=None, name="Al Imported", email="al.imported@example.com")
        sam = LearnerFactory(legal_name="Sam Imported", enrolled=today - timedelta(days=10))
        GuardianFactory(family=sam.family, user=None, name="Cy Imported", email="cy.imported@example.com")
        db.session.commit()
        robin_id = robin.id

    admin = new_page()
    sign_in(admin, admin_person)
    admin.goto(f"/learners/{robin_id}")
    parents = admin.get_by_role("table", name=re.compile("Parents and carers"))
    expect(parents.get_by_role("row", name=re.compile("Al Imported"))).to_contain_text("No account")
    axe_check(admin)
    admin.get_by_role("button", name="Invite them to sign in").click()
    expect(success_banner(admin)).to_contain_text("Invited 1 parent or carer to set a password and sign in.")
    expect(parents.get_by_role("row", name=re.compile("Al Imported"))).to_contain_text("Invited")
    axe_check(admin)

    # The rest from the invitations page, reached from the dashboard.
    admin.goto("/dashboard")
    admin.get_by_role("link", name="Invite parents and carers to sign in").click()
    expect(heading(admin)).to_have_text("Invite parents and carers to sign in")
    expect(admin.get_by_role("main")).to_contain_text("1 parent or carer in 1 family can be invited.")
    axe_check(admin)
    admin.get_by_role("button", name="Send 1 invitation").click()
    expect(success_banner(admin)).to_contain_text("Invited 1 parent or carer")
    expect(admin.get_by_role("main")).to_contain_text("has an account or has been invited")
    axe_check(admin)

    # Al follows the emailed link, chooses a password, and sees Robin.
    family = new_page()
    family.goto(emailed_link(app, "al.imported@example.com", "/invitation/"))
    expect(heading(family)).to_have_text("Welcome, Al Imported")
    axe_check(family)
    family.get_by_label("New password", exact=True).fill("a long and memorable passphrase")
    family.get_by_label("Confirm new password").fill("a long and memorable passphrase")
    family.get_by_role("button").filter(has_text=re.compile("password|Continue|Save", re.I)).first.click()
    family.goto("/family")
    expect(family.get_by_role("main")).to_contain_text("Robin")
    axe_check(family)


def test_a_parent_invites_another_who_accepts_signed_in_and_staff_are_refused(app, new_page, make_user):
    with app.app_context():
        robin = LearnerFactory(legal_name="Robin Family", preferred_name="Robin")
        GuardianFactory(family=robin.family, user__email="jo.family@example.com", user__name="Jo Family")
        GuardianFactory(user__email="kit.other@example.com", user__name="Kit Other")  # a parent in another family
        db.session.commit()
        robin_id = robin.id
    staff = make_user(roles=[Role.MENTOR], email="sam.staff@example.com", name="Sam Staff")
    jo = Person(id=0, name="Jo Family", email="jo.family@example.com")
    kit = Person(id=0, name="Kit Other", email="kit.other@example.com")

    page = new_page()
    sign_in(page, jo)
    page.goto("/family")
    axe_check(page)
    banners = []
    for name, email in (("Sam Staff", "sam.staff@example.com"), ("Kit Other", "kit.other@example.com")):
        page.get_by_label("Their full name").fill(name)
        page.get_by_label("Their email address").fill(email)
        page.get_by_role("button", name="Send invitation").click()
        expect(success_banner(page)).to_contain_text(f"We have emailed an invitation to {email}.")
        banners.append(success_banner(page).inner_text().replace(email, "X").replace(name, "N"))
        axe_check(page)
    assert banners[0] == banners[1]  # the same either way
    expect(page.get_by_role("main")).to_contain_text("Invited, not joined yet")

    # Staff: the link asks them to sign in, then refuses, and nothing changes.
    staff_page = new_page()
    staff_page.goto(emailed_link(app, "sam.staff@example.com", "/family/invitations/"))
    expect(heading(staff_page)).to_have_text("Sign in")
    axe_check(staff_page)
    staff_page.get_by_label("Email address").fill(staff.email)
    staff_page.get_by_label("Password", exact=True).fill(staff.password)
    staff_page.get_by_role("button", name="Sign in").click()
    expect(heading(staff_page)).to_have_text("Join a family")
    expect(staff_page.get_by_role("main")).to_contain_text("a family cannot add a staff account as a parent or carer")
    expect(staff_page.get_by_role("button", name="Join the family")).to_have_count(0)
    axe_check(staff_page)

    # Kit signs in as themselves and joins; then sees Robin.
    kit_page = new_page()
    sign_in(kit_page, kit)
    kit_page.goto(emailed_link(app, "kit.other@example.com", "/family/invitations/"))
    expect(heading(kit_page)).to_have_text("Join a family")
    axe_check(kit_page)
    kit_page.get_by_role("button", name="Join the family").click()
    expect(success_banner(kit_page)).to_contain_text("You have joined family")
    expect(kit_page.get_by_role("main")).to_contain_text("Robin")
    axe_check(kit_page)
    kit_page.goto(f"/family/learners/{robin_id}")
    expect(heading(kit_page)).to_have_text("Robin")
