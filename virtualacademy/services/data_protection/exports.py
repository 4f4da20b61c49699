"""Subject access: every record held about a family, as ``family.json`` and a readable ``family.pdf``, zipped
(:func:`export`)."""

from __future__ import annotations

import enum
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import inspect as sa_inspect

from virtualacademy import clock, pdf
from virtualacademy.models import AuditEvent, Family, User
from virtualacademy.models.families import (
    APPLICATION_STATUS_LABELS,
    EHE_REASON_LABELS,
    SEND_STATUS_LABELS,
    WITHDRAWAL_REASON_LABELS,
)
from virtualacademy.services import audit
from virtualacademy.services.data_protection.common import LONDON, NOT_EXPORTED
from virtualacademy.services.data_protection.sections import SECTIONS
from virtualacademy.services.data_protection.subjects import _audit_events, _emails, _notifications, subject


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def record(obj: Any, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """A model row as JSON-ready values: every column (so new columns are exported too) except ``exclude``."""
    skip = NOT_EXPORTED | set(exclude)
    return {
        attr.key: _value(getattr(obj, attr.key)) for attr in sa_inspect(obj).mapper.column_attrs if attr.key not in skip
    }


def _actor(event: AuditEvent, family_user_ids: set[int]) -> str:
    if event.actor_id is None:
        return "no one signed in"
    return "family member" if event.actor_id in family_user_ids else "academy staff"


def subject_access(family: Family, now: datetime | None = None) -> dict[str, Any]:
    """Every record held about the family, as JSON-ready data (what ``family.json`` contains)."""
    now = now or clock.now()
    subj = subject(family)
    family_users = subj.user_ids
    events = []
    for event in _audit_events(subj, family_users, subj.own_user_ids, subj.own_addresses):
        row = record(event, exclude={"actor_id", "ip"})
        row["actor"] = _actor(event, family_users)
        if event.actor_id in family_users:
            row["actor_user_id"] = event.actor_id
        if event.actor_id is None or event.actor_id in family_users:
            row["ip"] = event.ip  # staff members' addresses are theirs, not the family's
        events.append(row)
    data: dict[str, Any] = {
        "export": {
            "academy": current_app.config["ACADEMY_NAME"],
            "family_reference": family.reference,
            "generated_at": now.isoformat(),
            "format": "Subject-access export, version 1: dates ISO 8601 (times in UTC), codes as stored",
        },
        "family": record(family),
        "guardians": [record(g) for g in subj.guardians],
        "accounts": [{**record(u), "roles": sorted(r.value for r in u.roles)} for u in subj.users],
        "learners": [{**record(lr), "locality": lr.locality.name if lr.locality else None} for lr in subj.learners],
        "enrolments": [{**record(e), "locality": e.locality.name} for e in subj.enrolments],
        "applications": [
            {
                **record(a),
                "locality": a.locality.name if a.locality else None,
                "messages": [{**record(m), "from": "family" if m.from_family else "academy"} for m in a.messages],
            }
            for a in subj.applications
        ],
        "audit_events": events,
        "emails": [record(m) for m in _emails(subj.own_addresses)],
        "notifications": [record(n) for n in _notifications(subj.own_user_ids)],
    }
    shared = sorted(subj.addresses - subj.own_addresses)
    if shared:
        data["export"]["not_included"] = (
            f"{', '.join(shared)} {'is' if len(shared) == 1 else 'are'} also used outside this family (by a "
            "member of staff or another family), so the emails, notifications and actions of "
            f"{'that address' if len(shared) == 1 else 'those addresses'} are not in this export; they can be "
            "given to that person on their own request."
        )
    for section in SECTIONS.values():
        data[section.key] = section.export(subj)
    return data


#: The sections of ``family.json`` and their headings, in order (registered sections follow).
CORE_SECTIONS = [
    ("family", "Family"),
    ("guardians", "Parents and carers"),
    ("accounts", "Sign-in accounts"),
    ("learners", "Children"),
    ("enrolments", "Enrolments"),
    ("applications", "Applications"),
    ("audit_events", "Activity log"),
    ("emails", "Emails sent"),
    ("notifications", "Notifications in the app"),
]


def section_titles() -> list[tuple[str, str]]:
    return CORE_SECTIONS + [(s.key, s.title) for s in SECTIONS.values()]


def holdings(data: dict[str, Any]) -> list[tuple[str, str, int]]:
    """(key, heading, number of records) for each section of an export, for the admin's summary."""
    counts = []
    for key, title in section_titles():
        value = data.get(key)
        counts.append((key, title, 1 if isinstance(value, dict) else len(value or [])))
        if key == "applications":
            messages = sum(len(a["messages"]) for a in value or [])
            counts.append(("application_messages", "Messages about applications", messages))
    return counts


LABELS = {
    "reasons": EHE_REASON_LABELS,
    "send": SEND_STATUS_LABELS,
    "statuses": APPLICATION_STATUS_LABELS,
    "withdrawal_reasons": WITHDRAWAL_REASON_LABELS,
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def readable(value: Any) -> Any:
    """An ISO date or time from the export as people write it (times in UK time); anything else as it is."""
    if isinstance(value, str):
        try:
            if _ISO_DATE.match(value):
                return f"{date.fromisoformat(value):%-d %B %Y}"
            if _ISO_DATETIME.match(value):
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is not None:
                    moment = moment.astimezone(LONDON)
                return f"{moment:%-d %B %Y at %-I:%M%p}".replace("AM", "am").replace("PM", "pm")
        except ValueError:
            return value
    return value


@dataclass(frozen=True)
class Export:
    filename: str
    content: bytes


def export(actor: User, family: Family, now: datetime | None = None) -> Export:
    """The subject-access export as a ZIP of ``family.json`` and ``family.pdf``; audited."""
    now = now or clock.now()
    data = subject_access(family, now)
    document = pdf.render_pdf(
        "pdf/subject_access.html",
        data=data,
        family=family,
        sections=section_titles(),
        core_keys={key for key, _title in CORE_SECTIONS},
        holdings=holdings(data),
        labels=LABELS,
        when=readable,
    )
    buffer = io.BytesIO()
    stamp = now.astimezone(LONDON).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in (
            ("family.json", json.dumps(data, indent=2, ensure_ascii=False).encode()),
            ("family.pdf", document),
        ):
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), content, compress_type=zipfile.ZIP_DEFLATED)
    audit.record(
        "data_protection.export",
        actor=actor,
        obj=family,
        detail={key: count for key, _title, count in holdings(data)},
    )
    return Export(f"family-{family.reference}-subject-access.zip", buffer.getvalue())
