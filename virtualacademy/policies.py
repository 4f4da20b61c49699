"""Who may see and do what: the one access policy.

Three layers, each extended by later modules:

* **Role checks** - ``@requires_roles(Role.ADMIN)`` on a view: anonymous visitors are sent
  to sign in, signed-in users without the role get 403.
* **Object checks** - ``can(user, "view", obj)`` asks the rule registered for that
  object's type with ``@rule(Model, "view")``; views use ``get_or_404`` so an object
  outside the user's reach is a 404 and its existence does not leak.
* **Scoped queries** - ``scoped(user, select(Model))`` narrows a list query to the rows
  the user may see, using the scope registered with ``@scope(Model)``. Every list page
  uses it; a model without a registered scope is visible to admins only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select, false, or_, select, union

from virtualacademy.extensions import db
from virtualacademy.models import Role, User, UserSession

T = TypeVar("T")

_RULES: dict[tuple[type, str], Callable[[User, Any], bool]] = {}
_SCOPES: dict[type, Callable[[User, Select], Select]] = {}


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


def scope(model: type):
    """Register ``func(user, stmt) -> stmt`` narrowing queries of ``model`` to what the user may see."""

    def decorator(func: Callable[[User, Select], Select]):
        _SCOPES[model] = func
        return func

    return decorator


def can(user: User | None, action: str, obj: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    check = _RULES.get((type(obj), action))
    if check is None:
        # No rule: only admins may act on it.
        return user.has_role(Role.ADMIN)
    return bool(check(user, obj))


def scoped(user: User | None, stmt: Select, model: type | None = None) -> Select:
    """``stmt`` narrowed to the rows of ``model`` (default: the first entity selected) the user may see."""
    if model is None:
        model = stmt.column_descriptions[0]["entity"]
    if user is None or not getattr(user, "is_authenticated", False):
        return stmt.where(false())
    narrow = _SCOPES.get(model)
    if narrow is None:
        return stmt if user.has_role(Role.ADMIN) else stmt.where(false())
    return narrow(user, stmt)


def get_or_404(model: type[T], ident: Any, action: str = "view", user: User | None = None) -> T:
    """Load ``model`` by primary key for ``action``; 404 if missing or not allowed."""
    user = user if user is not None else current_user
    obj = db.session.get(model, ident)
    if obj is None or not can(user, action, obj):
        abort(404)
    return obj


# --- rules for the foundation's own objects ---------------------------------


@rule(User, "view")
def _view_user(user: User, other: User) -> bool:
    return user.id == other.id or user.has_role(Role.ADMIN)


@rule(User, "manage")
def _manage_user(user: User, other: User) -> bool:
    return user.has_role(Role.ADMIN)


@scope(User)
def _users_scope(user: User, stmt: Select) -> Select:
    if user.has_role(Role.ADMIN):
        return stmt
    return stmt.where(User.id == user.id)


@rule(UserSession, "end")
def _end_session(user: User, session: UserSession) -> bool:
    """Only its owner signs a device out (an admin ends someone's sessions by deactivating the account)."""
    return session.user_id == user.id


@scope(UserSession)
def _sessions_scope(user: User, stmt: Select) -> Select:
    return stmt.where(UserSession.user_id == user.id)


# --- families: applications, learners ----------------------------------------------------

from virtualacademy.models import (  # noqa: E402
    Application,
    Family,
    Guardian,
    Learner,
    Locality,
    LocalityRole,
    LocalityStaff,
    MentorAssignment,
)


def _guardian_of_family(user: User, family_id: int) -> bool:
    return (
        db.session.scalar(
            select(Guardian.id).where(Guardian.family_id == family_id, Guardian.user_id == user.id).limit(1)
        )
        is not None
    )


def _coordinates(user: User, locality_id: int | None) -> bool:
    if locality_id is None or not user.has_role(Role.COORDINATOR):
        return False
    return (
        db.session.scalar(
            select(LocalityStaff.user_id).where(
                LocalityStaff.user_id == user.id,
                LocalityStaff.locality_id == locality_id,
                LocalityStaff.role == LocalityRole.COORDINATOR,
            )
        )
        is not None
    )


@rule(Application, "view_own")
def _view_own_application(user: User, application: Application) -> bool:
    return application.user_id == user.id


@rule(Family, "view")
def _view_family(user: User, family: Family) -> bool:
    return user.has_role(Role.ADMIN) or _guardian_of_family(user, family.id)


def _mentors(user: User, learner_id: int, *, recently: bool) -> bool:
    """The learner's current mentor, or (``recently``) one who handed over in the last 30 days."""
    if not user.has_role(Role.MENTOR):
        return False
    from virtualacademy import clock
    from virtualacademy.services.mentoring import HANDOVER_READ_DAYS

    stmt = select(MentorAssignment.id).where(
        MentorAssignment.learner_id == learner_id, MentorAssignment.mentor_id == user.id
    )
    if recently:
        cutoff = clock.today() - timedelta(days=HANDOVER_READ_DAYS)
        stmt = stmt.where(or_(MentorAssignment.ends_on.is_(None), MentorAssignment.ends_on > cutoff))
    else:
        stmt = stmt.where(MentorAssignment.ends_on.is_(None))
    return db.session.scalar(stmt.limit(1)) is not None


@rule(Learner, "view")
def _view_learner(user: User, learner: Learner) -> bool:
    return (
        user.has_role(Role.ADMIN)
        or learner.user_id == user.id
        or _guardian_of_family(user, learner.family_id)
        or _coordinates(user, learner.locality_id)
        or _mentors(user, learner.id, recently=True)
    )


@rule(Learner, "mentor_view")
def _mentor_view_learner(user: User, learner: Learner) -> bool:
    """Staff records of contact: the mentor (read-only for 30 days after handover), coordinator, admin."""
    return (
        user.has_role(Role.ADMIN)
        or _coordinates(user, learner.locality_id)
        or _mentors(user, learner.id, recently=True)
    )


@rule(Learner, "mentor_write")
def _mentor_write_learner(user: User, learner: Learner) -> bool:
    return (
        user.has_role(Role.ADMIN)
        or _coordinates(user, learner.locality_id)
        or _mentors(user, learner.id, recently=False)
    )


@rule(Learner, "assign_mentor")
def _assign_mentor(user: User, learner: Learner) -> bool:
    return user.has_role(Role.ADMIN) or _coordinates(user, learner.locality_id)


@rule(Learner, "edit_details")
def _edit_learner_details(user: User, learner: Learner) -> bool:
    return _guardian_of_family(user, learner.family_id)


@rule(Learner, "read_record")
def _read_learner_record(user: User, learner: Learner) -> bool:
    """The learner's record page (``/learners/<id>``): whoever may view the learner, and the exams officer, who
    works across the academy (entries by readiness, access arrangements) and reads every record, read-only."""
    return user.has_role(Role.EXAMS_OFFICER) or _view_learner(user, learner)


def learner_records(user: User, stmt: Select) -> Select:
    """The learner list: every learner for an admin or the exams officer (read-only), otherwise those in scope."""
    if user.has_role(Role.ADMIN, Role.EXAMS_OFFICER):
        return stmt
    return scoped(user, stmt)


@rule(Locality, "view")
def _view_locality(user: User, locality: Locality) -> bool:
    """A locality's page: admins, and the coordinator who runs it (read-only)."""
    return user.has_role(Role.ADMIN) or _coordinates(user, locality.id)


@scope(Learner)
def _learners_scope(user: User, stmt: Select) -> Select:
    if user.has_role(Role.ADMIN):
        return stmt
    guardian_families = select(Guardian.family_id).where(Guardian.user_id == user.id)
    coordinated = select(LocalityStaff.locality_id).where(
        LocalityStaff.user_id == user.id, LocalityStaff.role == LocalityRole.COORDINATOR
    )
    if user.has_role(Role.MENTOR):
        from virtualacademy import clock
        from virtualacademy.services.mentoring import HANDOVER_READ_DAYS

        cutoff = clock.today() - timedelta(days=HANDOVER_READ_DAYS)
        mentored = select(MentorAssignment.learner_id).where(
            MentorAssignment.mentor_id == user.id,
            or_(MentorAssignment.ends_on.is_(None), MentorAssignment.ends_on > cutoff),
        )
    # One set of ids from each way of reaching a learner, each found through its own index, rather than an OR
    # tested against every learner in the academy (115,000 at national scale).
    reachable = [
        select(Learner.id).where(Learner.user_id == user.id),
        select(Learner.id).where(Learner.family_id.in_(guardian_families)),
    ]
    if user.has_role(Role.COORDINATOR):
        reachable.append(select(Learner.id).where(Learner.locality_id.in_(coordinated)))
    if user.has_role(Role.MENTOR):
        reachable.append(mentored)
    return stmt.where(Learner.id.in_(union(*reachable)))
