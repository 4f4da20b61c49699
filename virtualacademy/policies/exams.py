"""Who may see and do what with exam entries, readiness and access arrangements (registered into the policies package).

The rules live in ``services/exams/access.py`` (the services enforce the same ones); this module registers them, so
``can()``, ``get_or_404()`` and ``scoped()`` use them. Loaded with the other domains by ``policies.registry.load_rules``.

* A learner's exams (``Learner``, ``"exams_view"``), and each of their judgements, entries and arrangements
  (``"view"``): the learner, their family, their mentor (current, or handed over in the last 30 days), the exams
  officer and admins. Coordinators: only counts for their locality (``Locality``, ``"exams_counts"``).
* Judging readiness (``Learner``, ``"exams_judge"``): the current mentor, or an admin.
* Confirming (``ReadinessJudgement``, ``"confirm"``): the learner or their family (the service says which
  confirmation each may give).
* Managing (``"manage"`` on entries, series, centres, qualifications and arrangements): the exams officer or an
  admin. Drafting an arrangement (``Learner``, ``"exams_arrange"``): those, and the current mentor.
"""

from __future__ import annotations

from sqlalchemy import Select

from virtualacademy.models import (
    AccessArrangement,
    ExamCentre,
    ExamEntry,
    ExamSeries,
    Learner,
    Locality,
    Qualification,
    ReadinessJudgement,
    User,
)
from virtualacademy.policies import rule, scope
from virtualacademy.services.exams import access


@rule(Learner, "exams_view")
def _view_learner_exams(user: User, learner: Learner) -> bool:
    return access.may_view(user, learner)


@rule(Learner, "exams_judge")
def _judge(user: User, learner: Learner) -> bool:
    return access.may_judge(user, learner)


@rule(Learner, "exams_arrange")
def _arrange(user: User, learner: Learner) -> bool:
    return access.may_draft_arrangement(user, learner)


@rule(Locality, "exams_counts")
def _counts(user: User, locality: Locality) -> bool:
    return access.may_see_locality_counts(user, locality)


@rule(ReadinessJudgement, "view")
def _view_judgement(user: User, judgement: ReadinessJudgement) -> bool:
    return access.may_view(user, judgement.learner)


@rule(ReadinessJudgement, "confirm")
def _confirm(user: User, judgement: ReadinessJudgement) -> bool:
    return access.may_confirm_as_learner(user, judgement.learner)


@rule(ExamEntry, "view")
def _view_entry(user: User, entry: ExamEntry) -> bool:
    return access.may_view(user, entry.learner)


@rule(AccessArrangement, "view")
def _view_arrangement(user: User, arrangement: AccessArrangement) -> bool:
    return access.may_view(user, arrangement.learner)


def _manage(user: User, _obj) -> bool:
    return access.may_manage(user)


for _model in (ExamEntry, AccessArrangement, ExamSeries, ExamCentre, Qualification):
    rule(_model, "manage")(_manage)


@scope(ExamEntry)
def _entries_scope(user: User, stmt: Select) -> Select:
    return access.narrow(user, stmt, ExamEntry.learner_id)


@scope(ReadinessJudgement)
def _judgements_scope(user: User, stmt: Select) -> Select:
    return access.narrow(user, stmt, ReadinessJudgement.learner_id)


@scope(AccessArrangement)
def _arrangements_scope(user: User, stmt: Select) -> Select:
    return access.narrow(user, stmt, AccessArrangement.learner_id)
