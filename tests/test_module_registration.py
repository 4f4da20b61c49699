"""Each module registers itself: the factory finds every blueprint package, and each module's jobs, navigation
entries and dashboard panels come from its own folder."""

from __future__ import annotations

import pkgutil

from virtualacademy import blueprints, navigation
from virtualacademy.jobs import JOBS


def test_every_blueprint_package_is_registered(app):
    packages = {m.name for m in pkgutil.iter_modules(blueprints.__path__) if m.ispkg}
    assert packages, "no blueprint packages found"
    assert packages <= set(app.blueprints)


def test_jobs_live_with_their_module(app):
    homes = {name: job.func.__module__ for name, job in JOBS.items()}
    assert homes["deliver-mail"] == "virtualacademy.jobs"
    assert homes["uploads-sweep"] == "virtualacademy.jobs"
    assert homes["checkin-reminders"] == "virtualacademy.blueprints.mentoring.jobs"
    assert homes["plan-review-reminders"] == "virtualacademy.blueprints.learning.jobs"
    assert homes["learning-gaps"] == "virtualacademy.blueprints.learning.jobs"
    assert homes["funding-verify"] == "virtualacademy.blueprints.funding.jobs"
    assert homes["spend-drafts"] == "virtualacademy.blueprints.funding.jobs"
    assert homes["erase-due"] == "virtualacademy.blueprints.families.jobs"
    assert homes["expired-sessions"] == "virtualacademy.blueprints.auth.jobs"
    assert homes["forget-failed-sign-ins"] == "virtualacademy.blueprints.auth.jobs"
    assert homes["exam-reminders"] == "virtualacademy.blueprints.exams.jobs"
    # Every job other than the core ones (mail delivery, the uploads sweep) sits in a blueprint package's jobs module.
    for name, module in homes.items():
        if name not in {"deliver-mail", "uploads-sweep"}:
            assert module.startswith("virtualacademy.blueprints.") and module.endswith(".jobs"), name


def test_navigation_entries_lead_to_registered_endpoints(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for item in navigation._ITEMS:
        assert item.endpoint in endpoints, item
