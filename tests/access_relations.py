"""The access matrix by relationship: a small academy, and who may reach each child's pages in it.

``tests/access.py`` checks each route against a user holding one role who owns nothing of the object. That
cannot tell a mentor of this child from a mentor of another, nor a parent from the parent next door. Here a
small academy is built, with people related to its children in every way the product knows:

=====================  ==========================================================================================
Family A (Northfield)  Aled (has his own account) and Anya, siblings. Their parents: Alex Ashby, and Morgan
                       Ashby, who is also a mentor (of Bryn, a child of family B).
Family B (Southmoor)   Bryn and Bella (has her own account), siblings. Their parent: Bea Brook.
Localities             Northfield, coordinated by Nia North; Southmoor, coordinated by Sol South, who is also a
                       safeguarding lead.
Mentors                Mo North mentors Aled and Anya (and handed Bella over 60 days ago); Sam South mentors Bella
                       (and handed Anya over 10 days ago); Morgan Ashby mentors Bryn.
Others                 Lee Lead (safeguarding lead), Eve Exams (exams officer), Ada Admin (admin).
Each child             a plan (with staff notes, a goal and a review), a check-in (with staff notes), a log entry,
                       a portfolio file, an exhibition, an agreed action, a funded budget, a request to spend
                       waiting for a decision and one not sent yet, and a concern raised by their mentor (with an
                       entry in its chronology by a lead).
=====================  ==========================================================================================

How each person is related to each child (``relations``) follows from that description alone, never from the
code under test. The rules (``READ``, ``WRITE``, ``DECIDE`` ...) say which relations may do what, from the "who
sees what" tables in docs/, and ``LEARNER_ROUTES`` gives each route its rule, the roles its page admits and the
status of a success. From those, ``expected_status`` says what each person gets for each child: the success
status if a relation allows it, 404 if the person may use the page but not for this child, 403 if no role of
theirs opens the page. ``LIST_PAGES`` and ``SECRETS`` do the same for what list pages name and for what staff
write about a child.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from tests.exams_objects import exam_objects, exam_setting
from tests.factories import (
    AgreedActionFactory,
    EvidenceFactory,
    ExhibitionFactory,
    FamilyFactory,
    GoalFactory,
    LearnerFactory,
    LearningPlanFactory,
    LocalityFactory,
    LogEntryFactory,
    PlanReviewFactory,
    SafeguardingConcernFactory,
    UserFactory,
)
from tests.services.test_spending import PDF, ask, fund
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import (
    ContactMethod,
    ContactWith,
    Guardian,
    LocalityRole,
    LocalityStaff,
    MentorAssignment,
    ProgressReport,
    Role,
    SpendingCategory,
    User,
)
from virtualacademy.models.accounts import STAFF_ROLES
from virtualacademy.services import ledger, mentoring, safeguarding, spending

#: A mentor who handed a learner over may still read their records for this many days (docs/mentoring.md).
HANDOVER_READ_DAYS = 30


@dataclass(frozen=True)
class Person:
    name: str
    roles: frozenset[Role]


def person(name: str, *roles: Role) -> Person:
    return Person(name, frozenset(roles))


PEOPLE: dict[str, Person] = {
    "parent_a": person("Alex Ashby", Role.GUARDIAN),
    "mentor_parent": person("Morgan Ashby", Role.GUARDIAN, Role.MENTOR),
    "parent_b": person("Bea Brook", Role.GUARDIAN),
    "learner_aled": person("Aled Ashby", Role.LEARNER),
    "learner_bella": person("Bella Brook", Role.LEARNER),
    "mentor_north": person("Mo North", Role.MENTOR),
    "mentor_south": person("Sam South", Role.MENTOR),
    "coordinator_north": person("Nia North", Role.COORDINATOR),
    "coordinator_lead": person("Sol South", Role.COORDINATOR, Role.SAFEGUARDING_LEAD),
    "safeguarding_lead": person("Lee Lead", Role.SAFEGUARDING_LEAD),
    "exams_officer": person("Eve Exams", Role.EXAMS_OFFICER),
    "admin": person("Ada Admin", Role.ADMIN),
}


@dataclass(frozen=True)
class Family:
    locality: str
    guardians: tuple[str, ...]


FAMILIES = {
    "A": Family("north", ("parent_a", "mentor_parent")),
    "B": Family("south", ("parent_b",)),
}


@dataclass(frozen=True)
class Child:
    name: str
    family: str
    #: The person signing in as this child, if they have an account.
    account: str | None = None


CHILDREN: dict[str, Child] = {
    "aled": Child("Aled Ashby", "A", account="learner_aled"),
    "anya": Child("Anya Ashby", "A"),
    "bryn": Child("Bryn Brook", "B"),
    "bella": Child("Bella Brook", "B", account="learner_bella"),
}

COORDINATORS = {"north": "coordinator_north", "south": "coordinator_lead"}
MENTORS = {"aled": "mentor_north", "anya": "mentor_north", "bryn": "mentor_parent", "bella": "mentor_south"}
#: Earlier mentors: the child, the mentor and how many days ago they handed over.
HANDED_OVER = [("anya", "mentor_south", 10), ("bella", "mentor_north", 60)]
#: Who raised the concern about each child.
CONCERN_RAISED_BY = {child: MENTORS[child] for child in CHILDREN}

# --- relations ----------------------------------------------------------------------------------------------------

SELF = "the child's own account"
GUARDIAN = "a parent or carer of the child"
MENTOR = "the child's mentor"
RECENT_MENTOR = f"the child's mentor until fewer than {HANDOVER_READ_DAYS} days ago"
COORDINATOR = "the coordinator of the child's locality"
LEAD = "a safeguarding lead"
RAISER = "the one who raised the concern about the child"
ADMIN = "an admin"
EXAMS_OFFICER = "an exams officer (reads every learner's record)"
ANYONE = "anyone the page lets in"


def relations(who: str, child: str) -> set[str]:
    """How ``who`` is related to ``child`` in the academy above."""
    me, kid = PEOPLE[who], CHILDREN[child]
    related = {ANYONE}
    if kid.account == who:
        related.add(SELF)
    if who in FAMILIES[kid.family].guardians:
        related.add(GUARDIAN)
    if MENTORS[child] == who:
        related.add(MENTOR)
    if any(c == child and m == who and days < HANDOVER_READ_DAYS for c, m, days in HANDED_OVER):
        related.add(RECENT_MENTOR)
    if COORDINATORS[FAMILIES[kid.family].locality] == who:
        related.add(COORDINATOR)
    if CONCERN_RAISED_BY[child] == who:
        related.add(RAISER)
    if Role.SAFEGUARDING_LEAD in me.roles:
        related.add(LEAD)
    if Role.EXAMS_OFFICER in me.roles:
        related.add(EXAMS_OFFICER)
    if Role.ADMIN in me.roles:
        related.add(ADMIN)
    return related


def locality_relations(who: str, locality: str) -> set[str]:
    related = {ANYONE}
    if COORDINATORS[locality] == who:
        related.add(COORDINATOR)
    if Role.ADMIN in PEOPLE[who].roles:
        related.add(ADMIN)
    return related


# --- rules: which relations may do what ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    name: str
    #: Any of these relations allows it ...
    may: frozenset[str]
    #: ... unless the person also has one of these.
    never: frozenset[str] = frozenset()

    def allows(self, related: set[str]) -> bool:
        return bool(related & self.may) and not related & self.never


def who_may(rule: Rule, who: str, child: str) -> bool:
    """Whether ``rule`` lets ``who`` act on ``child``'s things in the academy above."""
    return rule.allows(relations(who, child))


