"""The learning log's summary for the overview (``learning_day``: per locality and day, the learners who logged
learning and their minutes), kept in step with the log and with learners' localities: it always equals the log."""

import random
from datetime import date, timedelta

from sqlalchemy import select

from tests.factories import LearnerFactory, LocalityFactory, LogEntryFactory
from virtualacademy.extensions import db
from virtualacademy.models import LearningDay, LogEntry
from virtualacademy.services.overview.attendance import learning_days_from_the_log, rebuild_learning_days


def kept() -> dict:
    return {
        (d.locality_id, d.on_date): (d.learners, d.minutes)
        for d in db.session.scalars(select(LearningDay))
        if d.learners or d.minutes
    }


def live() -> dict:
    return {
        (locality_id, on_date): (int(n), int(minutes))
        for locality_id, on_date, n, minutes in db.session.execute(learning_days_from_the_log())
    }


def test_the_summary_equals_the_log_after_a_random_sequence_of_changes(db_session):
    rng = random.Random(20270125)
    places = [LocalityFactory(name=f"Place {n}") for n in range(3)]
    learners = [LearnerFactory(locality=places[n % 3]) for n in range(8)]
    first = date(2027, 1, 4)
    entries: list[LogEntry] = []
    for step in range(150):
        roll = rng.random()
        if roll < 0.5 or not entries:
            entries.append(
                LogEntryFactory(
                    learner=rng.choice(learners),
                    on_date=first + timedelta(days=rng.randrange(10)),
                    minutes=rng.choice((30, 45, 60, 90)),
                )
            )
        elif roll < 0.65:
            entry = rng.choice(entries)
            entry.minutes = rng.choice((15, 120))
            if rng.random() < 0.5:
                entry.on_date = first + timedelta(days=rng.randrange(10))
        elif roll < 0.75:
            entry = entries.pop(rng.randrange(len(entries)))
            db.session.delete(entry)
        elif roll < 0.85:
            learner = rng.choice(learners)  # moves: their days go with them
            learner.locality = rng.choice(places)
        elif roll < 0.9:
            learner = rng.choice(learners)
            learner.locality_id = None if learner.locality_id else places[0].id
        else:
            # several changes in one flush, one of them a move of the learner whose entry changes
            entry = rng.choice(entries)
            entry.minutes += 5
            db.session.get(type(learners[0]), entry.learner_id).locality = rng.choice(places)
            entries.append(LogEntryFactory.build(learner=entry.learner, on_date=entry.on_date, minutes=30))
            db.session.add(entries[-1])
        if step % 7 == 0:
            db.session.flush()  # some changes go in flushes of their own before the commit
        db.session.commit()
        assert kept() == live(), step
    assert len(live()) > 10


def test_rebuilding_the_summary_from_the_log(db_session):
    north = LocalityFactory(name="North")
    ann, ben = LearnerFactory(locality=north), LearnerFactory(locality=north)
    LogEntryFactory(learner=ann, on_date=date(2027, 1, 5), minutes=60)
    LogEntryFactory(learner=ann, on_date=date(2027, 1, 5), minutes=30)
    LogEntryFactory(learner=ben, on_date=date(2027, 1, 5), minutes=45)
    db.session.commit()
    assert kept() == {(north.id, date(2027, 1, 5)): (2, 135)}
    db.session.query(LearningDay).delete()
    rebuild_learning_days()
    db.session.commit()
    assert kept() == live() == {(north.id, date(2027, 1, 5)): (2, 135)}
