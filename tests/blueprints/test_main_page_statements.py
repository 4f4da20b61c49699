"""A family's main pages send as many statements when the academy and the family's rows are small as when they
are large (issue 16, query discipline): the world of tests/page_world.py grown by 2 of everything, then by 10 more
(the family's children, the child's log entries, check-ins, transfers, spend requests, bookings, conversations,
placement sessions; the locality's events, opportunities and announcements; another locality's learners, mentors
and events). The staff's pages are in test_main_page_statements_staff.py and _leaders.py."""

import re

from tests.page_world import build, growing, statements_small_and_large

GUARDIAN = [
    "/dashboard",
    "/family",
    "/family/learners/{learner}",
    "/funding/family",
    "/funding/learners/{learner}/budget",
    "/funding/accounts/{account}/statement",
    "/learning/learners/{learner}/plan",
    "/learning/learners/{learner}/plan/history",
    "/learning/learners/{learner}/week",
    "/learning/learners/{learner}/portfolio",
    "/learning/learners/{learner}/attendance",
    "/learning/learners/{learner}/achievement",
    "/learning/learners/{learner}/exhibitions",
    "/learning/log",
    "/exams/family",
    "/exams/learners/{learner}",
    "/reports/",
    "/notifications/",
    "/account",
]

#: The community pages a family uses that no other test counts (tests/blueprints/test_community_*_pages.py count
#: the opportunity list, the announcements, settings and calendar, the conversation list).
GUARDIAN_COMMUNITY = [
    "/community/",
    "/community/events",
    "/community/events/{event}",
    "/community/bookings",
    "/community/opportunities/{opportunity}",
    "/community/placements",
    "/community/placements/{placement}",
    "/community/announcements/{announcement}",
    "/community/learners/{learner}/conversations",
    "/community/conversations/{conversation}",
]


def test_a_familys_pages_send_as_many_statements_for_2_of_everything_as_for_12(app, db_session):
    world = build()
    small, large = statements_small_and_large(app, world, {"guardian": GUARDIAN + GUARDIAN_COMMUNITY})
    assert not growing(small, large)

    # The large world's rows are on the pages: 13 children, 12 log entries this week, 12 more bookings.
    from tests.conftest import sign_in

    client = app.test_client()
    sign_in(client, world.email("guardian"))
    family = client.get("/family").get_data(as_text=True)
    assert family.count('class="govuk-summary-card"') == 13
    budgets = client.get("/funding/family").get_data(as_text=True)
    assert len(re.findall(r"View budget<span", budgets)) == 13
    week = client.get(world.path("/learning/learners/{learner}/week")).get_data(as_text=True)
    assert week.count("Built a model of a Roman fort.") == 12
