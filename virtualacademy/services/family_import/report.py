"""What a check finds: the problems by row and column, the counts, and the families it would add."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from virtualacademy.models import EheReason, SendStatus


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
