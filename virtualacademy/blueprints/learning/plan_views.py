"""Personal learning plans, goals, version history and plan reviews."""

from virtualacademy.blueprints.learning import bp  # noqa: F401
