"""Personal learning plans: the plan and its goals, the version history and the differences between versions,
plan reviews and their reminders, and the configurable list of subject areas.

Who may do what (registered as policy rules by ``virtualacademy/policies/learning_plans.py``):

* **See a plan** (``relations.SEES``): the learner themself, their guardians, their mentor (and for 30 days
  after a handover), the coordinator of their locality (read-only), and admins.
* **Edit it** (plan text and goals): the learner, their guardians, their current mentor, admins.
* **Staff notes**: seen by the mentor (current, or within 30 days of a handover) and admins; written by the
  current mentor and admins. Never shown to the family, nor to coordinators.
* **Review it** (and set the review schedule): the current mentor and admins.

Every change that alters the plan writes a :class:`PlanVersion` snapshot (plan text, review schedule and the
current goals), with who and when, in the same transaction. A save that changes nothing writes no version.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from virtualacademy import clock
from virtualacademy.database import chunked
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    AuditEvent,
    Enrolment,
    Goal,
    GoalReview,
    GoalStatus,
    Guardian,
    Learner,
    LearningPlan,
    MentorAssignment,
    PlanReview,
    PlanVersion,
    Role,
    SubjectArea,
    User,
)
from virtualacademy.models.learning import GOAL_STATUS_LABELS
from virtualacademy.policies.relations import FAMILY, Relation, is_related
from virtualacademy.services import audit, data_protection, notifications
from virtualacademy.services.data_protection import ERASED
from virtualacademy.services.localities import on_roll_filter
from virtualacademy.services.mentoring import LONDON

#: A review every this many weeks unless the mentor sets another interval for the learner.
DEFAULT_REVIEW_WEEKS = 6
MIN_REVIEW_WEEKS, MAX_REVIEW_WEEKS = 1, 26
#: The family and mentor are reminded this many days before a review is due.
REMINDER_DAYS = 7
#: The plan's shared text, in the order it is shown, with its label.
TEXT_FIELDS = {
    "interests": "Interests and passions",
    "aspirations": "Aspirations",
    "strengths": "Strengths",
    "support_needs": "Support needs and adjustments",
}
#: Staff only: never shown to the family or coordinators.
STAFF_FIELDS = {"staff_notes": "Staff notes"}
MAX_TEXT = 4000
MAX_TITLE = 300
MAX_SUBJECT_NAME = 80
#: Stands for "leave the staff notes as they are" (the family's forms do not carry them).
UNCHANGED: Any = object()


def long_date(day: date | None) -> str:
    return f"{day:%-d %B %Y}" if day else ""


# --- who may do what ------------------------------------------------------------------------------


def _is_admin(user: User) -> bool:
    return user.has_role(Role.ADMIN)


# Seeing a plan is ``relations.SEES`` (the rule is in ``policies/learning_plans.py``).
#: Edit the plan text and goals: the learner, their guardians, their current mentor, admins.
EDITS = FAMILY | Relation.MENTOR | Relation.ADMIN
#: Review the plan, set its review dates, write the staff notes: the current mentor, admins.
REVIEWS = Relation.MENTOR | Relation.ADMIN
#: Read the staff notes: the mentor (and for 30 days after a handover), admins.
READS_STAFF_NOTES = Relation.MENTOR | Relation.HANDOVER_MENTOR | Relation.ADMIN


def may_edit(user: User, learner: Learner) -> bool:
    return is_related(user, learner, EDITS)


def may_review(user: User, learner: Learner) -> bool:
    return is_related(user, learner, REVIEWS)


def sees_staff_notes(user: User, learner: Learner) -> bool:
    return is_related(user, learner, READS_STAFF_NOTES)


def writes_staff_notes(user: User, learner: Learner) -> bool:
    return is_related(user, learner, REVIEWS)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


# --- subject areas --------------------------------------------------------------------------------


def subject_areas(include_retired: bool = False) -> list[SubjectArea]:
    stmt = select(SubjectArea).order_by(SubjectArea.position, SubjectArea.name)
    if not include_retired:
        stmt = stmt.where(SubjectArea.active.is_(True))
    return list(db.session.scalars(stmt))


def subject_choices(goal: Goal | None = None) -> list[SubjectArea]:
    """The subject areas a goal may be tagged with: the active ones, plus any retired one it already has."""
    areas = subject_areas()
    if goal is not None:
        areas += [s for s in goal.subjects if not s.active]
    return areas


def save_subject_area(
    actor: User, area: SubjectArea | None, name: str, position: int | None = None, active: bool = True
) -> SubjectArea:
    """Add a subject area (``area`` None) or rename, move or retire one. Goals keep a retired area."""
    _require(_is_admin(actor), "Only an admin can change the subject areas")
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("Enter the subject area's name", field="name")
    if len(name) > MAX_SUBJECT_NAME:
        raise ValidationError(f"The name must be {MAX_SUBJECT_NAME} characters or fewer", field="name")
    clash = db.session.scalar(select(SubjectArea).where(func.lower(SubjectArea.name) == name.lower()))
    if clash is not None and clash is not area:
        raise ValidationError(f"There is already a subject area called {clash.name}", field="name")
    if position is not None and not 0 <= position <= 999:
        raise ValidationError("The position must be a number from 0 to 999", field="position")
    if area is None:
        if position is None:
            position = (db.session.scalar(select(func.max(SubjectArea.position))) or 0) + 1
        area = SubjectArea(name=name, position=position, active=active)
        db.session.add(area)
        action = "learning.subject_area_added"
    else:
        area.name, area.active = name, active
        if position is not None:
            area.position = position
        action = "learning.subject_area_changed"
    db.session.flush()
    audit.record(action, actor=actor, obj=area, detail={"name": name, "active": active})
    return area


# --- the plan and its versions --------------------------------------------------------------------


def plan_of(learner: Learner) -> LearningPlan | None:
    return db.session.scalar(select(LearningPlan).where(LearningPlan.learner_id == learner.id))


def current_goals(plan: LearningPlan | None) -> list[Goal]:
    return [g for g in plan.goals if g.archived_at is None] if plan else []


def archived_goals(plan: LearningPlan | None) -> list[Goal]:
    return [g for g in plan.goals if g.archived_at is not None] if plan else []


def _locked_plan(learner: Learner) -> LearningPlan | None:
    """The learner's plan, locked for the rest of the transaction (so two saves queue rather than both take
    the same version number), freshly read."""
    return db.session.scalar(
        select(LearningPlan)
        .where(LearningPlan.learner_id == learner.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _plan_for_change(learner: Learner, today: date, plan: LearningPlan | None = None) -> LearningPlan:
    """``plan`` or the learner's (locked) plan, or a new one: version 0 until its first version is written, its
    first review due one interval from today."""
    plan = plan or _locked_plan(learner)
    if plan is not None:
        return plan
    plan = LearningPlan(
        learner_id=learner.id,
        version=0,
        review_every_weeks=DEFAULT_REVIEW_WEEKS,
        next_review_on=today + timedelta(weeks=DEFAULT_REVIEW_WEEKS),
    )
    try:
        with db.session.begin_nested():
            db.session.add(plan)
    except IntegrityError:  # someone else wrote the first version at the same moment: use theirs
        plan = _locked_plan(learner)
    return plan


def _goal_snapshot(goal: Goal) -> dict[str, Any]:
    return {
        "id": goal.id,
        "title": goal.title,
        "success": goal.success,
        "subjects": [s.name for s in goal.subjects],
        "target_date": goal.target_date.isoformat() if goal.target_date else None,
        "status": goal.status.value,
    }


def snapshot(plan: LearningPlan) -> dict[str, Any]:
    """The plan as it stands: its text, review schedule and current goals (archived ones are left out)."""
    return {
        **{name: getattr(plan, name) for name in (*TEXT_FIELDS, *STAFF_FIELDS)},
        "review_every_weeks": plan.review_every_weeks,
        "next_review_on": plan.next_review_on.isoformat() if plan.next_review_on else None,
        "goals": [_goal_snapshot(g) for g in current_goals(plan)],
    }


#: Keys a version's snapshot carries about the change itself rather than the plan.
NOTE_KEYS = frozenset({"change", "review"})


def _without_note(snap: dict[str, Any] | None) -> dict[str, Any] | None:
    return {k: v for k, v in snap.items() if k not in NOTE_KEYS} if snap is not None else None


def version(plan: LearningPlan, number: int) -> PlanVersion | None:
    return db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.version == number))


def _record_version(
    actor: User, plan: LearningPlan, change: str, review: dict[str, Any] | None = None
) -> PlanVersion | None:
    """Write the next version if the plan differs from its last one; None if nothing changed. ``change`` says
    what was done; ``review`` (its id and the goals it agreed) marks the version a review wrote."""
    db.session.flush()
    db.session.refresh(plan, ["goals"])
    snap = snapshot(plan)
    last = version(plan, plan.version) if plan.version else None
    if last is not None and _without_note(last.snapshot) == snap:
        return None
    plan.version += 1
    plan.updated_by_id = actor.id
    note = {"change": change, **({"review": review} if review else {})}
    row = PlanVersion(plan_id=plan.id, version=plan.version, snapshot={**snap, **note}, changed_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(
        "learning.plan_changed",
        actor=actor,
        obj=plan.learner,
        detail={"plan": plan.id, "version": plan.version, "change": change},
    )
    return row


CONFLICT_MESSAGE = (
    "Someone else changed this while you were editing. Check the plan, or save again to replace their version"
)


def _theirs(plan: LearningPlan, based_on: int | None, mine: dict[str, Any], goal_id: int | None = None) -> set[str]:
    """A three-way merge of ``mine`` (the fields as this user saves them) with changes others made since version
    ``based_on`` (what the user started from). Returns the fields to leave as they now are: those the user did
    not change but someone else did. A field both changed, differently, is refused (with its name), so nobody's
    change is silently lost. Fields are the plan's, or one goal's when ``goal_id`` is given."""
    if based_on is None or plan.version == based_on:
        return set()
    if based_on == 0:
        base = {"goals": []}  # the user started from an empty plan
    else:
        then = version(plan, based_on)
        if then is None:
            return set()
        base = then.snapshot

    def values(snap: dict[str, Any]) -> dict[str, Any]:
        if goal_id is None:
            return snap
        return next((g for g in snap.get("goals", []) if g["id"] == goal_id), {})

    before, now = values(base), values(snapshot(plan))
    keep = set()
    for name, value in mine.items():
        if before.get(name) == now.get(name):
            continue  # nobody else changed it
        if value == before.get(name):
            keep.add(name)  # only they changed it: keep theirs
        elif value != now.get(name):
            raise ValidationError(CONFLICT_MESSAGE, field=name)
    return keep


def _text(value: str | None, label: str, field_name: str, limit: int = MAX_TEXT) -> str | None:
    value = (value or "").strip().replace("\r\n", "\n")
    if len(value) > limit:
        raise ValidationError(f"{label} must be {limit} characters or fewer", field=field_name)
    return value or None


def save_plan(
    actor: User,
    learner: Learner,
    *,
    interests: str | None,
    aspirations: str | None,
    strengths: str | None,
    support_needs: str | None,
    staff_notes: str | None = UNCHANGED,
    based_on: int | None = None,
    today: date | None = None,
) -> PlanVersion | None:
    """Save the plan's text. Returns the new version, or None if nothing changed.

    ``based_on`` is the version the user started from: a field someone else has changed since keeps their
    change if this user left it as it was, and is refused (with the field named) if both changed it.
    ``staff_notes`` is left alone unless given, and only the current mentor or an admin may give it.
    """
    _require(may_edit(actor, learner), "You cannot change this plan")
    if staff_notes is not UNCHANGED:
        _require(writes_staff_notes(actor, learner), "Only the learner's mentor or an admin can write staff notes")
    given = {"interests": interests, "aspirations": aspirations, "strengths": strengths, "support_needs": support_needs}
    labels = dict(TEXT_FIELDS)
    if staff_notes is not UNCHANGED:
        given["staff_notes"] = staff_notes
        labels.update(STAFF_FIELDS)
    values = {name: _text(value, labels[name], name) for name, value in given.items()}
    plan = _locked_plan(learner)
    if plan is None and not any(values.values()):
        return None  # an empty form saved before anything was written: no plan yet, and no version
    plan = _plan_for_change(learner, today or clock.today(), plan)
    keep = _theirs(plan, based_on, values)
    for name, value in values.items():
        if name not in keep:
            setattr(plan, name, value)
    return _record_version(actor, plan, "Plan edited")


@dataclass
class GoalInput:
    title: str | None
    success: str | None = None
    subject_ids: list[int] = field(default_factory=list)
    target_date: date | None = None
    status: GoalStatus = GoalStatus.NOT_STARTED

    @property
    def is_blank(self) -> bool:
        return not ((self.title or "").strip() or (self.success or "").strip() or self.subject_ids or self.target_date)


def _goal_values(values: GoalInput, allowed: list[SubjectArea], prefix: str = "") -> dict[str, Any]:
    """Checked values for a goal: a title and at least one subject area (from ``allowed``)."""
    title = " ".join((values.title or "").split())
    if not title:
        raise ValidationError("Enter the goal", field=f"{prefix}title")
    if len(title) > MAX_TITLE:
        raise ValidationError(f"The goal must be {MAX_TITLE} characters or fewer", field=f"{prefix}title")
    success = _text(values.success, "What success looks like", f"{prefix}success")
    if not values.subject_ids:
        raise ValidationError("Choose at least one subject area", field=f"{prefix}subjects")
    by_id = {s.id: s for s in allowed}
    if any(i not in by_id for i in values.subject_ids):
        raise ValidationError("Choose subject areas from the list", field=f"{prefix}subjects")
    subjects = [by_id[i] for i in dict.fromkeys(values.subject_ids)]
    subjects.sort(key=lambda s: (s.position, s.name))
    try:
        status = GoalStatus(values.status)
    except ValueError:
        raise ValidationError("Choose the goal's status", field=f"{prefix}status") from None
    return {
        "title": title,
        "success": success,
        "subjects": subjects,
        "target_date": values.target_date,
        "status": status,
    }


def _new_goal(plan: LearningPlan, checked: dict[str, Any]) -> Goal:
    goal = Goal(**checked)
    plan.goals.append(goal)
    return goal


def add_goal(actor: User, learner: Learner, values: GoalInput, today: date | None = None) -> Goal:
    """Add a goal to the learner's plan (starting the plan if there is none yet)."""
    _require(may_edit(actor, learner), "You cannot change this plan")
    checked = _goal_values(values, subject_areas())
    plan = _plan_for_change(learner, today or clock.today())
    goal = _new_goal(plan, checked)
    _record_version(actor, plan, f"Goal added: {checked['title']}")
    return goal


