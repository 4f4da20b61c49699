"""Personal learning plans: versions and their differences, goals and subject areas, who may do what, reviews and
the next review date, and the reminder job driven over simulated days."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import GuardianFactory, LearnerFactory, SubjectAreaFactory, UserFactory
from virtualacademy import clock
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.jobs import JOBS
from virtualacademy.models import (
    AuditEvent,
    GoalReview,
    GoalStatus,
    LearningPlan,
    LocalityRole,
    LocalityStaff,
    Notification,
    OutboxMessage,
    PlanReview,
    PlanVersion,
    Role,
    WithdrawalReason,
)
from virtualacademy.policies import can
from virtualacademy.services import families, learning_plans, mentoring
from virtualacademy.services.learning_plans import GoalInput, GoalReviewInput

TODAY = date(2026, 11, 23)


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def people(ctx):
    """Robbie (with their own account), two guardians (one without an account), their mentor, the locality's
    coordinator, an admin, and outsiders: another mentor, another coordinator, another family's guardian."""
    admin = UserFactory(roles=[Role.ADMIN], name="Ada Admin")
    mentor = UserFactory(roles=[Role.MENTOR], name="Mo Mentor")
    learner = LearnerFactory(legal_name="Robin Example", preferred_name="Robbie", enrolled=date(2026, 9, 1))
    own = UserFactory(roles=[Role.LEARNER], name="Robbie Example")
    learner.user_id = own.id
    guardian = GuardianFactory(family=learner.family, name="Jo Example").user
    GuardianFactory(family=learner.family, user=None, name="Sam Example", email=None, is_primary=False)
    coordinator = UserFactory(roles=[Role.COORDINATOR], name="Cora Ordinator")
    ctx.add(LocalityStaff(user_id=coordinator.id, locality_id=learner.locality_id, role=LocalityRole.COORDINATOR))
    mentoring.assign(admin, learner, mentor, date(2026, 9, 1))
    ctx.commit()
    subjects = {name: SubjectAreaFactory(name=name) for name in ("English", "Maths", "Sciences", "Arts")}
    return {
        "admin": admin,
        "mentor": mentor,
        "learner": learner,
        "own": own,
        "guardian": guardian,
        "coordinator": coordinator,
        "other_mentor": UserFactory(roles=[Role.MENTOR]),
        "other_coordinator": UserFactory(roles=[Role.COORDINATOR]),
        "other_guardian": GuardianFactory().user,
        "subjects": subjects,
    }


def goal(people, title="Build a model of the solar system", *subjects, **kw) -> GoalInput:
    ids = [people["subjects"][s].id for s in (subjects or ("Sciences",))]
    return GoalInput(title=title, subject_ids=ids, **kw)


def write_plan(actor, learner, **values):
    fields = {"interests": None, "aspirations": None, "strengths": None, "support_needs": None}
    fields.update(values)
    return learning_plans.save_plan(actor, learner, today=TODAY, **fields)


def versions(ctx, learner):
    plan = learning_plans.plan_of(learner)
    return ctx.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id).order_by(PlanVersion.version)).all()


# --- versions -------------------------------------------------------------------------------------


