"""Safeguarding concerns, through the service: raising tells every active lead once and says nothing about
the child; who may see a concern (``can`` and ``scoped``); the chronology; audit; bad input writes nothing."""

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from tests.factories import GuardianFactory, LearnerFactory, SafeguardingConcernFactory, UserFactory
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.models import (
    AuditEvent,
    ConcernEntry,
    ConcernEntryKind,
    ConcernStatus,
    Notification,
    OutboxMessage,
    Role,
    SafeguardingConcern,
)
from virtualacademy.policies import can, scoped
from virtualacademy.services import safeguarding

WHAT = "Said their uncle hits them when they get things wrong."
ACTION = "Listened, did not ask leading questions, told them I would pass it on."
#: 10:00 on 3 November 2026 in London (GMT, so the same in UTC).
NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def audit_events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.fixture
def learner(ctx):
    return LearnerFactory(legal_name="Kyle Brennan-Wood", preferred_name="Kai")


def raise_one(actor, learner, **overrides):
    values = {
        "observed_on": date(2026, 11, 3),
        "observed_time": time(9, 15),
        "what_happened": WHAT,
        "immediate_action": ACTION,
    }
    values.update(overrides)
    return safeguarding.raise_concern(actor, learner, **values, now=NOW)


# --- raising and telling the leads -------------------------------------------------------------------


def test_raising_tells_every_active_lead_once_and_never_what_or_whom(ctx, learner):
    leads = [UserFactory(roles=[Role.SAFEGUARDING_LEAD]), UserFactory(roles=[Role.SAFEGUARDING_LEAD, Role.ADMIN])]
    former_lead = UserFactory(roles=[Role.SAFEGUARDING_LEAD], active=False)
    admin = UserFactory(roles=[Role.ADMIN])
    mentor = UserFactory(roles=[Role.MENTOR])

    concern, told = raise_one(mentor, learner)

    assert told == 2
    assert concern.status is ConcernStatus.OPEN and concern.raised_by_id == mentor.id
    assert concern.observed_at == datetime(2026, 11, 3, 9, 15, tzinfo=UTC)
    assert concern.what_happened == WHAT and concern.immediate_action == ACTION
    notified = ctx.scalars(select(Notification).order_by(Notification.user_id)).all()
    assert [n.user_id for n in notified] == [lead.id for lead in leads]
    assert [n.key for n in notified] == [f"concern-raised:{concern.id}:{lead.id}" for lead in leads]
    emails = ctx.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert sorted(e.to_address for e in emails) == sorted(lead.email for lead in leads)
    for user in (former_lead, admin, mentor):
        assert count(ctx, Notification, Notification.user_id == user.id) == 0
    # What the leads are told: that a concern was raised, with a link; not the child, not what was reported.
    told_text = [n.title + (n.body or "") for n in notified] + [e.subject + e.body_text for e in emails]
    secrets = ["Kyle", "Brennan", "Kai", learner.family.reference, "uncle", "Listened", mentor.name]
    for text in told_text:
        assert "safeguarding concern" in text
        for secret in secrets:
            assert secret not in text
    assert all(n.link == f"/safeguarding/concerns/{concern.id}" for n in notified)
    assert all(f"http://localhost/safeguarding/concerns/{concern.id}" in e.body_text for e in emails)
    (event,) = audit_events(ctx, "safeguarding.concern_raised")
    assert (event.actor_id, event.object_type, event.object_id) == (mentor.id, "SafeguardingConcern", str(concern.id))
    assert event.detail == {"leads_told": 2}


def test_telling_the_leads_again_tells_nobody_twice_but_tells_a_new_lead(ctx, learner):
    lead = UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    concern, _ = raise_one(UserFactory(roles=[Role.COORDINATOR]), learner)

    assert safeguarding.notify_leads(concern) == 1
    assert safeguarding.notify_leads(concern) == 1
    assert count(ctx, Notification) == 1 and count(ctx, OutboxMessage) == 1

    new_lead = UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    assert safeguarding.notify_leads(concern) == 2
    assert {n.user_id for n in ctx.scalars(select(Notification))} == {lead.id, new_lead.id}
    assert count(ctx, OutboxMessage) == 2


