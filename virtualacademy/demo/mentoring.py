"""Demo mentoring: assignments, check-ins, actions and other adults."""

from __future__ import annotations

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.demo.core import Demo, step
from virtualacademy.errors import DomainError
from virtualacademy.extensions import db

DEMO_MENTORING = [
    (
        "guardian.jones",
        "Ella Jones",
        "coordinator.north",
        "mentor.amara",
        "Ellie is anxious about groups: start with short video calls. Mum (Rachel) prefers texts in the day.",
        [
            (41, 10, "video", "both", True, 3, 3, "First call. Ellie was quiet but showed me her drawings.", []),
            (34, 10, "video", "learner", True, 3, 3, "Talked about a weekly routine.", []),
            (27, 11, "phone", "learner", True, 4, 4, "Good week: finished the Romans reading.", []),
            (
                20,
                16,
                "phone",
                "both",
                True,
                2,
                3,
                "Ellie had a difficult few days; sleeping badly. Mum is keeping an eye on it.",
                [("Try the Tuesday art group at the library", "learner", 7, True)],
            ),
            (17, 10, "message", "guardian", False, None, None, "No reply to my message.", []),
            (16, 14, "phone", "both", True, 3, 3, "Better: went to the art group.", []),
            (12, 10, "video", "learner", True, 3, 4, None, []),
            (8, 10, "video", "learner", True, 3, 4, None, []),
            (
                5,
                15,
                "home_visit",
                "both",
                True,
                4,
                4,
                "Home visit. Ellie is proud of her Romans project and wants to show it at the museum day.",
                [
                    ("Finish the Romans project poster", "learner", 10, False),
                    ("Ask the exams officer about entering maths early", "mentor", 7, False),
                ],
            ),
            (2, 11, "video", "learner", True, 4, 4, "Short call; all well.", []),
        ],
    ),
    (
        "guardian.jones",
        "Noah Jones",
        "coordinator.north",
        "mentor.ben",
        None,
        [
            (40, 10, "phone", "guardian", True, 4, 4, "Noah was out; spoke to his mum.", []),
            (33, 10, "video", "learner", True, 4, 5, "Loves the nature projects.", []),
            (26, 11, "community_meeting", "both", True, 5, 5, "Met at the forest school session.", []),
            (19, 10, "video", "learner", True, 4, 4, None, []),
            (12, 10, "video", "learner", True, 4, 4, None, []),
            (
                1,
                15,
                "phone",
                "both",
                True,
                4,
                4,
                "Planning a trip to the wildlife park.",
                [("Visit the wildlife park and write about one animal", "guardian", 14, False)],
            ),
        ],
    ),
    (
        "guardian.ali",
        "Zara Ali",
        "coordinator.south",
        "mentor.chloe",
        "Zara has an EHCP (review in March). Call her mum first; Zara likes messages better than calls.",
        [
            (41, 10, "phone", "both", True, 3, 3, "Introductions. Zara wants to do GCSE English.", []),
            (34, 10, "message", "learner", True, 3, 2, None, []),
            (27, 17, "phone", "guardian", False, None, None, "No answer; left a voicemail.", []),
            (
                26,
                10,
                "phone",
                "both",
                True,
                2,
                2,
                "Zara is tired; says she looks after her cousins in the evenings.",
                [],
            ),
            (18, 10, "video", "learner", True, 2, 2, "Still tired. Mum says things are busy at home.", []),
            (
                11,
                16,
                "video",
                "learner",
                True,
                2,
                2,
                "Withdrawn on the call. Raised a safeguarding concern afterwards.",
                [
                    ("Keep a sleep diary for a week", "learner", 7, False),
                    ("Call Zara's mum about the evenings", "mentor", 3, False),
                ],
            ),
        ],
    ),
    (
        "guardian.novak",
        "Jakub Novak",
        "coordinator.south",
        "mentor.ben",
        None,
        [
            (40, 10, "home_visit", "both", True, 4, 4, "Kuba showed me his coding projects.", []),
            (33, 10, "video", "learner", True, 3, 3, "Finding fractions hard.", []),
            (26, 10, "video", "learner", True, 4, 4, "The tutor is helping with maths.", []),
            (21, 10, "phone", "guardian", True, 4, 4, None, []),
            (14, 10, "video", "learner", True, 5, 5, "Great week: finished his game.", []),
            (
                7,
                10,
                "video",
                "learner",
                True,
                4,
                4,
                None,
                [("Send the game to Helen to try", "learner", 7, False)],
            ),
        ],
    ),
]


