"""A small academy in which every role is related to one learner, for tests that send every form of the product
as someone who may use it (tests/test_form_errors.py, tests/test_hostile_input.py).

The learner is in a locality with a coordinator, has a mentor, a learner account, a parent with an account and a
second parent with an email address but no account yet (so the staff page offers to invite them), a plan with a
goal and a review, a log entry, a PNG in the portfolio, an exhibition, a concern, a spend request and a draft, and
a personal account with money in it. The paths of tests/access.py ROUTES are filled from :attr:`World.objects`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tests import access_community
from tests.conftest import sign_in
from tests.exams_objects import exam_objects
from tests.factories import (
    AgreedActionFactory,
    ApplicationFactory,
    EvidenceFactory,
    ExhibitionFactory,
    FundingYearFactory,
    GoalFactory,
    GuardianFactory,
    LearnerFactory,
    LogEntryFactory,
    NotificationFactory,
    PlanReviewFactory,
    ReportRunFactory,
    SafeguardingConcernFactory,
    SpendRequestFactory,
    SubjectAreaFactory,
    UserFactory,
    income_transfer,
    use_test_evidence_folder,
)
from virtualacademy.extensions import db
from virtualacademy.models import Guardian, LocalityRole, LocalityStaff, Role, SpendStatus, TransferKind
from virtualacademy.services import ledger, mentoring, sessions


@dataclass
class World:
    users: dict[str, object]
    objects: dict[str, int]

    def path(self, template: str) -> str:
        return template.format(**self.objects)


def build_world() -> World:
    use_test_evidence_folder()
    admin = UserFactory(roles=[Role.ADMIN])
    learner = LearnerFactory(enrolled=date(2026, 9, 1))
    guardian = GuardianFactory(family=learner.family)
    db.session.add(
        Guardian(family_id=learner.family_id, name="Sam Second", email="sam.second@example.com", is_primary=False)
    )
    learner_user = UserFactory(roles=[Role.LEARNER])
    learner.user_id = learner_user.id
    mentor = UserFactory(roles=[Role.MENTOR])
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    db.session.add_all(
        [
            LocalityStaff(user_id=coordinator.id, locality_id=learner.locality_id, role=LocalityRole.COORDINATOR),
            LocalityStaff(user_id=mentor.id, locality_id=learner.locality_id, role=LocalityRole.MENTOR),
        ]
    )
    mentoring.assign(admin, learner, mentor, date(2026, 9, 1))
    db.session.commit()
    other_user = UserFactory(roles=[Role.MENTOR])
    sessions.start(other_user, "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
    goal = GoalFactory(plan__learner=learner)
    account = ledger.personal_account(learner)
    ledger.post(admin, ledger.funding_source(), account, 50_000, TransferKind.INCOME, "Seed money", "world-seed")
    db.session.commit()
    objects = {
        "other_user": other_user.id,
        "user_session": other_user.current_session_id,
        "locality": learner.locality_id,
        "application": ApplicationFactory().id,
        "notification": NotificationFactory(user=other_user).id,
        "learner": learner.id,
        "action": AgreedActionFactory(learner=learner).id,
        "family": learner.family_id,
        "concern": SafeguardingConcernFactory(learner=learner, raised_by=mentor).id,
        "funding_year": FundingYearFactory().id,
        "transfer": income_transfer().id,
        "spend_request": SpendRequestFactory(learner=learner).id,
        "spend_draft": SpendRequestFactory(learner=learner, status=SpendStatus.DRAFT).id,
        "account": account.id,
        "goal": goal.id,
        "plan_review": PlanReviewFactory(plan_id=goal.plan_id).id,
        "subject_area": SubjectAreaFactory().id,
        "log_entry": LogEntryFactory(learner=learner).id,
        "evidence": EvidenceFactory(learner=learner).id,
        "exhibition": ExhibitionFactory(learner=learner).id,
        "report_run": ReportRunFactory(requested_by=admin).id,
        **exam_objects(learner),
        **access_community.objects(learner, other_user),
    }
    users = {
        Role.ADMIN.value: admin,
        Role.GUARDIAN.value: guardian.user,
        Role.LEARNER.value: learner_user,
        Role.MENTOR.value: mentor,
        Role.COORDINATOR.value: coordinator,
        Role.SAFEGUARDING_LEAD.value: UserFactory(roles=[Role.SAFEGUARDING_LEAD]),
        Role.EXAMS_OFFICER.value: UserFactory(roles=[Role.EXAMS_OFFICER]),
    }
    return World(users, objects)


def client_for(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client
