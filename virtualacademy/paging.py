"""Pages of lists, in one place.

* Page numbers for a list that is not a query: the protocol ``templates/_macros/pagination.html`` uses (as
  Flask-SQLAlchemy's ``db.paginate`` pages do), for lists worked out in Python (a census's postings) and pages read
  otherwise (an account's statement).
* Keyset pages (:func:`keyset_paginate`) for the lists that grow without bound (every transfer, every learner's
  learning): each page starts where the one before it ended, so page 20,000 costs what page 1 costs, and nothing
  counts the list.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NoReturn
from urllib.parse import urlencode

from flask import abort, make_response, render_template, request
from sqlalchemy import and_, literal, or_, true, tuple_

from virtualacademy.extensions import db
from virtualacademy.inputs import clean_text, to_int

#: Rows on a page, as ``db.paginate`` is given elsewhere.
PER_PAGE = 50


class PageNumbers:
    """``pages``, ``has_prev`` ... ``iter_pages`` from ``page``, ``per_page`` and ``total``."""

    page: int
    per_page: int

    @property
    def total(self) -> int:
        raise NotImplementedError

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, *, left_edge=2, left_current=2, right_current=4, right_edge=2) -> Iterator[int | None]:
        pages_end = self.pages + 1
        if pages_end == 1:
            return
        left_end = min(1 + left_edge, pages_end)
        yield from range(1, left_end)
        if left_end == pages_end:
            return
        mid_start = max(left_end, self.page - left_current)
        mid_end = min(self.page + right_current + 1, pages_end)
        if mid_start - left_end > 0:
            yield None
        yield from range(mid_start, mid_end)
        if mid_end == pages_end:
            return
        right_start = max(mid_end, pages_end - right_edge)
        if right_start - mid_end > 0:
            yield None
        yield from range(right_start, pages_end)


@dataclass
class ListPage(PageNumbers):
    """Page ``page`` (from 1) of ``everything``; any page number typed into the address is safe (one past the end
    shows the last page)."""

    everything: Sequence[Any]
    page: int = 1
    per_page: int = PER_PAGE

    def __post_init__(self) -> None:
        self.page = min(max(1, self.page), self.pages)

    @property
    def total(self) -> int:
        return len(self.everything)

    @property
    def items(self) -> Sequence[Any]:
        start = (self.page - 1) * self.per_page
        return self.everything[start : start + self.per_page]


# --- keyset pages ------------------------------------------------------------------------------------------------
#
# A deep page by offset reads and throws away every row before it; a keyset page starts where the page before it
# ended. The list's order is a tuple of keys ending in a unique one (an id), so it is total and stable; the link to
# the next page carries the last row's keys (``?after=``), the link to the previous page the first row's
# (``?before=``), as an opaque cursor. A cursor is untrusted input: anything but what this module wrote (a changed,
# cut or made-up cursor, a value of the wrong type, an id past :data:`~virtualacademy.inputs.MAX_ID`, control
# characters) is refused with a 400 page that says so and leads back to the first page, never reaching the query.
# No page counts the list: the total is shown only when the whole list fits on its first page (then it is known).

#: The longest cursor read (a cursor this module writes for a name and a date and an id is well under 300).
MAX_CURSOR = 600
_CURSOR_CHARACTERS = re.compile(r"[A-Za-z0-9_-]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Key:
    """One key of a keyset order: a column, its type (``int`` for ids, ``str``, ``date``) and direction. Only
    the first key may hold NULLs, and says where they go (``nulls_first``)."""

    column: Any
    kind: type = int
    descending: bool = False
    nullable: bool = False
    nulls_first: bool = False
    #: The longest text a ``str`` key holds (the column's length).
    max_length: int = 200

    def ordering(self):
        """This key's ORDER BY for the whole list."""
        clause = self.column.desc() if self.descending else self.column.asc()
        if self.nullable:
            clause = clause.nulls_first() if self.nulls_first else clause.nulls_last()
        return clause

    def read_as(self, backwards: bool):
        """This key's ORDER BY within a run of rows that are all NULL or none NULL (as an index is read)."""
        return self.column.desc() if self.descending != backwards else self.column.asc()

    def check(self, value) -> bool:
        """``value`` is one this key could have written."""
        if value is None:
            return self.nullable
        if self.kind is int:
            return not isinstance(value, bool) and to_int(value) == value
        if not isinstance(value, str):
            return False
        if self.kind is date:
            return _ISO_DATE.fullmatch(value) is not None and _is_date(value)
        return len(value) <= self.max_length and clean_text(value) == value

    def read(self, value):
        return date.fromisoformat(value) if self.kind is date and value is not None else value

    def written(self, value):
        return value.isoformat() if isinstance(value, date) else value


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def ordering(keys: Sequence[Key]) -> list:
    """The ORDER BY of a keyset order (for a select that also has other uses)."""
    return [key.ordering() for key in keys]