def update_goal(actor: User, goal: Goal, values: GoalInput, based_on: int | None = None) -> PlanVersion | None:
    """Change a goal. Returns the new version, or None if nothing changed."""
    plan = goal.plan
    _require(may_edit(actor, plan.learner), "You cannot change this plan")
    if goal.archived_at is not None:
        raise ValidationError("This goal has been archived, so it can no longer be changed")
    checked = _goal_values(values, subject_choices(goal))
    plan = _plan_for_change(plan.learner, clock.today())
    mine = {**checked, "subjects": [s.name for s in checked["subjects"]], "status": checked["status"].value}
    mine["target_date"] = checked["target_date"].isoformat() if checked["target_date"] else None
    keep = _theirs(plan, based_on, mine, goal_id=goal.id)
    for name, value in checked.items():
        if name not in keep:
            setattr(goal, name, value)
    return _record_version(actor, plan, f"Goal changed: {checked['title']}")


def archive_goal(actor: User, goal: Goal, now: datetime | None = None) -> PlanVersion | None:
    """Take a goal off the current plan. It stays in the history and in past reviews."""
    plan = goal.plan
    _require(may_edit(actor, plan.learner), "You cannot change this plan")
    if goal.archived_at is not None:
        raise ValidationError("This goal is already archived")
    plan = _plan_for_change(plan.learner, clock.today())
    goal.archived_at = now or clock.now()
    return _record_version(actor, plan, f"Goal archived: {goal.title}")


