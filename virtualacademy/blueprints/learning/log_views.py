"""The learning log (attendance in learning), portfolio evidence, exhibitions and the record of achievement."""

from virtualacademy.blueprints.learning import bp  # noqa: F401
