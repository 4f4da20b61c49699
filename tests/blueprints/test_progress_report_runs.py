"""Building a term's reports from the browser: the admin asks (the request only queues the run), asking again
while it is under way shows that run, the run's page shows its progress (and its figures as JSON for the page to
update itself), the term's page lists the latest runs; errors are shown on the form, bad addresses are 404."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import banners, post_form, sign_in
from tests.factories import LocalityFactory, ReportRunFactory, UserFactory
from virtualacademy import clock
from virtualacademy.models import ReportRun, Role, RunStatus

BUILD = "/reports/terms/2027-spring/build"


@pytest.fixture
def admin(client, ctx):
    user = UserFactory(roles=[Role.ADMIN], name="Ada Admin")
    sign_in(client, user.email)
    return user


def runs_count(ctx) -> int:
    return ctx.scalar(select(func.count()).select_from(ReportRun))


def test_the_admin_starts_a_build_and_asking_again_shows_the_same_run(client, ctx, admin):
    north = LocalityFactory(name="North Yorkshire")
    LocalityFactory(name="Closed Dale", active=False)
    page = client.get(BUILD).get_data(as_text=True)
    assert "Build the spring term 2027 reports" in page and "Every learner in the academy" in page
    assert "North Yorkshire" in page and "Closed Dale" not in page
    response = post_form(client, BUILD, {"scope": str(north.id)})
    assert response.status_code == 302
    run = ctx.scalar(select(ReportRun))
    assert response.location.endswith(f"/reports/runs/{run.id}")
    assert (run.status, run.locality_id, run.requested_by_id, run.term_key) == (
        RunStatus.QUEUED,
        north.id,
        admin.id,
        "2027-spring",
    )
    page = client.get(response.location).get_data(as_text=True)
    assert "The build is queued" in banners(page)[0]
    assert "For North Yorkshire. Asked for by Ada Admin" in " ".join(page.split())
    assert 'role="status"' in page and "Waiting to start" in page
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in page  # reloads itself without script
    # asked again: the same run, not a second
    again = post_form(client, BUILD, {"scope": str(north.id)})
    assert again.location == response.location and runs_count(ctx) == 1
    assert "already being built" in banners(client.get(again.location).get_data(as_text=True))[0]
    # the academy's is another run
    academy = post_form(client, BUILD, {"scope": "academy"})
    assert academy.location != response.location and runs_count(ctx) == 2


def test_the_run_page_shows_progress_and_its_figures_as_json(client, ctx, admin):
    run = ReportRunFactory(
        requested_by=admin, status=RunStatus.RUNNING, total=300, built=100, skipped=20, started_at=clock.now()
    )
    page = client.get(f"/reports/runs/{run.id}").get_data(as_text=True)
    assert '<p class="govuk-heading-m va-run__text" id="run-progress-text" role="status" data-field="text">' in page
    assert "120 of 300 reports built" in page and "every learner in the academy" in page
    assert 'value="40"' in page and 'aria-labelledby="run-progress-text"' in page
    figures = client.get(f"/reports/runs/{run.id}/progress").get_json()
    assert figures == {
        "status": "running",
        "status_label": "Building",
        "under_way": True,
        "text": "120 of 300 reports built",
        "total": 300,
        "ready": 120,
        "built": 100,
        "skipped": 20,
        "failed": 0,
        "percent": 40,
    }
    run.status, run.built, run.failed, run.active_key = RunStatus.FAILED, 278, 2, None
    run.error, run.finished_at = "2 reports could not be built (learners 7, 9). Start the build again.", clock.now()
    ctx.commit()
    page = client.get(f"/reports/runs/{run.id}").get_data(as_text=True)
    assert "Stopped: 298 of 300 reports built, 2 could not be built" in page
    assert "learners 7, 9" in page and "noscript" not in page and "Build the spring term 2027 reports again" in page
    assert client.get(f"/reports/runs/{run.id}/progress").get_json()["under_way"] is False


def test_the_terms_page_lists_the_latest_runs_for_admins_only(app, client, ctx, admin):
    ReportRunFactory(requested_by=admin, status=RunStatus.RUNNING, total=10, built=4)
    ReportRunFactory(term_key="2026-autumn", status=RunStatus.DONE, active_key=None)
    page = client.get("/reports/caseload?term=2027-spring").get_data(as_text=True)
    assert "Latest builds of the spring term 2027 reports" in page and "4 of 10 reports built" in page
    assert "Build the spring term 2027 reports as PDFs" in page
    mentor, client = UserFactory(roles=[Role.MENTOR]), app.test_client()
    sign_in(client, mentor.email)
    page = client.get("/reports/caseload?term=2027-spring").get_data(as_text=True)
    assert "Latest builds" not in page and "as PDFs" not in page


@pytest.mark.parametrize(
    "scope, message",
    [
        ("", "Choose whose reports to build"),
        ("99999999999999999999999999", "Choose the whole academy or one of its open localities"),
        ("north\x00", "Choose the whole academy or one of its open localities"),
    ],
)
def test_a_bad_choice_is_an_error_on_the_form(client, ctx, admin, scope, message):
    response = post_form(client, BUILD, {"scope": scope})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Error: " in page and message in page
    assert runs_count(ctx) == 0


def test_a_locality_closed_since_the_form_was_shown_is_an_error_on_the_form(client, ctx, admin, monkeypatch):
    closed = LocalityFactory(name="Closed Dale", active=False)
    from virtualacademy.services import localities

    every = localities.all_localities
    monkeypatch.setattr(localities, "all_localities", lambda active_only=False: every(active_only=False))
    page = post_form(client, BUILD, {"scope": str(closed.id)}).get_data(as_text=True)
    assert "<title>Error: " in page and "Choose a locality that is open" in page and runs_count(ctx) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/reports/terms/2027-summer/build",  # not begun
        "/reports/terms/9999-winter/build",
        "/reports/runs/999999",
        f"/reports/runs/{2**63}",
        "/reports/runs/999999/progress",
    ],
)
def test_bad_addresses_are_404(client, ctx, admin, path):
    assert client.get(path).status_code == 404
