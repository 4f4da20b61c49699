"""Data-protection requests: a family's subject-access export, and erasure once retention ends.

*Subject access*: :func:`export` gathers every record the academy holds about a family and its
children (the family, guardians, learners, their accounts, enrolments, applications and their
messages, the audit events about any of these, and the emails sent to the family's addresses)
into ``family.json`` plus a readable ``family.pdf``, zipped. The export itself is audited.

*Erasure*: admin marks a withdrawn family for erasure (:func:`request_erasure`); it can be
cancelled until it happens. It becomes due on the youngest child's ``RETENTION_AGE_YEARS``th
birthday (25 by default). The daily ``erase-due`` job (:func:`erase_due`) anonymises every family
whose erasure is requested and due: personal data is replaced or cleared, while the rows
themselves, and the non-identifying facts that statistics and money records rely on, are kept
(see ``docs/data-protection.md`` for the field-by-field list). Nobody can erase early.

Other modules that hold personal data about a family join in with :func:`register` (a section
of the export and its part of the erasure).
"""

from __future__ import annotations

import enum
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import String, cast, exists, false, func, or_, select, true
from sqlalchemy import inspect as sa_inspect

from virtualacademy import clock, pdf
from virtualacademy.errors import NotAllowed
from virtualacademy.extensions import db
from virtualacademy.models import (
    Application,
    AuditEvent,
    Enrolment,
    Family,
    Guardian,
    Learner,
    Notification,
    OutboxMessage,
    OutboxStatus,
    Role,
    User,
)
from virtualacademy.models.accounts import new_security_stamp
from virtualacademy.models.families import (
    APPLICATION_STATUS_LABELS,
    EHE_REASON_LABELS,
    SEND_STATUS_LABELS,
    WITHDRAWAL_REASON_LABELS,
)
from virtualacademy.services import audit, localities

log = logging.getLogger(__name__)

LONDON = clock.LONDON
#: Replaces a required piece of personal text (a name, an address line, a message body).
ERASED = "Erased"
#: Replaces personal data inside an audit event's detail.
REDACTED = "[erased]"
#: ``.invalid`` can never be delivered to (RFC 2606), so no email reaches anyone at these addresses.
ERASED_DOMAIN = "erased.invalid"
#: Roles that exist only because someone belongs to a family; an account with any other role is kept.
FAMILY_ROLES = frozenset({Role.GUARDIAN, Role.LEARNER})
#: Detail keys that hold personal data whatever their value.
PERSONAL_KEYS = frozenset({"email", "name", "phone", "address", "postcode", "legal_name", "preferred_name", "to"})
#: Columns never exported: secrets, and staff identities (third parties in a subject-access request).
NOT_EXPORTED = frozenset({"password_hash", "security_stamp", "decided_by_id", "author_id", "dedupe_key", "last_error"})


# --- whose records: everything identifying one family --------------------------------------------


@dataclass
class Subject:
    """One family's records.

    ``own_user_ids`` and ``own_addresses`` are the accounts and email addresses that belong to this family
    alone. One that is also used elsewhere (a parent who also works for the academy, a guardian in another
    family that is not erased) is listed in the export but never erased, and the emails, notifications and
    actions that go with it are left out of both: they are not only about this family.
    """

    family: Family
    guardians: list[Guardian]
    learners: list[Learner]
    applications: list[Application]
    enrolments: list[Enrolment]
    users: list[User]
    #: Accounts used by this family alone.
    own_user_ids: set[int]
    addresses: set[str]
    #: Email addresses used by this family alone.
    own_addresses: set[str]

    @property
    def user_ids(self) -> set[int]:
        return {u.id for u in self.users}

    def audit_objects(self, user_ids: set[int]) -> list[tuple[str, set[str]]]:
        """(object_type, ids) pairs naming the audit events about this family's records (and these accounts)."""
        return [
            ("Family", {str(self.family.id)}),
            ("Guardian", {str(g.id) for g in self.guardians}),
            ("Learner", {str(lr.id) for lr in self.learners}),
            ("Enrolment", {str(e.id) for e in self.enrolments}),
            ("Application", {str(a.id) for a in self.applications}),
            ("User", {str(u) for u in user_ids}),
        ]


def _lower(values: Iterable[str | None]) -> set[str]:
    return {v.strip().lower() for v in values if v and v.strip()}


