"""Who may see and do what with user accounts and their signed-in sessions."""

from __future__ import annotations

from sqlalchemy import Select

from virtualacademy.models import Role, User, UserSession
from virtualacademy.policies.registry import rule, scope


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
