"""Importing an authority's list of known families: the sample file, re-runs, every kind of bad
input (named by row and column, and nothing written), all-or-nothing, scale, and the command."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.import_families import generate
from tests.factories import GuardianFactory, LearnerFactory, LocalityFactory, UserFactory
from virtualacademy.errors import ValidationError
from virtualacademy.models import (
    AuditEvent,
    EheReason,
    Enrolment,
    EnrolmentStatus,
    Family,
    Guardian,
    Learner,
    Role,
    SendStatus,
    UserRole,
)
from virtualacademy.services import family_import

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-families.csv"
TODAY = date(2026, 9, 1)
HEADER = list(family_import.COLUMNS)


@pytest.fixture
def doncaster(ctx):
    """The localities the sample file's postcodes fall in (as in the demo data)."""
    return {
        "north": LocalityFactory(name="Doncaster North", districts=["DN5", "DN6", "DN7"]),
        "south": LocalityFactory(name="Doncaster South", districts=["DN4", "DN11", "DN12"]),
    }


def row(**values) -> dict:
    """A valid row for one child; keyword arguments replace values."""
    good = {
        "family_ref": "LA-1",
        "guardian_name": "Pat Parent",
        "guardian_email": "pat.parent@example.org",
        "guardian_phone": "07700 900982",
        "address_line_1": "1 High Street",
        "town": "Doncaster",
        "postcode": "DN4 5HX",
        "child_legal_name": "Sam Parent",
        "date_of_birth": "01/06/2014",
        "reason": "health",
        "send_status": "none",
        "fsm_eligible": "no",
        "young_carer": "no",
    }
    return {**good, **values}


def to_csv(*rows: dict, header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or HEADER, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def counts(session) -> dict[str, int]:
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model))
        for model in (Family, Guardian, Learner, Enrolment)
    }


NOTHING = {"Family": 0, "Guardian": 0, "Learner": 0, "Enrolment": 0}


def imports(data: bytes, **kwargs):
    return family_import.import_families(data, today=TODAY, start_date=TODAY, **kwargs)


def problems(report) -> list[tuple[int | None, str | None, str]]:
    return [(e.row, e.column, e.message) for e in report.errors]


# --- the sample file, and running it twice ------------------------------------------------


def test_the_sample_file_imports_every_family_child_and_enrolment(ctx, doncaster):
    report = imports(SAMPLE.read_bytes())

    assert report.errors == [] and report.imported
    assert (report.rows, report.new_families, report.new_children, report.new_guardians) == (7, 5, 7, 6)
    assert counts(ctx) == {"Family": 5, "Guardian": 6, "Learner": 7, "Enrolment": 7}
    families = {f.external_ref: f for f in ctx.scalars(select(Family))}
    assert all(f.source == "import" and f.reference.startswith("F") for f in families.values())

    whitfield = families["DCC-0001"]
    assert [g.email for g in whitfield.guardians] == ["sarah.whitfield@example.org"]
    assert whitfield.guardians[0].is_primary and whitfield.guardians[0].user_id is None
    assert [(c.legal_name, c.preferred_name, c.date_of_birth) for c in whitfield.learners] == [
        ("Oliver James Whitfield", "Ollie", date(2013, 5, 12)),
        ("Isla Whitfield", None, date(2016, 9, 30)),
    ]
    assert {c.locality.name for c in whitfield.learners} == {"Doncaster North"}  # from DN5

    okafor = families["DCC-0002"]
    assert okafor.postcode == "DN4 0RB"  # typed "dn4 0rb"
    assert [(g.name, g.is_primary) for g in okafor.guardians] == [("Daniel Okafor", True), ("Grace Okafor", False)]
    (amara,) = okafor.learners
    assert (amara.reason, amara.send_status, amara.ehcp_review_date) == (
        EheReason.HEALTH,  # "anxiety"
        SendStatus.EHCP,
        date(2027, 2, 14),
    )
    assert amara.fsm_eligible and amara.locality.name == "Doncaster South"

    (tom,) = families["DCC-0003"].learners
    assert (tom.reason, tom.send_status, tom.young_carer) == (
        EheReason.LEFT_UNDER_PRESSURE,
        SendStatus.SEN_SUPPORT,
        True,
    )

    novak = families["DCC-0004"]
    assert novak.address_line_2 == "5 Quarry Hill"
    assert [c.legal_name for c in novak.learners] == ["Lena Novak", "Pavel Novak"]  # second row left blanks
    enrolments = ctx.scalars(select(Enrolment).order_by(Enrolment.id)).all()
    assert {e.status for e in enrolments} == {EnrolmentStatus.ENROLLED}
    assert all(e.locality_id == e.learner.locality_id for e in enrolments)
    assert {e.start_date for e in enrolments} == {TODAY}  # given on some rows, the default on the rest


