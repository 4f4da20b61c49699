"""The schema comes only from the migrations, and they match the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from virtualacademy.database import render_item
from virtualacademy.extensions import db
from virtualacademy.models import Base


def _diff(connection):
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "render_item": render_item, "render_as_batch": True}
    )
    return compare_metadata(context, Base.metadata)


def test_upgrade_from_empty_gives_exactly_the_models_schema(app):
    # The session-wide test database was built by `upgrade()` from empty.
    with app.app_context(), db.engine.connect() as connection:
        assert _diff(connection) == []


def test_downgrade_to_empty_and_back(app, committed_db):
    with app.app_context():
        downgrade(revision="base")
        with db.engine.connect() as connection:
            names = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
        assert names == set()
        upgrade()
        with db.engine.connect() as connection:
            assert _diff(connection) == []


def test_0006_tags_untagged_transfers_with_the_funding_year_of_their_london_date(app, committed_db):
    from datetime import UTC, date, datetime

    from virtualacademy.models import FundingYear, LedgerAccount, Transfer

    accounts, years, transfers = LedgerAccount.__table__, FundingYear.__table__, Transfer.__table__
    with app.app_context():
        downgrade(revision="0005_learning")
        with db.engine.begin() as connection:
            connection.execute(
                years.insert(),
                [
                    {
                        "id": 1,
                        "starts_on": date(2025, 9, 1),
                        "base_rate_pence": 0,
                        "academy_share_bp": 5000,
                        "core_topslice_bp": 0,
                        "mentor_topslice_bp": 0,
                        "coordinator_grant_pence": 0,
                        "personal_budget_pence": 0,
                        "year_end_policy": "carry_forward",
                        "created_at": datetime.now(UTC),
                        "updated_at": datetime.now(UTC),
                    },
                ],
            )
            connection.execute(
                accounts.insert(),
                [
                    {
                        "id": 1,
                        "key": "funding_source",
                        "kind": "funding_source",
                        "name": "Source",
                        "balance_pence": -4,
                        "created_at": datetime.now(UTC),
                    },
                    {
                        "id": 2,
                        "key": "central_core",
                        "kind": "central_core",
                        "name": "Core",
                        "balance_pence": 4,
                        "created_at": datetime.now(UTC),
                    },
                ],
            )

            def row(n, when, year_id=None):
                return {
                    "id": n,
                    "from_account_id": 1,
                    "to_account_id": 2,
                    "amount_pence": 1,
                    "kind": "income",
                    "memo": "x",
                    "idempotency_key": f"k{n}",
                    "year_id": year_id,
                    "created_at": when,
                }

            connection.execute(
                transfers.insert(),
                [
                    row(1, datetime(2025, 8, 31, 22, 59, tzinfo=UTC)),  # 31 August 23:59 in London: before
                    row(2, datetime(2025, 8, 31, 23, 0, tzinfo=UTC)),  # 1 September 00:00 in London: in 2025/26
                    row(3, datetime(2026, 8, 31, 22, 59, tzinfo=UTC)),  # 31 August 2026, 23:59 London: in
                    row(4, datetime(2026, 8, 31, 23, 0, tzinfo=UTC)),  # 1 September 2026: 2026/27, not set up
                ],
            )
        upgrade()
        with db.engine.connect() as connection:
            tagged = dict(connection.execute(db.select(transfers.c.id, transfers.c.year_id)).all())
        assert tagged == {1: None, 2: 1, 3: 1, 4: None}


def test_0007_lets_spend_requests_be_drafts_and_still_checks_the_status(db_session):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from tests.factories import LearnerFactory, SpendRequestFactory

    draft = SpendRequestFactory(learner=LearnerFactory(), status="draft")
    db_session.flush()
    assert db_session.scalar(db.text(f"SELECT status FROM spend_request WHERE id = {draft.id}")) == "draft"
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(db.text(f"UPDATE spend_request SET status = 'bogus' WHERE id = {draft.id}"))


def test_0012_gives_each_learner_account_the_name_the_learner_goes_by_and_budgets_one_name(app, committed_db):
    from datetime import UTC, date, datetime

    from virtualacademy.models import Family, Learner, LedgerAccount, User

    users, families, learners, accounts = User.__table__, Family.__table__, Learner.__table__, LedgerAccount.__table__
    now = datetime.now(UTC)
    stamps = {"created_at": now, "updated_at": now}
    with app.app_context():
        downgrade(revision="0011_guardian_invitations")
        with db.engine.begin() as connection:
            connection.execute(
                users.insert(),
                [
                    {
                        "id": n,
                        "email": f"u{n}@example.org",
                        "name": name,
                        "active": True,
                        "security_stamp": "s",
                        **stamps,
                    }
                    for n, name in ((1, "Ella Jones"), (2, "Noah Jones"), (3, "Rachel Jones"))
                ],
            )
            connection.execute(
                families.insert(),
                [
                    {
                        "id": 1,
                        "reference": "F1",
                        "address_line_1": "1 Lane",
                        "town": "T",
                        "postcode": "DN5 9QR",
                        **stamps,
                    }
                ],
            )
            child = {"family_id": 1, "date_of_birth": date(2013, 5, 14), "reason": "health", **stamps}
            connection.execute(
                learners.insert(),
                [
                    {"id": 1, "user_id": 1, "legal_name": "Ella Jones", "preferred_name": "Ellie", **child},
                    {"id": 2, "user_id": 2, "legal_name": "Noah Jones", "preferred_name": None, **child},
                ],
            )
            connection.execute(
                accounts.insert(),
                [
                    {"id": 1, "key": "personal:1", "kind": "personal", "name": "Personal learning budget: Ella Jones"},
                    {"id": 2, "key": "locality:1", "kind": "locality", "name": "Doncaster North budget"},
                ],
            )
        upgrade()
        with db.engine.connect() as connection:
            names = dict(connection.execute(db.select(users.c.id, users.c.preferred_name)).all())
            budgets = dict(connection.execute(db.select(accounts.c.id, accounts.c.name)).all())
        assert names == {1: "Ellie", 2: "Noah", 3: None}  # the guardian has no other name on record
        assert budgets == {1: "Learning budget: Ella Jones", 2: "Doncaster North budget"}
