"""Learning plans over HTTP: the family writes the plan and its goals, the mentor reviews it, coordinators read
it without the staff notes, the history shows what changed, and the caseload flags overdue reviews."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import post_form, sign_in
from tests.factories import GuardianFactory, LearnerFactory, SubjectAreaFactory, UserFactory
from virtualacademy import clock
from virtualacademy.models import Goal, LearningPlan, LocalityRole, LocalityStaff, PlanReview, Role, SubjectArea
from virtualacademy.services import learning_plans, mentoring

STAFF_NOTE = "Dad is unwell at the moment; go gently."


@pytest.fixture
def family(app, db_session):
    """Robbie, their guardian, their mentor and the locality's coordinator, each signed in on a client of their own."""
    learner = LearnerFactory(legal_name="Robin Example", preferred_name="Robbie", enrolled=date(2026, 9, 1))
    guardian = GuardianFactory(family=learner.family).user
    mentor = UserFactory(roles=[Role.MENTOR], name="Mo Mentor")
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    admin = UserFactory(roles=[Role.ADMIN])
    db_session.add(
        LocalityStaff(user_id=coordinator.id, locality_id=learner.locality_id, role=LocalityRole.COORDINATOR)
    )
    mentoring.assign(admin, learner, mentor, date(2026, 9, 1))
    db_session.commit()
    subjects = {name: SubjectAreaFactory(name=name).id for name in ("English", "Maths", "Sciences")}

    def client_for(user):
        client = app.test_client()
        assert sign_in(client, user.email).status_code == 302
        return client

    return {
        "learner": learner,
        "subjects": subjects,
        "admin": admin,
        "guardian": client_for(guardian),
        "mentor": client_for(mentor),
        "coordinator": client_for(coordinator),
        "users": {"guardian": guardian, "mentor": mentor, "coordinator": coordinator, "admin": admin},
        "client_for": client_for,
    }


def text(response) -> str:
    return response.get_data(as_text=True)


def plan_text(**values) -> dict:
    return {"interests": "", "aspirations": "", "strengths": "", "support_needs": "", **values}


def test_the_family_writes_the_plan_and_adds_a_goal_after_a_refusal(family, db_session):
    learner, guardian = family["learner"], family["guardian"]
    plan_path = f"/learning/learners/{learner.id}/plan"
    page = text(guardian.get(plan_path))
    assert "Robbie’s learning plan" in page and "Nothing has been written yet" in page
    assert f'href="{plan_path}"' in text(guardian.get(f"/family/learners/{learner.id}"))  # linked from the child

    edit = f"{plan_path}/edit"
    form = text(guardian.get(edit))
    assert 'name="interests"' in form and 'name="staff_notes"' not in form  # the family never sees staff notes
    response = post_form(
        guardian,
        edit,
        plan_text(interests="Space and rockets", strengths="Patient", staff_notes="Sneaked in", based_on="0"),
        edit,
    )
    assert response.status_code == 302
    plan = db_session.scalar(select(LearningPlan).where(LearningPlan.learner_id == learner.id))
    assert (plan.interests, plan.staff_notes, plan.version) == ("Space and rockets", None, 1)

    add = f"{plan_path}/goals/new"
    refused = post_form(guardian, add, {"title": "Build a rocket", "success": "It flies", "status": "not_started"}, add)
    assert refused.status_code == 200
    page = text(refused)
    assert "Choose at least one subject area" in page and "Error: Add a goal" in page
    assert 'value="Build a rocket"' in page and "It flies" in page  # nothing typed is lost
    assert db_session.scalar(select(func.count()).select_from(Goal)) == 0
    data = {
        "title": "Build a rocket",
        "success": "It flies",
        "subjects": [family["subjects"]["Sciences"], family["subjects"]["Maths"]],
        "target_date": ["1", "3", "2027"],
        "status": "working_on_it",
    }
    assert post_form(guardian, add, data, add).status_code == 302
    page = text(guardian.get(plan_path))
    assert "Build a rocket" in page and "Working on it" in page and "1 March 2027" in page
    assert re.search(r"Maths.*Sciences", page, re.S)  # in the list's order
    assert "Staff notes" not in page


