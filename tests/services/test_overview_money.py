"""The overview's money over long periods: whole months are read from the flow summary by month, part months from
the daily rows (or the month's row less the days outside the period). Whichever way a period is read, its figures
equal the transfers of the period summed afresh here."""

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from tests.factories import FundingYearFactory, LearnerFactory, LocalityFactory, UserFactory
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import AccountKind, LedgerAccount, Role, SpendingCategory, Transfer, TransferKind
from virtualacademy.services import ledger
from virtualacademy.services.overview.common import Period
from virtualacademy.services.overview.money import BUDGETS, FUNDERS, money


def live_money(period: Period) -> tuple[int, dict[int, int], dict[tuple[int, SpendingCategory], int]]:
    """Income, allocations per locality and spending per locality and category in ``period``, from each transfer."""
    accounts = {a.id: a for a in db.session.scalars(select(LedgerAccount))}

    def locality(account: LedgerAccount) -> int:
        return account.locality_id if account.locality_id is not None else account.learner.locality_id

    income, allocated, spent = 0, defaultdict(int), defaultdict(int)
    for t in db.session.scalars(select(Transfer)):
        if not period.start <= clock.today(t.created_at) <= period.end:
            continue
        source, target = accounts[t.from_account_id], accounts[t.to_account_id]
        if t.kind is TransferKind.INCOME and source.kind is AccountKind.FUNDING_SOURCE:
            income += t.amount_pence
        elif t.kind is TransferKind.ALLOCATION and target.kind in BUDGETS and source.kind in FUNDERS:
            allocated[locality(target)] += t.amount_pence
        elif t.kind is TransferKind.REVERSAL and source.kind in BUDGETS and target.kind in FUNDERS:
            allocated[locality(source)] -= t.amount_pence
        elif source.kind in BUDGETS and target.kind is AccountKind.SPENDING:
            spent[(locality(source), target.category)] += t.amount_pence
        elif target.kind in BUDGETS and source.kind is AccountKind.SPENDING:
            spent[(locality(target), source.category)] -= t.amount_pence
    return income, {k: v for k, v in allocated.items() if v}, {k: v for k, v in spent.items() if v}


def kept_money(period: Period) -> tuple[int, dict[int, int], dict[tuple[int, SpendingCategory], int]]:
    figures = money(period)
    allocated = {i: row.allocated for i, row in figures.by_locality.items() if row.allocated}
    spent = {
        (i, category): pence for i, row in figures.by_locality.items() for category, pence in row.spent.items() if pence
    }
    return figures.income, allocated, spent


def test_money_over_months_and_part_months_equals_the_transfers(db_session, travel):
    rng = random.Random(20260601)
    admin = UserFactory(roles=[Role.ADMIN])
    FundingYearFactory(starts_on=date(2025, 9, 1))
    places = [LocalityFactory(name=f"Place {n}") for n in range(3)]
    learners = [LearnerFactory(locality=places[n % 3]) for n in range(6)]
    source, core = ledger.funding_source(), ledger.central(AccountKind.CENTRAL_CORE)
    spending = [ledger.spending_account(c) for c in SpendingCategory]
    budgets = [ledger.locality_account(p) for p in places] + [ledger.personal_account(x) for x in learners]
    db.session.commit()
    made = []
    at = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
    while at < datetime(2026, 6, 10, tzinfo=UTC):
        at += timedelta(hours=rng.choice((5, 20, 47, 70)))
        travel(at)
        roll = rng.random()
        if roll < 0.15 or core.balance_pence < 50_000:
            made.append(ledger.post(admin, source, core, 200_000, TransferKind.INCOME, "Income", f"m:{at}"))
        elif roll < 0.45:
            made.append(
                ledger.post(admin, core, rng.choice(budgets), 4_000, TransferKind.ALLOCATION, "Budget", f"m:{at}")
            )
        elif roll < 0.9:
            payer = rng.choice(budgets)
            if payer.balance_pence >= 900:
                made.append(ledger.post(admin, payer, rng.choice(spending), 900, TransferKind.SPEND, "Paid", f"m:{at}"))
        else:
            original = rng.choice([t for t in made if t.kind is not TransferKind.REVERSAL] or [None])
            done = original is None or db.session.scalar(select(Transfer.id).where(Transfer.reverses_id == original.id))
            receiver = None if done else db.session.get(LedgerAccount, original.to_account_id)
            if receiver and (receiver.kind is AccountKind.SPENDING or receiver.balance_pence >= original.amount_pence):
                made.append(ledger.reverse(admin, original, "A mistake"))
        db.session.commit()
    travel(datetime(2026, 6, 10, 12, 0, tzinfo=UTC))
    periods = [
        Period(date(2026, 2, 1), date(2026, 2, 28)),  # a whole month
        Period(date(2026, 2, 3), date(2026, 2, 25)),  # the month less a few days at each end
        Period(date(2026, 3, 10), date(2026, 3, 12)),  # a few days
        Period(date(2026, 1, 25), date(2026, 5, 6)),  # part months at both ends, whole months between
        Period(date(2026, 5, 20), date(2026, 6, 10)),  # up to today
        Period(date(2026, 6, 2), date(2026, 6, 30)),  # beyond today
    ]
    for _ in range(8):
        start = date(2026, 1, 15) + timedelta(days=rng.randrange(140))
        periods.append(Period(start, start + timedelta(days=rng.randrange(1, 100))))
    for period in periods:
        assert kept_money(period) == live_money(period), period
    assert kept_money(periods[3])[2]  # something was spent in the long period
