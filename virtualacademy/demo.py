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