def test_staff_notes_are_for_the_mentor_and_admin_only(family, db_session):
    learner = family["learner"]
    edit = f"/learning/learners/{learner.id}/plan/edit"
    mentor = family["mentor"]
    assert 'name="staff_notes"' in text(mentor.get(edit))
    assert post_form(mentor, edit, plan_text(interests="Rockets", staff_notes=STAFF_NOTE), edit).status_code == 302
    plan_path = f"/learning/learners/{learner.id}/plan"
    assert STAFF_NOTE in text(mentor.get(plan_path))
    assert STAFF_NOTE in text(family["client_for"](family["admin"]).get(plan_path))
    for who in ("guardian", "coordinator"):
        page = text(family[who].get(plan_path))
        assert "Rockets" in page and STAFF_NOTE not in page, who
        history = text(family[who].get(f"{plan_path}/history/1"))
        assert "Rockets" in history and STAFF_NOTE not in history and "Staff notes" not in history, who
    assert STAFF_NOTE in text(mentor.get(f"{plan_path}/history/1"))
    # The family's save keeps the staff notes.
    guardian = family["guardian"]
    assert post_form(guardian, edit, plan_text(interests="Rockets and trains"), edit).status_code == 302
    db_session.expire_all()
    assert db_session.scalar(select(LearningPlan.staff_notes)) == STAFF_NOTE


def test_staff_notes_show_as_text_inside_the_inset(family, db_session):
    """The inset's heading is markup, not text shown to the reader; the note itself is text, escaped once."""
    learner, mentor = family["learner"], family["mentor"]
    edit = f"/learning/learners/{learner.id}/plan/edit"
    note = "Call after 2pm <b>not before</b> & never on Fridays."
    assert post_form(mentor, edit, plan_text(interests="Rockets", staff_notes=note), edit).status_code == 302
    page = text(mentor.get(f"/learning/learners/{learner.id}/plan"))
    inset = re.search(r'<div class="govuk-inset-text">(.*?)</div>', page, re.S).group(1)
    assert '<p class="govuk-body govuk-!-font-weight-bold">Only staff see these notes: never the family.</p>' in inset
    assert "&lt;p" not in inset  # the heading's markup is not shown as text
    assert "Call after 2pm &lt;b&gt;not before&lt;/b&gt; &amp; never on Fridays." in inset  # the note, escaped once


def test_coordinators_read_without_editing_and_outsiders_get_404(family, db_session):
    learner, admin = family["learner"], family["admin"]
    learning_plans.add_goal(
        admin, learner, learning_plans.GoalInput("Swim", subject_ids=[family["subjects"]["Sciences"]])
    )
    db_session.commit()
    goal = db_session.scalar(select(Goal))
    plan_path = f"/learning/learners/{learner.id}/plan"
    coordinator = family["coordinator"]
    page = text(coordinator.get(plan_path))
    assert "Swim" in page and "Edit the plan" not in page and "Record a review" not in page and "Edit<" not in page
    assert coordinator.get(f"{plan_path}/edit").status_code == 403
    assert coordinator.get(f"/learning/goals/{goal.id}/edit").status_code == 403
    assert coordinator.get(f"{plan_path}/review").status_code == 403

    outsiders = {
        "another family's guardian": GuardianFactory(family=LearnerFactory().family).user,
        "another mentor": UserFactory(roles=[Role.MENTOR]),
        "another locality's coordinator": UserFactory(roles=[Role.COORDINATOR]),
        "another learner": UserFactory(roles=[Role.LEARNER]),
    }
    for who, user in outsiders.items():
        client = family["client_for"](user)
        for path in (plan_path, f"{plan_path}/history", f"{plan_path}/history/1"):
            assert client.get(path).status_code == 404, (who, path)
        if not user.has_role(Role.COORDINATOR):
            assert client.get(f"/learning/goals/{goal.id}/edit").status_code == 404, who
            assert post_form(client, f"/learning/goals/{goal.id}/archive").status_code == 404, who
    assert db_session.get(Goal, goal.id).archived_at is None


def test_a_learner_sees_and_edits_only_their_own_plan(family, db_session):
    learner = family["learner"]
    own = UserFactory(roles=[Role.LEARNER])
    learner.user_id = own.id
    db_session.commit()
    client = family["client_for"](own)
    response = client.get("/learning/my-plan")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/learning/learners/{learner.id}/plan"
    )
    page = text(client.get(response.headers["Location"]))
    assert "Your learning plan" in page and "Edit the plan" in page
    assert 'href="/learning/my-plan"' in page  # in the main menu
    sibling = LearnerFactory(family=learner.family)
    assert client.get(f"/learning/learners/{sibling.id}/plan").status_code == 404


