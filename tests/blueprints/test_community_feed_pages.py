"""The calendar feed pages: each locality's public feed (no sign-in, parsed back with icalendar: London times,
nothing personal, no online links, cancelled events cancelled), a family's private feed behind its token (an old,
wrong or absurd token is a 404, never a 500), and the calendar page that shows a new private link once."""

import re
from datetime import datetime, timedelta
from html import unescape

import pytest
from icalendar import Calendar
from sqlalchemy import select

from tests import community_world as cw
from tests.conftest import banners, post_form, sign_in
from tests.factories import UserFactory
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import EventType, FamilyFeed, Role
from virtualacademy.services.community import bookings, events, feeds

LINK = re.compile(r'id="private-link"[^>]*value="([^"]+)"')


@pytest.fixture
def world(db_session):
    made = cw.build(families=2)
    db.session.commit()
    return made


def _events(data: bytes) -> dict[str, object]:
    return {str(e["summary"]): e for e in Calendar.from_ical(data).walk("VEVENT")}


def _signed_in(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def test_the_public_feed_needs_no_sign_in_and_tells_nothing_personal(client, world):
    family = world.family(0)
    summer = datetime(2027, 6, 12, 10, 0, tzinfo=clock.LONDON)
    cw.published_event(world, title="Summer pond dipping", starts_at=summer)
    online = cw.published_event(
        world,
        title="Coding club",
        event_type=EventType.ONLINE_SESSION,
        online_link="https://meet.example.org/secret-room",
        venue=None,
    )
    trip = cw.published_event(world, title="Museum trip")
    bookings.book(family.guardian, online, learner=family.children[0])
    bookings.book(family.guardian, trip, learner=family.children[1])
    events.cancel_event(world.coordinator, trip, "The museum is closed.")
    db.session.commit()

    response = client.get(f"/community/localities/{world.locality.id}/events.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    found = _events(response.data)
    assert set(found) == {"Summer pond dipping", "Coding club", "Museum trip"}
    start = found["Summer pond dipping"]
    assert start["dtstart"].params["TZID"] == "Europe/London"
    assert start.decoded("dtstart") == summer and start.decoded("dtstart").utcoffset() == timedelta(hours=1)
    assert b"TZID:Europe/London" in response.data and b"BEGIN:VTIMEZONE" in response.data
    assert found["Coding club"]["location"] == "Online"
    assert found["Museum trip"]["status"] == "CANCELLED"
    text = response.data.decode()
    assert "secret-room" not in text and "meet.example.org" not in text
    for child in family.children:
        assert child.legal_name not in text and child.known_as not in text
    assert family.guardian.email not in text and family.guardian.name not in text
    assert "booked" not in text


def test_an_unknown_locality_has_no_feed(client, world):
    for path in (
        "/community/localities/2147483647/events.ics",
        "/community/localities/99999999999999999999/events.ics",
    ):
        assert client.get(path).status_code == 404


def test_the_private_feed_has_the_familys_bookings_until_its_link_is_reset(app, world):
    family, other = world.family(0), world.family(1)
    ours = cw.published_event(
        world, title="Coding club", event_type=EventType.ONLINE_SESSION, online_link="https://meet.example.org/r1"
    )
    theirs = cw.published_event(world, title="Not ours")
    bookings.book(family.guardian, ours, learner=family.children[0])
    bookings.book(other.guardian, theirs, learner=other.children[0])
    db.session.commit()
    guardian = _signed_in(app, family.guardian)

    assert "You have not made a private link yet" in guardian.get("/community/calendar").get_data(as_text=True)
    made = post_form(guardian, "/community/calendar/reset", {"family": family.guardian_row.family_id})
    assert made.status_code == 302 and made.headers["Location"].endswith("/community/calendar")
    assert "token" not in made.headers["Location"]
    page = guardian.get("/community/calendar").get_data(as_text=True)
    link = unescape(LINK.search(page).group(1))
    assert link.startswith("http://localhost/community/feeds/") and link.endswith(".ics")
    assert "shown only this once" in page
    assert f"webcal://localhost/community/feeds/{link.rsplit('/', 1)[1]}" in unescape(page)
    # only the hash is kept, and the link is not shown again
    token = link.rsplit("/", 1)[1].removesuffix(".ics")
    stored = db.session.scalar(
        select(FamilyFeed.token_hash).where(FamilyFeed.family_id == family.children[0].family_id)
    )
    assert stored != token and token not in stored
    again = guardian.get("/community/calendar").get_data(as_text=True)
    assert LINK.search(again) is None and token not in again
    assert "Your current private link was made on" in again

    path = "/community/feeds/" + link.rsplit("/", 1)[1]
    feed = app.test_client().get(path)  # no sign-in: the calendar app fetches it
    assert feed.status_code == 200 and feed.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in feed.headers["Cache-Control"] and "private" in feed.headers["Cache-Control"]
    assert "noindex" in feed.headers["X-Robots-Tag"]
    found = _events(feed.data)
    assert set(found) == {"Coding club"}
    assert "https://meet.example.org/r1" in str(found["Coding club"]["description"])
    assert found["Coding club"]["dtstart"].params["TZID"] == "Europe/London"

    post_form(guardian, "/community/calendar/reset", {"family": family.guardian_row.family_id})
    newer = unescape(LINK.search(guardian.get("/community/calendar").get_data(as_text=True)).group(1))
    assert newer != link
    assert app.test_client().get(path).status_code == 404  # the old link stops working at once
    assert app.test_client().get("/community/feeds/" + newer.rsplit("/", 1)[1]).status_code == 200


@pytest.mark.parametrize(
    "token",
    ["not-a-real-token", "x" * 100, "x" * 101, "a" * 5000, "%00abc", "%E2%80%AEevil", "..%2F..%2Fetc", "🙂"],
)
def test_a_wrong_or_absurd_token_is_not_found(client, world, token):
    family = world.family(0)
    feeds.reset_token(family.guardian, family.guardian_row.family)
    db.session.commit()
    response = client.get(f"/community/feeds/{token}.ics")
    assert response.status_code == 404


def test_a_family_cannot_make_another_familys_link(app, world):
    family, other = world.family(0), world.family(1)
    guardian = _signed_in(app, family.guardian)
    for value in (other.guardian_row.family_id, "", "2147483648", "99999999999999999999999", "\x00", "-1"):
        response = post_form(guardian, "/community/calendar/reset", {"family": value})
        assert response.status_code == 404, value
    assert db.session.scalar(select(FamilyFeed).where(FamilyFeed.family_id == other.guardian_row.family_id)) is None


def test_the_calendar_page_explains_the_feeds_and_links_the_localitys_public_one(app, world):
    family = world.family(0)
    page = _signed_in(app, family.guardian).get("/community/calendar")
    assert page.status_code == 200
    text = unescape(page.get_data(as_text=True))
    assert f"http://localhost/community/localities/{world.locality.id}/events.ics" in text
    assert f"Public calendar for {world.locality.name}" in text
    assert world.other_locality.name not in text
    for app_name in ("Google Calendar", "Outlook", "Apple Calendar"):
        assert app_name in text
    assert "/community/settings" in text
    learner_user = UserFactory(roles=[Role.LEARNER])
    family.children[0].user_id = learner_user.id
    db.session.commit()
    assert _signed_in(app, learner_user).get("/community/calendar").status_code == 200


def test_making_a_link_says_the_old_one_stops_working(app, world):
    family = world.family(0)
    guardian = _signed_in(app, family.guardian)
    response = post_form(
        guardian, "/community/calendar/reset", {"family": family.guardian_row.family_id}, follow_redirects=True
    )
    assert any("no longer works" in b for b in banners(response.get_data(as_text=True)))


def test_the_feeds_are_rate_limited_per_address(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "COMMUNITY_FEED_LIMIT", "3 per minute")
    path = f"/community/localities/{world.locality.id}/events.ics"
    assert [client.get(path).status_code for _ in range(4)] == [200, 200, 200, 429]
