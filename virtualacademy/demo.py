"""Demo data for ``flask --app wsgi seed-demo``.

Each module adds a step with ``@step(order)``; a step must be safe to run twice (get-or-create). The seed
recognises its own records by a key that never changes (``user:admin``, ``locality:north``, kept in the
``demo_record`` table), so a locality renamed or an account whose name or email was changed since is found
again and left as it is now, never made twice. What a run added, what it found changed and kept, and what it
skipped (for example a family erased under data protection, which is not brought back) is reported through
:meth:`Demo.added`, :meth:`Demo.kept` and :meth:`Demo.skipped`, and printed by the command.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.errors import DomainError
from virtualacademy.extensions import db
from virtualacademy.models import DemoRecord, Guardian, Learner, Role, User, UserRole
from virtualacademy.services import accounts

#: Every demo account has this password (shown by the command; never used in production).
DEMO_PASSWORD = "learning-together-2026"  # noqa: S105 - demo data only
DEMO_DOMAIN = "demo.example.org"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class Demo:
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (roles, email, password)
    users: dict[str, User | None] = field(default_factory=dict)  # by short key; None: erased, not made again
    localities: dict[str, object] = field(default_factory=dict)  # by short key
    #: What this run did, for the command to print: (heading, line).
    report: list[tuple[str, str]] = field(default_factory=list)
    new_accounts: int = 0

    # --- what the run says -------------------------------------------------------------------------------

    def added(self, line: str) -> None:
        self.report.append(("added", line))

    def kept(self, line: str) -> None:
        self.report.append(("kept", line))

    def skipped(self, line: str) -> None:
        self.report.append(("skipped", line))

    def lines(self, heading: str) -> list[str]:
        return [line for h, line in self.report if h == heading]

    # --- records by their stable key ---------------------------------------------------------------------

    def find(self, key: str, model):
        """The record the seed made under ``key``, whatever has been changed in it since, or None."""
        record = db.session.get(DemoRecord, key)
        return db.session.get(model, record.record_id) if record is not None else None

    def remember(self, key: str, obj) -> None:
        record = db.session.get(DemoRecord, key)
        if record is None:
            db.session.add(DemoRecord(key=key, record_id=obj.id))
        elif record.record_id != obj.id:
            record.record_id = obj.id

    def user(self, key: str, name: str, roles: tuple[Role, ...]) -> User | None:
        """Get or create the demo account ``key`` (first made as ``<key>@demo.example.org`` with the demo
        password). An account renamed or given another email since is kept as it is now; an erased one
        (data protection) is not made again, and None is returned."""
        from virtualacademy.services.data_protection import ERASED_DOMAIN

        email = f"{key}@{DEMO_DOMAIN}"
        user = self.find(f"user:{key}", User) or db.session.scalar(select(User).where(User.email == email))
        labels = ", ".join(r.label for r in roles)
        if user is not None and user.email.endswith(f"@{ERASED_DOMAIN}"):
            self.users[key] = None
            self.skipped(f"The demo account {email} ({labels}): it was erased, and the seed does not bring it back.")
            return None
        if user is None:
            user = accounts.create_user(email, name, roles, password=DEMO_PASSWORD)
            self.new_accounts += 1
        else:
            missing = set(roles) - set(user.roles)
            user.role_links.extend(UserRole(role=r) for r in sorted(missing))
            if not user.active:
                user.active = True
                self.kept(f"The account {user.email} was deactivated: it is active again, for the demo.")
            changes = []
            if user.name != name:
                changes.append(f"is now called {user.name}")
            if user.email != email:
                changes.append(f"signs in as {user.email}")
            if changes:
                self.kept(f"The demo account {email} ({name}) {' and '.join(changes)}: kept as it is.")
        db.session.flush()
        self.remember(f"user:{key}", user)
        self.users[key] = user
        self.accounts.append((labels, user.email, DEMO_PASSWORD))
        return user

    def learner(self, guardian_key: str, legal_name: str) -> Learner | None:
        """A demo learner by their stable key (first found through their demo guardian and legal name); None
        if they were never made, or were erased since."""
        from virtualacademy.services.data_protection import ERASED

        key = f"learner:{_slug(legal_name)}"
        learner = self.find(key, Learner)
        guardian = self.users.get(guardian_key)
        if learner is None and guardian is not None:
            learner = db.session.scalar(
                select(Learner)
                .join(Guardian, Guardian.family_id == Learner.family_id)
                .where(Guardian.user_id == guardian.id, Learner.legal_name == legal_name)
            )
            if learner is not None:
                self.remember(key, learner)
        if learner is None or learner.legal_name == ERASED:
            return None
        return learner


_STEPS: list[tuple[int, Callable[[Demo], None]]] = []


def step(order: int):
    def decorator(func: Callable[[Demo], None]):
        _STEPS.append((order, func))
        _STEPS.sort(key=lambda s: s[0])
        return func

    return decorator


def seed() -> Demo:
    demo = Demo()
    for _order, func in _STEPS:
        func(demo)
        db.session.flush()
    return demo


@step(0)
def staff_and_guardians(demo: Demo) -> None:
    demo.user("admin", "Ada Okonkwo", (Role.ADMIN,))
    demo.user("exams", "Evan Hughes", (Role.EXAMS_OFFICER,))
    demo.user("dsl", "Sam Whitfield", (Role.SAFEGUARDING_LEAD,))
    demo.user("coordinator.north", "Priya Shah", (Role.COORDINATOR,))
    demo.user("coordinator.south", "Tom Barker", (Role.COORDINATOR,))
    demo.user("mentor.amara", "Amara Mensah", (Role.MENTOR,))
    demo.user("mentor.ben", "Ben Carter", (Role.MENTOR,))
    demo.user("mentor.chloe", "Chloe Davies", (Role.MENTOR,))
    demo.user("guardian.jones", "Rachel Jones", (Role.GUARDIAN,))
    demo.user("guardian.ali", "Imran Ali", (Role.GUARDIAN,))
    demo.user("guardian.novak", "Kasia Novak", (Role.GUARDIAN,))
    if demo.new_accounts:
        demo.added(f"{demo.new_accounts} demo account{'' if demo.new_accounts == 1 else 's'}.")


#: (key, name as first made, postcode districts, coordinator key, mentor keys)
DEMO_LOCALITIES = [
    ("north", "Doncaster North", "DN5, DN6, DN7", "coordinator.north", ["mentor.amara", "mentor.ben"]),
    ("south", "Doncaster South", "DN4, DN11, DN12", "coordinator.south", ["mentor.ben", "mentor.chloe"]),
]


@step(10)
def localities(demo: Demo) -> None:
    """The two localities with their staff. A locality renamed (or given other districts) since is kept as it
    is; its staff are set only while it has none, so changes an admin made stay."""
    from virtualacademy.models import Locality
    from virtualacademy.services import localities as service

    admin = demo.users["admin"]
    for key, name, districts, coordinator, mentors in DEMO_LOCALITIES:
        locality = demo.find(f"locality:{key}", Locality) or db.session.scalar(
            select(Locality).where(Locality.name == name)
        )
        if locality is None:
            try:
                with db.session.begin_nested():
                    locality = service.save_locality(admin, None, name, districts)
            except DomainError as error:
                demo.skipped(f"The locality {name}: not made, because {error.message}.")
                continue
            demo.added(f"The locality {name} ({districts}).")
        elif locality.name != name:
            demo.kept(f"The locality first made as {name} is now called {locality.name}: kept as it is.")
        demo.remember(f"locality:{key}", locality)
        staff = [demo.users[coordinator], *(demo.users[m] for m in mentors)]
        if not locality.staff and all(staff):
            try:
                with db.session.begin_nested():
                    service.set_staff(admin, locality, [staff[0].id], [u.id for u in staff[1:]])
            except DomainError as error:
                demo.skipped(f"The staff of {locality.name}: not set, because {error.message}.")
        demo.localities[key] = locality


DEMO_FAMILIES = [
    # (guardian key, locality key, address, children: (legal name, preferred, born, reason, send, fsm))
    (
        "guardian.jones",
        "north",
        ("14 Church Lane", "Bentley", "DN5 9QR"),
        [
            ("Ella Jones", "Ellie", "2013-05-14", "health", "sen_support", True),
            ("Noah Jones", "", "2016-09-02", "philosophical", "none", True),
        ],
    ),
    (
        "guardian.ali",
        "south",
        ("7 Balby Road", "Doncaster", "DN4 0RB"),
        [
            ("Zara Ali", "", "2011-11-30", "left_under_pressure", "ehcp", False),
        ],
    ),
    (
        "guardian.novak",
        "south",
        ("22 Station Street", "Tickhill", "DN11 9AB"),
        [
            ("Jakub Novak", "Kuba", "2012-02-08", "unmet_send", "sen_support", False),
        ],
    ),
]


@step(20)
def families(demo: Demo) -> None:
    """Families enrolled through the real application path, in both localities, plus one waiting."""
    from datetime import date

    from virtualacademy import clock
    from virtualacademy.models import Application, ApplicationStatus, Guardian
    from virtualacademy.services import families as service

    admin = demo.users["admin"]
    for number, (key, locality_key, (line_1, town, postcode), children) in enumerate(DEMO_FAMILIES, start=1):
        user = demo.users[key]
        reference = f"VA-DEMO{number:02d}"
        if user is None:
            demo.skipped(f"The family of {key}@{DEMO_DOMAIN}: the account was erased, so the family is not made again.")
            continue
        if db.session.scalar(select(Guardian.id).where(Guardian.user_id == user.id)) is not None:
            for child in children:
                demo.learner(key, child[0])
            continue
        if db.session.scalar(select(Application.id).where(Application.reference == reference)) is not None:
            demo.skipped(
                f"The family of {user.email}: its application {reference} is already there for another account."
            )
            continue
        locality = demo.localities.get(locality_key)
        if locality is None:
            demo.skipped(f"The family of {user.email}: its locality was not made.")
            continue
        answers = {
            "guardian": {"name": user.name, "email": user.email, "phone": "07700 900123"},
            "address": {"line_1": line_1, "line_2": "", "town": town, "postcode": postcode},
            "second_guardian": None,
            "children": [
                {
                    "legal_name": name,
                    "preferred_name": preferred,
                    "date_of_birth": born,
                    "previous_school": "",
                    "previous_school_urn": "",
                    "date_left_school": None,
                    "reason": reason,
                    "send_status": send,
                    "ehcp_review_date": "2027-03-01" if send == "ehcp" else None,
                    "fsm_eligible": fsm,
                    "young_carer": False,
                    "needs": "",
                    "photo_consent": True,
                }
                for name, preferred, born, reason, send, fsm in children
            ],
            "privacy_consent": True,
        }
        application = Application(
            reference=reference,
            email=user.email,
            answers=answers,
            status=ApplicationStatus.SUBMITTED,
            submitted_at=clock.now(),
            user_id=user.id,
        )
        db.session.add(application)
        db.session.flush()
        service.accept(admin, application, date(2026, 9, 1), locality)
        for child in children:
            demo.learner(key, child[0])
        names = " and ".join(child[0] for child in children)
        demo.added(f"The family of {user.email} ({names}), enrolled in {locality.name}.")

    waiting_email = f"new.family@{DEMO_DOMAIN}"
    waiting = demo.find("application:waiting", Application) or db.session.scalar(
        select(Application).where(Application.email == waiting_email)
    )
    if waiting is None:
        draft = service.start_application({"name": "Morgan Reed", "email": waiting_email, "phone": ""})
        service.save_address(draft, {"line_1": "5 Quarry Hill", "town": "Conisbrough", "postcode": "DN12 3AA"})
        service.save_second_guardian(draft, {})
        service.save_child(
            draft,
            None,
            {
                "legal_name": "Alex Reed",
                "date_of_birth": date(2012, 7, 19),
                "reason": "health",
                "send_status": "none",
                "needs": "Anxiety about groups.",
            },
            clock.today(),
        )
        service.save_declaration(draft, True)
        service.submit(draft)
        waiting = draft
        demo.added(f"An application from {waiting_email} waiting for a decision.")
    demo.remember("application:waiting", waiting)

    # Two families from the authority's list, imported as an authority's file would be: no accounts yet, no
    # mentor yet (they show on the unassigned list and on "Invite parents and carers to sign in").
    from virtualacademy.services import family_import

    header = (
        "family_ref,guardian_name,guardian_email,guardian_phone,address_line_1,town,postcode,"
        "child_legal_name,date_of_birth,reason,send_status,start_date"
    )
    rows = [
        f"DEMO-LA-1,Priya Shah,priya.shah@{DEMO_DOMAIN},07700 900311,3 Mill Lane,Bentley,DN5 0AA,"
        "Ravi Shah,2011-04-14,philosophical,none,2026-09-01",
        f"DEMO-LA-2,Tom Kelly,tom.kelly@{DEMO_DOMAIN},07700 900312,9 Low Road,Balby,DN4 8PX,"
        "Niamh Kelly,2014-10-02,health,sen_support,2026-09-01",
        "DEMO-LA-2,Tom Kelly,,,9 Low Road,Balby,DN4 8PX,Cara Kelly,2017-01-23,health,none,2026-09-01",
    ]
    imported = family_import.import_families("\n".join([header, *rows]).encode(), admin)
    if not imported.ok:
        problems = "; ".join(str(e) for e in imported.errors[:3])
        demo.skipped(f"The families from the authority's list: not imported, because of problems ({problems}).")
    elif imported.new_families:
        demo.added(f"{imported.new_families} families from an authority's list, whose parents have no accounts yet.")


#: Each demo learner's mentor and contact history. Days are counted back from the day the demo is seeded, so
#: the caseloads show a mix of statuses whenever it is run: Ellie due soon (enhanced support, every 3 days),
#: Noah on track, Kuba due today, Zara overdue. Check-ins: (days ago, hour, method, with whom, contact made,
#: wellbeing, engagement, staff notes, [(action, owner, due in days from the check-in, closed)]).
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
    from datetime import datetime, time, timedelta

    from virtualacademy import clock
    from virtualacademy.models import (
        ActionOwner,
        AgreedAction,
        CheckIn,
        ConcernEntryKind,
        ContactMethod,
        ContactWith,
        LearnerSupport,
        OtherAdultRole,
        SafeguardingConcern,
        SupportLevel,
    )
    from virtualacademy.services import mentoring as service
    from virtualacademy.services import safeguarding

    now = clock.now()
    today = clock.today(now)

    learners = {}
    for guardian_key, legal_name, coordinator_key, mentor_key, handover, history in DEMO_MENTORING:
        learner = demo.learner(guardian_key, legal_name)
        if learner is None or learner.current_enrolment is None:
            continue
        learners[legal_name] = learner
        coordinator, mentor = demo.users[coordinator_key], demo.users[mentor_key]
        if service.current_assignment(learner) is None:
            try:
                with db.session.begin_nested():
                    service.assign(coordinator, learner, mentor, today - timedelta(days=42), handover)
            except DomainError as error:
                demo.skipped(f"A mentor for {learner.known_as}: not assigned, because {error.message}.")
                continue
        if db.session.scalar(select(CheckIn.id).where(CheckIn.learner_id == learner.id).limit(1)) is not None:
            continue
        demo.added(f"{mentor.name} as {learner.known_as}'s mentor, with {len(history)} check-ins.")
        for days_ago, hour, method, with_whom, made, wellbeing, engagement, notes, actions in history:
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

    ellie = learners.get("Ella Jones")
    if ellie is not None and db.session.get(LearnerSupport, ellie.id) is None:
        service.set_support(demo.users["coordinator.north"], ellie, SupportLevel.ENHANCED, None)

    kuba = learners.get("Jakub Novak")
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

    zara = learners.get("Zara Ali")
    if zara is not None and (
        db.session.scalar(select(SafeguardingConcern.id).where(SafeguardingConcern.learner_id == zara.id).limit(1))
        is None
    ):
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


@step(40)
def funding(demo: Demo) -> None:
    """The 2026/27 funding year with its rates, and the autumn census recorded, so budgets have balances."""
    from virtualacademy.services import funding as service

    admin = demo.users["admin"]
    year = service.year_starting(2026)
    if year is None:
        year = service.create_year(
            admin,
            2026,
            service.YearSettings(
                base_rate_pence=500_000,  # £5,000 a learner
                academy_share_bp=5_000,  # 50%
                core_topslice_bp=1_000,  # 10%
                mentor_topslice_bp=2_000,  # 20%
                coordinator_grant_pence=120_000,  # £1,200 a locality (a small demo academy)
                personal_budget_pence=30_000,  # £300 a learner
            ),
        )
        demo.added(f"The funding year {year.label}.")
    autumn = service.census_of(year, "autumn")
    if autumn.recorded_at is None and autumn.on_date <= clock.today():
        service.record_census(admin, autumn)
        demo.added(f"The {year.label} autumn census, so the budgets have money in them.")


#: Each demo learner's learning plan: (guardian key, legal name, mentor key, plan text, staff notes, goals as
#: (title, success, subject areas, target in days from today or None, status), review: None, "held" (Ellie's,
#: today, with new goals), "soon" (due in five days) or "overdue" (four days ago)).
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
    from datetime import timedelta

    from virtualacademy.models import GoalStatus, SubjectArea
    from virtualacademy.services import learning_plans as service

    today = clock.today()
    admin = demo.users["admin"]

    def subject(name: str) -> int:
        """A subject area by its stable key (so one renamed since is used as it is), made if missing."""
        key = f"subject:{_slug(name)}"
        area = demo.find(key, SubjectArea) or db.session.scalar(select(SubjectArea).where(SubjectArea.name == name))
        area = area or service.save_subject_area(admin, None, name)
        demo.remember(key, area)
        return area.id

    for guardian_key, legal_name, mentor_key, text, staff_notes, goals, review in DEMO_PLANS:
        guardian, mentor = demo.users[guardian_key], demo.users[mentor_key]
        learner = demo.learner(guardian_key, legal_name)
        if learner is None or guardian is None or service.plan_of(learner) is not None:
            continue
        demo.added(f"{learner.known_as}'s learning plan, with {len(goals)} goals.")
        service.save_plan(guardian, learner, **text, today=today)
        for title, success, subjects, target_in, status in goals:
            service.add_goal(
                guardian,
                learner,
                service.GoalInput(
                    title,
                    success,
                    [subject(s) for s in subjects],
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
            current = service.current_goals(plan)
            notes = {
                "Finish the Romans project poster": (
                    "Nearly done: the timeline is finished.",
                    "Add the map.",
                    "working_on_it",
                ),
                "Go to the library art group every week": ("Three weeks running.", "Keep going.", "achieved"),
                "Fractions and decimals": (
                    "Not started yet: the Romans came first.",
                    "Start after half-term.",
                    "not_yet",
                ),
            }
            service.record_review(
                mentor,
                learner,
                held_on=today,
                summary="Ellie led the review and showed us her poster. She wants to show it at the museum day.",
                goals=[
                    service.GoalReviewInput(g.id, GoalStatus(notes[g.title][2]), notes[g.title][0], notes[g.title][1])
                    for g in current
                    if g.title in notes
                ],
                new_goals=[
                    service.GoalInput(
                        "Show the Romans project at the museum day",
                        "Talks about it to visitors for five minutes.",
                        [subject("Humanities"), subject("English")],
                        today + timedelta(days=35),
                    )
                ],
                today=today,
            )
        elif review == "soon" and mentors_now:
            service.set_review_schedule(
                mentor, learner, plan.review_every_weeks, today + timedelta(days=5), today=today
            )
        elif review == "overdue":
            plan.next_review_on = today - timedelta(days=4)  # demo only: the service never sets a past date


#: The demo exam catalogue: (awarding body, type, subject, specification code, tiered, needs the centre to
#: supervise non-exam assessment or an endorsement, entry fee in pence). Fees are about what private candidates pay
#: the awarding body for summer 2027; the centre adds its own administration fee.
DEMO_QUALIFICATIONS = [
    ("aqa", "gcse", "Mathematics", "8300", True, False, 5_290),
    ("aqa", "gcse", "English Language", "8700", False, True, 5_290),
    ("aqa", "a_level", "Psychology", "7182", False, False, 13_145),
    ("pearson_edexcel", "igcse", "Mathematics A", "4MA1", True, False, 5_150),
    ("pearson_edexcel", "igcse", "English Language A", "4EA1", False, False, 5_150),
    ("ocr", "gcse", "Ancient History", "J198", False, False, 5_265),
    ("ocr", "a_level", "Biology A", "H420", False, True, 13_210),
    ("wjec_eduqas", "gcse", "Film Studies", "C680", False, True, 5_230),
    ("cambridge", "igcse", "First Language English", "0500", False, False, 6_020),
    ("cambridge", "igcse", "Computer Science", "0478", False, False, 6_020),
    ("cambridge", "igcse", "Biology", "0610", False, False, 6_020),
]

#: (key, name, entry deadline, late deadline, very-late cutoff, fee-free changes end, access deadline, first exam,
#: last exam, results day, A level results day, age rule: (age, on, applies to, reason) or None)
DEMO_SERIES = [
    (
        "november-2026",
        "November 2026",
        "2026-10-04",
        "2026-10-11",
        "2026-10-18",
        "2026-10-25",
        "2026-10-04",
        "2026-11-02",
        "2026-11-20",
        "2027-01-14",
        None,
        (
            16,
            "2026-08-31",
            "gcse",
            "The awarding bodies offer GCSE English Language and mathematics in November only to candidates aged 16 "
            "or over on 31 August, as a resit series (JCQ). International GCSEs have no such rule.",
        ),
    ),
    (
        "june-2027",
        "June 2027",
        "2027-02-21",
        "2027-03-21",
        "2027-04-21",
        "2027-04-21",
        "2027-02-21",
        "2027-05-10",
        "2027-06-25",
        "2027-08-19",
        "2027-08-12",
        None,
    ),
]

#: (key, name, centre number, address, postcode, locality key, admin fee, supervises NEA, family found,
#: arrangements provided, {series key: (seats, own access deadline)})
DEMO_CENTRES = [
    (
        "college",
        "Doncaster College (demo)",
        "99001",
        "The Hub, Chappell Drive, Doncaster",
        "DN1 2RF",
        "south",
        11_500,
        True,
        False,
        (
            "extra_time_25",
            "extra_time_more",
            "rest_breaks",
            "reader",
            "scribe",
            "word_processor",
            "separate_room",
        ),
        {"november-2026": (10, None), "june-2027": (20, "2027-01-24")},
    ),
    (
        "hub",
        "Thorne Learning Hub (demo)",
        "99002",
        "Fieldside, Thorne, Doncaster",
        "DN8 4BQ",
        "north",
        9_500,
        False,
        False,
        ("extra_time_25", "rest_breaks", "separate_room"),
        {"june-2027": (12, "2027-01-17")},
    ),
    (
        "sheffield",
        "Sheffield Tutorial Centre (found by the family)",
        None,
        "Ecclesall Road, Sheffield",
        "S11 8PR",
        None,
        7_500,
        False,
        True,
        ("extra_time_25",),
        {},
    ),
]

#: The timetable of the qualifications the demo enters: (series key, body, spec code, paper code, title, tier, date,
#: session, minutes, room).
DEMO_PAPERS = [
    ("november-2026", "cambridge", "0478", "0478/12", "Computer Systems", None, "2026-11-05", "pm", 105, None),
    (
        "november-2026",
        "cambridge",
        "0478",
        "0478/22",
        "Algorithms, Programming and Logic",
        None,
        "2026-11-10",
        "am",
        105,
        None,
    ),
    ("june-2027", "ocr", "J198", "J198/01", "Greek history", None, "2027-05-20", "pm", 105, "Main hall"),
    ("june-2027", "ocr", "J198", "J198/02", "Roman history", None, "2027-06-08", "am", 105, "Main hall"),
    ("june-2027", "cambridge", "0500", "0500/12", "Reading", None, "2027-05-12", "am", 120, "Room 4"),
    (
        "june-2027",
        "cambridge",
        "0500",
        "0500/22",
        "Directed Writing and Composition",
        None,
        "2027-05-19",
        "pm",
        120,
        "Room 4",
    ),
    ("june-2027", "aqa", "8300", "8300/1F", "Paper 1 (non-calculator)", "foundation", "2027-05-14", "am", 90, None),
    ("june-2027", "aqa", "8300", "8300/1H", "Paper 1 (non-calculator)", "higher", "2027-05-14", "am", 90, None),
    ("june-2027", "aqa", "8300", "8300/2F", "Paper 2 (calculator)", "foundation", "2027-06-03", "am", 90, None),
    ("june-2027", "aqa", "8300", "8300/2H", "Paper 2 (calculator)", "higher", "2027-06-03", "am", 90, None),
]


@step(60)
def exams(demo: Demo) -> None:
    """A small exam catalogue; the November 2026 and June 2027 series with their real-world dates (and November's
    age rule, as data); two centres and one a family found; an exams budget; readiness judgements (Ellie, 13,
    ready for GCSE Ancient History; Zara ready for IGCSE English with extra time; Kuba, 14, who sat IGCSE Computer
    Science in November at a centre his family found, and is not yet ready for GCSE maths); and their entries.
    Each part is added only if missing; an entry the series' dates no longer allow is skipped and said so."""
    from datetime import date

    from virtualacademy.models import (
        AccountKind,
        ArrangementEvidence,
        ArrangementType,
        AwardingBody,
        ExamCentre,
        ExamEntry,
        ExamPaper,
        ExamSeries,
        ExamSession,
        Qualification,
        QualificationType,
        Readiness,
        Tier,
        Transfer,
        TransferKind,
    )
    from virtualacademy.services import ledger
    from virtualacademy.services.exams import arrangements, catalogue, entries, readiness, results
    from virtualacademy.services.exams import series as series_service

    officer = demo.users.get("exams") or demo.users["admin"]
    if officer is None:
        demo.skipped("The exams demo: neither the exams officer's nor the admin's account is there.")
        return
    day = date.fromisoformat

    # The catalogue.
    qualifications, new = {}, 0
    for body, kind, subject, code, tiered, supervised, fee in DEMO_QUALIFICATIONS:
        found = db.session.scalar(
            select(Qualification).where(
                Qualification.awarding_body == AwardingBody(body), Qualification.spec_code == code
            )
        )
        if found is None:
            found = catalogue.save_qualification(
                officer,
                None,
                catalogue.QualificationInput(
                    AwardingBody(body), QualificationType(kind), subject, code, fee, tiered, supervised
                ),
            )
            new += 1
        qualifications[(body, code)] = found
    if new:
        demo.added(f"An exam catalogue of {new} qualifications (AQA, Pearson Edexcel, OCR, WJEC Eduqas, Cambridge).")

    # The series.
    series = {}
    for key, name, entry, late, cutoff, changes, aa, first, last, results_day, a_level, rule in DEMO_SERIES:
        found = demo.find(f"exam-series:{key}", ExamSeries) or db.session.scalar(
            select(ExamSeries).where(ExamSeries.name == name)
        )
        if found is None:
            age, on, applies, reason = rule or (None, None, None, None)
            found = series_service.save_series(
                officer,
                None,
                series_service.SeriesInput(
                    name=name,
                    entry_deadline=day(entry),
                    late_entry_deadline=day(late),
                    late_fee_pence=5_000,
                    very_late_cutoff=day(cutoff),
                    very_late_fee_pence=10_000,
                    changes_free_until=day(changes),
                    access_deadline=day(aa),
                    first_exam_on=day(first),
                    last_exam_on=day(last),
                    results_day=day(results_day),
                    a_level_results_day=day(a_level) if a_level else None,
                    age_rule_min_age=age,
                    age_rule_on=day(on) if on else None,
                    age_rule_applies_to=QualificationType(applies) if applies else None,
                    age_rule_reason=reason,
                ),
            )
            demo.added(f"The {name} exam series (entries close {entry}).")
        demo.remember(f"exam-series:{key}", found)
        series[key] = found

    # The centres, their seats and the timetable.
    centres = {}
    for key, name, number, address, postcode, locality, fee, nea, family, provides, seats in DEMO_CENTRES:
        found = demo.find(f"exam-centre:{key}", ExamCentre) or db.session.scalar(
            select(ExamCentre).where(ExamCentre.name == name)
        )
        if found is None:
            place = demo.localities.get(locality) if locality else None
            found = series_service.save_centre(
                officer,
                None,
                series_service.CentreInput(
                    name=name,
                    address=address,
                    postcode=postcode,
                    centre_number=number,
                    locality_id=place.id if place is not None else None,
                    admin_fee_pence=fee,
                    supervises_nea=nea,
                    family_found=family,
                    provides=[ArrangementType(p) for p in provides],
                ),
            )
            demo.added(f"The exam centre {name}.")
        demo.remember(f"exam-centre:{key}", found)
        centres[key] = found
        for series_key, (count, own_deadline) in seats.items():
            if series_service.capacity(found, series[series_key]) is None:
                series_service.set_capacity(
                    officer, found, series[series_key], count, day(own_deadline) if own_deadline else None
                )
    papers = 0
    for series_key, body, code, paper_code, title, tier, on, session, minutes, room in DEMO_PAPERS:
        qualification = qualifications[(body, code)]
        exists = db.session.scalar(
            select(ExamPaper.id).where(
                ExamPaper.qualification_id == qualification.id,
                ExamPaper.series_id == series[series_key].id,
                ExamPaper.paper_code == paper_code,
            )
        )
        if exists is None:
            series_service.save_paper(
                officer,
                qualification,
                series[series_key],
                series_service.PaperInput(
                    paper_code, title, day(on), ExamSession(session), minutes, Tier(tier) if tier else None, room
                ),
            )
            papers += 1
    if papers:
        demo.added(f"The timetable: {papers} exam papers.")

    # An exams budget: a grant for exam fees, posted once.
    budget_key = "demo:exams-grant:2026"
    if db.session.scalar(select(Transfer.id).where(Transfer.idempotency_key == budget_key)) is None:
        ledger.post(
            demo.users["admin"],
            ledger.funding_source(),
            ledger.central(AccountKind.CENTRAL_EXAMS),
            200_000,
            TransferKind.INCOME,
            "Exam fees grant 2026/27",
            budget_key,
        )
        demo.added("An exams budget of £2,000 (a grant for exam fees).")

    today = clock.today()

    def judged(guardian_key, legal_name, mentor_key, qualification, ready, evidence, still, tier, on, mocks):
        """The learner's current judgement for the qualification, recorded (and confirmed by the family) if there
        is none; None if the learner is not there or the judgement could not be made."""
        learner = demo.learner(guardian_key, legal_name)
        if learner is None:
            return None, None
        current = readiness.current_judgement(learner.id, qualification.id)
        if current is not None:
            return learner, current
        mentor = demo.users.get(mentor_key)
        try:
            with db.session.begin_nested():
                current = readiness.record_judgement(
                    mentor,
                    learner,
                    qualification,
                    judgement=Readiness.READY if ready else Readiness.NOT_YET,
                    evidence=evidence,
                    still_needed=still,
                    recommended_tier=tier,
                    mocks=[readiness.MockInput(min(day(d), today), p, r) for d, p, r in mocks],
                    judged_on=min(day(on), today),
                )
                parent = demo.users.get(guardian_key)
                if ready and parent is not None:
                    readiness.confirm_as_learner(parent, current)
                    readiness.confirm_as_guardian(parent, current)
        except DomainError as error:
            demo.skipped(
                f"{learner.known_as}'s readiness for {qualification.subject}: not recorded, because {error.message}."
            )
            return learner, None
        word = "ready" if ready else "not yet ready"
        demo.added(f"{learner.known_as} judged {word} for {qualification.title}.")
        return learner, current

    def entered(learner, qualification, series_key, centre_key, *, on=None):
        """The learner's entry (any state) for the qualification in the series, made if there is none."""
        target = series[series_key]
        existing = db.session.scalar(
            select(ExamEntry)
            .where(
                ExamEntry.learner_id == learner.id,
                ExamEntry.qualification_id == qualification.id,
                ExamEntry.series_id == target.id,
            )
            .order_by(ExamEntry.id.desc())
        )
        if existing is not None:
            return existing, False
        try:
            with db.session.begin_nested():
                entry = entries.create_entry(officer, learner, qualification, target, centres[centre_key], today=on)
        except DomainError as error:
            demo.skipped(
                f"{learner.known_as}'s entry for {qualification.subject} in {target.name}: not made, because "
                f"{error.message}."
            )
            return None, False
        demo.added(
            f"{learner.known_as} entered for {qualification.title} in {target.name} at {centres[centre_key].name}."
        )
        return entry, True

    # Ellie, 13: ready for GCSE Ancient History (the Romans); not yet for maths.
    ellie, judgement = judged(
        "guardian.jones",
        "Ella Jones",
        "mentor.amara",
        qualifications[("ocr", "J198")],
        True,
        "Ellie's Romans project covers the Roman history paper in depth; two past papers under timed conditions, "
        "marked by her tutor.",
        None,
        None,
        "2027-01-12",
        [("2026-12-08", "June 2024 J198/02 Roman history", "61/90"), ("2027-01-05", "June 2023 J198/01", "58/90")],
    )
    if ellie is not None and judgement is not None:
        entered(ellie, qualifications[("ocr", "J198")], "june-2027", "hub")
    judged(
        "guardian.jones",
        "Ella Jones",
        "mentor.amara",
        qualifications[("aqa", "8300")],
        False,
        "Working through the foundation topics with her tutor.",
        "Fractions, ratio and algebra: revisit in the spring.",
        None,
        "2027-01-12",
        [],
    )

    # Zara: ready for IGCSE First Language English, with 25% extra time and a separate room (EHCP).
    zara, judgement = judged(
        "guardian.ali",
        "Zara Ali",
        "mentor.chloe",
        qualifications[("cambridge", "0500")],
        True,
        "A vivid writer: two directed-writing mocks marked by an examiner, and her story portfolio.",
        None,
        None,
        "2027-01-20",
        [("2026-12-15", "Specimen 0500/12 Reading", "52/80"), ("2027-01-14", "Specimen 0500/22 Writing", "60/80")],
    )
    if zara is not None and judgement is not None:
        june = series["june-2027"]
        if not arrangements.arrangements_of(zara, june):
            for kind, note in (
                (ArrangementType.EXTRA_TIME_25, "EHCP section F: 25% extra time in all timed assessments."),
                (ArrangementType.SEPARATE_ROOM, "EHCP: anxiety in large groups; works best in a small room."),
            ):
                arrangements.add_arrangement(officer, zara, june, kind, ArrangementEvidence.EHCP, evidence_note=note)
            demo.added("Zara's access arrangements for June 2027 (25% extra time, a separate room).")
        entry, made = entered(zara, qualifications[("cambridge", "0500")], "june-2027", "college")
        if entry is not None and made:
            entries.confirm_entered(officer, entry, "0107", "99001A2701070")

    # Kuba, 14: sat IGCSE Computer Science in November 2026 at a centre his family found (the academy paid).
    kuba, judgement = judged(
        "guardian.novak",
        "Jakub Novak",
        "mentor.ben",
        qualifications[("cambridge", "0478")],
        True,
        "Kuba's platform game and two past papers; his coding is well beyond the specification.",
        None,
        None,
        "2026-09-10",
        [("2026-09-03", "June 2025 0478/12", "68/75")],
    )
    november = series["november-2026"]
    if kuba is not None and judgement is not None:
        entry, made = entered(
            kuba, qualifications[("cambridge", "0478")], "november-2026", "sheffield", on=day("2026-09-20")
        )
        if entry is not None and made:
            entries.confirm_entered(officer, entry, "0311", "99003A2603111")
            if today >= november.first_exam_on:
                entries.mark_sat(officer, entry, today=day("2026-11-10"))
            if today >= november.results_day:
                results.record_result(officer, entry, "7", result_on=november.results_day)
                demo.added("Kuba's IGCSE Computer Science result (grade 7), on his record of achievement.")
    judged(
        "guardian.novak",
        "Jakub Novak",
        "mentor.ben",
        qualifications[("aqa", "8300")],
        False,
        "Fractions with Helen on Tuesdays; good progress on number.",
        "Fractions and algebra; a full past paper under timed conditions.",
        None,
        "2027-01-15",
        [],
    )


