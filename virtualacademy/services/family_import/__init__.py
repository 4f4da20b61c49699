"""Importing an authority's list of known EHE families from a CSV file.

The format is documented in ``docs/import-format.md``. One row per child; rows sharing a
``family_ref`` are one family. :func:`check` reads and validates the whole file and writes
nothing (the dry run); :func:`apply` imports a checked file in one go, and refuses if any row
has a problem (all or nothing). A ``family_ref`` already imported is skipped, so running the
same file twice adds nothing.

Everything the checks need from the database is loaded in a few bulk queries (never one per
row), so a file of 10,000 rows is checked and imported in seconds.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from virtualacademy import clock
from virtualacademy.errors import DomainError, ValidationError
from virtualacademy.extensions import db
from virtualacademy.inputs import clean_text
from virtualacademy.models import (
    EheReason,
    Enrolment,
    EnrolmentStatus,
    Family,
    Guardian,
    Learner,
    Locality,
    Role,
    SendStatus,
    User,
    UserRole,
)
from virtualacademy.models.families import EHE_REASON_LABELS, SEND_STATUS_LABELS
from virtualacademy.services import audit, localities
from virtualacademy.services.families.checks import _REFERENCE_ALPHABET, check_address, check_child, check_person

#: The largest file the upload page accepts (the command line takes any size).
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Families written per batch of INSERTs, and values per ``IN (...)`` list in the bulk look-ups.
BATCH_SIZE = 500
#: Problems listed in a report (the rest are counted); a file with more has a systematic fault.
REPORT_LIMIT = 200
#: How ``source`` marks families that came from an import.
SOURCE = "import"

#: The columns: name -> (must be in the header, longest value allowed).
COLUMNS: dict[str, tuple[bool, int | None]] = {
    "family_ref": (True, 64),
    "guardian_name": (True, 200),
    "guardian_email": (True, 254),
    "guardian_phone": (False, 32),
    "guardian_2_name": (False, 200),
    "guardian_2_email": (False, 254),
    "guardian_2_phone": (False, 32),
    "address_line_1": (True, 200),
    "address_line_2": (False, 200),
    "town": (True, 100),
    "postcode": (True, 10),
    "locality": (False, 120),
    "child_legal_name": (True, 200),
    "child_preferred_name": (False, 100),
    "date_of_birth": (True, 20),
    "reason": (True, 100),
    "send_status": (False, 100),
    "ehcp_review_date": (False, 20),
    "fsm_eligible": (False, 10),
    "young_carer": (False, 10),
    "start_date": (False, 20),
}
REQUIRED_COLUMNS = [name for name, (required, _) in COLUMNS.items() if required]
OPTIONAL_COLUMNS = [name for name, (required, _) in COLUMNS.items() if not required]
#: Columns about the family rather than the child: the same on every row of a family (or blank after the first).
FAMILY_COLUMNS = [
    "guardian_name",
    "guardian_email",
    "guardian_phone",
    "guardian_2_name",
    "guardian_2_email",
    "guardian_2_phone",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
]


def _key(text: str) -> str:
    """``"Health, including anxiety"`` -> ``"health including anxiety"``: for matching words people type."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", (text or "").lower()).split())


_REASON_ALIASES = {
    EheReason.PHILOSOPHICAL: ["philosophical", "preference", "philosophical or preference", "lifestyle", "choice"],
    EheReason.UNMET_SEND: ["unmet send", "send", "sen", "unmet sen", "special educational needs", "send needs not met"],
    EheReason.LEFT_UNDER_PRESSURE: [
        "left under pressure",
        "pressure",
        "off rolled",
        "off rolling",
        "exclusion",
        "risk of exclusion",
        "at risk of exclusion",
    ],
    EheReason.HEALTH: ["health", "medical", "anxiety", "mental health", "physical health", "emotional health"],
    EheReason.OTHER: ["other"],
    EheReason.PREFER_NOT_TO_SAY: ["prefer not to say", "not given", "not stated", "declined to say"],
}
REASONS: dict[str, EheReason] = {
    **{_key(r.value): r for r in EheReason},
    **{_key(label): r for r, label in EHE_REASON_LABELS.items()},
    **{_key(alias): r for r, aliases in _REASON_ALIASES.items() for alias in aliases},
}
_SEND_ALIASES = {
    SendStatus.NONE: ["none", "no", "n", "no send", "not applicable", "n a"],
    # K and E are the SEN provision codes of the school census.
    SendStatus.SEN_SUPPORT: ["sen support", "k", "sen", "send support"],
    SendStatus.EHCP: ["ehcp", "e", "ehc plan", "education health and care plan"],
}
SEND_STATUSES: dict[str, SendStatus] = {
    **{_key(s.value): s for s in SendStatus},
    **{_key(label): s for s, label in SEND_STATUS_LABELS.items()},
    **{_key(alias): s for s, aliases in _SEND_ALIASES.items() for alias in aliases},
}
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2,4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