@step(30)
def mentoring(demo: Demo) -> None:
    """Mentors for the demo learners with a few weeks of check-ins and actions (dated back from today, so the
    caseloads show a mix of statuses whenever the demo is seeded), Ellie on enhanced support, a tutor for
    Kuba, and one safeguarding concern about Zara with a lead's entry. Each part is added only if missing."""
    now = clock.now()
    today = clock.today(now)
    learners = {}
    for entry in DEMO_MENTORING:
        learner = _mentor_and_check_ins(demo, entry, today, now)
        if learner is not None:
            learners[entry[1]] = learner
    _ellie_on_enhanced_support(demo, learners.get("Ella Jones"))
    _a_tutor_for_kuba(demo, learners.get("Jakub Novak"), today)
    _a_concern_about_zara(demo, learners.get("Zara Ali"), today, now)


def _mentor_and_check_ins(demo: Demo, entry, today, now):
    """Assign the learner's mentor and record their check-in history, if missing. Returns the learner, or None
    when they are not on roll."""
    from datetime import timedelta

    from virtualacademy.models import CheckIn
    from virtualacademy.services import mentoring as service

    guardian_key, legal_name, coordinator_key, mentor_key, handover, history = entry
    learner = demo.learner(guardian_key, legal_name)
    if learner is None or learner.current_enrolment is None:
        return None
    coordinator, mentor = demo.users[coordinator_key], demo.users[mentor_key]
    if service.current_assignment(learner) is None:
        try:
            with db.session.begin_nested():
                service.assign(coordinator, learner, mentor, today - timedelta(days=42), handover)
        except DomainError as error:
            demo.skipped(f"A mentor for {learner.known_as}: not assigned, because {error.message}.")
            return learner
    if db.session.scalar(select(CheckIn.id).where(CheckIn.learner_id == learner.id).limit(1)) is not None:
        return learner
    demo.added(f"{mentor.name} as {learner.known_as}'s mentor, with {len(history)} check-ins.")
    for record in history:
        _check_in(mentor, learner, record, today, now)
    return learner


def _check_in(mentor, learner, record, today, now) -> None:
    from datetime import datetime, time, timedelta

    from virtualacademy.models import ActionOwner, AgreedAction, ContactMethod, ContactWith
    from virtualacademy.services import mentoring as service

    days_ago, hour, method, with_whom, made, wellbeing, engagement, notes, actions = record
    day = today - timedelta(days=days_ago)
    check_in = service.record_check_in(
        mentor,
        learner,
        occurred_at=datetime.combine(day, time(hour, 0), service.LONDON),
        method=ContactMethod(method),
        with_whom=ContactWith(with_whom),
        contact_made=made,
        wellbeing=wellbeing,
        engagement=engagement,
        notes=notes,
        actions=[
            service.ActionInput(text, ActionOwner(owner), day + timedelta(days=due_in))
            for text, owner, due_in, _closed in actions
        ],
        now=now,
    )
    closed = {text for text, _owner, _due, is_closed in actions if is_closed}
    for action in db.session.scalars(select(AgreedAction).where(AgreedAction.check_in_id == check_in.id)):
        if action.text in closed:
            service.close_action(mentor, action)


def _ellie_on_enhanced_support(demo: Demo, ellie) -> None:
    from virtualacademy.models import LearnerSupport, SupportLevel
    from virtualacademy.services import mentoring as service

    if ellie is not None and db.session.get(LearnerSupport, ellie.id) is None:
        service.set_support(demo.users["coordinator.north"], ellie, SupportLevel.ENHANCED, None)


def _a_tutor_for_kuba(demo: Demo, kuba, today) -> None:
    from datetime import timedelta

    from virtualacademy.models import OtherAdultRole
    from virtualacademy.services import mentoring as service

    if kuba is not None and not service.other_adults(kuba):
        service.add_other_adult(
            demo.users["mentor.ben"],
            kuba,
            "Helen Price",
            OtherAdultRole.TUTOR,
            "Tickhill Maths Tutoring",
            today - timedelta(days=30),
            None,
        )


def _a_concern_about_zara(demo: Demo, zara, today, now) -> None:
    from datetime import time, timedelta

    from virtualacademy.models import ConcernEntryKind, SafeguardingConcern
    from virtualacademy.services import safeguarding

    if zara is None or (
        db.session.scalar(select(SafeguardingConcern.id).where(SafeguardingConcern.learner_id == zara.id).limit(1))
        is not None
    ):
        return
    concern, _told = safeguarding.raise_concern(
        demo.users["mentor.chloe"],
        zara,
        today - timedelta(days=11),
        time(16, 30),
        "On our video call Zara said she looks after her three younger cousins most evenings until late, "
        "and that she is often hungry because there is not enough food in the house. She looked exhausted "
        "and would not say more.",
        "Listened, told Zara I would need to pass it on to keep her safe, and raised it straight away.",
        now=now,
    )
    safeguarding.add_entry(
        demo.users["dsl"],
        concern,
        ConcernEntryKind.EARLY_HELP,
        "Spoke to Chloe and to Zara's mum, who agreed to an early help assessment. Food bank referral made. "
        "Chloe to check in twice a week and note sleep and mood; review in two weeks.",
    )
