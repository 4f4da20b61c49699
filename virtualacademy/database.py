"""Engine-level behaviour: SQLite foreign keys and real transactions."""

from __future__ import annotations

from sqlalchemy import Engine, event


def configure_engine(engine: Engine) -> None:
    """Make SQLite behave: enforce foreign keys, and let SQLAlchemy manage
    transactions itself so savepoints work (the pysqlite driver otherwise
    starts and ends transactions on its own)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver hook
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # pragma: no cover - driver hook
        # IMMEDIATE: take the write lock at the start, so a transaction that reads and then
        # writes never fails with "database is locked" when another process (the scheduler)
        # wrote in between; writers queue on the busy timeout instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def render_item(type_, obj, autogen_context):
    """Alembic autogenerate: write our UTC timestamp type as a plain timezone-aware DateTime."""
    from virtualacademy.models.base import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
