"""The ledger's flow summary (``ledger_flow``): kept with every transfer, it always equals the transfers summed by
London day and by what each side is; ``funding verify`` proves it."""

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from tests.factories import FundingYearFactory, LearnerFactory, LocalityFactory, UserFactory
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import (
    AccountKind,
    LedgerAccount,
    LedgerFlow,
    LedgerFlowMonth,
    Role,
    SpendingCategory,
    Transfer,
    TransferKind,
)
from virtualacademy.services import ledger


def live_flows() -> dict[tuple, tuple[int, int]]:
    """The transfers summed as the summary sums them, worked out here from each transfer and its two accounts."""
    accounts = {a.id: a for a in db.session.scalars(select(LedgerAccount))}
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for t in db.session.scalars(select(Transfer)):
        source, target = accounts[t.from_account_id], accounts[t.to_account_id]
        key = (
            t.created_at.astimezone(clock.LONDON).date(),
            t.year_id,
            t.kind.value,
            t.reverses_id is not None,
            source.kind.value,
            source.locality_id,
            source.category.value if source.category else None,
            target.kind.value,
            target.locality_id,
            target.category.value if target.category else None,
        )
        sums[key][0] += 1
        sums[key][1] += t.amount_pence
    return {k: (n, pence) for k, (n, pence) in sums.items()}


def kept_flows(model=LedgerFlow) -> dict[tuple, tuple[int, int]]:
    """The summary's rows (by day, or by month for :class:`LedgerFlowMonth`), keyed as :func:`live_flows`."""
    first = LedgerFlow.day if model is LedgerFlow else LedgerFlowMonth.month
    columns = [getattr(model, name) for name in ("year_id", "kind", "reversal", "from_kind", "from_locality_id")]
    columns += [getattr(model, name) for name in ("from_category", "to_kind", "to_locality_id", "to_category")]
    return {
        (row[0], *row[1:-2]): (row[-2], row[-1])
        for row in db.session.execute(select(first, *columns, model.transfers, model.amount_pence))
    }


def by_month(flows: dict[tuple, tuple[int, int]]) -> dict[tuple, tuple[int, int]]:
    """Daily sums (keyed by day first) summed by the month of the day."""
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for (day, *rest), (n, pence) in flows.items():
        key = (day.replace(day=1), *rest)
        sums[key][0] += n
        sums[key][1] += pence
    return {k: (n, pence) for k, (n, pence) in sums.items()}


def kept_months() -> dict[tuple, tuple[int, int]]:
    return kept_flows(LedgerFlowMonth)


def test_the_summary_equals_the_live_sums_after_a_random_sequence_of_postings(db_session, travel):
    rng = random.Random(20270125)
    admin = UserFactory(roles=[Role.ADMIN])
    FundingYearFactory(starts_on=date(2025, 9, 1))
    places = [LocalityFactory(name=f"Place {n}") for n in range(3)]
    learners = [LearnerFactory(locality=places[n % 3]) for n in range(7)]
    source, core = ledger.funding_source(), ledger.central(AccountKind.CENTRAL_CORE)
    spending = [ledger.spending_account(c) for c in SpendingCategory]
    localities = [ledger.locality_account(p) for p in places]
    learners[-1].locality_id = None  # a budget made while its learner had no locality
    db.session.flush()
    personal = [ledger.personal_account(learner) for learner in learners]
    learners[-1].locality_id = places[0].id
    db.session.commit()
    assert personal[-1].locality_id is None
    made = []
    # across the clocks going forward (29 March 2026): 23:30 UTC is the next London day in summer, not in winter
    at = datetime(2026, 3, 27, 22, 0, tzinfo=UTC)
    for n in range(120):
        at += timedelta(minutes=rng.choice((30, 90, 600, 1440)))
        travel(at)
        roll = rng.random()
        if roll < 0.1 or core.balance_pence < 100_000:
            made.append(ledger.post(admin, source, core, 500_000, TransferKind.INCOME, "Income", f"f:{n}"))
        elif roll < 0.3:
            made.append(
                ledger.post(
                    admin, core, rng.choice(localities), 20_000, TransferKind.ALLOCATION, "To a place", f"f:{n}"
                )
            )
        elif roll < 0.5:
            made.append(
                ledger.post(admin, core, rng.choice(personal), 5_000, TransferKind.ALLOCATION, "Budget", f"f:{n}")
            )
        elif roll < 0.8:
            payer = rng.choice(localities + personal)
            if payer.balance_pence >= 700:
                made.append(ledger.post(admin, payer, rng.choice(spending), 700, TransferKind.SPEND, "Paid", f"f:{n}"))
        elif roll < 0.9:
            movements = [
                ledger.Movement(core.id, p.id, 1_000, TransferKind.ALLOCATION, "Batch", f"f:{n}:{i}")
                for i, p in enumerate(personal)
            ]
            ledger.post_many(admin, movements)
        else:
            candidates = [t for t in made if t.reverses_id is None and t.kind is not TransferKind.REVERSAL]
            rng.shuffle(candidates)
            for original in candidates:
                receiver = db.session.get(LedgerAccount, original.to_account_id)
                can_repay = receiver.kind in (AccountKind.SPENDING, AccountKind.FUNDING_SOURCE) or (
                    receiver.balance_pence >= original.amount_pence
                )
                reversed_already = db.session.scalar(select(Transfer.id).where(Transfer.reverses_id == original.id))
                if can_repay and reversed_already is None:
                    made.append(ledger.reverse(admin, original, "A mistake"))
                    break
        db.session.commit()
    assert db.session.query(Transfer).count() > 120
    # some were made late in the evening in summer: a London day that is not their UTC day
    assert any(t.created_at.astimezone(clock.LONDON).date() != t.created_at.date() for t in made)
    assert kept_flows() == live_flows()
    # the summary by month too, and the postings spanned several months (the clocks went forward in one)
    assert kept_months() == by_month(live_flows())
    assert len({key[0] for key in kept_months()}) >= 2
    assert ledger.flow_problems() == []
    assert ledger.verify().ok


def test_verify_finds_a_summary_that_differs_and_rebuilding_mends_it(db_session):
    FundingYearFactory(starts_on=date(2025, 9, 1))
    ledger.post(
        None, ledger.funding_source(), ledger.central(AccountKind.CENTRAL_CORE), 9_000, TransferKind.INCOME, "In", "k"
    )
    db.session.commit()
    db.session.execute(update(LedgerFlow).values(amount_pence=LedgerFlow.amount_pence + 1))
    result = ledger.verify()
    assert not result.ok
    assert any("flow summary" in problem for problem in result.problems)
    ledger.rebuild_flows()
    db.session.commit()
    assert ledger.verify().ok
    assert kept_flows() == live_flows()
    assert kept_months() == by_month(live_flows())


def test_verify_finds_a_summary_by_month_that_differs_from_the_days(db_session):
    FundingYearFactory(starts_on=date(2025, 9, 1))
    ledger.post(
        None, ledger.funding_source(), ledger.central(AccountKind.CENTRAL_CORE), 9_000, TransferKind.INCOME, "In", "k"
    )
    db.session.commit()
    assert kept_months() == by_month(live_flows())
    db.session.execute(update(LedgerFlowMonth).values(transfers=LedgerFlowMonth.transfers + 1))
    result = ledger.verify()
    assert not result.ok
    assert any("flow summary by month" in problem for problem in result.problems)
    ledger.rebuild_flows()
    db.session.commit()
    assert ledger.verify().ok
