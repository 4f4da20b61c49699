"""The access matrix: for every route, the status each role gets.

Each later module adds its routes to ``ROUTES`` (with someone else's object in the
path where the route takes one). ``tests/test_access_matrix.py`` signs in as a user
holding exactly one role (and as an anonymous visitor), requests every route, and
checks the status; another test fails if a route exists that is not in the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from virtualacademy.models import Role

ANONYMOUS = "anonymous"
ROLES = [r.value for r in Role]
EVERYONE = [ANONYMOUS, *ROLES]
SIGN_IN_REDIRECT = 302  # anonymous visitors to a protected page are sent to sign in


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    #: Path template; ``{other_user}`` etc. are filled from objects made for the test.
    path: str
    #: Expected status for each of EVERYONE.
    expect: dict[str, int]
    data: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def public(endpoint: str, path: str, status: int = 200, signed_in: int | None = None, method: str = "GET") -> Route:
    """Open to everyone; ``signed_in`` is the status for signed-in users if it differs."""
    return Route(
        endpoint,
        method,
        path,
        {ANONYMOUS: status, **{r: signed_in if signed_in is not None else status for r in ROLES}},
    )


def signed_in(endpoint: str, path: str, status: int = 200, method: str = "GET", data: dict | None = None) -> Route:
    """Any signed-in user."""
    return Route(endpoint, method, path, {ANONYMOUS: SIGN_IN_REDIRECT, **dict.fromkeys(ROLES, status)}, data or {})


def roles(
    endpoint: str,
    path: str,
    allowed: set[Role],
    status: int = 200,
    denied: int = 403,
    method: str = "GET",
    data: dict | None = None,
) -> Route:
    """Only users holding one of ``allowed``; others get ``denied`` (403, or 404 for objects out of scope)."""
    names = {r.value for r in allowed}
    return Route(
        endpoint,
        method,
        path,
        {ANONYMOUS: SIGN_IN_REDIRECT, **{r: status if r in names else denied for r in ROLES}},
        data or {},
    )


ADMIN = {Role.ADMIN}

#: Every route of the app. Order matters only for routes with side effects: sign-out is last.
ROUTES: list[Route] = [
    # main
    public("main.home", "/", 200, signed_in=302),
    public("main.privacy", "/privacy"),
    public("main.accessibility", "/accessibility"),
    public("main.healthz", "/healthz"),
    signed_in("main.dashboard", "/dashboard"),
    # auth
    public("auth.sign_in", "/sign-in", 200, signed_in=302),
    public("auth.forgotten_password", "/forgotten-password"),
    public("auth.reset_password", "/reset-password/not-a-real-token", 400),
    public("auth.accept_invitation", "/invitation/not-a-real-token", 400),
    signed_in("auth.change_password", "/account/password"),
    # admin: users and roles, someone else's account as the object
    roles("admin.users", "/admin/users", ADMIN),
    roles("admin.invite_staff", "/admin/users/invite", ADMIN),
    roles("admin.user_detail", "/admin/users/{other_user}", ADMIN),
    roles("admin.resend_invitation", "/admin/users/{other_user}/resend-invitation", ADMIN, 302, method="POST"),
    roles("admin.deactivate_user", "/admin/users/{other_user}/deactivate", ADMIN, 302, method="POST"),
    roles("admin.reactivate_user", "/admin/users/{other_user}/reactivate", ADMIN, 302, method="POST"),
    roles("admin.audit_log", "/admin/audit", ADMIN),
    # localities (admin)
    roles("localities.index", "/localities/", ADMIN),
    roles("localities.new", "/localities/new", ADMIN),
    roles("localities.detail", "/localities/{locality}", ADMIN),
    roles("localities.staff", "/localities/{locality}/staff", ADMIN),
    # last: ends the session
    signed_in("auth.sign_out", "/sign-out", 302, method="POST"),
]
