"""The daily check-in reminders and escalations the scheduler sends (:func:`send_reminders`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from flask import current_app
from sqlalchemy import and_, select
from sqlalchemy.orm import lazyload

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import Learner, LocalityRole, LocalityStaff, MentorAssignment, Role, User, UserRole
from virtualacademy.services import notifications
from virtualacademy.services.mentoring.contact import ContactState, ContactStatus, contact_states

LONDON = clock.LONDON
#: A mentor assignment that has not ended.
_CURRENT = MentorAssignment.ends_on.is_(None)


@dataclass
class ReminderReport:
    digests: int = 0
    #: Escalation notifications (one per learner per person told) ...
    escalations: int = 0
    #: ... and the emails gathering them: one per person a day.
    escalation_emails: int = 0
    skipped_weekend: bool = False
    too_early: bool = False


def send_reminders(now: datetime | None = None) -> ReminderReport:
    """Level-triggered: for today (London), one digest per mentor with due or overdue check-ins, and an
    escalation per learner overdue by more than a cadence, to their coordinator(s) and the admins: in the app one
    notification per learner, by email one digest per person a day. Unique keys make a re-run send nothing
    twice."""
    now = now or clock.now()
    today = clock.today(now)
    report = ReminderReport()
    if current_app.config.get("CHECKIN_SKIP_WEEKENDS", True) and today.weekday() >= 5:
        report.skipped_weekend = True
        return report
    hour, minute = (int(p) for p in current_app.config.get("CHECKIN_REMINDER_TIME", "07:30").split(":"))
    if now.astimezone(LONDON).time() < time(hour, minute):
        report.too_early = True  # today's digest is not due yet (a restarted scheduler runs every job at once)
        return report
    states = [s for s in contact_states(today) if s.status in (ContactStatus.OVERDUE, ContactStatus.DUE_TODAY)]
    if not states:
        return report
    # A fixed number of statements however many learners and mentors: every lookup below is one query
    # (none takes a list of ids, which could run to tens of thousands), and notify_many writes all
    # the notifications and their emails at once.
    names, locality_of = _mentored_learners()
    mentors = _current_mentors()
    notices = _mentor_digests(states, mentors, names, today)
    escalation_lines: dict[str, tuple[int, str, str]] = {}
    to_escalate = [s for s in states if s.escalate]
    if to_escalate:
        notices += _escalations(to_escalate, mentors, names, locality_of, escalation_lines)
    escalated: dict[int, list[notifications.Notice]] = defaultdict(list)
    for notice in notifications.notify_many(notices):
        if notice.kind == "checkin_digest":
            report.digests += 1
        else:
            report.escalations += 1
            escalated[notice.user.id].append(notice)
    report.escalation_emails = notifications.email_digests(_escalation_digests(escalated, escalation_lines, today))
    return report


def _mentored_learners() -> tuple[dict[int, str], dict[int, int | None]]:
    """The name each learner with a current mentor is called by in a reminder, and their locality."""
    names, locality_of = {}, {}
    for learner_id, legal, preferred, locality_id in db.session.execute(
        select(Learner.id, Learner.legal_name, Learner.preferred_name, Learner.locality_id).join(
            MentorAssignment, and_(MentorAssignment.learner_id == Learner.id, _CURRENT)
        )
    ):
        names[learner_id] = preferred or legal.split()[0]
        locality_of[learner_id] = locality_id
    return names, locality_of


def _current_mentors() -> dict[int, User]:
    """Everyone who is a learner's current mentor, by id."""
    return {
        u.id: u
        for u in db.session.scalars(
            select(User)
            .where(User.id.in_(select(MentorAssignment.mentor_id).where(_CURRENT)))
            .options(lazyload(User.role_links))
        )
    }


