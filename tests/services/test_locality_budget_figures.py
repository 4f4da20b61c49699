"""The locality budgets' spending, read from the ledger's flow summary (by the locality each account was made
with) and moved for learners who have changed locality since, equals the sum of the transfers themselves by
each learner's locality today (and so do the learning budgets' balances), over randomised worlds: spending, refunds, locality spending, learners moving
after they spent, a learner with no locality, and spending in the previous funding year (never counted)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from tests.factories import LearnerFactory, LocalityFactory
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import AccountKind, Learner, LedgerAccount, SpendingCategory, Transfer, TransferKind
from virtualacademy.services import ledger, spending
from virtualacademy.services.spending import locality_spending
from virtualacademy.services.spending.common import funding_year_start


def _from_transfers(localities) -> dict[int, dict[SpendingCategory, tuple[int, int]]]:
    """The figures as the page always defined them: every transfer of this funding year between a budget and a
    spending account, counted for the locality's own budget or for the learning budget's learner's locality now,
    net of refunds. ``{locality id: {category: (from the locality budget, from learning budgets)}}``."""
    start = datetime.combine(funding_year_start(clock.today()), time(0), clock.LONDON).astimezone(UTC)
    accounts = {a.id: a for a in db.session.scalars(select(LedgerAccount))}
    learners = {learner.id: learner.locality_id for learner in db.session.scalars(select(Learner))}
    wanted = {locality.id for locality in localities}
    found: dict[int, dict[SpendingCategory, list[int]]] = {}
    for transfer in db.session.scalars(select(Transfer).where(Transfer.created_at >= start)):
        source, target = accounts[transfer.from_account_id], accounts[transfer.to_account_id]
        for ours, other, sign in ((source, target, 1), (target, source, -1)):
            if other.kind is not AccountKind.SPENDING:
                continue
            if ours.kind is AccountKind.LOCALITY and ours.key == f"locality:{ours.locality_id}":
                where, column = ours.locality_id, 0
            elif ours.kind is AccountKind.PERSONAL:
                where, column = learners.get(ours.learner_id), 1
            else:
                continue
            if where in wanted:
                row = found.setdefault(where, {}).setdefault(SpendingCategory(other.category), [0, 0])
                row[column] += sign * transfer.amount_pence
    return {
        where: {category: tuple(pair) for category, pair in rows.items() if any(pair)} for where, rows in found.items()
    }


def _spend(rng: random.Random, learners, places, transfers: list[Transfer], n: int) -> None:
    for _ in range(n):
        category = rng.choice(list(SpendingCategory))
        if rng.random() < 0.25:
            source = ledger.locality_account(rng.choice(places))
        else:
            source = ledger.personal_account(rng.choice(learners))
        if source.balance_pence < 100:
            continue
        amount = rng.randint(1, min(source.balance_pence, 5_000))
        key = f"test-spend:{rng.random()}"
        transfers.append(
            ledger.post(None, source, ledger.spending_account(category), amount, TransferKind.SPEND, "Spent", key)
        )


def _world(rng: random.Random, travel):
    places = [LocalityFactory() for _ in range(3)]
    learners = [LearnerFactory(locality=rng.choice(places)) for _ in range(8)]
    learners.append(LearnerFactory(locality=None, enrolled=False))
    db.session.flush()
    for budget in [*(ledger.personal_account(learner) for learner in learners), *map(ledger.locality_account, places)]:
        ledger.post(None, ledger.funding_source(), budget, 50_000, TransferKind.ALLOCATION, "Budget", f"b:{budget.id}")
    transfers: list[Transfer] = []
    here = clock.now()
    travel(datetime(2026, 7, 15, 12, tzinfo=clock.LONDON))  # last funding year: never counted
    _spend(rng, learners, places, transfers, 6)
    for day in (datetime(2026, 9, 1, 0, 30, tzinfo=clock.LONDON), datetime(2026, 12, 2, 9, tzinfo=clock.LONDON)):
        travel(day)
        _spend(rng, learners, places, transfers, 10)
        for learner in rng.sample(learners, 3):  # some move after they spent, one to no locality
            learner.locality = rng.choice([*places, None])
        db.session.flush()
    travel(here)
    _spend(rng, learners, places, transfers, 10)
    for transfer in rng.sample(transfers, 6):
        ledger.reverse(None, transfer, "Refunded")
    new = LearnerFactory(locality=places[0])  # a learner who joins after the moves, and spends
    db.session.flush()
    ledger.post(None, ledger.funding_source(), ledger.personal_account(new), 900, TransferKind.ALLOCATION, "B", "new")
    _spend(rng, [new], places, transfers, 1)
    db.session.flush()
    return places


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("few", [locality_spending._FEW_LOCALITIES, 0], ids=["a-few-localities", "many"])
def test_the_locality_budgets_spending_equals_the_transfers_summed_by_each_learners_locality_now(
    ctx, travel, monkeypatch, seed, few
):
    monkeypatch.setattr(locality_spending, "_FEW_LOCALITIES", few)  # both ways of finding the budgets that moved
    places = _world(random.Random(seed), travel)
    everywhere = [*places, LocalityFactory(name="Empty")]
    db.session.flush()
    expected = _from_transfers(everywhere)
    together = spending.locality_budgets(everywhere)
    balances: dict[int, int] = {}
    for learner in db.session.scalars(select(Learner)):
        account = db.session.scalar(select(LedgerAccount).where(LedgerAccount.learner_id == learner.id))
        if account is not None and learner.locality_id is not None:
            balances[learner.locality_id] = balances.get(learner.locality_id, 0) + account.balance_pence
    for place, summary in zip(everywhere, together, strict=True):
        shown = {c.category: (c.from_locality, c.from_personal) for c in summary.by_category}
        assert shown == expected.get(place.id, {}), place.name
        assert summary.personal_balance == balances.get(place.id, 0), place.name
        assert summary == spending.locality_budget(place)
    assert any(summary.by_category for summary in together)
