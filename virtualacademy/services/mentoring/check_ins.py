"""Check-ins: recording a contact (or an attempt) with its agreed actions, the wellbeing alert, closing
actions, and the learner's contact history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import ActionOwner, AgreedAction, CheckIn, ContactMethod, ContactWith, Learner, User
from virtualacademy.services import audit, notifications
from virtualacademy.services.mentoring.relations import WRITES, current_mentor, require

LONDON = clock.LONDON


@dataclass
class ActionInput:
    text: str
    owner: ActionOwner
    due_on: date | None = None


def record_check_in(
    actor: User,
    learner: Learner,
    *,
    occurred_at: datetime,
    method: ContactMethod,
    with_whom: ContactWith,
    contact_made: bool,
    wellbeing: int | None = None,
    engagement: int | None = None,
    notes: str | None = None,
    actions: list[ActionInput] | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """Record a contact (or an attempt). A very low or sharply falling wellbeing score alerts the mentor."""
    now = now or clock.now()
    require(actor, learner, WRITES, "Only the learner's mentor, coordinator or an admin can record a check-in")
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    if occurred_at > now + timedelta(minutes=5):
        raise ValidationError("A check-in cannot be in the future", field="occurred_on")
    for name, value in (("wellbeing", wellbeing), ("engagement", engagement)):
        if value is not None and not 1 <= int(value) <= 5:
            raise ValidationError(f"{name.capitalize()} must be a score from 1 to 5", field=name)
    if not contact_made and (wellbeing is not None or engagement is not None):
        raise ValidationError("Scores can only be recorded when contact was made", field="wellbeing")
    previous = last_wellbeing(learner, before=occurred_at)
    check_in = CheckIn(
        learner_id=learner.id,
        mentor_id=actor.id,
        occurred_at=occurred_at,
        method=method,
        with_whom=with_whom,
        contact_made=contact_made,
        wellbeing=wellbeing,
        engagement=engagement,
        notes=(notes or "").strip() or None,
    )
    db.session.add(check_in)
    db.session.flush()
    for item in actions or []:
        text = (item.text or "").strip()
        if not text:
            continue
        db.session.add(
            AgreedAction(
                learner_id=learner.id, check_in_id=check_in.id, text=text, owner=item.owner, due_on=item.due_on
            )
        )
    db.session.flush()
    audit.record(
        "mentoring.check_in_recorded",
        actor=actor,
        obj=learner,
        detail={"check_in": check_in.id, "contact_made": contact_made},
    )
    if wellbeing is not None and (wellbeing == 1 or (previous is not None and previous - wellbeing >= 2)):
        mentor = current_mentor(learner) or actor
        reason = "a wellbeing score of 1" if wellbeing == 1 else f"wellbeing down from {previous} to {wellbeing}"
        notifications.notify(
            mentor,
            f"wellbeing:{check_in.id}",
            "wellbeing",
            f"Wellbeing alert for {learner.known_as}",
            body=f"The check-in on {occurred_at.astimezone(LONDON):%-d %B} recorded {reason}.",
            link=f"/caseload/learners/{learner.id}",
            email_template="notification",
        )
    return check_in


def last_wellbeing(learner: Learner, before: datetime | None = None) -> int | None:
    """The latest wellbeing score (before ``before``, so a back-dated check-in compares with its past)."""
    stmt = select(CheckIn.wellbeing).where(CheckIn.learner_id == learner.id, CheckIn.wellbeing.is_not(None))
    if before is not None:
        stmt = stmt.where(CheckIn.occurred_at < before)
    return db.session.scalar(stmt.order_by(CheckIn.occurred_at.desc(), CheckIn.id.desc()).limit(1))


def close_action(actor: User, action: AgreedAction) -> None:
    learner = db.session.get(Learner, action.learner_id)
    require(actor, learner, WRITES, "Only the learner's mentor, coordinator or an admin can close an action")
    if action.closed_at is not None:
        raise ValidationError("This action is already closed")
    action.closed_at = clock.now()
    action.closed_by_id = actor.id
    audit.record("mentoring.action_closed", actor=actor, obj=learner, detail={"action": action.id})


def chronology(learner: Learner) -> list[CheckIn]:
    return list(
        db.session.scalars(
            select(CheckIn)
            .where(CheckIn.learner_id == learner.id)
            .order_by(CheckIn.occurred_at.desc(), CheckIn.id.desc())
        )
    )


def open_actions(learner: Learner, owners: tuple[ActionOwner, ...] | None = None) -> list[AgreedAction]:
    stmt = select(AgreedAction).where(AgreedAction.learner_id == learner.id, AgreedAction.closed_at.is_(None))
    if owners:
        stmt = stmt.where(AgreedAction.owner.in_(owners))
    return list(db.session.scalars(stmt.order_by(AgreedAction.due_on.is_(None), AgreedAction.due_on, AgreedAction.id)))
