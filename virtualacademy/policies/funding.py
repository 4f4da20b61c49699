"""Who may see and do what with budgets, spending requests and statements, funding years and transfers.

Written in terms of :mod:`virtualacademy.policies.relations`. Who may read is decided here; who may ask to
spend, decide or manage a locality's spending is ``spending.may_request`` / ``is_decider`` /
``may_manage_locality``, which the service enforces too.

* A learner's budget (``Learner``, ``"budget"``): whoever sees the learner (``SEES``): the family (guardians
  and the learner's own account), the learner's mentor (current, or handed over in the last 30 days), the
  locality's coordinator, admins.
* Asking to spend (``Learner``, ``"request_spend"``): a guardian of the learner, or the learner's own account.
* A spend request (``"view"``): whoever may see the learner's budget; a draft (not sent yet) only the family
  who may send it. ``"approval_stages"``: staff, who read each stage of its approval (the family reads only
  whether it is decided). ``"decide"``: the learner's current mentor, the locality's coordinator or an admin, never
  someone in the learner's own family (whether the request can be decided now, and by whom for a second
  approval, the service says with a message).
* A statement (``LedgerAccount``, ``"statement"``): admins any account; a coordinator their locality's budget and
  the learning budgets of its learners; a guardian their children's; a learner their own (the learner's
  mentor does not see it). Central, source and spending accounts: admins only.
* A locality's budget and its spending (``Locality``, ``"budget"``): its coordinator, or an admin.
* A funding year and a transfer (``"manage"``): admins only.
"""

from __future__ import annotations

from sqlalchemy import Select

from virtualacademy.models import (
    AccountKind,
    FundingYear,
    Learner,
    LedgerAccount,
    Locality,
    Role,
    SpendRequest,
    SpendStatus,
    Transfer,
    User,
)
from virtualacademy.policies.registry import admin_only, rule, scope
from virtualacademy.policies.relations import FAMILY, SEES, Relation, coordinates, is_related
from virtualacademy.services import spending

#: A learning budget's statement: the family and the coordinator of the learner's locality (and admins, who see
#: every account).
READS_STATEMENT = FAMILY | Relation.COORDINATOR


@rule(Learner, "budget")
def _view_budget(user: User, learner: Learner) -> bool:
    return is_related(user, learner, SEES)


@rule(Learner, "request_spend")
def _request_spend(user: User, learner: Learner) -> bool:
    return spending.may_request(user, learner)


@rule(SpendRequest, "view")
def _view_request(user: User, request: SpendRequest) -> bool:
    if request.status is SpendStatus.DRAFT:
        return spending.may_request(user, request.learner)
    return is_related(user, request.learner, SEES)


@rule(SpendRequest, "approval_stages")
def _approval_stages(user: User, request: SpendRequest) -> bool:
    """Staff read each stage of a request's approval (a first approval given, a second awaited); the family reads
    only whether it is decided (as ``spending.status_labels`` names the statuses)."""
    return user.is_staff


@rule(SpendRequest, "decide")
def _decide_request(user: User, request: SpendRequest) -> bool:
    return spending.is_decider(user, request)


@scope(SpendRequest)
def _requests_scope(user: User, stmt: Select) -> Select:
    return spending.visible_requests(user, stmt)


@rule(LedgerAccount, "statement")
def _view_statement(user: User, account: LedgerAccount) -> bool:
    if user.has_role(Role.ADMIN):
        return True
    if account.kind is AccountKind.LOCALITY:
        return coordinates(user, account.locality_id)
    if account.kind is AccountKind.PERSONAL and account.learner is not None:
        return is_related(user, account.learner, READS_STATEMENT)
    return False


@scope(LedgerAccount)
def _accounts_scope(user: User, stmt: Select) -> Select:
    return spending.visible_accounts(user, stmt)


@rule(Locality, "budget")
def _locality_budget(user: User, locality: Locality) -> bool:
    return spending.may_manage_locality(user, locality)


# Funding years (settings, census, allocations, year end) and reversing a transfer: admins.
admin_only(FundingYear, "manage")
admin_only(Transfer, "manage")
