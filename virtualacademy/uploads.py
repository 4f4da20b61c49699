"""The one file checker and store for every upload in the product (portfolio evidence, invoices and receipts).

**What a file is comes from its content, never its name** (:func:`check`). The first bytes must be those of a
format the form accepts (:class:`Policy`), and then:

* *web pages, SVG, XML and scripts* are refused wherever they are found: a file that starts as one, and a file that
  is something else too (a PDF or image with a web page inside it: a polyglot);
* *images* must open as images (Pillow reads and verifies them), no larger than 60 megapixels;
* *PDFs* must be complete (``%%EOF`` in their last 1024 bytes) and carry no scripts or actions: no ``/JavaScript``,
  ``/JS``, ``/Launch``, ``/SubmitForm``, ``/ImportData`` or ``/RichMedia`` name, however it is written (``#4A``
  escapes are decoded), in the file itself or in its compressed object streams (unpacked with zlib; a PDF whose
  object streams cannot be unpacked cannot be checked, so it is refused);
* *Office documents* must be the ZIP packages Word, Excel, PowerPoint or OpenDocument write, without macros, whose
  parts do not claim to unpack to far more than the file's size (a ZIP bomb), with at most 10,000 parts;
* *programs* are refused.

**Names.** The name a browser sends is only kept to offer the file back. It must not say a different kind of file
from the content (``report.pdf`` that is a JPEG is refused: rename or export it again); its extension must be
plain ASCII (``page.ｈｔｍｌ`` in full-width letters is refused, and read as ``.html`` for the refused list); control
and bidirectional characters are removed; and extensions of web pages, scripts, programs and macro documents are
refused outright.

**Serving** (:func:`file_response`): always as a download (``Content-Disposition: attachment``) with a plain ASCII
file name, the type the checker found, ``nosniff``, ``Cache-Control: private, no-store`` and a Content-Security-
Policy that allows nothing (``default-src 'none'; sandbox``). Only raster images (JPEG, PNG, GIF, WebP) may be
sent ``inline``, for the page's own preview in an ``<img>``: they were verified as images, cannot hold script
(SVG is never accepted), and the browser is told not to sniff them and to sandbox them if opened on their own.
A PDF is never sent inline: a browser's PDF viewer runs scripts of its own.

**Storing** (:func:`write`): under a random name in a folder outside ``static/``, created with mode 0600. The file
is written under a temporary name (``<name>.part``) and moved into place (an atomic rename in the same folder) as
the transaction that records it commits, so a record never points at a half-written file; it is removed again if
that transaction does not commit (:func:`delete_unless_committed`), and a file whose record is deleted is removed
only once that deletion commits (:func:`delete_after_commit`). A ``.part`` file left by a process that died
mid-request is deleted by the ``uploads-sweep`` job (:func:`sweep_partial`) once it is a day old.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import Response, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from virtualacademy import clock
from virtualacademy.errors import ValidationError
from virtualacademy.inputs import clean_text

# --- formats -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    content_type: str
    label: str
    #: File name endings that mean this format (the first is the one given to a stored or downloaded file).
    extensions: tuple[str, ...]
    #: Formats in the same group may carry each other's name (a PNG called photo.jpg is still a photo).
    group: str

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = Format("application/pdf", "PDF", ("pdf",), "pdf")
JPEG = Format("image/jpeg", "JPEG image", ("jpg", "jpeg", "jpe", "jfif"), "image")
PNG = Format("image/png", "PNG image", ("png",), "image")
GIF = Format("image/gif", "GIF image", ("gif",), "image")
WEBP = Format("image/webp", "WebP image", ("webp",), "image")
HEIC = Format("image/heic", "HEIC photo", ("heic", "heif"), "image")
MP3 = Format("audio/mpeg", "MP3 audio", ("mp3",), "media")
WAV = Format("audio/wav", "WAV audio", ("wav",), "media")
OGG = Format("audio/ogg", "Ogg audio", ("ogg", "oga", "opus"), "media")
M4A = Format("audio/mp4", "M4A audio", ("m4a",), "media")
MP4 = Format("video/mp4", "MP4 video", ("mp4", "m4v"), "media")
MOV = Format("video/quicktime", "QuickTime video", ("mov", "qt"), "media")
WEBM = Format("video/webm", "WebM video", ("webm",), "media")
DOCX = Format(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document", ("docx",), "docx"
)
XLSX = Format(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel spreadsheet", ("xlsx",), "xlsx"
)
PPTX = Format(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "PowerPoint presentation",
    ("pptx",),
    "pptx",
)
ODT = Format("application/vnd.oasis.opendocument.text", "OpenDocument text", ("odt",), "odt")
ODS = Format("application/vnd.oasis.opendocument.spreadsheet", "OpenDocument spreadsheet", ("ods",), "ods")
ODP = Format("application/vnd.oasis.opendocument.presentation", "OpenDocument presentation", ("odp",), "odp")

FORMATS: dict[str, Format] = {
    f.content_type: f
    for f in (PDF, JPEG, PNG, GIF, WEBP, HEIC, MP3, WAV, OGG, M4A, MP4, MOV, WEBM, DOCX, XLSX, PPTX, ODT, ODS, ODP)
}
_BY_EXTENSION = {ext: f for f in FORMATS.values() for ext in f.extensions}
#: Raster images, verified by Pillow: the only files ever sent inline (for a page's own ``<img>`` preview).
INLINE_IMAGES = frozenset({JPEG.content_type, PNG.content_type, GIF.content_type, WEBP.content_type})
#: An image bigger than this (in pixels) is refused: it could exhaust memory when it is shown or printed.
MAX_IMAGE_PIXELS = 60_000_000
#: A ZIP package whose parts claim to unpack to more than this many times its size (once that is over
#: :data:`ZIP_SMALL_ENOUGH`), or to more than :data:`ZIP_MAX_UNPACKED` at all, is refused as a ZIP bomb.
ZIP_MAX_RATIO = 100
ZIP_SMALL_ENOUGH = 10 * 1024 * 1024
ZIP_MAX_UNPACKED = 512 * 1024 * 1024
ZIP_MAX_PARTS = 10_000
#: The most the compressed object streams of one PDF may unpack to while it is checked.
PDF_MAX_UNPACKED = 128 * 1024 * 1024

#: Name endings refused outright, with the reason.
REFUSED_EXTENSIONS = {
    **dict.fromkeys(("html", "htm", "xhtml", "shtml", "mht", "mhtml"), "web pages"),
    **dict.fromkeys(("svg", "svgz", "xml", "xsl"), "SVG and XML files"),
    **dict.fromkeys(
        ("js", "mjs", "vbs", "ps1", "sh", "bat", "cmd", "py", "php", "pl", "rb", "jar", "exe", "msi", "dll", "com"),
        "programs and scripts",
    ),
    **dict.fromkeys(("docm", "xlsm", "pptm", "dotm", "xltm", "potm"), "documents with macros"),
}


@dataclass(frozen=True)
class Policy:
    """What one form accepts."""

    formats: tuple[Format, ...]
    #: The config setting with the largest size in bytes.
    max_bytes_setting: str
    #: The form field that errors are shown on.
    field: str
    #: The message for a file that is not one of :attr:`formats` ("The selected file must be ...").
    refusal: str
    #: Whether a refusal says what is wrong with the file (the portfolio, where people upload all sorts), or
    #: gives the one plain :attr:`refusal` for any content that is not accepted (the invoice form, in the GOV.UK
    #: pattern's words). Empty and oversized files, and names that say another kind of file, are always explained.
    explain: bool = True

    def max_bytes(self) -> int:
        return int(current_app.config[self.max_bytes_setting])

    def accepts(self, fmt: Format) -> bool:
        return fmt in self.formats


class _Refused(Exception):
    """A content refusal; its message is shown when the policy explains, else the policy's plain refusal."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def megabytes(size: int) -> str:
    """A size limit for a message: ``20 MB``, or ``512 KB`` below a megabyte."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{max(1, round(size / 1024))} KB"


# --- names -------------------------------------------------------------------------------------------------------


def _last_part(filename: str | None) -> str:
    """The last part of the name a browser sent, without control or bidirectional characters."""
    name = re.split(r"[\\/]", clean_text(filename or ""))[-1]
    return name.strip()


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _check_name(filename: str | None) -> Format | None:
    """Refuses names that are never accepted; returns the format the name claims, if any."""
    name = _last_part(filename)
    ext = _extension(name)
    plain = unicodedata.normalize("NFKC", ext).lower()
    if plain in REFUSED_EXTENSIONS:
        raise _Refused(f"The file cannot be accepted: {REFUSED_EXTENSIONS[plain]} are not allowed")
    if ext and not (ext.isascii() and ext.isalnum()):
        raise _Refused("The file's name must end in a plain extension, like .pdf or .jpg: rename it and try again")
    return _BY_EXTENSION.get(ext)


def _short(filename: str | None) -> str:
    name = display_name(filename)
    return name if len(name) <= 60 else name[:28] + "…" + name[-28:]


def display_name(filename: str | None, fmt: Format | None = None, default: str = "file") -> str:
    """The name to show and offer for a file: the last part of what the browser sent, without control or
    bidirectional characters, at most 200 characters. With ``fmt``, it ends in that format's own extension
    (``Maths invoice.PDF`` -> ``Maths invoice.pdf``, ``receipt.jpeg`` -> ``receipt.jpg``, ``scan`` ->
    ``scan.pdf``)."""
    name = "".join(ch for ch in _last_part(filename) if ch not in '"<>|*?:').strip().strip(".")
    if fmt is None:
        return name[:200] or default
    stem, dot, ext = name.rpartition(".")
    if not dot or ext.lower() not in _BY_EXTENSION:
        stem = name
    return f"{stem.strip()[:190] or default}.{fmt.extension}"


def download_name(name: str | None, fmt: Format | None = None) -> str:
    """A plain ASCII file name for ``Content-Disposition`` (letters, digits, spaces, ``. _ - ( )``), ending in the
    format's extension: ``Théo’s «poster».png`` -> ``Theos poster.png``."""
    text = unicodedata.normalize("NFKD", display_name(name, fmt))
    ascii_only = text.encode("ascii", "ignore").decode()
    safe = re.sub(r"[^A-Za-z0-9 ._()-]", "", ascii_only)
    safe = re.sub(r"\s+", " ", safe).strip(" .")
    stem, dot, ext = safe.rpartition(".")
    if fmt is not None and (not dot or not stem.strip()):
        safe = f"file.{fmt.extension}"
    return safe[:150] or (f"file.{fmt.extension}" if fmt else "file")


