"""Each role's home page: the work that person can act on today, with links, and never a promise that something
"will appear here" when it is already there; the exams officer's learners; a coordinator's own locality page."""

from datetime import date

import pytest

from tests.conftest import post_form, sign_in
from tests.factories import GoalFactory, GuardianFactory, LearnerFactory, LocalityFactory, UserFactory
from virtualacademy import clock
from virtualacademy.models import GoalStatus, LocalityRole, LocalityStaff, Role

#: For each role, links its home page must offer.
LINKS = {
    Role.ADMIN: ["/applications?status=submitted", "/mentoring/unassigned", "/overview/#contact", "/admin/users"],
    Role.COORDINATOR: ["/learners", "/mentoring/unassigned", "/overview/#contact", "/cohort", "/funding/"],
    Role.MENTOR: ["/caseload?status=overdue", "/caseload?status=due_today", "/caseload"],
    Role.EXAMS_OFFICER: ["/learners"],
    Role.SAFEGUARDING_LEAD: ["/safeguarding/"],
    Role.GUARDIAN: ["/learning/log", "/family", "/funding/family"],
    Role.LEARNER: ["/learning/log", "/learning/my-plan", "/me"],
}


@pytest.mark.parametrize("role", list(Role))
def test_every_home_page_offers_todays_work_and_promises_nothing(client, db_session, role):
    user = UserFactory(roles=[role])
    sign_in(client, user.email)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "will appear here" not in page and "Here you will see" not in page
    for href in LINKS[role]:
        assert f'href="{href}"' in page, href


def test_the_exams_officer_sees_learners_working_towards_exams_and_reads_their_records(client, db_session):
    maths = LearnerFactory(legal_name="Max Maths")
    GoalFactory(plan__learner=maths, title="Sit GCSE maths", target_date=date(2027, 6, 10))
    done = LearnerFactory(legal_name="Dora Done")
    GoalFactory(plan__learner=done, title="Pass the English exam", status=GoalStatus.ACHIEVED)
    art = LearnerFactory(legal_name="Ari Art")
    GoalFactory(plan__learner=art, title="Paint a mural", success="A portfolio for a BTEC later")
    GoalFactory(plan__learner=LearnerFactory(legal_name="Ned Nothing"), title="Build a bird box")
    GuardianFactory(family=maths.family, name="Pat Maths")
    officer = UserFactory(roles=[Role.EXAMS_OFFICER])
    sign_in(client, officer.email)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "2 learners on roll have a goal in their learning plan that mentions an exam or qualification" in page
    assert page.index("Max Maths") < page.index("Ari Art")  # the soonest target date first
    assert "Sit GCSE maths (by 10 June 2027)" in page
    assert "Dora Done" not in page and "Ned Nothing" not in page
    assert f'href="/learners/{maths.id}"' in page
    record = client.get(f"/learners/{maths.id}").get_data(as_text=True)
    assert "Max Maths" in record and "Pat Maths" in record
    assert "Withdraw" not in record and "Re-enrol" not in record and "invite-guardians" not in record
    assert "Max Maths" in client.get("/learners").get_data(as_text=True)
    # Read-only: no change to the record, and nothing else of the learner's beyond the record.
    withdraw = post_form(client, f"/learners/{maths.id}/withdraw", {"reason": "other"}, "/learners")
    assert withdraw.status_code == 403
    for path in (f"/caseload/learners/{maths.id}", f"/learning/learners/{maths.id}/week"):
        assert client.get(path).status_code in (403, 404), path


def test_a_coordinator_reads_their_own_localitys_page_but_not_another(client, db_session):
    mine, other = LocalityFactory(name="Thorne", districts=["DN8"]), LocalityFactory(name="Elsewhere")
    coordinator = UserFactory(roles=[Role.COORDINATOR], name="Cora Ordinator")
    db_session.add(LocalityStaff(user_id=coordinator.id, locality_id=mine.id, role=LocalityRole.COORDINATOR))
    LearnerFactory(locality=mine, enrolled=date(2026, 9, 1))
    LearnerFactory(locality=mine, enrolled=clock.today())
    db_session.commit()
    sign_in(client, coordinator.email)
    assert f'href="/localities/{mine.id}"' in client.get("/dashboard").get_data(as_text=True)
    page = client.get(f"/localities/{mine.id}").get_data(as_text=True)
    assert "Thorne" in page and "DN8" in page and "Cora Ordinator" in page
    assert "Learners on roll today" in page and f'href="/funding/localities/{mine.id}"' in page
    assert 'name="districts"' not in page  # read-only
    change = post_form(client, f"/localities/{mine.id}", {"name": "Mine now", "districts": "DN8"}, "/dashboard")
    assert change.status_code == 403
    assert client.get(f"/localities/{other.id}").status_code == 404
    assert client.get("/localities/").status_code == 403