def _mentor_digests(
    states: list[ContactState], mentors: dict[int, User], names: dict[int, str], today: date
) -> list[notifications.Notice]:
    """One notice per active mentor listing their learners due or overdue, the longest overdue first."""
    by_mentor: dict[int, list[ContactState]] = defaultdict(list)
    for s in states:
        by_mentor[s.mentor_id].append(s)
    notices = []
    for mentor_id, items in by_mentor.items():
        mentor = mentors.get(mentor_id)
        if mentor is None or not mentor.active:
            continue
        items.sort(key=lambda s: (-s.days_overdue, names[s.learner_id]))
        lines = [
            f"- {names[s.learner_id]}: "
            + (
                f"overdue by {s.days_overdue} day{'s' if s.days_overdue != 1 else ''}"
                if s.days_overdue
                else "due today"
            )
            for s in items
        ]
        notices.append(
            notifications.Notice(
                mentor,
                f"checkin-digest:{mentor_id}:{today.isoformat()}",
                "checkin_digest",
                f"{len(items)} check-in{'s' if len(items) != 1 else ''} due or overdue",
                body="\n".join(lines),
                link="/caseload",
                email_template="notification",
            )
        )
    return notices


def _escalations(
    to_escalate: list[ContactState],
    mentors: dict[int, User],
    names: dict[int, str],
    locality_of: dict[int, int | None],
    escalation_lines: dict[str, tuple[int, str, str]],
) -> list[notifications.Notice]:
    """A notice for each learner overdue by more than a cadence to each of their coordinators and each admin;
    ``escalation_lines`` gets each notice's line for the email digest, by notice key (sortable: the longest
    overdue first)."""
    admins = list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == Role.ADMIN, User.active.is_(True))
            .options(lazyload(User.role_links))
        )
    )
    coordinators: dict[int, list[User]] = defaultdict(list)
    for locality_id, user in db.session.execute(
        select(LocalityStaff.locality_id, User)
        .join(User, User.id == LocalityStaff.user_id)
        .where(LocalityStaff.role == LocalityRole.COORDINATOR, User.active.is_(True))
        .options(lazyload(User.role_links))
    ):
        coordinators[locality_id].append(user)
    mentor_names = {m.id: m.name for m in mentors.values()}
    notices = []
    for s in to_escalate:
        recipients = {u.id: u for u in coordinators.get(locality_of[s.learner_id], []) + admins}
        mentor_name = mentor_names.get(s.mentor_id, "unknown")
        for user in recipients.values():
            key = f"checkin-escalation:{s.learner_id}:{s.due_on.isoformat()}:{user.id}"
            escalation_lines[key] = (
                -s.days_overdue,
                names[s.learner_id],
                f"{names[s.learner_id]} (mentor {mentor_name}): due {s.due_on:%-d %B %Y}, "
                f"overdue by {s.days_overdue} days",
            )
            # In the app, one each; by email, one digest per person a day (below).
            notices.append(
                notifications.Notice(
                    user,
                    key,
                    "checkin_escalation",
                    f"Check-in overdue by {s.days_overdue} days for {names[s.learner_id]}",
                    body=f"Mentor: {mentor_name}. The check-in was due on "
                    f"{s.due_on:%-d %B %Y} (every {s.cadence} day{'s' if s.cadence != 1 else ''}).",
                    link=f"/caseload/learners/{s.learner_id}",
                )
            )
    return notices


def _escalation_digests(
    escalated: dict[int, list[notifications.Notice]], escalation_lines: dict[str, tuple[int, str, str]], today: date
) -> list[notifications.Digest]:
    """One email a day for each person with escalations just notified, the longest overdue first."""
    digests = []
    for items in escalated.values():
        count, user = len(items), items[0].user
        digests.append(
            notifications.Digest(
                user,
                f"checkin-escalation-digest:{user.id}:{today.isoformat()}",
                f"Check-ins overdue by more than a cadence: {count} learner{'s' if count != 1 else ''}",
                f"{'One learner has' if count == 1 else f'{count} learners have'} gone more than a full cadence "
                "past their check-in, the longest overdue first:",
                [line for *_, line in sorted(escalation_lines[n.key] for n in items)],
                link="/notifications/",
                outro="Each is also in your notifications, linking to the learner's contact history:",
            )
        )
    return digests