def test_a_second_run_adds_nothing_and_says_so(ctx, doncaster):
    imports(SAMPLE.read_bytes())
    before = counts(ctx)

    report = imports(SAMPLE.read_bytes())

    assert report.errors == []
    assert (report.new_families, report.new_children, report.skipped_families, report.skipped_children) == (0, 0, 5, 7)
    assert counts(ctx) == before


def test_the_dry_run_reports_what_would_be_added_and_writes_nothing(ctx, doncaster):
    plan = family_import.check(SAMPLE.read_bytes(), today=TODAY)

    assert plan.report.ok and not plan.report.imported
    assert (plan.report.new_families, plan.report.new_children) == (5, 7)
    assert counts(ctx) == NOTHING
    assert ctx.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_one_audit_event_with_counts_and_no_personal_data(ctx, doncaster):
    admin = UserFactory(roles=[Role.ADMIN])

    imports(SAMPLE.read_bytes(), actor=admin)

    (event,) = ctx.scalars(select(AuditEvent).where(AuditEvent.action == "families.imported"))
    assert event.actor_id == admin.id
    assert event.detail["families"] == 5 and event.detail["children"] == 7 and event.detail["skipped_families"] == 0
    text = str(event.detail).lower()
    assert not any(word in text for word in ("whitfield", "@example.org", "dn5", "2013"))


# --- bad input: each named by row and column, and nothing written --------------------------


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"postcode": "DN4 XXX"}, "postcode", "Enter a real UK postcode"),
        ({"date_of_birth": "01/01/2030"}, "date_of_birth", "Date of birth must be in the past"),
        (
            {"date_of_birth": "2000-01-01"},
            "date_of_birth",
            "between 4 and 18 years old (this date of birth makes them 26)",
        ),
        (
            {"date_of_birth": "01/01/2024"},
            "date_of_birth",
            "between 4 and 18 years old (this date of birth makes them 2)",
        ),
        ({"date_of_birth": "31/02/2014"}, "date_of_birth", "\u201c31/02/2014\u201d is not a real date"),
        ({"date_of_birth": "01/06/14"}, "date_of_birth", "needs a 4-digit year"),
        ({"date_of_birth": "June 2014"}, "date_of_birth", "write it as DD/MM/YYYY or YYYY-MM-DD"),
        ({"date_of_birth": ""}, "date_of_birth", "Enter the child's date of birth"),
        ({"locality": "Atlantis"}, "locality", "Unknown locality \u201cAtlantis\u201d: use one of Doncaster North"),
        ({"postcode": "S1 2AB"}, "locality", "Unknown locality: no active locality covers postcode district S1"),
        (
            {"guardian_email": "pat.parent.example.org"},
            "guardian_email",
            "Enter an email address in the correct format",
        ),
        ({"guardian_name": ""}, "guardian_name", "Enter the full name"),
        ({"guardian_phone": "12345"}, "guardian_phone", "Enter a UK phone number"),
        ({"guardian_2_name": "Alex Parent"}, "guardian_2_email", "Enter an email address"),
        ({"guardian_2_name": "Alex", "guardian_2_email": "PAT.parent@example.org"}, "guardian_2_email", "different"),
        ({"address_line_1": ""}, "address_line_1", "Enter the first line of the address"),
        ({"reason": "bored"}, "reason", "\u201cbored\u201d is not a known reason: use one of philosophical"),
        ({"reason": ""}, "reason", "Blank is not a known reason"),
        ({"send_status": "EHCP"}, "ehcp_review_date", "Enter the date of the EHCP's next annual review"),
        ({"send_status": "maybe"}, "send_status", "is not a known SEND status"),
        ({"fsm_eligible": "perhaps"}, "fsm_eligible", "must be yes or no"),
        ({"young_carer": "sometimes"}, "young_carer", "must be yes or no"),
        ({"start_date": "1st September"}, "start_date", "is not a date"),
        ({"child_legal_name": ""}, "child_legal_name", "Enter the child's full legal name"),
        ({"child_legal_name": "X" * 201}, "child_legal_name", "Too long: at most 200 characters"),
        ({"family_ref": ""}, "family_ref", "Enter the authority's reference for this family"),
    ],
)
def test_a_bad_value_is_named_by_row_and_column_and_nothing_is_written(ctx, doncaster, values, column, message):
    data = to_csv(
        row(family_ref="LA-0", guardian_email="first@example.org", child_legal_name="Ann First"), row(**values)
    )

    report = imports(data)

    assert not report.imported
    assert len(report.errors) == 1, problems(report)
    (error,) = report.errors
    assert (error.row, error.column) == (3, column)
    assert message in error.message
    assert str(error).startswith(f"Row 3, {column}: ")
    assert counts(ctx) == NOTHING  # the good family on row 2 is not imported either


