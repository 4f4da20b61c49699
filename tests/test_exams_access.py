"""Who may see a learner's readiness, entries and arrangements: the family, the learner's mentor, the exams officer
and admins; coordinators only counts; nobody else. Checked object by object and through the scoped list queries."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

import virtualacademy.policies.exams  # noqa: F401 - registers the rules
from tests.factories import (
    CentreSeriesCapacityFactory,
    ExamCentreFactory,
    ExamSeriesFactory,
    GuardianFactory,
    LearnerFactory,
    ReadinessJudgementFactory,
    UserFactory,
    fund_exams_budget,
)
from virtualacademy import clock
from virtualacademy.models import (
    AccessArrangement,
    ArrangementEvidence,
    ArrangementType,
    ExamEntry,
    ExamSeries,
    LocalityRole,
    LocalityStaff,
    MentorAssignment,
    ReadinessJudgement,
    Role,
)
from virtualacademy.policies import can, scoped
from virtualacademy.services.exams import arrangements, entries


@pytest.fixture
def academy(ctx):
    officer = UserFactory(roles=[Role.EXAMS_OFFICER])
    learner = LearnerFactory()
    sibling = LearnerFactory(family=learner.family, locality=learner.locality)
    stranger = LearnerFactory()
    people = {
        "officer": officer,
        "admin": UserFactory(roles=[Role.ADMIN]),
        "guardian": GuardianFactory(family=learner.family).user,
        "learner": UserFactory(roles=[Role.LEARNER]),
        "sibling": UserFactory(roles=[Role.LEARNER]),
        "mentor": UserFactory(roles=[Role.MENTOR]),
        "former_mentor": UserFactory(roles=[Role.MENTOR]),
        "long_gone_mentor": UserFactory(roles=[Role.MENTOR]),
        "other_mentor": UserFactory(roles=[Role.MENTOR]),
        "coordinator": UserFactory(roles=[Role.COORDINATOR]),
        "other_guardian": GuardianFactory(family=stranger.family).user,
        "safeguarding_lead": UserFactory(roles=[Role.SAFEGUARDING_LEAD]),
    }
    learner.user_id = people["learner"].id
    sibling.user_id = people["sibling"].id
    today = clock.today()
    ctx.add_all(
        [
            MentorAssignment(learner_id=learner.id, mentor_id=people["mentor"].id, starts_on=today),
            MentorAssignment(
                learner_id=learner.id,
                mentor_id=people["former_mentor"].id,
                starts_on=date(2026, 9, 1),
                ends_on=today - timedelta(days=10),
            ),
            MentorAssignment(
                learner_id=learner.id,
                mentor_id=people["long_gone_mentor"].id,
                starts_on=date(2025, 9, 1),
                ends_on=date(2026, 9, 1),
            ),
            MentorAssignment(learner_id=stranger.id, mentor_id=people["other_mentor"].id, starts_on=today),
            LocalityStaff(
                user_id=people["coordinator"].id, locality_id=learner.locality_id, role=LocalityRole.COORDINATOR
            ),
        ]
    )
    ctx.flush()
    series = ExamSeriesFactory()
    centre = ExamCentreFactory()
    CentreSeriesCapacityFactory(centre=centre, series=series)
    fund_exams_budget()
    judgement = ReadinessJudgementFactory(learner=learner)
    entry = entries.create_entry(officer, learner, judgement.qualification, series, centre)
    arrangement = arrangements.add_arrangement(
        officer, learner, series, ArrangementType.EXTRA_TIME_25, ArrangementEvidence.EHCP, entry=entry
    )
    other = ReadinessJudgementFactory(learner=stranger)
    entries.create_entry(officer, stranger, other.qualification, series, centre)
    return people, learner, judgement, entry, arrangement


SEES = {"officer", "admin", "guardian", "learner", "mentor", "former_mentor"}
NOT = {"sibling", "long_gone_mentor", "other_mentor", "coordinator", "other_guardian", "safeguarding_lead"}


def test_each_person_sees_a_learners_exam_records_only_through_their_relationship(ctx, academy):
    people, learner, judgement, entry, arrangement = academy
    assert set(people) == SEES | NOT
    for name, user in people.items():
        expected = name in SEES
        assert can(user, "exams_view", learner) is expected, name
        for obj in (judgement, entry, arrangement):
            assert can(user, "view", obj) is expected, (name, type(obj).__name__)


def test_the_scoped_lists_hold_the_same_learners(ctx, academy):
    people, learner, judgement, entry, arrangement = academy
    for name, user in people.items():
        seen = set(ctx.scalars(scoped(user, select(ExamEntry.learner_id))))
        judged = set(ctx.scalars(scoped(user, select(ReadinessJudgement.learner_id))))
        arranged = set(ctx.scalars(scoped(user, select(AccessArrangement.learner_id))))
        if name in {"officer", "admin"}:
            assert len(seen) == 2 and learner.id in seen, name
        elif name in SEES:
            assert seen == judged == arranged == {learner.id}, name
        else:
            assert learner.id not in seen | judged | arranged, name


def test_judging_confirming_and_managing(ctx, academy):
    people, learner, judgement, entry, _arrangement = academy
    judges = {n for n, u in people.items() if can(u, "exams_judge", learner)}
    assert judges == {"mentor", "admin"}
    confirms = {n for n, u in people.items() if can(u, "confirm", judgement)}
    assert confirms == {"guardian", "learner"}
    managers = {n for n, u in people.items() if can(u, "manage", entry)}
    assert managers == {"officer", "admin"}
    assert {n for n, u in people.items() if can(u, "manage", ctx.get(ExamSeries, entry.series_id))} == managers
    drafters = {n for n, u in people.items() if can(u, "exams_arrange", learner)}
    assert drafters == {"officer", "admin", "mentor"}
    counters = {n for n, u in people.items() if can(u, "exams_counts", learner.locality)}
    assert counters == {"officer", "admin", "coordinator"}
    assert not can(None, "exams_view", learner)
