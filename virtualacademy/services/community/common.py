"""Small helpers shared by the community services: text and Markdown, times in words, a family's accounts."""

from __future__ import annotations

import html
import re
from datetime import datetime

import nh3
from flask import current_app
from sqlalchemy import select, union

from virtualacademy import clock
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.inputs import clean_text as _strip_controls
from virtualacademy.models import Guardian, Learner, User
from virtualacademy.money import pounds_text as pounds

__all__ = [
    "clean_markdown",
    "family_ids_of",
    "family_users",
    "offer_hours",
    "pounds",
    "render_markdown",
    "require_text",
    "optional_text",
    "when",
]

#: The tags a rendered description may contain; everything else is removed by nh3.
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4", "blockquote", "code"}
URL_SCHEMES = {"http", "https", "mailto"}

_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:)[^\s)]+)\)")
_STRONG = re.compile(r"\*\*(.+?)\*\*")
_EM = re.compile(r"(?<![\w*])[*_](?![\s*_])(.+?)(?<![\s*_])[*_](?![\w*])")
_CODE = re.compile(r"`([^`\n]+)`")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")


def require_text(value: str | None, field: str, missing: str, limit: int, *, multiline: bool = False) -> str:
    text = (_strip_controls(value or "", multiline=multiline) or "").strip()
    if not text:
        raise ValidationError(missing, field=field)
    if len(text) > limit:
        raise ValidationError(f"Use {limit:,} characters or fewer", field=field)
    return text


def optional_text(value: str | None, field: str, limit: int, *, multiline: bool = False) -> str | None:
    text = (_strip_controls(value or "", multiline=multiline) or "").strip()
    if len(text) > limit:
        raise ValidationError(f"Use {limit:,} characters or fewer", field=field)
    return text or None


def clean_markdown(source: str | None) -> str:
    """The Markdown as typed, with any HTML in it removed by nh3 (a ``<script>`` goes with its content)."""
    text = (_strip_controls(source or "", multiline=True) or "").replace("\r\n", "\n").strip()
    return html.unescape(nh3.clean(text, tags=set())).strip()


def _inline(text: str) -> str:
    text = html.escape(text, quote=True)
    text = _CODE.sub(r"<code>\1</code>", text)
    text = _LINK.sub(r'<a href="\2">\1</a>', text)
    text = _STRONG.sub(r"<strong>\1</strong>", text)
    return _EM.sub(r"<em>\1</em>", text)


def _blocks(source: str) -> list[str]:
    out: list[str] = []
    para: list[str] = []
    items: list[str] = []
    kind = ""

    def flush() -> None:
        nonlocal para, items
        if para:
            out.append("<p>" + "<br>".join(_inline(line) for line in para) + "</p>")
        if items:
            out.append(f"<{kind}>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + f"</{kind}>")
        para, items = [], []

    for line in source.split("\n"):
        bullet, numbered, heading = _BULLET.match(line), _NUMBERED.match(line), _HEADING.match(line)
        if not line.strip():
            flush()
        elif heading:
            flush()
            level = min(len(heading.group(1)) + 2, 4)
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet or numbered:
            wanted = "ul" if bullet else "ol"
            if para or (items and kind != wanted):
                flush()
            kind = wanted
            items.append((bullet or numbered).group(1))
        else:
            if items:
                flush()
            para.append(line.strip())
    flush()
    return out


def render_markdown(source: str | None) -> str:
    """A small, safe subset of Markdown (paragraphs, line breaks, ``#`` headings, lists, ``**bold**``,
    ``*emphasis*``, ```code```, ``[links](https://...)``) as HTML, sanitised by nh3 with a short allow-list."""
    rendered = "\n".join(_blocks(clean_markdown(source)))
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def when(moment: datetime) -> str:
    """``Saturday 6 March 2027 at 10:00`` in London time."""
    local = clock.london(moment)
    return f"{local:%A %-d %B %Y} at {local:%H:%M}"


def offer_hours() -> int:
    """How long a family promoted from the waiting list has to confirm (``COMMUNITY_OFFER_HOURS``, default 48)."""
    return int(current_app.config.get("COMMUNITY_OFFER_HOURS", 48))


def family_ids_of(user: User):
    """A select of the ids of the families ``user`` belongs to (as a guardian, or as a learner)."""
    return union(
        select(Guardian.family_id).where(Guardian.user_id == user.id),
        select(Learner.family_id).where(Learner.user_id == user.id),
    )


def family_users(family_id: int, *, learner_id: int | None = None) -> list[User]:
    """The active accounts of a family's guardians (and of the one learner ``learner_id``, if they have one)."""
    users = list(
        db.session.scalars(
            select(User)
            .join(Guardian, Guardian.user_id == User.id)
            .where(Guardian.family_id == family_id, User.active.is_(True))
            .order_by(User.id)
        )
    )
    if learner_id is not None:
        own = db.session.scalar(
            select(User).join(Learner, Learner.user_id == User.id).where(Learner.id == learner_id, User.active)
        )
        if own is not None and own not in users:
            users.append(own)
    return users
