"""Every action the code asks about has a registered rule, and asking about one that has none raises.

The code is read, not run: every ``can(user, "action", obj)`` and ``get_or_404(Model, id, "action")`` in the
package (and any ``can(...)`` in a template), with actions passed through a helper's parameter followed to the
helper's callers. Then the running app's URL map is walked to check each view lives in a module that was read.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

import virtualacademy
import virtualacademy.models
import virtualacademy.policies
from tests.factories import ApplicationFactory, FundingYearFactory, LearnerFactory, LocalityFactory, UserFactory
from virtualacademy.models import Family, Learner, Role, Transfer
from virtualacademy.policies import (
    DOMAINS,
    UnknownAction,
    UnknownScope,
    can,
    get_or_404,
    registered_rules,
    scoped,
)

PACKAGE = Path(virtualacademy.__file__).parent
TEMPLATES = PACKAGE.parent / "templates"
CHECKS = {"can", "get_or_404"}


@dataclass(frozen=True)
class Use:
    where: str
    check: str
    action: str
    model: str | None  # the model's name when the code says it (get_or_404), else None


def _callee(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and not (isinstance(func.value, ast.Name) and func.value.id == "db"):
        return func.attr  # policies.can(...), but never Flask-SQLAlchemy's db.get_or_404
    return None


def _argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == name), None)


def _helper_values(tree: ast.Module, function: ast.FunctionDef, parameter: str) -> list[ast.expr]:
    """What ``parameter`` of ``function`` can be: its default and every value its callers in the module pass."""
    params = [*function.args.posonlyargs, *function.args.args]
    names = [p.arg for p in params]
    if parameter not in names:
        return []
    index = names.index(parameter)
    values: list[ast.expr] = []
    defaults = function.args.defaults
    first_default = len(params) - len(defaults)
    if index >= first_default:
        values.append(defaults[index - first_default])
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _callee(node) == function.name:
            value = _argument(node, index, parameter)
            if value is not None:
                values.append(value)
    return values


def _uses_in(path: Path) -> tuple[list[Use], list[str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    where = str(path.relative_to(PACKAGE.parent))
    enclosing: dict[ast.AST, ast.FunctionDef] = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef):
            for node in ast.walk(function):
                enclosing.setdefault(node, function)
    uses, unresolved = [], []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _callee(node) not in CHECKS:
            continue
        check = _callee(node)
        if check == "can":
            action, model = _argument(node, 1, "action"), None
        else:
            action = _argument(node, 2, "action") or ast.Constant("view")
            model_node = _argument(node, 0, "model")
            model = model_node.id if isinstance(model_node, ast.Name) else None
        candidates = [action]
        if isinstance(action, ast.Name) and node in enclosing:
            candidates = _helper_values(tree, enclosing[node], action.id)
        literal = [c.value for c in candidates if isinstance(c, ast.Constant) and isinstance(c.value, str)]
        if not literal or len(literal) != len(candidates):
            unresolved.append(f"{where}:{node.lineno}")
            continue
        uses.extend(Use(f"{where}:{node.lineno}", check, a, model) for a in literal)
    return uses, unresolved


def _code_uses() -> tuple[list[Use], list[str]]:
    uses, unresolved = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "policies" in path.relative_to(PACKAGE).parts[:1]:
            continue  # the registry's own definitions
        found, missing = _uses_in(path)
        uses += found
        unresolved += missing
    return uses, unresolved


_TEMPLATE_CAN = re.compile(r"""\bcan\(\s*[\w.]+\s*,\s*["'](\w+)["']""")


def _template_uses() -> list[Use]:
    return [
        Use(f"{path.relative_to(TEMPLATES)}", "can", action, None)
        for path in sorted(TEMPLATES.rglob("*.html"))
        for action in _TEMPLATE_CAN.findall(path.read_text())
    ]


def test_every_action_the_code_asks_about_has_a_rule(app):
    uses, unresolved = _code_uses()
    uses += _template_uses()
    assert not unresolved, f"actions the test cannot read (pass a string, or a helper's parameter): {unresolved}"
    assert len([u for u in uses if u.check == "get_or_404"]) > 50 and len([u for u in uses if u.check == "can"]) > 10
    rules = registered_rules()
    actions = {action for _model, action in rules}
    missing = []
    for use in uses:
        if use.model is None:
            if use.action not in actions:
                missing.append(use)
            continue
        model = getattr(virtualacademy.models, use.model, None)
        if model is None or (model, use.action) not in rules:
            missing.append(use)
    assert not missing, "no rule registered for: " + ", ".join(f"{u.where} {u.model} {u.action!r}" for u in missing)


def test_every_view_is_in_a_module_that_was_read(app):
    read = {str(p) for p in PACKAGE.rglob("*.py")}
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        module = importlib.import_module(view.__module__)
        assert module.__file__ in read, endpoint


def test_every_rule_module_is_loaded():
    here = Path(virtualacademy.policies.__file__).parent
    modules = {m.name for m in pkgutil.iter_modules([str(here)])}
    assert modules - {"registry", "relations"} == set(DOMAINS)


def test_an_action_with_no_rule_raises_rather_than_falling_back_to_admins(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    learner = LearnerFactory()
    with pytest.raises(UnknownAction, match="'veiw' on Learner"):
        can(admin, "veiw", learner)
    with pytest.raises(UnknownAction):
        can(None, "veiw", learner)  # even for someone signed out
    with pytest.raises(UnknownAction):
        get_or_404(Learner, 10**9, "veiw", user=admin)  # even when there is nothing to find
    with pytest.raises(UnknownScope, match="Family"):
        scoped(admin, select(Family))
    assert can(admin, "view", learner)


def test_what_used_to_fall_back_to_admins_is_registered_as_admin_only(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    learner = LearnerFactory()
    year = FundingYearFactory()
    objects = {
        "review": ApplicationFactory(),
        "family": learner.family,
        "learner": learner,
        "locality": LocalityFactory(),
        "year": year,
    }
    others = [UserFactory(roles=[role]) for role in Role if role is not Role.ADMIN]
    for obj in objects.values():
        action = "review" if obj is objects["review"] else "manage"
        assert can(admin, action, obj), obj
        assert not any(can(user, action, obj) for user in others), obj
    assert (Transfer, "manage") in registered_rules()  # (a transfer is only reached through its year's pages)
