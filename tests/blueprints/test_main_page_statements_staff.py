"""A mentor's and a coordinator's main pages send as many statements for 2 of everything as for 12 (the world of
tests/page_world.py): the caseload, a learner's pages, the check-in form and recording a check-in; the locality,
its learners, events, an event's page and register, its budget and community pages."""

from datetime import timedelta

from tests.conftest import csrf_token, sign_in
from tests.page_world import build, grow, growing, statements_small_and_large
from tests.statements import counting
from virtualacademy import clock
from virtualacademy.extensions import db

MENTOR = [
    "/dashboard",
    "/caseload",
    "/caseload/learners/{learner}",
    "/caseload/learners/{learner}/check-in",
    "/learners/{learner}",
    "/learning/learners/{learner}/plan",
    "/learning/learners/{learner}/week",
    "/learning/learners/{learner}/portfolio",
    "/learning/learners/{learner}/attendance",
    "/reports/caseload",
    "/funding/requests",
    "/notifications/",
    "/community/learners/{learner}/conversations",
    "/community/conversations/{conversation}",
    "/community/placements/{placement}",
]

COORDINATOR = [
    "/dashboard",
    "/localities/{locality}",
    "/learners",
    "/learners/{learner}",
    "/cohort",
    "/mentoring/unassigned",
    "/funding/localities/{locality}",
    "/funding/requests",
    "/community/",
    "/community/manage/events",
    "/community/manage/events/{event}",
    "/community/manage/events/{event}/register",
    "/community/events/{event}",
    "/community/opportunities/{opportunity}",
    "/community/placements",
    "/community/placements/{placement}",
    "/community/announcements",
    "/community/conversations/{conversation}",
]


def test_a_mentors_and_a_coordinators_pages_send_as_many_statements_for_2_of_everything_as_for_12(app, db_session):
    world = build()
    small, large = statements_small_and_large(app, world, {"mentor": MENTOR, "coordinator": COORDINATOR})
    assert not growing(small, large)


def _record_check_in(client, path: str, hours_ago: int) -> int:
    """The statements of recording a check-in (the form's token is taken first, uncounted)."""
    token = csrf_token(client, path)
    when = clock.london(clock.now() - timedelta(hours=hours_ago))
    data = {
        "occurred_on": [str(when.day), str(when.month), str(when.year)],
        "occurred_time": when.strftime("%H:%M"),
        "method": "phone",
        "with_whom": "both",
        "contact_made": "yes",
        "wellbeing": "4",
        "engagement": "3",
        "notes": "Talked about the project.",
        "action_1_text": "Visit the library",
        "action_1_owner": "learner",
        "csrf_token": token,
    }
    db.session.commit()
    db.session.expunge_all()
    with counting() as statements:
        response = client.post(path, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return len(statements)


def test_recording_a_check_in_sends_as_many_statements_for_2_of_everything_as_for_12(app, db_session):
    world = build()
    client = app.test_client()
    sign_in(client, world.email("mentor"))
    path = world.path("/caseload/learners/{learner}/check-in")
    grow(world, 2)
    _record_check_in(client, path, 30)  # the first check-in after the growth; its ripples settle
    small = _record_check_in(client, path, 20)
    grow(world, 10)
    _record_check_in(client, path, 10)
    assert _record_check_in(client, path, 1) == small