def subject(family: Family) -> Subject:
    guardians = list(family.guardians)
    learners = list(family.learners)
    guardian_user_ids = {g.user_id for g in guardians if g.user_id}
    guardian_emails = _lower(g.email for g in guardians)
    # The family's own applications, and any not accepted that its guardians made (e.g. declined ones).
    mine = Application.family_id == family.id
    theirs = Application.family_id.is_(None) & or_(
        Application.user_id.in_(guardian_user_ids) if guardian_user_ids else false(),
        Application.email.in_(guardian_emails) if guardian_emails else false(),
    )
    applications = list(db.session.scalars(select(Application).where(or_(mine, theirs)).order_by(Application.id)))
    user_ids = guardian_user_ids | {lr.user_id for lr in learners if lr.user_id}
    user_ids |= {a.user_id for a in applications if a.user_id}
    users = list(db.session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.id))) if user_ids else []
    own = {u.id for u in users if not _used_elsewhere(u, family)}
    addresses = guardian_emails | _lower(a.email for a in applications) | _lower(u.email for u in users)
    shared = _addresses_used_elsewhere(addresses, family, own)
    return Subject(
        family=family,
        guardians=guardians,
        learners=learners,
        applications=applications,
        enrolments=[e for lr in learners for e in lr.enrolments],
        users=users,
        own_user_ids=own,
        addresses=addresses,
        own_addresses=addresses - shared,
    )


def _used_elsewhere(user: User, family: Family) -> bool:
    """Staff, or a guardian in another family whose data is not erased: the account stays."""
    if user.roles - FAMILY_ROLES:
        return True
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Guardian.user_id == user.id,
                    Guardian.family_id != family.id,
                    Guardian.family_id == Family.id,
                    Family.erased_at.is_(None),
                )
            )
        )
    )


def _addresses_used_elsewhere(addresses: set[str], family: Family, own_user_ids: set[int]) -> set[str]:
    """Addresses of accounts that are not the family's own, or of guardians in other families not erased."""
    if not addresses:
        return set()
    accounts = select(func.lower(User.email)).where(
        func.lower(User.email).in_(addresses), User.id.not_in(own_user_ids or {-1})
    )
    guardians = (
        select(func.lower(Guardian.email))
        .join(Family, Family.id == Guardian.family_id)
        .where(func.lower(Guardian.email).in_(addresses), Family.id != family.id, Family.erased_at.is_(None))
    )
    return set(db.session.scalars(accounts)) | set(db.session.scalars(guardians))


def _audit_events(subj: Subject, accounts: set[int], actors: set[int], addresses: set[str]) -> list[AuditEvent]:
    """Events about the family's records or ``accounts``, done by ``actors``, or naming one of ``addresses``."""
    conditions = [
        (AuditEvent.object_type == kind) & AuditEvent.object_id.in_(ids)
        for kind, ids in subj.audit_objects(accounts)
        if ids
    ]
    if actors:
        conditions.append(AuditEvent.actor_id.in_(actors))
    detail = cast(AuditEvent.detail, String)
    # As the JSON column stores it (json.dumps escapes non-ASCII), so the text search finds it.
    conditions += [detail.contains(json.dumps(a)[1:-1], autoescape=True) for a in sorted(addresses)]
    stmt = select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.occurred_at, AuditEvent.id)
    return list(db.session.scalars(stmt))


def _notifications(user_ids: set[int]) -> list[Notification]:
    if not user_ids:
        return []
    stmt = select(Notification).where(Notification.user_id.in_(user_ids)).order_by(Notification.id)
    return list(db.session.scalars(stmt))


#: Shortest name or address fragment looked for in other people's notifications and emails (shorter ones, such
#: as a two-letter preferred name, would match unrelated words).
MIN_IDENTIFIER_IN_TEXT = 3


def _naming(columns: list, identifiers: list[str]) -> Any:
    """SQL: any of ``columns`` contains any of the identifiers (case-insensitive)."""
    tokens = [t for t in identifiers if len(t) >= MIN_IDENTIFIER_IN_TEXT]
    if not tokens:
        return false()
    return or_(*(func.lower(column).contains(token, autoescape=True) for column in columns for token in tokens))


