"""Whose records: everything identifying one family (:func:`subject`), and the audit events, emails and
notifications about it, including other people's that name it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, exists, false, func, or_, select, true

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
    User,
)
from virtualacademy.services.data_protection.common import ERASED, FAMILY_ROLES


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
