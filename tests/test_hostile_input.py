"""Hostile input, generated with Hypothesis, into every form and every list of the product: huge and negative
numbers, far-off dates, control characters, every kind of Unicode, markup, very long text, ids beyond 2^63 and
hostile files. Nothing may be a 500, and nothing stored may come back as markup.

* every form class's fields, validated directly (fast, every field of every form);
* every form found on the pages of the product, sent over HTTP by each role that may see it, in an academy where
  each role is related to the learner (tests/world.py), with each redirect followed; then every page is read again
  by every role, and none may contain the markup that was sent (it must be shown as text);
* every page of tests/access.py ROUTES, with generated values for every query parameter the product reads.

Runs are derandomised (the same examples on every run, so the suite never passes or fails by chance) and keep no
example database. ``HOSTILE_EXAMPLES`` sets how many examples each form or page gets (default 3).
"""

from __future__ import annotations

import importlib
import io
import os
import pkgutil
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import DateField, FileField, PasswordField, SelectFieldBase, SelectMultipleField, StringField
from wtforms.fields import FormField, SubmitField

import virtualacademy.blueprints
from tests.access import ANONYMOUS, ROUTES
from tests.conftest import csrf_token
from tests.factories import png_bytes
from tests.world import build_world, client_for
from virtualacademy.inputs import MAX_ID

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "3"))
HOSTILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: Sent inside text; it must only ever come back escaped (``&lt;x-hostile``), never as a tag.
MARK = '<x-hostile data-x="1">'
SCRIPT = "<script>alert(document.cookie)</script>"