def _staff_notifications(family_user_ids: set[int], identifiers: list[str]) -> list[Notification]:
    """Other people's notifications (staff's: a gap, an escalation, a spend request) that name the family."""
    stmt = select(Notification).where(
        Notification.user_id.not_in(family_user_ids) if family_user_ids else true(),
        Notification.title != ERASED,
        _naming([Notification.title, Notification.body], identifiers),
    )
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def _staff_emails(family_addresses: set[str], identifiers: list[str]) -> list[OutboxMessage]:
    """Emails to other people (staff's digests and alerts) whose subject or text names the family."""
    stmt = select(OutboxMessage).where(
        func.lower(OutboxMessage.to_address).not_in(family_addresses) if family_addresses else true(),
        OutboxMessage.subject != ERASED,
        _naming([OutboxMessage.subject, OutboxMessage.body_text], identifiers),
    )
    return list(db.session.scalars(stmt.order_by(OutboxMessage.id)))


def _emails(addresses: set[str]) -> list[OutboxMessage]:
    if not addresses:
        return []
    stmt = (
        select(OutboxMessage)
        .where(func.lower(OutboxMessage.to_address).in_(addresses))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    return list(db.session.scalars(stmt))


# --- other modules' records -----------------------------------------------------------------------


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


# --- subject access --------------------------------------------------------------------------------


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


# --- erasure: when --------------------------------------------------------------------------------


def retention_age_years() -> int:
    return int(current_app.config["RETENTION_AGE_YEARS"])


def birthday(born: date, age: int) -> date:
    """The day someone born on ``born`` reaches ``age`` (29 February: 1 March in other years, as in UK law)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return date(born.year + age, 3, 1)


def erasure_due_on(family: Family) -> date | None:
    """The youngest child's ``RETENTION_AGE_YEARS``th birthday; None for a family with no children
    (nothing to keep it for: due as soon as it is requested)."""
    if not family.learners:
        return None
    return birthday(max(lr.date_of_birth for lr in family.learners), retention_age_years())


def _local_date(now: datetime) -> date:
    return now.astimezone(LONDON).date()


def _still_enrolled(family: Family) -> list[Learner]:
    return [lr for lr in family.learners if lr.current_enrolment is not None]


def _names(learners: list[Learner]) -> str:
    names = [lr.legal_name for lr in learners]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def why_not_erasable(family: Family, now: datetime) -> str | None:
    """Why the family cannot be erased at ``now`` (None when it can)."""
    if family.erased_at is not None:
        return "This family's personal data has already been erased"
    if family.erasure_requested_at is None:
        return "Erasure has not been requested for this family"
    enrolled = _still_enrolled(family)
    if enrolled:
        return (
            f"{_names(enrolled)} {'is' if len(enrolled) == 1 else 'are'} enrolled again, so the family cannot be erased"
        )
    due = erasure_due_on(family)
    if due is not None and _local_date(now) < due:
        return f"The retention period has not ended: the family's data can be erased from {due:%-d %B %Y}"
    return None


@dataclass(frozen=True)
class ErasureState:
    #: ``not_requested``, ``requested`` or ``erased``
    state: str
    due_on: date | None
    requested_at: datetime | None
    erased_at: datetime | None
    #: Requested, and erasable now (the retention period has ended and no one is enrolled).
    erasable: bool
    #: Children still enrolled (erasure cannot be requested while any are).
    enrolled: list[Learner] = field(default_factory=list)

    @property
    def enrolled_names(self) -> str:
        return _names(self.enrolled) if self.enrolled else ""


def erasure_state(family: Family, now: datetime | None = None) -> ErasureState:
    now = now or clock.now()
    if family.erased_at is not None:
        state = "erased"
    elif family.erasure_requested_at is not None:
        state = "requested"
    else:
        state = "not_requested"
    return ErasureState(
        state=state,
        due_on=erasure_due_on(family),
        requested_at=family.erasure_requested_at,
        erased_at=family.erased_at,
        erasable=why_not_erasable(family, now) is None,
        enrolled=_still_enrolled(family),
    )


def request_erasure(actor: User, family: Family, now: datetime | None = None) -> date | None:
    """Mark a withdrawn family for erasure; returns the date it becomes due."""
    if family.erased_at is not None:
        raise NotAllowed("This family's personal data has already been erased")
    if family.erasure_requested_at is not None:
        raise NotAllowed("Erasure has already been requested for this family")
    enrolled = _still_enrolled(family)
    if enrolled:
        raise NotAllowed(
            f"{_names(enrolled)} {'is' if len(enrolled) == 1 else 'are'} still enrolled. "
            "Withdraw every child before asking for the family's data to be erased."
        )
    family.erasure_requested_at = now or clock.now()
    due = erasure_due_on(family)
    audit.record(
        "data_protection.erasure_requested",
        actor=actor,
        obj=family,
        detail={"due_on": due.isoformat() if due else None, "retention_age_years": retention_age_years()},
    )
    return due


def cancel_erasure(actor: User, family: Family) -> None:
    if family.erased_at is not None:
        raise NotAllowed("This family's personal data has already been erased; that cannot be undone")
    if family.erasure_requested_at is None:
        raise NotAllowed("Erasure has not been requested for this family")
    family.erasure_requested_at = None
    audit.record("data_protection.erasure_cancelled", actor=actor, obj=family)


def due_for_erasure(now: datetime | None = None) -> list[Family]:
    """Families whose erasure is requested, not yet done, and due at ``now``."""
    now = now or clock.now()
    pending = db.session.scalars(
        select(Family).where(Family.erasure_requested_at.is_not(None), Family.erased_at.is_(None)).order_by(Family.id)
    )
    return [f for f in pending if why_not_erasable(f, now) is None]


# --- erasure: what ---------------------------------------------------------------------------------


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


@dataclass
class ErasureCounts:
    guardians: int = 0
    learners: int = 0
    accounts: int = 0
    applications: int = 0
    messages: int = 0
    emails: int = 0
    notifications: int = 0
    staff_notifications: int = 0
    staff_emails: int = 0
    audit_events: int = 0
    other: dict[str, int] = field(default_factory=dict)

    def detail(self) -> dict[str, Any]:
        return {
            "guardians": self.guardians,
            "learners": self.learners,
            "accounts": self.accounts,
            "applications": self.applications,
            "application_messages": self.messages,
            "emails": self.emails,
            "notifications": self.notifications,
            "staff_notifications": self.staff_notifications,
            "staff_emails": self.staff_emails,
            "audit_events": self.audit_events,
            **self.other,
        }


def erase_family(family: Family, now: datetime | None = None, actor: User | None = None) -> ErasureCounts:
    """Anonymise one family now; only if requested and due (nobody erases early). Flushes, never commits."""
    now = now or clock.now()
    # Lock the family's row (PostgreSQL; SQLite writes one at a time anyway) and read it afresh, so the
    # nightly job and an admin's "erase now" never both erase it.
    db.session.refresh(family, with_for_update=True)
    problem = why_not_erasable(family, now)
    if problem:
        raise NotAllowed(problem)
    subj = subject(family)
    counts = ErasureCounts()
    # Everything that could identify the family inside free text or an audit detail, found before it goes.
    identifiers = sorted(
        _lower(
            [
                *subj.own_addresses,
                *(g.name for g in subj.guardians),
                *(g.phone for g in subj.guardians),
                *(lr.legal_name for lr in subj.learners),
                *(lr.preferred_name for lr in subj.learners),
                *(u.name for u in subj.users if u.id in subj.own_user_ids),
                family.address_line_1,
                family.address_line_2,
                family.postcode,
            ]
        )
    )
    identifiers = [token for token in identifiers if len(token) >= 2 and token != ERASED.lower()]
    events = _audit_events(subj, subj.own_user_ids, subj.own_user_ids, subj.own_addresses)
    emails = _emails(subj.own_addresses)

    family.address_line_1 = ERASED
    family.address_line_2 = None
    family.town = ""
    family.postcode = _district(family.postcode)
    # external_ref stays: it is the authority's own reference, and keeping it stops a re-import of an old
    # list from bringing the family's data back (a suppression record).

    for guardian in subj.guardians:
        guardian.name = ERASED
        guardian.email = None
        guardian.phone = None
        if guardian.user_id is not None and guardian.user_id not in subj.own_user_ids:
            _unlink(guardian.user_id, Role.GUARDIAN, family)
            guardian.user_id = None
        counts.guardians += 1

    for learner in subj.learners:
        learner.legal_name = ERASED
        learner.preferred_name = None
        learner.date_of_birth = _first_of_month(learner.date_of_birth)
        learner.date_left_school = _first_of_month(learner.date_left_school)
        learner.previous_school = None
        learner.previous_school_urn = None
        learner.ehcp_review_date = None
        learner.needs = None
        if learner.user_id is not None and learner.user_id not in subj.own_user_ids:
            _unlink(learner.user_id, Role.LEARNER, family)
            learner.user_id = None
        for enrolment in learner.enrolments:
            enrolment.withdrawal_note = None  # free text; the reason code is kept
        counts.learners += 1

    for user in subj.users:
        if user.id in subj.own_user_ids:
            user.name = ERASED
            user.preferred_name = None
            user.email = f"erased-{user.id}@{ERASED_DOMAIN}"
            user.password_hash = None
            user.active = False
            user.security_stamp = new_security_stamp()  # ends sessions, spends reset and invitation links
            user.role_links.clear()
            counts.accounts += 1

    for application in subj.applications:
        application.email = f"erased-application-{application.id}@{ERASED_DOMAIN}"
        application.answers = _erased_answers(dict(application.answers or {}))
        if application.decline_reason:
            application.decline_reason = ERASED
        for message in application.messages:
            message.body = ERASED
            counts.messages += 1
        counts.applications += 1

    for message in emails:
        message.to_address = f"erased@{ERASED_DOMAIN}"
        message.subject = ERASED
        message.body_text = ""
        message.body_html = None
        message.last_error = None
        if message.dedupe_key and any(a in message.dedupe_key.lower() for a in subj.own_addresses):
            message.dedupe_key = f"erased:{message.id}"
        if message.status is OutboxStatus.PENDING:
            message.status = OutboxStatus.FAILED
            message.last_error = "Not sent: the recipient's personal data was erased"
        counts.emails += 1

    for notification in _notifications(subj.own_user_ids):
        notification.title = ERASED
        notification.body = None
        notification.link = None
        counts.notifications += 1  # the row and its key stay, so a job run again does not notify anew

    # Staff's notifications and emails that name the family (a learning gap, an escalation, a digest line) lose
    # their text too; the rows stay, as above. Old digests that also named other learners lose those lines with
    # them: the records they pointed at are unchanged.
    for notification in _staff_notifications(subj.own_user_ids, identifiers):
        notification.title = ERASED
        notification.body = None
        counts.staff_notifications += 1
    for message in _staff_emails(subj.own_addresses, identifiers):
        message.subject = ERASED
        message.body_text = ERASED
        if message.status is OutboxStatus.PENDING:
            message.status = OutboxStatus.FAILED
            message.last_error = "Not sent: it named someone whose personal data was erased"
        counts.staff_emails += 1

    for event in events:
        detail, changed = _scrub(event.detail or {}, identifiers)
        if changed:
            event.detail = detail
        if event.ip and (event.actor_id is None or event.actor_id in subj.own_user_ids):
            event.ip = None
            changed = True
        counts.audit_events += 1 if changed else 0

    for section in SECTIONS.values():
        counts.other[section.key] = section.erase(subj)

    family.erased_at = now
    db.session.flush()
    audit.record("data_protection.erased", actor=actor, obj=family, detail=counts.detail())
    return counts


def _unlink(user_id: int, role: Role, family: Family) -> None:
    """A kept account leaves the erased family; it loses the family role if it has no other family."""
    if role is Role.GUARDIAN:
        other = select(Guardian.id).where(Guardian.user_id == user_id, Guardian.family_id != family.id).limit(1)
    else:
        other = select(Learner.id).where(Learner.user_id == user_id, Learner.family_id != family.id).limit(1)
    if db.session.scalar(other) is None:
        user = db.session.get(User, user_id)
        user.role_links = [link for link in user.role_links if link.role is not role]


@dataclass
class ErasureRun:
    erased: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        done = f"erased {len(self.erased)} famil{'y' if len(self.erased) == 1 else 'ies'}"
        if self.erased:
            done += f" ({', '.join(self.erased)})"
        if self.failed:
            done += f"; {len(self.failed)} failed ({', '.join(self.failed)}) and were left untouched"
        return done


def erase_due(now: datetime | None = None) -> ErasureRun:
    """The ``erase-due`` job: erase every family that is due. Level-triggered and idempotent.

    Each family is erased in its own savepoint: one that fails is rolled back whole (left untouched, and
    tried again on the next run) and the others go ahead. The caller commits.
    """
    now = now or clock.now()
    run = ErasureRun()
    for family in due_for_erasure(now):
        reference = family.reference
        try:
            with db.session.begin_nested():
                erase_family(family, now)
        except Exception:
            log.exception("Could not erase family %s; it is left untouched and will be tried again", reference)
            run.failed.append(reference)
        else:
            run.erased.append(reference)
    return run
