"""Each learner's last logged day (``Learner.last_logged_on``), kept in step with the log by session events in
the same transaction as any flush that changes log entries, and refreshed after bulk inserts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from virtualacademy.database import chunked
from virtualacademy.extensions import db
from virtualacademy.models import Learner, LogEntry
from virtualacademy.paging import Key

#: Staff's list of learners (**Learning log**): the longest without logged learning first (those who have logged
#: nothing before everyone), then by name and id. A keyset order, read through ``ix_learner_log_order``.
LOG_LIST_ORDER = (
    Key(Learner.last_logged_on, kind=date, nullable=True, nulls_first=True),
    Key(Learner.legal_name, kind=str, max_length=200),
    Key(Learner.id),
)

# --- each learner's last logged day, kept in step with the log ---------------------------------------------


def last_logged_on_column():
    """``Learner.last_logged_on`` recomputed from the log (for back-fills after bulk inserts, and checks)."""
    return (
        select(func.max(LogEntry.on_date)).where(LogEntry.learner_id == Learner.id).correlate(Learner).scalar_subquery()
    )


def refresh_last_logged(learner_ids: Iterable[int] | None = None) -> None:
    """Set ``Learner.last_logged_on`` from the log for these learners (all, if None). Used after bulk inserts that
    bypass the ORM; ORM changes to log entries keep it in step on their own (below)."""
    stmt = update(Learner).values(last_logged_on=last_logged_on_column()).execution_options(synchronize_session=False)
    if learner_ids is None:
        db.session.execute(stmt)
        return
    for some in chunked(sorted(set(learner_ids))):
        db.session.execute(stmt.where(Learner.id.in_(some)))


_PENDING = "learning_log.last_logged"


@event.listens_for(Session, "after_flush")
def _note_changed_learners(session: Session, _context) -> None:
    changed = {
        obj.learner_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, LogEntry) and obj.learner_id is not None
    }
    if changed:
        session.info.setdefault(_PENDING, set()).update(changed)


@event.listens_for(Session, "after_flush_postexec")
def _keep_last_logged_in_step(session: Session, _context) -> None:
    """In the same transaction as any flush that adds, changes or deletes log entries, however they were made."""
    learner_ids = session.info.pop(_PENDING, None)
    if not learner_ids:
        return
    stmt = update(Learner.__table__).values(
        last_logged_on=select(func.max(LogEntry.__table__.c.on_date))
        .where(LogEntry.__table__.c.learner_id == Learner.__table__.c.id)
        .scalar_subquery()
    )
    for some in chunked(sorted(learner_ids)):  # one statement per flush, unless it changed a great many learners
        session.connection().execute(stmt.where(Learner.__table__.c.id.in_(some)))
    for learner_id in learner_ids:
        loaded = session.identity_map.get(session.identity_key(Learner, learner_id))
        if loaded is not None:
            session.expire(loaded, ["last_logged_on"])
