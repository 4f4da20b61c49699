"""Portfolio evidence: files and links attached to a goal, a log entry or the learner generally; drafts and
critique; the learner's showcase.

*Files are checked by what they contain, not by their name*, by the product's one checker
(:mod:`virtualacademy.uploads`, with :data:`POLICY`): any of its formats (:data:`ACCEPTED`) is accepted, and a
refusal says what is wrong with the file. Empty files and files over ``EVIDENCE_MAX_BYTES`` (20 MB by default)
are refused.

*Storage*: under ``EVIDENCE_FOLDER`` (default ``instance/evidence/``, never under ``static/``) with a random
name and no extension (:func:`uploads.write`); the original name is kept only to offer it on download. A new
file is removed again if the transaction that added it does not commit; a deleted (or erased) file is removed
only once the deletion has committed. Files are served only by the download view, which checks the viewer may
see the learner and sends them with :func:`uploads.file_response` (a download; a raster image may be shown
inline for the page's preview).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from virtualacademy import uploads
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Evidence, EvidenceComment, EvidenceKind, Goal, Learner, LogEntry, User
from virtualacademy.policies.relations import FAMILY, Relation, is_related
from virtualacademy.services import audit
from virtualacademy.services.learning_log import may_write

TITLE_MAX = 200
COMMENT_MAX = 4000
URL_MAX = 2000

Format = uploads.Format
ACCEPTED: dict[str, Format] = dict(uploads.FORMATS)
#: Shown inline in a page (an <img>); everything else is only ever downloaded.
INLINE_IMAGES = uploads.INLINE_IMAGES
ACCEPTED_DESCRIPTION = (
    "a PDF, a photo or image (JPEG, PNG, GIF, WebP, HEIC), audio (MP3, WAV, Ogg, M4A), video (MP4, MOV, WebM) "
    "or an office document (Word, Excel, PowerPoint or OpenDocument)"
)
POLICY = uploads.Policy(
    formats=tuple(ACCEPTED.values()),
    max_bytes_setting="EVIDENCE_MAX_BYTES",
    field="file",
    refusal=f"The file must be {ACCEPTED_DESCRIPTION}",
)


def max_bytes() -> int:
    return POLICY.max_bytes()


def size_label(size: int | None) -> str:
    """``1_300_000`` -> ``1.2 MB``; ``34_000`` -> ``34 KB``."""
    size = size or 0
    if size >= 1024 * 1024 // 10:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, -(-size // 1024))} KB"


def check_file(filename: str | None, data: bytes) -> Format:
    """What an uploaded file is, judged by its content. Raises ValidationError with a message for the form."""
    return uploads.check(POLICY, filename, data)


def clean_filename(filename: str | None, kind: Format | None = None) -> str:
    """The last part of the name a browser sent, without control characters; kept only for downloads."""
    return uploads.display_name(filename, kind, default="evidence")


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
    return uploads.stored_path(folder(), name)


uploads.register_folder(folder)


def remove_after_commit(evidence: Evidence) -> None:
    """Delete the stored file once (and only if) the current transaction commits."""
    path = path_of(evidence)
    if path is not None:
        uploads.delete_after_commit(path)


# --- who may do what --------------------------------------------------------------------------------


def may_showcase(user: User, learner: Learner) -> bool:
    """The learner chooses their showcase (their parents and carers may do it for them), or an admin."""
    return is_related(user, learner, FAMILY | Relation.ADMIN)


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
        stored_name=uploads.write(folder(), data),
        original_name=clean_filename(filename, kind),
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
