"""Commands: seed-demo and create-admin."""

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from tests.conftest import sign_in
from virtualacademy import clock, create_app
from virtualacademy.demo import DEMO_PASSWORD
from virtualacademy.models import (
    Application,
    AuditEvent,
    CheckIn,
    Family,
    Guardian,
    Learner,
    LearningPlan,
    Locality,
    MentorAssignment,
    Role,
    User,
    UserRole,
    WithdrawalReason,
)
from virtualacademy.services import accounts, data_protection, families, localities, mentoring


def accounts_listed(output: str) -> list[str]:
    return output.split("Demo accounts (all share one password):\n", 1)[1].splitlines()


def test_seed_demo_prints_every_account_and_is_safe_to_run_twice(runner, db_session):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    users = db_session.scalar(select(func.count()).select_from(User))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert db_session.scalar(select(func.count()).select_from(User)) == users
    assert "Added:\n  11 demo accounts." in first.output and "The locality Doncaster North" in first.output
    assert "Nothing new to add: the demo academy is already there." in second.output
    assert "Added:" not in second.output and "Skipped:" not in second.output
    assert accounts_listed(first.output) == accounts_listed(second.output)
    lines = accounts_listed(first.output)
    assert all("@demo.example.org" in line for line in lines)
    assert len(lines) == users == 11
    roles_present = set(db_session.scalars(select(UserRole.role).distinct()))
    assert {
        Role.ADMIN,
        Role.EXAMS_OFFICER,
        Role.SAFEGUARDING_LEAD,
        Role.COORDINATOR,
        Role.MENTOR,
        Role.GUARDIAN,
    } <= roles_present
    assert sum("Locality coordinator" in line for line in lines) == 2
    assert sum(line.strip().startswith("Mentor") for line in lines) == 3
    assert all(DEMO_PASSWORD in line for line in lines)


def _counts(db_session) -> dict[str, int]:
    return {
        model.__name__: db_session.scalar(select(func.count()).select_from(model))
        for model in (User, Locality, Family, Guardian, Learner, Application, MentorAssignment, CheckIn, LearningPlan)
    }


def test_seed_demo_recognises_a_renamed_locality_and_a_changed_account(runner, db_session):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    before = _counts(db_session)
    admin = db_session.scalar(select(User).where(User.email == "admin@demo.example.org"))
    north = db_session.scalar(select(Locality).where(Locality.name == "Doncaster North"))
    localities.save_locality(admin, north, "Bentley and Adwick", "DN5, DN6, DN7")
    amara = db_session.scalar(select(User).where(User.email == "mentor.amara@demo.example.org"))
    accounts.update_name(admin, amara, "Amara Mensah-Owusu")
    amara.email = "amara@academy.example.org"  # no page changes an email: as a database edit would
    db_session.commit()

    again = runner.invoke(args=["seed-demo"])

    assert again.exit_code == 0, again.output
    assert _counts(db_session) == before  # nothing made twice
    db_session.expire_all()
    assert db_session.get(Locality, north.id).name == "Bentley and Adwick"
    assert (amara.name, amara.email) == ("Amara Mensah-Owusu", "amara@academy.example.org")
    ellie = db_session.scalar(select(Learner).where(Learner.legal_name == "Ella Jones"))
    assert mentoring.current_mentor(ellie).id == amara.id
    kept = again.output.split("Already there, changed since (kept as it is now):\n", 1)[1]
    assert "The locality first made as Doncaster North is now called Bentley and Adwick: kept as it is." in kept
    assert (
        "The demo account mentor.amara@demo.example.org (Amara Mensah) is now called Amara Mensah-Owusu and signs "
        "in as amara@academy.example.org: kept as it is." in kept
    )
    assert "Nothing new to add" in again.output
    listed = accounts_listed(again.output)
    assert len(listed) == 11
    assert any("amara@academy.example.org" in line for line in listed)
    assert not any("mentor.amara@demo.example.org" in line for line in listed)


