"""The overview's roll at each month's end is worked out as the roll the day before the period plus the joiners
and less the leavers since: it equals learners on roll counted directly on each day, whatever the enrolments."""

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from tests.factories import LearnerFactory, LocalityFactory
from virtualacademy.extensions import db
from virtualacademy.models import Enrolment, EnrolmentStatus
from virtualacademy.services.localities import on_roll_filter
from virtualacademy.services.overview.common import Period
from virtualacademy.services.overview.roll import roll


def counted_on(day: date) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Enrolment.locality_id, func.count()).where(on_roll_filter(day)).group_by(Enrolment.locality_id)
        ).all()
    )


def test_the_roll_each_month_end_equals_a_direct_count(db_session):
    rng = random.Random(20270125)
    places = [LocalityFactory(name=f"Place {n}") for n in range(3)]
    first = date(2025, 6, 1)
    for n in range(60):
        place = rng.choice(places)
        learner = LearnerFactory(locality=place, enrolled=False)
        start = first + timedelta(days=rng.randrange(700))
        status = EnrolmentStatus.APPLIED if n % 9 == 0 else EnrolmentStatus.ENROLLED
        ends = rng.random() < 0.5
        end = start + timedelta(days=rng.randrange(0, 300)) if ends else None
        db.session.add(
            Enrolment(learner_id=learner.id, locality_id=place.id, status=status, start_date=start, end_date=end)
        )
    db.session.commit()
    for period in (
        Period(date(2026, 1, 10), date(2027, 1, 25)),
        Period(date(2025, 5, 1), date(2025, 5, 20)),
        Period(date(2026, 9, 1), date(2026, 9, 30)),
        Period(date(2025, 8, 17), date(2027, 6, 3)),
    ):
        figures = roll(period)
        for n, end in enumerate(figures.month_ends):
            live = counted_on(end)
            kept = {i: months[n] for i, months in figures.on_roll.items() if months[n]}
            assert kept == live, (period, end)
        assert sum(figures.total(figures.joiners)) + sum(figures.total(figures.leavers)) > 0 or period.days < 30