def test_a_lead_who_raises_a_concern_is_told_like_the_other_leads(ctx, learner):
    lead, other = UserFactory(roles=[Role.SAFEGUARDING_LEAD]), UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    concern, told = raise_one(lead, learner)
    assert told == 2
    assert {n.user_id for n in ctx.scalars(select(Notification))} == {lead.id, other.id}


def test_with_no_lead_the_admins_are_told_to_give_the_role(ctx, learner):
    admin = UserFactory(roles=[Role.ADMIN])
    UserFactory(roles=[Role.SAFEGUARDING_LEAD], active=False)

    concern, told = raise_one(UserFactory(roles=[Role.MENTOR]), learner)

    assert told == 0
    (notification,) = ctx.scalars(select(Notification)).all()
    assert notification.user_id == admin.id and notification.link == "/admin/users"
    assert "nobody has the safeguarding lead role" in notification.body
    (email,) = ctx.scalars(select(OutboxMessage)).all()
    for text in (notification.title + notification.body, email.body_text):
        assert "Kyle" not in text and "uncle" not in text
    # Admins cannot open the concern itself.
    assert not can(admin, "view", concern)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"observed_on": date(2026, 11, 4)},
            "observed_on",
            "The date it was seen or heard must be today or in the past",
        ),
        ({"observed_time": time(10, 1)}, "observed_time", "The time it was seen or heard must be now or in the past"),
        ({"observed_on": None}, "observed_on", "Enter the date it was seen or heard"),
        ({"observed_time": None}, "observed_time", "Enter the time it was seen or heard"),
        ({"what_happened": ""}, "what_happened", "Enter what was seen or heard"),
        ({"what_happened": "  \n\t "}, "what_happened", "Enter what was seen or heard"),
        ({"what_happened": "x" * 20_001}, "what_happened", "What was seen or heard must be 20,000 characters or fewer"),
    ],
    ids=["future-date", "future-time", "no-date", "no-time", "empty-text", "blank-text", "too-long"],
)
def test_bad_input_is_refused_with_its_message_and_writes_nothing(ctx, learner, overrides, field, message):
    UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    with pytest.raises(ValidationError) as error:
        raise_one(UserFactory(roles=[Role.MENTOR]), learner, **overrides)
    assert (error.value.field, error.value.message) == (field, message)
    for model in (SafeguardingConcern, Notification, OutboxMessage):
        assert count(ctx, model) == 0
    assert audit_events(ctx, "safeguarding.concern_raised") == []


def test_the_current_minute_is_not_the_future(ctx, learner):
    concern, _ = raise_one(UserFactory(roles=[Role.MENTOR]), learner, observed_time=time(10, 0))
    assert concern.observed_at == NOW


def test_a_time_in_summer_is_london_time(ctx, learner):
    concern, _ = raise_one(
        UserFactory(roles=[Role.MENTOR]), learner, observed_on=date(2026, 7, 1), observed_time=time(14, 30)
    )
    assert concern.observed_at == datetime(2026, 7, 1, 13, 30, tzinfo=UTC)


def test_only_staff_raise_and_only_about_an_enrolled_learner(ctx, learner):
    guardian = GuardianFactory(family=learner.family).user
    with pytest.raises(NotAllowed):
        raise_one(guardian, learner)
    with pytest.raises(NotAllowed):
        raise_one(UserFactory(roles=[Role.MENTOR], active=False), learner)
    left = LearnerFactory(enrolled=False)
    with pytest.raises(ValidationError, match="enrolled at the academy"):
        raise_one(UserFactory(roles=[Role.MENTOR]), left)
    assert count(ctx, SafeguardingConcern) == 0


def test_a_learner_is_found_by_name_or_family_reference(ctx, learner):
    mentor = UserFactory(roles=[Role.MENTOR])
    kylie = LearnerFactory(legal_name="Kylie Stone")
    LearnerFactory(legal_name="Kyla Left", enrolled=False)  # not enrolled: never offered
    assert safeguarding.find_learners(mentor, "brennan") == [learner]
    assert safeguarding.find_learners(mentor, "  KAI ") == [learner]
    assert safeguarding.find_learners(mentor, learner.family.reference.lower()) == [learner]
    assert safeguarding.find_learners(mentor, "Kyl") == [learner, kylie]
    assert safeguarding.find_learners(mentor, "e_B") == []  # LIKE wildcards are plain characters
    with pytest.raises(ValidationError, match="at least 2 letters"):
        safeguarding.find_learners(mentor, "K")
    with pytest.raises(NotAllowed):
        safeguarding.find_learners(GuardianFactory(family=learner.family).user, "Kyle")


