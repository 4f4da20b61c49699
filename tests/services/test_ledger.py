"""The ledger: amounts, idempotency, overdraft refusal, reversals, verification, and racing spends."""

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import false, select, text

from tests.conftest import empty_all_tables
from tests.factories import FundingYearFactory, LearnerFactory, LocalityFactory, UserFactory
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import AccountKind, AuditEvent, LedgerAccount, Role, SpendingCategory, Transfer, TransferKind
from virtualacademy.models.base import utcnow
from virtualacademy.services import ledger


@pytest.mark.parametrize(
    ("typed", "pence"),
    [
        ("12.50", 1250),
        ("£1,250", 125000),
        (" 0.01 ", 1),
        ("45", 4500),
        ("9999999.99", 999999999),
        ("1,250.50", 125050),
        ("£ 1,000,000", 100000000),
        ("12.500", 1250),
        (".5", 50),
    ],
)
def test_amounts_in_pounds_become_pence(typed, pence):
    assert ledger.parse_pounds(typed) == pence


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter an amount"),
        ("abc", "Enter an amount"),
        ("-5", "more than £0"),
        ("0", "more than £0"),
        ("0.001", "part of a penny"),
        ("12.345", "part of a penny"),
        ("10000000.01", "too large"),
        ("9" * 5000, "too large"),
        ("NaN", "Enter an amount"),
        ("Infinity", "Enter an amount"),
        # forms Python's own number parsers read as something else are refused, never guessed at
        ("1e9", "Enter an amount"),
        ("1E+999999999", "Enter an amount"),
        ("1_000", "Enter an amount"),
        ("5,00", "Use a full stop before the pence, like 5.00"),
        ("12,5", "Use a full stop before the pence"),
        ("1,0000", "Enter an amount"),
        ("12,34.50", "Enter an amount"),
        ("\u0661\u0662", "Enter an amount"),  # Arabic-Indic digits
        ("\uff11\uff12", "Enter an amount"),  # full-width digits
        ("0x10", "Enter an amount"),
        ("+5", "Enter an amount"),
        ("−5", "more than £0"),
        ("£-5", "more than £0"),
    ],
)
def test_bad_amounts_are_refused(typed, message):
    with pytest.raises(ValidationError, match=message):
        ledger.parse_pounds(typed)


def fund(actor, account, pence, key="seed"):
    return ledger.post(actor, ledger.funding_source(), account, pence, TransferKind.INCOME, "Seed money", key)


