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
    #: Open to anonymous visitors (their redirects are not to the sign-in page).
    is_public: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def public(endpoint: str, path: str, status: int = 200, signed_in: int | None = None, method: str = "GET") -> Route:
    """Open to everyone; ``signed_in`` is the status for signed-in users if it differs."""
    return Route(
        endpoint,
        method,
        path,
        {ANONYMOUS: status, **{r: signed_in if signed_in is not None else status for r in ROLES}},
        is_public=True,
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


def scoped_roles(
    endpoint: str,
    path: str,
    allowed: set[Role],
    reach: set[Role],
    status: int = 200,
    method: str = "GET",
) -> Route:
    """Roles in ``allowed`` may use the page, but only those in ``reach`` can reach this object: the
    others get 404 (it is someone else's); roles outside ``allowed`` get 403."""
    names = {r.value for r in allowed}
    reach_names = {r.value for r in reach}
    return Route(
        endpoint,
        method,
        path,
        {
            ANONYMOUS: SIGN_IN_REDIRECT,
            **{r: (status if r in reach_names else 404) if r in names else 403 for r in ROLES},
        },
    )


ADMIN = {Role.ADMIN}
STAFF_WITH_LEARNERS = {Role.MENTOR, Role.COORDINATOR, Role.ADMIN}

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
    # families: the public application (no draft in this session: pages send you to the start)
    public("families.apply_start", "/apply"),
    public("families.apply_guardian", "/apply/your-details"),
    public("families.apply_address", "/apply/address", 302),
    public("families.apply_second_guardian", "/apply/other-parent", 302),
    public("families.apply_children", "/apply/children", 302),
    public("families.apply_child", "/apply/children/add", 302),
    public("families.apply_remove_child", "/apply/children/0/remove", 302, method="POST"),
    public("families.apply_declaration", "/apply/declaration", 302),
    public("families.apply_check", "/apply/check", 302),
    public("families.apply_sent", "/apply/sent", 302),
    public("families.resume_application", "/apply/resume/not-a-real-token", 400),
    public("families.create_account", "/apply/account/not-a-real-token", 400),
    # someone else's application: nobody but its applicant sees it
    signed_in("families.my_application", "/my-applications/{application}", 404),
    # review by admin (a POST without a valid form re-shows the page with errors)
    roles("families.applications", "/applications", ADMIN),
    roles("families.application_detail", "/applications/{application}", ADMIN),
    roles("families.accept_application", "/applications/{application}/accept", ADMIN, method="POST"),
    roles("families.ask_about_application", "/applications/{application}/ask", ADMIN, method="POST"),
    roles("families.decline_application", "/applications/{application}/decline", ADMIN, method="POST"),
    # learners of another family, in a locality nobody here coordinates
    roles("families.learners", "/learners", {Role.ADMIN, Role.COORDINATOR}),
    Route(
        "families.learner_detail",
        "GET",
        "/learners/{learner}",
        {ANONYMOUS: SIGN_IN_REDIRECT, **{r: 200 if r == "admin" else 404 for r in ROLES}},
    ),
    roles("families.withdraw_learner", "/learners/{learner}/withdraw", ADMIN, method="POST"),
    roles("families.re_enrol_learner", "/learners/{learner}/re-enrol", ADMIN, method="POST"),
    # the family's own view: a guardian gets 404 for another family's learner
    roles("families.family_home", "/family", {Role.GUARDIAN}),
    roles("families.family_learner", "/family/learners/{learner}", {Role.GUARDIAN}, 404),
    roles("families.family_contact", "/family/contact", {Role.GUARDIAN}, 404),
    roles("families.invite_learner_account", "/family/learners/{learner}/account", {Role.GUARDIAN}, 404, method="POST"),
    roles("families.cohort_profile", "/cohort", {Role.ADMIN, Role.COORDINATOR}),
    roles("families.cohort_csv", "/cohort.csv", {Role.ADMIN, Role.COORDINATOR}),
    # a learner account with no learner record behind it
    roles("families.learner_home", "/me", {Role.LEARNER}, 404),
    # import of an authority's known families (admin); with no file uploaded, check and confirm go back to upload
    roles("families.import_families", "/families/import", ADMIN),
    roles("families.import_check", "/families/import/check", ADMIN, 302),
    roles("families.import_confirm", "/families/import/confirm", ADMIN, 302, method="POST"),
    # notifications: your own; someone else's is a 404
    signed_in("notifications.index", "/notifications/"),
    signed_in("notifications.open_notification", "/notifications/{notification}/open", 404, method="POST"),
    signed_in("notifications.read_all", "/notifications/read-all", 302, method="POST"),
    # data-protection requests (admin): another family's data; its child is enrolled, so a request for erasure
    # is refused on the page (200), there is none to cancel (200), and erasing now goes back to the page (302)
    roles("families.family_data", "/families/{family}/data", ADMIN),
    roles("families.export_family_data", "/families/{family}/data/export", ADMIN, method="POST"),
    roles("families.request_family_erasure", "/families/{family}/data/erasure", ADMIN, method="POST"),
    roles("families.cancel_family_erasure", "/families/{family}/data/erasure/cancel", ADMIN, method="POST"),
    roles("families.erase_family_now", "/families/{family}/data/erase", ADMIN, 302),
    roles("families.erase_family_now", "/families/{family}/data/erase", ADMIN, method="POST"),
    # mentoring: the shared learner is on nobody's caseload and in a locality nobody here coordinates
    roles("mentoring.caseload", "/caseload", {Role.MENTOR}),
    scoped_roles("mentoring.learner", "/caseload/learners/{learner}", STAFF_WITH_LEARNERS, ADMIN),
    scoped_roles("mentoring.record_check_in", "/caseload/learners/{learner}/check-in", STAFF_WITH_LEARNERS, ADMIN),
    scoped_roles(
        "mentoring.close_action", "/caseload/actions/{action}/close", STAFF_WITH_LEARNERS, ADMIN, 302, method="POST"
    ),
    scoped_roles(
        "mentoring.set_support",
        "/caseload/learners/{learner}/support",
        {Role.COORDINATOR, Role.ADMIN},
        ADMIN,
        method="POST",
    ),
    scoped_roles(
        "mentoring.add_other_adult", "/caseload/learners/{learner}/adults", STAFF_WITH_LEARNERS, ADMIN, method="POST"
    ),
    roles("mentoring.unassigned", "/mentoring/unassigned", {Role.ADMIN, Role.COORDINATOR}),
    scoped_roles("mentoring.assign", "/mentoring/learners/{learner}/assign", {Role.ADMIN, Role.COORDINATOR}, ADMIN),
    roles("mentoring.settings", "/mentoring/settings", ADMIN),
    roles("mentoring.report", "/mentoring/report", {Role.ADMIN, Role.COORDINATOR}),
    roles("mentoring.mentor_limit", "/mentoring/mentors/{other_user}", ADMIN),
    # safeguarding: any member of staff raises a concern (about the shared learner; a POST with nothing filled in
    # comes back with errors). The concern, raised by another mentor, is seen and acted on only by a safeguarding lead.
    roles("safeguarding.index", "/safeguarding/", set(Role) - {Role.GUARDIAN, Role.LEARNER}),
    roles("safeguarding.raise_concern", "/safeguarding/raise", set(Role) - {Role.GUARDIAN, Role.LEARNER}),
    roles(
        "safeguarding.raise_concern", "/safeguarding/raise?learner={learner}", set(Role) - {Role.GUARDIAN, Role.LEARNER}
    ),
    roles(
        "safeguarding.raise_concern",
        "/safeguarding/raise?learner={learner}",
        set(Role) - {Role.GUARDIAN, Role.LEARNER},
        method="POST",
    ),
    roles("safeguarding.raised", "/safeguarding/raised", set(Role) - {Role.GUARDIAN, Role.LEARNER}, 302),
    roles("safeguarding.concern", "/safeguarding/concerns/{concern}", {Role.SAFEGUARDING_LEAD}, denied=404),
    roles(
        "safeguarding.add_entry",
        "/safeguarding/concerns/{concern}/entries",
        {Role.SAFEGUARDING_LEAD},
        denied=404,
        method="POST",
    ),
    roles(
        "safeguarding.reopen",
        "/safeguarding/concerns/{concern}/reopen",
        {Role.SAFEGUARDING_LEAD},
        denied=404,
        method="POST",
    ),
    # funding: years, census and central money (years_views)
    roles("funding.index", "/funding/", {Role.ADMIN, Role.COORDINATOR}),
    # funding: spending, statements and the family's view (spending_views)
    # learning: plans, goals, versions and reviews (plan_views)
    # learning: the log, evidence, exhibitions and the record of achievement (log_views)
    # last: ends the session
    signed_in("auth.sign_out", "/sign-out", 302, method="POST"),
]
