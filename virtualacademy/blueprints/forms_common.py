"""Helpers shared by every blueprint's forms and views."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash
from flask_wtf import FlaskForm

from virtualacademy.errors import DomainError


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a domain error on the field it names (shown in the error summary), or flash it."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    else:
        form.form_errors.append(error.message)
        flash(error.message, "error")


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