def test_every_change_is_a_version_with_who_and_when_and_a_save_without_change_is_not(people, ctx):
    learner, guardian, mentor, own = people["learner"], people["guardian"], people["mentor"], people["own"]
    assert learning_plans.plan_of(learner) is None

    first = write_plan(guardian, learner, interests="Astronomy and drawing.", strengths="Patient with models.")
    plan = learning_plans.plan_of(learner)
    assert (first.version, first.changed_by_id, plan.version) == (1, guardian.id, 1)
    assert first.snapshot["interests"] == "Astronomy and drawing." and first.snapshot["goals"] == []
    assert plan.next_review_on == TODAY + timedelta(weeks=6)  # the first review is due six weeks on

    # The same again changes nothing, so writes no version.
    assert write_plan(guardian, learner, interests="Astronomy and drawing.", strengths="Patient with models.") is None
    assert plan.version == 1

    write_plan(mentor, learner, interests="Astronomy and drawing.", staff_notes="Mum works nights.")
    new_goal = learning_plans.add_goal(own, learner, goal(people, "Learn the planets", "Sciences", "Arts"))
    learning_plans.update_goal(own, new_goal, goal(people, "Learn the planets", "Sciences", status="working_on_it"))
    learning_plans.archive_goal(guardian, new_goal)

    rows = versions(ctx, learner)
    assert [(v.version, v.changed_by_id, v.snapshot["change"]) for v in rows] == [
        (1, guardian.id, "Plan edited"),
        (2, mentor.id, "Plan edited"),
        (3, own.id, "Goal added: Learn the planets"),
        (4, own.id, "Goal changed: Learn the planets"),
        (5, guardian.id, "Goal archived: Learn the planets"),
    ]
    assert all(v.created_at is not None for v in rows)
    assert rows[1].snapshot["strengths"] is None and rows[1].snapshot["staff_notes"] == "Mum works nights."
    assert rows[2].snapshot["goals"] == [
        {
            "id": new_goal.id,
            "title": "Learn the planets",
            "success": None,
            "subjects": ["Sciences", "Arts"],
            "target_date": None,
            "status": "not_started",
        }
    ]
    assert rows[3].snapshot["goals"][0]["status"] == "working_on_it"
    assert rows[4].snapshot["goals"] == []  # archived: off the current plan, kept in the history
    assert learning_plans.archived_goals(plan) == [new_goal]
    audited = ctx.scalars(select(AuditEvent.action).where(AuditEvent.action == "learning.plan_changed")).all()
    assert len(audited) == 5


def test_the_differences_between_a_version_and_the_one_before(people, ctx):
    learner, guardian, mentor = people["learner"], people["guardian"], people["mentor"]
    write_plan(guardian, learner, interests="Loves drawing cats.", support_needs="Short sessions.")
    kept = learning_plans.add_goal(guardian, learner, goal(people, "Read two novels", "English"))
    dropped = learning_plans.add_goal(guardian, learner, goal(people, "Times tables", "Maths"))
    plan = learning_plans.plan_of(learner)

    first = learning_plans.diff_version(plan, 1, include_staff=False)
    assert first.previous is None and [c.label for c in first.text] == [
        "Interests and passions",
        "Support needs and adjustments",
    ]
    assert [(s.kind, s.text) for s in first.text[0].segments] == [("added", "Loves drawing cats.")]

    write_plan(
        mentor,
        learner,
        interests="Loves drawing dogs and horses.",
        support_needs="Short sessions.",
        staff_notes="Shy on video calls.",
    )
    learning_plans.update_goal(
        mentor,
        kept,
        goal(
            people,
            "Read three novels",
            "English",
            "Arts",
            success="Tells the family about each one",
            target_date=date(2027, 3, 1),
            status="working_on_it",
        ),
    )
    learning_plans.archive_goal(mentor, dropped)

    text_change = learning_plans.diff_version(plan, 4, include_staff=False)
    assert text_change.change == "Plan edited"
    assert [c.label for c in text_change.text] == ["Interests and passions"]  # staff notes hidden
    assert [(s.kind, s.text) for s in text_change.text[0].segments] == [
        ("same", "Loves drawing "),
        ("removed", "cats."),
        ("added", "dogs and horses."),
    ]
    for_staff = learning_plans.diff_version(plan, 4, include_staff=True)
    assert [c.label for c in for_staff.text] == ["Interests and passions", "Staff notes"]

    changed = learning_plans.diff_version(plan, 5, include_staff=False)
    (goal_change,) = changed.goals
    assert (goal_change.kind, goal_change.title) == ("changed", "Read three novels")
    by_label = {c.label: c for c in goal_change.changes}
    assert [(s.kind, s.text) for s in by_label["Goal"].segments] == [
        ("same", "Read "),
        ("removed", "two"),
        ("added", "three"),
        ("same", " novels"),
    ]
    assert (by_label["Subject areas"].before, by_label["Subject areas"].after) == ("none", "Arts")
    assert (by_label["Target date"].before, by_label["Target date"].after) == ("Not set", "1 March 2027")
    assert (by_label["Status"].before, by_label["Status"].after) == ("Not started", "Working on it")
    assert by_label["What success looks like"].after == "Tells the family about each one"

    removed = learning_plans.diff_version(plan, 6, include_staff=False)
    assert [(g.kind, g.title) for g in removed.goals] == [("removed", "Times tables")]
    assert learning_plans.diff_version(plan, 7, include_staff=True) is None

    # A version where only the staff notes changed shows the family nothing.
    write_plan(
        mentor,
        learner,
        interests="Loves drawing dogs and horses.",
        support_needs="Short sessions.",
        staff_notes="Camera off is fine.",
    )
    assert learning_plans.diff_version(plan, 7, include_staff=False).is_empty
    assert not learning_plans.diff_version(plan, 7, include_staff=True).is_empty


