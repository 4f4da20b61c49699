"""An application's answers as GOV.UK summary lists (the family's check page and the admin's review)."""

from __future__ import annotations

from datetime import date

from flask import url_for

from virtualacademy.models.families import EHE_REASON_LABELS, SEND_STATUS_LABELS, EheReason, SendStatus


def _long(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%-d %B %Y") if iso else ""


def _born(iso: str, today: date | None) -> str:
    if today is None:
        return _long(iso)
    from virtualacademy.services.families import age_on

    return f"{_long(iso)} (aged {age_on(date.fromisoformat(iso), today)})"


def _row(key: str, value: str | None, change_url: str | None) -> dict:
    row = {"key": {"text": key}, "value": {"text": value or "Not given"}}
    if change_url:
        row["actions"] = {"items": [{"href": change_url, "text": "Change", "visuallyHiddenText": key.lower()}]}
    return row


def answer_sections(answers: dict, change: bool, today: date | None = None) -> list[tuple[str, list[dict]]]:
    """The answers, section by section; with ``today``, each child's date of birth also gives their age."""

    def link(endpoint: str, **args) -> str | None:
        return url_for(endpoint, change=1, **args) if change else None

    g = answers.get("guardian") or {}
    a = answers.get("address") or {}
    s = answers.get("second_guardian")
    sections = [
        (
            "Parent or carer",
            [
                _row("Name", g.get("name"), link("families.apply_guardian")),
                _row("Email", g.get("email"), link("families.apply_guardian")),
                _row("Phone", g.get("phone"), link("families.apply_guardian")),
                _row(
                    "Address",
                    ", ".join(x for x in (a.get("line_1"), a.get("line_2"), a.get("town"), a.get("postcode")) if x),
                    link("families.apply_address"),
                ),
                _row(
                    "Another parent or carer",
                    ", ".join(x for x in (s.get("name"), s.get("email"), s.get("phone")) if x) if s else "None",
                    link("families.apply_second_guardian"),
                ),
            ],
        )
    ]
    for n, child in enumerate(answers.get("children") or []):
        here = link("families.apply_child", index=n)
        school = ", ".join(
            x
            for x in (
                child.get("previous_school"),
                f"URN {child['previous_school_urn']}" if child.get("previous_school_urn") else "",
            )
            if x
        )
        send = SEND_STATUS_LABELS[SendStatus(child["send_status"])]
        if child.get("ehcp_review_date"):
            send += f", next annual review {_long(child['ehcp_review_date'])}"
        sections.append(
            (
                f"Child {n + 1}: {child['legal_name']}",
                [
                    _row("Legal name", child["legal_name"], here),
                    _row("Preferred name", child.get("preferred_name"), here),
                    _row("Date of birth", _born(child["date_of_birth"], today), here),
                    _row("Previous school", school, here),
                    _row("Date left school", _long(child.get("date_left_school")), here),
                    _row("Main reason", EHE_REASON_LABELS[EheReason(child["reason"])], here),
                    _row("Special educational needs", send, here),
                    _row("Free school meals", "Eligible" if child.get("fsm_eligible") else "Not eligible", here),
                    _row("Young carer", "Yes" if child.get("young_carer") else "No", here),
                    _row("Anything the academy should know", child.get("needs"), here),
                    _row("Photo consent", "Yes" if child.get("photo_consent") else "No", here),
                ],
            )
        )
    return sections
