"""Other modules' records about a family: each module registers a :class:`Section`, its part of the export and
of the erasure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from virtualacademy.services.data_protection.subjects import Subject


@dataclass(frozen=True)
class Section:
    """Records another module holds about a family: exported under ``key``, erased by ``erase``.

    ``export(subject)`` returns JSON-ready dicts (use :func:`record` for a model row); ``erase(subject)``
    anonymises them inside the erasure's transaction and returns how many rows it changed.
    """

    key: str
    title: str
    export: Callable[[Subject], list[dict[str, Any]]]
    erase: Callable[[Subject], int]


SECTIONS: dict[str, Section] = {}


def register(section: Section) -> Section:
    SECTIONS[section.key] = section
    return section