# --- goals and subject areas ------------------------------------------------------------------------


def test_a_goal_needs_a_title_and_a_subject_and_nothing_is_saved_otherwise(people, ctx):
    learner, guardian = people["learner"], people["guardian"]
    with pytest.raises(ValidationError, match="Choose at least one subject area") as error:
        learning_plans.add_goal(guardian, learner, GoalInput(title="Learn to swim", subject_ids=[]))
    assert error.value.field == "subjects"
    ctx.rollback()
    assert learning_plans.plan_of(learner) is None  # not even an empty plan
    with pytest.raises(ValidationError, match="Enter the goal") as error:
        learning_plans.add_goal(guardian, learner, goal(people, "   "))
    assert error.value.field == "title"
    ctx.rollback()

    kept = learning_plans.add_goal(guardian, learner, goal(people, "Learn to swim", "Sciences"))
    ctx.commit()
    with pytest.raises(ValidationError, match="Choose at least one subject area"):
        learning_plans.update_goal(guardian, kept, GoalInput(title="Swim a length", subject_ids=[]))
    ctx.rollback()
    assert (kept.title, [s.name for s in kept.subjects]) == ("Learn to swim", ["Sciences"])
    assert learning_plans.plan_of(learner).version == 1
    assert ctx.scalar(select(func.count()).select_from(PlanVersion)) == 1


def test_a_retired_subject_area_stays_on_goals_but_is_not_offered_for_new_ones(people, ctx):
    admin, learner, guardian = people["admin"], people["learner"], people["guardian"]
    arts = people["subjects"]["Arts"]
    painting = learning_plans.add_goal(guardian, learner, goal(people, "Paint a mural", "Arts"))
    learning_plans.save_subject_area(admin, arts, "Arts", arts.position, active=False)
    assert arts not in learning_plans.subject_choices()
    assert arts in learning_plans.subject_choices(painting)
    with pytest.raises(ValidationError, match="Choose subject areas from the list"):
        learning_plans.add_goal(guardian, learner, goal(people, "Sculpt a head", "Arts"))
    ctx.rollback()
    learning_plans.update_goal(guardian, painting, goal(people, "Paint a big mural", "Arts"))
    assert [s.name for s in painting.subjects] == ["Arts"]


def test_the_subject_area_list_is_kept_by_admins(people, ctx):
    admin = people["admin"]
    added = learning_plans.save_subject_area(admin, None, "  Outdoor   learning ")
    assert added.name == "Outdoor learning" and added.active
    assert added.position > max(s.position for s in learning_plans.subject_areas() if s is not added)
    with pytest.raises(ValidationError, match="There is already a subject area called Maths") as error:
        learning_plans.save_subject_area(admin, None, "MATHS")
    assert error.value.field == "name"
    with pytest.raises(NotAllowed):
        learning_plans.save_subject_area(people["mentor"], None, "Cookery")


# --- who may do what ----------------------------------------------------------------------------------


