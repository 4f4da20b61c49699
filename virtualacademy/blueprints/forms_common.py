"""Helpers shared by every blueprint's forms and views."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.meta import DefaultMeta

from virtualacademy.inputs import clean_multi_line, clean_one_line
from virtualacademy.unit_of_work import show_domain_error  # noqa: F401 - for checks that write nothing


class _CleanTextMeta(DefaultMeta):
    """Gives every text field of every form the product's text filter first (``inputs.clean_text``): no NUL or
    other control characters; line breaks and tabs kept only in multi-line fields. Passwords are left exactly as
    typed (they are only hashed, never stored or shown)."""

    def bind_field(self, form, unbound_field, options):
        kind = unbound_field.field_class
        if issubclass(kind, StringField) and not issubclass(kind, PasswordField):
            clean = clean_multi_line if issubclass(kind, TextAreaField) else clean_one_line
            options = {**options, "filters": [clean, *unbound_field.kwargs.get("filters", ())]}
        return super().bind_field(form, unbound_field, options)


class Form(FlaskForm):
    """The base of every form in the product (a test checks): Flask-WTF's form, with the text filter above."""

    class Meta(_CleanTextMeta):
        pass


def flash_linked(text: str, href: str, link_text: str, category: str = "success") -> None:
    """A banner that links to the thing it talks about: ``text`` holds ``{link}`` where the link goes, e.g.
    ``flash_linked("Check-in with {link} saved.", url, "Ellie")``. ``base.html`` shows it."""
    if "{link}" not in text:
        raise ValueError("the banner's text needs a {link} placeholder")
    flash({"text": text, "href": href, "link": link_text}, category)


def safe_next(target: str | None, default: str) -> str:
    """Only local paths: ``/dashboard`` yes; ``//evil.example``, ``https://...``, ``javascript:`` no."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return default
    return target