def rule(name: str, *may: str, never: tuple[str, ...] = ()) -> Rule:
    return Rule(name, frozenset(may), frozenset(never))


FAMILY = (SELF, GUARDIAN)
#: docs/enrolment.md, learning.md and funding.md ("who sees what"): the child's record, plan, log, budget.
READ = rule("read", *FAMILY, MENTOR, RECENT_MENTOR, COORDINATOR, ADMIN)
#: The plan and the log are written by the family, the current mentor and admins; coordinators only read.
WRITE = rule("write", *FAMILY, MENTOR, ADMIN)
#: Reviews, review dates, the record's summary, corrections: the current mentor and admins.
REVIEW = rule("review", MENTOR, ADMIN)
#: The showcase is the child's choice (their parents may make it for them).
SHOWCASE = rule("showcase", *FAMILY, ADMIN)
#: The family's own pages about their child: its parents and carers.
FAMILY_DETAILS = rule("family details", GUARDIAN)
#: Staff records of contact (docs/mentoring.md): mentors (read-only for 30 days after a handover), coordinator.
CONTACT_READ = rule("contact records", MENTOR, RECENT_MENTOR, COORDINATOR, ADMIN)
CONTACT_WRITE = rule("contact records: write", MENTOR, COORDINATOR, ADMIN)
#: Assigning a mentor and setting support: the locality's coordinator and admins.
ASSIGN = rule("assign a mentor", COORDINATOR, ADMIN)
#: docs/funding.md: asking to spend is the family's; deciding is for staff, never the family.
ASK_TO_SPEND = rule("ask to spend", *FAMILY)
DECIDE = rule("decide a request", MENTOR, COORDINATOR, ADMIN, never=FAMILY)
STATEMENT = rule("statement", *FAMILY, COORDINATOR, ADMIN)
#: docs/safeguarding.md: leads see every concern, the raiser their own; only leads act on one.
CONCERN = rule("concern", LEAD, RAISER)
CONCERN_ACT = rule("concern: act", LEAD)
#: Any member of staff may raise a concern about any enrolled child.
RAISE_CONCERN = rule("raise a concern", ANYONE)
LOCALITY_BUDGET = rule("locality budget", COORDINATOR, ADMIN)
LOCALITY_READ = rule("locality", COORDINATOR, ADMIN)
LOCALITY_CHANGE = rule("locality: change", ADMIN)
RECORD = rule("the child's record", *FAMILY, MENTOR, RECENT_MENTOR, COORDINATOR, EXAMS_OFFICER, ADMIN)
#: docs/exams.md: readiness, entries, arrangements and statements are the family's, the mentor's (and for 30 days
#: after a handover), the exams officer's and admins'; a coordinator sees counts only.
EXAMS_READ = rule("exams", *FAMILY, MENTOR, RECENT_MENTOR, EXAMS_OFFICER, ADMIN)
EXAMS_JUDGE = rule("exams: judge readiness", MENTOR, ADMIN)
EXAMS_CONFIRM = rule("exams: confirm", *FAMILY)
EXAMS_ARRANGE = rule("exams: draft an arrangement", MENTOR, EXAMS_OFFICER, ADMIN)
EXAMS_MANAGE = rule("exams: entries", EXAMS_OFFICER, ADMIN)

