"""Who may see and do what: the one access policy.

* :mod:`~virtualacademy.policies.registry` - ``requires_roles``, ``can``, ``scoped``, ``get_or_404`` and the
  ``@rule`` / ``@scope`` registrations they look up.
* :mod:`~virtualacademy.policies.relations` - how a user is related to a learner (its ``relations()`` is
  imported from there: the package's name ``relations`` is that module).
* One module per domain registers that domain's rules: ``accounts``, ``families``, ``localities``,
  ``mentoring``, ``funding``, ``learning_plans``, ``learning_log``, ``safeguarding``.
"""

from virtualacademy.policies.families import learner_records
from virtualacademy.policies.registry import (
    DOMAINS,
    UnknownAction,
    UnknownScope,
    admin_only,
    can,
    get_or_404,
    has_any_role,
    load_rules,
    registered_rules,
    registered_scopes,
    requires_roles,
    rule,
    rule_for,
    scope,
    scope_for,
    scoped,
)
from virtualacademy.policies.relations import (
    FAMILY,
    SEES,
    Relation,
    coordinates,
    is_related,
    only_related,
    related_learner_ids,
)

__all__ = [
    "DOMAINS",
    "FAMILY",
    "SEES",
    "Relation",
    "UnknownAction",
    "UnknownScope",
    "admin_only",
    "can",
    "coordinates",
    "get_or_404",
    "has_any_role",
    "is_related",
    "learner_records",
    "load_rules",
    "only_related",
    "registered_rules",
    "registered_scopes",
    "related_learner_ids",
    "requires_roles",
    "rule",
    "rule_for",
    "scope",
    "scope_for",
    "scoped",
]