# --- reviews --------------------------------------------------------------------------------------


@dataclass
class GoalReviewInput:
    goal_id: int
    status: GoalStatus
    progress: str | None = None
    next_steps: str | None = None


def _weeks(value: int | None, field_name: str) -> int:
    if value is None or not MIN_REVIEW_WEEKS <= int(value) <= MAX_REVIEW_WEEKS:
        raise ValidationError(
            f"Enter a number of weeks from {MIN_REVIEW_WEEKS} to {MAX_REVIEW_WEEKS}", field=field_name
        )
    return int(value)


def last_review(plan: LearningPlan | None) -> PlanReview | None:
    if plan is None:
        return None
    return db.session.scalar(
        select(PlanReview)
        .where(PlanReview.plan_id == plan.id)
        .order_by(PlanReview.held_on.desc(), PlanReview.id.desc())
        .limit(1)
    )


def reviews(plan: LearningPlan | None) -> list[PlanReview]:
    if plan is None:
        return []
    return list(
        db.session.scalars(
            select(PlanReview)
            .where(PlanReview.plan_id == plan.id)
            .order_by(PlanReview.held_on.desc(), PlanReview.id.desc())
        )
    )


def record_review(
    actor: User,
    learner: Learner,
    *,
    held_on: date | None,
    goals: list[GoalReviewInput],
    new_goals: list[GoalInput] | None = None,
    summary: str | None = None,
    review_every_weeks: int | None = None,
    next_review_on: date | None = None,
    today: date | None = None,
) -> PlanReview:
    """Record a review held with the family and learner: for each current goal its progress, next steps and
    new status; any new goals agreed; and the next review date (by default one interval after this one)."""
    today = today or clock.today()
    _require(may_review(actor, learner), "Only the learner's mentor or an admin can record a review")
    if held_on is None:
        raise ValidationError("Enter the date of the review", field="held_on")
    if held_on > today:
        raise ValidationError("The date of the review must be today or in the past", field="held_on")
    plan = _locked_plan(learner)  # created only once everything has been checked
    previous = last_review(plan)
    if previous is not None and held_on < previous.held_on:
        raise ValidationError(
            f"The date of the review must be on or after the last review, on {long_date(previous.held_on)}",
            field="held_on",
        )
    if review_every_weeks is None:
        review_every_weeks = plan.review_every_weeks if plan else DEFAULT_REVIEW_WEEKS
    weeks = _weeks(review_every_weeks, "review_every_weeks")
    next_on = next_review_on or held_on + timedelta(weeks=weeks)
    if next_on <= held_on:
        raise ValidationError("The next review must be after this one", field="next_review_on")
    current = {g.id: g for g in current_goals(plan)}
    reviewed: list[tuple[Goal, GoalStatus, str | None, str | None]] = []
    for item in goals:
        goal = current.get(item.goal_id)
        if goal is None:
            raise ValidationError("A goal in this review is no longer in the plan. Open the review form again")
        progress = _text(item.progress, "Progress", f"progress_{item.goal_id}")
        next_steps = _text(item.next_steps, "Next steps", f"next_steps_{item.goal_id}")
        try:
            status = GoalStatus(item.status)
        except ValueError:
            raise ValidationError("Choose where the goal is now", field=f"status_{item.goal_id}") from None
        reviewed.append((goal, status, progress, next_steps))
    agreed = []
    allowed = subject_areas()
    for n, values in enumerate(new_goals or [], start=1):
        if not values.is_blank:
            agreed.append(_goal_values(values, allowed, prefix=f"new_{n}_"))
    summary = _text(summary, "Summary", "summary")

    plan = _plan_for_change(learner, today, plan)
    review = PlanReview(
        plan_id=plan.id, held_on=held_on, reviewed_by_id=actor.id, summary=summary, next_review_on=next_on
    )
    db.session.add(review)
    for goal, status, progress, next_steps in reviewed:
        review.goal_reviews.append(GoalReview(goal_id=goal.id, progress=progress, next_steps=next_steps, status=status))
        goal.status = status
    new = [_new_goal(plan, checked) for checked in agreed]
    plan.review_every_weeks = weeks
    plan.next_review_on = next_on
    db.session.flush()
    _record_version(
        actor, plan, f"Review on {long_date(held_on)}", review={"id": review.id, "agreed": [g.id for g in new]}
    )
    audit.record(
        "learning.plan_reviewed",
        actor=actor,
        obj=learner,
        detail={"review": review.id, "held_on": held_on.isoformat(), "next_review_on": next_on.isoformat()},
    )
    return review