def test_who_may_see_edit_and_review_a_plan(people, ctx):
    learner = people["learner"]
    expected = {
        # person: (view, edit, review, staff notes)
        "admin": (True, True, True, True),
        "mentor": (True, True, True, True),
        "own": (True, True, False, False),
        "guardian": (True, True, False, False),
        "coordinator": (True, False, False, False),
        "other_mentor": (False, False, False, False),
        "other_coordinator": (False, False, False, False),
        "other_guardian": (False, False, False, False),
    }
    for who, rights in expected.items():
        user = people[who]
        actual = (
            can(user, "plan_view", learner),
            learning_plans.may_edit(user, learner),
            learning_plans.may_review(user, learner),
            learning_plans.sees_staff_notes(user, learner),
        )
        assert actual == rights, who
    with pytest.raises(NotAllowed):
        write_plan(people["coordinator"], learner, interests="Read-only, so refused")
    with pytest.raises(NotAllowed):
        write_plan(people["guardian"], learner, staff_notes="The family cannot write these")
    with pytest.raises(NotAllowed):
        learning_plans.record_review(people["guardian"], learner, held_on=TODAY, goals=[], today=TODAY)


def test_a_mentor_who_handed_over_keeps_reading_for_30_days_but_cannot_write(people, ctx):
    learner, mentor = people["learner"], people["mentor"]
    today = clock.today()
    mentoring.assign(people["admin"], learner, people["other_mentor"], today - timedelta(days=1))
    assert can(mentor, "plan_view", learner) and learning_plans.sees_staff_notes(mentor, learner)
    assert not learning_plans.may_edit(mentor, learner) and not learning_plans.may_review(mentor, learner)
    assert learning_plans.may_review(people["other_mentor"], learner)


def test_the_familys_saves_leave_the_staff_notes_alone(people, ctx):
    learner = people["learner"]
    write_plan(people["mentor"], learner, interests="Rockets", staff_notes="Dad is unwell; go gently.")
    write_plan(people["guardian"], learner, interests="Rockets and trains")
    plan = learning_plans.plan_of(learner)
    assert (plan.interests, plan.staff_notes) == ("Rockets and trains", "Dad is unwell; go gently.")


def test_someone_elses_change_in_the_meantime_is_not_overwritten(people, ctx):
    learner, guardian, mentor = people["learner"], people["guardian"], people["mentor"]
    write_plan(guardian, learner, interests="Rockets", aspirations="Engineer")
    swim = learning_plans.add_goal(guardian, learner, goal(people, "Swim a length", "Sciences"))
    ctx.commit()
    started_from = learning_plans.plan_of(learner).version  # the guardian opens the form at version 2
    write_plan(mentor, learner, interests="Rockets and model planes", aspirations="Engineer")
    ctx.commit()

    with pytest.raises(ValidationError, match="Someone else changed this while you were editing") as error:
        learning_plans.save_plan(
            guardian,
            learner,
            interests="Rockets and trains",
            aspirations="Engineer",
            strengths=None,
            support_needs=None,
            based_on=started_from,
        )
    assert error.value.field == "interests"
    ctx.rollback()
    # A field the guardian left alone keeps the mentor's change; the one they changed goes through.
    learning_plans.save_plan(
        guardian,
        learner,
        interests="Rockets",
        aspirations="Aerospace engineer",
        strengths=None,
        support_needs=None,
        based_on=started_from,
    )
    plan = learning_plans.plan_of(learner)
    assert (plan.interests, plan.aspirations) == ("Rockets and model planes", "Aerospace engineer")

    # Goals likewise, field by field.
    learning_plans.update_goal(mentor, swim, goal(people, "Swim two lengths", "Sciences"))
    ctx.commit()
    with pytest.raises(ValidationError) as error:
        learning_plans.update_goal(guardian, swim, goal(people, "Swim a width", "Sciences"), based_on=started_from)
    assert error.value.field == "title"
    ctx.rollback()
    learning_plans.update_goal(
        guardian, swim, goal(people, "Swim a length", "Sciences", status="achieved"), based_on=started_from
    )
    assert (swim.title, swim.status) == ("Swim two lengths", GoalStatus.ACHIEVED)


# --- reviews ----------------------------------------------------------------------------------------


