"""Portfolio evidence: files are judged by their content (real PDF, images, audio, video and office documents
in; fakes, HTML, SVG, scripts, empty and oversized files out, with nothing left behind), stored outside static/
under random names and removed only when a deletion commits; links; drafts, critique and the showcase; and
erasure deleting the stored files."""

from __future__ import annotations

import io
import stat
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.factories import (
    EvidenceFactory,
    GuardianFactory,
    LearnerFactory,
    LogEntryFactory,
    SubjectAreaFactory,
    UserFactory,
    png_bytes,
)
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.models import Evidence, EvidenceKind, LocalityRole, LocalityStaff, Role
from virtualacademy.services import evidence, mentoring

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
)
HTML = b"<!DOCTYPE html><html><body><script>fetch('/learning/log')</script></body></html>"


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (10, 10), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def office(content_types: str, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr("word/document.xml", "<w:document/>")
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return out.getvalue()


DOCX = office(
    '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'wordprocessingml.document.main+xml"/></Types>'
)
DOCM = office(
    '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.'
    'main+xml"/></Types>',
    {"word/vbaProject.bin": b"\x00macro"},
)


def odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("notes.txt", "hello")
    return out.getvalue()


@pytest.fixture
def folder(app, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "evidence"
    monkeypatch.setitem(app.config, "EVIDENCE_FOLDER", str(path))
    return path


@pytest.fixture
def family(ctx, folder):
    learner = LearnerFactory(legal_name="Robin Example", enrolled=date(2026, 9, 1))
    guardian = GuardianFactory(family=learner.family).user
    learner_user = UserFactory(roles=[Role.LEARNER])
    learner.user_id = learner_user.id
    admin = UserFactory(roles=[Role.ADMIN])
    mentor = UserFactory(roles=[Role.MENTOR])
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    ctx.add(LocalityStaff(user_id=coordinator.id, locality_id=learner.locality_id, role=LocalityRole.COORDINATOR))
    mentoring.assign(admin, learner, mentor, date(2026, 9, 1))
    ctx.commit()
    return {
        "learner": learner,
        "guardian": guardian,
        "self": learner_user,
        "mentor": mentor,
        "coordinator": coordinator,
        "admin": admin,
    }


def stored(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


# --- what a file really is ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("report.pdf", PDF, "application/pdf"),
        ("photo.png", png_bytes(), "image/png"),
        ("photo.jpg", jpeg_bytes(), "image/jpeg"),
        ("photo.jpg", png_bytes(), "image/png"),  # a PNG called .jpg is still a photo: we go by the content
        ("photo", png_bytes(), "image/png"),  # no extension at all
        ("song.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 64, "audio/mpeg"),
        ("talk.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32, "audio/wav"),
        ("clip.mp4", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 32, "video/mp4"),
        ("clip.mov", b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 32, "video/quicktime"),
        (
            "essay.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("essay.odt", odt(), "application/vnd.oasis.opendocument.text"),
    ],
)
def test_accepted_files_are_known_by_their_content(app, ctx, name, data, content_type):
    assert evidence.check_file(name, data).content_type == content_type


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", b"Dear diary, this is not a PDF at all.", "is called report.pdf but it is not really a PDF"),
        ("report.pdf", jpeg_bytes(), "not really a PDF: it is a JPEG image"),
        ("report.pdf", PDF.replace(b"%%EOF", b""), "The PDF is incomplete or damaged"),
        (
            "report.pdf",
            PDF.replace(b"/Catalog", b"/Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
            "scripts",
        ),
        ("drawing.svg", SVG_WITH_SCRIPT, "SVG and XML files are not allowed"),
        (
            "drawing.png",
            SVG_WITH_SCRIPT,
            "web page, SVG or script, which cannot be accepted, even though its name ends in .png",
        ),
        ("page.png", HTML, "web page, SVG or script"),
        ("page.html", HTML, "web pages are not allowed"),
        ("sneaky.png", png_bytes()[:16] + HTML, "The image could not be read"),  # a PNG header on a web page
        ("truncated.png", png_bytes()[:40], "The image could not be read"),
        ("essay.docm", DOCM, "documents with macros are not allowed"),
        ("essay.docx", DOCM, "Documents with macros are not accepted"),
        ("archive.zip", plain_zip(), "ZIP archive, not a Word"),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "programs and scripts are not allowed"),
        ("run", b"#!/bin/sh\nrm -rf /\n", "programs and scripts"),
        ("notes.txt", b"just some text", "The file must be a PDF, a photo or image"),
        ("empty.pdf", b"", "The selected file is empty"),
    ],
)
def test_refused_files_get_a_clear_message(app, ctx, name, data, message):
    with pytest.raises(ValidationError, match=message) as refused:
        evidence.check_file(name, data)
    assert refused.value.field == "file"


def test_the_size_limit_is_20_mb_by_default_and_configurable(app, ctx, monkeypatch):
    limit = 20 * 1024 * 1024
    assert app.config["EVIDENCE_MAX_BYTES"] == limit
    big = b"%PDF-1.4\n" + b"0" * (limit - 16) + b"\n%%EOF\n"
    assert len(big) == limit and evidence.check_file("big.pdf", big).content_type == "application/pdf"
    with pytest.raises(ValidationError, match="must be smaller than 20 MB"):
        evidence.check_file("big.pdf", big + b"\n")
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 2 * 1024 * 1024)
    with pytest.raises(ValidationError, match="must be smaller than 2 MB"):
        evidence.check_file("big.pdf", big)


def test_links_must_be_web_addresses(app, ctx):
    assert evidence.check_url(" https://example.org/my-blog ") == "https://example.org/my-blog"
    assert evidence.check_url("http://example.org/") == "http://example.org/"
    for bad in (
        "javascript:alert(1)",
        "data:text/html,<script>x</script>",
        "ftp://example.org/x",
        "example.org",
        "https://",
    ):
        with pytest.raises(ValidationError, match="starting with https://"):
            evidence.check_url(bad)
    with pytest.raises(ValidationError, match="user name or password"):
        evidence.check_url("https://me:secret@example.org/")
    with pytest.raises(ValidationError, match="Enter the web address"):
        evidence.check_url("  ")


# --- storing, and nothing half-written ------------------------------------------------------------------


def test_a_file_is_stored_outside_static_under_a_random_name(app, ctx, family, folder):
    f = family
    item = evidence.add_file(
        f["guardian"], f["learner"], title="Fort", filename="C:\\Users\\me\\fort.png", data=png_bytes()
    )
    ctx.commit()
    [path] = stored(folder)
    assert path.name == item.stored_name and len(item.stored_name) == 32 and "fort" not in path.name
    assert not path.resolve().is_relative_to(Path(app.static_folder).resolve())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (item.original_name, item.content_type, item.size_bytes) == ("fort.png", "image/png", len(png_bytes()))
    assert evidence.read_bytes(item) == png_bytes()
    # A stored name that is not one of ours is never turned into a path.
    item.stored_name = "../../config.py"
    assert evidence.path_of(item) is None and evidence.read_bytes(item) is None


def test_a_refused_file_leaves_nothing_behind(app, ctx, family, folder):
    f = family
    with pytest.raises(ValidationError):
        evidence.add_file(f["guardian"], f["learner"], title="Report", filename="report.pdf", data=b"not a pdf")
    ctx.rollback()
    assert ctx.scalar(select(func.count()).select_from(Evidence)) == 0 and stored(folder) == []


def test_a_file_added_in_a_transaction_that_does_not_commit_is_removed(app, ctx, family, folder):
    f = family
    evidence.add_file(f["guardian"], f["learner"], title="Fort", filename="fort.png", data=png_bytes())
    assert len(stored(folder)) == 1
    ctx.rollback()
    assert stored(folder) == [] and ctx.scalar(select(func.count()).select_from(Evidence)) == 0


def test_a_deleted_file_goes_only_when_the_deletion_commits(app, ctx, family, folder):
    f = family
    item = evidence.add_file(f["guardian"], f["learner"], title="Fort", filename="fort.png", data=png_bytes())
    ctx.commit()
    evidence.delete(f["guardian"], item)
    ctx.rollback()
    assert len(stored(folder)) == 1  # the deletion did not happen, so the file stays
    item = ctx.get(Evidence, item.id)
    evidence.delete(f["guardian"], item)
    ctx.commit()
    assert stored(folder) == []


def test_evidence_attaches_only_to_the_learners_own_goal_or_log_entry(app, ctx, family):
    f = family
    SubjectAreaFactory(name="Maths")
    theirs = LogEntryFactory()
    ours = LogEntryFactory(learner=f["learner"])
    with pytest.raises(ValidationError, match="learner's log entries"):
        evidence.add_link(f["guardian"], f["learner"], title="Blog", url="https://example.org", log_entry_id=theirs.id)
    link = evidence.add_link(f["guardian"], f["learner"], title="Blog", url="https://example.org", log_entry_id=ours.id)
    assert (link.kind, link.log_entry_id, link.stored_name) == (EvidenceKind.LINK, ours.id, None)
    with pytest.raises(ValidationError, match="Enter a title"):
        evidence.add_link(f["guardian"], f["learner"], title=" ", url="https://example.org")


# --- drafts, critique and the showcase ----------------------------------------------------------------------


def test_drafts_get_comments_from_the_mentor_and_family_and_the_learner_chooses_the_showcase(app, ctx, family):
    f = family
    draft = evidence.add_link(f["self"], f["learner"], title="Essay draft", url="https://example.org/d", is_draft=True)
    evidence.add_comment(f["mentor"], draft, "Strong opening; say more about the sources.")
    evidence.add_comment(f["guardian"], draft, "Lovely!")
    assert [c.body for c in draft.comments] == ["Strong opening; say more about the sources.", "Lovely!"]
    with pytest.raises(NotAllowed):
        evidence.add_comment(f["coordinator"], draft, "Coordinators only read")
    with pytest.raises(ValidationError, match="Enter a comment"):
        evidence.add_comment(f["mentor"], draft, "   ")
    # A draft cannot go in the showcase; once finished, the learner (or their parent) chooses; the mentor cannot.
    with pytest.raises(ValidationError, match="still a draft"):
        evidence.set_showcase(f["self"], draft, True)
    evidence.update(f["self"], draft, title="Essay", is_draft=False)
    with pytest.raises(NotAllowed, match="the learner, or their parents"):
        evidence.set_showcase(f["mentor"], draft, True)
    evidence.set_showcase(f["self"], draft, True)
    assert draft.in_showcase
    evidence.set_showcase(f["guardian"], draft, False)
    assert not draft.in_showcase
    evidence.set_showcase(f["guardian"], draft, True)
    evidence.update(f["mentor"], draft, title="Essay", is_draft=True)  # back to a draft: out of the showcase
    assert not draft.in_showcase
    assert [e.id for e in evidence.portfolio(f["learner"], showcase_only=True)] == []


# --- erasure ------------------------------------------------------------------------------------------------


def test_erasure_deletes_the_stored_files_and_the_text(app, ctx, family, folder):
    from virtualacademy.services import data_protection, learning_log

    f = family
    item = evidence.add_file(
        f["guardian"], f["learner"], title="Robin at the fort", filename="robin.png", data=png_bytes()
    )
    evidence.add_comment(f["mentor"], item, "Great photo of Robin")
    link = evidence.add_link(f["guardian"], f["learner"], title="Robin's blog", url="https://robin.example.org")
    other = EvidenceFactory()  # another family's file stays
    ctx.commit()
    other_path = evidence.path_of(other)
    assert len(stored(folder)) == 2
    subject = data_protection.subject(f["learner"].family)
    exported = learning_log.export_section(subject)
    assert any(r["record"] == "portfolio evidence" and r["original_name"] == "robin.png" for r in exported)
    assert all("stored_name" not in r for r in exported)
    learning_log.erase_section(subject)
    assert len(stored(folder)) == 2  # not yet: only when the erasure commits
    ctx.commit()
    assert stored(folder) == [other_path]
    assert (item.title, item.stored_name, item.original_name, link.url) == ("Erased", None, None, None)
    assert item.comments[0].body == "Erased" and item.content_type == "image/png"