# --- the routes ---------------------------------------------------------------------------------------------------

#: The roles a page lets in (``requires_roles``); anyone else signed in gets 403. ``None``: any signed-in user.
SIGNED_IN = None
FAMILY_ROLES = frozenset({Role.GUARDIAN, Role.LEARNER})
STAFF_WITH_LEARNERS = frozenset({Role.MENTOR, Role.COORDINATOR, Role.ADMIN})
LEARNING_ROLES = FAMILY_ROLES | STAFF_WITH_LEARNERS
PLAN_WRITERS = LEARNING_ROLES - {Role.COORDINATOR}
MENTORS_AND_ADMINS = frozenset({Role.MENTOR, Role.ADMIN})
COORDINATORS_AND_ADMINS = frozenset({Role.COORDINATOR, Role.ADMIN})
GUARDIANS = frozenset({Role.GUARDIAN})
EXAMS_STAFF = frozenset({Role.EXAMS_OFFICER, Role.ADMIN})
EXAM_READERS = FAMILY_ROLES | {Role.MENTOR} | EXAMS_STAFF
STAFF = frozenset(STAFF_ROLES)


@dataclass(frozen=True)
class LearnerRoute:
    endpoint: str
    method: str
    #: ``{learner}``, ``{plan_review}``, ``{locality}`` ... are the child's (or the locality's) objects.
    path: str
    rule: Rule
    page: frozenset[Role] | None
    #: The status for someone the rule allows (a page, a redirect after a change, a form with errors).
    ok: int = 200
    #: The status for the child's parents, where their own page is elsewhere.
    family_ok: int | None = None
    #: Those this rule lets reach the object but not act on it get 403 rather than 404 (they know it exists).
    reached_by: Rule | None = None
    data: dict = field(default_factory=dict)

    @property
    def per_locality(self) -> bool:
        return "{locality" in self.path

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def r(endpoint, method, path, rule, page, ok=200, **kw) -> LearnerRoute:
    return LearnerRoute(endpoint, method, path, rule, page, ok, **kw)


L = "/learning/learners/{learner}"

