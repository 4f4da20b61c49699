"""Who may see and change a locality."""

from __future__ import annotations

from virtualacademy.models import Locality, Role, User
from virtualacademy.policies.registry import admin_only, rule
from virtualacademy.policies.relations import coordinates


@rule(Locality, "view")
def _view_locality(user: User, locality: Locality) -> bool:
    """A locality's page: admins, and the coordinator who runs it (read-only)."""
    return user.has_role(Role.ADMIN) or coordinates(user, locality.id)


# Choosing a locality's staff: admins.
admin_only(Locality, "manage")