# --- what a check finds -------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row (the header is row 1; none for the file as a whole) and column."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row is not None else "File"
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    """What a file holds: families and children to add, those already imported, and any problems."""

    dry_run: bool = True
    #: Data rows read (blank lines are not counted).
    rows: int = 0
    new_families: int = 0
    new_children: int = 0
    new_guardians: int = 0
    #: Guardians whose email already has an account here (linked to it, and given the guardian role).
    linked_accounts: int = 0
    #: Families whose ``family_ref`` was imported before: skipped, with all their rows.
    skipped_families: int = 0
    skipped_children: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: True once :func:`apply` has written the families.
    imported: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Child:
    row: int
    legal_name: str
    preferred_name: str | None
    date_of_birth: date
    reason: EheReason
    send_status: SendStatus
    ehcp_review_date: date | None
    fsm_eligible: bool
    young_carer: bool
    locality_id: int
    start_date: date


@dataclass
class _Family:
    ref: str
    row: int
    address: dict
    guardians: list[dict]
    children: list[_Child] = field(default_factory=list)
    #: False if any of its rows has a problem.
    ok: bool = True


@dataclass
class Plan:
    """The result of :func:`check`: the report, and (if it is clean) what :func:`apply` will add."""

    report: ImportReport
    families: list[_Family] = field(default_factory=list)
    #: Lower-case email -> id of the existing account, for guardians who already have one.
    user_ids: dict[str, int] = field(default_factory=dict)
    digest: str = ""


# --- reading the file ---------------------------------------------------------------------


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


# --- checking -----------------------------------------------------------------------------