def set_review_schedule(
    actor: User,
    learner: Learner,
    review_every_weeks: int | None,
    next_review_on: date | None = None,
    today: date | None = None,
) -> PlanVersion | None:
    """Change how often the learner's plan is reviewed and when the next review is (by default one interval
    after the last review, or from today if there has been none; never in the past)."""
    today = today or clock.today()
    _require(may_review(actor, learner), "Only the learner's mentor or an admin can change the review dates")
    weeks = _weeks(review_every_weeks, "review_every_weeks")
    plan = _locked_plan(learner)
    if next_review_on is None:
        previous = last_review(plan)
        next_review_on = max(today, (previous.held_on if previous else today) + timedelta(weeks=weeks))
    if next_review_on < today:
        raise ValidationError("The next review must be today or later", field="next_review_on")
    plan = _plan_for_change(learner, today, plan)
    plan.review_every_weeks = weeks
    plan.next_review_on = next_review_on
    return _record_version(actor, plan, "Review dates changed")


@dataclass
class ReviewDue:
    next_review_on: date | None
    today: date

    @property
    def overdue(self) -> bool:
        return self.next_review_on is not None and self.next_review_on < self.today

    @property
    def days_overdue(self) -> int:
        return (self.today - self.next_review_on).days if self.overdue else 0


