"""Safeguarding concerns: raised by any member of staff, seen only by the safeguarding leads and by the
person who raised it.

* **Raising** (:func:`raise_concern`): any member of staff, about any learner on the academy's roll (or
  accepted and about to start, or withdrawn but not yet off roll). Every active safeguarding lead is told at
  once through the one notification path, in the app and by email; what they are told says only that a
  concern was raised, with a link: never the learner's name, never what was reported.
* **Who sees what** (:func:`may_view`, :func:`may_act`, :func:`visible`): a safeguarding lead sees every
  concern and its chronology and is the only one who may add to it. The person who raised a concern sees
  their own report and its status (open or closed), never the leads' chronology. Nobody else sees that a
  concern exists: not admins who are not leads, not other staff, not the family, not the learner.
* **The chronology** (:func:`add_entry`, :func:`reopen`): leads record what was done or decided (monitor,
  early help, referral to children's social care, a note) and close the concern with its outcome. A closed
  concern takes no more entries until a lead reopens it, giving the reason (kept as a note).
* **Audit**: raising, every view of a concern (:func:`record_view`), every entry, closing and reopening. The
  audit log names the concern by id only: no learner, no content, no outcome (admins who are not leads read
  the audit log).

Functions take the acting user, flush and never commit; broken rules raise domain errors.
"""

from __future__ import annotations

from datetime import date, datetime, time

from flask import current_app
from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import joinedload

from virtualacademy import clock
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    ConcernEntry,
    ConcernEntryKind,
    ConcernStatus,
    Enrolment,
    EnrolmentStatus,
    Family,
    Learner,
    Role,
    SafeguardingConcern,
    User,
    UserRole,
)
from virtualacademy.services import audit, notifications

NOTIFICATION_KIND = "safeguarding"
#: What a lead is told (in the app and by email). Deliberately says nothing about the learner or the report.
LEAD_TITLE = "A safeguarding concern has been raised"
LEAD_BODY = "A member of staff has raised a safeguarding concern. Sign in to read it."
#: What admins are told when there is no safeguarding lead to tell.
NO_LEAD_TITLE = "A safeguarding concern could not be sent to a safeguarding lead"
NO_LEAD_BODY = (
    "A member of staff has raised a safeguarding concern, but nobody has the safeguarding lead role, "
    "so nobody can read it. Give the role to the academy's designated safeguarding lead now."
)
#: The most search results shown when choosing a learner.
SEARCH_LIMIT = 20
MAX_TEXT = 20_000
REOPENED_PREFIX = "Reopened: "