# --- content -----------------------------------------------------------------------------------------------------

_MARKUP_START = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body", b"<iframe", b"<!--")
#: A web page or script anywhere in a file (a polyglot): tags that have no business in a PDF, image or document.
_MARKUP_ANYWHERE = re.compile(
    rb"<(?:html|head|body|script|iframe|svg|object|embed|!doctype\s+html)[\s>/]", re.IGNORECASE
)


def _starts_as_markup(data: bytes) -> bool:
    start = data[:2048].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    return start.startswith(b"<") and any(start.startswith(m) for m in _MARKUP_START)


def _sniff(data: bytes) -> Format | str | None:
    """The format the first bytes show (``"zip"`` for a ZIP package, checked further), or None."""
    head = data[:64]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return MP3  # an ID3 tag, or an MPEG audio layer III frame header
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1"):
            return HEIC
        if brand in (b"M4A ", b"M4B "):
            return M4A
        if brand == b"qt  ":
            return MOV
        return MP4
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in data[:64]:
        return WEBM
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
_ODF = {ODT.content_type.encode(): ODT, ODS.content_type.encode(): ODS, ODP.content_type.encode(): ODP}


def _office(data: bytes) -> Format:
    """The office format of a ZIP package. Only its directory and small manifest are read, never its parts."""
    refused = _Refused("The file is a ZIP archive, not a Word, Excel, PowerPoint or OpenDocument file")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
            if len(parts) > ZIP_MAX_PARTS:
                raise _Refused("The document has too many parts to be checked")
            unpacked = sum(p.file_size for p in parts)
            if unpacked > ZIP_MAX_UNPACKED or (unpacked > ZIP_SMALL_ENOUGH and unpacked > ZIP_MAX_RATIO * len(data)):
                raise _Refused("The document unpacks to far more than its size, so it cannot be accepted")
            names = {p.filename for p in parts}
            if "mimetype" in names:
                if package.getinfo("mimetype").file_size > 100:
                    raise refused
                kind = _ODF.get(package.read("mimetype").strip())
                if kind is None or any(n.lower().startswith("basic/") for n in names):
                    raise refused
                return kind
            if "[Content_Types].xml" not in names or package.getinfo("[Content_Types].xml").file_size > 200_000:
                raise refused
            manifest = package.read("[Content_Types].xml").decode("utf-8", "replace")
            if "macroEnabled" in manifest or any(n.lower().endswith("vbaproject.bin") for n in names):
                raise _Refused("Documents with macros are not accepted: save it without them")
            for main, kind in _OOXML_MAIN.items():
                if main in manifest:
                    return kind
            raise refused
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, RuntimeError, OSError, ValueError, EOFError):
        raise refused from None


