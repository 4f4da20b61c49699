"""An admin's, the safeguarding lead's and the exams officer's main pages send as many statements for 2 of
everything as for 12 (the world of tests/page_world.py). The list of transfers is left out here: its pages are
being rebuilt on keyset pagination, which its own tests count."""

from tests.blueprints.test_exams_scale import PAGES as EXAMS_PAGES
from tests.page_world import build, growing, statements_small_and_large

ADMIN = [
    "/dashboard",
    "/learners",
    "/learners/{learner}",
    "/caseload/learners/{learner}",
    "/applications",
    "/admin/users",
    "/admin/audit",
    "/localities/",
    "/localities/{locality}",
    "/cohort",
    "/mentoring/settings",
    "/mentoring/unassigned",
    "/funding/",
    "/funding/localities",
    "/funding/localities/{locality}",
    "/funding/years/{funding_year}",
    "/funding/years/{funding_year}/overview",
    "/funding/requests",
    "/funding/accounts/{account}/statement",
    "/exams/",
    "/safeguarding/",
    "/community/manage/events",
    "/community/opportunities",
]

SAFEGUARDING_LEAD = ["/dashboard", "/safeguarding/", "/safeguarding/concerns/{concern}"]

#: The exams officer's pages that tests/blueprints/test_exams_scale.py counts for more candidates, here with the
#: rest of the academy growing too, and the learner's, entry's, centres' and qualifications' pages.
EXAMS_OFFICER = [
    *EXAMS_PAGES,
    "/learners",
    "/exams/learners/{learner}",
    "/exams/entries/{entry}",
    "/exams/centres",
    "/exams/qualifications",
]


def test_the_leaders_pages_send_as_many_statements_for_2_of_everything_as_for_12(app, db_session):
    world = build()
    pages = {"admin": ADMIN, "safeguarding_lead": SAFEGUARDING_LEAD, "exams_officer": EXAMS_OFFICER}
    small, large = statements_small_and_large(app, world, pages)
    assert not growing(small, large)
