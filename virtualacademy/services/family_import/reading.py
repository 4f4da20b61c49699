"""Reading the file (its encoding, header and rows) and parsing the values typed in its cells."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from virtualacademy.errors import ValidationError
from virtualacademy.inputs import clean_text
from virtualacademy.services.family_import.file_format import (
    BATCH_SIZE,
    COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    _key,
)
from virtualacademy.services.family_import.report import RowError

_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2,4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _header_name(cell: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", cell.strip().lower()).strip("_")


def _expected_columns() -> str:
    return f"required: {', '.join(REQUIRED_COLUMNS)}; optional: {', '.join(OPTIONAL_COLUMNS)}"


def _decode(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ValidationError(
            "This is a spreadsheet workbook, not a CSV file. In your spreadsheet choose Save As (or Download) "
            "and pick \u201cCSV UTF-8 (Comma delimited)\u201d, then use that file.",
            field="file",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError(
            f"The file is not UTF-8 text (the first character that cannot be read is on line {line}). "
            "Save it from your spreadsheet as \u201cCSV UTF-8 (Comma delimited)\u201d and try again.",
            field="file",
        ) from None


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) for every record, blank ones included."""
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ValidationError(f"Row {number + 1} cannot be read as CSV ({exc})", field="file") from None
        number += 1
        yield number, cells


def _blank(cells: Sequence[str]) -> bool:
    return all(not c.strip() for c in cells)


def read(data: bytes) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The data rows as ``(row number, {column: stripped value})``; file-level problems raise ValidationError."""
    if not data or not data.strip():
        raise ValidationError("The file is empty: it needs a header row and a row for each child", field="file")
    rows = _rows(_decode(data))
    header: list[str] | None = None
    raw: list[str] = []
    header_row = 1
    for header_row, cells in rows:  # noqa: B007 - the header is the first row that is not blank
        if not _blank(cells):
            raw = cells
            header = [_header_name(c) for c in cells]
            break
    if header is None:
        raise ValidationError("The file is empty: it needs a header row and a row for each child", field="file")
    while header and not header[-1]:
        header.pop()  # trailing empty cells some spreadsheets add
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [h or "(a column with no name)" for h in header if h not in COLUMNS]
    if missing or unknown or repeated:
        problems = []
        if missing:
            problems.append(f"missing {', '.join(missing)}")
        if unknown:
            problems.append(f"not recognised {', '.join(dict.fromkeys(unknown))}")
        if repeated:
            problems.append(f"repeated {', '.join(repeated)}")
        hint = ""
        if len(raw) == 1 and ";" in raw[0]:
            hint = " The file seems to use semicolons: save it as \u201cCSV UTF-8 (Comma delimited)\u201d."
        raise ValidationError(
            f"The header row (row {header_row}) has the wrong columns: {'; '.join(problems)}. "
            f"The columns are {_expected_columns()} (see docs/import-format.md).{hint}",
            field="file",
        )
    width = len(header)
    out: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    for number, cells in rows:
        if _blank(cells):
            continue
        if len(cells) > width and not _blank(cells[width:]):
            errors.append(
                RowError(
                    number,
                    None,
                    f"This row has {len(cells)} cells but the header has {width} columns "
                    "(is there a comma in a value that is not inside quotes?)",
                )
            )
            continue
        values = dict.fromkeys(COLUMNS, "")
        for name, cell in zip(header, cells, strict=False):
            values[name] = clean_text(cell).strip()  # no control characters, as in every form
        out.append((number, values))
    return out, errors


# --- parsing values -----------------------------------------------------------------------


def parse_date(text: str, label: str) -> date | None:
    """``27/03/2014`` or ``2014-03-27`` (blank is None); a ValidationError says what was wrong."""
    text = (text or "").strip()
    if not text:
        return None
    match = _DMY.match(text)
    if match:
        day, month, year = match.groups()
        if len(year) != 4:
            raise ValidationError(f"{label} \u201c{text}\u201d needs a 4-digit year, like 27/03/2014")
    else:
        match = _ISO.match(text)
        if not match:
            raise ValidationError(f"{label} \u201c{text}\u201d is not a date: write it as DD/MM/YYYY or YYYY-MM-DD")
        year, month, day = match.groups()
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValidationError(f"{label} \u201c{text}\u201d is not a real date") from None


def _yes_no(text: str, label: str) -> bool:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValidationError(f"{label} must be yes or no (or blank for no), not \u201c{text}\u201d")


def _choice(text: str, choices: dict, what: str, allowed: Iterable[str], default=None):
    if not text.strip() and default is not None:
        return default
    found = choices.get(_key(text))
    if found is None:
        shown = f"\u201c{text}\u201d is not" if text.strip() else "Blank is not"
        raise ValidationError(f"{shown} a known {what}: use one of {', '.join(allowed)}")
    return found


def _same(column: str, a: str, b: str) -> bool:
    if column == "postcode":
        return re.sub(r"\s+", "", a).upper() == re.sub(r"\s+", "", b).upper()
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _chunks(items: Sequence, size: int = BATCH_SIZE) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
