"""Invoices and receipts: checked by content by the product's one file checker, stored outside ``static/``,
and an invoice held while the rest of the form is put right."""

from __future__ import annotations

import os
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app

from virtualacademy import clock, uploads
from virtualacademy.errors import ValidationError
from virtualacademy.models import SpendRequest
from virtualacademy.services.spending.common import DOCUMENTS_FOLDER

# --- invoices and receipts: checked by content ------------------------------------------------------


PDF, JPEG, PNG, DOCX, XLSX = uploads.PDF, uploads.JPEG, uploads.PNG, uploads.DOCX, uploads.XLSX
DocumentType = uploads.Format
DOCUMENT_TYPES = (PDF, JPEG, PNG, DOCX, XLSX)
ACCEPTED_TYPES = "a PDF, JPG, PNG, Word (.docx) or Excel (.xlsx) file"
#: Invoices and receipts, checked by the product's one file checker; a refused file gets the GOV.UK pattern's one
#: plain message saying what is accepted.
POLICY = uploads.Policy(
    formats=DOCUMENT_TYPES,
    max_bytes_setting="SPEND_DOCUMENT_MAX_BYTES",
    field="document",
    refusal=f"The selected file must be {ACCEPTED_TYPES}",
    explain=False,
)
_STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(?:pdf|jpg|png|docx|xlsx)$")


def max_document_bytes() -> int:
    return POLICY.max_bytes()


def check_document(data: bytes | None, filename: str | None = None) -> DocumentType:
    """The type of an uploaded invoice or receipt (:func:`uploads.check`); refuses an empty, oversized or
    unaccepted file, and one whose name says another kind of file."""
    if data is None:
        raise ValidationError("Select the invoice or receipt", field="document")
    return uploads.check(POLICY, filename, data)


def _display_name(filename: str | None, kind: DocumentType) -> str:
    """The uploaded name without any folder or control characters, ending in the extension of its real type."""
    return uploads.display_name(filename, kind, default="document")


def documents_folder() -> Path:
    return Path(current_app.instance_path) / DOCUMENTS_FOLDER


uploads.register_folder(documents_folder)


def _store(data: bytes, kind: DocumentType) -> str:
    return uploads.write(documents_folder(), data, suffix=f".{kind.extension}")


def remove_document_after_commit(request: SpendRequest) -> None:
    """Delete the request's stored invoice once (and only if) the current transaction commits."""
    path = document_file(request)
    if path is not None:
        uploads.delete_after_commit(path)


def document_file(request: SpendRequest) -> Path | None:
    """The stored invoice or receipt of ``request`` (None if it has none, or the file is missing)."""
    name = request.document_path
    if not name or not _STORED_NAME.match(name):
        return None
    path = uploads.stored_path(documents_folder(), name)
    return path if path.is_file() else None


# --- an invoice held while the rest of the form is put right ------------------------------------------------

#: A held invoice not used within this long is deleted by the ``spend-drafts`` job.
HELD_HOURS = 24


def _held_folder() -> Path:
    return documents_folder() / "held"


def hold_document(data: bytes) -> str:
    """Keep an invoice that passed its checks while other answers on the form did not, so the family need not
    choose the file again. Returns a random token (the caller keeps it with the file's name, e.g. in the
    session); nothing is written to the database."""
    check_document(data)
    folder = _held_folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    fd = os.open(folder / token, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    held_at = clock.now().timestamp()  # its age is read on the one clock
    os.utime(folder / token, (held_at, held_at))
    return token


def held_document(token: str | None) -> bytes | None:
    """The held invoice's bytes, or None if there is none (used, expired, or a token that is not one)."""
    if not token or not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    try:
        return (_held_folder() / token).read_bytes()
    except OSError:
        return None


def release_document(token: str | None) -> None:
    if token and re.fullmatch(r"[0-9a-f]{32}", token):
        (_held_folder() / token).unlink(missing_ok=True)


def discard_old_held_documents(now: datetime | None = None) -> int:
    folder = _held_folder()
    if not folder.is_dir():
        return 0
    cutoff = ((now or clock.now()) - timedelta(hours=HELD_HOURS)).timestamp()
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