def test_every_problem_in_the_file_is_reported_at_once(ctx, doncaster):
    data = to_csv(
        row(family_ref="A", postcode="nowhere"),
        row(family_ref="B", guardian_email="b@example.org", child_legal_name="B Child", date_of_birth="2030-01-01"),
        row(
            family_ref="C",
            guardian_email="c@example.org",
            child_legal_name="",
            date_of_birth="x",
            reason="?",
            fsm_eligible="?",
        ),
    )

    report = imports(data)

    assert {(e.row, e.column) for e in report.errors} == {
        (2, "postcode"),
        (3, "date_of_birth"),
        (4, "child_legal_name"),
        (4, "date_of_birth"),
        (4, "reason"),
        (4, "fsm_eligible"),
    }
    assert [e.row for e in report.errors] == sorted(e.row for e in report.errors)
    assert counts(ctx) == NOTHING


def test_family_details_must_agree_on_every_row_of_a_family(ctx, doncaster):
    data = to_csv(row(), row(child_legal_name="Kim Parent", postcode="DN5 1AA"), row(child_legal_name="Lee Parent"))

    report = imports(data)

    assert problems(report) == [
        (
            3,
            "postcode",
            "Differs from row 2, the first row for family_ref LA-1: every row of a family must give the same "
            "guardians and address (or leave them blank)",
        )
    ]
    assert counts(ctx) == NOTHING


def test_a_postcode_written_differently_is_still_the_same_family(ctx, doncaster):
    data = to_csv(row(), row(child_legal_name="Kim Parent", postcode="dn45hx", guardian_name="PAT  PARENT"))

    report = imports(data)

    assert report.imported and report.new_children == 2


def test_control_characters_in_a_cell_are_dropped_as_in_every_form(ctx, doncaster):
    data = to_csv(row(guardian_name="Pat\x00 Par\u202eent", child_legal_name="Sam\x1b Parent\x7f"))

    assert imports(data).imported
    assert ctx.scalar(select(Guardian.name)) == "Pat Parent"
    assert ctx.scalar(select(Learner.legal_name)) == "Sam Parent"


# --- duplicates, and emails already used ---------------------------------------------------


def test_the_same_email_for_two_families_in_the_file_is_an_error(ctx, doncaster):
    data = to_csv(row(), row(family_ref="LA-2", child_legal_name="Other Child", guardian_name="Someone Else"))

    report = imports(data)

    assert problems(report) == [
        (
            3,
            "guardian_email",
            "Duplicate: this email is also given for family_ref LA-1 (row 2); a guardian's email can belong to one "
            "family only",
        )
    ]
    assert counts(ctx) == NOTHING


