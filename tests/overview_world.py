"""A small academy for the overview's tests, every figure of which is worked out by hand in the tests."""

from __future__ import annotations

from datetime import date

from tests.factories import LearnerFactory, LocalityFactory
from virtualacademy.extensions import db
from virtualacademy.models import Enrolment
from virtualacademy.models.families import EheReason, EnrolmentStatus, SendStatus, WithdrawalReason

TODAY = date(2027, 3, 2)


def leave(learner, on: date, reason: WithdrawalReason | None) -> None:
    enrolment = learner.enrolments[-1]
    enrolment.end_date = on
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.withdrawal_reason = reason
    db.session.commit()


def small_academy() -> dict:
    """North: Ann (on roll since September, secondary, FSM, EHCP), Ben (joined 10 Feb, primary), Cat (left 15 Jan,
    back to school). South: Dan (joined 20 Jan, left 3 Feb, moved away), Eve (on roll, health reasons,
    SEN support). An application not yet accepted (Fay, South) counts nowhere."""
    north, south = LocalityFactory(name="North"), LocalityFactory(name="South")
    ann = LearnerFactory(
        locality=north,
        legal_name="Ann",
        date_of_birth=date(2013, 5, 1),
        fsm_eligible=True,
        send_status=SendStatus.EHCP,
    )
    ben = LearnerFactory(locality=north, legal_name="Ben", date_of_birth=date(2017, 2, 1), enrolled=date(2027, 2, 10))
    cat = LearnerFactory(locality=north, legal_name="Cat", date_of_birth=date(2012, 1, 1))
    leave(cat, date(2027, 1, 15), WithdrawalReason.RETURNED_TO_SCHOOL)
    dan = LearnerFactory(locality=south, legal_name="Dan", enrolled=date(2027, 1, 20))
    leave(dan, date(2027, 2, 3), WithdrawalReason.MOVED_OUT_OF_AREA)
    eve = LearnerFactory(
        locality=south,
        legal_name="Eve",
        date_of_birth=date(2015, 9, 1),
        reason=EheReason.HEALTH,
        send_status=SendStatus.SEN_SUPPORT,
    )
    fay = LearnerFactory(locality=south, legal_name="Fay", enrolled=False)
    db.session.add(Enrolment(learner_id=fay.id, locality_id=south.id, status=EnrolmentStatus.APPLIED, start_date=TODAY))
    db.session.commit()
    return {"north": north, "south": south, "ann": ann, "ben": ben, "cat": cat, "dan": dan, "eve": eve}
