"""Sharing a draft plan with the family."""

from __future__ import annotations

from virtualacademy.errors import ValidationError
from virtualacademy.models import Learner, User
from virtualacademy.services import audit, notifications
from virtualacademy.services.learning_plans.access import _require, may_review
from virtualacademy.services.learning_plans.common import _text
from virtualacademy.services.learning_plans.history import plan_of

# --- sharing a draft with the family ------------------------------------------------------------------

MAX_SHARE_MESSAGE = 1000


def share_with_family(actor: User, learner: Learner, message: str | None = None) -> int:
    """Tell the family (each guardian who signs in, and the learner's own account) that the plan as it now stands
    is ready for their comments, through the one notification path (in the app and by email). Each version is
    shared once: sharing it again notifies nobody. Returns how many people were told."""
    _require(may_review(actor, learner), "Only the learner's mentor or an admin can share the plan with the family")
    plan = plan_of(learner)
    if plan is None or not plan.version:
        raise ValidationError("Write the plan first: there is nothing to share yet", field="message")
    message = _text(message, "Your message", "message", MAX_SHARE_MESSAGE)
    family = [g.user for g in learner.family.guardians if g.user is not None and g.user.active]
    if learner.user is not None and learner.user.active:
        family.append(learner.user)
    if not family:
        raise ValidationError(
            "Nobody in the family signs in yet, so the plan cannot be shared: an admin can invite them",
            field="message",
        )
    link = f"/learning/learners/{learner.id}/plan"
    body = (message + "\n\n" if message else "") + (
        "Read the plan, and change or add anything you would like: it is written together."
    )
    notices = [
        notifications.Notice(
            user,
            f"plan-shared:{plan.id}:{plan.version}:{user.id}",
            "plan_shared",
            (
                "Your learning plan is ready for your comments"
                if user.id == learner.user_id
                else f"{learner.known_as}’s learning plan is ready for your comments"
            ),
            body=body,
            link=link,
            email_template="notification",
        )
        for user in {u.id: u for u in family}.values()
    ]
    told = notifications.notify_many(notices)
    if not told:
        raise ValidationError(
            f"Version {plan.version} has already been shared with the family: change the plan to share it again",
            field="message",
        )
    audit.record(
        "learning.plan_shared",
        actor=actor,
        obj=learner,
        detail={"plan": plan.id, "version": plan.version, "told": len(told)},
    )
    return len(told)
