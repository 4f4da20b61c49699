"""Gaps: learners on roll with no logged learning for :data:`GAP_DAYS` days, and the ``learning-gaps`` job that
tells their current mentor once per gap."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import lazyload

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import Enrolment, Learner, LogEntry, MentorAssignment, User
from virtualacademy.services import notifications
from virtualacademy.services.learning_log.common import GAP_DAYS, _as_date
from virtualacademy.services.localities import on_roll_filter

# --- gaps: learners with no logged learning ---------------------------------------------------------------


@dataclass
class Gap:
    learner_id: int
    #: The last day with logged learning, or the first day on roll if nothing has been logged since.
    since: date
    days: int
    last_logged: date | None

    @property
    def flagged(self) -> bool:
        return self.days >= GAP_DAYS


def _gap_rows(today: date, learner_ids: list[int] | None = None, *, with_mentor: bool = False):
    """(learner_id, start of current enrolment, last logged day, current mentor id or None) for learners on roll."""
    start = (
        select(Enrolment.learner_id, func.max(Enrolment.start_date).label("started"))
        .where(on_roll_filter(today))
        .group_by(Enrolment.learner_id)
    )
    last = select(LogEntry.learner_id, func.max(LogEntry.on_date).label("last")).where(LogEntry.on_date <= today)
    if learner_ids is not None:
        start = start.where(Enrolment.learner_id.in_(learner_ids))
        last = last.where(LogEntry.learner_id.in_(learner_ids))
    start = start.subquery()
    last = last.group_by(LogEntry.learner_id).subquery()
    columns = [start.c.learner_id, start.c.started, last.c.last]
    joined = start.outerjoin(last, last.c.learner_id == start.c.learner_id)
    if with_mentor:
        columns.append(MentorAssignment.mentor_id)
        joined = joined.join(
            MentorAssignment,
            and_(MentorAssignment.learner_id == start.c.learner_id, MentorAssignment.ends_on.is_(None)),
        )
    return db.session.execute(select(*columns).select_from(joined)).all()


def _gap(learner_id: int, started, last, today: date) -> Gap:
    started, last = _as_date(started), _as_date(last)
    since = max(d for d in (started, last) if d is not None)
    return Gap(learner_id, since, (today - since).days, last)


def gaps(learner_ids: list[int], today: date | None = None) -> dict[int, Gap]:
    """The gap (flagged or not) of each of these learners who is on roll today."""
    today = today or clock.today()
    if not learner_ids:
        return {}
    return {row[0]: _gap(row[0], row[1], row[2], today) for row in _gap_rows(today, learner_ids)}


def gap_of(learner: Learner, today: date | None = None) -> Gap | None:
    return gaps([learner.id], today).get(learner.id)


@dataclass
class GapReport:
    flagged: int = 0
    notified: int = 0
    #: Emails queued: one per mentor with newly flagged learners.
    emails: int = 0


def _gap_body(gap: Gap, name: str) -> str:
    if gap.last_logged and gap.last_logged >= gap.since:
        return f"Nothing has been logged since {gap.last_logged:%-d %B %Y}."
    return f"Nothing has been logged since {name} was enrolled on {gap.since:%-d %B %Y}."


def flag_gaps(now: datetime | None = None) -> GapReport:
    """The ``learning-gaps`` job: tell each learner's current mentor, once per gap, about learners on roll with
    no logged learning for GAP_DAYS days.

    Each gap is one notification in the mentor's notification centre. Its key names the learner, the day the gap
    started from and the mentor, so a re-run adds nothing, a new gap (after more learning is logged) is a new
    notice, and a new mentor hears about a gap that began before they took over. Email is one digest per mentor
    a day listing the learners newly flagged, so a first run at national scale sends a few thousand emails, not
    one per learner. All of it in the same few statements however many learners there are."""
    today = clock.today(now)
    report = GapReport()
    gaps_found = [(_gap(r[0], r[1], r[2], today), r[3]) for r in _gap_rows(today, with_mentor=True)]
    gaps_found = [(g, mentor_id) for g, mentor_id in gaps_found if g.flagged]
    report.flagged = len(gaps_found)
    if not gaps_found:
        return report
    names = {
        learner_id: f"{preferred or legal.split()[0]} {legal.split()[-1]}"
        for learner_id, legal, preferred in db.session.execute(
            select(Learner.id, Learner.legal_name, Learner.preferred_name).where(
                Learner.id.in_(select(Enrolment.learner_id).where(on_roll_filter(today)))
            )
        )
    }
    mentors = {
        u.id: u
        for u in db.session.scalars(
            select(User)
            .where(
                User.id.in_(select(MentorAssignment.mentor_id).where(MentorAssignment.ends_on.is_(None))),
                User.active.is_(True),
            )
            .options(lazyload(User.role_links))
        )
    }
    notices, lines = [], {}
    for gap, mentor_id in gaps_found:
        mentor = mentors.get(mentor_id)
        if mentor is None:
            continue
        name = names[gap.learner_id]
        key = f"learning-gap:{gap.learner_id}:{gap.since.isoformat()}:{mentor.id}"
        lines[key] = (name, _gap_body(gap, name))
        notices.append(
            notifications.Notice(
                mentor,
                key,
                "learning_gap",
                f"No learning logged for {gap.days} days: {name}",
                body=_gap_body(gap, name) + " It may be worth checking in with the family.",
                link=f"/learning/learners/{gap.learner_id}/attendance",
            )
        )
    created = notifications.notify_many(notices)
    report.notified = len(created)
    by_mentor: dict[int, list[notifications.Notice]] = defaultdict(list)
    for notice in created:
        by_mentor[notice.user.id].append(notice)
    digests = []
    for mentor_id, items in by_mentor.items():
        count = len(items)
        digests.append(
            notifications.Digest(
                mentors[mentor_id],
                f"learning-gap-digest:{mentor_id}:{today.isoformat()}",
                f"No learning logged for {GAP_DAYS} days: {count} learner{'s' if count != 1 else ''}",
                f"{'One learner on your caseload has' if count == 1 else f'{count} learners on your caseload have'} "
                f"had no learning logged for {GAP_DAYS} days:",
                [f"{name}. {detail}" for name, detail in sorted(lines[n.key] for n in items)],
                link="/learning/log",
                outro=f"It may be worth checking in with {'the family' if count == 1 else 'these families'}. "
                "Your learners, those longest without logged learning first:",
            )
        )
    report.emails = notifications.email_digests(digests)
    return report
