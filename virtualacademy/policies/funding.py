"""Who may see and do what with budgets, spending requests and statements.

The rules live in ``services/spending.py`` (the service enforces the same ones); this module only registers
them, so ``can()``, ``get_or_404()`` and ``scoped()`` use them.

* A learner's budget (``Learner``, ``"budget"``): the family (guardians and the learner's own account), the
  learner's mentor (current, or handed over in the last 30 days), the locality's coordinator, admins.
* Asking to spend (``Learner``, ``"request_spend"``): a guardian of the learner, or the learner's own account.
* A spend request (``"view"``): whoever may see the learner's budget. ``"decide"``: the learner's current
  mentor, the locality's coordinator or an admin, never someone in the learner's own family (whether the
  request can be decided now, and by whom for a second approval, the service says with a message).
* A statement (``Account``, ``"statement"``): admins any account; a coordinator their locality's budget and
  the learning budgets of its learners; a guardian their children's; a learner their own. Central, source
  and spending accounts: admins only.
* A locality's budget and its spending (``Locality``, ``"budget"``): its coordinator, or an admin.
"""

from __future__ import annotations

from sqlalchemy import Select

from virtualacademy.models import Account, Learner, Locality, SpendRequest, User
from virtualacademy.policies.registry import rule, scope
from virtualacademy.services import spending


@rule(Learner, "budget")
def _view_budget(user: User, learner: Learner) -> bool:
    return spending.may_view_budget(user, learner)


@rule(Learner, "request_spend")
def _request_spend(user: User, learner: Learner) -> bool:
    return spending.may_request(user, learner)


@rule(SpendRequest, "view")
def _view_request(user: User, request: SpendRequest) -> bool:
    return spending.may_view_request(user, request)


@rule(SpendRequest, "decide")
def _decide_request(user: User, request: SpendRequest) -> bool:
    return spending.is_decider(user, request)


@scope(SpendRequest)
def _requests_scope(user: User, stmt: Select) -> Select:
    return spending.visible_requests(user, stmt)


@rule(Account, "statement")
def _view_statement(user: User, account: Account) -> bool:
    return spending.may_view_statement(user, account)


@scope(Account)
def _accounts_scope(user: User, stmt: Select) -> Select:
    return spending.visible_accounts(user, stmt)


@rule(Locality, "budget")
def _locality_budget(user: User, locality: Locality) -> bool:
    return spending.may_manage_locality(user, locality)
