"""The check-ins' wellbeing summary for the overview (``wellbeing_day``: per locality, London day and score, the
scores recorded), kept in step with the check-ins and with learners' localities: it always equals the check-ins."""

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from tests.factories import LearnerFactory, LocalityFactory
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import CheckIn, ContactMethod, ContactWith, Learner, WellbeingDay
from virtualacademy.services.overview.common import Period
from virtualacademy.services.overview.wellbeing import rebuild_wellbeing_days, wellbeing


def kept() -> dict:
    return {
        (d.locality_id, d.on_date, d.score): d.check_ins
        for d in db.session.scalars(select(WellbeingDay))
        if d.check_ins
    }


def live() -> dict:
    """The scores counted here from each check-in, by its learner's locality now and its London day."""
    counts: dict = {}
    for check_in in db.session.scalars(select(CheckIn).where(CheckIn.wellbeing.is_not(None))):
        locality_id = db.session.get(Learner, check_in.learner_id).locality_id
        if locality_id is not None:
            key = (locality_id, clock.today(check_in.occurred_at), check_in.wellbeing)
            counts[key] = counts.get(key, 0) + 1
    return counts


def a_check_in(learner_id: int, at: datetime, score: int | None) -> CheckIn:
    return CheckIn(
        learner_id=learner_id,
        occurred_at=at,
        method=ContactMethod.PHONE,
        with_whom=ContactWith.BOTH,
        contact_made=True,
        wellbeing=score,
    )


def test_the_summary_equals_the_check_ins_after_a_random_sequence_of_changes(db_session):
    rng = random.Random(20270328)
    places = [LocalityFactory(name=f"Place {n}") for n in range(3)]
    learners = [LearnerFactory(locality=places[n % 3]) for n in range(7)]
    # across the clocks going forward (28 March 2027): 23:30 UTC is the next London day in summer
    start = datetime(2027, 3, 20, 21, tzinfo=UTC)
    check_ins: list[CheckIn] = []
    for step in range(150):
        roll = rng.random()
        if roll < 0.5 or not check_ins:
            at = start + timedelta(days=rng.randrange(20), minutes=rng.choice((0, 150, 170)))
            check_ins.append(a_check_in(rng.choice(learners).id, at, rng.choice((None, 1, 2, 3, 4, 5))))
            db.session.add(check_ins[-1])
        elif roll < 0.65:
            check_in = rng.choice(check_ins)
            check_in.wellbeing = rng.choice((None, 1, 5))
            if rng.random() < 0.4:
                check_in.occurred_at = start + timedelta(days=rng.randrange(20), minutes=170)
        elif roll < 0.75:
            db.session.delete(check_ins.pop(rng.randrange(len(check_ins))))
        elif roll < 0.85:
            rng.choice(learners).locality = rng.choice(places)  # moves: their scores go with them
        elif roll < 0.9:
            learner = rng.choice(learners)
            learner.locality_id = None if learner.locality_id else places[0].id
        else:
            # several changes in one flush, one of them a move of the learner whose check-in changes
            check_in = rng.choice(check_ins)
            check_in.wellbeing = rng.choice((2, 4))
            db.session.get(Learner, check_in.learner_id).locality = rng.choice(places)
            check_ins.append(a_check_in(check_in.learner_id, check_in.occurred_at, 3))
            db.session.add(check_ins[-1])
        if step % 7 == 0:
            db.session.flush()  # some changes go in flushes of their own before the commit
        db.session.commit()
        assert kept() == live(), step
    assert len(live()) > 10
    # some scores were recorded on a London day that is not their UTC day
    assert any(clock.today(c.occurred_at) != c.occurred_at.date() for c in check_ins if c.wellbeing)


def test_the_overview_reads_the_scores_of_the_period_from_the_summary(db_session):
    north, south = LocalityFactory(name="North"), LocalityFactory(name="South")
    ann, ben = LearnerFactory(locality=north), LearnerFactory(locality=south)
    # 23:30 UTC on 31 May is 1 June in London: outside a period that ends on 31 May
    for learner, at, score in (
        (ann, datetime(2027, 5, 3, 10, tzinfo=UTC), 2),
        (ann, datetime(2027, 5, 31, 23, 30, tzinfo=UTC), 1),
        (ben, datetime(2027, 5, 4, 10, tzinfo=UTC), 4),
        (ben, datetime(2027, 4, 30, 10, tzinfo=UTC), 5),
    ):
        db.session.add(a_check_in(learner.id, at, score))
    db.session.commit()
    figures = wellbeing(Period(date(2027, 5, 1), date(2027, 5, 31)))
    assert figures.by_locality[north.id].scores == {1: 0, 2: 1, 3: 0, 4: 0, 5: 0}
    assert figures.by_locality[south.id].scores == {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}


def test_rebuilding_the_summary_from_the_check_ins(db_session):
    north = LocalityFactory(name="North")
    ann = LearnerFactory(locality=north)
    for hour, score in ((9, 3), (11, 3), (13, 5)):
        db.session.add(a_check_in(ann.id, datetime(2027, 1, 5, hour, tzinfo=UTC), score))
    db.session.commit()
    assert kept() == {(north.id, date(2027, 1, 5), 3): 2, (north.id, date(2027, 1, 5), 5): 1}
    db.session.query(WellbeingDay).delete()
    rebuild_wellbeing_days()
    db.session.commit()
    assert kept() == live() == {(north.id, date(2027, 1, 5), 3): 2, (north.id, date(2027, 1, 5), 5): 1}
