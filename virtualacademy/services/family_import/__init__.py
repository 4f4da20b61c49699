"""Importing an authority's list of known EHE families from a CSV file.

The format is documented in ``docs/import-format.md``. One row per child; rows sharing a
``family_ref`` are one family. :func:`check` reads and validates the whole file and writes
nothing (the dry run); :func:`apply` imports a checked file in one go, and refuses if any row
has a problem (all or nothing). A ``family_ref`` already imported is skipped, so running the
same file twice adds nothing.

Everything the checks need from the database is loaded in a few bulk queries (never one per
row), so a file of 10,000 rows is checked and imported in seconds.

The package's modules, each importable from here: :mod:`.file_format` (columns and accepted words),
:mod:`.report` (what a check finds), :mod:`.reading`, :mod:`.checking` and :mod:`.importing`.
"""

from __future__ import annotations

from virtualacademy.services.family_import.checking import check
from virtualacademy.services.family_import.file_format import (
    BATCH_SIZE,
    COLUMNS,
    FAMILY_COLUMNS,
    MAX_FILE_BYTES,
    OPTIONAL_COLUMNS,
    REASONS,
    REPORT_LIMIT,
    REQUIRED_COLUMNS,
    SEND_STATUSES,
    SOURCE,
)
from virtualacademy.services.family_import.importing import apply, import_families
from virtualacademy.services.family_import.reading import parse_date, read
from virtualacademy.services.family_import.report import ImportReport, Plan, RowError

__all__ = [
    "BATCH_SIZE",
    "COLUMNS",
    "FAMILY_COLUMNS",
    "ImportReport",
    "MAX_FILE_BYTES",
    "OPTIONAL_COLUMNS",
    "Plan",
    "REASONS",
    "REPORT_LIMIT",
    "REQUIRED_COLUMNS",
    "RowError",
    "SEND_STATUSES",
    "SOURCE",
    "apply",
    "check",
    "import_families",
    "parse_date",
    "read",
]
