"""Who may see and do what with the learning log, portfolio evidence, exhibitions and the record of achievement.

Written in terms of :mod:`virtualacademy.policies.relations`. Who may read is decided here; who may write is
``learning_log.may_write`` / ``may_correct`` and ``evidence.may_showcase``, which the services enforce too.

* ``log_view`` on a learner (and ``view`` on an entry, evidence, exhibition): whoever sees the learner
  (``SEES``: the learner, their guardians, their mentor and for 30 days after handing over, their locality's
  coordinator (read only), admins).
* ``log_write`` on a learner (and ``edit`` on evidence and exhibitions): the learner, their guardians, their
  current mentor, admins. Whether a log entry can still be changed (its 14-day window) is the service's
  question, answered on the page rather than with a 404.
* ``narrative_write`` on a learner (the record of achievement's summary): the current mentor or an admin, who
  are also the only ones who may correct a log entry after its window (``learning_log.may_edit``).
* ``showcase`` on evidence: the learner, or their guardians (and admins).
"""

from __future__ import annotations

from sqlalchemy import Select

from virtualacademy.models import Evidence, Exhibition, Learner, LogEntry, User
from virtualacademy.policies.registry import rule, scope
from virtualacademy.policies.relations import SEES, is_related, only_related
from virtualacademy.services import evidence, learning_log


@rule(Learner, "log_view")
def _log_view(user: User, learner: Learner) -> bool:
    return is_related(user, learner, SEES)


@rule(Learner, "log_write")
def _log_write(user: User, learner: Learner) -> bool:
    return learning_log.may_write(user, learner)


@rule(Learner, "narrative_write")
def _narrative_write(user: User, learner: Learner) -> bool:
    return learning_log.may_correct(user, learner)


@rule(LogEntry, "view")
def _view_entry(user: User, entry: LogEntry) -> bool:
    return is_related(user, entry.learner, SEES)


@rule(LogEntry, "edit")
def _edit_entry(user: User, entry: LogEntry) -> bool:
    """May reach the edit page: anyone who writes the log (the page says if the entry is locked)."""
    return learning_log.may_write(user, entry.learner)


@rule(Evidence, "view")
def _view_evidence(user: User, item: Evidence) -> bool:
    return is_related(user, item.learner, SEES)


@rule(Evidence, "edit")
def _edit_evidence(user: User, item: Evidence) -> bool:
    return learning_log.may_write(user, item.learner)


@rule(Evidence, "showcase")
def _showcase_evidence(user: User, item: Evidence) -> bool:
    return evidence.may_showcase(user, item.learner)


def _learner_of(exhibition: Exhibition) -> Learner:
    from virtualacademy.extensions import db

    return db.session.get(Learner, exhibition.learner_id)


@rule(Exhibition, "view")
def _view_exhibition(user: User, exhibition: Exhibition) -> bool:
    return is_related(user, _learner_of(exhibition), SEES)


@rule(Exhibition, "edit")
def _edit_exhibition(user: User, exhibition: Exhibition) -> bool:
    return learning_log.may_write(user, _learner_of(exhibition))


@scope(LogEntry)
def _entries_scope(user: User, stmt: Select) -> Select:
    return only_related(stmt, LogEntry.learner_id, user, SEES)


@scope(Evidence)
def _evidence_scope(user: User, stmt: Select) -> Select:
    return only_related(stmt, Evidence.learner_id, user, SEES)


@scope(Exhibition)
def _exhibitions_scope(user: User, stmt: Select) -> Select:
    return only_related(stmt, Exhibition.learner_id, user, SEES)
