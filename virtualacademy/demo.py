"""Demo data for ``flask --app wsgi seed-demo``.

Each module adds a step with ``@step(order)``; a step must be safe to run twice
(get-or-create). Steps receive the :class:`Demo` being built and may add accounts
to print.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from virtualacademy.extensions import db
from virtualacademy.models import Role, User, UserRole
from virtualacademy.services import accounts

#: Every demo account has this password (shown by the command; never used in production).
DEMO_PASSWORD = "learning-together-2026"  # noqa: S105 - demo data only
DEMO_DOMAIN = "demo.example.org"


@dataclass
class Demo:
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (roles, email, password)
    users: dict[str, User] = field(default_factory=dict)  # by short key
    localities: dict[str, object] = field(default_factory=dict)  # by name

    def user(self, key: str, name: str, roles: tuple[Role, ...]) -> User:
        """Get or create a demo account ``<key>@demo.example.org`` with the demo password."""
        email = f"{key}@{DEMO_DOMAIN}"
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = accounts.create_user(email, name, roles, password=DEMO_PASSWORD)
        else:
            missing = set(roles) - set(user.roles)
            user.role_links.extend(UserRole(role=r) for r in sorted(missing))
            user.active = True
        self.users[key] = user
        self.accounts.append((", ".join(r.label for r in roles), email, DEMO_PASSWORD))
        return user


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


@step(10)
def localities(demo: Demo) -> None:
    from virtualacademy.models import Locality, LocalityRole
    from virtualacademy.services import localities as service

    admin = demo.users["admin"]
    plan = [
        ("Doncaster North", "DN5, DN6, DN7", "coordinator.north", ["mentor.amara", "mentor.ben"]),
        ("Doncaster South", "DN4, DN11, DN12", "coordinator.south", ["mentor.ben", "mentor.chloe"]),
    ]
    for name, districts, coordinator, mentors in plan:
        locality = db.session.scalar(select(Locality).where(Locality.name == name))
        if locality is None:
            locality = service.save_locality(admin, None, name, districts)
        wanted_coordinators = [demo.users[coordinator].id]
        wanted_mentors = [demo.users[m].id for m in mentors]
        current = {(s.user_id, s.role) for s in locality.staff}
        wanted = {(u, LocalityRole.COORDINATOR) for u in wanted_coordinators} | {
            (u, LocalityRole.MENTOR) for u in wanted_mentors
        }
        if current != wanted:
            service.set_staff(admin, locality, wanted_coordinators, wanted_mentors)
        demo.localities[name] = locality


DEMO_FAMILIES = [
    # (guardian key, locality, address, children: (legal name, preferred, born, reason, send, fsm))
    (
        "guardian.jones",
        "Doncaster North",
        ("14 Church Lane", "Bentley", "DN5 9QR"),
        [
            ("Ella Jones", "Ellie", "2013-05-14", "health", "sen_support", True),
            ("Noah Jones", "", "2016-09-02", "philosophical", "none", True),
        ],
    ),
    (
        "guardian.ali",
        "Doncaster South",
        ("7 Balby Road", "Doncaster", "DN4 0RB"),
        [
            ("Zara Ali", "", "2011-11-30", "left_under_pressure", "ehcp", False),
        ],
    ),
    (
        "guardian.novak",
        "Doncaster South",
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

    from virtualacademy.models import Application, ApplicationStatus, Guardian
    from virtualacademy.models.base import utcnow
    from virtualacademy.services import families as service

    admin = demo.users["admin"]
    for number, (key, locality_name, (line_1, town, postcode), children) in enumerate(DEMO_FAMILIES, start=1):
        user = demo.users[key]
        if db.session.scalar(select(Guardian.id).where(Guardian.user_id == user.id)) is not None:
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
            reference=f"VA-DEMO{number:02d}",
            email=user.email,
            answers=answers,
            status=ApplicationStatus.SUBMITTED,
            submitted_at=utcnow(),
            user_id=user.id,
        )
        db.session.add(application)
        db.session.flush()
        service.accept(admin, application, date(2026, 9, 1), demo.localities[locality_name])

    waiting_email = f"new.family@{DEMO_DOMAIN}"
    if db.session.scalar(select(Application.id).where(Application.email == waiting_email)) is None:
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
            date.today(),
        )
        service.save_declaration(draft, True)
        service.submit(draft)
