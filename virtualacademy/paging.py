"""Pages of a list that is not a query: the page-number protocol ``templates/_macros/pagination.html`` uses (as
Flask-SQLAlchemy's ``db.paginate`` pages do), for lists worked out in Python (a census's postings) and pages read
otherwise (an account's statement)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

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