def _after(keys: Sequence[Key], values: Sequence[Any], backwards: bool):
    """Rows after ``values`` in the order of ``keys`` (none NULL), read forwards or backwards. Where the keys run
    the same way this is one row-value comparison, which an index on the keys answers with a range scan."""
    down = [key.descending != backwards for key in keys]
    if all(d == down[0] for d in down):
        columns, given = tuple_(*(k.column for k in keys)), tuple_(*(literal(v) for v in values))
        return columns < given if down[0] else columns > given
    key, value = keys[0], values[0]
    beyond = key.column < value if down[0] else key.column > value
    return or_(beyond, and_(key.column == value, _after(keys[1:], values[1:], backwards)))


def _runs(keys: Sequence[Key], cursor: Sequence[Any] | None, backwards: bool) -> list[tuple[Any, Any]]:
    """What to read for a page, in reading order: (which rows, where after the cursor) for each run of rows an
    index reads in order. A NULL-able first key splits the list into its NULLs and the rest, each read through
    the same plain index on the keys (PostgreSQL's and SQLite's indexes put NULLs at opposite ends); the run the
    cursor is in starts after it, a later run at its start, and an earlier one is not read."""
    lead = keys[0]
    if not lead.nullable:
        return [(true(), _after(keys, cursor, backwards) if cursor is not None else true())]
    nulls, values = (lead.column.is_(None), keys[1:]), (lead.column.is_not(None), keys)
    runs = [nulls, values] if lead.nulls_first != backwards else [values, nulls]
    if cursor is None:
        return [(rows, true()) for rows, _ in runs]
    here = 0 if (runs[0][1] is keys) == (cursor[0] is not None) else 1
    found = [(runs[here][0], _after(runs[here][1], cursor[-len(runs[here][1]) :], backwards))]
    return found + [(rows, true()) for rows, _ in runs[here + 1 :]]


def encode_cursor(keys: Sequence[Key], values: Sequence[Any]) -> str:
    text = json.dumps([key.written(v) for key, v in zip(keys, values, strict=True)], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(keys: Sequence[Key], cursor: str) -> list[Any] | None:
    """The key values in ``cursor``, or None if it is not one :func:`encode_cursor` could have written for
    ``keys``."""
    if len(cursor) > MAX_CURSOR or not _CURSOR_CHARACTERS.fullmatch(cursor):
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, RecursionError):  # bad base64, not UTF-8, not JSON
        return None
    if not isinstance(values, list) or len(values) != len(keys):
        return None
    if not all(key.check(v) for key, v in zip(keys, values, strict=True)):
        return None
    return [key.read(v) for key, v in zip(keys, values, strict=True)]


@dataclass
class KeysetPage:
    """A page of a keyset-ordered list: ``items``, and the cursors of the pages either side (None at an end)."""

    items: list[Any]
    next_cursor: str | None
    prev_cursor: str | None
    #: A cursor was given (this is not the list's first page, or the list's start reached from a later page).
    cursor_given: bool
    per_page: int = PER_PAGE

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None

    @property
    def total(self) -> int | None:
        """How many rows the list has, when this page shows all of them; otherwise unknown (None)."""
        return len(self.items) if not (self.has_next or self.has_prev or self.cursor_given) else None