def test_the_mentor_reviews_the_plan_and_the_family_reads_the_review(family, db_session):
    learner = family["learner"]
    guardian_user = family["users"]["guardian"]
    maths = family["subjects"]["Maths"]
    learning_plans.add_goal(guardian_user, learner, learning_plans.GoalInput("Fractions", subject_ids=[maths]))
    db_session.commit()
    goal = db_session.scalar(select(Goal))
    mentor = family["mentor"]
    plan_path = f"/learning/learners/{learner.id}/plan"
    assert f'href="{plan_path}"' in text(mentor.get(f"/caseload/learners/{learner.id}"))
    review = f"{plan_path}/review"
    form = text(mentor.get(review))
    assert "Progress on ‘Fractions’" in form and f'name="status_{goal.id}"' in form
    today = clock.today()
    tomorrow = today + timedelta(days=1)
    data = {
        "held_on": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)],
        f"progress_{goal.id}": "Adds fractions with different denominators",
        f"next_steps_{goal.id}": "Decimals",
        f"status_{goal.id}": "achieved",
        "new_1_title": "Decimals",
        "review_every_weeks": "4",
        "summary": "Robbie led the review.",
    }
    page = text(post_form(mentor, review, data, review))
    assert "The date of the review must be today or in the past" in page
    assert "Adds fractions with different denominators" in page and 'value="Decimals"' in page
    assert db_session.scalar(select(func.count()).select_from(PlanReview)) == 0
    data["held_on"] = [str(today.day), str(today.month), str(today.year)]
    page = text(post_form(mentor, review, data, review))
    assert "Choose at least one subject area" in page  # the new goal needs one too
    data["new_1_subjects"] = [maths]
    assert post_form(mentor, review, data, review).status_code == 302

    done = db_session.scalar(select(PlanReview))
    assert done.next_review_on == today + timedelta(weeks=4)
    page = text(family["guardian"].get(plan_path))
    assert f"{today + timedelta(weeks=4):%-d %B %Y}" in page and "Reviewed every" in page and "4 weeks" in page
    assert f'href="/learning/reviews/{done.id}"' in page
    page = text(family["guardian"].get(f"/learning/reviews/{done.id}"))
    assert "Adds fractions with different denominators" in page and "Achieved" in page
    assert "Robbie led the review." in page and "New goals agreed" in page and "Decimals" in page
    assert family["guardian"].get(review).status_code == 403
    other_mentor = family["client_for"](UserFactory(roles=[Role.MENTOR]))
    assert other_mentor.get(f"/learning/reviews/{done.id}").status_code == 404

    dates = f"{plan_path}/review-dates"
    page = text(post_form(mentor, dates, {"review_every_weeks": "27"}, dates))
    assert "Enter a number of weeks from 1 to 26" in page
    assert post_form(mentor, dates, {"review_every_weeks": "8"}, dates).status_code == 302
    db_session.expire_all()
    assert db_session.scalar(select(LearningPlan.review_every_weeks)) == 8


def test_the_history_lists_versions_and_marks_what_changed(family, db_session):
    learner = family["learner"]
    guardian = family["guardian"]
    edit = f"/learning/learners/{learner.id}/plan/edit"
    post_form(guardian, edit, plan_text(interests="Drawing cats"), edit)
    post_form(guardian, edit, plan_text(interests="Drawing dogs"), edit)
    history = text(guardian.get(f"/learning/learners/{learner.id}/plan/history"))
    assert "2 versions, newest first" in history and "Version 2" in history
    page = text(guardian.get(f"/learning/learners/{learner.id}/plan/history/2"))
    assert "Compared with" in page and "version 1" in page
    assert re.search(r"<del>\s*<span class=\"govuk-visually-hidden\">\[removed: </span>cats", page)
    assert re.search(r"<ins>\s*<span class=\"govuk-visually-hidden\">\[added: </span>dogs", page)
    assert guardian.get(f"/learning/learners/{learner.id}/plan/history/3").status_code == 404


