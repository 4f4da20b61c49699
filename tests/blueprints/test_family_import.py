"""The admin's upload journey: upload a CSV, read the check, confirm the import."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import csrf_token, sign_in
from tests.factories import LocalityFactory, UserFactory
from virtualacademy.blueprints.families import import_views
from virtualacademy.models import AuditEvent, Family, Learner, Role
from virtualacademy.services import family_import

SAMPLE = (Path(__file__).resolve().parents[2] / "docs" / "sample-families.csv").read_bytes()
UPLOAD = "/families/import"
CHECK = "/families/import/check"
CONFIRM = "/families/import/confirm"


@pytest.fixture
def admin_client(app, client, db_session, tmp_path, monkeypatch):
    """A signed-in admin; uploaded files wait in a temporary instance folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    LocalityFactory(name="Doncaster North", districts=["DN5", "DN6", "DN7"])
    LocalityFactory(name="Doncaster South", districts=["DN4", "DN11", "DN12"])
    admin = UserFactory(roles=[Role.ADMIN])
    assert sign_in(client, admin.email).status_code == 302
    client.admin = admin
    return client


def upload(client, content: bytes, name: str = "families.csv", **fields):
    data = {"file": (io.BytesIO(content), name), "csrf_token": csrf_token(client, UPLOAD), **fields}
    return client.post(UPLOAD, data=data, content_type="multipart/form-data")


def stored_files(app) -> list[Path]:
    return sorted((Path(app.instance_path) / "family-imports").glob("*.csv"))


def families(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Family))


def test_upload_check_and_confirm_imports_the_families(app, admin_client, db_session):
    page = admin_client.get(UPLOAD).get_data(as_text=True)
    assert '<h1 class="govuk-heading-xl">Import known families</h1>' in page
    assert 'enctype="multipart/form-data"' in page

    response = upload(admin_client, SAMPLE, "Doncaster list.csv")

    assert response.status_code == 302 and response.headers["Location"] == CHECK
    (stored,) = stored_files(app)
    assert stored.read_bytes() == SAMPLE
    with admin_client.session_transaction() as session:
        pending = session[import_views.SESSION_KEY]
    assert set(pending) == {"token", "user", "name", "start_date"}  # the content stays on the server
    assert pending["token"] == stored.stem and pending["name"] == "Doncaster list.csv"

    page = admin_client.get(CHECK).get_data(as_text=True)
    assert "Check the import" in page and "Doncaster list.csv" in page
    assert "There is a problem" not in page
    assert '<th scope="row" class="govuk-table__header">Families to add</th>' in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">5</td>' in page
    assert "Import these families" in page
    assert families(db_session) == 0  # the check writes nothing

    response = admin_client.post(CONFIRM, data={"csrf_token": csrf_token(admin_client, CHECK)})

    assert response.status_code == 302 and response.headers["Location"] == "/learners"
    assert families(db_session) == 5
    assert db_session.scalar(select(func.count()).select_from(Learner)) == 7
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "families.imported"))
    assert event.actor_id == admin_client.admin.id and event.detail["families"] == 5
    assert "Imported 5 families and 7 children." in admin_client.get("/learners").get_data(as_text=True)
    assert stored_files(app) == []  # deleted once imported
    assert admin_client.get(CHECK).headers["Location"] == UPLOAD  # and nothing is pending


def test_uploading_the_same_list_again_adds_nothing(app, admin_client, db_session):
    upload(admin_client, SAMPLE)
    admin_client.post(CONFIRM, data={"csrf_token": csrf_token(admin_client, CHECK)})

    upload(admin_client, SAMPLE)
    page = admin_client.get(CHECK).get_data(as_text=True)

    assert "Nothing to import: every family in this file has been imported before." in page
    assert "Import these families" not in page
    assert families(db_session) == 5


def test_problems_are_listed_by_row_and_nothing_can_be_imported(app, admin_client, db_session):
    bad = SAMPLE.replace(b"DN11 9AB", b"DN11 ZZZ").replace(b"12/05/2013", b"12/05/2031")

    assert upload(admin_client, bad).status_code == 302
    page = admin_client.get(CHECK).get_data(as_text=True)

    assert "<title>Error: Check the import" in page
    assert "2 problems in the file: nothing can be imported until they are corrected" in page
    assert (
        '<td class="govuk-table__cell">2</td>\n      <td class="govuk-table__cell"><code>date_of_birth</code></td>'
        in page
    )
    assert "Date of birth must be in the past" in page
    assert "<code>postcode</code>" in page and "Enter a real UK postcode, like DN4 5HX" in page
    assert "Import these families" not in page

    response = admin_client.post(CONFIRM, data={"csrf_token": csrf_token(admin_client, CHECK)}, follow_redirects=True)

    assert "Nothing was imported: the file has problems, listed below." in response.get_data(as_text=True)
    assert families(db_session) == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("Zoë".encode("latin-1") + b"\r\n", "families.csv", "The file is not UTF-8 text"),
        (b"name,email\r\nPat,pat@example.org\r\n", "families.csv", "The header row (row 1) has the wrong columns"),
        (b"", "", "Choose the CSV file to upload"),
        (b"\r\n\r\n", "families.csv", "The file is empty"),
        (SAMPLE, "families.xlsx", "The file must be a CSV file (its name ends in .csv)"),
    ],
)
def test_a_file_that_cannot_be_read_is_shown_on_the_upload_form(app, admin_client, content, name, message):
    response = upload(admin_client, content, name)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Import known families" in page
    assert 'class="govuk-error-summary"' in page and message in page
    assert stored_files(app) == []


def test_a_file_over_the_size_limit_is_refused_with_a_message(app, admin_client):
    big = SAMPLE + b"a" * family_import.MAX_FILE_BYTES
    # Encoded here, in memory: the test client would spool a body this size to a temporary file it never closes.
    boundary, body = encode_multipart(
        {
            "file": FileStorage(io.BytesIO(big), "families.csv", content_type="text/csv"),
            "csrf_token": csrf_token(admin_client, UPLOAD),
        }
    )

    response = admin_client.post(UPLOAD, data=body, content_type=f"multipart/form-data; boundary={boundary}")

    assert "The file must be smaller than 10 MB" in response.get_data(as_text=True)
    assert stored_files(app) == []


def test_the_start_date_chosen_on_upload_is_used(app, admin_client, db_session):
    upload(admin_client, SAMPLE, start_date=["7", "9", "2026"])
    assert "from 7 September 2026" in admin_client.get(CHECK).get_data(as_text=True)

    admin_client.post(CONFIRM, data={"csrf_token": csrf_token(admin_client, CHECK)})

    learner = db_session.scalar(select(Learner).where(Learner.legal_name == "Isla Whitfield"))
    assert learner.enrolments[0].start_date.isoformat() == "2026-09-07"


def test_a_new_upload_replaces_the_waiting_file(app, admin_client):
    upload(admin_client, SAMPLE)
    (first,) = stored_files(app)

    upload(admin_client, SAMPLE.replace(b"Sarah", b"Sara"))

    (second,) = stored_files(app)
    assert second != first and b"Sara Whitfield" in second.read_bytes()


def test_confirming_without_an_upload_goes_back_to_the_upload_page(admin_client, db_session):
    response = admin_client.post(CONFIRM, data={"csrf_token": csrf_token(admin_client, UPLOAD)}, follow_redirects=True)

    assert "Upload the file again" in response.get_data(as_text=True)
    assert families(db_session) == 0


def test_the_admin_dashboard_links_to_the_import(admin_client):
    assert 'href="/families/import"' in admin_client.get("/dashboard").get_data(as_text=True)