# --- the locality community ----------------------------------------------------------------------------------

#: (key, locality key or None for academy-wide, title, type, days from today, London hour, hours, places,
#: venue, guardians attend, subject areas, description)
DEMO_EVENTS = [
    (
        "forest-school",
        "north",
        "Forest school morning",
        "enrichment_club",
        9,
        10,
        3,
        12,
        "Sandall Beat Wood, Doncaster",
        False,
        ("Sciences", "Physical"),
        "Shelter building, **tree identification** and a campfire snack.\n\n- wellies\n- waterproofs",
    ),
    (
        "museum-trip",
        None,
        "Science museum trip",
        "trip",
        16,
        9,
        7,
        2,
        "National Science and Media Museum, Bradford",
        True,
        ("Sciences", "Technology"),
        "A coach from Doncaster Interchange at 09:00. Places are few: join the waiting list if it is full.",
    ),
    (
        "coding-club",
        "south",
        "Coding club",
        "online_session",
        5,
        16,
        1,
        8,
        None,
        False,
        ("Technology",),
        "Making a platform game together in Python. Beginners welcome.",
    ),
]
#: (event key, guardian key, learner's legal name): in this order, so the trip's last two wait.
DEMO_BOOKINGS = [
    ("museum-trip", "guardian.jones", "Ella Jones"),
    ("museum-trip", "guardian.jones", "Noah Jones"),
    ("museum-trip", "guardian.ali", "Zara Ali"),
    ("museum-trip", "guardian.novak", "Jakub Novak"),
    ("forest-school", "guardian.jones", "Ella Jones"),
    ("coding-club", "guardian.novak", "Jakub Novak"),
]


