"""Who may see and do what with applications, families and learners (the learner's record and the list of
learners)."""

from __future__ import annotations

from sqlalchemy import Select

from virtualacademy.models import Application, Family, Learner, Role, User
from virtualacademy.policies.registry import admin_only, rule, scope, scoped
from virtualacademy.policies.relations import SEES, Relation, is_related, only_related, reaches_everyone

#: The learner's record page and the list of learners: whoever sees the learner, and the exams officer, who
#: works across the academy (entries by readiness, access arrangements) and reads every record, read-only.
READS_RECORD = SEES | Relation.EXAMS_OFFICER


# Reviewing applications, a family's data protection pages, withdrawing and re-enrolling a learner: admins.
admin_only(Application, "review")
admin_only(Family, "manage")
admin_only(Learner, "manage")


@rule(Application, "view_own")
def _view_own_application(user: User, application: Application) -> bool:
    return application.user_id == user.id


@rule(Family, "view")
def _view_family(user: User, family: Family) -> bool:
    return user.has_role(Role.ADMIN) or any(g.user_id == user.id for g in family.guardians)


@rule(Learner, "view")
def _view_learner(user: User, learner: Learner) -> bool:
    return is_related(user, learner, SEES)


@rule(Learner, "edit_details")
def _edit_learner_details(user: User, learner: Learner) -> bool:
    return is_related(user, learner, Relation.GUARDIAN)


@rule(Learner, "read_record")
def _read_learner_record(user: User, learner: Learner) -> bool:
    """The learner's record page (``/learners/<id>``)."""
    return is_related(user, learner, READS_RECORD)


def learner_records(user: User, stmt: Select) -> Select:
    """The learner list: every learner for an admin or the exams officer (read-only), otherwise those in scope."""
    if reaches_everyone(user, READS_RECORD):
        return stmt
    return scoped(user, stmt)


@scope(Learner)
def _learners_scope(user: User, stmt: Select) -> Select:
    return only_related(stmt, Learner.id, user, SEES)
