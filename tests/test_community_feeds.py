"""Calendar feeds, parsed back with the icalendar library: times in Europe/London, cancelled events cancelled, no
personal data or online links in the public feed, and the private feed behind a token that can be reset."""

from datetime import datetime, timedelta

import pytest
from icalendar import Calendar

from tests import community_world as cw
from virtualacademy import clock
from virtualacademy.errors import NotAllowed
from virtualacademy.models import EventType, FamilyFeed
from virtualacademy.services.community import bookings, events, feeds


@pytest.fixture
def world(ctx):
    return cw.build(families=2)


def _events(data: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(data)
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def test_the_public_feed_has_published_events_in_london_time_and_nothing_personal(ctx, world):
    summer = datetime(2027, 6, 12, 10, 0, tzinfo=clock.LONDON)
    cw.published_event(world, title="Summer pond dipping", starts_at=summer)
    online = cw.published_event(
        world,
        title="Coding club",
        event_type=EventType.ONLINE_SESSION,
        online_link="https://meet.example.org/secret-room",
        venue=None,
    )
    events.create_event(world.coordinator, cw.event_input(world, title="Draft idea"))
    cw.published_event(world, actor=world.admin, locality_id=None, title="Academy-wide exhibition")
    booking = bookings.book(world.family(0).guardian, online, learner=world.family(0).children[0])
    data = feeds.locality_feed(world.locality)
    found = _events(data)
    assert set(found) == {"Summer pond dipping", "Coding club", "Academy-wide exhibition"}
    start = found["Summer pond dipping"].decoded("dtstart")
    assert start == summer and str(start.tzinfo) == "Europe/London" and start.utcoffset() == timedelta(hours=1)
    assert found["Summer pond dipping"]["dtstart"].params["TZID"] == "Europe/London"
    assert b"BEGIN:VTIMEZONE" in data and b"TZID:Europe/London" in data
    assert found["Coding club"]["location"] == "Online"
    text = data.decode()
    assert "secret-room" not in text and booking.learner.legal_name not in text
    assert world.family(0).guardian.email not in text


def test_a_cancelled_event_appears_as_cancelled(ctx, world):
    family = world.family(0)
    event = cw.published_event(world, title="Museum trip")
    bookings.book(family.guardian, event, learner=family.children[0])
    events.cancel_event(world.coordinator, event, "The museum is closed.")
    [item] = _events(feeds.locality_feed(world.locality)).values()
    assert item["status"] == "CANCELLED"
    token = feeds.reset_token(family.guardian, family.guardian_row.family)
    [mine] = _events(feeds.family_feed(feeds.family_for_token(token))).values()
    assert mine["status"] == "CANCELLED" and "booked" not in str(mine.get("description", ""))


def test_the_private_feed_lists_the_familys_bookings_with_online_links(ctx, world):
    family, other = world.family(0), world.family(1)
    online = cw.published_event(
        world, title="Coding club", event_type=EventType.ONLINE_SESSION, online_link="https://meet.example.org/r1"
    )
    theirs = cw.published_event(world, title="Not ours")
    bookings.book(family.guardian, online, learner=family.children[0])
    bookings.book(family.guardian, online, learner=family.children[1])
    bookings.book(other.guardian, theirs, learner=other.children[0])
    token = feeds.reset_token(family.guardian, family.guardian_row.family)
    assert feeds.family_for_token(token) == family.guardian_row.family
    found = _events(feeds.family_feed(feeds.family_for_token(token)))
    assert set(found) == {"Coding club"}
    assert "2 places booked" in str(found["Coding club"]["description"])
    assert "https://meet.example.org/r1" in str(found["Coding club"]["description"])
    assert found["Coding club"].decoded("dtstart") == online.starts_at


def test_a_wrong_or_reset_token_finds_nothing_and_only_a_hash_is_kept(ctx, world):
    family = world.family(0)
    first = feeds.reset_token(family.guardian, family.guardian_row.family)
    assert ctx.get(FamilyFeed, family.guardian_row.family_id).token_hash != first
    second = feeds.reset_token(family.guardian, family.guardian_row.family)
    assert feeds.family_for_token(first) is None
    assert feeds.family_for_token(second) is not None
    for wrong in ("", None, "x" * 500, second[:-1], second + "a"):
        assert feeds.family_for_token(wrong) is None
    with pytest.raises(NotAllowed):
        feeds.reset_token(world.family(1).guardian, family.guardian_row.family)


def test_the_private_feed_has_the_papers_the_familys_children_are_entered_for(ctx, world):
    from datetime import date

    from tests.exams_objects import exam_objects, exam_setting
    from virtualacademy.extensions import db
    from virtualacademy.models import ExamPaper, ExamSession, Qualification

    family, other = world.family(0), world.family(1)
    setting = exam_setting()
    series, centre = setting
    ours = exam_objects(family.children[0], setting=setting, candidate_number="0001")
    theirs = exam_objects(other.children[0], setting=setting, candidate_number="0002")
    for ids, code in ((ours, "1H"), (theirs, "2H")):
        db.session.add(
            ExamPaper(
                qualification_id=ids["qualification"],
                series_id=series.id,
                paper_code=code,
                title="Paper 1",
                sits_on=date(2027, 5, 20),
                session=ExamSession.PM,
                duration_minutes=90,
                room="Hall",
            )
        )
    db.session.flush()
    subject = db.session.get(Qualification, ours["qualification"]).subject
    token = feeds.reset_token(family.guardian, family.guardian_row.family)
    found = _events(feeds.family_feed(feeds.family_for_token(token)))
    [(summary, paper)] = [(s, e) for s, e in found.items() if "Paper 1" in s]
    assert summary == f"{family.children[0].known_as}: {subject} Paper 1 (1H)"
    assert paper.decoded("dtstart") == datetime(2027, 5, 20, 13, 30, tzinfo=clock.LONDON)
    assert paper.decoded("dtend") - paper.decoded("dtstart") == timedelta(minutes=90)
    assert paper.decoded("dtstart").utcoffset() == timedelta(hours=1)  # British Summer Time in May
    assert f"Hall, {centre.name}" == str(paper["location"])
