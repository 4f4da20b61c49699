"""Counting the SQL statements a request sends, to show that a page's count does not grow with the academy or
with the rows it shows (test a page with a small and a large fixture and compare)."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from virtualacademy.extensions import db


@contextmanager
def counting() -> Iterator[list[str]]:
    """The statements sent to the database inside the ``with`` block, in order."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def statements_per_page(client, paths: list[str], *, fresh: bool = False) -> dict[str, int]:
    """How many statements each page sends (each must answer 200).

    ``fresh``: a page's steady cost. It is visited once first, uncounted (a visit may write what the next need
    not: the session's last-seen time, once a minute; that a conversation has been read), and the counted visit
    starts with an empty session and a new transaction, as every request does in production (the tests' session
    otherwise keeps what the test made, so a page may find some rows there without asking the database)."""
    found = {}
    for path in paths:
        if fresh:
            client.get(path)
            db.session.commit()
            db.session.expunge_all()
        with counting() as statements:
            response = client.get(path)
        assert response.status_code == 200, path
        found[path] = len(statements)
    return found