NASTY = [
    "",
    " ",
    MARK,
    f'"><img src=x onerror=alert(1)>{MARK}',
    f"{SCRIPT}{MARK}",
    "javascript:alert(1)",
    '=HYPERLINK("https://evil.example","x")',
    "\x00",
    "a\x00b\x1b[31mc\x7f",
    "line\r\nbreak\tand tab",
    "evil\u202egnp.exe",
    "\ufeff\u200b\u2028\u2029",
    "😀" * 20,
    "Zoë O’Neill-Smith",
    str(MAX_ID),
    str(MAX_ID + 1),
    str(2**63),
    str(2**64),
    "-1",
    "0",
    "9" * 5000,
    "1E+999999999",
    "NaN",
    "1_000",
    "5,00",
    "31",
    "13",
    "99999999999",
    "2027",
    "12:30",
    "25:61",
    "https://example.org/x",
    "person@example.org",
    "x" * 20_000,
    "../../etc/passwd",
    "{{ 7 * 7 }}",
    "' OR 1=1 --",
    "١٢٣",
]
_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
hostile_text = st.one_of(
    st.sampled_from(NASTY),
    _text,
    _text.map(lambda t: t + MARK),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def _pdf_with_script() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (x) >> >> endobj\n%%EOF\n"


FILES = [
    (png_bytes(), f"Robin\x00{MARK}.png"),
    (b"<html><body><script>alert(1)</script></body></html>", "invoice.pdf"),
    (b"", "empty.png"),
    (png_bytes(), "photo.\uff48\uff54\uff4d\uff4c"),
    (png_bytes() + MARK.encode(), "fort.png"),
    (_pdf_with_script(), "report.pdf"),
    (png_bytes(), f"{MARK}.png"),
    (b"MZ" + b"\0" * 64, "setup.exe"),
]
hostile_file = st.sampled_from(FILES)


def _check(response, what: str) -> None:
    assert response.status_code < 500, what
    body = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
    assert "<x-hostile" not in body, f"markup shown as markup: {what}"
    assert SCRIPT not in body, f"a script shown as markup: {what}"


# --- every form class, directly ----------------------------------------------------------------------------------


def _form_classes() -> list[type]:
    for module in pkgutil.walk_packages(virtualacademy.blueprints.__path__, "virtualacademy.blueprints."):
        importlib.import_module(module.name)
    found, queue = set(), [FlaskForm]
    while queue:
        for sub in queue.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                queue.append(sub)
    return sorted((c for c in found if c.__module__.startswith("virtualacademy.")), key=lambda c: c.__qualname__)


@pytest.mark.parametrize("form_class", _form_classes(), ids=lambda c: c.__name__)
def test_every_form_class_takes_hostile_values_in_every_field(app, ctx, form_class):
    with app.test_request_context("/", method="POST"):
        fields = list(form_class(formdata=None, meta={"csrf": False}))

    @HOSTILE
    @given(st.data())
    def run(data):
        formdata = MultiDict()
        for f in fields:
            if isinstance(f, SubmitField | FormField):
                continue
            if isinstance(f, FileField):
                content, name = data.draw(hostile_file, label=f.name)
                formdata.add(f.name, FileStorage(io.BytesIO(content), name))
            elif isinstance(f, DateField):
                for _ in range(data.draw(st.sampled_from([3, 3, 1, 4]), label=f"{f.name} parts")):
                    formdata.add(f.name, data.draw(hostile_text, label=f.name))
            elif isinstance(f, SelectMultipleField):
                for value in data.draw(st.lists(hostile_text, max_size=3), label=f.name):
                    formdata.add(f.name, value)
            else:
                formdata.add(f.name, data.draw(hostile_text, label=f.name))
        with app.test_request_context("/", method="POST"):
            form = form_class(formdata=formdata, meta={"csrf": False})
            for f in form:
                if isinstance(f, SelectFieldBase) and getattr(f, "choices", None) is None:
                    f.choices = []  # the view fills these in
            form.validate()
            for f in form:
                if isinstance(f, StringField) and not isinstance(f, PasswordField) and isinstance(f.data, str):
                    allowed = "\t\n\r" if f.type == "TextAreaField" else ""
                    assert not any(ord(c) < 32 and c not in allowed for c in f.data), f.name
                    assert "\x00" not in f.data and "\u202e" not in f.data, f.name

    run()


# --- every form on every page, over HTTP -------------------------------------------------------------------------


@dataclass
class Control:
    name: str
    kind: str
    value: str = ""
    options: list[str] = field(default_factory=list)
    numeric: bool = False


#: What a person might type, by the field's name, with markup and control characters in any free text: the
#: simplest example Hypothesis tries, so that forms are also sent that pass and store what they were sent.
PLAUSIBLE = [
    ("email", "person.hostile@example.org"),
    ("url", "https://example.org/hostile"),
    ("time", "10:30"),
    ("postcode", "DN1 1AA"),
    ("phone", "07700 900982"),
    ("password", "correct horse battery staple"),
    ("confirm", "correct horse battery staple"),
    ("year", "2031"),
    ("amount", "12.50"),
    ("rate", "6000"),
    ("grant", "300"),
    ("budget", "300"),
    ("share", "50"),
    ("topslice", "10"),
    ("districts", "DN9"),
    ("urn", "106789"),
]
DATE_PARTS = ["2", "3", "2027"]


def _plausible(control: Control, position: int) -> str:
    if control.numeric:
        return DATE_PARTS[position % 3] if position < 3 else "1"
    for word, value in PLAUSIBLE:
        if word in control.name:
            return value
    return f"Robin\x00 \u202e{MARK} O’Neill\r\n{SCRIPT}"


@dataclass
class PageForm:
    page: str
    action: str
    method: str
    multipart: bool
    controls: dict[str, list[Control]] = field(default_factory=dict)

    def key(self) -> tuple:
        return (self.method, re.sub(r"\d+", "N", self.action), tuple(sorted(self.controls)))


class FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: Control | None = None
        self._textarea: Control | None = None

    def _add(self, control: Control) -> None:
        if self._form is not None and control.name:
            self._form.controls.setdefault(control.name, []).append(control)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = a.get("action") or self.page
            self._form = PageForm(
                self.page,
                action,
                (a.get("method") or "get").lower(),
                "multipart" in a.get("enctype", ""),
            )
        elif self._form is None:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            name = a.get("name", "")
            if kind in ("radio", "checkbox"):
                existing = self._form.controls.get(name)
                if existing:
                    existing[0].options.append(a.get("value", "on"))
                    return
                self._add(Control(name, kind, options=[a.get("value", "on")]))
            else:
                self._add(Control(name, kind, a.get("value", ""), numeric=a.get("inputmode") == "numeric"))
        elif tag == "button" and a.get("name"):
            self._add(Control(a["name"], "submit", a.get("value", "")))
        elif tag == "select":
            self._select = Control(a.get("name", ""), "select")
            self._add(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = Control(a.get("name", ""), "textarea")
            self._add(self._textarea)

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _forms_on(client, path: str) -> list[PageForm]:
    response = client.get(path)
    if response.status_code != 200 or response.mimetype != "text/html":
        return []
    parser = FormParser(path)
    parser.feed(response.get_data(as_text=True))
    return [f for f in parser.forms if urlsplit(f.action).path not in ("/sign-out",)]


def _get_paths(world, role: str) -> list[str]:
    paths = []
    for route in ROUTES:
        if route.method == "GET" and route.expect[role] != 403 and not route.endpoint.endswith(("_pdf", "_csv")):
            path = world.path(route.path)
            if path not in paths:
                paths.append(path)
    return paths


def _draw_values(data, form: PageForm) -> tuple[MultiDict, bool]:
    """Values for every control of ``form``; the simplest are plausible (see :data:`PLAUSIBLE`)."""
    values = MultiDict()
    has_file = False
    for name, controls in form.controls.items():
        first = controls[0]
        if name == "csrf_token" or first.kind == "submit":
            values.add(name, first.value)
        elif first.kind in ("radio", "select"):
            options = [o for o in first.options if o] or [""]
            values.add(name, data.draw(st.one_of(st.sampled_from(options), hostile_text), label=name))
        elif first.kind == "checkbox":
            picked = st.lists(st.one_of(st.sampled_from(first.options), hostile_text), min_size=1, max_size=3)
            for value in data.draw(picked, label=name):
                values.add(name, value)
        elif first.kind == "file":
            if not data.draw(st.booleans(), label=f"{name} left out"):
                content, filename = data.draw(hostile_file, label=name)
                values.add(name, (io.BytesIO(content), filename))
                has_file = True
        elif first.kind == "hidden":
            values.add(name, data.draw(st.one_of(st.just(first.value), hostile_text), label=name))
        else:
            for position, control in enumerate(controls):
                values.add(name, data.draw(st.one_of(st.just(_plausible(control, position)), hostile_text), label=name))
    return values, has_file


def _get(client, path: str, pairs):
    """GET ``path`` with ``pairs`` added to any query string it already has."""
    parts = urlsplit(path)
    return client.get(parts.path, query_string=[*parse_qsl(parts.query), *MultiDict(pairs).items(multi=True)])


def _send(client, form: PageForm, values: MultiDict, has_file: bool, what: str) -> None:
    if form.method == "get":
        response = _get(client, form.action, values)
    else:
        response = client.post(
            form.action, data=values, content_type="multipart/form-data" if has_file or form.multipart else None
        )
    _check(response, what)
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and location.startswith("/"):
        _check(client.get(location), f"{what} -> {location}")


def _every_form(app, world) -> list[tuple[str, object, PageForm]]:
    """(role, signed-in client, form) for every distinct form every role can reach."""
    found: list[tuple[str, object, PageForm]] = []
    seen: set[tuple] = set()
    anonymous = app.test_client()
    token = csrf_token(anonymous, "/apply/your-details")
    anonymous.post("/apply/your-details", data={"name": "Jo", "email": "jo@example.org", "csrf_token": token})
    clients = {ANONYMOUS: anonymous} | {role: client_for(app, user) for role, user in world.users.items()}
    for role, client in clients.items():
        for path in _get_paths(world, role):
            for form in _forms_on(client, path):
                if (role, *form.key()) not in seen:
                    seen.add((role, *form.key()))
                    found.append((role, client, form))
    return found


def _send_hostile_values(client, form: PageForm, what: str) -> None:
    @HOSTILE
    @given(st.data())
    def run(data):
        values, has_file = _draw_values(data, form)
        _send(client, form, values, has_file, what)

    run()


def test_every_form_on_every_page_takes_hostile_values_from_everyone_who_may_use_it(app, db_session):
    world = build_world()
    forms = _every_form(app, world)
    assert len({f.key() for _r, _c, f in forms}) > 60  # the product's forms, not a handful
    assert {r for r, _c, _f in forms} >= {ANONYMOUS, "admin", "guardian", "learner", "mentor", "coordinator"}

    for role, client, form in forms:
        _send_hostile_values(client, form, f"{role} {form.method.upper()} {form.action} (from {form.page})")

    # Whatever was stored is shown as text on every page, to everyone
    clients = {role: client_for(app, user) for role, user in world.users.items()}
    shown_as_text = 0
    for role, client in clients.items():
        for path in _get_paths(world, role):
            response = client.get(path)
            _check(response, f"{role} GET {path} afterwards")
            shown_as_text += "&lt;x-hostile" in response.get_data(as_text=True)
    assert shown_as_text > 0  # hostile text was stored, and every page showed it as text


# --- every page's query parameters -------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent / "virtualacademy"
_ARG = re.compile(r"""(?:request\.args\.(?:get|getlist)|int_arg|text_arg|_day_arg)\(\s*["']([a-z_]+)["']""")


def _query_names() -> list[str]:
    names = {"page", "per_page", "next"}
    for path in ROOT.rglob("*.py"):
        names.update(_ARG.findall(path.read_text()))
    # the GET forms' fields, read from request.args by the forms themselves
    names.update(["q", "on", "action", "actor_email", "object_type", "object_id", "date_from", "date_to"])
    return sorted(names)


QUERY_NAMES = _query_names()


def test_the_query_parameters_tested_are_the_ones_the_product_reads():
    assert {"page", "status", "learner", "year", "locality", "account", "start", "end", "term", "kind"} <= set(
        QUERY_NAMES
    )


def test_every_page_takes_hostile_query_parameters(app, db_session):
    world = build_world()
    clients = {role: client_for(app, user) for role, user in world.users.items()}
    for role in ("admin", "guardian", "mentor", "coordinator"):
        for path in _get_paths(world, role):
            _ask_with_hostile_query(clients[role], path, role)


def _ask_with_hostile_query(client, path: str, role: str) -> None:
    @HOSTILE
    @given(st.lists(st.tuples(st.sampled_from(QUERY_NAMES), hostile_text), max_size=8))
    def run(pairs):
        _check(_get(client, path, pairs), f"{role} GET {path} with {pairs!r:.200}")

    run()
