"""Money as people see it. Amounts are integer pence everywhere (``amount_pence``); this module is the one place
that turns them into pounds: on pages and in PDFs (the ``money`` Jinja filter), in emails, messages and commands,
in CSV cells, and back into a form's box.

- :func:`pounds`: ``123456`` -> ``£1,234.56``. Pages and PDFs show a negative amount with a minus sign
  (``−£2.50``); plain text (messages, memos, commands: :func:`pounds_text`) with a hyphen (``-£2.50``).
- :func:`pounds_number`: a CSV cell, a number a spreadsheet adds up (``Decimal("-12.50")``).
- :func:`pounds_typed`: what someone would type in a form's pounds box (``6000``, ``1000.01``).
- :func:`whole_pounds`: to the nearest pound, for charts.
"""

from __future__ import annotations

from decimal import Decimal

#: The minus sign pages and PDFs show before a negative amount.
MINUS = "\u2212"


def pounds(pence: int | None, *, ascii_minus: bool = False, whole: bool = False) -> str:
    """Integer pence as pounds: ``123456`` -> ``£1,234.56``; ``-250`` -> ``−£2.50`` (``-£2.50`` with
    ``ascii_minus``, for plain text); ``None`` -> ``""``. ``whole``: pounds only, for amounts already rounded to
    the pound (``123400`` -> ``£1,234``)."""
    if pence is None:
        return ""
    pence = int(pence)
    sign = ("-" if ascii_minus else MINUS) if pence < 0 else ""
    whole_pounds_, rem = divmod(abs(pence), 100)
    if whole:
        return f"{sign}£{whole_pounds_:,}"
    return f"{sign}£{whole_pounds_:,}.{rem:02d}"


def pounds_number(pence: int) -> Decimal:
    """Integer pence as a CSV money cell: ``-1250`` -> ``-12.50``, a number a spreadsheet adds up."""
    return Decimal(int(pence)).scaleb(-2)


def pounds_typed(pence: int | None, *, always_pence: bool = False) -> str:
    """Pence as the pounds someone would type in a form's box: ``600000`` -> ``6000``, ``100001`` -> ``1000.01``,
    ``0`` or ``None`` -> blank. ``always_pence``: ``4550`` -> ``45.50``, ``600000`` -> ``6000.00``, ``0`` -> ``0.00``."""
    if pence is None or (not pence and not always_pence):
        return ""
    whole, rem = divmod(int(pence), 100)
    return f"{whole}" if rem == 0 and not always_pence else f"{whole}.{rem:02d}"


def whole_pounds(pence: int) -> int:
    """Pence to the nearest pound (half a pound up), for charts: ``12350`` -> ``124``."""
    return (pence + 50) // 100


def pounds_text(pence: int) -> str:
    """Pounds in plain text (messages, memos, commands): :func:`pounds` with a hyphen for a minus sign."""
    return pounds(pence, ascii_minus=True)
