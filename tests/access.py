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
    public("main.healthz_floor", "/healthz/floor"),
    signed_in("main.dashboard", "/dashboard"),
    # auth
    public("auth.sign_in", "/sign-in", 200, signed_in=302),
    public("auth.forgotten_password", "/forgotten-password"),
    public("auth.reset_password", "/reset-password/not-a-real-token", 400),
    public("auth.accept_invitation", "/invitation/not-a-real-token", 400),
    signed_in("auth.change_password", "/account/password"),
    # the same forms posted empty (or with a link that is not real): errors on the page, never a change
    public("auth.sign_in", "/sign-in", 200, signed_in=302, method="POST"),
    public("auth.forgotten_password", "/forgotten-password", method="POST"),
    public("auth.reset_password", "/reset-password/not-a-real-token", 400, method="POST"),
    public("auth.accept_invitation", "/invitation/not-a-real-token", 400, method="POST"),
    signed_in("auth.change_password", "/account/password", method="POST"),
    signed_in("auth.account", "/account"),
    # your own sessions only: another person's signed-in device is a 404 (this user has no other device)
    signed_in("auth.sign_out_device", "/account/devices/{user_session}/sign-out", 404, method="POST"),
    signed_in("auth.sign_out_everywhere_else", "/account/sign-out-everywhere-else", 302, method="POST"),
    # admin: users and roles, someone else's account as the object
    roles("admin.users", "/admin/users", ADMIN),
    roles("admin.invite_staff", "/admin/users/invite", ADMIN),
    roles("admin.invite_staff", "/admin/users/invite", ADMIN, method="POST"),
    roles("admin.user_detail", "/admin/users/{other_user}", ADMIN),
    roles("admin.user_detail", "/admin/users/{other_user}", ADMIN, method="POST"),
    roles("admin.resend_invitation", "/admin/users/{other_user}/resend-invitation", ADMIN, 302, method="POST"),
    roles("admin.deactivate_user", "/admin/users/{other_user}/deactivate", ADMIN, 302, method="POST"),
    roles("admin.reactivate_user", "/admin/users/{other_user}/reactivate", ADMIN, 302, method="POST"),
    roles("admin.clear_sign_in_delay", "/admin/users/{other_user}/clear-sign-in-delay", ADMIN, 302, method="POST"),
    roles("admin.audit_log", "/admin/audit", ADMIN),
    # localities (admin)
    roles("localities.index", "/localities/", ADMIN),
    roles("localities.new", "/localities/new", ADMIN),
    roles("localities.new", "/localities/new", ADMIN, method="POST"),
    # a coordinator reads the locality they run (tests/blueprints/test_localities.py); this one nobody here runs
    scoped_roles("localities.detail", "/localities/{locality}", {Role.ADMIN, Role.COORDINATOR}, ADMIN),
    # changing a locality is for admins; a coordinator who does not run this one cannot tell it exists
    scoped_roles("localities.detail", "/localities/{locality}", {Role.ADMIN, Role.COORDINATOR}, ADMIN, method="POST"),
    roles("localities.staff", "/localities/{locality}/staff", ADMIN),
    # the locality has no staff, and saving it with none chosen is allowed: back to the locality
    roles("localities.staff", "/localities/{locality}/staff", ADMIN, 302, method="POST"),
    # families: the public application (no draft in this session: pages send you to the start)
    public("families.apply_start", "/apply"),
    public("families.apply_guardian", "/apply/your-details"),
    public("families.apply_guardian", "/apply/your-details", method="POST"),  # empty: errors, no draft started
    public("families.apply_address", "/apply/address", 302),
    public("families.apply_address", "/apply/address", 302, method="POST"),
    public("families.apply_second_guardian", "/apply/other-parent", 302),
    public("families.apply_second_guardian", "/apply/other-parent", 302, method="POST"),
    public("families.apply_children", "/apply/children", 302),
    public("families.apply_child", "/apply/children/add", 302),
    public("families.apply_child", "/apply/children/add", 302, method="POST"),
    public("families.apply_child", "/apply/children/0", 302),
    public("families.apply_child", "/apply/children/0", 302, method="POST"),
    public("families.apply_remove_child", "/apply/children/0/remove", 302, method="POST"),
    public("families.apply_declaration", "/apply/declaration", 302),
    public("families.apply_declaration", "/apply/declaration", 302, method="POST"),
    public("families.apply_check", "/apply/check", 302),
    public("families.apply_check", "/apply/check", 302, method="POST"),
    public("families.apply_sent", "/apply/sent", 302),
    public("families.resume_application", "/apply/resume/not-a-real-token", 400),
    public("families.create_account", "/apply/account/not-a-real-token", 400),
    public("families.create_account", "/apply/account/not-a-real-token", 400, method="POST"),
    public("families.guardian_invitation", "/family/invitations/not-a-real-token", 400),
    public("families.guardian_invitation", "/family/invitations/not-a-real-token", 400, method="POST"),
    public("families.new_application_link", "/apply/link/not-a-real-token/new", 400, method="POST"),
    # someone else's application: nobody but its applicant sees it, or answers a question on it
    signed_in("families.my_application", "/my-applications/{application}", 404),
    signed_in("families.my_application", "/my-applications/{application}", 404, method="POST"),
    # review by admin (a POST without a valid form re-shows the page with errors)
    roles("families.applications", "/applications", ADMIN),
    roles("families.application_detail", "/applications/{application}", ADMIN),
    roles("families.accept_application", "/applications/{application}/accept", ADMIN, method="POST"),
    roles("families.ask_about_application", "/applications/{application}/ask", ADMIN, method="POST"),
    roles("families.decline_application", "/applications/{application}/decline", ADMIN, method="POST"),
    # learners of another family, in a locality nobody here coordinates
    # the exams officer reads every learner's record, read-only
    roles("families.learners", "/learners", {Role.ADMIN, Role.COORDINATOR, Role.EXAMS_OFFICER}),
    Route(
        "families.learner_detail",
        "GET",
        "/learners/{learner}",
        {ANONYMOUS: SIGN_IN_REDIRECT, **{r: 200 if r in ("admin", "exams_officer") else 404 for r in ROLES}},
    ),
    roles("families.withdraw_learner", "/learners/{learner}/withdraw", ADMIN, method="POST"),
    roles("families.re_enrol_learner", "/learners/{learner}/re-enrol", ADMIN, method="POST"),
    # the family's own view: a guardian gets 404 for another family's learner
    roles("families.family_home", "/family", {Role.GUARDIAN}),
    roles("families.family_home", "/family", {Role.GUARDIAN}, method="POST"),  # no family to invite anyone to
    roles("families.family_learner", "/family/learners/{learner}", {Role.GUARDIAN}, 404),
    roles("families.family_learner", "/family/learners/{learner}", {Role.GUARDIAN}, 404, method="POST"),
    roles("families.family_contact", "/family/contact", {Role.GUARDIAN}, 404),
    roles("families.family_contact", "/family/contact", {Role.GUARDIAN}, 404, method="POST"),
    roles("families.invite_learner_account", "/family/learners/{learner}/account", {Role.GUARDIAN}, 404, method="POST"),
    roles("families.cohort_profile", "/cohort", {Role.ADMIN, Role.COORDINATOR}),
    roles("families.cohort_csv", "/cohort.csv", {Role.ADMIN, Role.COORDINATOR}),
    # a learner account with no learner record behind it
    roles("families.learner_home", "/me", {Role.LEARNER}, 404),
    # import of an authority's known families (admin); with no file uploaded, check and confirm go back to upload
    roles("families.import_families", "/families/import", ADMIN),
    roles("families.import_families", "/families/import", ADMIN, method="POST"),  # no file: errors
    roles("families.import_check", "/families/import/check", ADMIN, 302),
    roles("families.import_confirm", "/families/import/confirm", ADMIN, 302, method="POST"),
    # inviting parents and carers without an account to sign in (admin)
    roles("families.invitations", "/families/invitations", ADMIN),
    roles("families.invitations", "/families/invitations", ADMIN, 302, method="POST"),
    roles("families.invite_learners_guardians", "/learners/{learner}/invite-guardians", ADMIN, 302, method="POST"),
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
        "mentoring.record_check_in",
        "/caseload/learners/{learner}/check-in",
        STAFF_WITH_LEARNERS,
        ADMIN,
        method="POST",
    ),
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
    scoped_roles(
        "mentoring.assign",
        "/mentoring/learners/{learner}/assign",
        {Role.ADMIN, Role.COORDINATOR},
        ADMIN,
        method="POST",
    ),
    roles("mentoring.settings", "/mentoring/settings", ADMIN),
    roles("mentoring.settings", "/mentoring/settings", ADMIN, method="POST"),
    roles("mentoring.report", "/mentoring/report", {Role.ADMIN, Role.COORDINATOR}, 302),
    roles("mentoring.mentor_limit", "/mentoring/mentors/{other_user}", ADMIN),
    roles("mentoring.mentor_limit", "/mentoring/mentors/{other_user}", ADMIN, method="POST"),
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
    # A year decades ahead with its rates set and no census recorded, and an income transfer. POSTs with nothing
    # filled in come back with errors (200); a census or year-end confirmation without the preview's figures is
    # refused with a message (the census is not due, the year not over) and posts nothing.
    roles("funding.new_year", "/funding/years/new", ADMIN),
    roles("funding.new_year", "/funding/years/new", ADMIN, method="POST"),
    roles("funding.year", "/funding/years/{funding_year}", ADMIN),
    roles("funding.edit_year", "/funding/years/{funding_year}/edit", ADMIN),
    roles("funding.edit_year", "/funding/years/{funding_year}/edit", ADMIN, method="POST"),
    roles("funding.edit_census_date", "/funding/years/{funding_year}/census/autumn/date", ADMIN),
    roles("funding.edit_census_date", "/funding/years/{funding_year}/census/autumn/date", ADMIN, method="POST"),
    roles("funding.census", "/funding/years/{funding_year}/census/autumn", ADMIN),
    roles("funding.census", "/funding/years/{funding_year}/census/autumn", ADMIN, method="POST"),
    roles("funding.year_end", "/funding/years/{funding_year}/year-end", ADMIN),
    roles("funding.year_end", "/funding/years/{funding_year}/year-end", ADMIN, method="POST"),
    roles("funding.overview", "/funding/years/{funding_year}/overview", {Role.ADMIN, Role.COORDINATOR}),
    roles("funding.move", "/funding/move", ADMIN),
    roles("funding.move", "/funding/move", ADMIN, method="POST"),
    roles("funding.transfers", "/funding/transfers", ADMIN),
    roles("funding.transfer", "/funding/transfers/{transfer}", ADMIN),
    roles("funding.reverse_transfer", "/funding/transfers/{transfer}/reverse", ADMIN, method="POST"),
    # funding: spending, statements and the family's view (spending_views)
    # The shared learner's spend request (no invoice file) and personal account belong to another family, in a
    # locality nobody here coordinates; the learner has no mentor. Only an admin reaches them.
    roles("funding.family_budgets", "/funding/family", {Role.GUARDIAN}),
    roles("funding.my_budget", "/funding/my-budget", {Role.LEARNER}, 404),  # no learner record behind the account
    scoped_roles(
        "funding.learner_budget",
        "/funding/learners/{learner}/budget",
        {Role.GUARDIAN, Role.LEARNER, *STAFF_WITH_LEARNERS},
        ADMIN,
    ),
    scoped_roles(
        "funding.new_spend_request", "/funding/learners/{learner}/requests/new", {Role.GUARDIAN, Role.LEARNER}, set()
    ),
    scoped_roles(
        "funding.new_spend_request",
        "/funding/learners/{learner}/requests/new",
        {Role.GUARDIAN, Role.LEARNER},
        set(),
        method="POST",
    ),
    # another family's draft (not sent yet): only its own family may check, change or send it
    scoped_roles(
        "funding.check_spend_request", "/funding/requests/{spend_draft}/check", {Role.GUARDIAN, Role.LEARNER}, set()
    ),
    scoped_roles(
        "funding.change_spend_request", "/funding/requests/{spend_draft}/change", {Role.GUARDIAN, Role.LEARNER}, set()
    ),
    scoped_roles(
        "funding.change_spend_request",
        "/funding/requests/{spend_draft}/change",
        {Role.GUARDIAN, Role.LEARNER},
        set(),
        method="POST",
    ),
    scoped_roles(
        "funding.send_spend_request",
        "/funding/requests/{spend_draft}/send",
        {Role.GUARDIAN, Role.LEARNER},
        set(),
        method="POST",
    ),
    roles("funding.spend_requests", "/funding/requests", STAFF_WITH_LEARNERS),
    Route(
        "funding.spend_request",
        "GET",
        "/funding/requests/{spend_request}",
        {ANONYMOUS: SIGN_IN_REDIRECT, **{r: 200 if r == "admin" else 404 for r in ROLES}},
    ),
    # the admin's approval is refused (the budget is empty) with a message, back on the request's page
    Route(
        "funding.approve_spend_request",
        "POST",
        "/funding/requests/{spend_request}/approve",
        {ANONYMOUS: SIGN_IN_REDIRECT, **{r: 302 if r == "admin" else 404 for r in ROLES}},
    ),
    # a decline or reversal without a reason comes back with errors
    Route(
        "funding.decline_spend_request",
        "POST",
        "/funding/requests/{spend_request}/decline",
        {ANONYMOUS: SIGN_IN_REDIRECT, **{r: 200 if r == "admin" else 404 for r in ROLES}},
    ),
    roles("funding.reverse_spend_request", "/funding/requests/{spend_request}/reverse", ADMIN, method="POST"),
    # no invoice file behind this request: 404 even for an admin (tests/blueprints/test_spending.py downloads them)
    signed_in("funding.spend_document", "/funding/requests/{spend_request}/document", 404),
    roles("funding.locality_budgets", "/funding/localities", {Role.ADMIN, Role.COORDINATOR}),
    scoped_roles("funding.locality_budget", "/funding/localities/{locality}", {Role.ADMIN, Role.COORDINATOR}, ADMIN),
    scoped_roles(
        "funding.record_locality_spend", "/funding/localities/{locality}/spend", {Role.ADMIN, Role.COORDINATOR}, ADMIN
    ),
    scoped_roles(
        "funding.record_locality_spend",
        "/funding/localities/{locality}/spend",
        {Role.ADMIN, Role.COORDINATOR},
        ADMIN,
        method="POST",
    ),
    Route(
        "funding.statement",
        "GET",
        "/funding/accounts/{account}/statement",
        {ANONYMOUS: SIGN_IN_REDIRECT, **{r: 200 if r == "admin" else 404 for r in ROLES}},
    ),
    Route(
        "funding.statement_csv",
        "GET",
        "/funding/accounts/{account}/statement.csv",
        {ANONYMOUS: SIGN_IN_REDIRECT, **{r: 200 if r == "admin" else 404 for r in ROLES}},
    ),
    Route(
        "funding.statement_pdf",
        "GET",
        "/funding/accounts/{account}/statement.pdf",
        {ANONYMOUS: SIGN_IN_REDIRECT, **{r: 200 if r == "admin" else 404 for r in ROLES}},
    ),
    # learning: plans, goals, versions and reviews (plan_views)
    # The shared learner (another family's, on nobody's caseload, in a locality nobody here coordinates) has a plan
    # at version 1 with a goal and a review. Readers are the family, mentors, coordinators and admins; writers the
    # same but coordinators; reviewers mentors and admins. An admin's empty POST of the plan text saves it (302);
    # other empty POSTs come back with errors (200).
    roles("learning.my_plan", "/learning/my-plan", {Role.LEARNER}, 404),
    *[
        scoped_roles(endpoint, path, allowed, ADMIN, status, method)
        for PLAN_READERS in [{Role.GUARDIAN, Role.LEARNER, Role.MENTOR, Role.COORDINATOR, Role.ADMIN}]
        for PLAN_WRITERS in [PLAN_READERS - {Role.COORDINATOR}]
        for PLAN_REVIEWERS in [{Role.MENTOR, Role.ADMIN}]
        for endpoint, path, allowed, status, method in [
            ("learning.plan", "/learning/learners/{learner}/plan", PLAN_READERS, 200, "GET"),
            ("learning.edit_plan", "/learning/learners/{learner}/plan/edit", PLAN_WRITERS, 200, "GET"),
            ("learning.edit_plan", "/learning/learners/{learner}/plan/edit", PLAN_WRITERS, 302, "POST"),
            ("learning.add_goal", "/learning/learners/{learner}/plan/goals/new", PLAN_WRITERS, 200, "GET"),
            ("learning.add_goal", "/learning/learners/{learner}/plan/goals/new", PLAN_WRITERS, 200, "POST"),
            ("learning.edit_goal", "/learning/goals/{goal}/edit", PLAN_WRITERS, 200, "GET"),
            ("learning.edit_goal", "/learning/goals/{goal}/edit", PLAN_WRITERS, 200, "POST"),
            ("learning.archive_goal", "/learning/goals/{goal}/archive", PLAN_WRITERS, 302, "POST"),
            ("learning.plan_history", "/learning/learners/{learner}/plan/history", PLAN_READERS, 200, "GET"),
            ("learning.plan_version", "/learning/learners/{learner}/plan/history/1", PLAN_READERS, 200, "GET"),
            ("learning.record_review", "/learning/learners/{learner}/plan/review", PLAN_REVIEWERS, 200, "GET"),
            ("learning.record_review", "/learning/learners/{learner}/plan/review", PLAN_REVIEWERS, 200, "POST"),
            ("learning.review_schedule", "/learning/learners/{learner}/plan/review-dates", PLAN_REVIEWERS, 200, "GET"),
            ("learning.review_schedule", "/learning/learners/{learner}/plan/review-dates", PLAN_REVIEWERS, 200, "POST"),
            ("learning.review", "/learning/reviews/{plan_review}", PLAN_READERS, 200, "GET"),
            ("learning.share_plan", "/learning/learners/{learner}/plan/share", PLAN_REVIEWERS, 302, "POST"),
        ]
    ],
    roles("learning.subject_areas", "/learning/subject-areas", ADMIN),
    roles("learning.subject_areas", "/learning/subject-areas", ADMIN, method="POST"),
    roles("learning.edit_subject_area", "/learning/subject-areas/{subject_area}", ADMIN),
    roles("learning.edit_subject_area", "/learning/subject-areas/{subject_area}", ADMIN, method="POST"),
    # learning: the log, evidence, exhibitions and the record of achievement (log_views)
    # The shared learner (another family's, on nobody's caseload, in a locality nobody here coordinates) has a log
    # entry from today, a PNG file in the portfolio and an exhibition a week ago. Readers are the family, mentors,
    # coordinators and admins; only an admin reaches this learner. Empty POSTs come back with errors (200); the
    # admin's deletions and showcase change go back to a page (302). The file download uses that learner's file id.
    roles("learning.log_home", "/learning/log", {Role.GUARDIAN, Role.LEARNER, *STAFF_WITH_LEARNERS}),
    *[
        scoped_roles(endpoint, path, allowed, ADMIN, status, method)
        for LOG_READERS in [{Role.GUARDIAN, Role.LEARNER, Role.MENTOR, Role.COORDINATOR, Role.ADMIN}]
        for endpoint, path, allowed, status, method in [
            ("learning.week", "/learning/learners/{learner}/week", LOG_READERS, 200, "GET"),
            ("learning.log_new", "/learning/learners/{learner}/log/new", LOG_READERS, 200, "GET"),
            ("learning.log_new", "/learning/learners/{learner}/log/new", LOG_READERS, 200, "POST"),
            ("learning.log_edit", "/learning/log/{log_entry}/edit", LOG_READERS, 200, "GET"),
            ("learning.log_edit", "/learning/log/{log_entry}/edit", LOG_READERS, 200, "POST"),
            ("learning.attendance", "/learning/learners/{learner}/attendance", LOG_READERS, 200, "GET"),
            ("learning.portfolio", "/learning/learners/{learner}/portfolio", LOG_READERS, 200, "GET"),
            ("learning.evidence_new", "/learning/learners/{learner}/portfolio/new", LOG_READERS, 200, "GET"),
            ("learning.evidence_new", "/learning/learners/{learner}/portfolio/new", LOG_READERS, 200, "POST"),
            ("learning.evidence_detail", "/learning/evidence/{evidence}", LOG_READERS, 200, "GET"),
            ("learning.evidence_file", "/learning/evidence/{evidence}/file", LOG_READERS, 200, "GET"),
            ("learning.evidence_file", "/learning/evidence/{evidence}/file?inline=1", LOG_READERS, 200, "GET"),
            ("learning.evidence_comment", "/learning/evidence/{evidence}/comments", LOG_READERS, 200, "POST"),
            ("learning.evidence_edit", "/learning/evidence/{evidence}/edit", LOG_READERS, 200, "GET"),
            ("learning.evidence_edit", "/learning/evidence/{evidence}/edit", LOG_READERS, 200, "POST"),
            ("learning.exhibitions_index", "/learning/learners/{learner}/exhibitions", LOG_READERS, 200, "GET"),
            ("learning.exhibition_new", "/learning/learners/{learner}/exhibitions/new", LOG_READERS, 200, "GET"),
            ("learning.exhibition_new", "/learning/learners/{learner}/exhibitions/new", LOG_READERS, 200, "POST"),
            ("learning.exhibition_detail", "/learning/exhibitions/{exhibition}", LOG_READERS, 200, "GET"),
            ("learning.exhibition_feedback", "/learning/exhibitions/{exhibition}/feedback", LOG_READERS, 200, "GET"),
            ("learning.exhibition_feedback", "/learning/exhibitions/{exhibition}/feedback", LOG_READERS, 200, "POST"),
            ("learning.achievement_page", "/learning/learners/{learner}/achievement", LOG_READERS, 200, "GET"),
            ("learning.achievement_pdf", "/learning/learners/{learner}/achievement.pdf", LOG_READERS, 200, "GET"),
            (
                "learning.achievement_narrative",
                "/learning/learners/{learner}/achievement/summary",
                {Role.MENTOR, Role.ADMIN},
                200,
                "GET",
            ),
            (
                "learning.achievement_narrative",
                "/learning/learners/{learner}/achievement/summary",
                {Role.MENTOR, Role.ADMIN},
                200,
                "POST",
            ),
            ("learning.log_delete", "/learning/log/{log_entry}/delete", LOG_READERS, 200, "GET"),
            ("learning.log_delete", "/learning/log/{log_entry}/delete", LOG_READERS, 302, "POST"),
            ("learning.evidence_delete", "/learning/evidence/{evidence}/delete", LOG_READERS, 200, "GET"),
        ]
    ],
    Route(
        "learning.evidence_showcase",
        "POST",
        "/learning/evidence/{evidence}/showcase",
        {
            ANONYMOUS: SIGN_IN_REDIRECT,
            **{
                r: 302 if r == "admin" else 404 if r in {"guardian", "learner", "mentor", "coordinator"} else 403
                for r in ROLES
            },
        },
        {"show": "yes"},
    ),
    scoped_roles(
        "learning.evidence_delete",
        "/learning/evidence/{evidence}/delete",
        {Role.GUARDIAN, Role.LEARNER, *STAFF_WITH_LEARNERS},
        ADMIN,
        302,
        method="POST",
    ),
    # exams: the shared learner (another family's, no mentor) has a ready, confirmed judgement, an entry the centre
    # confirmed and a draft arrangement (tests/exams_objects.py). The exams officer and admins run series, centres,
    # the catalogue and entries; empty POSTs come back with errors (200); refused actions (marking sat before the
    # exams, applying after the deadline, declining what was not applied for) go back with a message (302).
    *[
        roles(endpoint, path, EXAMS, status, method=method, data=data)
        for EXAMS in [{Role.EXAMS_OFFICER, Role.ADMIN}]
        for endpoint, path, status, method, data in [
            ("exams.index", "/exams/", 200, "GET", None),
            ("exams.ready", "/exams/ready", 200, "GET", None),
            ("exams.arrangements_list", "/exams/arrangements", 200, "GET", None),
            ("exams.qualifications", "/exams/qualifications", 200, "GET", None),
            ("exams.new_qualification", "/exams/qualifications/new", 200, "GET", None),
            ("exams.new_qualification", "/exams/qualifications/new", 200, "POST", None),
            ("exams.edit_qualification", "/exams/qualifications/{qualification}", 200, "GET", None),
            ("exams.edit_qualification", "/exams/qualifications/{qualification}", 200, "POST", None),
            ("exams.import_catalogue", "/exams/qualifications/import", 200, "GET", None),
            ("exams.import_catalogue", "/exams/qualifications/import", 200, "POST", None),
            ("exams.new_series", "/exams/series/new", 200, "GET", None),
            ("exams.new_series", "/exams/series/new", 200, "POST", None),
            ("exams.series", "/exams/series/{series}", 200, "GET", None),
            ("exams.edit_series", "/exams/series/{series}/edit", 200, "GET", None),
            ("exams.edit_series", "/exams/series/{series}/edit", 200, "POST", None),
            ("exams.series_reports", "/exams/series/{series}/reports", 200, "GET", None),
            ("exams.papers", "/exams/series/{series}/papers", 200, "GET", None),
            ("exams.papers", "/exams/series/{series}/papers", 200, "POST", None),
            ("exams.results_summary", "/exams/series/{series}/results", 200, "GET", None),
            ("exams.entry_list_csv", "/exams/series/{series}/centres/{centre}/entries.csv", 200, "GET", None),
            ("exams.centres", "/exams/centres", 200, "GET", None),
            ("exams.new_centre", "/exams/centres/new", 200, "GET", None),
            ("exams.new_centre", "/exams/centres/new", 200, "POST", None),
            ("exams.edit_centre", "/exams/centres/{centre}", 200, "GET", None),
            ("exams.edit_centre", "/exams/centres/{centre}", 200, "POST", None),
            ("exams.centre_seats", "/exams/centres/{centre}/series/{series}", 200, "GET", None),
            ("exams.centre_seats", "/exams/centres/{centre}/series/{series}", 200, "POST", None),
            ("exams.new_entry", "/exams/learners/{learner}/entries/new", 200, "GET", None),
            ("exams.new_entry", "/exams/learners/{learner}/entries/new", 200, "POST", None),
            ("exams.entry", "/exams/entries/{exam_entry}", 200, "GET", None),
            ("exams.confirm_entered", "/exams/entries/{exam_entry}/candidate", 200, "POST", None),
            ("exams.record_result", "/exams/entries/{exam_entry}/result", 200, "POST", None),
            ("exams.mark_sat", "/exams/entries/{exam_entry}/sat", 302, "POST", None),
            ("exams.change_tier", "/exams/entries/{exam_entry}/tier", 200, "POST", None),
            ("exams.withdraw", "/exams/entries/{exam_entry}/withdraw", 200, "GET", None),
            ("exams.withdraw", "/exams/entries/{exam_entry}/withdraw", 200, "POST", None),
            ("exams.apply_arrangement", "/exams/arrangements/{arrangement}/apply", 302, "POST", None),
            (
                "exams.decide_arrangement",
                "/exams/arrangements/{arrangement}/decide",
                302,
                "POST",
                {"decision": "declined"},
            ),
        ]
    ],
    roles("exams.locality_counts", "/exams/localities", {Role.COORDINATOR, Role.EXAMS_OFFICER, Role.ADMIN}),
    roles("exams.family", "/exams/family", {Role.GUARDIAN, Role.LEARNER}),
    # the overview: admins (the academy) and coordinators (their localities beside the academy's figures)
    roles("overview.index", "/overview/", {Role.ADMIN, Role.COORDINATOR}),
    roles("overview.table_csv", "/overview/roll.csv", {Role.ADMIN, Role.COORDINATOR}),
    roles("overview.mentors", "/overview/mentors", {Role.ADMIN, Role.COORDINATOR}),
    roles("overview.mentors_csv", "/overview/mentors.csv", {Role.ADMIN, Role.COORDINATOR}),
    # the yearly return to the local authority: the academy's (admins) or the coordinator's localities'
    roles("overview.annual_return_page", "/overview/return", {Role.ADMIN, Role.COORDINATOR}),
    roles("overview.annual_return_csv", "/overview/return.csv", {Role.ADMIN, Role.COORDINATOR}),
    roles("overview.annual_return_pdf", "/overview/return.pdf", {Role.ADMIN, Role.COORDINATOR}),
    # a learner's exams: the family, their mentor, the exams officer and admins (no coordinator: counts only)
    *[
        scoped_roles(endpoint, path, allowed, {Role.EXAMS_OFFICER, Role.ADMIN}, status, method)
        for READERS in [{Role.GUARDIAN, Role.LEARNER, Role.MENTOR, Role.EXAMS_OFFICER, Role.ADMIN}]
        for endpoint, path, allowed, status, method in [
            ("exams.learner", "/exams/learners/{learner}", READERS, 200, "GET"),
            ("exams.statement_pdf", "/exams/learners/{learner}/series/{series}/statement.pdf", READERS, 200, "GET"),
            (
                "exams.new_arrangement",
                "/exams/learners/{learner}/arrangements/new",
                {Role.MENTOR, Role.EXAMS_OFFICER, Role.ADMIN},
                200,
                "GET",
            ),
            (
                "exams.new_arrangement",
                "/exams/learners/{learner}/arrangements/new",
                {Role.MENTOR, Role.EXAMS_OFFICER, Role.ADMIN},
                200,
                "POST",
            ),
        ]
    ],
    # judging readiness: the current mentor or an admin (never the exams officer)
    scoped_roles("exams.judge", "/exams/learners/{learner}/readiness/new", {Role.MENTOR, Role.ADMIN}, ADMIN),
    scoped_roles(
        "exams.judge", "/exams/learners/{learner}/readiness/new", {Role.MENTOR, Role.ADMIN}, ADMIN, method="POST"
    ),
    # confirming is the learner's and their family's alone
    scoped_roles(
        "exams.confirm", "/exams/judgements/{judgement}/confirm", {Role.GUARDIAN, Role.LEARNER}, set(), method="POST"
    ),
    # progress reports: the family's list, a mentor's (or admin's) term list, publishing (admin). The shared learner
    # has no mentor and no report, so only an admin reaches the comment page and the draft report.
    roles("progress_reports.family", "/reports/", {Role.GUARDIAN, Role.LEARNER}),
    roles("progress_reports.caseload", "/reports/caseload", {Role.MENTOR, Role.ADMIN}),
    roles("progress_reports.caseload", "/reports/caseload?term=2027-spring", {Role.MENTOR, Role.ADMIN}),
    roles("progress_reports.publish", "/reports/terms/2027-spring/publish", ADMIN),
    roles("progress_reports.publish", "/reports/terms/2027-spring/publish", ADMIN, 302, method="POST"),
    # building a term's PDFs from the browser (admin): the form (posted empty: errors on the page, nothing queued),
    # a build's progress page and its figures as JSON
    roles("progress_reports.build", "/reports/terms/2027-spring/build", ADMIN),
    roles("progress_reports.build", "/reports/terms/2027-spring/build", ADMIN, method="POST"),
    roles("progress_reports.run", "/reports/runs/{report_run}", ADMIN),
    roles("progress_reports.run_progress", "/reports/runs/{report_run}/progress", ADMIN),
    scoped_roles(
        "progress_reports.comment",
        "/reports/learners/{learner}/terms/2027-spring/comment",
        {Role.MENTOR, Role.ADMIN},
        ADMIN,
    ),
    scoped_roles(
        "progress_reports.comment",
        "/reports/learners/{learner}/terms/2027-spring/comment",
        {Role.MENTOR, Role.ADMIN},
        ADMIN,
        method="POST",
    ),
    scoped_roles(
        "progress_reports.report_pdf",
        "/reports/learners/{learner}/terms/2027-spring.pdf",
        {Role.GUARDIAN, Role.LEARNER, Role.MENTOR, Role.COORDINATOR, Role.ADMIN},
        ADMIN,
    ),
    # last: ends the session
    signed_in("auth.sign_out", "/sign-out", 302, method="POST"),
]

# the community pages (tests/access_community/): before sign-out, which ends the session
from tests import access_community  # noqa: E402

ROUTES[-1:-1] = access_community.routes()
