"""Portfolio evidence: files and links attached to a goal, a log entry or the learner generally; drafts and
critique; the learner's showcase.

*Files are checked by what they contain, not by their name*: the first bytes must be those of an accepted
format (:data:`ACCEPTED`), images must open as images, office documents must be the ZIP packages Word, Excel,
PowerPoint or OpenDocument write (without macros), and a name that says one kind of file while the content is
another ("report.pdf" that is not a PDF) is refused. HTML, SVG, XML, scripts and programs are never accepted,
whatever they are called. Empty files and files over ``EVIDENCE_MAX_BYTES`` (20 MB by default) are refused.

*Storage*: under ``EVIDENCE_FOLDER`` (default ``instance/evidence/``, never under ``static/``) with a random
name and no extension; the original name is kept only to offer it on download. A new file is removed again
if the transaction that added it does not commit; a deleted (or erased) file is removed only once the
deletion has committed. Files are served only by the download view, which checks the viewer may see the
learner, sends them as attachments (images may be shown inline), with ``nosniff`` and a CSP that allows
nothing to run.
"""

from __future__ import annotations

import io
import os
import secrets
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Evidence, EvidenceComment, EvidenceKind, Goal, Learner, LogEntry, Role, User
from virtualacademy.services import audit, families
from virtualacademy.services.learning_log import may_write

TITLE_MAX = 200
COMMENT_MAX = 4000
URL_MAX = 2000
#: An image bigger than this (in pixels) is refused: it could exhaust memory when it is shown or printed.
MAX_IMAGE_PIXELS = 60_000_000


@dataclass(frozen=True)
class Format:
    content_type: str
    label: str
    #: File name endings that mean this format.
    extensions: tuple[str, ...]
    #: Formats in the same group may carry each other's name (a PNG called photo.jpg is still a photo).
    group: str


_FORMATS = [
    Format("application/pdf", "PDF", ("pdf",), "pdf"),
    Format("image/jpeg", "JPEG image", ("jpg", "jpeg", "jpe", "jfif"), "image"),
    Format("image/png", "PNG image", ("png",), "image"),
    Format("image/gif", "GIF image", ("gif",), "image"),
    Format("image/webp", "WebP image", ("webp",), "image"),
    Format("image/heic", "HEIC photo", ("heic", "heif"), "image"),
    Format("audio/mpeg", "MP3 audio", ("mp3",), "media"),
    Format("audio/wav", "WAV audio", ("wav",), "media"),
    Format("audio/ogg", "Ogg audio", ("ogg", "oga", "opus"), "media"),
    Format("audio/mp4", "M4A audio", ("m4a",), "media"),
    Format("video/mp4", "MP4 video", ("mp4", "m4v"), "media"),
    Format("video/quicktime", "QuickTime video", ("mov", "qt"), "media"),
    Format("video/webm", "WebM video", ("webm",), "media"),
    Format(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word document",
        ("docx",),
        "docx",
    ),
    Format("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel spreadsheet", ("xlsx",), "xlsx"),
    Format(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "PowerPoint presentation",
        ("pptx",),
        "pptx",
    ),
    Format("application/vnd.oasis.opendocument.text", "OpenDocument text", ("odt",), "odt"),
    Format("application/vnd.oasis.opendocument.spreadsheet", "OpenDocument spreadsheet", ("ods",), "ods"),
    Format("application/vnd.oasis.opendocument.presentation", "OpenDocument presentation", ("odp",), "odp"),
]
ACCEPTED: dict[str, Format] = {f.content_type: f for f in _FORMATS}
_BY_EXTENSION = {ext: f for f in _FORMATS for ext in f.extensions}
#: Shown inline in a page (an <img>); everything else is only ever downloaded.
INLINE_IMAGES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
ACCEPTED_DESCRIPTION = (
    "a PDF, a photo or image (JPEG, PNG, GIF, WebP, HEIC), audio (MP3, WAV, Ogg, M4A), video (MP4, MOV, WebM) "
    "or an office document (Word, Excel, PowerPoint or OpenDocument)"
)
#: Name endings refused outright, with the reason.
_REFUSED_EXTENSIONS = {
    **dict.fromkeys(("html", "htm", "xhtml", "shtml", "mht", "mhtml"), "web pages"),
    **dict.fromkeys(("svg", "svgz", "xml", "xsl"), "SVG and XML files"),
    **dict.fromkeys(
        ("js", "mjs", "vbs", "ps1", "sh", "bat", "cmd", "py", "php", "pl", "rb", "jar", "exe", "msi", "dll", "com"),
        "programs and scripts",
    ),
    **dict.fromkeys(("docm", "xlsm", "pptm", "dotm", "xltm", "potm"), "documents with macros"),
}

OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
_OOXML_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_ODF_TYPES = {
    b"application/vnd.oasis.opendocument.text",
    b"application/vnd.oasis.opendocument.spreadsheet",
    b"application/vnd.oasis.opendocument.presentation",
}


def max_bytes() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024))


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f} MB" if value >= 1 else f"{size // 1024} KB"


def size_label(size: int | None) -> str:
    """``1_300_000`` -> ``1.2 MB``; ``34_000`` -> ``34 KB``."""
    size = size or 0
    if size >= 1024 * 1024 // 10:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, -(-size // 1024))} KB"


def _extension(filename: str | None) -> str:
    name = (filename or "").strip().lower()
    return name.rsplit(".", 1)[-1] if "." in name else ""


# --- what a file really is --------------------------------------------------------------------------


_MARKUP = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body", b"<iframe", b"<!--")


def _looks_like_markup(data: bytes) -> bool:
    start = data[:2048].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    return start.startswith(b"<") and (any(start.startswith(m) for m in _MARKUP) or b"<script" in data[:4096].lower())


def _sniff(data: bytes) -> str | None:
    """The content type the bytes show, if it is one we accept (before deeper checks)."""
    head = data[:64]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return "audio/mpeg"  # an ID3 tag, or an MPEG audio layer III frame header
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1"):
            return "image/heic"
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        if brand == b"qt  ":
            return "video/quicktime"
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in data[:64]:
        return "video/webm"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def _office_type(data: bytes) -> str:
    """The office format of a ZIP package, or ValidationError. Only the small manifest is read, never extracted."""
    refused = ValidationError(
        "The file is a ZIP archive, not a Word, Excel, PowerPoint or OpenDocument file", field="file"
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            if "mimetype" in names:
                info = package.getinfo("mimetype")
                if info.file_size > 100:
                    raise refused
                kind = package.read("mimetype").strip()
                if kind in _ODF_TYPES and not any(n.lower().startswith("basic/") for n in names):
                    return kind.decode()
                raise refused
            if "[Content_Types].xml" not in names:
                raise refused
            info = package.getinfo("[Content_Types].xml")
            if info.file_size > 200_000:
                raise refused
            manifest = package.read("[Content_Types].xml").decode("utf-8", "replace")
            if "macroEnabled" in manifest or any(n.lower().endswith("vbaproject.bin") for n in names):
                raise ValidationError("Documents with macros are not accepted: save it without them", field="file")
            for main, kind in OOXML_MAIN.items():
                if main in manifest:
                    return _OOXML_TYPES[kind]
            raise refused
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, RuntimeError, OSError, ValueError):
        raise refused from None


def _check_image(data: bytes, content_type: str) -> None:
    """Pillow must open and verify it (so a PNG header on an HTML page, or a truncated file, is refused)."""
    from PIL import Image

    broken = ValidationError("The image could not be read: it may be damaged. Try saving it again", field="file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ValidationError("The image is too large: make it smaller than 60 megapixels", field="file")
                image.verify()
    except ValidationError:
        raise
    except Exception:  # any decoder failure (or a decompression bomb) means we cannot trust it
        raise broken from None


def check_file(filename: str | None, data: bytes) -> Format:
    """What an uploaded file is, judged by its content. Raises ValidationError with a message for the form."""
    limit = max_bytes()
    if not data:
        raise ValidationError("The selected file is empty", field="file")
    if len(data) > limit:
        raise ValidationError(f"The selected file must be smaller than {_megabytes(limit)}", field="file")
    ext = _extension(filename)
    if ext in _REFUSED_EXTENSIONS:
        raise ValidationError(f"The file cannot be accepted: {_REFUSED_EXTENSIONS[ext]} are not allowed", field="file")
    if _looks_like_markup(data):
        raise ValidationError(
            "The file is a web page, SVG or script, which cannot be accepted"
            + (f", even though its name ends in .{ext}" if ext else ""),
            field="file",
        )
    claimed = _BY_EXTENSION.get(ext)
    sniffed = _sniff(data)
    if sniffed == "zip":
        sniffed = _office_type(data)
    if sniffed is None:
        if claimed is not None:
            raise ValidationError(
                f"The file is called {_short(filename)} but it is not really a {claimed.label}: "
                "its content is something else. Save or export it again and upload that",
                field="file",
            )
        if data[:2] == b"MZ" or data[:4] == b"\x7fELF" or data[:2] == b"#!":
            raise ValidationError("The file cannot be accepted: programs and scripts are not allowed", field="file")
        raise ValidationError(f"The file must be {ACCEPTED_DESCRIPTION}", field="file")
    found = ACCEPTED[sniffed]
    if claimed is not None and claimed.group != found.group:
        raise ValidationError(
            f"The file is called {_short(filename)} but it is not really a {claimed.label}: it is a {found.label}. "
            "Rename it or export it again",
            field="file",
        )
    if sniffed == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError("The PDF is incomplete or damaged. Save it again and upload that", field="file")
        if b"/JavaScript" in data or b"/JS " in data or b"/JS(" in data or b"/Launch" in data:
            raise ValidationError("PDFs with scripts or actions in them are not accepted", field="file")
    if sniffed in INLINE_IMAGES:
        _check_image(data, sniffed)
    return found


def _short(filename: str | None) -> str:
    name = clean_filename(filename)
    return name if len(name) <= 60 else name[:28] + "…" + name[-28:]


def clean_filename(filename: str | None) -> str:
    """The last part of the name a browser sent, without control characters; kept only for downloads."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|').strip().strip(".")
    return name[:255] or "evidence"


def check_url(url: str | None) -> str:
    value = (url or "").strip()
    refused = ValidationError("Enter a web address starting with https:// or http://", field="url")
    if not value:
        raise ValidationError("Enter the web address of the evidence", field="url")
    if len(value) > URL_MAX:
        raise ValidationError(f"The web address must be {URL_MAX} characters or fewer", field="url")
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise refused
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "." not in parts.hostname:
        raise refused
    if parts.username or parts.password:
        raise ValidationError("The web address must not include a user name or password", field="url")
    return value


# --- storage -------------------------------------------------------------------------------------------


def folder() -> Path:
    configured = current_app.config.get("EVIDENCE_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "evidence"


def path_of(evidence: Evidence) -> Path | None:
    """The stored file, if this is a file and its random name is well formed."""
    name = evidence.stored_name or ""
    if evidence.kind is not EvidenceKind.FILE or len(name) != 32 or not all(c in "0123456789abcdef" for c in name):
        return None
    return folder() / name


def _files(session: Session) -> dict[str, list[Path]]:
    return session.info.setdefault("evidence_files", {"new": [], "gone": []})


def _write(data: bytes) -> str:
    target = folder()
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = secrets.token_hex(16)
    fd = os.open(target / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    _files(db.session())["new"].append(target / name)
    return name


def remove_after_commit(evidence: Evidence) -> None:
    """Delete the stored file once (and only if) the current transaction commits."""
    path = path_of(evidence)
    if path is not None:
        delete_after_commit(path)


def delete_after_commit(path: Path) -> None:
    """Delete any stored file once (and only if) the current transaction commits (other modules use it too:
    spend requests' invoices)."""
    _files(db.session())["gone"].append(path)


def delete_unless_committed(path: Path) -> None:
    """A file just written for the current transaction: deleted if the transaction does not commit."""
    _files(db.session())["new"].append(path)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    files = session.info.pop("evidence_files", None)
    if files:
        for path in files["gone"]:
            path.unlink(missing_ok=True)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint; the outer transaction decides
    files = session.info.pop("evidence_files", None)
    if files:  # still here: the transaction did not commit, so the files it added go
        for path in files["new"]:
            path.unlink(missing_ok=True)


# --- who may do what --------------------------------------------------------------------------------


def may_showcase(user: User, learner: Learner) -> bool:
    """The learner chooses their showcase (their parents and carers may do it for them)."""
    return (
        user.has_role(Role.ADMIN)
        or (learner.user_id is not None and learner.user_id == user.id)
        or families.is_guardian_of(user, learner)
    )


def _require_write(actor: User, learner: Learner) -> None:
    if not may_write(actor, learner):
        raise NotAllowed("Only the learner, their parents or carers and their mentor can change the portfolio")


# --- evidence --------------------------------------------------------------------------------------------


def _check_title(title: str | None) -> str:
    value = (title or "").strip()
    if not value:
        raise ValidationError("Enter a title for the evidence", field="title")
    if len(value) > TITLE_MAX:
        raise ValidationError(f"The title must be {TITLE_MAX} characters or fewer", field="title")
    return value


def _attachments(learner: Learner, goal_id: int | None, log_entry_id: int | None) -> tuple[int | None, int | None]:
    if goal_id:
        goal = db.session.get(Goal, goal_id)
        if goal is None or goal.plan.learner_id != learner.id:
            raise ValidationError("Choose one of the learner's goals", field="goal_id")
    if log_entry_id:
        entry = db.session.get(LogEntry, log_entry_id)
        if entry is None or entry.learner_id != learner.id:
            raise ValidationError("Choose one of the learner's log entries", field="log_entry_id")
    return goal_id or None, log_entry_id or None


def add_file(
    actor: User,
    learner: Learner,
    *,
    title: str | None,
    filename: str | None,
    data: bytes,
    goal_id: int | None = None,
    log_entry_id: int | None = None,
    is_draft: bool = False,
) -> Evidence:
    """Check and store a file as evidence. Raises ValidationError (nothing written) if it is not acceptable."""
    _require_write(actor, learner)
    clean_title = _check_title(title)
    goal_id, log_entry_id = _attachments(learner, goal_id, log_entry_id)
    kind = check_file(filename, data)
    evidence = Evidence(
        learner_id=learner.id,
        goal_id=goal_id,
        log_entry_id=log_entry_id,
        kind=EvidenceKind.FILE,
        title=clean_title,
        stored_name=_write(data),
        original_name=clean_filename(filename),
        content_type=kind.content_type,
        size_bytes=len(data),
        is_draft=is_draft,
        created_by_id=actor.id,
    )
    db.session.add(evidence)
    db.session.flush()
    return evidence


def add_link(
    actor: User,
    learner: Learner,
    *,
    title: str | None,
    url: str | None,
    goal_id: int | None = None,
    log_entry_id: int | None = None,
    is_draft: bool = False,
) -> Evidence:
    _require_write(actor, learner)
    clean_title = _check_title(title)
    goal_id, log_entry_id = _attachments(learner, goal_id, log_entry_id)
    evidence = Evidence(
        learner_id=learner.id,
        goal_id=goal_id,
        log_entry_id=log_entry_id,
        kind=EvidenceKind.LINK,
        title=clean_title,
        url=check_url(url),
        is_draft=is_draft,
        created_by_id=actor.id,
    )
    db.session.add(evidence)
    db.session.flush()
    return evidence


def update(actor: User, evidence: Evidence, *, title: str | None, is_draft: bool) -> None:
    _require_write(actor, evidence.learner)
    evidence.title = _check_title(title)
    evidence.is_draft = is_draft
    if is_draft:
        evidence.in_showcase = False  # a draft is not ready to show
    db.session.flush()


def set_showcase(actor: User, evidence: Evidence, in_showcase: bool) -> None:
    if not may_showcase(actor, evidence.learner):
        raise NotAllowed("Only the learner, or their parents or carers, choose what is in the showcase")
    if in_showcase and evidence.is_draft:
        raise ValidationError("This is still a draft: mark it as finished before adding it to the showcase")
    evidence.in_showcase = in_showcase
    db.session.flush()


def add_comment(actor: User, evidence: Evidence, body: str | None) -> EvidenceComment:
    _require_write(actor, evidence.learner)
    text = (body or "").strip()
    if not text:
        raise ValidationError("Enter a comment", field="body")
    if len(text) > COMMENT_MAX:
        raise ValidationError(f"A comment must be {COMMENT_MAX} characters or fewer", field="body")
    comment = EvidenceComment(evidence_id=evidence.id, author_id=actor.id, body=text)
    db.session.add(comment)
    db.session.flush()
    return comment


def delete(actor: User, evidence: Evidence) -> None:
    """Delete the evidence (and its stored file, once this commits)."""
    _require_write(actor, evidence.learner)
    audit.record(
        "learning.evidence_deleted",
        actor=actor,
        obj=evidence,
        detail={"learner": evidence.learner_id, "kind": evidence.kind.value, "size_bytes": evidence.size_bytes},
    )
    remove_after_commit(evidence)
    db.session.delete(evidence)
    db.session.flush()


def portfolio(learner: Learner, *, showcase_only: bool = False) -> list[Evidence]:
    stmt = select(Evidence).where(Evidence.learner_id == learner.id)
    if showcase_only:
        stmt = stmt.where(Evidence.in_showcase.is_(True))
    return list(db.session.scalars(stmt.order_by(Evidence.created_at.desc(), Evidence.id.desc())))


def read_bytes(evidence: Evidence) -> bytes | None:
    path = path_of(evidence)
    if path is None or not path.is_file():
        return None
    return path.read_bytes()