def test_seed_demo_says_it_skips_an_erased_family_and_does_not_bring_it_back(runner, db_session):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    admin = db_session.scalar(select(User).where(User.email == "admin@demo.example.org"))
    kuba = db_session.scalar(select(Learner).where(Learner.legal_name == "Jakub Novak"))
    family = kuba.family
    families.withdraw(admin, kuba, clock.today(), WithdrawalReason.MOVED_OUT_OF_AREA)
    data_protection.request_erasure(admin, family)
    data_protection.erase_family(family, now=datetime(2040, 1, 1, tzinfo=UTC), actor=admin)
    db_session.commit()
    before = _counts(db_session)

    again = runner.invoke(args=["seed-demo"])

    assert again.exit_code == 0, again.output
    assert _counts(db_session) == before
    skipped = again.output.split("Skipped:\n", 1)[1]
    assert "The demo account guardian.novak@demo.example.org (Guardian): it was erased" in skipped
    assert "The family of guardian.novak@demo.example.org: the account was erased" in skipped
    assert len(accounts_listed(again.output)) == 10
    assert db_session.scalar(select(User).where(User.email == "guardian.novak@demo.example.org")) is None


def test_every_demo_account_signs_in_and_sees_its_own_dashboard(app, runner, db_session):
    runner.invoke(args=["seed-demo"])
    expected = {
        "admin": "Admin",
        "exams": "Exams officer",
        "dsl": "Safeguarding lead",
        "coordinator.north": "Locality coordinator",
        "mentor.amara": "Mentor",
        "guardian.jones": "Guardian",
    }
    for key, section in expected.items():
        client = app.test_client()
        response = sign_in(client, f"{key}@demo.example.org", DEMO_PASSWORD)
        assert response.status_code == 302, key
        page = client.get("/dashboard").get_data(as_text=True)
        assert 'id="section-' in page
        assert f">{section}</h2>" in page, key


def test_seed_demo_refuses_to_run_in_production(tmp_path):
    app = create_app(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "z" * 48,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/prod.sqlite",
        }
    )
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refuses to run in production" in result.output


def test_create_admin(runner, db_session):
    result = runner.invoke(
        args=["create-admin", "Head@Academy.example.org", "--name", "Head Teacher"],
        input="a long and secret passphrase\na long and secret passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.email == "head@academy.example.org"))
    assert user.roles == {Role.ADMIN} and user.name == "Head Teacher"
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created")).object_id == str(user.id)


def test_create_admin_refuses_a_weak_password_or_a_duplicate(runner, db_session):
    weak = runner.invoke(args=["create-admin", "a@example.org", "--name", "A", "--password", "password123"])
    assert weak.exit_code != 0 and "too common" in weak.output
    ok = runner.invoke(args=["create-admin", "a@example.org", "--name", "A", "--password", "good long passphrase"])
    assert ok.exit_code == 0
    again = runner.invoke(args=["create-admin", "A@example.org", "--name", "A", "--password", "good long passphrase"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_dashboard_panels_show_their_own_data(app, runner, db_session):
    runner.invoke(args=["seed-demo"])
    client = app.test_client()
    sign_in(client, "guardian.jones@demo.example.org", DEMO_PASSWORD)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Ellie" in page and "Noah" in page  # the family's children, from the panel's context
    coordinator = app.test_client()
    sign_in(coordinator, "coordinator.north@demo.example.org", DEMO_PASSWORD)
    page = coordinator.get("/dashboard").get_data(as_text=True)
    # Ellie and Noah, and Ravi from the authority's list
    assert re.search(r"Doncaster North</a>: <strong>3</strong> learners on roll today", page)
    admin = app.test_client()
    sign_in(admin, "admin@demo.example.org", DEMO_PASSWORD)
    assert "1 application waiting for a decision" in admin.get("/dashboard").get_data(as_text=True)
    # the imported families' parents can be invited to sign in
    page = admin.get("/families/invitations").get_data(as_text=True)
    assert "<strong>2</strong> parents or carers in 2 families can be invited." in page
