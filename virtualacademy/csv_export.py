"""The one way the product writes a spreadsheet (CSV) for download: every export's rows go through :func:`row`, and
every CSV response is made by :func:`response`.

**Text can never be read as a formula.** A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return (or with spaces and then ``=``, ``+``, ``-`` or ``@``) gets a single quote in front, as OWASP
advises: Excel, LibreOffice and Google Sheets then show it as text and never run it. Names, descriptions,
suppliers and localities are all typed by people, so every text cell is treated this way.

**Money and counts stay numbers.** A number is written as a plain number (``-12.50``, ``1250.00``, ``3``): no
quote, no currency sign, no thousands separator, so a spreadsheet reads it as a number that can be added up, and
a refund or a negative balance keeps its minus sign. A cell that is only a number cannot be a formula, so it
needs no quote; quoting negative amounts would turn them into text that an accountant's ``SUM`` skips. Amounts
are in pounds with two decimals (:func:`pounds`); the column header says so.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, stream_with_context

from virtualacademy import money
from virtualacademy.uploads import download_name

#: What a spreadsheet reads as the start of a formula (or of a cell it may run as one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text(value: str) -> str:
    """Text for a cell that can never be read as a formula."""
    if value[:1] in FORMULA_STARTS or value.lstrip(" ")[:1] in FORMULA_STARTS[:4]:
        return "'" + value
    return value


def cell(value: Any) -> str | int | Decimal:
    """One cell: numbers kept as numbers, dates as ISO dates, everything else as safe text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return text(str(value))


def row(values: Iterable[Any]) -> list[str | int | Decimal]:
    """A row of cells (see :func:`cell`). Safe to apply twice: a quoted cell is left as it is."""
    return [cell(v) for v in values]


#: Integer pence as a money cell: ``-1250`` -> ``-12.50``, a number a spreadsheet adds up (``money.pounds_number``).
pounds = money.pounds_number


def _chunks(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    for values in rows:
        writer.writerow(row(values))
        if out.tell() > 64 * 1024:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def response(rows: Iterable[Iterable[Any]], filename: str) -> Response:
    """A CSV download of ``rows`` (streamed, so a long statement never sits in memory whole), with a plain ASCII
    file name."""
    body = Response(stream_with_context(_chunks(rows)), mimetype="text/csv")
    body.headers.set("Content-Disposition", "attachment", filename=download_name(filename))
    return body
