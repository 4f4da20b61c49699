"""``policies.relations``: how each kind of person is related to a learner, the same answer for one learner
(``relations``, ``is_related``) and as a set (``related_learner_ids``), and ``localities.coordinated_by``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import GuardianFactory, LearnerFactory, UserFactory
from virtualacademy import clock
from virtualacademy.models import Learner, LocalityRole, LocalityStaff, MentorAssignment, Role
from virtualacademy.policies.relations import (
    FAMILY,
    NONE,
    SEES,
    Relation,
    coordinates,
    is_related,
    only_related,
    related_learner_ids,
    relations,
)
from virtualacademy.services.localities import coordinated_by

R = Relation
MASKS = [
    SEES,
    FAMILY,
    R.SELF,
    R.GUARDIAN,
    R.MENTOR,
    R.HANDOVER_MENTOR,
    R.MENTOR | R.HANDOVER_MENTOR,
    R.COORDINATOR,
    R.ADMIN | R.COORDINATOR,
    R.ADMIN | R.COORDINATOR | R.MENTOR,
    SEES | R.EXAMS_OFFICER,
    R.SAFEGUARDING_LEAD,
    FAMILY | R.COORDINATOR,
]


@pytest.fixture
def academy(ctx):
    today = clock.today()
    learner = LearnerFactory(user=UserFactory(roles=[Role.LEARNER]))
    other = LearnerFactory()
    people = {
        "self": learner.user,
        "guardian": GuardianFactory(family=learner.family).user,
        "other_guardian": GuardianFactory(family=other.family).user,
        "mentor": UserFactory(roles=[Role.MENTOR]),
        "handed_over": UserFactory(roles=[Role.MENTOR]),
        "handed_over_long_ago": UserFactory(roles=[Role.MENTOR]),
        "mentor_without_the_role": UserFactory(),
        "coordinator": UserFactory(roles=[Role.COORDINATOR]),
        "coordinator_without_the_role": UserFactory(),
        "other_coordinator": UserFactory(roles=[Role.COORDINATOR]),
        "exams_officer": UserFactory(roles=[Role.EXAMS_OFFICER]),
        "lead": UserFactory(roles=[Role.SAFEGUARDING_LEAD]),
        "admin": UserFactory(roles=[Role.ADMIN]),
        # a guardian who also mentors the other family's learner
        "guardian_and_mentor": GuardianFactory(family=learner.family, user__roles=[Role.GUARDIAN, Role.MENTOR]).user,
    }
    ctx.add_all(
        [
            MentorAssignment(learner_id=learner.id, mentor_id=people["mentor"].id, starts_on=today),
            MentorAssignment(
                learner_id=learner.id,
                mentor_id=people["handed_over"].id,
                starts_on=today - timedelta(days=100),
                ends_on=today - timedelta(days=10),
            ),
            MentorAssignment(
                learner_id=learner.id,
                mentor_id=people["handed_over_long_ago"].id,
                starts_on=today - timedelta(days=200),
                ends_on=today - timedelta(days=30),
            ),
            MentorAssignment(learner_id=other.id, mentor_id=people["guardian_and_mentor"].id, starts_on=today),
            MentorAssignment(
                learner_id=other.id,
                mentor_id=people["mentor_without_the_role"].id,
                starts_on=today - timedelta(days=100),
                ends_on=today - timedelta(days=5),
            ),
        ]
    )
    for who, locality in (
        ("coordinator", learner.locality_id),
        ("coordinator_without_the_role", learner.locality_id),
        ("other_coordinator", other.locality_id),
    ):
        ctx.add(LocalityStaff(user_id=people[who].id, locality_id=locality, role=LocalityRole.COORDINATOR))
    ctx.flush()
    return learner, other, people


def test_each_person_is_related_to_the_learner_as_expected(academy):
    learner, other, people = academy
    expected = {
        "self": R.SELF,
        "guardian": R.GUARDIAN,
        "other_guardian": NONE,
        "mentor": R.MENTOR,
        "handed_over": R.HANDOVER_MENTOR,
        "handed_over_long_ago": NONE,
        "mentor_without_the_role": NONE,
        "coordinator": R.COORDINATOR,
        "coordinator_without_the_role": NONE,
        "other_coordinator": NONE,
        "exams_officer": R.EXAMS_OFFICER,
        "lead": R.SAFEGUARDING_LEAD,
        "admin": R.ADMIN,
        "guardian_and_mentor": R.GUARDIAN,
    }
    assert {who: relations(user, learner) for who, user in people.items()} == expected
    assert relations(people["guardian_and_mentor"], other) == R.MENTOR
    assert relations(people["other_coordinator"], other) == R.COORDINATOR
    assert relations(people["admin"], other) == R.ADMIN


def test_the_handover_lasts_30_days_from_the_day_given(academy):
    learner, _, people = academy
    today = clock.today()
    old = people["handed_over"]
    assert is_related(old, learner, R.HANDOVER_MENTOR, today=today + timedelta(days=19))
    assert not is_related(old, learner, R.HANDOVER_MENTOR, today=today + timedelta(days=20))
    assert relations(old, learner, today=today + timedelta(days=20)) == NONE
    assert not is_related(old, learner, R.MENTOR)


def test_one_learner_and_the_set_give_the_same_answer(academy, ctx):
    learner, other, people = academy
    both = {learner.id, other.id}
    for who, user in people.items():
        for mask in MASKS:
            one = {x.id for x in (learner, other) if is_related(user, x, mask)}
            assert one == {x.id for x in (learner, other) if relations(user, x) & mask}, (who, mask)
            as_set = set(ctx.scalars(related_learner_ids(user, mask))) & both
            assert as_set == one, (who, mask)
            narrowed = only_related(select(Learner.id), Learner.id, user, mask)
            assert set(ctx.scalars(narrowed)) & both == one, (who, mask)


def test_academy_wide_roles_leave_a_query_as_it_is(academy):
    _, _, people = academy
    stmt = select(Learner.id)
    assert only_related(stmt, Learner.id, people["admin"], SEES) is stmt
    assert only_related(stmt, Learner.id, people["exams_officer"], SEES) is not stmt


def test_coordinated_by_is_the_one_answer_for_coordinators(academy, ctx):
    learner, other, people = academy
    assert set(ctx.scalars(coordinated_by(people["coordinator"]))) == {learner.locality_id}
    # attached but without the role: coordinated_by lists the locality; the relation needs the role as well
    assert set(ctx.scalars(coordinated_by(people["coordinator_without_the_role"]))) == {learner.locality_id}
    assert coordinates(people["coordinator"], learner.locality_id)
    assert not coordinates(people["coordinator_without_the_role"], learner.locality_id)
    assert not coordinates(people["coordinator"], other.locality_id)
    assert not coordinates(people["coordinator"], None)
    assert set(ctx.scalars(coordinated_by(people["admin"]))) == set()
