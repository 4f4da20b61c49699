"""Liveness checks for /healthz."""

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
