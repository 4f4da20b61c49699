"""The registry of access rules and the three checks every view uses.

* **Role checks** - ``@requires_roles(Role.ADMIN)`` on a view: anonymous visitors are sent
  to sign in, signed-in users without the role get 403.
* **Object checks** - ``can(user, "view", obj)`` asks the rule registered for that
  object's type with ``@rule(Model, "view")`` (or ``admin_only(Model, "manage")``); views use
  ``get_or_404`` so an object outside the user's reach is a 404 and its existence does not leak.
* **Scoped queries** - ``scoped(user, select(Model))`` narrows a list query to the rows
  the user may see, using the scope registered with ``@scope(Model)``. Every list page
  uses it.

Every action is registered explicitly: asking about an action, or scoping a model, that has no rule raises
:class:`UnknownAction` / :class:`UnknownScope` (never a silent "admins only"), so a misspelt action fails the
first time it is asked about; ``tests/test_policy_registry.py`` finds every action the code asks about and
checks each has a rule.

The rules themselves are registered by one module per domain in this package (:data:`DOMAINS`). Those
modules import their services, and services import :mod:`virtualacademy.policies.relations`, so the domain
modules cannot all be imported with this package: :func:`load_rules` imports them the first time a rule is
asked for, which makes the registry complete whichever module was imported first.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select, false

from virtualacademy.extensions import db
from virtualacademy.models import Role, User

T = TypeVar("T")

#: The modules of this package that register rules, one per domain.
DOMAINS = (
    "accounts",
    "families",
    "localities",
    "mentoring",
    "funding",
    "learning_plans",
    "learning_log",
    "safeguarding",
    "exams",
    "community",
    "progress_reports",
)


class UnknownAction(LookupError):
    """No rule is registered for this action on this model (a misspelt or forgotten action)."""


class UnknownScope(LookupError):
    """No scope is registered for this model, so its rows cannot be listed."""


_RULES: dict[tuple[type, str], Callable[[User, Any], bool]] = {}
_SCOPES: dict[type, Callable[[User, Select], Select]] = {}
_loaded = False


def load_rules() -> None:
    """Import every domain's rules (once)."""
    global _loaded
    if not _loaded:
        for name in DOMAINS:
            importlib.import_module(f"virtualacademy.policies.{name}")
        _loaded = True


def requires_roles(*roles: Role):
    """View decorator: signed in, and holding at least one of ``roles``."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not has_any_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def has_any_role(user: User | None, *roles: Role) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.has_role(*roles))


def rule(model: type, action: str):
    """Register ``func(user, obj) -> bool`` as the rule for ``action`` on ``model``."""

    def decorator(func: Callable[[User, Any], bool]):
        _RULES[(model, action)] = func
        return func

    return decorator


def admin_only(model: type, action: str) -> None:
    """Register ``action`` on ``model`` as something only admins may do."""
    rule(model, action)(_admin)


def _admin(user: User, obj: Any) -> bool:
    return user.has_role(Role.ADMIN)


def scope(model: type):
    """Register ``func(user, stmt) -> stmt`` narrowing queries of ``model`` to what the user may see."""

    def decorator(func: Callable[[User, Select], Select]):
        _SCOPES[model] = func
        return func

    return decorator


def rule_for(model: type, action: str) -> Callable[[User, Any], bool]:
    """The rule registered for ``action`` on ``model``; :class:`UnknownAction` if there is none."""
    load_rules()
    check = _RULES.get((model, action))
    if check is None:
        raise UnknownAction(f"No rule for {action!r} on {model.__name__}: register one in virtualacademy/policies/")
    return check


def scope_for(model: type) -> Callable[[User, Select], Select]:
    """The scope registered for ``model``; :class:`UnknownScope` if there is none."""
    load_rules()
    narrow = _SCOPES.get(model)
    if narrow is None:
        raise UnknownScope(f"No scope for {model.__name__}: register one in virtualacademy/policies/")
    return narrow


def registered_rules() -> set[tuple[type, str]]:
    """Every (model, action) with a rule."""
    load_rules()
    return set(_RULES)


def registered_scopes() -> set[type]:
    """Every model with a scope."""
    load_rules()
    return set(_SCOPES)


def can(user: User | None, action: str, obj: Any) -> bool:
    check = rule_for(type(obj), action)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(check(user, obj))


def scoped(user: User | None, stmt: Select, model: type | None = None) -> Select:
    """``stmt`` narrowed to the rows of ``model`` (default: the first entity selected) the user may see."""
    if model is None:
        model = stmt.column_descriptions[0]["entity"]
    narrow = scope_for(model)
    if user is None or not getattr(user, "is_authenticated", False):
        return stmt.where(false())
    return narrow(user, stmt)


def get_or_404(model: type[T], ident: Any, action: str = "view", user: User | None = None) -> T:
    """Load ``model`` by primary key for ``action``; 404 if missing or not allowed (an action with no rule
    raises :class:`UnknownAction` whether or not the object exists)."""
    rule_for(model, action)
    user = user if user is not None else current_user
    obj = db.session.get(model, ident)
    if obj is None or not can(user, action, obj):
        abort(404)
    return obj