#: Every route that reaches something of one child's (or one locality's). POSTs carry no form (or a form with
#: nothing in it), so a success is a form with errors (200) unless it says otherwise. Things that change what
#: later rows see come last for each child: approving a request, deleting an entry or a file.
# fmt: off
LEARNER_ROUTES: list[LearnerRoute] = [
    # the child's record (families)
    r("families.learner_detail", "GET", "/learners/{learner}", RECORD, SIGNED_IN, family_ok=302),
    r("families.family_learner", "GET", "/family/learners/{learner}", FAMILY_DETAILS, GUARDIANS),
    r("families.family_learner", "POST", "/family/learners/{learner}", FAMILY_DETAILS, GUARDIANS, 302),
    r("families.invite_learner_account", "POST", "/family/learners/{learner}/account", FAMILY_DETAILS, GUARDIANS),
    # mentoring
    r("mentoring.learner", "GET", "/caseload/learners/{learner}", CONTACT_READ, STAFF_WITH_LEARNERS),
    r("mentoring.record_check_in", "GET", "/caseload/learners/{learner}/check-in", CONTACT_WRITE, STAFF_WITH_LEARNERS),
    r("mentoring.record_check_in", "POST", "/caseload/learners/{learner}/check-in", CONTACT_WRITE, STAFF_WITH_LEARNERS),
    r("mentoring.add_other_adult", "POST", "/caseload/learners/{learner}/adults", CONTACT_WRITE, STAFF_WITH_LEARNERS),
    r("mentoring.close_action", "POST", "/caseload/actions/{action}/close", CONTACT_WRITE, STAFF_WITH_LEARNERS, 302),
    r("mentoring.set_support", "POST", "/caseload/learners/{learner}/support", ASSIGN, COORDINATORS_AND_ADMINS),
    r("mentoring.assign", "GET", "/mentoring/learners/{learner}/assign", ASSIGN, COORDINATORS_AND_ADMINS),
    r("mentoring.assign", "POST", "/mentoring/learners/{learner}/assign", ASSIGN, COORDINATORS_AND_ADMINS),
    # safeguarding
    r("safeguarding.raise_concern", "GET", "/safeguarding/raise?learner={learner}", RAISE_CONCERN, STAFF),
    r("safeguarding.raise_concern", "POST", "/safeguarding/raise?learner={learner}", RAISE_CONCERN, STAFF),
    r("safeguarding.concern", "GET", "/safeguarding/concerns/{concern}", CONCERN, SIGNED_IN),
    r("safeguarding.add_entry", "POST", "/safeguarding/concerns/{concern}/entries", CONCERN_ACT, SIGNED_IN),
    r("safeguarding.reopen", "POST", "/safeguarding/concerns/{concern}/reopen", CONCERN_ACT, SIGNED_IN),
    # funding: the budget, asking to spend (a draft with its invoice), a request waiting for a decision
    r("funding.learner_budget", "GET", "/funding/learners/{learner}/budget", READ, LEARNING_ROLES),
    r("funding.new_spend_request", "GET", "/funding/learners/{learner}/requests/new", ASK_TO_SPEND, FAMILY_ROLES),
    r("funding.new_spend_request", "POST", "/funding/learners/{learner}/requests/new", ASK_TO_SPEND, FAMILY_ROLES),
    r("funding.check_spend_request", "GET", "/funding/requests/{spend_draft}/check", ASK_TO_SPEND, FAMILY_ROLES),
    r("funding.change_spend_request", "GET", "/funding/requests/{spend_draft}/change", ASK_TO_SPEND, FAMILY_ROLES),
    r("funding.change_spend_request", "POST", "/funding/requests/{spend_draft}/change", ASK_TO_SPEND, FAMILY_ROLES),
    r("funding.send_spend_request", "POST", "/funding/requests/{spend_draft}/send", ASK_TO_SPEND, FAMILY_ROLES, 302),
    r("funding.spend_request", "GET", "/funding/requests/{spend_request}", READ, SIGNED_IN),
    r("funding.spend_document", "GET", "/funding/requests/{spend_request}/document", READ, SIGNED_IN),
    r("funding.decline_spend_request", "POST", "/funding/requests/{spend_request}/decline", DECIDE, SIGNED_IN),
    r("funding.approve_spend_request", "POST", "/funding/requests/{spend_request}/approve", DECIDE, SIGNED_IN, 302),
    r("funding.statement", "GET", "/funding/accounts/{account}/statement", STATEMENT, SIGNED_IN),
    r("funding.statement_csv", "GET", "/funding/accounts/{account}/statement.csv", STATEMENT, SIGNED_IN),
    r("funding.statement_pdf", "GET", "/funding/accounts/{account}/statement.pdf", STATEMENT, SIGNED_IN),
    # exams (after the budget's routes: confirming, applying and deciding come back with a message, changing nothing)
    r("exams.learner", "GET", "/exams/learners/{learner}", EXAMS_READ, EXAM_READERS),
    r("exams.statement_pdf", "GET", "/exams/learners/{learner}/series/{series}/statement.pdf", EXAMS_READ, EXAM_READERS),
    r("exams.judge", "GET", "/exams/learners/{learner}/readiness/new", EXAMS_JUDGE, MENTORS_AND_ADMINS),
    r("exams.judge", "POST", "/exams/learners/{learner}/readiness/new", EXAMS_JUDGE, MENTORS_AND_ADMINS),
    r("exams.confirm", "POST", "/exams/judgements/{judgement}/confirm", EXAMS_CONFIRM, FAMILY_ROLES, 302),
    r("exams.new_arrangement", "GET", "/exams/learners/{learner}/arrangements/new", EXAMS_ARRANGE,
      MENTORS_AND_ADMINS | EXAMS_STAFF),
    r("exams.new_arrangement", "POST", "/exams/learners/{learner}/arrangements/new", EXAMS_ARRANGE,
      MENTORS_AND_ADMINS | EXAMS_STAFF),
    r("exams.new_entry", "GET", "/exams/learners/{learner}/entries/new", EXAMS_MANAGE, EXAMS_STAFF),
    r("exams.new_entry", "POST", "/exams/learners/{learner}/entries/new", EXAMS_MANAGE, EXAMS_STAFF),
    r("exams.entry", "GET", "/exams/entries/{exam_entry}", EXAMS_MANAGE, EXAMS_STAFF),
    r("exams.confirm_entered", "POST", "/exams/entries/{exam_entry}/candidate", EXAMS_MANAGE, EXAMS_STAFF),
    r("exams.record_result", "POST", "/exams/entries/{exam_entry}/result", EXAMS_MANAGE, EXAMS_STAFF),
    r("exams.change_tier", "POST", "/exams/entries/{exam_entry}/tier", EXAMS_MANAGE, EXAMS_STAFF),
    r("exams.mark_sat", "POST", "/exams/entries/{exam_entry}/sat", EXAMS_MANAGE, EXAMS_STAFF, 302),
    r("exams.withdraw", "GET", "/exams/entries/{exam_entry}/withdraw", EXAMS_MANAGE, EXAMS_STAFF),
    r("exams.withdraw", "POST", "/exams/entries/{exam_entry}/withdraw", EXAMS_MANAGE, EXAMS_STAFF),
    r("exams.apply_arrangement", "POST", "/exams/arrangements/{arrangement}/apply", EXAMS_MANAGE, EXAMS_STAFF, 302),
    r("exams.decide_arrangement", "POST", "/exams/arrangements/{arrangement}/decide", EXAMS_MANAGE, EXAMS_STAFF, 302,
      data={"decision": "declined"}),
    # learning: the plan
    r("learning.plan", "GET", f"{L}/plan", READ, LEARNING_ROLES),
    r("learning.plan_history", "GET", f"{L}/plan/history", READ, LEARNING_ROLES),
    r("learning.plan_version", "GET", f"{L}/plan/history/1", READ, LEARNING_ROLES),
    r("learning.review", "GET", "/learning/reviews/{plan_review}", READ, LEARNING_ROLES),
    r("learning.edit_plan", "GET", f"{L}/plan/edit", WRITE, PLAN_WRITERS),
    r("learning.edit_plan", "POST", f"{L}/plan/edit", WRITE, PLAN_WRITERS, 302),
    r("learning.add_goal", "GET", f"{L}/plan/goals/new", WRITE, PLAN_WRITERS),
    r("learning.add_goal", "POST", f"{L}/plan/goals/new", WRITE, PLAN_WRITERS),
    r("learning.edit_goal", "GET", "/learning/goals/{goal}/edit", WRITE, PLAN_WRITERS),
    r("learning.edit_goal", "POST", "/learning/goals/{goal}/edit", WRITE, PLAN_WRITERS),
    r("learning.archive_goal", "POST", "/learning/goals/{goal}/archive", WRITE, PLAN_WRITERS, 302),
    r("learning.record_review", "GET", f"{L}/plan/review", REVIEW, MENTORS_AND_ADMINS),
    r("learning.record_review", "POST", f"{L}/plan/review", REVIEW, MENTORS_AND_ADMINS),
    r("learning.review_schedule", "GET", f"{L}/plan/review-dates", REVIEW, MENTORS_AND_ADMINS),
    r("learning.review_schedule", "POST", f"{L}/plan/review-dates", REVIEW, MENTORS_AND_ADMINS),
    r("learning.share_plan", "POST", f"{L}/plan/share", REVIEW, MENTORS_AND_ADMINS, 302),
    # learning: the log, the portfolio, exhibitions, the record of achievement
    r("learning.week", "GET", f"{L}/week", READ, LEARNING_ROLES),
    r("learning.attendance", "GET", f"{L}/attendance", READ, LEARNING_ROLES),
    r("learning.log_new", "GET", f"{L}/log/new", WRITE, LEARNING_ROLES),
    r("learning.log_new", "POST", f"{L}/log/new", WRITE, LEARNING_ROLES),
    r("learning.log_edit", "GET", "/learning/log/{log_entry}/edit", WRITE, LEARNING_ROLES),
    r("learning.log_edit", "POST", "/learning/log/{log_entry}/edit", WRITE, LEARNING_ROLES),
    r("learning.portfolio", "GET", f"{L}/portfolio", READ, LEARNING_ROLES),
    r("learning.evidence_new", "GET", f"{L}/portfolio/new", WRITE, LEARNING_ROLES),
    r("learning.evidence_new", "POST", f"{L}/portfolio/new", WRITE, LEARNING_ROLES),
    r("learning.evidence_detail", "GET", "/learning/evidence/{evidence}", READ, LEARNING_ROLES),
    r("learning.evidence_file", "GET", "/learning/evidence/{evidence}/file", READ, LEARNING_ROLES),
    r("learning.evidence_file", "GET", "/learning/evidence/{evidence}/file?inline=1", READ, LEARNING_ROLES),
    r("learning.evidence_comment", "POST", "/learning/evidence/{evidence}/comments", WRITE, LEARNING_ROLES),
    r("learning.evidence_edit", "GET", "/learning/evidence/{evidence}/edit", WRITE, LEARNING_ROLES),
    r("learning.evidence_edit", "POST", "/learning/evidence/{evidence}/edit", WRITE, LEARNING_ROLES),
    r("learning.exhibitions_index", "GET", f"{L}/exhibitions", READ, LEARNING_ROLES),
    r("learning.exhibition_new", "GET", f"{L}/exhibitions/new", WRITE, LEARNING_ROLES),
    r("learning.exhibition_new", "POST", f"{L}/exhibitions/new", WRITE, LEARNING_ROLES),
    r("learning.exhibition_detail", "GET", "/learning/exhibitions/{exhibition}", READ, LEARNING_ROLES),
    r("learning.exhibition_feedback", "GET", "/learning/exhibitions/{exhibition}/feedback", WRITE, LEARNING_ROLES),
    r("learning.exhibition_feedback", "POST", "/learning/exhibitions/{exhibition}/feedback", WRITE, LEARNING_ROLES),
    r("learning.achievement_page", "GET", f"{L}/achievement", READ, LEARNING_ROLES),
    r("learning.achievement_pdf", "GET", f"{L}/achievement.pdf", READ, LEARNING_ROLES),
    r("learning.achievement_narrative", "GET", f"{L}/achievement/summary", REVIEW, MENTORS_AND_ADMINS),
    r("learning.achievement_narrative", "POST", f"{L}/achievement/summary", REVIEW, MENTORS_AND_ADMINS),
    r("learning.evidence_showcase", "POST", "/learning/evidence/{evidence}/showcase", SHOWCASE, LEARNING_ROLES, 302,
        data={"show": "yes"}),
    r("learning.log_delete", "GET", "/learning/log/{log_entry}/delete", WRITE, LEARNING_ROLES),
    r("learning.log_delete", "POST", "/learning/log/{log_entry}/delete", WRITE, LEARNING_ROLES, 302),
    r("learning.evidence_delete", "GET", "/learning/evidence/{evidence}/delete", WRITE, LEARNING_ROLES),
    r("learning.evidence_delete", "POST", "/learning/evidence/{evidence}/delete", WRITE, LEARNING_ROLES, 302),
    # a locality's budget and its spending (each of the two localities)
    r("localities.detail", "GET", "/localities/{locality}", LOCALITY_READ, COORDINATORS_AND_ADMINS),
    r("localities.detail", "POST", "/localities/{locality}", LOCALITY_CHANGE, COORDINATORS_AND_ADMINS,
      reached_by=LOCALITY_READ),
    r("funding.locality_budget", "GET", "/funding/localities/{locality}", LOCALITY_BUDGET, COORDINATORS_AND_ADMINS),
    r("funding.record_locality_spend", "GET", "/funding/localities/{locality}/spend", LOCALITY_BUDGET,
        COORDINATORS_AND_ADMINS),
    r("funding.record_locality_spend", "POST", "/funding/localities/{locality}/spend", LOCALITY_BUDGET,
        COORDINATORS_AND_ADMINS),
    r("funding.statement", "GET", "/funding/accounts/{locality_account}/statement", LOCALITY_BUDGET, SIGNED_IN),
    r("funding.statement_csv", "GET", "/funding/accounts/{locality_account}/statement.csv", LOCALITY_BUDGET,
        SIGNED_IN),
    r("funding.statement_pdf", "GET", "/funding/accounts/{locality_account}/statement.pdf", LOCALITY_BUDGET,
        SIGNED_IN),
    # progress reports: the comment (mentor, admin), a published report (whoever sees the child) and a draft
    r("progress_reports.comment", "GET", "/reports/learners/{learner}/terms/2027-spring/comment", REVIEW,
      MENTORS_AND_ADMINS),
    r("progress_reports.comment", "POST", "/reports/learners/{learner}/terms/2027-spring/comment", REVIEW,
      MENTORS_AND_ADMINS),
    r("progress_reports.report_pdf", "GET", "/reports/learners/{learner}/terms/2026-autumn.pdf", READ,
      LEARNING_ROLES),
    r("progress_reports.report_pdf", "GET", "/reports/learners/{learner}/terms/2027-spring.pdf", REVIEW,
      LEARNING_ROLES),
]
# fmt: on