def _check_image(data: bytes) -> None:
    """Pillow must open and verify it (so a PNG header on an HTML page, or a truncated file, is refused)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _Refused("The image is too large: make it smaller than 60 megapixels")
                image.verify()
    except _Refused:
        raise
    except Exception:  # any decoder failure (or a decompression bomb) means we cannot trust it
        raise _Refused("The image could not be read: it may be damaged. Try saving it again") from None


# --- PDF ----------------------------------------------------------------------------------------------------------

#: Names that start scripts or actions. Looked for everywhere, even inside streams: long enough never to occur by
#: chance in compressed data.
_PDF_ACTIONS = frozenset({b"JavaScript", b"Launch", b"SubmitForm", b"ImportData", b"RichMedia"})
#: Short names of the same kind: looked for only where a dictionary can be (outside streams, and in unpacked object
#: streams), since three bytes occur by chance in compressed pictures.
_PDF_SHORT_ACTIONS = frozenset({b"JS"})
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n")


def _pdf_names(data: bytes) -> set[bytes]:
    """Every name in ``data``, with ``#xx`` escapes decoded (``/#4A#53`` is ``/JS``)."""
    return {_PDF_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), raw) for raw in _PDF_NAME.findall(data)}


def _pdf_parts(data: bytes) -> tuple[list[bytes], list[bytes]]:
    """The file split into what lies outside streams, and the unpacked object streams: any stream with the name
    ``ObjStm`` between it and the stream before it (where its dictionary is)."""
    outside: list[bytes] = []
    objects: list[bytes] = []
    budget = PDF_MAX_UNPACKED
    position = 0
    for match in _PDF_STREAM.finditer(data):
        start = match.start()
        if start < position or data[max(0, start - 3) : start] == b"end":
            continue
        end = data.find(b"endstream", match.end())
        if end < 0:
            break
        header = data[position : match.end()]
        outside.append(header)
        if b"ObjStm" in _pdf_names(header):
            unpacked = _inflate(data[match.end() : end], budget)
            budget -= len(unpacked)
            objects.append(unpacked)
        position = end
    outside.append(data[position:])
    return outside, objects