@pytest.fixture
def planned(people, ctx):
    learner, guardian = people["learner"], people["guardian"]
    write_plan(guardian, learner, interests="Space")
    maths = learning_plans.add_goal(guardian, learner, goal(people, "Fractions", "Maths"), today=TODAY)
    story = learning_plans.add_goal(guardian, learner, goal(people, "Write a story", "English"), today=TODAY)
    ctx.commit()
    return maths, story


def review(people, **kw):
    values = {"held_on": TODAY, "goals": [], "today": TODAY}
    values.update(kw)
    return learning_plans.record_review(people["mentor"], people["learner"], **values)


def test_a_review_records_each_goal_agrees_new_ones_and_sets_the_next_date(people, planned, ctx):
    learner, mentor = people["learner"], people["mentor"]
    maths, story = planned
    held = TODAY - timedelta(days=2)
    done = review(
        people,
        held_on=held,
        summary="A good half-term.",
        goals=[
            GoalReviewInput(maths.id, GoalStatus.ACHIEVED, "Adds and simplifies fractions", "Decimals next"),
            GoalReviewInput(story.id, GoalStatus.WORKING_ON_IT, "Two chapters written", None),
        ],
        new_goals=[goal(people, "Decimals", "Maths"), GoalInput(title="  ")],
    )
    plan = learning_plans.plan_of(learner)
    assert (done.held_on, done.next_review_on, done.reviewed_by_id) == (held, held + timedelta(weeks=6), mentor.id)
    assert plan.next_review_on == held + timedelta(weeks=6)
    assert (maths.status, story.status) == (GoalStatus.ACHIEVED, GoalStatus.WORKING_ON_IT)
    recorded = {gr.goal_id: (gr.status, gr.progress, gr.next_steps) for gr in ctx.scalars(select(GoalReview))}
    assert recorded == {
        maths.id: (GoalStatus.ACHIEVED, "Adds and simplifies fractions", "Decimals next"),
        story.id: (GoalStatus.WORKING_ON_IT, "Two chapters written", None),
    }
    assert [g.title for g in learning_plans.current_goals(plan)] == ["Fractions", "Write a story", "Decimals"]
    latest = versions(ctx, learner)[-1]
    assert latest.changed_by_id == mentor.id and latest.snapshot["change"] == f"Review on {held:%-d %B %Y}"
    detail = learning_plans.review_detail(done)
    assert detail.agreed == ["Decimals"] and detail.reviewer == mentor
    assert [i.title for i in detail.items] == ["Fractions", "Write a story"]
    assert ctx.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "learning.plan_reviewed"))

    # Every four weeks from now on; and a date the mentor chooses wins over the interval.
    second = review(people, held_on=TODAY, review_every_weeks=4)
    assert second.next_review_on == TODAY + timedelta(weeks=4) and plan.review_every_weeks == 4
    third = review(people, held_on=TODAY, next_review_on=date(2027, 1, 4))
    assert plan.next_review_on == date(2027, 1, 4) == third.next_review_on


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"held_on": None}, "held_on", "Enter the date of the review"),
        ({"held_on": TODAY + timedelta(days=1)}, "held_on", "must be today or in the past"),
        ({"review_every_weeks": 27}, "review_every_weeks", "from 1 to 26"),
        ({"review_every_weeks": 0}, "review_every_weeks", "from 1 to 26"),
        ({"next_review_on": TODAY}, "next_review_on", "The next review must be after this one"),
        ({"new_goals": [GoalInput(title="Judo")]}, "new_1_subjects", "Choose at least one subject area"),
        ({"new_goals": [GoalInput(title=None), GoalInput(title="", success="Belt")]}, "new_2_title", "Enter the goal"),
    ],
)
def test_a_bad_review_is_refused_and_nothing_is_saved(people, planned, ctx, values, field, message):
    maths, story = planned
    values.setdefault("goals", [GoalReviewInput(maths.id, GoalStatus.ACHIEVED, "Done")])
    with pytest.raises(ValidationError, match=message) as error:
        review(people, **values)
    assert error.value.field == field
    ctx.rollback()
    assert ctx.scalar(select(func.count()).select_from(PlanReview)) == 0
    assert maths.status is GoalStatus.NOT_STARTED
    assert learning_plans.plan_of(people["learner"]).next_review_on == TODAY + timedelta(weeks=6)