# --- lists: which children (or localities) each page names -----------------------------------------------------------


@dataclass(frozen=True)
class ListPage:
    endpoint: str
    path: str
    #: Whom the page lists: every child (or locality) this rule allows, and no other.
    rule: Rule
    page: frozenset[Role] | None
    per_locality: bool = False
    #: A page that shows some of them (a dashboard panel, a queue): it names none the rule does not allow.
    some: bool = False


CASELOAD = rule("caseload", MENTOR)
OWN = rule("own", SELF)
OWN_CHILDREN = rule("own children", GUARDIAN)

LIST_PAGES = [
    ListPage("families.learners", "/learners", RECORD, COORDINATORS_AND_ADMINS | {Role.EXAMS_OFFICER}),
    ListPage("mentoring.caseload", "/caseload", CASELOAD, frozenset({Role.MENTOR})),
    ListPage("mentoring.unassigned", "/mentoring/unassigned", ASSIGN, COORDINATORS_AND_ADMINS, some=True),
    ListPage("funding.spend_requests", "/funding/requests?status=all", READ, STAFF_WITH_LEARNERS),
    ListPage("safeguarding.index", "/safeguarding/?status=all", CONCERN, STAFF),
    ListPage("families.family_home", "/family", OWN_CHILDREN, GUARDIANS),
    ListPage("funding.family_budgets", "/funding/family", OWN_CHILDREN, GUARDIANS),
    ListPage("learning.log_home", "/learning/log", READ, LEARNING_ROLES),
    ListPage("families.learner_home", "/me", OWN, frozenset({Role.LEARNER})),
    ListPage("learning.my_plan", "/learning/my-plan", OWN, frozenset({Role.LEARNER})),
    ListPage("funding.my_budget", "/funding/my-budget", OWN, frozenset({Role.LEARNER})),
    ListPage(
        "main.dashboard", "/dashboard", rule("record or concern", *RECORD.may, *CONCERN.may), SIGNED_IN, some=True
    ),
    ListPage("exams.family", "/exams/family", rule("exams: own", SELF, GUARDIAN), FAMILY_ROLES),
    ListPage("funding.locality_budgets", "/funding/localities", LOCALITY_BUDGET, COORDINATORS_AND_ADMINS, True),
]

