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
