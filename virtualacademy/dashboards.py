"""Dashboard panels per role. Each module registers the panels it contributes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup

from virtualacademy.models.accounts import ROLE_LABELS, Role


@dataclass(frozen=True)
class Panel:
    role: Role
    title: str
    #: Template rendered inside the panel; receives ``user`` and whatever ``context`` returns.
    template: str
    context: Callable[[object], dict] | None = None
    order: int = 50


_PANELS: list[Panel] = []


def register(panel: Panel) -> None:
    _PANELS.append(panel)
    _PANELS.sort(key=lambda p: (p.order, p.title))


def sections_for(user) -> list[dict]:
    """One section per role the user holds, in a fixed role order, each with its panels."""
    sections = []
    for role in Role:
        if role not in user.roles:
            continue
        panels = []
        for panel in _PANELS:
            if panel.role is role:
                context = panel.context(user) if panel.context else {}
                # render_template autoescapes: its output is safe HTML.
                html = Markup(render_template(panel.template, user=user, **context))  # noqa: S704
                panels.append({"panel": panel, "html": html})
        sections.append({"role": role, "label": ROLE_LABELS[role], "panels": panels})
    return sections


for _role in Role:
    register(Panel(_role, "Getting started", f"dashboard/{_role.value}.html", order=0))