LOCALITY_NAMES = {"north": "Northfield", "south": "Southmoor"}


def may_see(page: ListPage, who: str) -> set[str]:
    """The children (or localities) ``who`` may see named on ``page``."""
    if page.per_locality:
        return {place for place in COORDINATORS if page.rule.allows(locality_relations(who, place))}
    return {child for child in CHILDREN if who_may(page.rule, who, child)}


# --- what is written about a child for staff only: on no page of anyone else's ----------------------------------------


@dataclass(frozen=True)
class Secret:
    name: str
    #: What is written about the child (``{name}``: their first name).
    text: str
    rule: Rule
    #: Where someone the rule allows reads it.
    home: str


#: docs/learning.md: the plan's staff notes are for the mentor (also for 30 days after a handover) and admins.
STAFF_NOTES = rule("plan staff notes", MENTOR, RECENT_MENTOR, ADMIN)

SECRETS = [
    Secret("plan staff notes", "Staff note for {name}: works best in the mornings.", STAFF_NOTES, f"{L}/plan"),
    Secret("check-in notes", "Check-in note for {name}: tired and sleeping badly.", CONTACT_READ,
        "/caseload/learners/{learner}"),
    Secret("concern", "Concern about {name}: a bruise on the arm.", CONCERN, "/safeguarding/concerns/{concern}"),
    Secret("concern chronology", "Chronology for {name}: talked to social care.", CONCERN_ACT,
        "/safeguarding/concerns/{concern}"),
]  # fmt: skip

