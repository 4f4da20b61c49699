"""Demo staff, guardians and localities."""

from __future__ import annotations

from sqlalchemy import select

from virtualacademy.demo.core import Demo, step
from virtualacademy.errors import DomainError
from virtualacademy.extensions import db
from virtualacademy.models import Role


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
