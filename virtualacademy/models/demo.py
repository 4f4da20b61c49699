"""Which records the demo seed made, so that a second seed recognises them however they were changed since."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from virtualacademy.models.base import Base


class DemoRecord(Base):
    """A record made by ``flask --app wsgi seed-demo``, by a key that never changes (``user:admin``,
    ``locality:north``): renaming a locality or changing an account's name or email leaves its key as it was.
    Only the demo seed writes here; a real deployment's table is empty."""

    __tablename__ = "demo_record"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    #: The id of the record in the table the key's prefix names (``user``, ``locality``, ``learner`` ...).
    record_id: Mapped[int]