def keyset_page(
    stmt, keys: Sequence[Key], *, per_page: int = PER_PAGE, after=None, before=None, parts: Sequence | None = None
) -> KeysetPage:
    """One page of ``stmt`` in the order of ``keys`` (whatever order it had is replaced): the first page, or the
    page after the cursor ``after`` or before the cursor ``before`` (already decoded). One statement (two when the
    first key holds NULLs). Items are each row's first column (an entity or an id).

    ``parts``: conditions whose rows together are the list and that share none (an account's transfers out and
    in), each read through its own index instead of one ``OR`` that no index answers in order: a statement for
    each, their pages merged here (so their keys must sort in Python as in the database: numbers and dates)."""
    if any(key.nullable for key in keys[1:]):
        raise ValueError("only the first key of a keyset order may hold NULLs")
    if parts and any(key.kind is str for key in keys):
        raise ValueError("text keys sort by the database's collation: they cannot be merged in Python")
    backwards = before is not None
    cursor = before if backwards else after
    query = stmt.add_columns(*(key.column for key in keys)).order_by(None)
    query = query.order_by(*(key.read_as(backwards) for key in keys)).limit(per_page + 1)
    rows = []
    for which, beyond in _runs(keys, cursor, backwards):
        if not parts:
            rows += db.session.execute(query.where(which, beyond)).all()
            continue
        found = [row for part in parts for row in db.session.execute(query.where(which, beyond, part)).all()]
        rows += _merged(keys, found, backwards)[: per_page + 1]
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    first, last = (encode_cursor(keys, tuple(rows[end])[-len(keys) :]) if rows else None for end in (0, -1))
    # Going forwards, a page exists before this one if a cursor led here, and after it if a row was left over;
    # going backwards, the other way round.
    return KeysetPage(
        items=[row[0] for row in rows],
        next_cursor=last if (backwards or more) else None,
        prev_cursor=first if (more if backwards else cursor is not None) else None,
        cursor_given=cursor is not None,
        per_page=per_page,
    )


def _merged(keys: Sequence[Key], rows: list, backwards: bool) -> list:
    """``rows`` (each ending with its keys) in the order of ``keys`` read forwards or backwards: sorted by the last
    key, then (stably) by each before it. A key that is NULL in every row (a run of NULLs) is left out."""
    rows = list(rows)
    for position in range(len(keys) - 1, -1, -1):
        at = position - len(keys)
        if all(row[at] is None for row in rows):
            continue
        rows.sort(key=lambda row, at=at: row[at], reverse=keys[position].descending != backwards)
    return rows


def keyset_paginate(
    stmt, keys: Sequence[Key], *, per_page: int = PER_PAGE, parts: Sequence | None = None
) -> KeysetPage:
    """:func:`keyset_page` with the cursor read from the request (``?after=`` or ``?before=``). A cursor that is
    not one this module wrote (or both at once) answers a 400 page that leads back to the list's first page."""
    after, before = request.args.get("after"), request.args.get("before")
    if after is not None and before is not None:
        _refuse()
    given = after if after is not None else before
    values = decode_cursor(keys, given) if given is not None else None
    if given is not None and values is None:
        _refuse()
    if before is not None:
        return keyset_page(stmt, keys, per_page=per_page, before=values, parts=parts)
    return keyset_page(stmt, keys, per_page=per_page, after=values, parts=parts)


def _refuse() -> NoReturn:
    """A 400 page for a cursor this module did not write, with a link to the list's first page (the same address
    and filters, without the cursor)."""
    # the address as it came, less the cursor (not url_for: the other arguments are as untrusted as the cursor)
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("after", "before")]
    page = render_template(
        "errors/error.html",
        code=400,
        title="This link to a page of the list is not valid",
        message="It may have been cut short or changed. Start again from the list's first page.",
        first_page=request.path + (f"?{urlencode(kept)}" if kept else ""),
    )
    abort(make_response(page, 400))
