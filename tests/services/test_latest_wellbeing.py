"""Each learner's latest two wellbeing scores (``latest_wellbeing``), kept in step with their check-ins for the
overview's learners whose wellbeing fell, with the learner's locality: always equal to the check-ins ranked afresh
and the learners as they are (moves between localities included)."""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from tests.factories import LearnerFactory, LocalityFactory, UserFactory
from virtualacademy.extensions import db
from virtualacademy.models import CheckIn, ContactMethod, ContactWith, LatestWellbeing, Learner, Role
from virtualacademy.models.families import WithdrawalReason
from virtualacademy.services import families
from virtualacademy.services.overview.common import Period
from virtualacademy.services.overview.wellbeing import (
    _fell_by_locality,
    _fell_from_latest,
    fell_learner_ids,
    latest_two,
    rebuild_latest_wellbeing,
    wellbeing,
)


def kept() -> dict:
    return {
        w.learner_id: (w.latest_at, w.latest, w.previous, w.locality_id)
        for w in db.session.scalars(select(LatestWellbeing))
    }


def live() -> dict:
    rows = db.session.execute(latest_two()).all()
    return {
        learner_id: (at if at.tzinfo else at.replace(tzinfo=UTC), latest, previous, locality_id)
        for learner_id, at, latest, previous, locality_id in rows
    }


def test_the_kept_scores_equal_the_check_ins_after_a_random_sequence_of_changes(db_session):
    rng = random.Random(20270302)
    places = [LocalityFactory(name="North"), LocalityFactory(name="South")]
    learners = [LearnerFactory(locality=places[n % 2]) for n in range(6)]
    start = datetime(2027, 1, 4, 9, tzinfo=UTC)
    check_ins: list[CheckIn] = []
    for step in range(120):
        roll = rng.random()
        if roll < 0.55 or not check_ins:
            check_in = CheckIn(
                learner_id=rng.choice(learners).id,
                occurred_at=start + timedelta(hours=rng.randrange(24 * 40)),
                method=ContactMethod.PHONE,
                with_whom=ContactWith.BOTH,
                contact_made=True,
                wellbeing=rng.choice((None, 1, 2, 3, 4, 5)),
            )
            db.session.add(check_in)
            check_ins.append(check_in)
        elif roll < 0.62:
            # a move to another locality (or to none), by id or by the relationship
            learner = rng.choice(learners)
            if rng.random() < 0.5:
                learner.locality_id = rng.choice((None, *(p.id for p in places)))
            else:
                learner.locality = rng.choice(places)
        elif roll < 0.85:
            check_in = rng.choice(check_ins)
            check_in.wellbeing = rng.choice((None, 1, 3, 5))
            if rng.random() < 0.3:
                check_in.occurred_at = start + timedelta(hours=rng.randrange(24 * 40))
        else:
            db.session.delete(check_ins.pop(rng.randrange(len(check_ins))))
        if step % 5 == 0:
            db.session.flush()
        db.session.commit()
        assert kept() == live(), step
    assert len(kept()) >= 4
    assert {row[-1] for row in kept().values()} >= {p.id for p in places}
    # for a period that ends after every score, the kept scores and the ranking find the same learners
    period = Period(date(2027, 1, 20), date(2027, 3, 2))
    assert set(db.session.scalars(_fell_from_latest(period))) == set(db.session.scalars(fell_learner_ids(period)))
    by_learner = dict(db.session.execute(select(Learner.id, Learner.locality_id)).all())
    expected = Counter(by_learner[i] for i in db.session.scalars(fell_learner_ids(period)) if by_learner[i])
    assert dict(db.session.execute(_fell_by_locality(period)).all()) == expected
    db.session.query(LatestWellbeing).delete()
    rebuild_latest_wellbeing()
    db.session.commit()
    assert kept() == live()


def test_a_learner_re_enrolled_in_another_locality_takes_their_fall_with_them(db_session):
    north, south = LocalityFactory(name="North"), LocalityFactory(name="South")
    learner = LearnerFactory(locality=north, enrolled=date(2026, 9, 1))
    for day, score in ((5, 4), (12, 2)):
        db.session.add(
            CheckIn(
                learner_id=learner.id,
                occurred_at=datetime(2027, 1, day, 10, tzinfo=UTC),
                method=ContactMethod.PHONE,
                with_whom=ContactWith.BOTH,
                contact_made=True,
                wellbeing=score,
            )
        )
    db.session.commit()
    period = Period(date(2027, 1, 1), date(2027, 3, 2))
    assert {i: row.fell for i, row in wellbeing(period).by_locality.items()} == {north.id: 1}
    admin = UserFactory(roles=[Role.ADMIN])
    families.withdraw(admin, learner, date(2027, 1, 20), WithdrawalReason.MOVED_OUT_OF_AREA)
    families.re_enrol(admin, learner, date(2027, 2, 1), south)
    db.session.commit()
    assert db.session.get(LatestWellbeing, learner.id).locality_id == south.id
    assert {i: row.fell for i, row in wellbeing(period).by_locality.items()} == {south.id: 1}