class _Checker:
    """Checks one file's rows against each other and against what the database already holds."""

    def __init__(self, rows: list[tuple[int, dict[str, str]]], report: ImportReport, start_date: date, today: date):
        self.rows = rows
        self.report = report
        self.start_date = start_date
        self.today = today
        self.families: list[_Family] = []

    def error(self, row: int | None, column: str | None, message: str) -> None:
        self.report.errors.append(RowError(row, column, message))

    def run(self) -> None:
        groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
        for number, values in self.rows:
            ref = values["family_ref"]
            if not ref:
                self.error(number, "family_ref", "Enter the authority's reference for this family")
                continue
            groups.setdefault(ref, []).append((number, values))
        imported = self._imported_refs(list(groups))
        self._load_localities()
        for ref, rows in groups.items():
            if ref in imported:
                self.report.skipped_families += 1
                self.report.skipped_children += len(rows)
                continue
            self.families.append(self._family(ref, rows))
        self._cross_check()
        self.families = [f for f in self.families if f.ok]
        self.report.new_families = len(self.families)
        self.report.new_children = sum(len(f.children) for f in self.families)
        self.report.new_guardians = sum(len(f.guardians) for f in self.families)

    # loading

    def _imported_refs(self, refs: list[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(refs):
            found.update(db.session.scalars(select(Family.external_ref).where(Family.external_ref.in_(chunk))))
        return found

    def _load_localities(self) -> None:
        every = list(db.session.scalars(select(Locality)))
        self.by_name = {_name_key(loc.name): loc for loc in every}
        self.by_district = {d.district: loc for loc in every if loc.active for d in loc.districts}
        self.locality_names = sorted(loc.name for loc in every if loc.active)

    # one family

    def _family(self, ref: str, rows: list[tuple[int, dict[str, str]]]) -> _Family:
        first_row, first = rows[0]
        ok = self._lengths(first_row, first)
        guardians: list[dict] = []
        address: dict = {}
        try:
            guardians.append(
                check_person(
                    {
                        "name": first["guardian_name"],
                        "email": first["guardian_email"],
                        "phone": first["guardian_phone"],
                    },
                    prefix="guardian_",
                )
            )
        except ValidationError as error:
            self.error(first_row, error.field, error.message)
            ok = False
        try:
            second = check_person(
                {
                    "name": first["guardian_2_name"],
                    "email": first["guardian_2_email"],
                    "phone": first["guardian_2_phone"],
                },
                required=False,
                prefix="guardian_2_",
            )
        except ValidationError as error:
            self.error(first_row, error.field, error.message)
            ok = False
        else:
            if second and guardians and second["email"] == guardians[0]["email"]:
                self.error(first_row, "guardian_2_email", "Enter a different email address from the first guardian's")
                ok = False
            elif second:
                guardians.append(second)
        try:
            address = check_address(
                {
                    "line_1": first["address_line_1"],
                    "line_2": first["address_line_2"],
                    "town": first["town"],
                    "postcode": first["postcode"],
                }
            )
        except ValidationError as error:
            column = {"line_1": "address_line_1", "line_2": "address_line_2"}.get(error.field, error.field)
            self.error(first_row, column, error.message)
            ok = False
        for number, values in rows[1:]:
            ok = self._lengths(number, values) and ok
            for column in FAMILY_COLUMNS:
                if values[column] and not _same(column, values[column], first[column]):
                    self.error(
                        number,
                        column,
                        f"Differs from row {first_row}, the first row for family_ref {ref}: every row of a family "
                        "must give the same guardians and address (or leave them blank)",
                    )
                    ok = False
        family = _Family(ref=ref, row=first_row, address=address, guardians=guardians)
        for number, values in rows:
            child = self._child(number, values, address.get("postcode"))
            if child is None:
                ok = False
            else:
                family.children.append(child)
        family.ok = ok
        return family

    def _lengths(self, number: int, values: dict[str, str]) -> bool:
        ok = True
        for column, (_required, longest) in COLUMNS.items():
            if longest is not None and len(values[column]) > longest:
                self.error(number, column, f"Too long: at most {longest} characters")
                ok = False
        return ok

    def _child(self, number: int, values: dict[str, str], postcode: str | None) -> _Child | None:
        errors_before = len(self.report.errors)

        def attempt(column: str, parse: Callable[[], object]):
            try:
                return parse()
            except ValidationError as error:
                self.error(number, column, error.message)
                return None

        if not values["child_legal_name"]:
            self.error(number, "child_legal_name", "Enter the child's full legal name")
        born = attempt("date_of_birth", lambda: parse_date(values["date_of_birth"], "Date of birth"))
        if not values["date_of_birth"]:
            self.error(number, "date_of_birth", "Enter the child's date of birth (DD/MM/YYYY or YYYY-MM-DD)")
        review = attempt("ehcp_review_date", lambda: parse_date(values["ehcp_review_date"], "EHCP review date"))
        start = attempt("start_date", lambda: parse_date(values["start_date"], "Start date")) or self.start_date
        reason = attempt("reason", lambda: _choice(values["reason"], REASONS, "reason", [r.value for r in EheReason]))
        send = attempt(
            "send_status",
            lambda: _choice(
                values["send_status"], SEND_STATUSES, "SEND status", [s.value for s in SendStatus], SendStatus.NONE
            ),
        )
        fsm = attempt("fsm_eligible", lambda: _yes_no(values["fsm_eligible"], "fsm_eligible"))
        carer = attempt("young_carer", lambda: _yes_no(values["young_carer"], "young_carer"))
        locality = self._locality(number, values["locality"], postcode)
        if len(self.report.errors) > errors_before:
            return None
        try:
            clean = check_child(
                {
                    "legal_name": values["child_legal_name"],
                    "preferred_name": values["child_preferred_name"],
                    "date_of_birth": born,
                    "reason": reason.value,
                    "send_status": send.value,
                    "ehcp_review_date": review,
                    "fsm_eligible": fsm,
                    "young_carer": carer,
                },
                self.today,
            )
        except ValidationError as error:
            column = {"legal_name": "child_legal_name", "preferred_name": "child_preferred_name"}.get(
                error.field, error.field
            )
            self.error(number, column, error.message)
            return None
        if locality is None:
            return None
        return _Child(
            row=number,
            legal_name=clean["legal_name"],
            preferred_name=clean["preferred_name"] or None,
            date_of_birth=born,
            reason=reason,
            send_status=send,
            ehcp_review_date=review if send is SendStatus.EHCP else None,
            fsm_eligible=bool(fsm),
            young_carer=bool(carer),
            locality_id=locality.id,
            start_date=start,
        )

    def _locality(self, number: int, name: str, postcode: str | None) -> Locality | None:
        if name:
            locality = self.by_name.get(_name_key(name))
            if locality is None:
                self.error(
                    number,
                    "locality",
                    f"Unknown locality \u201c{name}\u201d: use one of {', '.join(self.locality_names) or '(none yet)'}",
                )
                return None
            if not locality.active:
                self.error(number, "locality", f"Locality {locality.name} is not active: choose an active one")
                return None
            return locality
        if postcode is None:
            return None  # the postcode's own problem is reported already
        district = localities.postcode_district(postcode)
        locality = self.by_district.get(district)
        if locality is None:
            self.error(
                number,
                "locality",
                f"Unknown locality: no active locality covers postcode district {district}. "
                "Name the locality in the locality column, or add the district to a locality first.",
            )
        return locality

    # across families, and against the database

    def _cross_check(self) -> None:
        """Duplicates within the file and against the database (a family with one is not imported)."""
        emails: dict[str, tuple[_Family, str]] = {}
        children: dict[tuple[str, date], tuple[_Family, int]] = {}
        for family in self.families:
            for index, guardian in enumerate(family.guardians):
                column = "guardian_email" if index == 0 else "guardian_2_email"
                seen, _column = emails.setdefault(guardian["email"], (family, column))
                if seen is not family:
                    self._duplicate(
                        family,
                        family.row,
                        column,
                        f"this email is also given for family_ref {seen.ref} (row {seen.row}); "
                        "a guardian's email can belong to one family only",
                    )
            for child in family.children:
                seen, row = children.setdefault((_name_key(child.legal_name), child.date_of_birth), (family, child.row))
                if row != child.row:
                    self._duplicate(
                        family,
                        child.row,
                        "child_legal_name",
                        f"the same child (name and date of birth) is on row {row}",
                    )
        for email, reference in self._guardian_families(list(emails)):
            family, column = emails[email]
            self._duplicate(
                family,
                family.row,
                column,
                f"this email already belongs to a guardian of family {reference}; "
                "a guardian's email can belong to one family only",
            )
        for name, born, reference in self._learners_born_on(sorted({born for _name, born in children})):
            match = children.get((_name_key(name), born))
            if match is not None:
                family, row = match
                self._duplicate(
                    family,
                    row,
                    "child_legal_name",
                    f"a learner called {name} born {born:%-d %B %Y} is already known (family {reference})",
                )

    def _duplicate(self, family: _Family, row: int, column: str, message: str) -> None:
        self.error(row, column, f"Duplicate: {message}")
        family.ok = False

    def _guardian_families(self, emails: list[str]) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for chunk in _chunks(emails):
            found.extend(
                db.session.execute(
                    select(func.lower(Guardian.email), Family.reference)
                    .join(Family, Guardian.family_id == Family.id)
                    .where(func.lower(Guardian.email).in_(chunk))
                ).all()
            )
        return found

    def _learners_born_on(self, dates: list[date]) -> list[tuple[str, date, str]]:
        found: list[tuple[str, date, str]] = []
        for chunk in _chunks(dates):
            found.extend(
                db.session.execute(
                    select(Learner.legal_name, Learner.date_of_birth, Family.reference)
                    .join(Family, Learner.family_id == Family.id)
                    .where(Learner.date_of_birth.in_(chunk))
                ).all()
            )
        return found


def check(data: bytes, *, start_date: date | None = None, today: date | None = None) -> Plan:
    """Read and check a whole file, writing nothing: the dry run.

    ``start_date`` is the enrolment start for rows without one (default ``today``); ``today``
    decides ages and is the real date unless a test fixes it.
    """
    today = today or clock.today()
    report = ImportReport(dry_run=True)
    plan = Plan(report=report, digest=hashlib.sha256(data or b"").hexdigest())
    try:
        rows, errors = read(data)
    except ValidationError as error:
        report.errors.append(RowError(None, None, error.message))
        return plan
    report.rows = len(rows) + len(errors)
    report.errors.extend(errors)
    checker = _Checker(rows, report, start_date or today, today)
    checker.run()
    report.errors.sort(key=lambda e: (e.row or 0, list(COLUMNS).index(e.column) if e.column in COLUMNS else -1))
    if report.ok:
        plan.families = checker.families
        emails = [g["email"] for f in plan.families for g in f.guardians]
        for chunk in _chunks(emails):
            plan.user_ids.update(db.session.execute(select(User.email, User.id).where(User.email.in_(chunk))).all())
        report.linked_accounts = sum(1 for e in emails if e in plan.user_ids)
    return plan


# --- importing ----------------------------------------------------------------------------


def _new_references(count: int) -> list[str]:
    """``count`` unused family references (``F`` + 6 characters), checked in bulk."""
    chosen: set[str] = set()
    while len(chosen) < count:
        wanted = count - len(chosen)
        fresh = {"F" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6)) for _ in range(wanted)} - chosen
        for chunk in _chunks(sorted(fresh)):
            fresh -= set(db.session.scalars(select(Family.reference).where(Family.reference.in_(chunk))))
        chosen |= fresh
    return list(chosen)


