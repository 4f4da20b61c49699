"""Erasure, what is kept: the non-identifying facts left in place of dates, postcodes, application answers
and audit details."""

from __future__ import annotations

from datetime import date
from typing import Any

from virtualacademy.services import localities
from virtualacademy.services.data_protection.common import ERASED, PERSONAL_KEYS, REDACTED


def _first_of_month(value: date | None) -> date | None:
    """Birth year and month are kept (ages, year groups and phases come out the same); the day is not."""
    return value.replace(day=1) if value else None


def _first_of_month_iso(value: str | None) -> str | None:
    try:
        return _first_of_month(date.fromisoformat(value)).isoformat() if value else None
    except (TypeError, ValueError):
        return None


def _district(postcode: str | None) -> str:
    try:
        return localities.postcode_district(localities.normalise_postcode(postcode or ""))
    except Exception:  # not a postcode: keep nothing rather than something identifying
        return ""


def _erased_person() -> dict[str, str]:
    return {"name": ERASED, "email": "", "phone": ""}


def _erased_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """An application's answers with the same shape (so its page still shows) and only non-identifying facts."""
    summary: dict[str, Any] = {"erased": True, "guardian": _erased_person()}
    if "address" in answers:
        summary["address"] = {
            "line_1": ERASED,
            "line_2": "",
            "town": "",
            "postcode": _district((answers.get("address") or {}).get("postcode")),
        }
    if "second_guardian" in answers:
        summary["second_guardian"] = _erased_person() if answers.get("second_guardian") else None
    summary["children"] = [
        {
            "legal_name": ERASED,
            "preferred_name": "",
            "date_of_birth": _first_of_month_iso(child.get("date_of_birth")),
            "previous_school": "",
            "previous_school_urn": "",
            "date_left_school": _first_of_month_iso(child.get("date_left_school")),
            "reason": child.get("reason"),
            "send_status": child.get("send_status"),
            "ehcp_review_date": None,
            "fsm_eligible": bool(child.get("fsm_eligible")),
            "young_carer": bool(child.get("young_carer")),
            "needs": "",
            "photo_consent": bool(child.get("photo_consent")),
        }
        for child in answers.get("children") or []
        if isinstance(child, dict)
    ]
    for key in ("privacy_consent", "consented_at"):
        if key in answers:
            summary[key] = answers[key]
    return summary


def _scrub(value: Any, identifiers: list[str]) -> tuple[Any, bool]:
    """``value`` with personal data replaced by REDACTED; and whether anything changed."""
    if isinstance(value, dict):
        changed = False
        out = {}
        for key, item in value.items():
            if key in PERSONAL_KEYS and item not in (None, "", REDACTED):
                out[key], hit = REDACTED, True
            else:
                out[key], hit = _scrub(item, identifiers)
            changed |= hit
        return out, changed
    if isinstance(value, list):
        items = [_scrub(item, identifiers) for item in value]
        return [i for i, _ in items], any(hit for _, hit in items)
    if isinstance(value, str) and any(token in value.lower() for token in identifiers):
        return REDACTED, True
    return value, False
