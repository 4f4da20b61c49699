"""Punctuality kept in step: each learner's last contact and next check-in due day (``Learner.last_contact_on``,
``Learner.contact_due_on``) and each contact's days late and London day (``CheckIn.days_late``,
``CheckIn.contact_on``), so the overview and the mentor
table count check-ins on time, overdue and learners without contact in the database, however big the academy.

The rules are :func:`.contact.contact_states`' (a learner's next check-in is due one cadence after the last
contact made, or the day their mentor started if there has been none since; never before their enrolment starts)
applied to each contact in turn: a contact made while the learner had a mentor was due one cadence after the
contact before it, or the day that mentor started if there had been none since; it is late by the days after that.
The cadence is the learner's current one.

They are kept in step by session events, in the same transaction as any flush that changes a learner's check-ins,
mentor assignments, support level or enrolments (and every mentored learner's when the academy's cadences change),
and refreshed after bulk inserts that bypass the ORM (:func:`refresh_contact`). ``tests/services/test_punctuality``
checks them against ``contact_states`` and a recount after a random sequence of changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Connection, bindparam, event, func, select, update
from sqlalchemy.orm import Session

from virtualacademy.database import chunked
from virtualacademy.models import (
    CadenceDefault,
    CheckIn,
    Enrolment,
    EnrolmentStatus,
    Learner,
    LearnerSupport,
    MentorAssignment,
    SupportLevel,
)
from virtualacademy.services.mentoring.cadence import DEFAULT_CADENCE
from virtualacademy.services.mentoring.contact import _london_date

_checks = CheckIn.__table__
_learners = Learner.__table__
_assignments = MentorAssignment.__table__

#: Learners refreshed per batch of statements.
BATCH = 500


def _cadences(connection: Connection) -> dict[SupportLevel, int]:
    stored = dict(connection.execute(select(CadenceDefault.__table__.c.level, CadenceDefault.__table__.c.days)).all())
    return {level: stored.get(level, stored.get(level.value, days)) for level, days in DEFAULT_CADENCE.items()}


def _covering(assignments: list[tuple[date, date | None]], day: date) -> date | None:
    """The start of the mentor assignment in force on ``day`` (the later one on a changeover day), if any."""
    starts = [start for start, end in assignments if start <= day and (end is None or day < end)]
    return max(starts) if starts else None


def _refresh_batch(connection: Connection, learner_ids: list[int], defaults: dict[SupportLevel, int]) -> None:
    assignments: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for learner_id, starts_on, ends_on in connection.execute(
        select(_assignments.c.learner_id, _assignments.c.starts_on, _assignments.c.ends_on).where(
            _assignments.c.learner_id.in_(learner_ids)
        )
    ):
        assignments[learner_id].append((starts_on, ends_on))
    support = {
        learner_id: override or defaults[SupportLevel(level) if level else SupportLevel.STANDARD]
        for learner_id, level, override in connection.execute(
            select(LearnerSupport.learner_id, LearnerSupport.level, LearnerSupport.override_days).where(
                LearnerSupport.learner_id.in_(learner_ids)
            )
        )
    }
    enrolled_from = dict(
        connection.execute(
            select(Enrolment.learner_id, func.max(Enrolment.start_date))
            .where(Enrolment.learner_id.in_(learner_ids), Enrolment.status == EnrolmentStatus.ENROLLED)
            .group_by(Enrolment.learner_id)
        ).all()
    )
    contacts: dict[int, list[tuple[int, date, tuple]]] = defaultdict(list)
    for check_in_id, learner_id, occurred_at, days_late, contact_on in connection.execute(
        select(_checks.c.id, _checks.c.learner_id, _checks.c.occurred_at, _checks.c.days_late, _checks.c.contact_on)
        .where(_checks.c.learner_id.in_(learner_ids), _checks.c.contact_made.is_(True))
        .order_by(_checks.c.learner_id, _checks.c.occurred_at, _checks.c.id)
    ):
        contacts[learner_id].append((check_in_id, _london_date(occurred_at), (days_late, contact_on)))
    current = dict(
        (row.id, (row.last_contact_on, row.contact_due_on))
        for row in connection.execute(
            select(_learners.c.id, _learners.c.last_contact_on, _learners.c.contact_due_on).where(
                _learners.c.id.in_(learner_ids)
            )
        )
    )
    learner_changes, check_in_changes = [], []
    for learner_id in learner_ids:
        if learner_id not in current:
            continue
        cadence = support.get(learner_id, defaults[SupportLevel.STANDARD])
        mine = assignments.get(learner_id, [])
        last = None
        for check_in_id, day, stored in contacts.get(learner_id, []):
            mentor_from = _covering(mine, day)
            late = None
            if mentor_from is not None:
                due = last + timedelta(days=cadence) if last is not None and last >= mentor_from else mentor_from
                late = max((day - due).days, 0)
            if (late, day) != stored:
                check_in_changes.append({"check_in": check_in_id, "late": late, "day": day})
            last = day
        current_from = max((start for start, end in mine if end is None), default=None)
        due_on = None
        if current_from is not None:
            due_on = last + timedelta(days=cadence) if last is not None and last >= current_from else current_from
            if enrolled_from.get(learner_id) is not None:
                due_on = max(due_on, enrolled_from[learner_id])
        if (last, due_on) != current[learner_id]:
            learner_changes.append({"learner": learner_id, "last": last, "due": due_on})
    if check_in_changes:
        connection.execute(
            update(_checks)
            .where(_checks.c.id == bindparam("check_in"))
            .values(days_late=bindparam("late"), contact_on=bindparam("day")),
            check_in_changes,
        )
    if learner_changes:
        connection.execute(
            update(_learners)
            .where(_learners.c.id == bindparam("learner"))
            .values(last_contact_on=bindparam("last"), contact_due_on=bindparam("due")),
            learner_changes,
        )


def _mentored_ids(connection: Connection) -> list[int]:
    """Every learner with a contact figure to keep: those with a mentor now or once, or a check-in."""
    ids = select(_assignments.c.learner_id).union(select(_checks.c.learner_id))
    return sorted(connection.execute(ids).scalars())


def refresh_on(connection: Connection, learner_ids: Iterable[int] | None = None) -> None:
    """Recompute the figures of these learners (every learner with any, if None) on ``connection``."""
    defaults = _cadences(connection)
    ids = _mentored_ids(connection) if learner_ids is None else sorted(set(learner_ids))
    for some in chunked(ids, BATCH):
        _refresh_batch(connection, some, defaults)


def refresh_contact(learner_ids: Iterable[int] | None = None) -> None:
    """Bring the figures into step for these learners (all, if None): after bulk inserts that bypass the ORM, and
    for rows written before the figures were kept. ORM changes keep them in step on their own (below)."""
    from virtualacademy.extensions import db

    refresh_on(db.session.connection(), learner_ids)
    db.session.expire_all()


def stale_learners(limit: int = BATCH) -> list[int]:
    """Learners with a mentor now but no due day stored (rows written before the figures were kept)."""
    from virtualacademy.extensions import db

    return list(
        db.session.scalars(
            select(MentorAssignment.learner_id)
            .join(Learner, Learner.id == MentorAssignment.learner_id)
            .where(MentorAssignment.ends_on.is_(None), Learner.contact_due_on.is_(None))
            .order_by(MentorAssignment.learner_id)
            .limit(limit)
        )
    )


def refresh_stale(limit: int = 20 * BATCH) -> int:
    """The scheduled job: fill in the learners :func:`stale_learners` finds, a batch at a time. Level-triggered
    (it looks for what is missing, so running it again adds nothing); returns how many it filled in."""
    done = 0
    while done < limit:
        some = stale_learners()
        if not some:
            break
        refresh_contact(some)
        done += len(some)
    return done


# --- kept in step with every ORM change ---------------------------------------------------------------------

_PENDING = "mentoring.punctuality"
_ALL = "all"


@event.listens_for(Session, "after_flush")
def _note_changed_learners(session: Session, _context) -> None:
    changed: set = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CadenceDefault):
            changed.add(_ALL)
        elif isinstance(obj, CheckIn | MentorAssignment | LearnerSupport | Enrolment) and obj.learner_id is not None:
            changed.add(obj.learner_id)
    if changed:
        session.info.setdefault(_PENDING, set()).update(changed)


@event.listens_for(Session, "after_flush_postexec")
def _keep_in_step(session: Session, _context) -> None:
    """In the same transaction as the flush that changed what the figures are derived from."""
    changed = session.info.pop(_PENDING, None)
    if not changed:
        return
    connection = session.connection()
    if _ALL in changed:
        refresh_on(connection, None)
    else:
        refresh_on(connection, changed)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Learner) and (_ALL in changed or obj.id in changed):
            session.expire(obj, ["last_contact_on", "contact_due_on"])
        elif isinstance(obj, CheckIn) and (_ALL in changed or obj.learner_id in changed):
            session.expire(obj, ["days_late", "contact_on"])