def _path(endpoint: str, **values) -> str:
    """The app path of ``endpoint`` (there may be no request: jobs and the CLI call services too)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


# --- who may see and do what (the policy rules in ``policies/safeguarding.py`` use these) -------------


def _signed_in(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_lead(user: User | None) -> bool:
    return _signed_in(user) and user.has_role(Role.SAFEGUARDING_LEAD)


def may_raise(user: User | None) -> bool:
    """Any member of staff (every role in ``STAFF_ROLES``)."""
    return _signed_in(user) and user.is_staff


def may_view(user: User | None, concern: SafeguardingConcern) -> bool:
    """A lead, or the member of staff who raised it."""
    if is_lead(user):
        return True
    return may_raise(user) and concern.raised_by_id is not None and concern.raised_by_id == user.id


def may_act(user: User | None, concern: SafeguardingConcern | None = None) -> bool:
    """Only a lead reads and adds to the chronology, closes and reopens."""
    return is_lead(user)


def visible(user: User | None, stmt: Select) -> Select:
    """``stmt`` (over :class:`SafeguardingConcern`) narrowed to the concerns ``user`` may see."""
    if is_lead(user):
        return stmt
    if may_raise(user):
        return stmt.where(SafeguardingConcern.raised_by_id == user.id)
    return stmt.where(false())


def visible_entries(user: User | None, stmt: Select) -> Select:
    """The chronology is for leads only."""
    return stmt if is_lead(user) else stmt.where(false())


# --- choosing the learner ------------------------------------------------------------------------------


def _on_roll_or_starting(today: date):
    """An enrolment that has not ended: on roll now, accepted and about to start, or leaving later."""
    return (
        select(Enrolment.id)
        .where(
            Enrolment.learner_id == Learner.id,
            Enrolment.status != EnrolmentStatus.APPLIED,
            or_(Enrolment.end_date.is_(None), Enrolment.end_date > today),
        )
        .exists()
    )


def is_enrolled(learner: Learner, today: date | None = None) -> bool:
    """Whether a concern may be raised about ``learner``: their enrolment has not ended."""
    today = today or clock.today()
    return any(
        e.status is not EnrolmentStatus.APPLIED and (e.end_date is None or e.end_date > today)
        for e in learner.enrolments
    )


def find_learners(actor: User, query: str, limit: int = SEARCH_LIMIT) -> list[Learner]:
    """Enrolled learners whose name (legal or preferred) contains ``query``, or whose family reference it is.

    For staff choosing whom a concern is about: the page shows only what identifies the child (name, family
    reference, locality), since staff may not otherwise see every learner.
    """
    if not may_raise(actor):
        raise NotAllowed("Only academy staff can raise a safeguarding concern")
    query = " ".join((query or "").split())
    if len(query) < 2:
        raise ValidationError("Enter at least 2 letters of the learner's name", field="q")
    stmt = (
        select(Learner)
        .join(Family, Learner.family_id == Family.id)
        .where(
            _on_roll_or_starting(clock.today()),
            or_(
                Learner.legal_name.icontains(query, autoescape=True),
                Learner.preferred_name.icontains(query, autoescape=True),
                func.upper(Family.reference) == query.upper(),
            ),
        )
        .options(joinedload(Learner.family), joinedload(Learner.locality))
        .order_by(Learner.legal_name, Learner.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


# --- raising a concern -------------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return (text or "").strip()


def _check_length(text: str, field: str, what: str) -> None:
    if len(text) > MAX_TEXT:
        raise ValidationError(f"{what} must be {MAX_TEXT:,} characters or fewer", field=field)


def active_leads() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.SAFEGUARDING_LEAD, User.active.is_(True))
            .order_by(User.id)
        )
    )


def _active_admins() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.ADMIN, User.active.is_(True))
            .order_by(User.id)
        )
    )


def notify_leads(concern: SafeguardingConcern) -> int:
    """Tell every active safeguarding lead that ``concern`` was raised; returns how many leads there are.

    Idempotent: each lead's notification (and its email) has the key ``concern-raised:<concern>:<lead>``, so
    running this again tells nobody twice. If there is no active lead, the active admins are told instead
    (without a link to the concern, which they cannot open) so that someone gives the role.
    """
    leads = active_leads()
    link = _path("safeguarding.concern", concern_id=concern.id)
    for lead in leads:
        notifications.notify(
            lead,
            f"concern-raised:{concern.id}:{lead.id}",
            NOTIFICATION_KIND,
            LEAD_TITLE,
            body=LEAD_BODY,
            link=link,
            email_template="notification",
        )
    if not leads:
        for admin in _active_admins():
            notifications.notify(
                admin,
                f"concern-no-lead:{concern.id}:{admin.id}",
                NOTIFICATION_KIND,
                NO_LEAD_TITLE,
                body=NO_LEAD_BODY,
                link=_path("admin.users"),
                email_template="notification",
            )
    return len(leads)


def raise_concern(
    actor: User,
    learner: Learner,
    observed_on: date | None,
    observed_time: time | None,
    what_happened: str | None,
    immediate_action: str | None = None,
    *,
    now: datetime | None = None,
) -> tuple[SafeguardingConcern, int]:
    """Record a concern about ``learner`` and tell the safeguarding leads.

    ``observed_on`` and ``observed_time`` are when it was seen or heard, on the academy's clock (Europe/London);
    not in the future. Returns the concern and the number of leads told.
    """
    if not may_raise(actor):
        raise NotAllowed("Only academy staff can raise a safeguarding concern")
    if not is_enrolled(learner):
        raise ValidationError("You can only raise a concern about a learner enrolled at the academy")
    now = now or clock.now()
    london = clock.LONDON
    if observed_on is None:
        raise ValidationError("Enter the date it was seen or heard", field="observed_on")
    if observed_time is None:
        raise ValidationError("Enter the time it was seen or heard", field="observed_time")
    observed_at = datetime.combine(observed_on, observed_time, tzinfo=london)
    local_now = now.astimezone(london)
    if observed_on > local_now.date():
        raise ValidationError("The date it was seen or heard must be today or in the past", field="observed_on")
    # People type minutes: the current minute is not "in the future".
    if observed_at > local_now.replace(second=0, microsecond=0):
        raise ValidationError("The time it was seen or heard must be now or in the past", field="observed_time")
    what_happened = _clean(what_happened)
    if not what_happened:
        raise ValidationError("Enter what was seen or heard", field="what_happened")
    _check_length(what_happened, "what_happened", "What was seen or heard")
    immediate_action = _clean(immediate_action) or None
    if immediate_action:
        _check_length(immediate_action, "immediate_action", "Immediate action taken")
    concern = SafeguardingConcern(
        learner_id=learner.id,
        raised_by_id=actor.id,
        observed_at=observed_at,
        what_happened=what_happened,
        immediate_action=immediate_action,
        status=ConcernStatus.OPEN,
        created_at=now,
    )
    db.session.add(concern)
    db.session.flush()
    told = notify_leads(concern)
    # The audit log is read by admins who are not leads: the concern's id, never the learner or the content.
    audit.record("safeguarding.concern_raised", actor=actor, obj=concern, detail={"leads_told": told})
    return concern, told


# --- seeing concerns ---------------------------------------------------------------------------------


#: The concerns list, by filter: the status each shows (``None``: every status). The first is the default.
LIST_FILTERS: dict[str, ConcernStatus | None] = {
    "open": ConcernStatus.OPEN,
    "closed": ConcernStatus.CLOSED,
    "all": None,
}


def list_filter(name: str | None) -> str:
    """The :data:`LIST_FILTERS` filter called ``name``, or the default (the open concerns)."""
    return name if name in LIST_FILTERS else next(iter(LIST_FILTERS))


def concerns(status: ConcernStatus | None = None) -> Select:
    """All concerns (narrow with ``policies.scoped``), newest first, optionally with one status."""
    stmt = select(SafeguardingConcern).options(
        joinedload(SafeguardingConcern.learner), joinedload(SafeguardingConcern.raised_by)
    )
    if status is not None:
        stmt = stmt.where(SafeguardingConcern.status == status)
    return stmt.order_by(SafeguardingConcern.created_at.desc(), SafeguardingConcern.id.desc())


def open_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(SafeguardingConcern).where(SafeguardingConcern.status == ConcernStatus.OPEN)
    )


def record_view(actor: User, concern: SafeguardingConcern) -> None:
    """Audit one view of ``concern`` (its page shows what was reported)."""
    if not may_view(actor, concern):
        raise NotAllowed("You cannot see this concern")
    audit.record("safeguarding.concern_viewed", actor=actor, obj=concern)


def other_concerns(actor: User, concern: SafeguardingConcern) -> list[SafeguardingConcern]:
    """The learner's other concerns, newest first: a lead looks for a pattern."""
    if not may_act(actor, concern):
        raise NotAllowed("Only a safeguarding lead can see a learner's other concerns")
    return list(
        db.session.scalars(
            select(SafeguardingConcern)
            .where(SafeguardingConcern.learner_id == concern.learner_id, SafeguardingConcern.id != concern.id)
            .order_by(SafeguardingConcern.created_at.desc(), SafeguardingConcern.id.desc())
        )
    )