def apply(plan: Plan, actor: User | None = None, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import a checked file: every new family, its guardians, children and enrolments, in one go.

    Refuses (a ValidationError, nothing written) if the check found any problem. ``progress``
    is called with the number of children added after each batch. The caller commits.
    """
    report = plan.report
    if not report.ok:
        raise ValidationError(f"The file has {len(report.errors)} problem(s), so nothing was imported", field="file")
    references = _new_references(len(plan.families))
    try:
        with db.session.begin_nested():
            for start in range(0, len(plan.families), BATCH_SIZE):
                batch = plan.families[start : start + BATCH_SIZE]
                _insert(batch, references[start : start + BATCH_SIZE], plan.user_ids)
                if progress is not None:
                    progress(sum(len(f.children) for f in batch))
            _grant_guardian_role(set(plan.user_ids.values()))
    except IntegrityError as exc:
        raise DomainError(
            "The academy's records changed while importing (perhaps another import of the same list ran at "
            "the same time), so nothing was imported. Run the import again.",
            field="file",
        ) from exc
    report.dry_run = False
    report.imported = True
    audit.record(
        "families.imported",
        actor=actor,
        object_type="Family",
        detail={
            "rows": report.rows,
            "families": report.new_families,
            "children": report.new_children,
            "guardians": report.new_guardians,
            "linked_accounts": report.linked_accounts,
            "skipped_families": report.skipped_families,
            "skipped_children": report.skipped_children,
            "file_sha256": plan.digest,
        },
    )
    return report


def _insert(batch: Sequence[_Family], references: Sequence[str], user_ids: dict[str, int]) -> None:
    """One batch as four multi-row INSERTs (families, guardians, learners, enrolments).

    ORM bulk inserts, not one object per row: the unit of work takes seconds per thousand families.
    """
    family_ids = db.session.scalars(
        insert(Family).returning(Family.id, sort_by_parameter_order=True),
        [
            {
                "reference": reference,
                "address_line_1": planned.address["line_1"],
                "address_line_2": planned.address["line_2"] or None,
                "town": planned.address["town"],
                "postcode": planned.address["postcode"],
                "source": SOURCE,
                "external_ref": planned.ref,
            }
            for planned, reference in zip(batch, references, strict=True)
        ],
    ).all()
    db.session.execute(
        insert(Guardian),
        [
            {
                "family_id": family_id,
                "name": g["name"],
                "email": g["email"],
                "phone": g["phone"] or None,
                "is_primary": index == 0,
                "user_id": user_ids.get(g["email"]),
            }
            for planned, family_id in zip(batch, family_ids, strict=True)
            for index, g in enumerate(planned.guardians)
        ],
    )
    children = [
        (child, family_id) for planned, family_id in zip(batch, family_ids, strict=True) for child in planned.children
    ]
    learner_ids = db.session.scalars(
        insert(Learner).returning(Learner.id, sort_by_parameter_order=True),
        [
            {
                "family_id": family_id,
                "legal_name": child.legal_name,
                "preferred_name": child.preferred_name,
                "date_of_birth": child.date_of_birth,
                "reason": child.reason,
                "send_status": child.send_status,
                "ehcp_review_date": child.ehcp_review_date,
                "fsm_eligible": child.fsm_eligible,
                "young_carer": child.young_carer,
                "locality_id": child.locality_id,
            }
            for child, family_id in children
        ],
    ).all()
    db.session.execute(
        insert(Enrolment),
        [
            {
                "learner_id": learner_id,
                "locality_id": child.locality_id,
                "status": EnrolmentStatus.ENROLLED,
                "start_date": child.start_date,
            }
            for (child, _family_id), learner_id in zip(children, learner_ids, strict=True)
        ],
    )


def _grant_guardian_role(user_ids: set[int]) -> None:
    if not user_ids:
        return
    have: set[int] = set()
    ids = sorted(user_ids)
    for chunk in _chunks(ids):
        have.update(
            db.session.scalars(
                select(UserRole.user_id).where(UserRole.user_id.in_(chunk), UserRole.role == Role.GUARDIAN)
            )
        )
    db.session.add_all(UserRole(user_id=uid, role=Role.GUARDIAN) for uid in ids if uid not in have)
    db.session.flush()


def import_families(
    data: bytes,
    actor: User | None = None,
    *,
    start_date: date | None = None,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check the whole file, then import it if (and only if) it has no problems.

    Returns the report: ``imported`` is False and ``errors`` lists the problems if nothing was written.
    """
    plan = check(data, start_date=start_date, today=today)
    if not plan.report.ok:
        plan.report.dry_run = False
        return plan.report
    return apply(plan, actor, progress)
