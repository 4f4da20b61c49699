"""Hostile input, handled in one place for the whole product.

* **Ids in addresses.** Every ``<int:...>`` in every blueprint's routes is read by :class:`IdConverter` (the
  factory registers it as the ``int`` converter before any blueprint): ASCII digits only, from 0 to :data:`MAX_ID`
  (2^31 - 1, the largest id the database's id columns hold). Anything else does not match the route, so it is a 404 like any other
  address that leads nowhere, never an integer overflow in the database.
* **Integers in query strings** (``?learner=``, ``?year=``, ``?locality=``) go through :func:`int_arg`: a whole
  number from 1 to :data:`MAX_ID`, or None (nonsense is treated as if it had not been given). **Page numbers** go
  through :func:`page_arg` / :func:`paginate`: nonsense is page 1, and a page past the last one (however far)
  is shown empty with the way back.
* **Text fields** keep no control characters: :func:`clean_text` is added by the shared form class
  (``blueprints/forms_common.Form``) as the first filter of every text field of every form. NUL and the other
  C0 and C1 control characters, DEL, and the Unicode bidirectional controls (which can make a name read
  backwards, ``evil\u202egnp.exe``) are removed. A multi-line field (a textarea) keeps its line breaks and tabs; a
  one-line field turns them into spaces. Passwords are taken exactly as typed: they are only ever hashed.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.routing import IntegerConverter

#: The largest id (and the largest integer query parameter) the product reads: the largest value of its id columns
#: (32-bit integers in PostgreSQL; ``tests/test_inputs.py`` checks every primary key can hold it). Anything larger
#: would make PostgreSQL refuse the query ("integer out of range") and SQLite overflow beyond 2^63.
MAX_ID = 2**31 - 1
_MAX_DIGITS = len(str(MAX_ID))
#: The largest page number read: no list in the product has anywhere near 10 million pages.
MAX_PAGE = 10_000_000


class IdConverter(IntegerConverter):
    """``<int:name>``: a whole number in ASCII digits from 0 to :data:`MAX_ID`; anything else is not a match
    (a 404). ``<int(signed=True):name>`` also takes negative numbers down to ``-MAX_ID - 1``."""

    regex = r"[0-9]+"  # \d would also match other scripts' digits

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 - Werkzeug's names
        super().__init__(
            map,
            fixed_digits=fixed_digits,
            min=(-MAX_ID - 1 if signed else 0) if min is None else min,
            max=MAX_ID if max is None else max,
            signed=signed,
        )

    def to_python(self, value: str):
        if len(value.lstrip("-").lstrip("0")) > _MAX_DIGITS:
            from werkzeug.routing import ValidationError

            raise ValidationError()
        return super().to_python(value)


def init_app(app: Flask) -> None:
    """Register the converter; must run before any blueprint adds its routes."""
    app.url_map.converters["int"] = IdConverter


def to_int(value, *, least: int = 1, most: int = MAX_ID) -> int | None:
    """``value`` as a whole number from ``least`` to ``most``, or None. Text must be ASCII digits with an optional
    sign (spaces around allowed); an int is only checked against the range."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if least <= value <= most else None
    text = value.strip() if isinstance(value, str) else ""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not (digits.isascii() and digits.isdigit()) or len(digits.lstrip("0")) > _MAX_DIGITS:
        return None
    number = int(text)
    return number if least <= number <= most else None


def int_arg(name: str, *, least: int = 1, most: int = MAX_ID) -> int | None:
    """An integer query parameter (an id, a year): None if missing or not a whole number in range."""
    return to_int(request.args.get(name), least=least, most=most)


def text_arg(name: str, default: str | None = None) -> str | None:
    """A text query parameter, without control characters (:func:`clean_text`)."""
    return clean_text(request.args.get(name, default))


def page_arg(name: str = "page") -> int:
    """The page number asked for: page 1 if missing or nonsense (words, negative numbers, 0); at most
    :data:`MAX_PAGE` (a page past the last one is shown empty, with the way back)."""
    text = (request.args.get(name) or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    if len(text.lstrip("0")) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(max(int(text), 1), MAX_PAGE)


def paginate(stmt, *, per_page: int):
    """``db.paginate`` with the page number read by :func:`page_arg` (never Flask-SQLAlchemy's own reading of
    ``?page=`` and ``?per_page=``). A page past the last one is shown empty, with the way back."""
    from virtualacademy.extensions import db

    return db.paginate(stmt, page=page_arg(), per_page=per_page, error_out=False, count=True)


# --- text --------------------------------------------------------------------------------------------------------

_BIDI_CONTROLS = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]  # embeddings, overrides, isolates
_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]  # C0, DEL, C1
_KEPT_IN_MULTI_LINE = (0x09, 0x0A, 0x0D)  # tab, line feed, carriage return

#: One-line text: line breaks and tabs become spaces, every other control character goes.
_ONE_LINE = {
    **dict.fromkeys(_CONTROLS),
    **dict.fromkeys(_BIDI_CONTROLS),
    **dict.fromkeys((*_KEPT_IN_MULTI_LINE, 0x2028, 0x2029), " "),
}
#: Multi-line text: line breaks and tabs stay (the Unicode line and paragraph separators become line feeds).
_MULTI_LINE = {
    **dict.fromkeys(c for c in _CONTROLS if c not in _KEPT_IN_MULTI_LINE),
    **dict.fromkeys(_BIDI_CONTROLS),
    0x2028: "\n",
    0x2029: "\n",
}


def clean_text(value, *, multiline: bool = False):
    """``value`` without control characters (see the module's description); anything not text is returned as
    it is."""
    if not isinstance(value, str):
        return value
    return value.translate(_MULTI_LINE if multiline else _ONE_LINE)


def clean_one_line(value):
    return clean_text(value)


def clean_multi_line(value):
    return clean_text(value, multiline=True)