def _inflate(stream: bytes, budget: int) -> bytes:
    try:
        inflater = zlib.decompressobj()
        unpacked = inflater.decompress(stream, budget + 1)
    except zlib.error:
        raise _Refused(
            "The PDF could not be checked: it may be encrypted or damaged. Save or print it to a new PDF and "
            "upload that"
        ) from None
    if len(unpacked) > budget or inflater.unconsumed_tail:
        raise _Refused("The PDF unpacks to far more than its size, so it cannot be accepted")
    return unpacked


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-1024:]:
        raise _Refused("The PDF is incomplete or damaged. Save it again and upload that")
    scripts = _Refused("PDFs with scripts or actions in them are not accepted")
    if _pdf_names(data) & _PDF_ACTIONS:
        raise scripts
    outside, objects = _pdf_parts(data)
    for part in [*outside, *objects]:
        if _pdf_names(part) & (_PDF_ACTIONS | _PDF_SHORT_ACTIONS):
            raise scripts


# --- the checker -------------------------------------------------------------------------------------------------


def check(policy: Policy, filename: str | None, data: bytes | None) -> Format:
    """What an uploaded file is, judged by its content, if ``policy`` accepts it; otherwise ValidationError with a
    message for the form's field."""
    if not data:
        raise ValidationError("The selected file is empty", field=policy.field)
    limit = policy.max_bytes()
    if len(data) > limit:
        raise ValidationError(f"The selected file must be smaller than {megabytes(limit)}", field=policy.field)
    try:
        claimed = _check_name(filename)
        found = _content(policy, filename, data, claimed)
    except _Refused as refused:
        raise ValidationError(refused.message if policy.explain else policy.refusal, field=policy.field) from None
    if claimed is not None and claimed.group != found.group:
        raise ValidationError(
            f"The file is called {_short(filename)} but it is not really a {claimed.label}: it is a {found.label}. "
            "Rename it or export it again",
            field=policy.field,
        )
    return found


