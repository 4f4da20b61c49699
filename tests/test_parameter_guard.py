"""The suite's parameter guard (tests/conftest.py): a statement binding more than 1,000 values fails the test that
sent it, on SQLite and PostgreSQL alike, while bulk inserts and updates (one row's values per execution) pass."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import func, insert, select, update

from tests.conftest import MAX_BOUND_PARAMETERS, PARAMETER_GUARD, TooManyParameters
from virtualacademy.extensions import db
from virtualacademy.models import AuditEvent, SubjectArea, User


def test_the_limit_is_a_thousand_values():
    assert MAX_BOUND_PARAMETERS == 1_000


def test_a_statement_binding_1001_values_is_refused_and_fails_the_test(ctx):
    with pytest.raises(TooManyParameters, match="bound 1,001 parameters"):
        db.session.execute(select(User.id).where(User.id.in_(range(1, 1_002)))).all()
    assert len(PARAMETER_GUARD.refused) == 1
    assert "FROM user" in PARAMETER_GUARD.refused[0].replace('"', "")
    PARAMETER_GUARD.refused.clear()  # seen: otherwise the guard's fixture would fail this test


def test_a_refusal_the_app_swallows_still_fails_the_test(ctx):
    with contextlib.suppress(Exception):  # as careless code might
        db.session.execute(update(User).where(User.id.in_(range(1, 5_000))).values(active=False))
    assert len(PARAMETER_GUARD.refused) == 1  # ... which the guard's fixture turns into a failure
    PARAMETER_GUARD.refused.clear()


def test_a_statement_binding_exactly_1000_values_is_allowed(ctx):
    assert db.session.execute(select(User.id).where(User.id.in_(range(1, 1_001)))).all() == []
    assert PARAMETER_GUARD.refused == []


def test_bulk_inserts_and_updates_of_thousands_of_rows_are_allowed(ctx):
    # Core executemany: 2,000 rows of 4 values each.
    db.session.execute(
        insert(AuditEvent),
        [{"action": "test.bulk", "object_type": "Thing", "object_id": str(n), "detail": {}} for n in range(2_000)],
    )
    # A bulk INSERT ... RETURNING, and the ORM's ("insertmanyvalues": many rows per statement, in batches
    # SQLAlchemy keeps under the databases' limits), then an UPDATE of every row by primary key (executemany).
    ids = db.session.scalars(
        insert(SubjectArea).returning(SubjectArea.id),
        [{"name": f"Returned {n}", "position": 0, "active": True} for n in range(1_500)],
    ).all()
    subjects = [SubjectArea(name=f"Subject {n}", position=n) for n in range(1_500)]
    db.session.add_all(subjects)
    db.session.flush()
    for subject in subjects:
        subject.position += 1
    db.session.flush()

    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "test.bulk")) == 2_000
    assert db.session.scalar(select(func.sum(SubjectArea.position)).where(SubjectArea.name.like("Subject %"))) == sum(
        range(1, 1_501)
    )
    assert len(set(ids)) == 1_500
    assert PARAMETER_GUARD.refused == []