def test_an_email_already_used_by_a_guardian_here_is_an_error(ctx, doncaster):
    existing = GuardianFactory(user__email="pat.parent@example.org")

    report = imports(to_csv(row(guardian_email="Pat.Parent@Example.org")))

    assert problems(report) == [
        (
            2,
            "guardian_email",
            f"Duplicate: this email already belongs to a guardian of family {existing.family.reference}; a "
            "guardian's email can belong to one family only",
        )
    ]
    assert counts(ctx) == {"Family": 1, "Guardian": 1, "Learner": 0, "Enrolment": 0}  # only the one made above


def test_a_guardian_with_an_account_is_linked_to_it_and_becomes_a_guardian(ctx, doncaster):
    mentor = UserFactory(email="pat.parent@example.org", roles=[Role.MENTOR])
    already = UserFactory(email="alex.parent@example.org", roles=[Role.GUARDIAN])

    report = imports(to_csv(row(guardian_2_name="Alex Parent", guardian_2_email="alex.parent@example.org")))

    assert report.imported and report.linked_accounts == 2
    guardians = ctx.scalars(select(Guardian).order_by(Guardian.id)).all()
    assert [(g.user_id, g.is_primary) for g in guardians] == [(mentor.id, True), (already.id, False)]
    roles = set(ctx.execute(select(UserRole.user_id, UserRole.role)).all())
    assert roles == {(mentor.id, Role.MENTOR), (mentor.id, Role.GUARDIAN), (already.id, Role.GUARDIAN)}


def test_a_child_already_known_here_is_a_duplicate(ctx, doncaster):
    known = LearnerFactory(legal_name="Sam Parent", date_of_birth=date(2014, 6, 1))

    report = imports(to_csv(row(child_legal_name="sam  PARENT")))

    assert problems(report) == [
        (
            2,
            "child_legal_name",
            f"Duplicate: a learner called Sam Parent born 1 June 2014 is already known (family {known.family.reference})",
        )
    ]


def test_the_same_child_twice_in_the_file_is_a_duplicate(ctx, doncaster):
    data = to_csv(row(), row(family_ref="LA-2", guardian_email="other@example.org"))

    report = imports(data)

    assert problems(report) == [
        (3, "child_legal_name", "Duplicate: the same child (name and date of birth) is on row 2")
    ]
    assert counts(ctx) == NOTHING


def test_a_child_of_the_same_name_born_another_day_is_not_a_duplicate(ctx, doncaster):
    LearnerFactory(legal_name="Sam Parent", date_of_birth=date(2014, 6, 2))

    assert imports(to_csv(row())).imported


# --- the file itself: headers, encoding, blank lines ------------------------------------------


def test_wrong_headers_give_one_message_listing_the_expected_columns(ctx, doncaster):
    header = [c for c in HEADER if c != "date_of_birth"] + ["dob", "notes"]

    report = imports(to_csv(row(dob="01/06/2014", notes="x"), header=header))

    (error,) = report.errors
    assert error.row is None and error.column is None
    assert error.message.startswith(
        "The header row (row 1) has the wrong columns: missing date_of_birth; not recognised dob, notes. "
        "The columns are required: family_ref, guardian_name, guardian_email, address_line_1, town, postcode, "
        "child_legal_name, date_of_birth, reason; optional: guardian_phone,"
    )
    assert str(error).startswith("File: The header row")
    assert counts(ctx) == NOTHING


def test_headers_are_matched_without_regard_to_case_spaces_or_order(ctx, doncaster):
    data = (
        b"Date of Birth,Reason,Child Legal Name,Postcode,Town,Address line 1,Guardian Email,Guardian Name,Family Ref\r\n"
        b"2014-06-01,Philosophical or preference,Sam Parent,dn4 5hx,Doncaster,1 High Street,pat@example.org,Pat,X1\r\n"
    )

    report = imports(data)

    assert report.imported and report.new_children == 1
    learner = ctx.scalar(select(Learner))
    assert learner.reason is EheReason.PHILOSOPHICAL and learner.send_status is SendStatus.NONE


