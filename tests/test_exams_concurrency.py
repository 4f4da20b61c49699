"""Entries racing for a centre's last seats, and for the same entry, never overbook or enter twice: threads with
their own connections and transactions, on SQLite and (with TEST_DATABASE_URL) PostgreSQL, where they really run
at once."""

import threading

from sqlalchemy import func, select

from tests.conftest import empty_all_tables
from tests.factories import (
    CentreSeriesCapacityFactory,
    ExamCentreFactory,
    ExamSeriesFactory,
    QualificationFactory,
    ReadinessJudgementFactory,
    UserFactory,
)
from virtualacademy.errors import DomainError
from virtualacademy.extensions import db
from virtualacademy.models import PaidFrom, Role, TransferKind
from virtualacademy.services import ledger


def _race(app, attempts: list[tuple[int, int]], officer_id: int, series_id: int, centre_id: int) -> list[str]:
    """Each (learner id, qualification id) entered by its own thread, all released at once."""
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(attempts))

    def enter(learner_id: int, qualification_id: int):
        with app.app_context():
            from virtualacademy.models import ExamCentre, ExamSeries, Learner, Qualification, User
            from virtualacademy.services.exams import entries

            officer = db.session.get(User, officer_id)
            learner = db.session.get(Learner, learner_id)
            qualification = db.session.get(Qualification, qualification_id)
            series = db.session.get(ExamSeries, series_id)
            centre = db.session.get(ExamCentre, centre_id)
            db.session.commit()  # loaded; each thread's entry is its own transaction
            start.wait()
            try:
                entries.create_entry(officer, learner, qualification, series, centre, paid_from=PaidFrom.PERSONAL)
                db.session.commit()
                result = "entered"
            except DomainError as error:
                db.session.rollback()
                result = f"refused: {error.message}"
            except Exception as exc:  # noqa: BLE001 - reported, and the test fails on it
                db.session.rollback()
                result = f"error: {type(exc).__name__}: {exc}"
            with lock:
                outcomes.append(result)
            db.session.remove()

    threads = [threading.Thread(target=enter, args=attempt) for attempt in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def _learners_with_budgets(count: int, qualification=None) -> list[tuple[int, int]]:
    made = []
    for _ in range(count):
        judgement = ReadinessJudgementFactory(**({"qualification": qualification} if qualification else {}))
        personal = ledger.personal_account(judgement.learner)
        ledger.post(
            None, ledger.funding_source(), personal, 50_000, TransferKind.ALLOCATION, "Budget", f"race:{personal.id}"
        )
        made.append((judgement.learner_id, judgement.qualification_id))
    db.session.commit()
    return made


def test_entries_racing_for_the_last_seats_never_overbook(app, committed_db):
    with app.app_context():
        officer = UserFactory(roles=[Role.EXAMS_OFFICER])
        series = ExamSeriesFactory()
        centre = ExamCentreFactory()
        capacity = CentreSeriesCapacityFactory(centre=centre, series=series, seats=3)
        attempts = _learners_with_budgets(8)
        ids = (officer.id, series.id, centre.id, capacity.id)
        db.session.remove()

    outcomes = _race(app, attempts, *ids[:3])
    try:
        with app.app_context():
            from virtualacademy.models import CentreSeriesCapacity, ExamEntry

            assert [o for o in outcomes if o.startswith("error")] == []
            assert outcomes.count("entered") == 3
            refused = [o for o in outcomes if o.startswith("refused")]
            assert len(refused) == 5 and all("is full for" in o for o in refused)
            assert db.session.get(CentreSeriesCapacity, ids[3]).seats_taken == 3
            assert db.session.scalar(select(func.count()).select_from(ExamEntry)) == 3
            assert ledger.verify().ok, ledger.verify().problems
    finally:
        with app.app_context():
            db.session.remove()
            empty_all_tables()


def test_the_same_entry_made_twice_at_once_is_made_once(app, committed_db):
    with app.app_context():
        officer = UserFactory(roles=[Role.EXAMS_OFFICER])
        series = ExamSeriesFactory()
        centre = ExamCentreFactory()
        capacity = CentreSeriesCapacityFactory(centre=centre, series=series, seats=10)
        [attempt] = _learners_with_budgets(1, QualificationFactory())
        ids = (officer.id, series.id, centre.id, capacity.id)
        db.session.remove()

    outcomes = _race(app, [attempt] * 4, *ids[:3])
    try:
        with app.app_context():
            from virtualacademy.models import CentreSeriesCapacity, ExamEntry, ExamFee

            assert [o for o in outcomes if o.startswith("error")] == []
            assert outcomes.count("entered") == 1
            assert all("already entered" in o for o in outcomes if o.startswith("refused"))
            assert db.session.get(CentreSeriesCapacity, ids[3]).seats_taken == 1
            assert db.session.scalar(select(func.count()).select_from(ExamEntry)) == 1
            assert db.session.scalar(select(func.count()).select_from(ExamFee)) == 3  # entry, centre, late
            assert ledger.verify().ok, ledger.verify().problems
    finally:
        with app.app_context():
            db.session.remove()
            empty_all_tables()


def test_entries_and_withdrawals_at_once_keep_the_seats_exact(app, committed_db, travel):
    """Withdrawals (refunding through the ledger) race new entries for the same centre's seats, each learner paying
    from their own budget: the seats taken always equal the live entries, and nothing fails (every operation takes
    its locks in one order, payer, seats, spending; see fees.lock_payer)."""
    from datetime import datetime

    from virtualacademy import clock

    travel(datetime(2027, 2, 10, 10, 0, tzinfo=clock.LONDON))  # before the deadline: withdrawals refund
    with app.app_context():
        from virtualacademy.services.exams import entries

        officer = UserFactory(roles=[Role.EXAMS_OFFICER])
        series = ExamSeriesFactory()
        centre = ExamCentreFactory()
        capacity = CentreSeriesCapacityFactory(centre=centre, series=series, seats=4)
        first = _learners_with_budgets(4)
        from virtualacademy.models import Learner, Qualification

        made = [
            entries.create_entry(
                officer,
                db.session.get(Learner, learner_id),
                db.session.get(Qualification, qualification_id),
                series,
                centre,
                paid_from=PaidFrom.PERSONAL,
            ).id
            for learner_id, qualification_id in first
        ]
        db.session.commit()
        waiting = _learners_with_budgets(4)
        ids = (officer.id, series.id, centre.id, capacity.id)
        db.session.remove()

    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def run(kind: str, target):
        with app.app_context():
            from virtualacademy.models import ExamCentre, ExamEntry, ExamSeries, Learner, Qualification, User
            from virtualacademy.services.exams import entries

            officer = db.session.get(User, ids[0])
            if kind == "withdraw":
                entry = db.session.get(ExamEntry, target)
                entry.series, entry.centre, entry.learner  # noqa: B018 - loaded before the race
            else:
                learner = db.session.get(Learner, target[0])
                qualification = db.session.get(Qualification, target[1])
                series, centre = db.session.get(ExamSeries, ids[1]), db.session.get(ExamCentre, ids[2])
            db.session.commit()
            start.wait()
            try:
                if kind == "withdraw":
                    entries.withdraw(officer, entry, "Changed plans")
                else:
                    entries.create_entry(officer, learner, qualification, series, centre, paid_from=PaidFrom.PERSONAL)
                db.session.commit()
                result = f"{kind}: done"
            except DomainError as error:
                db.session.rollback()
                result = f"{kind}: refused: {error.message}"
            except Exception as exc:  # noqa: BLE001 - a deadlock would land here
                db.session.rollback()
                result = f"error: {type(exc).__name__}: {exc}"
            with lock:
                outcomes.append(result)
            db.session.remove()

    threads = [threading.Thread(target=run, args=("withdraw", entry_id)) for entry_id in made]
    threads += [threading.Thread(target=run, args=("enter", attempt)) for attempt in waiting]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        with app.app_context():
            from virtualacademy.models import CentreSeriesCapacity, EntryState, ExamEntry

            assert [o for o in outcomes if o.startswith("error")] == []
            assert outcomes.count("withdraw: done") == 4
            live = db.session.scalar(
                select(func.count()).select_from(ExamEntry).where(ExamEntry.state != EntryState.WITHDRAWN)
            )
            assert live == outcomes.count("enter: done")
            assert db.session.get(CentreSeriesCapacity, ids[3]).seats_taken == live
            assert ledger.verify().ok, ledger.verify().problems
    finally:
        with app.app_context():
            db.session.remove()
            empty_all_tables()
