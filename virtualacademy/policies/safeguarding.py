"""Who may see and do what with safeguarding concerns.

The rules themselves live in ``services/safeguarding.py`` (the service enforces the same ones); this module
only registers them, so ``can()``, ``get_or_404()`` and ``scoped()`` use them.

* A concern: a safeguarding lead sees and acts on every one; the member of staff who raised it sees it
  (their own report and its status); nobody else, admins included, so for them it is a 404.
* Its chronology (:class:`ConcernEntry`): safeguarding leads only. Without these registrations an admin would
  pass ``can()`` and ``scoped()`` by default.
* A learner, for ``raise_concern``: any member of staff, about a learner whose enrolment has not ended. This
  lets staff name a child they may not otherwise see; the page shows only the name, family reference and
  locality.
"""

from __future__ import annotations

from sqlalchemy import Select

from virtualacademy.models import ConcernEntry, Learner, SafeguardingConcern, User
from virtualacademy.policies.registry import rule, scope
from virtualacademy.services import safeguarding


@rule(SafeguardingConcern, "view")
def _view_concern(user: User, concern: SafeguardingConcern) -> bool:
    return safeguarding.may_view(user, concern)


@rule(SafeguardingConcern, "act")
def _act_on_concern(user: User, concern: SafeguardingConcern) -> bool:
    return safeguarding.may_act(user, concern)


@scope(SafeguardingConcern)
def _concerns_scope(user: User, stmt: Select) -> Select:
    return safeguarding.visible(user, stmt)


@rule(ConcernEntry, "view")
def _view_entry(user: User, entry: ConcernEntry) -> bool:
    return safeguarding.may_act(user, entry.concern)


@scope(ConcernEntry)
def _entries_scope(user: User, stmt: Select) -> Select:
    return safeguarding.visible_entries(user, stmt)


@rule(Learner, "raise_concern")
def _raise_concern_about(user: User, learner: Learner) -> bool:
    return safeguarding.may_raise(user) and safeguarding.is_enrolled(learner)
