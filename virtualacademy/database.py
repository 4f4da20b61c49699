"""Engine-level behaviour: SQLite foreign keys and real transactions; lists of values sent in chunks."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TypeVar

from sqlalchemy import Engine, any_, event, func, literal, select
from sqlalchemy.dialects import postgresql

from virtualacademy.extensions import db

T = TypeVar("T")

#: The most values bound in one ``IN (...)`` list made from values that come from outside the database (a form,
#: a file, the objects a flush changed). PostgreSQL refuses a statement binding more than 65,535 values and
#: SQLite more than 32,766; ids the database already holds are never sent back as a list at all: a join or a
#: subquery reads them where they are.
IN_LIST_CHUNK = 500


def one_of(column, values: list):
    """``column IN (values)`` with the whole list as one bound value, so it is one statement whatever its length:
    an array compared with ``= ANY`` on PostgreSQL, a JSON array read by ``json_each`` on SQLite. For numbers and
    text; for when the values must go to the database at once (locking a set of rows in one statement)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(values), postgresql.ARRAY(column.type)))
    return column.in_(select(func.json_each(literal(json.dumps(list(values)))).table_valued("value").c.value))


def chunked(values: Iterable[T], size: int = IN_LIST_CHUNK) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size``, in order: one statement each, so none binds too many."""
    chunk: list[T] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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