#: Where a secret could slip out: every page about one child, and the pages that gather children together.
PAGES_ABOUT_A_CHILD = [
    "/learners/{learner}",
    "/family/learners/{learner}",
    "/caseload/learners/{learner}",
    f"{L}/plan",
    f"{L}/plan/history",
    f"{L}/plan/history/1",
    f"{L}/week",
    f"{L}/achievement",
    "/funding/learners/{learner}/budget",
    "/safeguarding/concerns/{concern}",
    "/exams/learners/{learner}",
]
PAGES_ABOUT_CHILDREN = [
    "/dashboard",
    "/notifications/",
    "/me",
    "/family",
    "/funding/family",
    "/learning/log",
    "/caseload",
    "/learners",
    "/funding/requests?status=all",
    "/safeguarding/?status=all",
]


#: The objects of one child's (or locality's) that a path in ROUTES may name: such a route belongs in the table,
#: unless only admins may open it at all (then the role decides, and tests/access.py probes that).
CHILD_OBJECTS = {
    "learner",
    "action",
    "concern",
    "spend_request",
    "spend_draft",
    "account",
    "goal",
    "plan_review",
    "log_entry",
    "evidence",
    "exhibition",
    "locality",
    "judgement",
    "exam_entry",
    "arrangement",
}


def expected_status(route: LearnerRoute, who: str, target: str) -> int:
    """What ``who`` gets from ``route`` for the child (or locality) ``target``."""
    me = PEOPLE[who]
    if route.page is not None and not me.roles & route.page:
        return 403
    related = locality_relations(who, target) if route.per_locality else relations(who, target)
    if not route.rule.allows(related):
        return 403 if route.reached_by is not None and route.reached_by.allows(related) else 404
    if route.family_ok is not None and GUARDIAN in related:
        return route.family_ok
    return route.ok