@step(70)
def community(demo: Demo) -> None:
    """Events (an academy-wide trip that is full, with a waiting list), bookings, an opportunity with Ellie's
    interest, an announcement and a conversation between the Joneses and Ellie's mentor, all through the
    community services. Each is added only if missing."""
    made = {spec[0]: _demo_event(demo, spec) for spec in DEMO_EVENTS}
    _demo_bookings(demo, made)
    _demo_opportunity(demo)
    _demo_announcement(demo)
    _demo_conversation(demo)


def _demo_event(demo: Demo, spec: tuple):
    from datetime import datetime, timedelta

    from virtualacademy.models import Event, EventType, SubjectArea
    from virtualacademy.services.community import events

    key, place, title, kind, days, hour, hours, places, venue, together, subject_names, text = spec
    found = demo.find(f"community-event:{key}", Event)
    if found is not None:
        return found
    actor = demo.users.get(f"coordinator.{place}") if place else demo.users.get("admin")
    locality = demo.localities.get(place) if place else None
    if actor is None or (place and locality is None):
        demo.skipped(f"The event {title}: its coordinator or locality is not there.")
        return None
    day = clock.today() + timedelta(days=days)
    starts = datetime(day.year, day.month, day.day, hour, tzinfo=clock.LONDON)
    subjects = db.session.scalars(select(SubjectArea.id).where(SubjectArea.name.in_(subject_names))).all()
    data = events.EventInput(
        title=title,
        event_type=EventType(kind),
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        capacity=places,
        booking_closes_at=starts - timedelta(days=1),
        cancel_closes_at=starts - timedelta(days=2),
        locality_id=locality.id if locality else None,
        description=text,
        venue=venue,
        online_link="https://meet.example.org/coding-club" if kind == "online_session" else None,
        guardians_attend=together,
        subject_ids=list(subjects),
        suitable_for="Anyone curious; no experience needed.",
        accessibility="Step-free access; tell us about anything else you need.",
    )
    try:
        with db.session.begin_nested():
            event = events.create_event(actor, data)
            events.publish(actor, event)
    except DomainError as error:
        demo.skipped(f"The event {title}: not made, because {error.message}.")
        return None
    demo.remember(f"community-event:{key}", event)
    demo.added(f"The event {title} ({places} places).")
    return event