def test_a_review_cannot_be_dated_before_the_last_one(people, planned, ctx):
    review(people, held_on=TODAY - timedelta(days=3))
    with pytest.raises(ValidationError, match="on or after the last review, on 20 November 2026"):
        review(people, held_on=TODAY - timedelta(days=4))


def test_the_review_dates_can_be_changed_between_reviews(people, planned, ctx):
    learner, mentor = people["learner"], people["mentor"]
    review(people, held_on=TODAY - timedelta(weeks=3))
    learning_plans.set_review_schedule(mentor, learner, 4, today=TODAY)
    plan = learning_plans.plan_of(learner)
    assert (plan.review_every_weeks, plan.next_review_on) == (4, TODAY + timedelta(weeks=1))
    learning_plans.set_review_schedule(mentor, learner, 2, today=TODAY)  # one interval on would be in the past
    assert plan.next_review_on == TODAY
    learning_plans.set_review_schedule(mentor, learner, 8, date(2027, 2, 1), today=TODAY)
    assert (plan.review_every_weeks, plan.next_review_on) == (8, date(2027, 2, 1))
    with pytest.raises(ValidationError, match="today or later"):
        learning_plans.set_review_schedule(mentor, learner, 8, TODAY - timedelta(days=1), today=TODAY)
    with pytest.raises(NotAllowed):
        learning_plans.set_review_schedule(people["guardian"], learner, 8, today=TODAY)


def test_overdue_reviews_are_flagged(people, planned, ctx):
    learner = people["learner"]
    other = LearnerFactory()
    due = learning_plans.review_dates([learner.id, other.id], TODAY + timedelta(weeks=6))
    assert list(due) == [learner.id]  # no plan, no entry
    assert not due[learner.id].overdue
    late = learning_plans.review_dates([learner.id], TODAY + timedelta(weeks=6, days=3))[learner.id]
    assert late.overdue and late.days_overdue == 3


# --- the reminder job over simulated days ------------------------------------------------------------


def test_reminders_a_week_before_once_per_person_per_review(app, people, planned, ctx):
    learner, mentor, guardian, own = people["learner"], people["mentor"], people["guardian"], people["own"]
    plan = learning_plans.plan_of(learner)
    due_on = plan.next_review_on  # six weeks after TODAY: Monday 4 January 2027
    job = JOBS["plan-review-reminders"].func

    def run(day, hour=9):
        report = job(at(day, hour))
        ctx.flush()
        return report

    def keys():
        return sorted(ctx.scalars(select(Notification.key).where(Notification.kind == "plan_review_due")))

    for day in range(14, 7, -1):  # two weeks to eight days before: nothing yet
        assert run(due_on - timedelta(days=day)).sent == 0
    assert run(due_on - timedelta(days=7), hour=7).too_early  # 07:00 in London: before the 08:00 reminders
    assert keys() == []
    assert run(due_on - timedelta(days=7)).sent == 3  # the mentor, the guardian with an account, Robbie
    assert keys() == sorted(f"plan-review-due:{plan.id}:{due_on.isoformat()}:{u.id}" for u in (mentor, guardian, own))
    for day in range(7, -1, -1):  # every day up to the review, and twice on the last: nothing again
        assert run(due_on - timedelta(days=day)).sent == 0
    assert run(due_on, hour=18).sent == 0
    assert run(due_on + timedelta(days=1)).sent == 0  # overdue: flagged on the caseload, not reminded
    titles = {
        n.user_id: n.title for n in ctx.scalars(select(Notification).where(Notification.kind == "plan_review_due"))
    }
    assert titles == {
        mentor.id: "Robbie's plan review is due on 4 January 2027",
        guardian.id: "Robbie's plan review is due on 4 January 2027",
        own.id: "Your plan review is due on 4 January 2027",
    }
    emails = ctx.scalars(select(OutboxMessage.to_address).where(OutboxMessage.subject.like("%plan review%"))).all()
    assert sorted(emails) == sorted([mentor.email, guardian.email, own.email])

    # The review sets a new date: a new reminder for each, a week before it.
    review(people, held_on=due_on, today=due_on)
    next_on = due_on + timedelta(weeks=6)
    assert run(next_on - timedelta(days=8)).sent == 0
    assert run(next_on - timedelta(days=7)).sent == 3
    assert run(next_on - timedelta(days=3)).sent == 0
    assert len(keys()) == 6