# --- building it --------------------------------------------------------------------------------------------------


@dataclass
class Academy:
    users: dict[str, User]
    #: For each child (and each locality), the ids its paths are filled with.
    objects: dict[str, dict[str, int]]


def build_academy() -> Academy:
    """The academy in the module's description, with one of everything that belongs to each child: a plan with a
    goal and a review, a log entry, a portfolio file, an exhibition, an agreed action, a concern, a request to
    spend with its invoice waiting for a decision and another not sent yet, and a funded personal budget."""
    today = clock.today()
    users = {key: UserFactory(name=p.name, roles=sorted(p.roles)) for key, p in PEOPLE.items()}
    localities = {key: LocalityFactory(name=LOCALITY_NAMES[key]) for key in COORDINATORS}
    for key, coordinator in COORDINATORS.items():
        db.session.add(
            LocalityStaff(user_id=users[coordinator].id, locality_id=localities[key].id, role=LocalityRole.COORDINATOR)
        )
    families = {}
    for key, family in FAMILIES.items():
        families[key] = FamilyFactory()
        for n, guardian in enumerate(family.guardians):
            user = users[guardian]
            db.session.add(
                Guardian(family=families[key], user=user, name=user.name, email=user.email, is_primary=n == 0)
            )
    learners = {}
    for key, child in CHILDREN.items():
        learners[key] = LearnerFactory(
            legal_name=child.name,
            family=families[child.family],
            locality=localities[FAMILIES[child.family].locality],
            user=users[child.account] if child.account else None,
        )
    start = date(2026, 9, 1)
    for key, mentor in MENTORS.items():
        handed = [(m, days) for c, m, days in HANDED_OVER if c == key]
        for earlier, days in handed:
            db.session.add(
                MentorAssignment(
                    learner_id=learners[key].id,
                    mentor_id=users[earlier].id,
                    starts_on=start,
                    ends_on=today - timedelta(days=days),
                )
            )
        starts = today - timedelta(days=handed[0][1]) if handed else start
        db.session.add(MentorAssignment(learner_id=learners[key].id, mentor_id=users[mentor].id, starts_on=starts))
    db.session.flush()

    objects = {
        key: {"locality": locality.id, "locality_account": ledger.locality_account(locality).id}
        for key, locality in localities.items()
    }
    exams = exam_setting()
    community_objects = access_community.academy_objects(users, learners, localities)
    for key, ids in community_objects.items():
        if key in objects:
            objects[key].update(ids)
    for key, learner in learners.items():
        family_asks = users[CHILDREN[key].account or FAMILIES[CHILDREN[key].family].guardians[0]]
        fund(learner, 10_000)
        first_name = CHILDREN[key].name.split()[0]
        secret = {item.name: item.text.format(name=first_name) for item in SECRETS}
        goal = GoalFactory(plan=LearningPlanFactory(learner=learner, staff_notes=secret["plan staff notes"]))
        mentoring.record_check_in(
            users[MENTORS[key]],
            learner,
            occurred_at=clock.now() - timedelta(days=1),
            method=ContactMethod.PHONE,
            with_whom=ContactWith.BOTH,
            contact_made=True,
            wellbeing=4,
            engagement=4,
            notes=secret["check-in notes"],
        )
        concern = SafeguardingConcernFactory(
            learner=learner, raised_by=users[CONCERN_RAISED_BY[key]], what_happened=secret["concern"]
        )
        safeguarding.add_entry(users["safeguarding_lead"], concern, "monitor", secret["concern chronology"])
        objects[key] = {
            "learner": learner.id,
            "action": AgreedActionFactory(learner=learner).id,
            "concern": concern.id,
            "spend_request": ask(family_asks, learner).id,
            "spend_draft": spending.save_draft(
                family_asks,
                learner,
                what_for="A microscope",
                category=SpendingCategory.RESOURCES,
                amount_pence=4_000,
                supplier="Science Shop",
                document=PDF,
                filename="quote.pdf",
            ).id,
            "account": ledger.personal_account(learner).id,
            "goal": goal.id,
            "plan_review": PlanReviewFactory(plan_id=goal.plan_id).id,
            "log_entry": LogEntryFactory(learner=learner).id,
            "evidence": EvidenceFactory(learner=learner).id,
            "exhibition": ExhibitionFactory(learner=learner).id,
            **exam_objects(learner, users["exams_officer"], exams, f"{len(objects):04d}"),
            **community_objects.get(key, {}),
        }
        # the autumn's progress report, published (the spring's is still a draft)
        db.session.add(ProgressReport(learner_id=learner.id, term_key="2026-autumn", published_at=clock.now()))
    db.session.commit()
    return Academy(users, objects)


# the community pages (tests/access_community/)
from tests import access_community  # noqa: E402

LEARNER_ROUTES.extend(access_community.learner_routes())
CHILD_OBJECTS |= access_community.child_objects()