def _demo_bookings(demo: Demo, made: dict) -> None:
    from virtualacademy.models import Booking, BookingState
    from virtualacademy.services.community import bookings

    for event_key, guardian_key, legal_name in DEMO_BOOKINGS:
        event, guardian, learner = (
            made.get(event_key),
            demo.users.get(guardian_key),
            demo.learner(guardian_key, legal_name),
        )
        if event is None or guardian is None or learner is None:
            continue
        exists = db.session.scalar(
            select(Booking.id).where(Booking.event_id == event.id, Booking.learner_id == learner.id)
        )
        if exists is not None:
            continue
        try:
            with db.session.begin_nested():
                booking = bookings.book(guardian, event, learner=learner)
        except DomainError as error:
            demo.skipped(f"{learner.known_as}'s place at {event.title}: not booked, because {error.message}.")
            continue
        how = "on the waiting list for" if booking.state is BookingState.WAITING else "booked for"
        demo.added(f"{learner.known_as} {how} {event.title}.")


def _demo_opportunity(demo: Demo) -> None:
    from datetime import timedelta

    from virtualacademy.models import Opportunity, OpportunityKind
    from virtualacademy.services.community import opportunities

    coordinator, north = demo.users.get("coordinator.north"), demo.localities.get("north")
    if demo.find("community-opportunity:farm", Opportunity) is not None or coordinator is None or north is None:
        return
    opportunity = opportunities.save_opportunity(
        coordinator,
        None,
        opportunities.OpportunityInput(
            title="Animal care at Bentley City Farm",
            kind=OpportunityKind.INTERNSHIP,
            host_organisation="Bentley City Farm",
            contact_name="Jo Fields",
            contact_email="jo.fields@farm.example.org",
            interests="animals, farming, outdoors, science",
            locality_id=north.id,
            description="Help the keepers with feeding, mucking out and health checks.",
            host_checked_on=clock.today() - timedelta(days=90),
            location="Bentley, DN5",
            time_commitment="Tuesday mornings for six weeks",
            places=2,
        ),
    )
    demo.remember("community-opportunity:farm", opportunity)
    demo.added("The opportunity Animal care at Bentley City Farm.")
    ellie, parent = demo.learner("guardian.jones", "Ella Jones"), demo.users.get("guardian.jones")
    if ellie is not None and parent is not None:
        opportunities.express_interest(parent, opportunity, ellie, "Ellie wants to be a vet.")
        demo.added("Ellie's interest in the farm placement, waiting for the coordinator.")


