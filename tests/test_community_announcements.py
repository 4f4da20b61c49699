"""Announcements in the app and by email to those who opted in; following a neighbouring locality; the weekly
digest and the day-before reminders (level-triggered jobs: a repeated run sends nothing twice)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import community_world as cw
from virtualacademy import clock
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.jobs import JOBS
from virtualacademy.models import Notification, OutboxMessage
from virtualacademy.services.community import access, announcements, bookings, events


@pytest.fixture
def world(ctx):
    return cw.build(families=3)


def _notes(user) -> int:
    return db.session.scalar(select(func.count()).where(Notification.user_id == user.id))


def _emails(user) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == user.email)))


def test_an_announcement_reaches_the_localitys_families_and_emails_only_those_who_opted_in(ctx, world):
    outsider = cw.make_family(world.other_locality)
    keen, quiet = world.family(0).guardian, world.family(1).guardian
    announcements.set_preferences(keen, announcement_emails=True, weekly_digest=True)
    made = announcements.post(
        world.coordinator, world.locality, "Allotment open day", "Come **along**<script>x</script>"
    )
    assert made.body_html == "<p>Come <strong>along</strong></p>"
    assert _notes(keen) == _notes(quiet) == 1 and _notes(outsider.guardian) == 0
    assert len(_emails(keen)) == 1 and _emails(quiet) == []
    seen = [a.title for a in db.session.scalars(announcements.announcements_for(outsider.guardian))]
    assert seen == []
    with pytest.raises(NotAllowed):
        announcements.post(world.other_coordinator, world.locality, "x", "y")
    with pytest.raises(NotAllowed):
        announcements.post(world.coordinator, None, "x", "y")
    with pytest.raises(ValidationError):
        announcements.post(world.coordinator, world.locality, "Empty", "<script>only</script>")
    announcements.post(world.admin, None, "Academy news", "For everyone")
    assert _notes(outsider.guardian) == 1


def test_a_family_may_follow_a_neighbouring_locality(ctx, world):
    family = world.family(0)
    elsewhere = cw.published_event(world, actor=world.other_coordinator, locality_id=world.other_locality.id)
    assert not access.may_see_event(family.guardian, elsewhere)
    announcements.follow(family.guardian, family.guardian_row.family, world.other_locality)
    assert access.may_see_event(family.guardian, elsewhere)
    with pytest.raises(NotAllowed):
        announcements.follow(world.family(1).guardian, family.guardian_row.family, world.other_locality)
    announcements.follow(family.guardian, family.guardian_row.family, world.other_locality, following=False)
    assert not access.may_see_event(family.guardian, elsewhere)


def test_reminders_go_to_booked_families_once_the_day_before(ctx, world, travel):
    event = cw.published_event(world)
    family, waiting = world.family(0), world.family(1)
    bookings.book(family.guardian, event, learner=family.children[0])
    bookings.book(family.guardian, event, learner=family.children[1])
    assert announcements.send_event_reminders() == 0  # a week ahead: not yet
    travel(event.starts_at - timedelta(hours=20))
    assert announcements.send_event_reminders() == 1  # one per family, however many places
    assert announcements.send_event_reminders() == 0
    [email] = _emails(family.guardian)
    assert email.subject == "Tomorrow: Clay workshop"
    assert _emails(waiting.guardian) == []


def test_the_weekly_digest_lists_new_events_and_upcoming_bookings_once_a_week(ctx, world, travel):
    event = cw.published_event(world, starts_at=cw.starts(days=10))
    events.create_event(world.coordinator, cw.event_input(world, title="Still a draft"))
    family = world.family(0)
    bookings.book(family.guardian, event, learner=family.children[0])
    announcements.set_preferences(world.family(2).guardian, announcement_emails=False, weekly_digest=False)
    sent = announcements.send_weekly_digests()
    assert sent == 2  # families 0 and 1; family 2 turned it off
    [email] = _emails(family.guardian)
    assert "New: Clay workshop" in email.body_text and "Booked: Clay workshop" in email.body_text
    assert "Still a draft" not in email.body_text
    announcements.send_weekly_digests()
    assert len(_emails(family.guardian)) == 1  # the same week: nothing twice
    assert _emails(world.family(2).guardian) == []


def test_the_community_jobs_are_registered_with_their_module_and_run(ctx, world, app):
    event = cw.published_event(world, capacity=1)
    first = bookings.book(world.family(0).guardian, event, learner=world.family(0).children[0])
    bookings.book(world.family(1).guardian, event, learner=world.family(1).children[0])
    for name in ("community-offers", "community-reminders", "community-digest"):
        assert JOBS[name].func.__module__ == "virtualacademy.blueprints.community.jobs"
        assert JOBS[name].schedule_for(app.config)
    assert JOBS["community-reminders"].func(event.starts_at - timedelta(hours=2)) == 1
    assert JOBS["community-digest"].func() == 3  # every family in the locality hears of the new event
    bookings.cancel(world.family(0).guardian, first)  # the waiting family is offered the place for 48 hours
    offered = clock.now()
    assert JOBS["community-offers"].func(offered + timedelta(hours=47)) == (0, 0)
    assert JOBS["community-offers"].func(offered + timedelta(hours=49)) == (1, 0)  # lapsed; nobody else waits
    assert JOBS["community-offers"].func(offered + timedelta(hours=50)) == (0, 0)
