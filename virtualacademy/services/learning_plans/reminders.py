"""The reminder job: the family and mentor are told a week before a plan review is due."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Select, Subquery, select
from sqlalchemy.orm import lazyload

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import Enrolment, Guardian, Learner, LearningPlan, MentorAssignment, User
from virtualacademy.services import notifications
from virtualacademy.services.learning_plans.common import REMINDER_DAYS, long_date
from virtualacademy.services.localities import on_roll_filter
from virtualacademy.services.mentoring import LONDON

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
    due = _due_plans(today)
    plans = _plans_with_learners(due)
    if not plans:
        return report
    people = _people_to_remind(select(due.c.learner_id))
    report.sent = len(notifications.notify_many(_notices(plans, people)))
    return report


#: A plan whose review is due soon: (plan id, review date, the learner's first name, family id, the learner's own
#: account id or None), by learner id.
_DuePlans = dict[int, tuple[int, date, str, int, int | None]]


def _due_plans(today: date) -> Subquery:
    """The plans (id, learner id, review date) of learners on roll whose review falls in the next
    :data:`REMINDER_DAYS` days, today included."""
    return (
        select(LearningPlan.id, LearningPlan.learner_id, LearningPlan.next_review_on)
        .where(
            LearningPlan.next_review_on >= today,
            LearningPlan.next_review_on <= today + timedelta(days=REMINDER_DAYS),
            LearningPlan.learner_id.in_(select(Enrolment.learner_id).where(on_roll_filter(today))),
        )
        .subquery()
    )


def _plans_with_learners(due: Subquery) -> _DuePlans:
    """The due plans with what the reminders say about their learners, in one query."""
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
    return plans


@dataclass
class _People:
    """Who is reminded of the due reviews."""

    #: The current mentor, by learner id.
    mentors: dict[int, User]
    #: The guardians with an account, by family id.
    guardians: dict[int, list[User]]
    #: The learners' own accounts, by user id.
    own: dict[int, User]


def _people_to_remind(due_learners: Select) -> _People:
    """The mentors, guardians and own accounts of the learners ``due_learners`` selects: three queries, however
    many learners are due."""
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
    return _People(mentors, guardians, own)


def _notices(plans: _DuePlans, people: _People) -> list[notifications.Notice]:
    """One reminder for each active person of each due plan, keyed by the plan, its review date and the person."""
    notices = []
    for learner_id, (plan_id, next_on, name, family_id, user_id) in plans.items():
        when = long_date(next_on)
        link = f"/learning/learners/{learner_id}/plan"
        recipients = [(people.mentors.get(learner_id), f"{name}'s plan review is due on {when}")]
        recipients += [(g, f"{name}'s plan review is due on {when}") for g in people.guardians.get(family_id, [])]
        recipients.append((people.own.get(user_id) if user_id else None, f"Your plan review is due on {when}"))
        for user, title in recipients:
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
    return notices