def test_a_change_made_meanwhile_is_shown_not_overwritten(family, db_session):
    learner = family["learner"]
    edit = f"/learning/learners/{learner.id}/plan/edit"
    guardian, mentor = family["guardian"], family["mentor"]
    post_form(guardian, edit, plan_text(interests="Rockets", based_on="0"), edit)
    stale = re.search(r'name="based_on" type="hidden" value="(\d+)"', text(guardian.get(edit))).group(1)
    post_form(mentor, edit, plan_text(interests="Rockets and planes"), edit)
    page = text(post_form(guardian, edit, plan_text(interests="Rockets and trains", based_on=stale), edit))
    assert "Someone else changed this while you were editing" in page and "Rockets and trains" in page
    fresh = re.search(r'name="based_on" type="hidden" value="(\d+)"', page).group(1)
    assert fresh == "2"
    assert post_form(guardian, edit, plan_text(interests="Rockets and trains", based_on=fresh), edit).status_code == 302


def test_the_caseload_flags_overdue_reviews(family, db_session):
    learner = family["learner"]
    other = LearnerFactory(legal_name="Sam Second", locality=learner.locality)
    mentoring.assign(family["admin"], other, family["users"]["mentor"], date(2026, 9, 1))
    learning_plans.save_plan(
        family["admin"], learner, interests="x", aspirations=None, strengths=None, support_needs=None
    )
    plan = db_session.scalar(select(LearningPlan))
    plan.next_review_on = clock.today() - timedelta(days=2)
    db_session.commit()
    page = text(family["mentor"].get("/caseload"))
    assert "Plan review" in page
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Robbie Example(?:(?!</tr>).)*</tr>", page, re.S).group(0)
    assert "Review overdue" in row
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Sam Second(?:(?!</tr>).)*</tr>", page, re.S).group(0)
    assert "No plan yet" in row and "Review overdue" not in row


def test_admins_keep_the_subject_area_list(family, db_session):
    admin = family["client_for"](family["admin"])
    page = text(admin.get("/learning/subject-areas"))
    assert "Maths" in page
    refused = post_form(admin, "/learning/subject-areas", {"name": "maths", "active": "y"}, "/learning/subject-areas")
    assert "There is already a subject area called Maths" in text(refused)
    assert post_form(admin, "/learning/subject-areas", {"name": "Cookery", "active": "y"}).status_code == 302
    cookery = db_session.scalar(select(SubjectArea).where(SubjectArea.name == "Cookery"))
    path = f"/learning/subject-areas/{cookery.id}"
    assert post_form(admin, path, {"name": "Cookery", "position": "3"}, path).status_code == 302  # unticked: retired
    db_session.expire_all()
    cookery = db_session.get(SubjectArea, cookery.id)
    assert (cookery.active, cookery.position) == (False, 3)
    assert "Cookery" not in text(family["guardian"].get(f"/learning/learners/{family['learner'].id}/plan/goals/new"))
    assert family["guardian"].get("/learning/subject-areas").status_code == 403


def test_the_mentor_shares_a_draft_with_the_family_who_are_notified(family, db_session):
    learner, mentor, guardian = family["learner"], family["mentor"], family["guardian"]
    plan_path = f"/learning/learners/{learner.id}/plan"
    share = f"{plan_path}/share"
    empty = post_form(mentor, share, {"message": ""}, plan_path)
    assert empty.status_code == 200 and "there is nothing to share yet" in text(empty)
    edit = f"{plan_path}/edit"
    assert post_form(mentor, edit, plan_text(aspirations="To build a telescope"), edit).status_code == 302
    page = text(mentor.get(plan_path))
    assert "Share this version with the family for comment" in page
    assert "Share this version" not in text(guardian.get(plan_path))  # the family comments; they do not share
    assert post_form(guardian, share, {"message": ""}, plan_path).status_code == 403
    ok = post_form(mentor, share, {"message": "Does this sound right?"}, plan_path)
    assert ok.status_code == 302
    assert "shared with Robbie’s family for comment (1 person told)" in text(mentor.get(plan_path))
    bell = text(guardian.get("/notifications/"))
    assert "Robbie’s learning plan is ready for your comments" in bell
    again = post_form(mentor, share, {"message": ""}, plan_path)
    assert "Version 1 has already been shared with the family" in text(again)
    # The mentor's page for the learner links to the plan, the learning log and the portfolio.
    staff_page = text(mentor.get(f"/caseload/learners/{learner.id}"))
    for path in (plan_path, f"/learning/learners/{learner.id}/week", f"/learning/learners/{learner.id}/portfolio"):
        assert f'href="{path}"' in staff_page, path