# --- who may see a concern ------------------------------------------------------------------------------


def test_only_leads_and_the_raiser_see_a_concern(ctx, learner):
    raiser = UserFactory(roles=[Role.MENTOR])
    concern = SafeguardingConcernFactory(learner=learner, raised_by=raiser)
    another = SafeguardingConcernFactory(learner=learner)
    learner_account = UserFactory(roles=[Role.LEARNER])
    learner.user = learner_account
    ctx.flush()
    people = {
        "lead": UserFactory(roles=[Role.SAFEGUARDING_LEAD]),
        "raiser": raiser,
        "other mentor": UserFactory(roles=[Role.MENTOR]),
        "admin, not a lead": UserFactory(roles=[Role.ADMIN]),
        "coordinator": UserFactory(roles=[Role.COORDINATOR]),
        "guardian of the learner": GuardianFactory(family=learner.family).user,
        "the learner": learner_account,
        "former lead": UserFactory(roles=[Role.SAFEGUARDING_LEAD], active=False),
    }
    expected = {"lead": ("view", "act"), "raiser": ("view",)}
    all_concerns = select(SafeguardingConcern).order_by(SafeguardingConcern.id)
    for who, user in people.items():
        allowed = expected.get(who, ())
        assert can(user, "view", concern) == ("view" in allowed), who
        assert can(user, "act", concern) == ("act" in allowed), who
        visible = ctx.scalars(scoped(user, all_concerns)).all()
        assert visible == {"lead": [concern, another], "raiser": [concern]}.get(who, []), who
    # The raiser, once no longer staff, no longer sees it.
    raiser.role_links.clear()
    ctx.flush()
    assert not can(raiser, "view", concern)


def test_the_chronology_is_for_leads_only(ctx, learner):
    lead = UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    raiser = UserFactory(roles=[Role.MENTOR])
    concern = SafeguardingConcernFactory(learner=learner, raised_by=raiser)
    entry = safeguarding.add_entry(lead, concern, ConcernEntryKind.MONITOR, "Check in weekly.")
    admin = UserFactory(roles=[Role.ADMIN])
    for user, sees in ((lead, True), (raiser, False), (admin, False)):
        assert can(user, "view", entry) is sees
        assert ctx.scalars(scoped(user, select(ConcernEntry))).all() == ([entry] if sees else [])


def test_every_view_is_audited_without_content(ctx, learner):
    lead = UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    raiser = UserFactory(roles=[Role.MENTOR])
    concern = SafeguardingConcernFactory(learner=learner, raised_by=raiser)
    safeguarding.record_view(lead, concern)
    safeguarding.record_view(lead, concern)
    safeguarding.record_view(raiser, concern)
    with pytest.raises(NotAllowed):
        safeguarding.record_view(UserFactory(roles=[Role.ADMIN]), concern)
    events = audit_events(ctx, "safeguarding.concern_viewed")
    assert [(e.actor_id, e.object_type, e.object_id) for e in events] == [
        (lead.id, "SafeguardingConcern", str(concern.id)),
        (lead.id, "SafeguardingConcern", str(concern.id)),
        (raiser.id, "SafeguardingConcern", str(concern.id)),
    ]
    assert all(e.detail == {} for e in events)


# --- the chronology ------------------------------------------------------------------------------------