# --- the chronology ----------------------------------------------------------------------------------


def _kind(kind: ConcernEntryKind | str | None) -> ConcernEntryKind:
    try:
        return ConcernEntryKind(kind)
    except ValueError:
        raise ValidationError("Choose what was done or decided", field="kind") from None


def add_entry(
    actor: User, concern: SafeguardingConcern, kind: ConcernEntryKind | str | None, text: str | None
) -> ConcernEntry:
    """Add an action or outcome to the chronology; ``closed`` closes the concern (the text is the outcome)."""
    if not may_act(actor, concern):
        raise NotAllowed("Only a safeguarding lead can add to a concern's chronology")
    kind = _kind(kind)
    text = _clean(text)
    if not text:
        if kind is ConcernEntryKind.CLOSED:
            raise ValidationError("Enter the outcome, and why the concern can be closed", field="text")
        raise ValidationError("Enter what was done or decided", field="text")
    _check_length(text, "text", "What was done or decided")
    if concern.status is ConcernStatus.CLOSED:
        raise ValidationError("This concern is closed. Reopen it to add to its chronology")
    entry = ConcernEntry(author_id=actor.id, kind=kind, text=text)
    concern.entries.append(entry)
    if kind is ConcernEntryKind.CLOSED:
        concern.status = ConcernStatus.CLOSED
    db.session.flush()
    audit.record("safeguarding.entry_added", actor=actor, obj=concern, detail={"entry": entry.id})
    if kind is ConcernEntryKind.CLOSED:
        audit.record("safeguarding.concern_closed", actor=actor, obj=concern, detail={"entry": entry.id})
    return entry


def reopen(actor: User, concern: SafeguardingConcern, reason: str | None) -> ConcernEntry:
    """Reopen a closed concern; the reason goes into the chronology as a note starting "Reopened: "."""
    if not may_act(actor, concern):
        raise NotAllowed("Only a safeguarding lead can reopen a concern")
    if concern.status is not ConcernStatus.CLOSED:
        raise ValidationError("This concern is already open")
    reason = _clean(reason)
    if not reason:
        raise ValidationError("Enter why the concern is being reopened", field="reason")
    _check_length(reason, "reason", "The reason")
    entry = ConcernEntry(author_id=actor.id, kind=ConcernEntryKind.NOTE, text=REOPENED_PREFIX + reason)
    concern.entries.append(entry)
    concern.status = ConcernStatus.OPEN
    db.session.flush()
    audit.record("safeguarding.concern_reopened", actor=actor, obj=concern, detail={"entry": entry.id})
    return entry