def test_a_file_that_is_not_utf8_is_refused_with_advice(ctx, doncaster):
    data = to_csv(row(), row(family_ref="LA-2", guardian_email="z@example.org", child_legal_name="Zoë Brontë"))
    latin1 = data.decode("utf-8").encode("latin-1")

    report = imports(latin1)

    assert problems(report) == [
        (
            None,
            None,
            "The file is not UTF-8 text (the first character that cannot be read is on line 3). Save it from your "
            "spreadsheet as \u201cCSV UTF-8 (Comma delimited)\u201d and try again.",
        )
    ]
    assert counts(ctx) == NOTHING


def test_utf8_with_a_byte_order_mark_is_read_and_accents_kept(ctx, doncaster):
    data = b"\xef\xbb\xbf" + to_csv(row(child_legal_name="Zoë Brontë"))

    report = imports(data)

    assert report.imported
    assert ctx.scalar(select(Learner.legal_name)) == "Zoë Brontë"


def test_a_spreadsheet_workbook_is_refused_with_advice(ctx, doncaster):
    report = imports(b"PK\x03\x04" + b"\x00" * 100)

    assert "This is a spreadsheet workbook, not a CSV file" in report.errors[0].message


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n  \r\n"])
def test_an_empty_file_is_refused(ctx, doncaster, data):
    report = imports(data)

    assert problems(report) == [
        (None, None, "The file is empty: it needs a header row and a row for each child"),
    ]


def test_blank_lines_are_ignored_and_rows_keep_their_spreadsheet_numbers(ctx, doncaster):
    lines = to_csv(row(), row(family_ref="LA-2", guardian_email="b@example.org", child_legal_name="B", postcode="X"))
    header, first, second = lines.decode().strip().split("\r\n")
    blank_row = "," * (len(HEADER) - 1)
    data = "\r\n".join([header, "", first, blank_row, "", second, "", ""]).encode()

    report = imports(data)

    assert report.rows == 2
    assert problems(report) == [(6, "postcode", "Enter a real UK postcode, like DN4 5HX")]

    fixed = data.replace(b",X,", b",DN4 5HX,")
    report = imports(fixed)
    assert report.imported and report.new_families == 2


def test_a_row_with_more_cells_than_columns_is_an_error(ctx, doncaster):
    data = to_csv(row()) + b"LA-2,Pat,extra@example.org" + b",x" * len(HEADER) + b"\r\n"

    report = imports(data)

    assert problems(report) == [
        (
            3,
            None,
            f"This row has {len(HEADER) + 3} cells but the header has {len(HEADER)} columns (is there a comma in a "
            "value that is not inside quotes?)",
        )
    ]
    assert counts(ctx) == NOTHING


def test_a_semicolon_separated_file_gets_a_hint(ctx, doncaster):
    data = ";".join(HEADER).encode() + b"\r\n" + b"LA-1;Pat\r\n"

    (error,) = imports(data).errors

    assert "The file seems to use semicolons" in error.message


def test_optional_columns_may_be_left_out(ctx, doncaster):
    header = family_import.REQUIRED_COLUMNS

    report = imports(to_csv(row(), header=header))

    assert report.imported
    learner = ctx.scalar(select(Learner))
    assert learner.send_status is SendStatus.NONE and not learner.fsm_eligible and not learner.young_carer


# --- other rules ----------------------------------------------------------------------------


def test_a_named_locality_wins_over_the_postcode_and_an_inactive_one_is_refused(ctx, doncaster):
    LocalityFactory(name="Closed", districts=["DN9"], active=False)
    data = to_csv(
        row(locality="doncaster north"),
        row(family_ref="LA-2", guardian_email="b@example.org", child_legal_name="B", locality="Closed"),
    )

    report = imports(data)

    assert problems(report) == [(3, "locality", "Locality Closed is not active: choose an active one")]

    report = imports(to_csv(row(locality="doncaster north")))
    assert report.imported
    assert ctx.scalar(select(Learner)).locality_id == doncaster["north"].id  # DN4 is South's district


def test_the_start_date_comes_from_the_row_or_else_the_default(ctx, doncaster):
    data = to_csv(row(start_date="2026-10-05"), row(child_legal_name="Kim Parent"))

    family_import.import_families(data, today=TODAY, start_date=date(2026, 9, 7))

    starts = ctx.scalars(select(Enrolment.start_date).order_by(Enrolment.id)).all()
    assert starts == [date(2026, 10, 5), date(2026, 9, 7)]


