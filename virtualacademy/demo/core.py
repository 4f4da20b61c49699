"""The demo seed's machinery: the :class:`Demo` run, ``@step`` registration and :func:`seed`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

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
