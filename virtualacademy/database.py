"""Engine-level behaviour: SQLite foreign keys and real transactions. And work with many rows or values at once:
lists of values bound as one value or sent in chunks, and rows written in bulk (COPY on PostgreSQL)."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Engine, Table, any_, bindparam, event, func, insert, literal, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

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


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def new_ids(table: Table, count: int) -> list[int]:
    """``count`` new primary keys for ``table``, ascending, for rows written with :func:`insert_many`: from the
    table's sequence on PostgreSQL; on SQLite the next after the largest, which no one else can take meanwhile
    (every transaction holds the database's write lock from its start: ``BEGIN IMMEDIATE`` below)."""
    if count <= 0:
        return []
    if _postgresql():
        taken = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")
        return sorted(db.session.scalars(taken, {"table": f'"{table.name}"', "n": count}))
    first = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(first, first + count))


def _plain(value: Any) -> Any:
    """A value as COPY takes it: enums by value, JSON as text."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def insert_many(table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write ``rows`` (each naming the same columns, column defaults not applied) in the session's transaction:
    with COPY on PostgreSQL, several times faster than INSERT for thousands of rows; elsewhere one executemany
    (SQLite runs it in process, already fast). A unique or foreign key refused raises ``IntegrityError`` either way.
    COPY is not a statement SQLAlchemy sees: statement counts leave it out."""
    if not rows:
        return
    if not _postgresql():
        db.session.execute(insert(table), list(rows))
        return
    import psycopg

    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    db.session.flush()
    cursor = db.session.connection().connection.driver_connection.cursor()
    try:
        with cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([_plain(row[c]) for c in columns])
    except psycopg.IntegrityError as error:
        raise IntegrityError(statement, None, error) from error


def set_many(column, values: Mapping[int, Any]) -> None:
    """Set ``column`` of each row (by id) of its table to its value in ``values``: one statement on PostgreSQL (the
    ids and values bound as two arrays), one executemany elsewhere."""
    if not values:
        return
    table = column.table
    ids = sorted(values)
    if _postgresql():
        given = select(
            func.unnest(literal(ids, postgresql.ARRAY(table.c.id.type))).label("id"),
            func.unnest(literal([values[i] for i in ids], postgresql.ARRAY(column.type))).label("value"),
        ).subquery()
        db.session.execute(update(table).where(table.c.id == given.c.id).values({column.name: given.c.value}))
        return
    db.session.execute(
        update(table).where(table.c.id == bindparam("row_id")),
        [{"row_id": i, column.name: values[i]} for i in ids],
    )


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
