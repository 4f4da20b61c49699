"""An academy for counting the statements of each role's main pages (tests/blueprints/test_main_page_statements*).

:func:`build` makes one family (a guardian and a child) in a locality with a coordinator and a mentor, an exams
officer, a safeguarding lead and an admin, and the things their main pages are about: the child's plan, personal
budget, an event, an exam series. :func:`grow` then adds ``n`` more of every kind of row those pages show, both
to the things shown (the family's children, the child's log entries, check-ins, transfers, spend requests,
bookings, conversations; the mentor's caseload; the locality's events and their bookings; the series' entries;
concerns, applications, notifications) and to the rest of the academy (learners, mentors and events of another
locality). A page whose count of statements is the same after ``grow(world, 2)`` as after ``grow(world, 10)``
more does not grow with the academy or with its rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count

from sqlalchemy import insert

from tests.community_world import event_input, make_family, starts
from tests.conftest import sign_in
from tests.exams_objects import exam_objects, exam_setting
from tests.factories import (
    ApplicationFactory,
    FundingYearFactory,
    GoalFactory,
    GuardianFactory,
    LearnerFactory,
    LocalityFactory,
    LogEntryFactory,
    NotificationFactory,
    SafeguardingConcernFactory,
    SpendRequestFactory,
    SubjectAreaFactory,
    UserFactory,
    fund_exams_budget,
    income_transfer,
    many_learners,
    many_staff,
)
from tests.statements import statements_per_page
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import (
    ActionOwner,
    ContactMethod,
    ContactWith,
    Conversation,
    Event,
    ExamCentre,
    ExamSeries,
    Family,
    Learner,
    LearningPlan,
    Locality,
    LocalityRole,
    LocalityStaff,
    MentorAssignment,
    Opportunity,
    Placement,
    Role,
    SubjectArea,
    TransferKind,
    User,
)
from virtualacademy.services import ledger, mentoring
from virtualacademy.services.community import announcements, bookings, conversations, events, opportunities
from virtualacademy.services.mentoring import ActionInput

_keys = count(1)


@dataclass
class PageWorld:
    """Who is who (each role's user id and email) and the ids the pages' paths name. Only ids are kept: each page
    is counted with an empty session (as in production), so the objects the test made do not outlive a page."""

    users: dict[str, tuple[int, str]]
    ids: dict[str, int]
    setting: tuple[int, int]

    def path(self, template: str) -> str:
        return template.format(**self.ids)

    def email(self, role: str) -> str:
        return self.users[role][1]

    def user(self, role: str) -> User:
        return db.session.get(User, self.users[role][0])

    def get(self, model, key: str):
        return db.session.get(model, self.ids[key])


class _Shape:
    """What ``tests.community_world.event_input`` reads of a community: its locality and subjects."""

    def __init__(self, locality: Locality, subject_id: int):
        self.locality, self.subject_ids = locality, [subject_id]


def build() -> PageWorld:
    locality, other = LocalityFactory(name="North"), LocalityFactory(name="South")
    admin = UserFactory(roles=[Role.ADMIN])
    guardian = GuardianFactory()
    learner = LearnerFactory(family=guardian.family, locality=locality, enrolled=date(2026, 9, 1))
    mentor, coordinator = UserFactory(roles=[Role.MENTOR]), UserFactory(roles=[Role.COORDINATOR])
    db.session.add_all(
        [
            LocalityStaff(user_id=coordinator.id, locality_id=locality.id, role=LocalityRole.COORDINATOR),
            LocalityStaff(user_id=mentor.id, locality_id=locality.id, role=LocalityRole.MENTOR),
        ]
    )
    mentoring.assign(admin, learner, mentor, date(2026, 9, 1))
    officer = UserFactory(roles=[Role.EXAMS_OFFICER])
    subject = SubjectAreaFactory(name="Science")
    plan = GoalFactory(plan__learner=learner, subjects=[subject]).plan_id
    event = events.create_event(coordinator, event_input(_Shape(locality, subject.id), capacity=100))
    events.publish(coordinator, event)
    bookings.book(guardian.user, event, learner=learner)
    placement = _placement(coordinator, guardian.user, learner, _opportunity(coordinator, locality, "Farm"))
    conversation = conversations.start(guardian.user, learner, "Maths worries", "Hello")
    announcement = announcements.post(coordinator, locality, "Welcome", "Body")
    series, centre = exam_setting(seats=100)
    fund_exams_budget(10_000_000)
    exams = exam_objects(learner, officer, (series, centre))
    people = {
        "admin": admin,
        "guardian": guardian.user,
        "mentor": mentor,
        "coordinator": coordinator,
        "safeguarding_lead": UserFactory(roles=[Role.SAFEGUARDING_LEAD]),
        "exams_officer": officer,
    }
    ids = dict(
        learner=learner.id,
        family=learner.family_id,
        locality=locality.id,
        other_locality=other.id,
        subject=subject.id,
        plan=plan,
        account=ledger.personal_account(learner).id,
        event=event.id,
        series=series.id,
        centre=centre.id,
        entry=exams["exam_entry"],
        funding_year=FundingYearFactory().id,
        opportunity=placement.opportunity_id,
        placement=placement.id,
        conversation=conversation.id,
        announcement=announcement.id,
        concern=SafeguardingConcernFactory(learner=learner, raised_by=mentor).id,
    )
    db.session.commit()
    return PageWorld({role: (user.id, user.email) for role, user in people.items()}, ids, (series.id, centre.id))


def _opportunity(coordinator: User, locality: Locality, title: str) -> Opportunity:
    return opportunities.save_opportunity(
        coordinator,
        None,
        opportunities.OpportunityInput(
            title=title,
            kind=opportunities.OpportunityKind.INTERNSHIP,
            host_organisation=f"{title} Ltd",
            contact_name="Jo Fields",
            interests="animals, farming",
            locality_id=locality.id,
            places=100,
            host_checked_on=clock.today() - timedelta(days=30),
        ),
    )


def _placement(coordinator: User, guardian: User, learner: Learner, opportunity: Opportunity) -> Placement:
    """``learner``'s approved placement on ``opportunity``."""
    placement = opportunities.express_interest(guardian, opportunity, learner, "Loves goats")
    return opportunities.approve(coordinator, placement)


def grow(world: PageWorld, n: int) -> None:
    """``n`` more of every kind of row, on the pages' own things and elsewhere in the academy."""
    _grow_family(world, n)
    _grow_learner(world, n)
    _grow_locality(world, n)
    _grow_elsewhere(world, n)
    db.session.commit()


def _fund(account, pence: int = 10_000) -> None:
    ledger.post(
        None, ledger.funding_source(), account, pence, TransferKind.ALLOCATION, "Budget", f"page-world:{next(_keys)}"
    )


def _grow_family(world: PageWorld, n: int) -> None:
    """More children in the family, each mentored, funded, booked on the event and with a spend request."""
    admin, guardian, mentor = world.user("admin"), world.user("guardian"), world.user("mentor")
    family, locality, event = world.get(Family, "family"), world.get(Locality, "locality"), world.get(Event, "event")
    for _ in range(n):
        child = LearnerFactory(family=family, locality=locality, enrolled=date(2026, 9, 1))
        mentoring.assign(admin, child, mentor, date(2026, 9, 1))
        _fund(ledger.personal_account(child))
        SpendRequestFactory(learner=child)
        bookings.book(guardian, event, learner=child)
        db.session.commit()


def _grow_learner(world: PageWorld, n: int) -> None:
    """The child's own rows: log entries, check-ins with actions, transfers, spend requests, conversations and
    concerns; and notifications for everyone."""
    learner, subject = world.get(Learner, "learner"), world.get(SubjectArea, "subject")
    guardian, mentor = world.user("guardian"), world.user("mentor")
    account = ledger.personal_account(learner)
    now = clock.now()
    for k in range(n):
        LogEntryFactory(learner=learner, subjects=[subject])
        mentoring.record_check_in(
            mentor,
            learner,
            occurred_at=now - timedelta(hours=k + 1),
            method=ContactMethod.PHONE,
            with_whom=ContactWith.BOTH,
            contact_made=True,
            wellbeing=4,
            engagement=4,
            notes=f"Check-in {k}",
            actions=[ActionInput(f"Action {k}", ActionOwner.LEARNER, None)],
        )
        _fund(account)
        SpendRequestFactory(learner=learner)
        GoalFactory(plan=world.get(LearningPlan, "plan"), subjects=[subject])
        conversations.start(guardian, learner, f"Question {next(_keys)}", "Hello")
        conversations.post(guardian, world.get(Conversation, "conversation"), f"More {k}")
        opportunities.log_session(
            guardian, world.get(Placement, "placement"), clock.today(), 60, f"Session {k}", [subject.id]
        )
        SafeguardingConcernFactory(learner=learner, raised_by=mentor)
        for role in world.users:
            NotificationFactory(user=world.user(role))
        db.session.commit()


def _grow_locality(world: PageWorld, n: int) -> None:
    """More learners on the mentor's caseload (other families) and waiting for a mentor, more events in the
    locality (each booked by the family), more families booked on the event, announcements, applications, exam
    candidates with concerns."""
    mentor, coordinator, guardian = world.user("mentor"), world.user("coordinator"), world.user("guardian")
    locality, learner, event = world.get(Locality, "locality"), world.get(Learner, "learner"), world.get(Event, "event")
    mentored = many_learners(locality, n)
    db.session.execute(
        insert(MentorAssignment),
        [{"learner_id": id_, "mentor_id": mentor.id, "starts_on": date(2026, 9, 1)} for id_ in mentored],
    )
    many_learners(locality, n)  # without a mentor
    setting = (db.session.get(ExamSeries, world.setting[0]), db.session.get(ExamCentre, world.setting[1]))
    shape = _Shape(locality, world.ids["subject"])
    for k in range(n):
        made = events.create_event(
            coordinator, event_input(shape, title=f"Event {next(_keys)}", starts_at=starts(8 + k))
        )
        events.publish(coordinator, made)
        bookings.book(guardian, made, learner=learner)
        other_family = make_family(locality)
        bookings.book(other_family.guardian, event, learner=other_family.children[0])
        opportunity = world.get(Opportunity, "opportunity")
        _placement(coordinator, other_family.guardian, other_family.children[0], opportunity)
        _placement(coordinator, guardian, learner, _opportunity(coordinator, locality, f"Host {next(_keys)}"))
        announcements.post(coordinator, locality, f"News {k}", "Body")
        ApplicationFactory()
        candidate = LearnerFactory(locality=locality, enrolled=date(2026, 9, 1))
        exam_objects(candidate, world.user("exams_officer"), setting, candidate_number=f"{next(_keys) + 1000:04d}")
        SafeguardingConcernFactory(learner=candidate, raised_by=mentor)
        db.session.commit()


def _grow_elsewhere(world: PageWorld, n: int) -> None:
    """The rest of the academy: another locality's learners, mentors and events, central income, a locality."""
    other = world.get(Locality, "other_locality")
    many_learners(other, n)
    many_staff(Role.MENTOR, n)
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    db.session.add(LocalityStaff(user_id=coordinator.id, locality_id=other.id, role=LocalityRole.COORDINATOR))
    db.session.flush()
    shape = _Shape(other, world.ids["subject"])
    for k in range(n):
        made = events.create_event(
            coordinator, event_input(shape, title=f"South {next(_keys)}", starts_at=starts(9 + k))
        )
        events.publish(coordinator, made)
        income_transfer()
    LocalityFactory()
    db.session.commit()


def statements_small_and_large(app, world: PageWorld, pages: dict[str, list[str]]) -> tuple[dict, dict]:
    """Each role's pages' statements (each page's steady cost, :func:`tests.statements.statements_per_page`) in
    the world grown by 2 of everything, then by 10 more."""
    clients = {}
    for role in pages:
        clients[role] = app.test_client()
        assert sign_in(clients[role], world.email(role)).status_code == 302
    found = []
    for n in (2, 10):
        grow(world, n)
        found.append(
            {
                role: statements_per_page(clients[role], [world.path(p) for p in paths], fresh=True)
                for role, paths in pages.items()
            }
        )
    return found[0], found[1]


def growing(small: dict, large: dict) -> dict[tuple[str, str], tuple[int, int]]:
    """The pages whose counts differ between :func:`statements_small_and_large`'s two answers: {(role, path):
    (small, large)} (empty when none grows)."""
    return {
        (role, path): (count, large[role][path])
        for role, counts in small.items()
        for path, count in counts.items()
        if large[role][path] != count
    }