def test_no_reminders_for_a_learner_no_longer_on_roll_or_for_inactive_accounts(people, planned, ctx):
    learner = people["learner"]
    due_on = learning_plans.plan_of(learner).next_review_on
    people["guardian"].active = False
    assert learning_plans.send_review_reminders(at(due_on - timedelta(days=5))).sent == 2
    families.withdraw(people["admin"], learner, TODAY, WithdrawalReason.MOVED_OUT_OF_AREA)
    plan = learning_plans.plan_of(learner)
    plan.next_review_on = due_on + timedelta(days=1)  # a new date, which would otherwise be reminded
    assert learning_plans.send_review_reminders(at(due_on - timedelta(days=5))).sent == 0
    assert ctx.scalar(select(func.count()).select_from(LearningPlan)) == 1


# --- two saves at once --------------------------------------------------------------------------------


def test_two_saves_at_once_queue_and_take_consecutive_versions(app, committed_db):
    """Each save on its own connection, the second started while the first is still open: the plan's row lock
    (on SQLite, the write lock) makes the second wait, then read the first's version, so both are kept."""
    import threading
    import time

    from virtualacademy.extensions import db
    from virtualacademy.models import Learner, User

    with app.app_context():
        learner = LearnerFactory(enrolled=date(2026, 9, 1))
        guardian = GuardianFactory(family=learner.family).user
        write_plan(guardian, learner, interests="Rockets", aspirations="Pilot")
        db.session.commit()
        ids = (learner.id, guardian.id)
    first_saved, errors = threading.Event(), []

    def save(values: dict, hold: float, signal: threading.Event | None, wait: threading.Event | None):
        try:
            with app.app_context():
                if wait is not None:
                    assert wait.wait(10)
                learner, user = db.session.get(Learner, ids[0]), db.session.get(User, ids[1])
                fields = {"interests": "Rockets", "aspirations": "Pilot", "strengths": None, "support_needs": None}
                learning_plans.save_plan(user, learner, **{**fields, **values}, based_on=1)
                if signal is not None:
                    signal.set()
                time.sleep(hold)  # the first keeps its transaction open while the second starts
                db.session.commit()
                db.session.remove()
        except Exception as error:  # reported below: an assertion in a thread would be lost
            errors.append(error)

    threads = [
        threading.Thread(target=save, args=({"interests": "Rockets and trains"}, 0.5, first_saved, None)),
        threading.Thread(target=save, args=({"aspirations": "Astronaut"}, 0, None, first_saved)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    with app.app_context():
        plan = db.session.scalar(select(LearningPlan))
        assert (plan.version, plan.interests, plan.aspirations) == (3, "Rockets and trains", "Astronaut")
        assert db.session.scalars(select(PlanVersion.version).order_by(PlanVersion.version)).all() == [1, 2, 3]


# --- data protection ----------------------------------------------------------------------------------------


def test_the_export_holds_the_plan_and_erasure_clears_its_words_but_keeps_the_shape(people, planned, ctx):
    from virtualacademy.services import data_protection

    learner, mentor = people["learner"], people["mentor"]
    maths, story = planned
    learning_plans.save_plan(
        mentor,
        learner,
        interests="Space",
        aspirations="Astronaut",
        strengths=None,
        support_needs="Quiet room",
        staff_notes="Anxious about tests",
        today=TODAY,
    )
    held = review(
        people,
        goals=[GoalReviewInput(maths.id, GoalStatus.ACHIEVED, "Adds halves", "Try thirds")],
        summary="A good term",
    )
    ctx.commit()
    subject = data_protection.subject(learner.family)
    assert "learning_plans" in data_protection.SECTIONS
    rows = learning_plans.export_section(subject)
    kinds = [r["record"] for r in rows]
    assert kinds.count("learning plan") == 1 and kinds.count("goal") == 2 and kinds.count("goal review") == 1
    plan_row = next(r for r in rows if r["record"] == "learning plan")
    assert (plan_row["interests"], plan_row["staff_notes"]) == ("Space", "Anxious about tests")
    assert {r["changed_by"] for r in rows if r["record"] == "plan version"} == {"family member", "academy staff"}
    assert next(r for r in rows if r["record"] == "goal" and r["id"] == maths.id)["subjects"] == ["Maths"]
    assert mentor.name not in str(rows) and "reviewed_by_id" not in str(rows) and "changed_by_id" not in str(rows)
    # An unrelated family's plan is not in it.
    other = LearnerFactory()
    ctx.flush()
    write_plan(people["admin"], other, interests="Trains")
    assert "Trains" not in str(learning_plans.export_section(subject))

    changed = learning_plans.erase_section(subject)
    assert changed > 0 and learning_plans.erase_section(subject) == 0  # done once
    ctx.flush()
    plan = learning_plans.plan_of(learner)
    assert (plan.interests, plan.aspirations, plan.strengths, plan.support_needs, plan.staff_notes) == (
        "Erased",
        "Erased",
        None,
        "Erased",
        "Erased",
    )
    assert {(g.title, g.success, g.status) for g in plan.goals} == {
        ("Erased", None, GoalStatus.ACHIEVED),
        ("Erased", None, GoalStatus.NOT_STARTED),
    }
    assert [s.name for s in maths.subjects] == ["Maths"] and plan.next_review_on == held.next_review_on
    assert (held.summary, held.goal_reviews[0].progress, held.goal_reviews[0].next_steps) == (None, None, None)
    assert held.goal_reviews[0].status is GoalStatus.ACHIEVED
    everything = str([v.snapshot for v in versions(ctx, learner)])
    for words in ("Space", "Astronaut", "Anxious", "Fractions", "Write a story", "Quiet room"):
        assert words not in everything
    assert "Goal added: Erased" in everything
    events = ctx.scalars(
        select(AuditEvent).where(AuditEvent.action == "learning.plan_changed", AuditEvent.object_id == str(learner.id))
    ).all()
    assert events and "Fractions" not in str([e.detail for e in events])
    assert learning_plans.plan_of(other).interests == "Trains"


# --- sharing a draft with the family -----------------------------------------------------------------


def test_a_draft_shared_for_comment_notifies_the_family_once_per_version(people, ctx):
    learner, mentor, guardian, own = people["learner"], people["mentor"], people["guardian"], people["own"]
    with pytest.raises(ValidationError, match="nothing to share"):
        learning_plans.share_with_family(mentor, learner)
    write_plan(mentor, learner, aspirations="A draft for the family to read.")
    for outsider in (people["coordinator"], people["other_mentor"], guardian):
        with pytest.raises(NotAllowed):
            learning_plans.share_with_family(outsider, learner)
    assert learning_plans.share_with_family(mentor, learner, "Have a look at the aspirations.") == 2
    notes = ctx.scalars(select(Notification).where(Notification.kind == "plan_shared").order_by(Notification.id)).all()
    assert {(n.user_id, n.title) for n in notes} == {
        (guardian.id, "Robbie’s learning plan is ready for your comments"),
        (own.id, "Your learning plan is ready for your comments"),
    }
    assert all(n.link == f"/learning/learners/{learner.id}/plan" for n in notes)
    assert "Have a look at the aspirations." in notes[0].body
    emails = ctx.scalars(select(OutboxMessage).where(OutboxMessage.subject.like("%ready for your comments"))).all()
    assert sorted(m.to_address for m in emails) == sorted([guardian.email, own.email])
    with pytest.raises(ValidationError, match="already been shared"):
        learning_plans.share_with_family(mentor, learner)
    write_plan(mentor, learner, aspirations="A second draft.")
    assert learning_plans.share_with_family(people["admin"], learner) == 2
    shared = ctx.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "learning.plan_shared"))
    assert shared == 2