def test_leads_record_the_chronology_close_and_reopen(ctx, learner):
    lead = UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    concern = SafeguardingConcernFactory(learner=learner)

    safeguarding.add_entry(lead, concern, "monitor", "Mentor to check in twice a week.")
    safeguarding.add_entry(lead, concern, ConcernEntryKind.REFERRAL, "Referred to children's social care.")
    assert concern.status is ConcernStatus.OPEN
    closing = safeguarding.add_entry(lead, concern, ConcernEntryKind.CLOSED, "Social care assessment complete.")
    assert concern.status is ConcernStatus.CLOSED

    with pytest.raises(ValidationError, match="Reopen it"):
        safeguarding.add_entry(lead, concern, ConcernEntryKind.NOTE, "A late note.")
    with pytest.raises(ValidationError, match="Enter why"):
        safeguarding.reopen(lead, concern, " ")
    reopening = safeguarding.reopen(lead, concern, "New disclosure from the learner.")
    assert concern.status is ConcernStatus.OPEN
    with pytest.raises(ValidationError, match="already open"):
        safeguarding.reopen(lead, concern, "Again.")

    ctx.expire_all()
    concern = ctx.get(SafeguardingConcern, concern.id)
    assert [(e.kind, e.text, e.author_id) for e in concern.entries] == [
        (ConcernEntryKind.MONITOR, "Mentor to check in twice a week.", lead.id),
        (ConcernEntryKind.REFERRAL, "Referred to children's social care.", lead.id),
        (ConcernEntryKind.CLOSED, "Social care assessment complete.", lead.id),
        (ConcernEntryKind.NOTE, "Reopened: New disclosure from the learner.", lead.id),
    ]
    added = audit_events(ctx, "safeguarding.entry_added")
    assert [e.detail for e in added] == [{"entry": e.id} for e in concern.entries[:3]]
    assert [e.detail for e in audit_events(ctx, "safeguarding.concern_closed")] == [{"entry": closing.id}]
    assert [e.detail for e in audit_events(ctx, "safeguarding.concern_reopened")] == [{"entry": reopening.id}]


@pytest.mark.parametrize(
    ("kind", "text", "field", "message"),
    [
        ("visit", "Went round.", "kind", "Choose what was done or decided"),
        (None, "Went round.", "kind", "Choose what was done or decided"),
        (ConcernEntryKind.MONITOR, "   ", "text", "Enter what was done or decided"),
        (ConcernEntryKind.CLOSED, "", "text", "Enter the outcome, and why the concern can be closed"),
    ],
)
def test_a_bad_entry_is_refused_and_writes_nothing(ctx, learner, kind, text, field, message):
    lead = UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    concern = SafeguardingConcernFactory(learner=learner)
    with pytest.raises(ValidationError) as error:
        safeguarding.add_entry(lead, concern, kind, text)
    assert (error.value.field, error.value.message) == (field, message)
    assert concern.status is ConcernStatus.OPEN
    assert count(ctx, ConcernEntry) == 0 and audit_events(ctx, "safeguarding.entry_added") == []


def test_only_a_lead_adds_to_the_chronology(ctx, learner):
    raiser = UserFactory(roles=[Role.MENTOR, Role.ADMIN])
    concern = SafeguardingConcernFactory(learner=learner, raised_by=raiser)
    with pytest.raises(NotAllowed):
        safeguarding.add_entry(raiser, concern, ConcernEntryKind.NOTE, "I am the raiser.")
    with pytest.raises(NotAllowed):
        safeguarding.reopen(raiser, concern, "I am the raiser.")
    with pytest.raises(NotAllowed):
        safeguarding.other_concerns(raiser, concern)
    assert count(ctx, ConcernEntry) == 0


def test_a_lead_sees_the_learners_other_concerns(ctx, learner):
    lead = UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    first, second = SafeguardingConcernFactory(learner=learner), SafeguardingConcernFactory(learner=learner)
    SafeguardingConcernFactory()  # another learner's
    assert safeguarding.other_concerns(lead, second) == [first]


def test_the_list_is_newest_first_and_filters_by_status(ctx, learner):
    lead = UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    older = SafeguardingConcernFactory(learner=learner, created_at=datetime(2026, 10, 1, tzinfo=UTC))
    newer = SafeguardingConcernFactory(learner=learner, created_at=datetime(2026, 11, 1, tzinfo=UTC))
    closed = SafeguardingConcernFactory(
        learner=learner, created_at=datetime(2026, 10, 15, tzinfo=UTC), status=ConcernStatus.CLOSED
    )
    assert ctx.scalars(scoped(lead, safeguarding.concerns())).all() == [newer, closed, older]
    assert ctx.scalars(scoped(lead, safeguarding.concerns(ConcernStatus.OPEN))).all() == [newer, older]
    assert ctx.scalars(scoped(lead, safeguarding.concerns(ConcernStatus.CLOSED))).all() == [closed]
    assert safeguarding.open_count() == 2


def test_the_concerns_list_filters():
    assert safeguarding.LIST_FILTERS == {"open": ConcernStatus.OPEN, "closed": ConcernStatus.CLOSED, "all": None}
    assert [safeguarding.list_filter(name) for name in ("closed", "all", None, "", "nonsense")] == [
        "closed",
        "all",
        "open",
        "open",
        "open",
    ]