def test_a_transfer_moves_money_once_per_key(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    core = ledger.central(AccountKind.CENTRAL_CORE)
    first = fund(admin, core, 10_000)
    again = fund(admin, core, 10_000)
    assert first.id == again.id and core.balance_pence == 10_000
    with pytest.raises(ledger.DuplicateKey):
        fund(admin, core, 5_000)
    assert ledger.funding_source().balance_pence == -10_000
    assert ledger.verify().ok


def test_a_budget_cannot_be_overdrawn(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    budget = ledger.personal_account(LearnerFactory())
    fund(admin, budget, 5_000)
    tuition = ledger.spending_account(SpendingCategory.TUITION)
    ledger.post(admin, budget, tuition, 3_000, TransferKind.SPEND, "Maths tutor", "spend:1")
    with pytest.raises(ledger.InsufficientFunds, match="has £20.00, not enough for £30.00"):
        ledger.post(admin, budget, tuition, 3_000, TransferKind.SPEND, "Maths tutor again", "spend:2")
    assert budget.balance_pence == 2_000 and tuition.balance_pence == 3_000
    assert ctx.scalar(select(Transfer).where(Transfer.idempotency_key == "spend:2")) is None
    with pytest.raises(ValidationError, match="different accounts"):
        ledger.post(admin, budget, budget, 100, TransferKind.MOVE, "Nowhere", "same")
    with pytest.raises(ValidationError, match="Say what the money is for"):
        ledger.post(admin, budget, tuition, 100, TransferKind.SPEND, "  ", "blank-memo")


def test_reversal_undoes_once_and_cannot_be_reversed(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    locality = ledger.locality_account(LocalityFactory())
    grant = fund(admin, locality, 80_000)
    reversal = ledger.reverse(admin, grant, "Posted to the wrong locality")
    assert reversal.reverses_id == grant.id and reversal.kind is TransferKind.REVERSAL
    assert locality.balance_pence == 0
    with pytest.raises(NotAllowed, match="already been reversed"):
        ledger.reverse(admin, grant, "again")
    with pytest.raises(NotAllowed, match="reversal cannot itself be reversed"):
        ledger.reverse(admin, reversal, "undo the undo")
    with pytest.raises(ValidationError, match="reason"):
        ledger.reverse(admin, fund(admin, locality, 100, "second"), " ")
    assert ledger.verify().ok


def test_a_reversal_that_would_overdraw_is_refused(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    budget = ledger.personal_account(LearnerFactory())
    grant = fund(admin, budget, 1_000)
    ledger.post(
        admin, budget, ledger.spending_account(SpendingCategory.RESOURCES), 600, TransferKind.SPEND, "Books", "books"
    )
    with pytest.raises(ledger.InsufficientFunds):
        ledger.reverse(admin, grant, "Too generous")


def test_verify_catches_a_corrupted_database(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    budget = ledger.personal_account(LearnerFactory())
    grant = fund(admin, budget, 1_000)
    ctx.flush()
    assert ledger.verify().ok
    # someone edits a stored balance behind the ledger's back
    ctx.execute(text("UPDATE account SET balance_pence = balance_pence + 1 WHERE id = :id"), {"id": budget.id})
    # and a transfer's amount (bypassing the service)
    ctx.execute(text("UPDATE transfer SET amount_pence = 2000 WHERE id = :id"), {"id": grant.id})
    ctx.expire_all()
    problems = ledger.verify().problems
    assert any("shows £10.01 but its transfers add up to £20.00" in p for p in problems)
    assert any("Funding received" in p for p in problems)


def test_verify_catches_a_bad_reversal(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    core = ledger.central(AccountKind.CENTRAL_CORE)
    grant = fund(admin, core, 500)
    reversal = ledger.reverse(admin, grant, "wrong")
    ctx.flush()
    ctx.execute(text("UPDATE transfer SET amount_pence = 400 WHERE id = :id"), {"id": reversal.id})
    ctx.execute(text("UPDATE account SET balance_pence = 100 WHERE id = :id"), {"id": core.id})
    ctx.execute(text("UPDATE account SET balance_pence = -100 WHERE key = 'funding_source'"))
    ctx.expire_all()
    assert any(f"Reversal {reversal.id} does not mirror transfer {grant.id}" in p for p in ledger.verify().problems)


def test_many_concurrent_spends_never_overdraw_a_budget(app, committed_db):
    """Threads, each with its own connection and transaction, race to spend from one budget."""
    with app.app_context():
        admin = UserFactory(roles=[Role.ADMIN])
        learner = LearnerFactory()
        budget = ledger.personal_account(learner)
        tuition = ledger.spending_account(SpendingCategory.TUITION)
        ledger.post(admin, ledger.funding_source(), budget, 10_000, TransferKind.INCOME, "Budget", "seed")
        db.session.commit()
        admin_id, budget_id, tuition_id = admin.id, budget.id, tuition.id
        db.session.remove()

    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def spender(n: int):
        with app.app_context():
            from virtualacademy.models import LedgerAccount, User

            start.wait()
            for attempt in range(5):
                try:
                    ledger.post(
                        db.session.get(User, admin_id),
                        db.session.get(LedgerAccount, budget_id),
                        db.session.get(LedgerAccount, tuition_id),
                        700,
                        TransferKind.SPEND,
                        f"Lesson {n}/{attempt}",
                        f"race:{n}:{attempt}",
                    )
                    db.session.commit()
                    result = "spent"
                except ledger.InsufficientFunds:
                    db.session.rollback()
                    result = "refused"
                except Exception as exc:  # noqa: BLE001 - a lock timeout on SQLite is a refusal too
                    db.session.rollback()
                    result = f"error:{type(exc).__name__}"
                with lock:
                    outcomes.append(result)
            db.session.remove()

    threads = [threading.Thread(target=spender, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        with app.app_context():
            from virtualacademy.models import LedgerAccount

            budget = db.session.get(LedgerAccount, budget_id)
            spent = outcomes.count("spent")
            assert [o for o in outcomes if o.startswith("error")] == []
            assert spent == 14  # £100 / £7 = 14 lessons, and no more
            assert budget.balance_pence == 10_000 - 14 * 700 == 200
            assert ledger.verify().ok, ledger.verify().problems
    finally:
        with app.app_context():
            db.session.remove()
            empty_all_tables()


def test_funding_verify_command_and_nightly_alert(app, runner, ctx):
    from virtualacademy.jobs import JOBS
    from virtualacademy.models import Notification

    admin = UserFactory(roles=[Role.ADMIN])
    core = ledger.central(AccountKind.CENTRAL_CORE)
    fund(admin, core, 2_500)
    ctx.commit()
    ok = runner.invoke(args=["funding", "verify"])
    assert ok.exit_code == 0 and "all invariants hold" in ok.output
    assert JOBS["funding-verify"].func().ok
    assert ctx.scalars(select(Notification)).all() == []
    ctx.execute(text("UPDATE account SET balance_pence = 1 WHERE id = :id"), {"id": core.id})
    ctx.commit()
    bad = runner.invoke(args=["funding", "verify"])
    assert bad.exit_code != 0 and "Core provision" in bad.output and "ledger problem" in bad.output
    JOBS["funding-verify"].func()
    JOBS["funding-verify"].func()  # twice in a night: one alert
    (alert,) = ctx.scalars(select(Notification)).all()
    assert alert.user_id == admin.id and "integrity check" in alert.title


# --- funding years -------------------------------------------------------------------------------------------


def test_a_transfer_without_a_year_is_tagged_with_the_year_covering_its_london_date(ctx):
    today = utcnow().astimezone(ledger.LONDON).date()
    start = today.year if today.month >= 9 else today.year - 1
    untagged = fund(None, ledger.central(AccountKind.CENTRAL_CORE), 1_000, "before-the-year")
    assert untagged.year_id is None  # no year set up yet covers today
    year = FundingYearFactory(starts_on=date(start, 9, 1))
    learner = LearnerFactory()
    personal = ledger.personal_account(learner)
    allocated = ledger.post(
        None, ledger.central(AccountKind.CENTRAL_CORE), personal, 1_000, TransferKind.ALLOCATION, "Budget", "alloc"
    )
    spent = ledger.post(
        None, personal, ledger.spending_account(SpendingCategory.TUITION), 400, TransferKind.SPEND, "Paid", "spend"
    )
    reversal = ledger.reverse(UserFactory(roles=[Role.ADMIN]), spent, "Refunded")
    assert allocated.year_id == spent.year_id == reversal.year_id == year.id
    # the boundary is the London calendar date: 31 August 23:30 UTC is already 1 September in London
    assert ledger.year_at(datetime(start, 8, 31, 23, 30, tzinfo=UTC)) == year
    assert ledger.year_at(datetime(start, 8, 31, 22, 30, tzinfo=UTC)) is None
    assert ledger.year_covering(date(start + 1, 8, 31)) == year


def test_a_closed_year_takes_no_more_postings(ctx):
    today = utcnow().astimezone(ledger.LONDON).date()
    start = today.year if today.month >= 9 else today.year - 1
    earlier = FundingYearFactory(starts_on=date(start - 1, 9, 1))
    current = FundingYearFactory(starts_on=date(start, 9, 1))
    core = ledger.central(AccountKind.CENTRAL_CORE)
    first = ledger.post(None, ledger.funding_source(), core, 5_000, TransferKind.INCOME, "Income", "in", year=earlier)
    earlier.closed_at = current.closed_at = utcnow()
    db.session.flush()
    before = db.session.scalar(select(db.func.count()).select_from(Transfer))
    with pytest.raises(NotAllowed, match=f"{earlier.label} is closed: no more money can be posted to it"):
        ledger.post(None, ledger.funding_source(), core, 100, TransferKind.INCOME, "More", "more", year=earlier)
    # the default year (today's) is closed too: refused, whoever posts (spending, other modules)
    with pytest.raises(NotAllowed, match=f"{current.label} is closed"):
        ledger.post(None, core, ledger.spending_account(SpendingCategory.OTHER), 100, TransferKind.SPEND, "x", "x")
    # a reversal of a closed year's transfer goes in today's year, which is closed here too: refused
    with pytest.raises(NotAllowed, match=f"{current.label} is closed"):
        ledger.reverse(UserFactory(roles=[Role.ADMIN]), first, "Mistake")
    assert db.session.scalar(select(db.func.count()).select_from(Transfer)) == before
    assert core.balance_pence == 5_000
    # a retry of a transfer posted before the year closed still returns it, moving nothing
    again = ledger.post(None, ledger.funding_source(), core, 5_000, TransferKind.INCOME, "Income", "in", year=earlier)
    assert again.id == first.id and ledger.verify().ok
    # with today's year open, the reversal is a correction posted in today's year
    current.closed_at = None
    db.session.flush()
    reversal = ledger.reverse(UserFactory(roles=[Role.ADMIN]), first, "Refunded")
    assert (reversal.year_id, reversal.reverses_id, core.balance_pence) == (current.id, first.id, 0)
    assert ledger.verify().ok


# --- many transfers at once ------------------------------------------------------------------------------------


def _audits(keys) -> list[tuple]:
    """The ``funding.transfer`` audit events of the transfers with these keys, in order, without their ids."""
    transfers = {t.id: t.idempotency_key for t in db.session.scalars(select(Transfer))}
    return [
        (transfers[int(e.object_id)], e.actor_id, e.object_type, e.detail)
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "funding.transfer").order_by(AuditEvent.id)
        )
        if transfers[int(e.object_id)] in keys
    ]


def test_post_many_makes_the_transfers_post_would_one_by_one(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    source, core = ledger.funding_source(), ledger.central(AccountKind.CENTRAL_CORE)
    place = ledger.locality_account(LocalityFactory())
    learners = [LearnerFactory() for _ in range(3)]
    already = ledger.personal_account(learners[0])
    budgets = ledger.personal_account_ids(learners)
    assert budgets[learners[0].id] == already.id  # found, and the others made as personal_account makes them
    made = db.session.get(LedgerAccount, budgets[learners[2].id])
    assert (made.key, made.kind, made.learner_id, made.locality_id) == (
        f"personal:{learners[2].id}",
        AccountKind.PERSONAL,
        learners[2].id,
        learners[2].locality_id,
    )
    assert made.name == f"Learning budget: {learners[2].legal_name}"
    assert ledger.personal_account_ids(learners) == budgets

    # Core starts empty: the income comes first in the same batch, and every later payment is checked against
    # what core holds by then.
    moves = [ledger.Movement(source.id, core.id, 10_000, TransferKind.INCOME, " Income ", "b:income")]
    moves.append(ledger.Movement(core.id, place.id, 4_000, TransferKind.ALLOCATION, "Grant", "b:grant"))
    moves += [
        ledger.Movement(core.id, budgets[lr.id], 2_000, TransferKind.ALLOCATION, f"Budget {n}", f"b:personal:{n}")
        for n, lr in enumerate(learners)
    ]
    ids = ledger.post_many(admin, moves)

    transfers = [db.session.get(Transfer, i) for i in ids]
    assert [t.idempotency_key for t in transfers] == [m.idempotency_key for m in moves]
    assert ids == sorted(ids)  # in the order given, as if posted one by one
    assert transfers[0].memo == "Income" and {t.created_by_id for t in transfers} == {admin.id}
    assert {t.year_id for t in transfers} == {None}  # no year set up covers today
    # the accounts the session holds show the new balances, as the database does
    assert (core.balance_pence, place.balance_pence, source.balance_pence) == (0, 4_000, -10_000)
    for account in (core, place, source, made):
        stored = account.balance_pence
        db.session.refresh(account)
        assert account.balance_pence == stored
    assert made.balance_pence == 2_000
    audits = _audits({m.idempotency_key for m in moves})
    assert len(audits) == 5
    assert audits[1] == (
        "b:grant",
        admin.id,
        "Transfer",
        {"from": "central_core", "to": place.key, "amount_pence": 4_000, "kind": "allocation"},
    )
    assert ledger.verify().ok


def test_post_many_posts_nothing_when_any_transfer_is_refused(ctx):
    core = ledger.central(AccountKind.CENTRAL_CORE)
    place = ledger.locality_account(LocalityFactory())
    fund(None, core, 5_000)
    count = db.session.scalar(select(db.func.count()).select_from(Transfer))

    def grant(amount, key, memo="Grant"):
        return ledger.Movement(core.id, place.id, amount, TransferKind.ALLOCATION, memo, key)

    with pytest.raises(ledger.InsufficientFunds, match="has £1.00, not enough for £20.00"):
        ledger.post_many(None, [grant(4_900, "g:1"), grant(2_000, "g:2")])
    with pytest.raises(ledger.DuplicateKey, match="already used"):
        ledger.post_many(None, [grant(100, "g:3"), grant(100, "seed")])
    with pytest.raises(ledger.DuplicateKey, match="same key"):
        ledger.post_many(None, [grant(100, "g:4"), grant(100, "g:4")])
    with pytest.raises(ValidationError, match="Say what the money is for"):
        ledger.post_many(None, [grant(100, "g:5"), grant(100, "g:6", memo=" ")])
    with pytest.raises(ValidationError, match="too large"):
        ledger.post_many(None, [grant(ledger.MAX_TRANSFER_PENCE + 1, "g:7")])
    with pytest.raises(ValidationError, match="different accounts"):
        ledger.post_many(None, [ledger.Movement(core.id, core.id, 100, TransferKind.MOVE, "Nowhere", "g:8")])

    assert db.session.scalar(select(db.func.count()).select_from(Transfer)) == count
    db.session.refresh(core)
    db.session.refresh(place)
    assert (core.balance_pence, place.balance_pence) == (5_000, 0)
    assert ledger.verify().ok


def test_post_many_refuses_a_closed_year(ctx):
    today = utcnow().astimezone(ledger.LONDON).date()
    year = FundingYearFactory(starts_on=date(today.year if today.month >= 9 else today.year - 1, 9, 1))
    core = ledger.central(AccountKind.CENTRAL_CORE)
    year.closed_at = utcnow()
    db.session.flush()
    with pytest.raises(NotAllowed, match=f"{year.label} is closed"):
        ledger.post_many(
            None, [ledger.Movement(ledger.funding_source().id, core.id, 100, TransferKind.INCOME, "In", "c:1")]
        )
    assert db.session.scalar(select(db.func.count()).select_from(Transfer)) == 0


def test_post_many_and_personal_accounts_made_by_another_transaction_meanwhile(ctx, monkeypatch):
    """Two at once: this one looked before the other committed. Its keys then clash on writing, and nothing is
    posted; accounts made meanwhile are found, one at a time, instead of made twice."""
    core = ledger.central(AccountKind.CENTRAL_CORE)
    fund(None, core, 5_000)
    learner = LearnerFactory()
    theirs = ledger.personal_account(learner)
    real_one_of = ledger.one_of

    def blind(column, values):  # to the keys and accounts already there
        return false() if column.key in ("idempotency_key", "learner_id") else real_one_of(column, values)

    monkeypatch.setattr(ledger, "one_of", blind)
    assert ledger.personal_account_ids([learner]) == {learner.id: theirs.id}
    count = db.session.scalar(select(db.func.count()).select_from(Transfer))
    with pytest.raises(ledger.DuplicateKey, match="nothing has been posted"):
        ledger.post_many(None, [ledger.Movement(core.id, theirs.id, 100, TransferKind.ALLOCATION, "Budget", "seed")])
    assert db.session.scalar(select(db.func.count()).select_from(Transfer)) == count
    db.session.refresh(core)
    assert core.balance_pence == 5_000 and ledger.verify().ok
