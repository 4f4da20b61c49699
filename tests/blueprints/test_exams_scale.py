"""The exams officer's pages run the same number of statements for 2 candidates as for 12: lists are paginated
and eager-loaded, counts are made in the database, nothing is queried per row."""

import pytest

from tests.conftest import sign_in
from tests.factories import (
    CentreSeriesCapacityFactory,
    ExamCentreFactory,
    ExamSeriesFactory,
    ReadinessJudgementFactory,
    UserFactory,
    fund_exams_budget,
)
from tests.statements import counting
from virtualacademy.extensions import db
from virtualacademy.models import ArrangementEvidence, ArrangementType, Role
from virtualacademy.services.exams import arrangements, entries

PAGES = [
    "/dashboard",
    "/exams/",
    "/exams/ready",
    "/exams/arrangements",
    "/exams/series/{series}",
    "/exams/series/{series}/reports",
    "/exams/series/{series}/results",
    "/exams/localities",
]


def _academy(candidates: int) -> tuple[object, int]:
    officer = UserFactory(roles=[Role.EXAMS_OFFICER])
    series = ExamSeriesFactory()
    centre = ExamCentreFactory()
    CentreSeriesCapacityFactory(centre=centre, series=series, seats=100)
    fund_exams_budget(10_000_000)
    for n in range(candidates):
        judgement = ReadinessJudgementFactory()
        entry = entries.create_entry(officer, judgement.learner, judgement.qualification, series, centre)
        entries.confirm_entered(officer, entry, f"{n + 1:04d}", f"52311A{n + 1:07d}")
        arrangements.add_arrangement(
            officer, judgement.learner, series, ArrangementType.REST_BREAKS, ArrangementEvidence.EHCP
        )
        ReadinessJudgementFactory()  # ready and confirmed, not entered
    db.session.commit()
    return officer, series.id


def _statements(client, officer, series_id) -> dict[str, int]:
    sign_in(client, officer.email)
    found = {}
    for template in PAGES:
        path = template.format(series=series_id)
        with counting() as statements:
            assert client.get(path).status_code == 200, path
        found[template] = len(statements)
    return found


@pytest.fixture
def small(client, db_session):
    return _statements(client, *_academy(2))


def test_statements_per_page_do_not_grow_with_the_candidates(app, small, db_session):
    with app.test_client() as other:
        large = _statements(other, *_academy(12))
    assert large == small
