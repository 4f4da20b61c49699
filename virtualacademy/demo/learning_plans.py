"""Demo learning plans, goals and reviews."""

from __future__ import annotations

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.demo.core import Demo, _slug, step
from virtualacademy.extensions import db

DEMO_PLANS = [
    (
        "guardian.jones",
        "Ella Jones",
        "mentor.amara",
        {
            "interests": "Drawing, especially animals. The Romans. Baking with Mum.",
            "aspirations": "To illustrate children's books.",
            "strengths": "Notices detail, and keeps going with a project she cares about.",
            "support_needs": "Anxious in groups: one-to-one or small groups, with a quiet place to step out. "
            "Short video calls rather than long ones.",
        },
        "Wellbeing dipped about three weeks ago (sleeping badly); better since the art group. Watch group settings.",
        [
            (
                "Finish the Romans project poster",
                "A poster she is proud to show.",
                ["Humanities", "Arts"],
                10,
                "working_on_it",
            ),
            ("Go to the library art group every week", None, ["Arts", "Personal and social"], None, "working_on_it"),
            ("Fractions and decimals", "Can explain them with drawings.", ["Maths"], 60, "not_started"),
        ],
        "held",
    ),
    (
        "guardian.jones",
        "Noah Jones",
        "mentor.ben",
        {
            "interests": "Nature, forest school, and animals of every kind.",
            "aspirations": "To be a park ranger.",
            "strengths": "Curious, and asks great questions.",
            "support_needs": None,
        },
        None,
        [
            ("Keep a nature journal", "An entry a week, with a drawing.", ["Sciences", "English"], 42, "working_on_it"),
            ("Read a chapter book on his own", None, ["English"], 90, "not_started"),
        ],
        "soon",
    ),
    (
        "guardian.ali",
        "Zara Ali",
        "mentor.chloe",
        {
            "interests": "Writing stories and poems. Music.",
            "aspirations": "GCSE English, then college.",
            "strengths": "A vivid writer.",
            "support_needs": "EHCP: extra time, and messages rather than calls where possible.",
        },
        "Safeguarding concern open (see the lead). Keep the plan light until the early help assessment is done.",
        [
            ("GCSE English Language: reading practice", None, ["English"], 120, "working_on_it"),
            (
                "A weekly routine with time to rest",
                "Sleeping by 10pm most nights.",
                ["Personal and social"],
                30,
                "not_yet",
            ),
        ],
        "overdue",
    ),
    (
        "guardian.novak",
        "Jakub Novak",
        "mentor.ben",
        {
            "interests": "Coding games; Lego.",
            "aspirations": "To make games for a living.",
            "strengths": "Sticks at a hard problem.",
            "support_needs": "Maths tutoring with Helen on Tuesdays.",
        },
        None,
        [
            (
                "Finish and share his platform game",
                "Someone outside the family plays it.",
                ["Technology"],
                14,
                "working_on_it",
            ),
            ("Fractions with Helen", None, ["Maths"], 45, "not_started"),
        ],
        None,
    ),
]


@step(50)
def learning_plans(demo: Demo) -> None:
    """A learning plan for each demo learner, written by the family with goals, staff notes from the mentor and
    (for Ellie) one review held today; Noah's next review is in five days and Zara's is overdue, so the reminders
    and the caseload flag have something to show. Plans that already exist are left alone."""
    today = clock.today()
    for entry in DEMO_PLANS:
        _plan(demo, entry, today)


def _subject(demo: Demo, name: str) -> int:
    """A subject area by its stable key (so one renamed since is used as it is), made if missing."""
    from virtualacademy.models import SubjectArea
    from virtualacademy.services import learning_plans as service

    key = f"subject:{_slug(name)}"
    area = demo.find(key, SubjectArea) or db.session.scalar(select(SubjectArea).where(SubjectArea.name == name))
    area = area or service.save_subject_area(demo.users["admin"], None, name)
    demo.remember(key, area)
    return area.id


def _plan(demo: Demo, entry, today) -> None:
    from datetime import timedelta

    from virtualacademy.models import GoalStatus
    from virtualacademy.services import learning_plans as service

    guardian_key, legal_name, mentor_key, text, staff_notes, goals, review = entry
    guardian, mentor = demo.users[guardian_key], demo.users[mentor_key]
    learner = demo.learner(guardian_key, legal_name)
    if learner is None or guardian is None or service.plan_of(learner) is not None:
        return
    demo.added(f"{learner.known_as}'s learning plan, with {len(goals)} goals.")
    service.save_plan(guardian, learner, **text, today=today)
    for title, success, subjects, target_in, status in goals:
        service.add_goal(
            guardian,
            learner,
            service.GoalInput(
                title,
                success,
                [_subject(demo, s) for s in subjects],
                today + timedelta(days=target_in) if target_in else None,
                GoalStatus(status),
            ),
            today=today,
        )
    mentors_now = service.may_review(mentor, learner)
    if staff_notes and mentors_now:
        service.save_plan(mentor, learner, **text, staff_notes=staff_notes, today=today)
    plan = service.plan_of(learner)
    if review == "held" and mentors_now:
        _ellies_review(demo, mentor, learner, plan, today)
    elif review == "soon" and mentors_now:
        service.set_review_schedule(mentor, learner, plan.review_every_weeks, today + timedelta(days=5), today=today)
    elif review == "overdue":
        plan.next_review_on = today - timedelta(days=4)  # demo only: the service never sets a past date


#: How Ellie's review went for each goal: (progress, next step, status).
ELLIES_REVIEW = {
    "Finish the Romans project poster": ("Nearly done: the timeline is finished.", "Add the map.", "working_on_it"),
    "Go to the library art group every week": ("Three weeks running.", "Keep going.", "achieved"),
    "Fractions and decimals": ("Not started yet: the Romans came first.", "Start after half-term.", "not_yet"),
}


def _ellies_review(demo: Demo, mentor, learner, plan, today) -> None:
    from datetime import timedelta

    from virtualacademy.models import GoalStatus
    from virtualacademy.services import learning_plans as service

    notes = ELLIES_REVIEW
    service.record_review(
        mentor,
        learner,
        held_on=today,
        summary="Ellie led the review and showed us her poster. She wants to show it at the museum day.",
        goals=[
            service.GoalReviewInput(g.id, GoalStatus(notes[g.title][2]), notes[g.title][0], notes[g.title][1])
            for g in service.current_goals(plan)
            if g.title in notes
        ],
        new_goals=[
            service.GoalInput(
                "Show the Romans project at the museum day",
                "Talks about it to visitors for five minutes.",
                [_subject(demo, "Humanities"), _subject(demo, "English")],
                today + timedelta(days=35),
            )
        ],
        today=today,
    )


#: The demo exam catalogue: (awarding body, type, subject, specification code, tiered, needs the centre to
#: supervise non-exam assessment or an endorsement, entry fee in pence). Fees are about what private candidates pay
#: the awarding body for summer 2027; the centre adds its own administration fee.
