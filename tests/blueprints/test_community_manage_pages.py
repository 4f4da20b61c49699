"""The coordinator's event pages: posting an event through the form (bad input comes back with what was typed),
a weekly series, publishing, the manager's list with its counts, cancelling (families told by email and
refunded), the register (log entries for those present or late only) and its printable PDF. A coordinator never
reaches another locality's events."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.blueprints.test_exams_scale import counting
from tests.community_world import build, fund_learner, fund_locality, published_event, starts
from tests.conftest import banners, post_form, sign_in
from virtualacademy import clock, mail
from virtualacademy.extensions import db
from virtualacademy.models import (
    Attendance,
    AttendanceMark,
    Booking,
    BookingState,
    Event,
    EventStatus,
    LogEntry,
    PlacePaidFrom,
)
from virtualacademy.services.community import bookings, events

NEW = "/community/manage/events/new"


@pytest.fixture
def world(db_session):
    found = build()
    db.session.commit()
    return found


def _day(moment: datetime) -> list[str]:
    local = clock.london(moment)
    return [str(local.day), str(local.month), str(local.year)]


def _form(world, **changes) -> dict:
    begin = starts(days=14, hour=10)
    data = {
        "locality_id": str(world.locality.id),
        "title": "Pond dipping",
        "event_type": "workshop",
        "description": "Bring **wellies**.",
        "starts_on": _day(begin),
        "starts_time": "10:00",
        "ends_on": _day(begin),
        "ends_time": "12:30",
        "venue": "Sandall Park",
        "address": "Thorne Road, Doncaster",
        "capacity": "12",
        "cost": "",
        "paid_from": "locality",
        "subjects": [str(world.subject_ids[1])],
        "repeat": "once",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _post_new(client, world, **changes):
    return post_form(client, NEW, _form(world, **changes), NEW)


def _latest() -> Event | None:
    return db.session.scalar(select(Event).order_by(Event.id.desc()))


# --- posting ---------------------------------------------------------------------------------------------------


def test_a_coordinator_posts_a_draft_then_publishes_it(client, world):
    sign_in(client, world.coordinator.email)
    page = client.get(f"{NEW}?locality={world.locality.id}").get_data(as_text=True)
    assert f'<option value="{world.locality.id}" selected' in page
    assert world.other_locality.name not in page and "Academy-wide" not in page  # only their own localities
    assert "**bold**" in page  # which Markdown is allowed is said
    response = _post_new(client, world, cost="4.50", paid_from="personal", guardians_attend="y")
    assert response.status_code == 302
    event = _latest()
    assert response.headers["Location"].endswith(f"/community/manage/events/{event.id}")
    assert event.status is EventStatus.DRAFT and event.title == "Pond dipping"
    assert event.cost_pence == 450 and event.paid_from is PlacePaidFrom.PERSONAL and event.guardians_attend
    assert clock.london(event.starts_at).strftime("%H:%M") == "10:00"
    assert event.description_html == "<p>Bring <strong>wellies</strong>.</p>"
    assert [s.id for s in event.subjects] == [world.subject_ids[1]]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft" in page and ">Publish<" in page.replace("\n", "").replace("  ", "")
    response = post_form(client, f"/community/manage/events/{event.id}/publish", {}, response.headers["Location"])
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).status is EventStatus.PUBLISHED
    page = client.get(f"/community/manage/events/{event.id}").get_data(as_text=True)
    assert "is published" in " ".join(banners(page)) and "Take the register" not in page  # not yet started


@pytest.mark.parametrize(
    ("changes", "field", "message", "kept"),
    [
        ({"ends_time": "09:00"}, "ends_on", "The event must end after it starts", 'value="09:00"'),
        (
            {"booking_closes_on": "DAY_AFTER", "booking_closes_time": "09:00"},
            "booking_closes_on",
            "Booking must close before the event starts",
            'value="09:00"',
        ),
        ({"capacity": "0"}, "capacity", "Enter the number of places, from 1 to 10,000", 'value="0"'),
        ({"capacity": str(10**20)}, "capacity", "Enter the number of places, from 1 to 10,000", str(10**20)),
        ({"cost": "£1e9"}, "cost", "cost of a place", 'value="£1e9"'),
        (
            {"event_type": "online_session", "online_link": "javascript:alert(1)"},
            "online_link",
            "Enter the online link starting with https://",
            'value="javascript:alert(1)"',
        ),
        ({"subjects": None}, "subjects", "Select at least one subject area", 'value="Sandall Park"'),
        ({"starts_on": ["9", "3", "99999"]}, "starts_on", "must be a real date", 'value="99999"'),
        ({"locality_id": "OTHER"}, "locality_id", "Choose a locality from the list", 'value="Pond dipping"'),
    ],
)
def test_each_error_comes_back_on_its_field_with_what_was_typed(client, world, changes, field, message, kept):
    sign_in(client, world.coordinator.email)
    if changes.get("locality_id") == "OTHER":
        changes = {**changes, "locality_id": str(world.other_locality.id)}  # another coordinator's locality
    if changes.get("booking_closes_on") == "DAY_AFTER":
        changes = {**changes, "booking_closes_on": _day(starts(days=15))}  # the day after it starts
    response = _post_new(client, world, **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in page and "govuk-error-summary" in page
    assert f'href="#{field}"' in page and message in page
    assert kept in page and 'value="Pond dipping"' in page
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_a_weekly_series_makes_one_draft_a_week(client, world):
    sign_in(client, world.coordinator.email)
    response = _post_new(client, world, repeat="weeks", repeat_weeks="6")
    assert response.status_code == 302
    assert "6 draft events made" in " ".join(banners(client.get(response.headers["Location"]).get_data(True)))
    made = list(db.session.scalars(select(Event).order_by(Event.starts_at)))
    assert len(made) == 6 and {e.status for e in made} == {EventStatus.DRAFT}
    assert {clock.london(e.starts_at).strftime("%a %H:%M") for e in made} == {"Tue 10:00"}
    assert made[5].starts_at - made[0].starts_at == timedelta(weeks=5, hours=-1)  # summer time: still 10:00
    assert {e.series_id for e in made[1:]} == {made[0].id}
    until = clock.london(made[0].starts_at).date() + timedelta(weeks=2)
    response = _post_new(
        client, world, repeat="until", repeat_until=[str(until.day), str(until.month), str(until.year)]
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Event)) == 9
    response = _post_new(client, world, repeat="weeks", repeat_weeks="")
    assert "Enter how many weeks it runs" in response.get_data(as_text=True)


def test_changing_an_event_keeps_its_values_and_saves(client, world):
    event = published_event(world, cost_pence=250, paid_from=PlacePaidFrom.LOCALITY)
    db.session.commit()
    sign_in(client, world.coordinator.email)
    path = f"/community/manage/events/{event.id}/edit"
    page = client.get(path).get_data(as_text=True)
    assert 'value="Clay workshop"' in page and 'value="2.50"' in page and 'value="10:00"' in page
    assert "Does it repeat?" not in page
    data = _form(world, title="Clay workshop (bigger room)", capacity="20", cost="2.50")
    data.pop("repeat")
    response = post_form(client, path, data, path)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).capacity == 20


# --- who reaches what -----------------------------------------------------------------------------------------


def test_a_coordinator_never_reaches_another_localitys_events(client, world):
    theirs = published_event(world, actor=world.other_coordinator, locality_id=world.other_locality.id)
    mine = published_event(world, title="Mine")
    db.session.commit()
    sign_in(client, world.coordinator.email)
    base = f"/community/manage/events/{theirs.id}"
    for path in [base, f"{base}/edit", f"{base}/cancel", f"{base}/register", f"{base}/register.pdf"]:
        assert client.get(path).status_code == 404, path
    for path in [f"{base}/publish", f"{base}/cancel", f"{base}/edit", f"{base}/register"]:
        assert post_form(client, path, {"reason": "x"}).status_code == 404, path
    listing = client.get("/community/manage/events").get_data(as_text=True)
    assert "Mine" in listing and theirs.title not in listing.replace("Mine", "")
    assert client.get(f"/community/manage/events?locality={world.other_locality.id}").status_code == 200
    db.session.expire_all()
    assert db.session.get(Event, theirs.id).status is EventStatus.PUBLISHED
    assert db.session.get(Event, mine.id) is not None


def test_an_admin_may_post_an_academy_wide_event(client, world):
    sign_in(client, world.admin.email)
    page = client.get(NEW).get_data(as_text=True)
    assert "Academy-wide" in page and world.other_locality.name in page
    response = _post_new(client, world, locality_id="", cost="3", paid_from="locality")
    assert "An academy-wide event has no locality budget" in response.get_data(as_text=True)
    assert _post_new(client, world, locality_id="", cost="3", paid_from="personal").status_code == 302
    assert _latest().locality_id is None


# --- the list ---------------------------------------------------------------------------------------------------


def _booked_event(world, places: int, waiting: int = 0, **changes):
    event = published_event(world, capacity=places, **changes)
    for family in world.families:
        for child in family.children:
            bookings.book(family.guardian, event, learner=child)
    return event


def test_the_list_shows_drafts_counts_and_filters(client, world):
    full = _booked_event(world, places=2, title="Full workshop")  # four children: two booked, two waiting
    events.create_event(world.coordinator, events.EventInput(**{**_input(world), "title": "Draft idea"}))
    published_event(world, actor=world.other_coordinator, locality_id=world.other_locality.id, title="Southern")
    db.session.commit()
    sign_in(client, world.coordinator.email)
    page = client.get("/community/manage/events").get_data(as_text=True)
    assert "Full workshop" in page and "Draft idea" in page and "Southern" not in page
    row = page[page.index("Full workshop") :]
    assert "2 of 2" in row[:800] and ">2<" in row[:1200].replace(" ", "").replace("\n", "")
    drafts = client.get("/community/manage/events?status=draft").get_data(as_text=True)
    assert "Draft idea" in drafts and "Full workshop" not in drafts
    assert "No events" in client.get("/community/manage/events?when=past").get_data(as_text=True)
    assert client.get("/community/manage/events?status=nonsense&locality=99999999999").status_code == 200
    assert full.id


def _input(world) -> dict:
    from tests.community_world import event_input

    return event_input(world).__dict__


def test_the_list_and_the_event_page_run_the_same_statements_however_many_bookings(app, client, world):
    small = _booked_event(world, places=1)
    for _ in range(6):
        from tests.community_world import make_family

        world.families.append(make_family(world.locality, 2))
    large = _booked_event(world, places=8, title="Large")
    db.session.commit()
    sign_in(client, world.coordinator.email)
    found = {}
    for event in (small, large):
        for path in ["/community/manage/events", f"/community/manage/events/{event.id}"]:
            with counting() as statements:
                assert client.get(path).status_code == 200
            found.setdefault(path.replace(str(event.id), "{id}"), set()).add(len(statements))
    assert all(len(counts) == 1 for counts in found.values()), found


# --- cancelling ------------------------------------------------------------------------------------------------


def test_cancelling_tells_every_family_by_email_and_refunds(client, world, smtp_server):
    fund_locality(world.locality)
    event = _booked_event(world, places=3, cost_pence=500)
    db.session.commit()
    sign_in(client, world.coordinator.email)
    path = f"/community/manage/events/{event.id}/cancel"
    page = client.get(path).get_data(as_text=True)
    assert "3 booked, 0 offered and 1 waiting" in page
    response = post_form(client, path, {"reason": ""}, path)
    assert "Say why the event is cancelled" in response.get_data(as_text=True)
    response = post_form(client, path, {"reason": "The library is flooded."}, path)
    assert response.status_code == 302
    shown = " ".join(banners(client.get(response.headers["Location"]).get_data(as_text=True)))
    assert "3 families were told, 3 places refunded" in shown
    db.session.expire_all()
    assert db.session.get(Event, event.id).status is EventStatus.CANCELLED
    assert db.session.scalar(select(func.count()).where(Booking.refund_transfer_id.is_not(None))) == 3
    mail.deliver_pending(clock.now() + timedelta(minutes=1))
    told = {m["To"] for m in smtp_server.messages if "is cancelled" in m["Subject"]}
    assert told == {f.guardian.email for f in world.families}
    assert client.get(path).status_code == 302  # already cancelled: back to the event


# --- the register ------------------------------------------------------------------------------------------------


def test_the_register_logs_those_present_or_late_only(client, world, travel):
    for family in world.families:
        for child in family.children:
            fund_learner(child)
    event = _booked_event(world, places=4)
    db.session.commit()
    rows = list(db.session.scalars(select(Booking).where(Booking.event_id == event.id).order_by(Booking.id)))
    sign_in(client, world.coordinator.email)
    path = f"/community/manage/events/{event.id}/register"
    marks = {f"mark-{b.id}": m for b, m in zip(rows, ["present", "late", "absent", "present"], strict=True)}
    page = client.get(path).get_data(as_text=True)
    assert "The register can be taken once the event has started" in page
    response = post_form(client, path, marks, path)
    assert "The register can be taken once the event has started" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    travel(event.starts_at + timedelta(hours=3))
    sign_in(client, world.coordinator.email)  # a week on: signed in again
    response = post_form(client, path, {**marks, f"mark-{rows[0].id}": "asleep"}, path)
    assert "Mark each place present, late or absent" in response.get_data(as_text=True)
    response = post_form(client, path, marks, path)
    assert response.status_code == 302
    shown = " ".join(banners(client.get(response.headers["Location"]).get_data(as_text=True)))
    assert "Register saved for 4 places: 3 attendance-in-learning entries made" in shown
    logged = {e.learner_id for e in db.session.scalars(select(LogEntry).where(LogEntry.activity == "community_event"))}
    assert logged == {rows[0].learner_id, rows[1].learner_id, rows[3].learner_id}
    page = client.get(path).get_data(as_text=True)
    assert f'id="mark-{rows[2].id}-absent" name="mark-{rows[2].id}" type="radio" value="absent" checked' in page
    marks_now = {b: m for b, m in db.session.execute(select(Attendance.booking_id, Attendance.mark))}
    assert marks_now[rows[1].id] is AttendanceMark.LATE


def test_the_register_pdf_lists_each_attendee_with_a_box(client, world):
    event = _booked_event(world, places=5, guardians_attend=True)
    bookings.book(world.family(0).guardian, event, guardian=world.family(0).guardian_row)
    db.session.commit()
    sign_in(client, world.coordinator.email)
    response = client.get(f"/community/manage/events/{event.id}/register.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).split())
    assert "Clay workshop" in text and "Bentley Library" in text and "In an emergency" in text
    booked = db.session.scalars(
        select(Booking).where(Booking.event_id == event.id, Booking.state == BookingState.BOOKED)
    ).all()
    for booking in booked:
        name = booking.learner.legal_name if booking.learner else booking.guardian.name
        assert name in text
    assert "Parents and carers attending" in text and world.family(0).guardian_row.name in text
    waiting = db.session.scalars(
        select(Booking).where(Booking.event_id == event.id, Booking.state == BookingState.WAITING)
    ).all()
    assert all(b.learner.legal_name not in text for b in waiting)


def test_the_actions_partial_links_the_manager_to_the_event_change_and_register(app, world):
    from flask import render_template

    event = published_event(world)
    with app.test_request_context():
        links = render_template("community/manage/_event_actions.html", event=event)
    base = f"/community/manage/events/{event.id}"
    assert f'href="{base}"' in links and f'href="{base}/edit"' in links and f'href="{base}/register"' in links
    events.cancel_event(world.coordinator, event, "Rain")
    with app.test_request_context():
        links = render_template("community/manage/_event_actions.html", event=event)
    assert f'href="{base}"' in links and "/edit" not in links and "/register" not in links