def test_apply_refuses_a_plan_with_problems(ctx, doncaster):
    plan = family_import.check(to_csv(row(postcode="nowhere")), today=TODAY)

    with pytest.raises(ValidationError, match="The file has 1 problem"):
        family_import.apply(plan)
    assert counts(ctx) == NOTHING


# --- scale ----------------------------------------------------------------------------------


def test_ten_thousand_rows_import_in_batches_with_progress(ctx, doncaster):
    data = generate(4000, 10_000, today=TODAY)
    plan = family_import.check(data, today=TODAY)
    assert plan.report.ok, plan.report.errors[:5]
    steps: list[int] = []

    report = family_import.apply(plan, progress=steps.append)

    assert (report.rows, report.new_families, report.new_children) == (10_000, 4000, 10_000)
    assert counts(ctx) == {"Family": 4000, "Guardian": 4000, "Learner": 10_000, "Enrolment": 10_000}
    assert len(steps) == 4000 // family_import.BATCH_SIZE and sum(steps) == 10_000
    assert ctx.scalar(select(func.count(func.distinct(Family.reference)))) == 4000

    again = family_import.import_families(data, today=TODAY)
    assert (again.new_families, again.skipped_families, again.skipped_children) == (0, 4000, 10_000)
    assert counts(ctx)["Learner"] == 10_000


# --- the command --------------------------------------------------------------------------


@pytest.fixture
def sample_path(tmp_path) -> str:
    path = tmp_path / "families.csv"
    path.write_bytes(SAMPLE.read_bytes())
    return str(path)


def test_command_dry_run_reports_and_writes_nothing(runner, db_session, doncaster, sample_path):
    result = runner.invoke(args=["import-families", sample_path, "--dry-run"])

    assert result.exit_code == 0, result.output
    assert (
        "Checked 7 rows: 5 new families (7 children, 6 guardians, 0 with an existing account) to add" in result.output
    )
    assert "Dry run: nothing was written." in result.output
    assert counts(db_session) == NOTHING


def test_command_imports_with_a_progress_bar_and_a_rerun_adds_nothing(runner, db_session, doncaster, sample_path):
    result = runner.invoke(args=["import-families", sample_path, "--start-date", "2026-09-07"])

    assert result.exit_code == 0, result.output
    assert "Importing families" in result.output  # the progress bar's label (the bar itself needs a terminal)
    assert "Imported 5 families and 7 children." in result.output
    assert counts(db_session) == {"Family": 5, "Guardian": 6, "Learner": 7, "Enrolment": 7}
    starts = set(db_session.scalars(select(Enrolment.start_date)))
    assert starts == {date(2026, 9, 7), date(2026, 9, 1)}  # the option, and the rows that give one

    again = runner.invoke(args=["import-families", sample_path])
    assert again.exit_code == 0, again.output
    assert "5 already imported (7 rows skipped)" in again.output
    assert "Nothing to import" in again.output
    assert counts(db_session)["Family"] == 5


def test_command_prints_problems_and_exits_non_zero(runner, db_session, doncaster, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(to_csv(row(), row(family_ref="LA-2", guardian_email="b@example.org", postcode="DN4 XXX")))

    for args in (["--dry-run"], []):
        result = runner.invoke(args=["import-families", str(path), *args])

        assert result.exit_code == 1, result.output
        assert "1 problem:" in result.output
        assert "  Row 3, postcode: Enter a real UK postcode, like DN4 5HX" in result.output
        assert "Nothing was imported. Correct the file and run the command again." in result.output
        assert "Importing families" not in result.output
    assert counts(db_session) == NOTHING


def test_command_refuses_a_wrong_header_and_a_missing_file(runner, db_session, doncaster, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"name,email\r\nPat,pat@example.org\r\n")

    result = runner.invoke(args=["import-families", str(path)])

    assert result.exit_code == 1
    assert "File: The header row (row 1) has the wrong columns: missing family_ref" in result.output

    missing = runner.invoke(args=["import-families", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "No such file or directory" in missing.output
