"""Liveness checks for /healthz, and the floor the page benchmarks measure against (/healthz/floor)."""

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from virtualacademy.extensions import db

log = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("Health check could not reach the database")
        return False


def floor_ok() -> bool:
    """One indexed query (the lowest user id, read from the primary key's index) and nothing else: what the app
    costs for a request that touches the database once. ``bench/pages.py`` compares every page with it."""
    from sqlalchemy import select

    from virtualacademy.models import User

    try:
        db.session.execute(select(User.id).order_by(User.id).limit(1))
        return True
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("The floor check could not reach the database")
        return False
