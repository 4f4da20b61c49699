"""Spend requests from personal budgets, locality spending, statements, and the family's view."""

from virtualacademy.blueprints.funding import bp  # noqa: F401
