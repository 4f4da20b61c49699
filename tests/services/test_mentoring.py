"""Mentoring rules, and the reminder job driven with a controlled clock over simulated days."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from tests.factories import GuardianFactory, LearnerFactory, UserFactory, many_learners, many_staff
from virtualacademy import mail
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.models import (
    ActionOwner,
    CheckIn,
    ContactMethod,
    ContactWith,
    Learner,
    LocalityRole,
    LocalityStaff,
    MentorAssignment,
    Notification,
    OutboxMessage,
    Role,
    SupportLevel,
    WithdrawalReason,
)
from virtualacademy.models.base import utcnow
from virtualacademy.policies.relations import Relation, is_related
from virtualacademy.services import families, mentoring
from virtualacademy.services.mentoring import ActionInput, ContactStatus

MONDAY = date(2026, 11, 23)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def people(ctx):
    admin = UserFactory(roles=[Role.ADMIN], name="Ada Admin")
    mentor = UserFactory(roles=[Role.MENTOR], name="Mo Mentor")
    learner = LearnerFactory(legal_name="Robin Example", preferred_name="Robbie", enrolled=date(2026, 9, 1))
    coordinator = UserFactory(roles=[Role.COORDINATOR], name="Cora Ordinator")
    ctx.add(LocalityStaff(user_id=coordinator.id, locality_id=learner.locality_id, role=LocalityRole.COORDINATOR))
    ctx.flush()
    return {"admin": admin, "mentor": mentor, "learner": learner, "coordinator": coordinator}


def check_in(mentor, learner, day, **kw):
    values = {"method": ContactMethod.PHONE, "with_whom": ContactWith.BOTH, "contact_made": True}
    values.update(kw)
    return mentoring.record_check_in(mentor, learner, occurred_at=at(day), now=at(day, 18), **values)


# --- assignment -------------------------------------------------------------------------


def test_assignment_history_and_one_current_mentor(people, ctx):
    admin, mentor, learner = people["admin"], people["mentor"], people["learner"]
    other = UserFactory(roles=[Role.MENTOR], name="Nat Next")
    mentoring.assign(admin, learner, mentor, date(2026, 9, 1))
    mentoring.assign(people["coordinator"], learner, other, date(2026, 11, 1), "Loves astronomy; call after 2pm.")
    history = ctx.scalars(select(MentorAssignment).order_by(MentorAssignment.id)).all()
    assert [(a.mentor_id, a.starts_on, a.ends_on) for a in history] == [
        (mentor.id, date(2026, 9, 1), date(2026, 11, 1)),
        (other.id, date(2026, 11, 1), None),
    ]
    assert mentoring.current_mentor(learner) == other
    assert history[1].handover_note == "Loves astronomy; call after 2pm."
    note = ctx.scalars(select(Notification).where(Notification.user_id == other.id)).one()
    assert note.title == "Robbie has joined your caseload"
    with pytest.raises(ValidationError, match="already Robbie's mentor"):
        mentoring.assign(admin, learner, other, date(2026, 11, 2))
    assert is_related(mentor, learner, Relation.HANDOVER_MENTOR, today=date(2026, 11, 30))
    assert not is_related(mentor, learner, Relation.HANDOVER_MENTOR, today=date(2026, 12, 1))


def test_only_admin_or_the_localitys_coordinator_assigns(people):
    outsider = UserFactory(roles=[Role.COORDINATOR])
    with pytest.raises(NotAllowed):
        mentoring.assign(outsider, people["learner"], people["mentor"], MONDAY)
    with pytest.raises(NotAllowed):
        mentoring.assign(people["mentor"], people["learner"], people["mentor"], MONDAY)


def test_a_withdrawn_learner_cannot_be_assigned(people):
    families.withdraw(people["admin"], people["learner"], date(2026, 10, 1), WithdrawalReason.MOVED_OUT_OF_AREA)
    with pytest.raises(ValidationError, match="not enrolled"):
        mentoring.assign(people["admin"], people["learner"], people["mentor"], MONDAY)


def test_the_caseload_limit_needs_confirming(people, ctx):
    admin, mentor = people["admin"], people["mentor"]
    mentoring.set_caseload_limit(admin, mentor, 1)
    mentoring.assign(admin, people["learner"], mentor, MONDAY)
    second = LearnerFactory(locality=people["learner"].locality)
    with pytest.raises(ValidationError, match="already has 1 learner, their limit is 1") as error:
        mentoring.assign(admin, second, mentor, MONDAY)
    assert error.value.field == "confirm_over_limit"
    mentoring.assign(admin, second, mentor, MONDAY, confirm_over_limit=True)
    assert mentoring.caseload_sizes([mentor.id]) == {mentor.id: 2}


def test_suggestions_put_local_mentors_with_space_first(people, ctx):
    learner = people["learner"]
    UserFactory(roles=[Role.MENTOR], name="Far Away")
    full = UserFactory(roles=[Role.MENTOR], name="Full Local")
    near = people["mentor"]
    for m in (full, near):
        ctx.add(LocalityStaff(user_id=m.id, locality_id=learner.locality_id, role=LocalityRole.MENTOR))
    ctx.flush()
    mentoring.set_caseload_limit(people["admin"], full, 1)
    mentoring.assign(people["admin"], LearnerFactory(locality=learner.locality), full, MONDAY)
    options, more = mentoring.mentor_options(learner)
    assert [o.mentor.name for o in options] == ["Mo Mentor", "Full Local", "Far Away"] and not more
    assert [(o.caseload, o.limit, o.in_locality) for o in options] == [(0, 15, True), (1, 1, True), (0, 15, False)]


def test_mentors_are_found_by_name_at_most_a_page_at_a_time(people, ctx):
    """Searching is by any part of the name, whatever the case; ``%`` and ``_`` are only themselves."""
    learner = people["learner"]
    for name in ("Alex Percent%", "Alex Under_score", "Bea Brown", "Inactive Alex"):
        UserFactory(roles=[Role.MENTOR], name=name, active=not name.startswith("Inactive"))
    UserFactory(roles=[Role.COORDINATOR], name="Alex Coordinator")

    def names(search, **kw):
        options, more = mentoring.mentor_options(learner, search, **kw)
        return [o.mentor.name for o in options], more

    assert names("alex") == (["Alex Percent%", "Alex Under_score"], False)
    assert names("%") == (["Alex Percent%"], False)
    assert names("_") == (["Alex Under_score"], False)
    assert names("  BROWN ") == (["Bea Brown"], False)
    assert names("x" * 10_000) == ([], False)
    assert names("alex", limit=1) == (["Alex Percent%"], True)
    # An active mentor already chosen is offered first, whatever the search.
    assert names("alex", limit=1, chosen_id=people["mentor"].id) == (["Mo Mentor", "Alex Percent%"], True)


def test_the_mentors_settings_list_is_a_query_by_name(people, ctx):
    for name in ("Zed 100%", "Amy Able"):
        UserFactory(roles=[Role.MENTOR], name=name)
    mentoring.assign(people["admin"], people["learner"], people["mentor"], MONDAY)
    mentors = ctx.scalars(mentoring.mentor_summaries()).all()
    assert [m.name for m in mentors] == ["Amy Able", "Mo Mentor", "Zed 100%"]
    assert [(s.mentor.name, s.caseload, s.limit) for s in mentoring.summaries_of(mentors)] == [
        ("Amy Able", 0, 15),
        ("Mo Mentor", 1, 15),
        ("Zed 100%", 0, 15),
    ]
    assert [m.name for m in ctx.scalars(mentoring.mentor_summaries("0%"))] == ["Zed 100%"]


def test_unassigned_learners_are_listed(people, ctx):
    learner = people["learner"]
    withdrawn = LearnerFactory(enrolled=date(2026, 9, 1))
    families.withdraw(people["admin"], withdrawn, date(2026, 10, 1), WithdrawalReason.OTHER, "moved")
    assert ctx.scalars(mentoring.unassigned_learners(MONDAY)).all() == [learner]
    mentoring.assign(people["admin"], learner, people["mentor"], MONDAY)
    assert ctx.scalars(mentoring.unassigned_learners(MONDAY)).all() == []


def test_a_learner_starting_later_is_listed_without_a_mentor_and_nothing_is_due_before_they_start(people, ctx):
    admin, mentor = people["admin"], people["mentor"]
    starting = LearnerFactory(legal_name="Sam Later", enrolled=date(2027, 1, 4), locality=people["learner"].locality)
    waiting = ctx.scalars(mentoring.unassigned_learners(MONDAY)).all()
    assert starting in waiting and people["learner"] in waiting
    mentoring.assign(admin, starting, mentor, MONDAY)
    assert starting not in ctx.scalars(mentoring.unassigned_learners(MONDAY)).all()
    (state,) = mentoring.contact_states(MONDAY, learner_ids=[starting.id])
    assert state.status is ContactStatus.NOT_STARTED and state.starts_on == date(2027, 1, 4)
    assert state.due_on == date(2027, 1, 4) and state.days_overdue == 0
    (on_the_day,) = mentoring.contact_states(date(2027, 1, 4), learner_ids=[starting.id])
    assert on_the_day.status is ContactStatus.DUE_TODAY and on_the_day.starts_on is None
    assert mentoring.send_reminders(at(MONDAY, 9)).digests == 0


# --- cadence and check-ins ---------------------------------------------------------------------


def test_next_due_comes_from_the_last_contact_and_the_cadence(people, ctx):
    admin, mentor, learner = people["admin"], people["mentor"], people["learner"]
    mentoring.assign(admin, learner, mentor, date(2026, 11, 2))
    (state,) = mentoring.contact_states(MONDAY, mentor_ids=[mentor.id])
    assert state.due_on == date(2026, 11, 2) and state.days_overdue == 21  # never contacted
    check_in(mentor, learner, date(2026, 11, 20))
    check_in(mentor, learner, date(2026, 11, 22), contact_made=False)  # an attempt does not count
    (state,) = mentoring.contact_states(MONDAY, mentor_ids=[mentor.id])
    assert state.last_contact == date(2026, 11, 20) and state.due_on == date(2026, 11, 27)
    assert state.status is ContactStatus.ON_TRACK
    mentoring.set_support(admin, learner, SupportLevel.ENHANCED, None)
    (state,) = mentoring.contact_states(MONDAY, mentor_ids=[mentor.id])
    assert state.due_on == date(2026, 11, 23) and state.status is ContactStatus.DUE_TODAY
    mentoring.set_support(admin, learner, SupportLevel.ENHANCED, 2)
    (state,) = mentoring.contact_states(MONDAY, mentor_ids=[mentor.id])
    assert state.due_on == date(2026, 11, 22) and state.status is ContactStatus.OVERDUE and state.days_overdue == 1
    mentoring.set_cadence_defaults(
        admin, {SupportLevel.STANDARD: 14, SupportLevel.ENHANCED: 4, SupportLevel.INTENSIVE: 1}
    )
    mentoring.set_support(admin, learner, SupportLevel.STANDARD, None)
    (state,) = mentoring.contact_states(MONDAY, mentor_ids=[mentor.id])
    assert state.due_on == date(2026, 12, 4)


def test_bad_check_ins_are_refused_and_nothing_is_written(people, ctx):
    mentor, learner = people["mentor"], people["learner"]
    mentoring.assign(people["admin"], learner, mentor, date(2026, 11, 2))
    now = at(MONDAY, 12)
    cases = [
        (dict(occurred_at=at(MONDAY + timedelta(days=1))), "cannot be in the future"),
        (dict(occurred_at=at(MONDAY), wellbeing=6), "Wellbeing must be a score from 1 to 5"),
        (dict(occurred_at=at(MONDAY), engagement=0), "Engagement must be a score from 1 to 5"),
        (dict(occurred_at=at(MONDAY), contact_made=False, wellbeing=3), "only be recorded when contact was made"),
    ]
    for extra, message in cases:
        values = {"method": ContactMethod.VIDEO, "with_whom": ContactWith.LEARNER, "contact_made": True, **extra}
        with pytest.raises(ValidationError, match=message):
            mentoring.record_check_in(mentor, learner, now=now, **values)
    assert mentoring.chronology(learner) == []
    stranger = UserFactory(roles=[Role.MENTOR])
    with pytest.raises(NotAllowed):
        check_in(stranger, learner, MONDAY)


def test_actions_carry_over_until_closed(people, ctx):
    mentor, learner = people["mentor"], people["learner"]
    mentoring.assign(people["admin"], learner, mentor, date(2026, 11, 2))
    check_in(
        mentor,
        learner,
        date(2026, 11, 10),
        actions=[
            ActionInput("Try the astronomy club", ActionOwner.LEARNER, date(2026, 11, 30)),
            ActionInput("Send exam centre list", ActionOwner.MENTOR),
            ActionInput("  ", ActionOwner.GUARDIAN),
        ],
    )
    check_in(mentor, learner, date(2026, 11, 17))
    actions = mentoring.open_actions(learner)
    assert [a.text for a in actions] == ["Try the astronomy club", "Send exam centre list"]
    mentoring.close_action(mentor, actions[1])
    assert [a.text for a in mentoring.open_actions(learner)] == ["Try the astronomy club"]
    with pytest.raises(ValidationError, match="already closed"):
        mentoring.close_action(mentor, actions[1])
    assert [a.text for a in mentoring.open_actions(learner, (ActionOwner.LEARNER, ActionOwner.GUARDIAN))] == [
        "Try the astronomy club"
    ]


@pytest.mark.parametrize(("scores", "alerts"), [([4, 3], 0), ([4, 2], 1), ([3, 1], 1), ([1], 1), ([5, 4, 2], 1)])
def test_wellbeing_alerts_the_mentor_at_once(people, ctx, scores, alerts):
    mentor, learner = people["mentor"], people["learner"]
    mentoring.assign(people["admin"], learner, mentor, date(2026, 11, 2))
    for n, score in enumerate(scores):
        check_in(mentor, learner, date(2026, 11, 3 + n), wellbeing=score)
    found = ctx.scalars(select(Notification).where(Notification.kind == "wellbeing")).all()
    assert len(found) == alerts
    if alerts:
        assert found[0].user_id == mentor.id and "Robbie" in found[0].title


def test_caseload_is_sorted_most_urgent_first_with_trend_and_actions(people, ctx):
    admin, mentor = people["admin"], people["mentor"]
    learners = [people["learner"]] + [LearnerFactory(locality=people["learner"].locality) for _ in range(2)]
    for lr in learners:
        mentoring.assign(admin, lr, mentor, date(2026, 11, 1))
    check_in(mentor, learners[0], date(2026, 11, 20), wellbeing=4)  # due 27th: on track
    check_in(mentor, learners[1], date(2026, 11, 16), wellbeing=3)  # due 23rd: today
    for n, score in enumerate([2, 3, 4, 5, 4, 3]):
        check_in(mentor, learners[2], date(2026, 11, 1 + n), wellbeing=score)  # due 13th: overdue 10 days
    rows = mentoring.caseload(mentor, MONDAY)
    assert [r.learner.id for r in rows] == [learners[2].id, learners[1].id, learners[0].id]
    assert rows[0].state.days_overdue == 10 and rows[0].wellbeing == [3, 4, 5, 4, 3]
    assert [r.learner.id for r in mentoring.caseload(mentor, MONDAY, ContactStatus.DUE_TODAY)] == [learners[1].id]


# --- the reminder job over simulated days -------------------------------------------------------


def test_reminders_once_a_day_escalation_after_a_cadence_and_nothing_twice(app, people, ctx, smtp_server, travel):
    admin, mentor, learner, coordinator = people["admin"], people["mentor"], people["learner"], people["coordinator"]
    travel(at(date(2026, 11, 16)))
    mentoring.assign(admin, learner, mentor, date(2026, 11, 16))
    check_in(mentor, learner, date(2026, 11, 16))  # standard cadence: due Monday 23rd
    family_guardian = GuardianFactory(family=learner.family).user

    def run(day, hour=8):
        now = at(day, hour)
        travel(now)  # mail is queued, and later delivered, on the scenario's own clock
        report = mentoring.send_reminders(now)
        ctx.flush()
        return report

    def count(kind, user=None):
        stmt = select(func.count()).select_from(Notification).where(Notification.kind == kind)
        if user is not None:
            stmt = stmt.where(Notification.user_id == user.id)
        return ctx.scalar(stmt)

    assert run(date(2026, 11, 20)).digests == 0  # Friday: not yet due
    assert run(MONDAY, 7).too_early  # 07:00 in London: before the 07:30 digest time
    assert count("checkin_digest") == 0
    for day_offset in range(5):  # Monday to Friday
        day = MONDAY + timedelta(days=day_offset)
        first, again = run(day), run(day, 9)  # a late re-run the same day
        assert (first.digests, again.digests) == (1, 0), day
        assert count("checkin_digest", mentor) == day_offset + 1
    # escalation: overdue by more than one cadence (7 days) first on Tuesday 1 December
    assert count("checkin_escalation") == 0
    weekend = run(date(2026, 11, 28))
    assert weekend.skipped_weekend and count("checkin_digest") == 5
    report = run(date(2026, 12, 1))
    assert report.escalations == 2  # the coordinator and the admin
    assert count("checkin_escalation", coordinator) == 1 and count("checkin_escalation", admin) == 1
    assert count("checkin_escalation", family_guardian) == 0
    assert report.escalation_emails == 2  # one digest each, listing the learner
    [to_admin] = ctx.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == f"checkin-escalation-digest:{admin.id}:2026-12-01")
    ).all()
    assert to_admin.subject == "Check-ins overdue by more than a cadence: 1 learner"
    assert f"- Robbie (mentor {mentor.name}): due 23 November 2026, overdue by 8 days" in to_admin.body_text
    assert run(date(2026, 12, 2)).escalations == 0  # the same overdue episode is not escalated again
    # contact made: nothing due until the next cadence
    check_in(mentor, learner, date(2026, 12, 2))
    assert run(date(2026, 12, 3)).digests == 0

    # every notification went out by email exactly once, through a real SMTP server
    ctx.commit()
    mail.deliver_pending(at(date(2026, 12, 3), 12))
    digests = [m for m in smtp_server.messages if m["To"] == mentor.email and "due or overdue" in m["Subject"]]
    assert len(digests) == 7  # Monday to Friday, then Tuesday and Wednesday of the next week
    assert "Robbie: overdue by 1 day" in digests[1].get_content()
    assert ctx.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent")) == 0
    mail.deliver_pending(at(date(2026, 12, 4), 12))
    assert len([m for m in smtp_server.messages if m["To"] == mentor.email and "due or overdue" in m["Subject"]]) == 7


def test_reminders_with_the_mail_server_down_wait_in_the_outbox(app, people, ctx, smtp_server):
    mentoring.assign(people["admin"], people["learner"], people["mentor"], date(2026, 11, 16))
    smtp_server.stop()
    mentoring.send_reminders(at(MONDAY, 8))
    ctx.commit()
    now = utcnow()  # the outbox runs on the real clock
    mail.deliver_pending(now)
    assert ctx.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")) >= 1
    assert smtp_server.messages == []
    smtp_server.start()
    mail.deliver_pending(now + timedelta(minutes=2))
    assert any(m["To"] == people["mentor"].email for m in smtp_server.messages)


# --- contact figures (the overview's contact section and its mentor table) ---------------------------------


def figures_of(people, start=date(2026, 11, 1), end=MONDAY, **kw):
    from virtualacademy.services.overview.common import Period

    return mentoring.contact_figures(MentorAssignment.mentor_id, Period(start, end).bounds(), MONDAY, **kw).get(
        people["mentor"].id, mentoring.ContactFigures()
    )


def test_contact_figures_agree_with_each_other(people, ctx):
    """For every group, the share on time and the lateness are about the same check-ins: all on time means
    nothing to average; any late means an average of at least a day."""
    admin, mentor, learner = people["admin"], people["mentor"], people["learner"]
    others = [LearnerFactory(locality=learner.locality) for _ in range(3)]
    for n, someone in enumerate([learner, *others]):
        mentoring.assign(admin, someone, mentor, date(2026, 11, 2))
        for day in (2, 9 + n, 16 + 2 * n):  # weekly; the later learners later each time
            check_in(mentor, someone, date(2026, 11, day))
    row = figures_of(people)
    assert row.check_ins == row.on_time + row.late
    assert (row.check_ins, row.on_time, row.late, row.days_late) == (12, 6, 6, 1 + 1 + 2 + 2 + 3 + 3)
    assert row.average_days_late == 2.0
    early = figures_of(people, end=date(2026, 11, 5))
    assert (early.on_time_percent, early.average_days_late) == (100.0, None)  # no lateness to average, not 0.0


def test_contact_figures_against_hand_counts(people, ctx):
    admin, mentor, learner = people["admin"], people["mentor"], people["learner"]
    second = LearnerFactory(locality=learner.locality, legal_name="Sam Second")
    mentoring.assign(admin, learner, mentor, date(2026, 11, 2))
    mentoring.assign(admin, second, mentor, date(2026, 11, 2))
    # learner: due 2 Nov (first contact) -> made 2 Nov on time; next due 9 Nov -> made 12 Nov late; due 19 Nov
    check_in(mentor, learner, date(2026, 11, 2), wellbeing=4)
    check_in(mentor, learner, date(2026, 11, 12), wellbeing=2)
    # second: never contacted -> overdue since 2 Nov
    row = figures_of(people)
    assert (row.check_ins, row.on_time, row.on_time_percent) == (2, 1, 50.0)
    # the late check-in (due 9 Nov, made 12 Nov) was 3 days late: the same check-ins as the share on time
    assert (row.late, row.average_days_late) == (1, 3.0)
    # on 23 Nov: learner due 19th and second due 2nd are both overdue
    assert (row.mentored, row.overdue) == (2, 2)
    assert row.without_contact == 1  # second has no contact at all; learner's last was 11 days ago
    place = mentoring.contact_figures(Learner.locality_id, (at(date(2026, 11, 1), 0), at(MONDAY, 23)), MONDAY)[
        learner.locality_id
    ]
    assert place == row
    later = figures_of(people, start=date(2026, 11, 10))
    assert (later.check_ins, later.on_time, later.average_days_late) == (1, 0, 3.0)
    # a new mentor from 16 November: the next contact is due the day they start, and counts for them
    other = UserFactory(roles=[Role.MENTOR], name="Nat Next")
    mentoring.assign(admin, learner, other, date(2026, 11, 16))
    check_in(other, learner, date(2026, 11, 17))
    ctx.refresh(learner)
    assert (learner.last_contact_on, learner.contact_due_on) == (date(2026, 11, 17), date(2026, 11, 24))
    days_late = ctx.scalars(
        select(CheckIn.days_late).where(CheckIn.learner_id == learner.id).order_by(CheckIn.occurred_at)
    ).all()
    assert days_late == [0, 3, 1]


# --- at national size: more learners and mentors than one statement may bind ------------------------------------


def test_a_caseload_and_the_contact_figures_cope_with_more_learners_than_one_statement_may_bind(people, ctx):
    """At national size over 100,000 learners have a mentor: the variation report once bound all their ids into one
    IN list, and a caseload its learners'. 1,200 are more than the suite's parameter guard allows."""
    mentor, learner = people["mentor"], people["learner"]
    ids = many_learners(learner.locality, 1_200, date(2026, 9, 1))
    ctx.execute(
        insert(MentorAssignment),
        [{"learner_id": i, "mentor_id": mentor.id, "starts_on": date(2026, 11, 2)} for i in ids],
    )
    ctx.commit()
    check_in(mentor, ctx.get(Learner, ids[0]), date(2026, 11, 20), wellbeing=4)

    rows = mentoring.caseload(mentor, MONDAY)
    assert sorted(r.learner.id for r in rows) == sorted(ids)
    assert rows[-1].learner.id == ids[0] and rows[-1].wellbeing == [4]  # the one on track, last
    mentoring.refresh_contact(ids)  # the assignments were inserted in bulk, bypassing the ORM
    row = figures_of(people)
    assert (row.mentored, row.check_ins, row.without_contact, row.overdue) == (1_200, 1, 1_199, 1_199)
    coordinated = figures_of(people, locality_ids=[learner.locality_id])
    assert (coordinated.check_ins, coordinated.mentored) == (1, 1_200)


def test_mentor_choices_and_summaries_cope_with_more_mentors_than_one_statement_may_bind(people, ctx):
    """At national size there are 8,000 mentors; choosing one once bound every mentor's id into one statement."""
    many_staff(Role.MENTOR, 1_001)
    mentoring.assign(people["admin"], people["learner"], people["mentor"], MONDAY)
    options, more = mentoring.mentor_options(people["learner"], "mo mentor")
    assert more is False and [(o.mentor.id, o.caseload) for o in options] == [(people["mentor"].id, 1)]
    options, more = mentoring.mentor_options(people["learner"])
    assert len(options) == mentoring.MENTOR_CHOICES and more
    mentors = ctx.scalars(mentoring.mentor_summaries()).all()
    assert len(mentors) == 1_002
    page = mentors[: mentoring.MENTORS_PER_PAGE]  # Mo Mentor among them, before "Staff ..."
    summaries = mentoring.summaries_of(page)
    assert len(summaries) == mentoring.MENTORS_PER_PAGE and sum(s.caseload for s in summaries) == 1