def review_dates(learner_ids: list[int], today: date) -> dict[int, ReviewDue]:
    """When each learner's plan review is due (learners without a plan are left out), in one query."""
    if not learner_ids:
        return {}
    return {
        learner_id: ReviewDue(next_on, today)
        for some in chunked(learner_ids)  # a caseload: short, unless its limit was overridden many times
        for learner_id, next_on in db.session.execute(
            select(LearningPlan.learner_id, LearningPlan.next_review_on).where(LearningPlan.learner_id.in_(some))
        )
    }


# --- the reminder job -----------------------------------------------------------------------------


@dataclass
class ReviewReminderReport:
    sent: int = 0
    too_early: bool = False


def reminder_time() -> time:
    hour, minute = (int(p) for p in current_app.config.get("PLAN_REVIEW_REMINDER_TIME", "08:00").split(":"))
    return time(hour, minute)


def send_review_reminders(now: datetime | None = None) -> ReviewReminderReport:
    """Level-triggered: every plan of a learner on roll whose review is due within the next week (and not yet
    past) gets one reminder for each of the mentor, the guardians with an account and the learner's own
    account. The key names the plan, the review date and the person, so each is reminded once per review
    however often the job runs; a new review date is a new reminder. A fixed number of queries."""
    now = now or clock.now()
    today = clock.today(now)
    report = ReviewReminderReport()
    if now.astimezone(LONDON).time() < reminder_time():
        report.too_early = True  # a restarted scheduler runs every job at once; reminders wait for the morning
        return report
    due = (
        select(LearningPlan.id, LearningPlan.learner_id, LearningPlan.next_review_on)
        .where(
            LearningPlan.next_review_on >= today,
            LearningPlan.next_review_on <= today + timedelta(days=REMINDER_DAYS),
            LearningPlan.learner_id.in_(select(Enrolment.learner_id).where(on_roll_filter(today))),
        )
        .subquery()
    )
    plans = {}
    for plan_id, learner_id, next_on, legal, preferred, family_id, user_id in db.session.execute(
        select(
            due.c.id,
            due.c.learner_id,
            due.c.next_review_on,
            Learner.legal_name,
            Learner.preferred_name,
            Learner.family_id,
            Learner.user_id,
        ).join(Learner, Learner.id == due.c.learner_id)
    ):
        plans[learner_id] = (plan_id, next_on, preferred or legal.split()[0], family_id, user_id)
    if not plans:
        return report
    due_learners = select(due.c.learner_id)
    mentors: dict[int, User] = {}
    for learner_id, user in db.session.execute(
        select(MentorAssignment.learner_id, User)
        .join(User, User.id == MentorAssignment.mentor_id)
        .where(MentorAssignment.ends_on.is_(None), MentorAssignment.learner_id.in_(due_learners))
        .options(lazyload(User.role_links))
    ):
        mentors[learner_id] = user
    guardians: dict[int, list[User]] = defaultdict(list)
    for family_id, user in db.session.execute(
        select(Guardian.family_id, User)
        .join(User, User.id == Guardian.user_id)
        .where(Guardian.family_id.in_(select(Learner.family_id).where(Learner.id.in_(due_learners))))
        .options(lazyload(User.role_links))
    ):
        guardians[family_id].append(user)
    own = {
        u.id: u
        for u in db.session.scalars(
            select(User)
            .where(User.id.in_(select(Learner.user_id).where(Learner.id.in_(due_learners))))
            .options(lazyload(User.role_links))
        )
    }
    notices = []
    for learner_id, (plan_id, next_on, name, family_id, user_id) in plans.items():
        when = long_date(next_on)
        link = f"/learning/learners/{learner_id}/plan"
        people = [(mentors.get(learner_id), f"{name}'s plan review is due on {when}")]
        people += [(g, f"{name}'s plan review is due on {when}") for g in guardians.get(family_id, [])]
        people.append((own.get(user_id) if user_id else None, f"Your plan review is due on {when}"))
        for user, title in people:
            if user is None or not user.active:
                continue
            notices.append(
                notifications.Notice(
                    user,
                    f"plan-review-due:{plan_id}:{next_on.isoformat()}:{user.id}",
                    "plan_review_due",
                    title,
                    body="Look at the plan before the review: what has gone well, what was hard, and what next.",
                    link=link,
                    email_template="notification",
                )
            )
    report.sent = len(notifications.notify_many(notices))
    return report


