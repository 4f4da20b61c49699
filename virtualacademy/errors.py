"""Domain errors: a rule was broken. Each carries a message fit to show the user.

Views catch :class:`DomainError` and show ``message`` on the form (``field`` names
the field it belongs to, if any) or as a flash message; it is never a 500.
"""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    """Input that breaks a rule (a weak password, an email already used, ...)."""


class NotAllowed(DomainError):
    """The acting user may not do this."""


class InvalidToken(DomainError):
    """A link that is malformed, expired or already used."""