def _content(policy: Policy, filename: str | None, data: bytes, claimed: Format | None) -> Format:
    ext = _extension(_last_part(filename))
    if _starts_as_markup(data):
        raise _Refused(
            "The file is a web page, SVG or script, which cannot be accepted"
            + (f", even though its name ends in .{ext}" if ext else "")
        )
    sniffed = _sniff(data)
    if sniffed == "zip":
        sniffed = _office(data)
    if sniffed is None:
        if claimed is not None:
            raise _Refused(
                f"The file is called {_short(filename)} but it is not really a {claimed.label}: "
                "its content is something else. Save or export it again and upload that"
            )
        if data[:2] == b"MZ" or data[:4] == b"\x7fELF" or data[:2] == b"#!":
            raise _Refused("The file cannot be accepted: programs and scripts are not allowed")
        raise _Refused(policy.refusal)
    if not policy.accepts(sniffed):
        raise _Refused(policy.refusal)
    if sniffed is PDF:
        _check_pdf(data)
    if sniffed.content_type in INLINE_IMAGES:
        _check_image(data)
    if _MARKUP_ANYWHERE.search(data):
        raise _Refused(f"The file is a {sniffed.label} with a web page or script inside it, which cannot be accepted")
    return sniffed


# --- serving -----------------------------------------------------------------------------------------------------

#: Nothing in a served file may run, load anything, or be framed.
FILE_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox; frame-ancestors 'none'"


def file_response(data: bytes, content_type: str | None, name: str | None, *, inline: bool = False) -> Response:
    """A stored file as a response: a download with a plain ASCII name, unless ``inline`` is asked for a raster
    image (the page's own preview). The type is the one the checker found; anything else is sent as bytes."""
    fmt = FORMATS.get(content_type or "")
    inline = inline and fmt is not None and fmt.content_type in INLINE_IMAGES
    response = Response(data, mimetype=fmt.content_type if fmt else "application/octet-stream")
    response.headers.set("Content-Disposition", "inline" if inline else "attachment", filename=download_name(name, fmt))
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- storing -----------------------------------------------------------------------------------------------------


PARTIAL_SUFFIX = ".part"


def write(folder: Path, data: bytes, *, suffix: str = "") -> str:
    """Write ``data`` under a new random name in ``folder`` (mode 0600): first as ``<name>.part``, moved into
    place when the current transaction commits and removed unless it does. Returns the name."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = secrets.token_hex(16) + suffix
    partial = folder / (name + PARTIAL_SUFFIX)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    session = _session()
    session.connection()  # the transaction that will record the file has begun, so its end is seen
    files = _files(session)
    files["partial"].append((partial, folder / name))
    files["new"].append(folder / name)
    return name


def stored_path(folder: Path, name: str) -> Path:
    """Where a stored file is: in place once committed, or still under its temporary name inside the transaction
    that wrote it."""
    path = folder / name
    if not path.exists():
        partial = folder / (name + PARTIAL_SUFFIX)
        if partial.exists():
            return partial
    return path


#: Functions giving the folders files are stored in (each module that stores uploads registers its own).
FOLDERS: list = []


def register_folder(folder_of) -> None:
    """Register ``folder_of()`` (called in the app context) as a folder of stored uploads, for the sweep."""
    if folder_of not in FOLDERS:
        FOLDERS.append(folder_of)


def sweep_partial(now: datetime | None = None, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete ``.part`` files older than ``older_than`` in every registered folder: left by a process that died
    before its transaction ended. Returns how many went."""
    cutoff = ((now or clock.now()) - older_than).timestamp()
    gone = 0
    for folder_of in FOLDERS:
        folder = folder_of()
        if not folder.is_dir():
            continue
        for path in folder.glob("*" + PARTIAL_SUFFIX):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                gone += 1
    return gone


def _files(session: Session) -> dict[str, list[Path]]:
    return session.info.setdefault("upload_files", {"new": [], "gone": [], "partial": []})


def _session() -> Session:
    from virtualacademy.extensions import db

    return db.session()


def delete_after_commit(path: Path) -> None:
    """Delete a stored file once (and only if) the current transaction commits."""
    _files(_session())["gone"].append(path)


def delete_unless_committed(path: Path) -> None:
    """A file just written for the current transaction: deleted if the transaction does not commit."""
    _files(_session())["new"].append(path)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    files = session.info.get("upload_files")
    if files:  # move each new file into place just before the commit that records it
        while files["partial"]:
            partial, final = files["partial"].pop()
            os.replace(partial, final)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    files = session.info.pop("upload_files", None)
    if files:
        for path in files["gone"]:
            path.unlink(missing_ok=True)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint; the outer transaction decides
    files = session.info.pop("upload_files", None)
    if files:  # still here: the transaction did not commit, so the files it added go
        for path in files["new"]:
            path.unlink(missing_ok=True)
        for partial, _final in files["partial"]:
            partial.unlink(missing_ok=True)
