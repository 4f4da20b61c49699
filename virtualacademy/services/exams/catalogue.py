"""The qualification catalogue: edited by the exams officer, or imported from a CSV file with a message per row."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from virtualacademy.errors import DomainError, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import AwardingBody, Qualification, QualificationType, User
from virtualacademy.models.exams import AWARDING_BODY_LABELS, QUALIFICATION_TYPE_LABELS
from virtualacademy.services import audit, ledger
from virtualacademy.services.exams.common import clean_text, require_exams_staff, whole_pence

#: The most rows one catalogue file may hold (every board's specifications together are a few hundred).
MAX_IMPORT_ROWS = 2_000

_SPEC_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/.\-]{0,19}$")


@dataclass
class QualificationInput:
    awarding_body: AwardingBody
    qualification_type: QualificationType
    subject: str
    spec_code: str
    entry_fee_pence: int
    tiered: bool = False
    needs_supervision: bool = False


def _checked(data: QualificationInput) -> QualificationInput:
    if not isinstance(data.awarding_body, AwardingBody):
        raise ValidationError("Choose the awarding body", field="awarding_body")
    if not isinstance(data.qualification_type, QualificationType):
        raise ValidationError("Choose the type of qualification", field="qualification_type")
    subject = clean_text(data.subject, "subject", "Enter the subject", 120)
    spec_code = clean_text(data.spec_code, "spec_code", "Enter the specification code", 20)
    if not _SPEC_CODE.match(spec_code):
        raise ValidationError(
            "Enter the specification code as the awarding body writes it, like 8300", field="spec_code"
        )
    fee = whole_pence(data.entry_fee_pence, "entry_fee_pence", "The entry fee")
    return QualificationInput(
        data.awarding_body,
        data.qualification_type,
        subject,
        spec_code,
        fee,
        bool(data.tiered),
        bool(data.needs_supervision),
    )


def save_qualification(actor: User, qualification: Qualification | None, data: QualificationInput) -> Qualification:
    """Add a qualification to the catalogue (``qualification`` None) or change one."""
    require_exams_staff(actor, "change the qualification catalogue")
    data = _checked(data)
    clash = db.session.scalar(
        select(Qualification).where(
            Qualification.awarding_body == data.awarding_body, Qualification.spec_code == data.spec_code
        )
    )
    if clash is not None and clash is not qualification:
        raise ValidationError(
            f"{AWARDING_BODY_LABELS[data.awarding_body]} {data.spec_code} is already in the catalogue "
            f"({clash.subject})",
            field="spec_code",
        )
    created = qualification is None
    try:
        with db.session.begin_nested():
            if created:
                qualification = Qualification()
                db.session.add(qualification)
            for name in ("awarding_body", "qualification_type", "subject", "spec_code", "entry_fee_pence", "tiered"):
                setattr(qualification, name, getattr(data, name))
            qualification.needs_supervision = data.needs_supervision
            db.session.flush()
    except IntegrityError as error:  # added by someone else meanwhile
        raise ValidationError(
            f"{AWARDING_BODY_LABELS[data.awarding_body]} {data.spec_code} is already in the catalogue",
            field="spec_code",
        ) from error
    audit.record(
        "exams.qualification_added" if created else "exams.qualification_changed",
        actor=actor,
        obj=qualification,
        detail={"title": qualification.title, "entry_fee_pence": qualification.entry_fee_pence},
    )
    return qualification


def set_active(actor: User, qualification: Qualification, active: bool) -> None:
    """Retire a qualification (it keeps its entries and results, and takes no new ones) or bring it back."""
    require_exams_staff(actor, "change the qualification catalogue")
    if qualification.active != active:
        qualification.active = active
        audit.record("exams.qualification_active", actor=actor, obj=qualification, detail={"active": active})


# --- the CSV import --------------------------------------------------------------------------------------

COLUMNS = ("awarding_body", "type", "subject", "spec_code", "tiered", "needs_supervision", "entry_fee")
REQUIRED = ("awarding_body", "type", "subject", "spec_code", "entry_fee")


def _words(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


_BODIES = {
    **{_words(label): body for body, label in AWARDING_BODY_LABELS.items()},
    **{_words(body.value): body for body in AwardingBody},
    "edexcel": AwardingBody.PEARSON_EDEXCEL,
    "pearson": AwardingBody.PEARSON_EDEXCEL,
    "eduqas": AwardingBody.WJEC_EDUQAS,
    "wjec": AwardingBody.WJEC_EDUQAS,
    "cie": AwardingBody.CAMBRIDGE,
    "caie": AwardingBody.CAMBRIDGE,
    "cambridge assessment international education": AwardingBody.CAMBRIDGE,
}
_TYPES = {
    **{_words(label): kind for kind, label in QUALIFICATION_TYPE_LABELS.items()},
    **{_words(kind.value): kind for kind in QualificationType},
    "as": QualificationType.AS,
    "a level": QualificationType.A_LEVEL,
    "alevel": QualificationType.A_LEVEL,
    "international gcse": QualificationType.IGCSE,
    "fs": QualificationType.FUNCTIONAL_SKILLS,
}
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class RowError:
    #: The line of the file (the header is line 1).
    row: int
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}"


@dataclass
class CatalogueImport:
    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _decode(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ValidationError(
            "This is a spreadsheet workbook, not a CSV file: save it as \u201cCSV UTF-8 (Comma delimited)\u201d first",
            field="file",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError("The file is not a CSV file saved as UTF-8", field="file") from error


def _flag(value: str, column: str) -> bool:
    word = value.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValidationError(f"{column} must be yes or no, not \u201c{value.strip()[:40]}\u201d")


def _row_input(cells: dict[str, str]) -> QualificationInput:
    body = _BODIES.get(_words(cells["awarding_body"]))
    if body is None:
        raise ValidationError(
            f"the awarding body \u201c{cells['awarding_body'][:40]}\u201d is not one of "
            + ", ".join(AWARDING_BODY_LABELS.values())
        )
    kind = _TYPES.get(_words(cells["type"]))
    if kind is None:
        raise ValidationError(
            f"the type \u201c{cells['type'][:40]}\u201d is not one of " + ", ".join(QUALIFICATION_TYPE_LABELS.values())
        )
    fee = ledger.parse_pounds(cells["entry_fee"], "entry_fee", allow_zero=True)
    return _checked(
        QualificationInput(
            body,
            kind,
            cells["subject"],
            cells["spec_code"],
            fee,
            _flag(cells.get("tiered", ""), "tiered"),
            _flag(cells.get("needs_supervision", ""), "needs_supervision"),
        )
    )


def _header(reader) -> list[str]:
    """The column names of the file's first row, as words joined by underscores; refused if any is missing."""
    header = next(reader, None)
    if header is None:
        raise ValidationError("The file is empty", field="file")
    names = [re.sub(r"[^a-z0-9]+", "_", cell.strip().lower()).strip("_") for cell in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ValidationError(
            f"The first row must name the columns; missing: {', '.join(missing)} (columns: {', '.join(COLUMNS)})",
            field="file",
        )
    return names


def _read_rows(reader, names: list[str], report: CatalogueImport) -> dict[tuple[AwardingBody, str], QualificationInput]:
    """Each row checked, by (awarding body, specification code); each problem goes on the report with its row."""
    wanted: dict[tuple[AwardingBody, str], tuple[int, QualificationInput]] = {}
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        report.rows += 1
        if report.rows > MAX_IMPORT_ROWS:
            raise ValidationError(f"A catalogue file can hold at most {MAX_IMPORT_ROWS:,} rows", field="file")
        if len(values) > len(names):
            report.errors.append(RowError(number, f"it has {len(values)} cells but the header names {len(names)}"))
            continue
        cells = dict(zip(names, [*values, *[""] * (len(names) - len(values))], strict=True))
        try:
            row = _row_input(cells)
        except DomainError as error:
            report.errors.append(RowError(number, error.message))
            continue
        key = (row.awarding_body, row.spec_code)
        if key in wanted:
            report.errors.append(
                RowError(number, f"{AWARDING_BODY_LABELS[key[0]]} {key[1]} is also on row {wanted[key][0]}")
            )
            continue
        wanted[key] = (number, row)
    return {key: row for key, (_number, row) in wanted.items()}


def _write_rows(wanted: dict[tuple[AwardingBody, str], QualificationInput], report: CatalogueImport) -> None:
    """Add each qualification not in the catalogue and change those that differ, counting each on the report."""
    bodies = sorted({body for body, _code in wanted})  # at most one per awarding body: a handful of values
    existing = {
        (q.awarding_body, q.spec_code): q
        for q in db.session.scalars(select(Qualification).where(Qualification.awarding_body.in_(bodies)))
    }
    for key, row in wanted.items():
        found = existing.get(key)
        if found is None:
            db.session.add(
                Qualification(
                    awarding_body=row.awarding_body,
                    qualification_type=row.qualification_type,
                    subject=row.subject,
                    spec_code=row.spec_code,
                    tiered=row.tiered,
                    needs_supervision=row.needs_supervision,
                    entry_fee_pence=row.entry_fee_pence,
                )
            )
            report.added += 1
            continue
        values = {
            "qualification_type": row.qualification_type,
            "subject": row.subject,
            "tiered": row.tiered,
            "needs_supervision": row.needs_supervision,
            "entry_fee_pence": row.entry_fee_pence,
        }
        if all(getattr(found, k) == v for k, v in values.items()):
            report.unchanged += 1
            continue
        for k, v in values.items():
            setattr(found, k, v)
        report.changed += 1
    db.session.flush()


def import_catalogue(actor: User, data: bytes) -> CatalogueImport:
    """Read a catalogue file (columns ``awarding_body, type, subject, spec_code, tiered, needs_supervision,
    entry_fee`` in pounds) and add or update each qualification, found by its awarding body and specification
    code. Every problem is reported with its row; if there is any, nothing is written."""
    require_exams_staff(actor, "import a qualification catalogue")
    report = CatalogueImport()
    reader = csv.reader(io.StringIO(_decode(data)))
    wanted = _read_rows(reader, _header(reader), report)
    if report.errors:
        return report
    if not wanted:
        raise ValidationError("The file has no qualifications in it", field="file")
    _write_rows(wanted, report)
    audit.record(
        "exams.catalogue_imported",
        actor=actor,
        detail={"rows": report.rows, "added": report.added, "changed": report.changed},
    )
    return report
