"""The page benchmarks' data and floor: ``seed-scale`` builds the national data set (scaled down here) with the demo
accounts, and ``/healthz/floor`` answers with its status only."""

from sqlalchemy import func, select

from bench.seed_national import LOCALITY_PREFIX, Scale, seeded_learners
from tests.conftest import sign_in
from virtualacademy import create_app
from virtualacademy.demo import DEMO_PASSWORD
from virtualacademy.extensions import db
from virtualacademy.models import (
    CheckIn,
    Learner,
    LedgerAccount,
    Locality,
    LogEntry,
    MentorAssignment,
    Transfer,
    User,
)
from virtualacademy.models.funding import AccountKind
from virtualacademy.services import ledger


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_seed_scale_builds_the_national_data_set_and_the_demo_academy(app, committed_db):
    scale = Scale.for_learners(300)
    result = app.test_cli_runner().invoke(args=["seed-scale", "--learners", "300"])
    assert result.exit_code == 0, result.output
    assert "Built 300 learners" in result.output
    assert "admin@demo.example.org" in result.output
    with app.app_context():
        assert seeded_learners() == 300
        assert _count(Locality, Locality.name.like(LOCALITY_PREFIX + "%")) == scale.localities
        assert _count(User, User.email.like("bench-mentor-%")) == scale.mentors
        bench_learners = select(Learner.id).join(Locality).where(Locality.name.like(LOCALITY_PREFIX + "%"))
        # every bench learner has a mentor now, contact history, and (most of them) a learning log
        assert (
            _count(
                MentorAssignment, MentorAssignment.ends_on.is_(None), MentorAssignment.learner_id.in_(bench_learners)
            )
            == 300
        )
        assert _count(CheckIn, CheckIn.learner_id.in_(bench_learners)) > 300
        assert _count(LogEntry, LogEntry.learner_id.in_(bench_learners)) > 300 * 10
        # the money: a learning budget for each learner on roll at the census (the demo's as well), spent from
        assert _count(LedgerAccount, LedgerAccount.kind == AccountKind.PERSONAL) > 300
        assert _count(Transfer) > 300 * 8
        assert ledger.verify().ok
        db.session.remove()

    for email in (
        "admin@demo.example.org",
        "coordinator.north@demo.example.org",
        "mentor.amara@demo.example.org",
        "guardian.jones@demo.example.org",
        "exams@demo.example.org",
        "dsl@demo.example.org",
    ):
        client = app.test_client()
        assert sign_in(client, email, DEMO_PASSWORD).status_code == 302, email
        assert client.get("/dashboard").status_code == 200, email

    again = app.test_cli_runner().invoke(args=["seed-scale", "--learners", "300"])
    assert again.exit_code != 0
    assert "already holds bench data" in again.output


def test_seed_scale_refuses_to_run_in_production(tmp_path):
    production = create_app(
        {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"}
    )
    result = production.test_cli_runner().invoke(args=["seed-scale", "--learners", "10"])
    assert result.exit_code != 0
    assert "refuses to run in production" in result.output


def test_the_benchmarks_floor_answers_with_its_status_only(client):
    response = client.get("/healthz/floor")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_the_floor_reports_503_when_the_database_is_unreachable(tmp_path):
    broken = create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = broken.test_client().get("/healthz/floor")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error"}
