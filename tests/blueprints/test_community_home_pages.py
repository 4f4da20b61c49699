"""The community hub, the coordinator's locality page, the community report (page, table and CSV) and the
coordinator's dashboard panel. Every figure of the report is checked against a small community built by hand; the
locality page and the report run the same number of statements for 3 events and learners as for 30; dates that
cannot be read are messages, never a 500; another coordinator's locality is a 404."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from html import unescape

import pytest

from tests import community_world as cw
from tests.chart_pages import chart_on, chart_table, svg_words
from tests.conftest import sign_in
from tests.factories import LearnerFactory, LocalityFactory, UserFactory
from tests.statements import counting
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import AttendanceMark, CheckIn, ContactMethod, ContactWith, MentorAssignment, Role
from virtualacademy.services.community import announcements, bookings, events, opportunities, registers

PERIOD = "from=1&from=3&from=2027&to=31&to=3&to=2027"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def table_rows(page: str, caption: str) -> dict[str, list[str]]:
    """The rows of the table with ``caption``: each row's first cell's text -> the other cells' texts."""
    table = re.search(rf"<table[^>]*>\s*<caption[^>]*>{re.escape(caption)}</caption>(.*?)</table>", page, re.S)
    assert table, f"no table {caption!r}"
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S):
        cells = [_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def signed_in(app, user):
    """A browser of its own, signed in as ``user``."""
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


@pytest.fixture
def world(client):
    return cw.build(families=4)


def _small_community(world, travel):
    """Two events held in March 2027 in the locality (a third cancelled, a fourth not yet held): 10 places, 6
    booked, 4 attendances by 3 different learners of the locality's 5 on roll, £40 of places paid."""
    cw.fund_locality(world.locality, 50_000)
    first = cw.published_event(world, capacity=4, cost_pence=1_000)
    second = cw.published_event(world, capacity=6, starts_at=cw.starts(days=8), title="Rock pooling")
    cancelled = cw.published_event(world, capacity=20, starts_at=cw.starts(days=8, hour=14), title="Rained off")
    cw.published_event(world, capacity=30, starts_at=cw.starts(days=40), title="Later on")
    made = [bookings.book(f.guardian, first, learner=f.children[0]) for f in world.families]
    extra = bookings.book(world.family(0).guardian, second, learner=world.family(0).children[1])
    again = bookings.book(world.family(1).guardian, second, learner=world.family(1).children[0])
    events.cancel_event(world.coordinator, cancelled, "Rain")
    travel(second.starts_at + timedelta(hours=1))
    registers.take_register(
        world.coordinator,
        first,
        {made[0].id: AttendanceMark.PRESENT, made[1].id: AttendanceMark.LATE, made[2].id: AttendanceMark.ABSENT},
    )
    registers.take_register(
        world.coordinator, second, {extra.id: AttendanceMark.PRESENT, again.id: AttendanceMark.PRESENT}
    )
    db.session.commit()


HEADERS = [
    "Events held",
    "Places offered",
    "Places booked",
    "Attendances",
    "Attendance rate",
    "Learners reached",
    "Share of learners on roll",
    "Cost per attendance",
]


def test_every_figure_of_the_report_on_the_page_in_the_table_and_in_the_csv(client, world, travel):
    _small_community(world, travel)
    sign_in(client, world.coordinator.email)
    response = client.get(f"/community/reports?{PERIOD}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "From 1 March 2027 to 31 March 2027." in page
    rows = table_rows(page, "Community report by locality")
    assert rows["Locality"] == HEADERS
    assert rows[world.locality.name] == ["2", "10", "6", "4", "66.7%", "3 of 5", "60%", "£10.00"]
    # the academy average: over the two active localities (the other has held nothing, and has nobody on roll)
    assert rows["Academy average (per locality)"] == ["1", "5", "3", "2", "66.7%", "1.5 of 2.5", "60%", "£10.00"]
    assert world.other_locality.name not in rows  # a coordinator sees their own locality (and the average)
    # the charts: SVG images saying their figures in words, each value drawn on its bar, and the same as a table
    alt, svg = chart_on(page, "Attendances (present or late), by locality")
    assert (
        alt
        == f"Attendances (present or late), by locality. {world.locality.name}: 4; Academy average (per locality): 2."
    )
    assert {world.locality.name, "4", "Academy average (per locality)", "2"} <= svg_words(svg)
    assert chart_table(page, "Attendances (present or late), by locality") == {
        world.locality.name: ["4"],
        "Academy average (per locality)": ["2"],
    }
    alt, svg = chart_on(page, "Learners on roll who came to anything, per cent, by locality")
    assert alt == (
        "Learners on roll who came to anything, per cent, by locality. "
        f"{world.locality.name}: 60%; Academy average (per locality): 60%."
    )
    assert "60%" in svg_words(svg)
    # the CSV: the same rows, numbers as numbers, money in pounds
    download = client.get(f"/community/reports.csv?{PERIOD}")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert lines[0][:4] == ["Locality", "From", "To", "Events held"]
    by_name = {line[0]: line[1:] for line in lines[1:]}
    assert by_name[world.locality.name] == [
        "2027-03-01", "2027-03-31", "2", "10", "6", "4", "66.7", "3", "5", "60", "40.00", "10.00"
    ]  # fmt: skip
    assert by_name["Academy average (per locality)"][2:] == [
        "1",
        "5",
        "3",
        "2",
        "66.7",
        "1.5",
        "2.5",
        "60",
        "20.00",
        "10.00",
    ]
    assert set(by_name) == {world.locality.name, "Academy average (per locality)"}


def test_an_admin_sees_every_locality_and_the_academy_wide_events_and_can_pick_one(client, world, travel):
    _small_community(world, travel)
    trip = cw.published_event(world, actor=world.admin, locality_id=None, title="Museum", starts_at=cw.starts(days=3))
    bookings.book(world.family(2).guardian, trip, learner=world.family(2).children[0])
    db.session.commit()
    travel(trip.starts_at + timedelta(hours=3))
    sign_in(client, world.admin.email)
    page = client.get(f"/community/reports?{PERIOD}").get_data(as_text=True)
    rows = table_rows(page, "Community report by locality")
    assert rows[world.other_locality.name] == ["0", "0", "0", "0", "—", "0 of 0", "—", "—"]
    assert rows["Academy-wide events"][:4] == ["1", "10", "1", "0"]
    assert rows[world.locality.name][:4] == ["2", "10", "6", "4"]
    one = client.get(f"/community/reports?{PERIOD}&locality={world.other_locality.id}").get_data(as_text=True)
    assert set(table_rows(one, "Community report by locality")) == {
        "Locality",
        world.other_locality.name,
        "Academy average (per locality)",
    }
    names = [
        line[0]
        for line in csv.reader(io.StringIO(client.get(f"/community/reports.csv?{PERIOD}").get_data(as_text=True)))
    ]
    assert names[1:] == sorted([world.locality.name, world.other_locality.name]) + [
        "Academy-wide events",
        "Academy average (per locality)",
    ]


def test_a_locality_name_that_looks_like_a_formula_is_text_in_the_csv(client, world):
    world.locality.name = "=HYPERLINK(1)"
    db.session.commit()
    sign_in(client, world.coordinator.email)
    body = client.get("/community/reports.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in body


@pytest.mark.parametrize(
    "query, message",
    [
        ("from=1&from=1&from=99999", "From must be a real date"),
        ("to=1&to=13&to=2027", "To must be a real date"),
        ("from=1&from=1&from=", "From must include a day, month and year"),
        ("from=10&from=3&from=2027&to=1&to=3&to=2027", "The end of the period must be on or after its start"),
        ("from=1&from=1&from=99", "From must include a 4-digit year"),
    ],
)
def test_dates_that_cannot_be_a_period_are_messages_not_500s(client, world, query, message):
    sign_in(client, world.coordinator.email)
    response = client.get(f"/community/reports?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in unescape(page) and "<title>Error: Community report" in page
    assert "There is a problem" in page
    download = client.get(f"/community/reports.csv?{query}")
    assert download.status_code == 400 and message in unescape(download.get_data(as_text=True))


def test_the_default_period_is_this_term_so_far(client, world, travel):
    sign_in(client, world.coordinator.email)
    assert "From 1 January 2027 to 2 March 2027." in client.get("/community/reports").get_data(as_text=True)
    travel(datetime(2027, 4, 10, 9, tzinfo=clock.LONDON))  # early in the summer term: the last three months
    sign_in(client, world.coordinator.email)
    assert "From 9 January 2027 to 10 April 2027." in client.get("/community/reports").get_data(as_text=True)


def test_another_coordinators_locality_is_a_404(client, world):
    sign_in(client, world.other_coordinator.email)
    assert client.get(f"/community/localities/{world.locality.id}").status_code == 404
    assert client.get(f"/community/reports?locality={world.locality.id}").status_code == 404
    assert client.get(f"/community/reports.csv?locality={world.locality.id}").status_code == 404
    assert client.get(f"/community/localities/{world.other_locality.id}").status_code == 200
    assert client.get("/community/localities/99999999").status_code == 404


def _contact(learner, mentor, days_ago: int) -> None:
    db.session.add(MentorAssignment(learner_id=learner.id, mentor_id=mentor.id, starts_on=date(2026, 9, 1)))
    db.session.add(
        CheckIn(
            learner_id=learner.id,
            mentor_id=mentor.id,
            occurred_at=clock.now() - timedelta(days=days_ago),
            method=ContactMethod.VIDEO,
            with_whom=ContactWith.LEARNER,
        )
    )


def test_the_locality_page_shows_what_needs_doing_with_links(client, world, travel):
    cw.fund_locality(world.locality, 12_345)
    soon = cw.published_event(world, capacity=3, title="Clay workshop")
    bookings.book(world.family(0).guardian, soon, learner=world.family(0).children[0])
    opportunity = opportunities.save_opportunity(
        world.coordinator,
        None,
        opportunities.OpportunityInput(
            title="Bakery",
            kind=opportunities.OpportunityKind.PLACEMENT,
            host_organisation="Bread Co",
            contact_name="Al",
            interests="baking",
            locality_id=world.locality.id,
        ),
    )
    placement = opportunities.express_interest(world.family(2).guardian, opportunity, world.family(2).children[0])
    announcements.post(world.coordinator, world.locality, "Summer fair", "Come along")
    mentor = UserFactory(roles=[Role.MENTOR])
    quiet = world.family(1).children[0]
    _contact(quiet, mentor, 20)
    _contact(world.family(3).children[0], mentor, 2)
    db.session.commit()
    sign_in(client, world.coordinator.email)
    page = client.get(f"/community/localities/{world.locality.id}").get_data(as_text=True)
    text = _text(page)
    assert f"{world.locality.name} community" in text and "Locality budget: £123.45" in text
    assert f'href="/funding/localities/{world.locality.id}"' in page
    assert table_rows(page, "Events coming up, with places booked and waiting")["Clay workshop"][1:] == ["1", "3", "0"]
    assert f'href="/community/manage/events/{soon.id}"' in page
    assert f'href="/community/placements/{placement.id}"' in page and "Bakery" in text
    assert "Summer fair" in text and 'href="/community/announcements/new"' in page
    # four learners on roll without contact (three never contacted, one for 20 days); one contacted 2 days ago
    assert "4 learners" in text
    assert f'href="/caseload/learners/{quiet.id}"' in page
    assert f'href="/caseload/learners/{world.family(3).children[0].id}"' not in page
    assert "No registers to take" in text
    travel(soon.starts_at + timedelta(minutes=30))
    sign_in(client, world.coordinator.email)
    later = client.get(f"/community/localities/{world.locality.id}").get_data(as_text=True)
    assert f'href="/community/manage/events/{soon.id}/register"' in later
    # the dashboard panel: the same counts, linking to the page
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Your locality’s community" in dashboard or "Your locality&#39;s community" in dashboard
    panel = _text(dashboard)
    for line in [
        "1 register to take",
        "1 placement to decide",
        "4 learners without contact for more than 14 days",
        "0 offers of a place waiting for the family",
    ]:
        assert line in panel
    assert f'href="/community/localities/{world.locality.id}"' in dashboard


def test_the_hub_for_each_kind_of_person(app, client, world):
    LocalityFactory(name="Askern")
    sign_in(client, world.coordinator.email)
    page = client.get("/community/").get_data(as_text=True)
    assert f'href="/community/localities/{world.locality.id}"' in page
    assert f'href="/community/localities/{world.other_locality.id}"' not in page
    assert re.search(r'--active">\s*<a class="govuk-service-navigation__link" href="/community/" aria-current', page)
    admin = signed_in(app, world.admin)
    everyone = admin.get("/community/").get_data(as_text=True)
    assert f'href="/community/localities/{world.other_locality.id}"' in everyone
    found = admin.get("/community/?q=aske").get_data(as_text=True)
    assert "Askern" in found and world.locality.name not in _text(
        found.split("Localities", 1)[1].split("What the community offers")[0]
    )
    assert "No locality’s name contains “100%_”" in unescape(admin.get("/community/?q=100%25_").get_data(as_text=True))
    family = signed_in(app, world.family(0).guardian).get("/community/").get_data(as_text=True)
    for path in [
        "/community/events",
        "/community/opportunities",
        "/community/announcements",
        "/community/conversations",
    ]:
        assert f'href="{path}"' in family
    # families reach the community from the same entry, with their own bookings, calendar and email choices
    assert "/community/localities/" not in family and 'href="/community/" aria-current' in family
    for path in ["/community/bookings", "/community/calendar", "/community/settings"]:
        assert f'href="{path}"' in family
    assert "/community/manage/events" not in family


@pytest.fixture
def scaled(client):
    """Two communities: 3 events, bookings and learners without contact, and 30 of each."""

    def build(n: int):
        world = cw.build(families=0)
        mentor = UserFactory(roles=[Role.MENTOR])
        cw.fund_locality(world.locality, 1_000_000)
        kids = [LearnerFactory(locality=world.locality) for _ in range(n)]
        family = cw.make_family(world.locality, 1)
        for k, kid in enumerate(kids):
            _contact(kid, mentor, 20 + k)
        for k in range(n):
            made = cw.published_event(
                world,
                capacity=2,
                cost_pence=100,
                title=f"Event {k}",
                starts_at=cw.starts(days=3, hour=9 + k % 8) + timedelta(days=k // 8),
            )
            bookings.book(family.guardian, made, learner=family.children[0])
        opportunity = opportunities.save_opportunity(
            world.coordinator,
            None,
            opportunities.OpportunityInput(
                title="Farm",
                kind=opportunities.OpportunityKind.PLACEMENT,
                host_organisation="Farm",
                contact_name="F",
                interests="farming",
                locality_id=world.locality.id,
            ),
        )
        for kid in kids:
            db.session.add(
                opportunities.Placement(
                    opportunity_id=opportunity.id, learner_id=kid.id, state=opportunities.PlacementState.INTERESTED
                )
            )
        db.session.commit()
        return world

    return build


def test_the_locality_page_and_the_report_do_not_grow_with_events_and_learners(app, scaled, travel):
    small, large = scaled(3), scaled(30)
    travel(clock.now() + timedelta(days=5))
    found = {}
    for world in (small, large):
        client = signed_in(app, world.coordinator)
        counts = []
        for path in [
            f"/community/localities/{world.locality.id}",
            "/community/reports",
            "/community/reports.csv",
            "/dashboard",
            "/community/",
        ]:
            with counting() as statements:
                response = client.get(path)
                assert response.status_code == 200, path
                response.get_data()
            counts.append(len(statements))
        found[world.locality.id] = counts
    assert found[small.locality.id] == found[large.locality.id]
