"""``flask reports build``: a term's reports built in worker processes, each file whole or absent; a second run
skips them all; a run interrupted (files lost, a worker raising) completes the rest when run again."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.factories import LearnerFactory, LocalityFactory
from virtualacademy.extensions import db
from virtualacademy.services.progress_reports import batch, documents

N = 4


@pytest.fixture
def academy(app, committed_db, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PROGRESS_REPORT_FOLDER", str(tmp_path / "reports"))
    with app.app_context():
        north, south = LocalityFactory(), LocalityFactory()
        ids = [LearnerFactory(locality=north, enrolled=date(2026, 9, 1)).id for _ in range(N)]
        LearnerFactory(locality=south, enrolled=date(2026, 9, 1))
        LearnerFactory(locality=north, enrolled=date(2027, 4, 20))  # not on roll in the spring term
        db.session.commit()
        return {"folder": tmp_path / "reports" / "2027-spring", "north": north.id, "ids": ids}


def built(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def run(app, *args):
    return app.test_cli_runner().invoke(args=["reports", "build", "--term", "2027-spring", "--workers", "2", *args])


def test_the_build_makes_each_report_once_and_a_rerun_skips_them(app, academy):
    result = run(app, "--locality", str(academy["north"]))
    assert result.exit_code == 0, result.output
    assert f"Built {N}, skipped 0 already built, 0 failed." in result.output
    assert "Building the spring term 2027 reports" in result.output
    assert built(academy["folder"]) == sorted(f"{i}.pdf" for i in academy["ids"])
    assert all((academy["folder"] / f"{i}.pdf").read_bytes()[:5] == b"%PDF-" for i in academy["ids"])
    again = run(app, "--locality", str(academy["north"]))
    assert f"Built 0, skipped {N} already built, 0 failed." in again.output
    whole = run(app)  # the academy: only the other locality's learner is new
    assert f"Built 1, skipped {N} already built, 0 failed." in whole.output


def test_an_interrupted_run_completes_the_rest_when_run_again(app, academy, monkeypatch):
    failing = academy["ids"][1]
    render = documents.render

    def broken(learner, term, today=None):  # workers are forked: they see this
        if learner.id == failing:
            raise RuntimeError("the worker crashed")
        return render(learner, term, today)

    monkeypatch.setattr(documents, "render", broken)
    # the crash is planted in this process, so the workers must be forked from it to carry it (the suite may have
    # other threads running, which would otherwise make the build start its workers afresh)
    monkeypatch.setattr(batch, "start_method", lambda: "fork")
    result = run(app, "--locality", str(academy["north"]))
    assert result.exit_code == 1 and f"Built {N - 1}, skipped 0 already built, 1 failed." in result.output
    assert f"learner {failing}: RuntimeError: the worker crashed" in result.output
    assert f"{failing}.pdf" not in built(academy["folder"])
    assert not [p for p in academy["folder"].iterdir() if p.name.startswith(".")]  # no half-written file left
    (academy["folder"] / f"{academy['ids'][0]}.pdf").unlink()  # and a file lost since
    monkeypatch.setattr(documents, "render", render)
    result = run(app, "--locality", str(academy["north"]))
    assert result.exit_code == 0 and f"Built 2, skipped {N - 2} already built, 0 failed." in result.output
    assert built(academy["folder"]) == sorted(f"{i}.pdf" for i in academy["ids"])


def test_a_term_that_is_not_one_is_refused(app, academy):
    result = app.test_cli_runner().invoke(args=["reports", "build", "--term", "9999-winter"])
    assert result.exit_code == 2 and "is not a term that has begun" in result.output