# --- learners working towards exams (the exams officer's dashboard) --------------------------------------

#: Words in a current goal's title or success criteria that mean the learner is working towards a public exam or
#: qualification. Until exam entries exist, these goals are how the exams officer finds learners to talk to.
EXAM_WORDS = ("exam", "gcse", "a level", "a-level", "qualification", "functional skills", "btec", "entry level")


@dataclass
class ExamGoal:
    learner: Learner
    title: str
    target_date: date | None


def exam_goals(today: date, limit: int = 20) -> tuple[int, list[ExamGoal]]:
    """Learners on roll with a current, unfinished goal that mentions an exam or qualification: how many, and the
    first ``limit`` goals, soonest target date first (one statement each, however many learners there are)."""
    text = func.lower(func.coalesce(Goal.title, "") + " " + func.coalesce(Goal.success, ""))
    goals = (
        select(Goal.id, Goal.title, Goal.target_date, LearningPlan.learner_id)
        .join(LearningPlan, LearningPlan.id == Goal.plan_id)
        .where(
            Goal.archived_at.is_(None),
            Goal.status != GoalStatus.ACHIEVED,
            or_(*(text.like(f"%{word}%") for word in EXAM_WORDS)),
            LearningPlan.learner_id.in_(select(Enrolment.learner_id).where(on_roll_filter(today))),
        )
    )
    count = db.session.scalar(select(func.count(func.distinct(goals.subquery().c.learner_id))))
    rows = db.session.execute(
        goals.add_columns(Learner)
        .join(Learner, Learner.id == LearningPlan.learner_id)
        .order_by(Goal.target_date.is_(None), Goal.target_date, Learner.legal_name, Goal.id)
        .limit(limit)
    ).all()
    return count, [ExamGoal(row.Learner, row.title, row.target_date) for row in rows]


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


# --- differences between versions -------------------------------------------------------------------

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass
class Segment:
    """A run of text in a difference: ``kind`` is "same", "added" or "removed"."""

    kind: str
    text: str


