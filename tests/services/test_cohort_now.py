"""The cohort on roll today (``cohort_now``), recounted every 10 minutes by the ``overview-figures`` job: once
counted, it equals the cohort counted live, whatever the learners and enrolments; it is read only on the day it
was counted, and the page says when."""

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete

from tests.factories import LearnerFactory, LocalityFactory
from tests.overview_world import TODAY
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.jobs import JOBS
from virtualacademy.models import CohortNow, Enrolment, EnrolmentStatus, Learner
from virtualacademy.models.families import EheReason, SendStatus
from virtualacademy.services.overview.cohort import cohort, recount_cohort


def live(on: date):
    """The cohort on ``on`` counted from the enrolments and learners (no summary to read)."""
    saved = db.session.begin_nested()
    db.session.execute(delete(CohortNow))
    figures = cohort(on, with_gaps=True)
    saved.rollback()
    return figures


def test_the_recounted_cohort_equals_the_live_count_after_a_random_sequence_of_changes(db_session):
    rng = random.Random(20270125)
    places = [LocalityFactory(name=f"Place {n}") for n in range(3)]
    learners: list[Learner] = []
    for step in range(90):
        roll = rng.random()
        if roll < 0.5 or not learners:
            start = TODAY - timedelta(days=rng.randrange(400))
            learner = LearnerFactory(
                locality=rng.choice(places),
                enrolled=start,
                date_of_birth=date(2010, 1, 1) + timedelta(days=rng.randrange(3000)),
                reason=rng.choice(list(EheReason)),
                send_status=rng.choice(list(SendStatus)),
                fsm_eligible=rng.random() < 0.4,
            )
            learner.last_logged_on = rng.choice((None, TODAY - timedelta(days=rng.randrange(40))))
            learners.append(learner)
        elif roll < 0.7:
            learner = rng.choice(learners)
            learner.send_status = rng.choice(list(SendStatus))
            learner.fsm_eligible = not learner.fsm_eligible
        elif roll < 0.85:
            enrolment = rng.choice(rng.choice(learners).enrolments)
            enrolment.end_date = TODAY + timedelta(days=rng.randrange(-30, 30))
        else:
            learner = rng.choice(learners)
            db.session.add(
                Enrolment(
                    learner_id=learner.id,
                    locality_id=rng.choice(places).id,
                    status=rng.choice((EnrolmentStatus.ENROLLED, EnrolmentStatus.APPLIED)),
                    start_date=TODAY - timedelta(days=rng.randrange(20)),
                )
            )
        db.session.commit()
        if step % 15 == 14:
            now = datetime(2027, 3, 2, 10, step % 60, tzinfo=UTC)
            recount_cohort(TODAY, now)
            db.session.commit()
            kept, counted = cohort(TODAY, with_gaps=True), live(TODAY)
            assert kept.counted_at is not None and counted.counted_at is None
            assert (kept.by_locality, kept.without_learning) == (counted.by_locality, counted.without_learning), step
    assert sum(row.on_roll for row in live(TODAY).by_locality.values()) > 20


def test_the_summary_is_read_only_on_the_day_it_was_counted(db_session, travel):
    north = LocalityFactory(name="North")
    LearnerFactory(locality=north, enrolled=TODAY - timedelta(days=30))
    db.session.commit()
    travel(datetime(2027, 3, 1, 18, tzinfo=UTC))
    JOBS["overview-figures"].func()
    db.session.commit()
    counted_at = cohort(date(2027, 3, 1), with_gaps=True).counted_at
    assert timedelta(0) <= counted_at - datetime(2027, 3, 1, 18, tzinfo=UTC) < timedelta(minutes=1)
    LearnerFactory(locality=north, enrolled=TODAY - timedelta(days=3))  # after the count: seen at the next one
    db.session.commit()
    assert cohort(date(2027, 3, 1), with_gaps=True).total().on_roll == 1
    # the next day (or a day asked about that is not today) it is counted live
    assert cohort(date(2027, 3, 2), with_gaps=True).counted_at is None
    assert cohort(date(2027, 3, 2), with_gaps=True).total().on_roll == 2
    assert cohort(date(2027, 3, 1)).total().on_roll == 2
    assert clock.today() == date(2027, 3, 1)