def _demo_announcement(demo: Demo) -> None:
    from virtualacademy.models import Announcement
    from virtualacademy.services.community import announcements

    coordinator, north = demo.users.get("coordinator.north"), demo.localities.get("north")
    if demo.find("community-announcement:welcome", Announcement) is not None or coordinator is None or north is None:
        return
    made = announcements.post(
        coordinator,
        north,
        "Spring programme is out",
        "Forest school, a museum trip and more: see **Events**. Tell me what you would like next term.",
    )
    demo.remember("community-announcement:welcome", made)
    demo.added("An announcement to Doncaster North's families.")


def _demo_conversation(demo: Demo) -> None:
    from virtualacademy.models import Conversation
    from virtualacademy.services.community import access, conversations

    parent, mentor = demo.users.get("guardian.jones"), demo.users.get("mentor.amara")
    ellie = demo.learner("guardian.jones", "Ella Jones")
    if demo.find("community-conversation:ellie", Conversation) is not None or None in (parent, mentor, ellie):
        return
    if not access.may_talk(mentor, ellie):
        demo.skipped("The conversation about Ellie: Amara is not her mentor now.")
        return
    thread = conversations.start(
        parent, ellie, "The museum trip", "Ellie would love to go on the museum trip. Is it suitable for her?"
    )
    conversations.post(mentor, thread, "It would suit her well: there is a quiet room. I'll mention it to Priya.")
    demo.remember("community-conversation:ellie", thread)
    demo.added("A conversation between the Joneses and Ellie's mentor.")
