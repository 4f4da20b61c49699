"""Checking a whole file, writing nothing (the dry run): its rows against each other and against what the
database already holds."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select

from virtualacademy import clock
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import EheReason, Family, Guardian, Learner, Locality, SendStatus, User
from virtualacademy.services import localities
from virtualacademy.services.families.checks import check_address, check_child, check_person
from virtualacademy.services.family_import.file_format import COLUMNS, FAMILY_COLUMNS, REASONS, SEND_STATUSES
from virtualacademy.services.family_import.reading import _choice, _chunks, _name_key, _same, _yes_no, parse_date, read
from virtualacademy.services.family_import.report import ImportReport, Plan, RowError, _Child, _Family


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
