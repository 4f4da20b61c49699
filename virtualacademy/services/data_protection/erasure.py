"""Erasure, doing it: one family anonymised (:func:`erase_family`), and the nightly ``erase-due`` job."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.errors import NotAllowed
from virtualacademy.extensions import db
from virtualacademy.models import AuditEvent, Family, Guardian, Learner, OutboxMessage, OutboxStatus, Role, User
from virtualacademy.models.accounts import new_security_stamp
from virtualacademy.services import audit
from virtualacademy.services.data_protection.anonymising import _district, _erased_answers, _first_of_month, _scrub
from virtualacademy.services.data_protection.common import ERASED, ERASED_DOMAIN
from virtualacademy.services.data_protection.retention import due_for_erasure, why_not_erasable
from virtualacademy.services.data_protection.sections import SECTIONS
from virtualacademy.services.data_protection.subjects import (
    Subject,
    _audit_events,
    _emails,
    _lower,
    _notifications,
    _staff_emails,
    _staff_notifications,
    subject,
)

log = logging.getLogger(__name__)


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
    identifiers = _identifiers(subj)
    events = _audit_events(subj, subj.own_user_ids, subj.own_user_ids, subj.own_addresses)
    emails = _emails(subj.own_addresses)

    _erase_address(family)
    counts.guardians = _erase_guardians(subj)
    counts.learners = _erase_learners(subj)
    counts.accounts = _erase_accounts(subj)
    counts.applications, counts.messages = _erase_applications(subj)
    counts.emails = _erase_emails(emails, subj.own_addresses)
    counts.notifications = _erase_notifications(subj.own_user_ids)
    counts.staff_notifications, counts.staff_emails = _erase_mentions(subj, identifiers)
    counts.audit_events = _scrub_events(events, identifiers, subj.own_user_ids)
    for section in SECTIONS.values():
        counts.other[section.key] = section.erase(subj)

    family.erased_at = now
    db.session.flush()
    audit.record("data_protection.erased", actor=actor, obj=family, detail=counts.detail())
    return counts


def _identifiers(subj: Subject) -> list[str]:
    """The family's names, phone numbers, own addresses and address, lower-case, as looked for in free text and
    audit details (two characters or more, and never the word that replaces them)."""
    family = subj.family
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
    return [token for token in identifiers if len(token) >= 2 and token != ERASED.lower()]


def _erase_address(family: Family) -> None:
    family.address_line_1 = ERASED
    family.address_line_2 = None
    family.town = ""
    family.postcode = _district(family.postcode)
    # external_ref stays: it is the authority's own reference, and keeping it stops a re-import of an old
    # list from bringing the family's data back (a suppression record).


def _erase_guardians(subj: Subject) -> int:
    for guardian in subj.guardians:
        guardian.name = ERASED
        guardian.email = None
        guardian.phone = None
        if guardian.user_id is not None and guardian.user_id not in subj.own_user_ids:
            _unlink(guardian.user_id, Role.GUARDIAN, subj.family)
            guardian.user_id = None
    return len(subj.guardians)


def _erase_learners(subj: Subject) -> int:
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
            _unlink(learner.user_id, Role.LEARNER, subj.family)
            learner.user_id = None
        for enrolment in learner.enrolments:
            enrolment.withdrawal_note = None  # free text; the reason code is kept
    return len(subj.learners)


def _erase_accounts(subj: Subject) -> int:
    """The family's own accounts (never one also used elsewhere) anonymised and closed."""
    erased = 0
    for user in subj.users:
        if user.id in subj.own_user_ids:
            user.name = ERASED
            user.preferred_name = None
            user.email = f"erased-{user.id}@{ERASED_DOMAIN}"
            user.password_hash = None
            user.active = False
            user.security_stamp = new_security_stamp()  # ends sessions, spends reset and invitation links
            user.role_links.clear()
            erased += 1
    return erased


def _erase_applications(subj: Subject) -> tuple[int, int]:
    """The applications, and their messages: how many of each."""
    messages = 0
    for application in subj.applications:
        application.email = f"erased-application-{application.id}@{ERASED_DOMAIN}"
        application.answers = _erased_answers(dict(application.answers or {}))
        if application.decline_reason:
            application.decline_reason = ERASED
        for message in application.messages:
            message.body = ERASED
            messages += 1
    return len(subj.applications), messages


def _erase_emails(emails: list[OutboxMessage], own_addresses: set[str]) -> int:
    """Emails to the family's own addresses: emptied, and never sent if still waiting."""
    for message in emails:
        message.to_address = f"erased@{ERASED_DOMAIN}"
        message.subject = ERASED
        message.body_text = ""
        message.body_html = None
        message.last_error = None
        if message.dedupe_key and any(a in message.dedupe_key.lower() for a in own_addresses):
            message.dedupe_key = f"erased:{message.id}"
        if message.status is OutboxStatus.PENDING:
            message.status = OutboxStatus.FAILED
            message.last_error = "Not sent: the recipient's personal data was erased"
    return len(emails)


def _erase_notifications(own_user_ids: set[int]) -> int:
    erased = 0
    for notification in _notifications(own_user_ids):
        notification.title = ERASED
        notification.body = None
        notification.link = None
        erased += 1  # the row and its key stay, so a job run again does not notify anew
    return erased


def _erase_mentions(subj: Subject, identifiers: list[str]) -> tuple[int, int]:
    """Staff's notifications and emails that name the family (a learning gap, an escalation, a digest line) lose
    their text too; the rows stay, as the family's own do. Old digests that also named other learners lose those
    lines with them: the records they pointed at are unchanged. How many notifications, and emails."""
    notifications = 0
    for notification in _staff_notifications(subj.own_user_ids, identifiers):
        notification.title = ERASED
        notification.body = None
        notifications += 1
    emails = 0
    for message in _staff_emails(subj.own_addresses, identifiers):
        message.subject = ERASED
        message.body_text = ERASED
        if message.status is OutboxStatus.PENDING:
            message.status = OutboxStatus.FAILED
            message.last_error = "Not sent: it named someone whose personal data was erased"
        emails += 1
    return notifications, emails


def _scrub_events(events: list[AuditEvent], identifiers: list[str], own_user_ids: set[int]) -> int:
    """Personal data taken out of the audit events' details, and the family's own IP addresses: how many
    events changed."""
    scrubbed = 0
    for event in events:
        detail, changed = _scrub(event.detail or {}, identifiers)
        if changed:
            event.detail = detail
        if event.ip and (event.actor_id is None or event.actor_id in own_user_ids):
            event.ip = None
            changed = True
        scrubbed += 1 if changed else 0
    return scrubbed


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
