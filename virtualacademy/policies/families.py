"""Who may see and do what with applications, families and learners (the learner's record and the list of
learners)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, or_, select, union

from virtualacademy.models import (
    Application,
    Family,
    Guardian,
    Learner,
    LocalityRole,
    LocalityStaff,
    MentorAssignment,
    Role,
    User,
)
from virtualacademy.policies.registry import rule, scope, scoped
from virtualacademy.policies.relations import coordinates, guardian_of_family, mentors


@rule(Application, "view_own")
def _view_own_application(user: User, application: Application) -> bool:
    return application.user_id == user.id


@rule(Family, "view")
def _view_family(user: User, family: Family) -> bool:
    return user.has_role(Role.ADMIN) or guardian_of_family(user, family.id)


@rule(Learner, "view")
def _view_learner(user: User, learner: Learner) -> bool:
    return (
        user.has_role(Role.ADMIN)
        or learner.user_id == user.id
        or guardian_of_family(user, learner.family_id)
        or coordinates(user, learner.locality_id)
        or mentors(user, learner.id, recently=True)
    )


@rule(Learner, "edit_details")
def _edit_learner_details(user: User, learner: Learner) -> bool:
    return guardian_of_family(user, learner.family_id)


@rule(Learner, "read_record")
def _read_learner_record(user: User, learner: Learner) -> bool:
    """The learner's record page (``/learners/<id>``): whoever may view the learner, and the exams officer, who
    works across the academy (entries by readiness, access arrangements) and reads every record, read-only."""
    return user.has_role(Role.EXAMS_OFFICER) or _view_learner(user, learner)


def learner_records(user: User, stmt: Select) -> Select:
    """The learner list: every learner for an admin or the exams officer (read-only), otherwise those in scope."""
    if user.has_role(Role.ADMIN, Role.EXAMS_OFFICER):
        return stmt
    return scoped(user, stmt)


@scope(Learner)
def _learners_scope(user: User, stmt: Select) -> Select:
    if user.has_role(Role.ADMIN):
        return stmt
    guardian_families = select(Guardian.family_id).where(Guardian.user_id == user.id)
    coordinated = select(LocalityStaff.locality_id).where(
        LocalityStaff.user_id == user.id, LocalityStaff.role == LocalityRole.COORDINATOR
    )
    if user.has_role(Role.MENTOR):
        from virtualacademy import clock
        from virtualacademy.services.mentoring import HANDOVER_READ_DAYS

        cutoff = clock.today() - timedelta(days=HANDOVER_READ_DAYS)
        mentored = select(MentorAssignment.learner_id).where(
            MentorAssignment.mentor_id == user.id,
            or_(MentorAssignment.ends_on.is_(None), MentorAssignment.ends_on > cutoff),
        )
    # One set of ids from each way of reaching a learner, each found through its own index, rather than an OR
    # tested against every learner in the academy (115,000 at national scale).
    reachable = [
        select(Learner.id).where(Learner.user_id == user.id),
        select(Learner.id).where(Learner.family_id.in_(guardian_families)),
    ]
    if user.has_role(Role.COORDINATOR):
        reachable.append(select(Learner.id).where(Learner.locality_id.in_(coordinated)))
    if user.has_role(Role.MENTOR):
        reachable.append(mentored)
    return stmt.where(Learner.id.in_(union(*reachable)))
