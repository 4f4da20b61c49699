"""Role-appropriate navigation. Each module registers its own entries."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import request, url_for
from markupsafe import Markup, escape

from virtualacademy.models.accounts import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    #: Shown to users holding any of these roles; empty means every signed-in user.
    roles: tuple[Role, ...] = ()
    order: int = 50
    #: Regular expressions for the paths of the section this entry leads to: on any of them the entry is shown
    #: as the current one (``aria-current``), as well as on its own page.
    sections: tuple[str, ...] = ()
    #: How many things wait for the user there (unread messages): shown after the label when not zero.
    count: Callable[[object], int] | None = None

    def is_current(self, path: str, href: str) -> bool:
        return path == href or any(re.match(pattern, path) for pattern in self.sections)


_ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    if item not in _ITEMS:
        _ITEMS.append(item)
        _ITEMS.sort(key=lambda i: i.order)


def items_for(user) -> list[dict]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    items = []
    for item in _ITEMS:
        if item.roles and not user.has_role(*item.roles):
            continue
        href = url_for(item.endpoint)
        entry = {"text": item.label, "href": href, "active": item.is_current(request.path, href)}
        waiting = item.count(user) if item.count else 0
        if waiting:
            entry["html"] = Markup(  # noqa: S704  (the label escaped, the count an int)
                f'{escape(item.label)} <span class="va-count">{int(waiting)}</span>'
                '<span class="govuk-visually-hidden"> unread</span>'
            )
        items.append(entry)
    return items


register(NavItem("Dashboard", "main.dashboard", order=0))
register(NavItem("Users", "admin.users", roles=(Role.ADMIN,), order=90, sections=(r"/admin/users",)))
register(NavItem("Audit log", "admin.audit_log", roles=(Role.ADMIN,), order=95, sections=(r"/admin/audit",)))