def word_diff(before: str | None, after: str | None) -> list[Segment]:
    """The words removed from ``before`` and added in ``after`` (difflib over words and spaces)."""
    a, b = _TOKENS.findall(before or ""), _TOKENS.findall(after or "")
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("same", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("removed", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(Segment("added", "".join(b[j1:j2])))
    return segments


@dataclass
class FieldChange:
    label: str
    before: str
    after: str
    #: For free text: the word-by-word difference.
    segments: list[Segment] | None = None
    #: "value" (before and after), or "set" (``before`` lists what was taken out, ``after`` what was put in).
    kind: str = "value"


@dataclass
class GoalChange:
    kind: str  # "added", "removed" or "changed"
    title: str
    changes: list[FieldChange] = field(default_factory=list)
    #: For an added goal: its details.
    details: list[FieldChange] = field(default_factory=list)


@dataclass
class VersionDiff:
    version: PlanVersion
    previous: PlanVersion | None
    text: list[FieldChange]
    schedule: list[FieldChange]
    goals: list[GoalChange]

    @property
    def change(self) -> str:
        return self.version.snapshot.get("change") or "Plan changed"

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.schedule or self.goals)


def _iso(value: str | None) -> str:
    return long_date(date.fromisoformat(value)) if value else "Not set"


def _goal_fields(goal: dict[str, Any]) -> list[FieldChange]:
    return [
        FieldChange("What success looks like", "", goal.get("success") or "Not written yet"),
        FieldChange("Subject areas", "", ", ".join(goal.get("subjects", []))),
        FieldChange("Target date", "", _iso(goal.get("target_date"))),
        FieldChange("Status", "", GOAL_STATUS_LABELS[GoalStatus(goal["status"])]),
    ]


def _goal_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    changes = []
    if old["title"] != new["title"]:
        changes.append(FieldChange("Goal", old["title"], new["title"], word_diff(old["title"], new["title"])))
    if (old.get("success") or "") != (new.get("success") or ""):
        changes.append(
            FieldChange(
                "What success looks like",
                old.get("success") or "",
                new.get("success") or "",
                word_diff(old.get("success"), new.get("success")),
            )
        )
    if old.get("subjects", []) != new.get("subjects", []):
        gone = [s for s in old.get("subjects", []) if s not in new.get("subjects", [])]
        came = [s for s in new.get("subjects", []) if s not in old.get("subjects", [])]
        changes.append(FieldChange("Subject areas", ", ".join(gone) or "none", ", ".join(came) or "none", kind="set"))
    if old.get("target_date") != new.get("target_date"):
        changes.append(FieldChange("Target date", _iso(old.get("target_date")), _iso(new.get("target_date"))))
    if old["status"] != new["status"]:
        changes.append(
            FieldChange(
                "Status",
                GOAL_STATUS_LABELS[GoalStatus(old["status"])],
                GOAL_STATUS_LABELS[GoalStatus(new["status"])],
            )
        )
    return changes


def compare(before: dict[str, Any] | None, after: dict[str, Any], *, include_staff: bool) -> dict[str, list]:
    """What changed from snapshot ``before`` (None: an empty plan) to ``after``."""
    before = before or {"goals": []}
    fields = {**TEXT_FIELDS, **(STAFF_FIELDS if include_staff else {})}
    text = [
        FieldChange(label, before.get(name) or "", after.get(name) or "", word_diff(before.get(name), after.get(name)))
        for name, label in fields.items()
        if (before.get(name) or "") != (after.get(name) or "")
    ]
    schedule = []
    if before.get("review_every_weeks") != after.get("review_every_weeks"):
        schedule.append(
            FieldChange(
                "Reviewed every",
                f"{before['review_every_weeks']} weeks" if before.get("review_every_weeks") else "Not set",
                f"{after['review_every_weeks']} weeks" if after.get("review_every_weeks") else "Not set",
            )
        )
    if before.get("next_review_on") != after.get("next_review_on"):
        schedule.append(
            FieldChange("Next review", _iso(before.get("next_review_on")), _iso(after.get("next_review_on")))
        )
    old_goals = {g["id"]: g for g in before.get("goals", [])}
    new_goals = {g["id"]: g for g in after.get("goals", [])}
    goals = []
    for goal_id, goal in new_goals.items():
        if goal_id not in old_goals:
            goals.append(GoalChange("added", goal["title"], details=_goal_fields(goal)))
        else:
            changes = _goal_changes(old_goals[goal_id], goal)
            if changes:
                goals.append(GoalChange("changed", goal["title"], changes=changes))
    for goal_id, goal in old_goals.items():
        if goal_id not in new_goals:
            goals.append(GoalChange("removed", goal["title"]))
    return {"text": text, "schedule": schedule, "goals": goals}


def versions(plan: LearningPlan | None) -> list[PlanVersion]:
    """Newest first."""
    if plan is None:
        return []
    return list(
        db.session.scalars(
            select(PlanVersion).where(PlanVersion.plan_id == plan.id).order_by(PlanVersion.version.desc())
        )
    )


def diff_version(plan: LearningPlan, number: int, *, include_staff: bool) -> VersionDiff | None:
    """Version ``number`` against the one before it (the first against an empty plan); None if there is none.
    Staff notes are compared only if ``include_staff``."""
    current = version(plan, number)
    if current is None:
        return None
    previous = version(plan, number - 1) if number > 1 else None
    parts = compare(previous.snapshot if previous else None, current.snapshot, include_staff=include_staff)
    return VersionDiff(current, previous, **parts)


# --- reading a review ----------------------------------------------------------------------------------


@dataclass
class ReviewItem:
    title: str
    status: GoalStatus
    progress: str | None
    next_steps: str | None


@dataclass
class ReviewDetail:
    review: PlanReview
    learner: Learner
    reviewer: User | None
    items: list[ReviewItem]
    #: Goals added to the plan at this review (from its version).
    agreed: list[str]


def plan_of_review(review: PlanReview) -> LearningPlan:
    return db.session.get(LearningPlan, review.plan_id)


def review_detail(review: PlanReview) -> ReviewDetail:
    plan = plan_of_review(review)
    reviewer = db.session.get(User, review.reviewed_by_id) if review.reviewed_by_id else None
    items = [
        ReviewItem(gr.goal.title, gr.status, gr.progress, gr.next_steps)
        for gr in sorted(review.goal_reviews, key=lambda gr: gr.goal_id)
    ]
    agreed_ids: list[int] = []
    for v in versions(plan):
        note = v.snapshot.get("review") or {}
        if note.get("id") == review.id:
            agreed_ids = note.get("agreed", [])
            break
    titles = {g.id: g.title for g in plan.goals}
    agreed = [titles[i] for i in agreed_ids if i in titles]
    return ReviewDetail(review, plan.learner, reviewer, items, agreed)


def reviewers(review_list: list[PlanReview]) -> dict[int, str]:
    ids = {r.reviewed_by_id for r in review_list if r.reviewed_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def changed_by_names(version_list: list[PlanVersion]) -> dict[int, str]:
    ids = {v.changed_by_id for v in version_list if v.changed_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


# --- data protection: plans in the subject-access export and in erasure ---------------------------------------

#: What stays of a version's change note once erased: its kind ("Goal added: Fractions" -> "Goal added").
_CHANGE_KINDS = ("Goal added", "Goal changed", "Goal archived")


def _erased_change(change: str | None) -> str | None:
    for kind in _CHANGE_KINDS:
        if change and change.startswith(kind + ":"):
            return f"{kind}: {ERASED}"
    return change


def _erased_snapshot(snap: dict[str, Any]) -> dict[str, Any]:
    """The same shape with the words gone: text fields and goal titles erased; dates, statuses, subject areas and
    the review schedule kept."""
    out = dict(snap)
    for name in (*TEXT_FIELDS, *STAFF_FIELDS):
        if out.get(name):
            out[name] = ERASED
    out["goals"] = [{**g, "title": ERASED, "success": None} for g in snap.get("goals", [])]
    if "change" in out:
        out["change"] = _erased_change(out["change"])
    return out


def export_section(subject: data_protection.Subject) -> list[dict[str, Any]]:
    """Each child's plan (staff notes included: a subject access request covers opinions recorded about the
    child; whoever sends the export withholds anything an exemption covers), its goals, every version and every
    review. Staff are named only as "academy staff"."""
    rows: list[dict[str, Any]] = []
    family_users = subject.user_ids
    for plan in db.session.scalars(
        select(LearningPlan).where(LearningPlan.learner_id.in_([lr.id for lr in subject.learners]))
    ):
        rows.append({"record": "learning plan", **data_protection.record(plan, exclude={"updated_by_id"})})
        for g in plan.goals:
            rows.append({"record": "goal", **data_protection.record(g), "subjects": [s.name for s in g.subjects]})
        for v in versions(plan):
            rows.append(
                {
                    "record": "plan version",
                    **data_protection.record(v, exclude={"changed_by_id"}),
                    "changed_by": "family member" if v.changed_by_id in family_users else "academy staff",
                }
            )
        for r in reviews(plan):
            rows.append({"record": "plan review", **data_protection.record(r, exclude={"reviewed_by_id"})})
            for gr in r.goal_reviews:
                rows.append({"record": "goal review", **data_protection.record(gr)})
    return rows


def erase_section(subject: data_protection.Subject) -> int:
    """Free text goes (plan text, staff notes, goal titles and success criteria, review summaries, progress and
    next steps, and the same inside every version); dates, statuses, subject areas and the review schedule stay:
    they identify nobody and feed the statistics."""
    changed = 0
    plans = list(
        db.session.scalars(select(LearningPlan).where(LearningPlan.learner_id.in_([lr.id for lr in subject.learners])))
    )
    for plan in plans:
        for name in (*TEXT_FIELDS, *STAFF_FIELDS):
            if getattr(plan, name) not in (None, ERASED):
                setattr(plan, name, ERASED)
                changed += 1
        for g in plan.goals:
            if g.title != ERASED or g.success:
                g.title, g.success = ERASED, None
                changed += 1
        for v in versions(plan):
            erased = _erased_snapshot(v.snapshot)
            if erased != v.snapshot:
                v.snapshot = erased
                changed += 1
        for r in reviews(plan):
            if r.summary:
                r.summary = None
                changed += 1
            for gr in r.goal_reviews:
                if gr.progress or gr.next_steps:
                    gr.progress = gr.next_steps = None
                    changed += 1
    # The audit log's "plan changed" events name the goal in their change note.
    for event in db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "learning.plan_changed",
            AuditEvent.object_type == "Learner",
            AuditEvent.object_id.in_([str(lr.id) for lr in subject.learners]),
        )
    ):
        change = (event.detail or {}).get("change")
        if _erased_change(change) != change:
            event.detail = {**event.detail, "change": _erased_change(change)}
            changed += 1
    return changed


data_protection.register(
    data_protection.Section("learning_plans", "Learning plans and reviews", export_section, erase_section)
)
