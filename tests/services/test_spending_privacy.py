"""Spending records in a family's subject-access export, and what erasure does to them."""

import json

import pytest
from sqlalchemy import select

from tests.factories import LocalityFactory, UserFactory
from tests.services.test_data_protection import AT_DUE, requested
from tests.services.test_spending import PDF, stored
from virtualacademy.models import Learner, LocalityRole, LocalityStaff, Role, SpendRequest, Transfer
from virtualacademy.services import data_protection, ledger, spending


@pytest.fixture
def documents(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / spending.DOCUMENTS_FOLDER


def with_spending(ctx, learner_id: int, documents):
    """A personal budget of £100 for the learner, one request paid and reversed, one declined."""
    learner = ctx.get(Learner, learner_id)
    if learner.locality_id is None:
        learner.locality_id = LocalityFactory().id
    family_user = next(g.user for g in learner.family.guardians if g.user_id)
    coordinator = UserFactory(roles=[Role.COORDINATOR], name="Cora Coordinator")
    admin = UserFactory(roles=[Role.ADMIN], name="Adam Admin")
    ctx.add(LocalityStaff(user_id=coordinator.id, locality_id=learner.locality_id, role=LocalityRole.COORDINATOR))
    ctx.flush()
    ledger.post(
        None,
        ledger.funding_source(),
        ledger.personal_account(learner),
        10_000,
        ledger.TransferKind.ALLOCATION,
        "Learning budget",
        f"privacy:{learner.id}",
    )
    answers = {"category": "tuition", "document": PDF, "filename": "invoice.pdf"}
    paid = spending.request_spend(
        family_user,
        learner,
        what_for=f"Piano lessons for {learner.legal_name}",
        amount_pence=2_500,
        supplier="Mrs Keys, piano teacher",
        **answers,
    )
    spending.approve(coordinator, paid)
    spending.reverse_payment(admin, paid, f"{learner.legal_name} stopped the lessons")
    declined = spending.request_spend(
        family_user, learner, what_for="A laptop", amount_pence=4_000, supplier="Shop", **answers
    )
    spending.decline(coordinator, declined, "Ask the exam board about a loan laptop first")
    ctx.commit()
    return learner, coordinator, admin


def test_the_export_holds_spend_requests_and_budget_transfers_without_staff_names(ctx, documents):
    mine = requested(ctx)
    learner, coordinator, admin = with_spending(ctx, mine.learner_ids[0], documents)
    data = data_protection.subject_access(mine.family)
    rows = data["spending"]
    text = json.dumps(rows)
    requests = [r for r in rows if r["record"] == "spend request"]
    assert [(r["what_for"], r["status"], r["amount_pence"]) for r in requests] == [
        (f"Piano lessons for {learner.legal_name}", "approved", 2_500),
        ("A laptop", "declined", 4_000),
    ]
    assert requests[0]["requested_by"] == "family member" and requests[0]["decided_by"] == "academy staff"
    assert requests[1]["decline_reason"] == "Ask the exam board about a loan laptop first"
    transfers = [(r["direction"], r["amount_pence"], r["kind"]) for r in rows if r["record"] == "budget transfer"]
    assert transfers == [("in", 10_000, "allocation"), ("out", 2_500, "spend"), ("in", 2_500, "reversal")]
    for staff in (coordinator.name, coordinator.email, admin.name, admin.email):
        assert staff not in text
    assert "first_approver_id" not in text and "document_path" not in text


def test_erasure_clears_free_text_invoices_and_the_accounts_name_and_keeps_the_money(ctx, documents):
    mine = requested(ctx)
    learner, *_ = with_spending(ctx, mine.learner_ids[0], documents)
    legal_name = learner.legal_name
    account = ledger.personal_account(learner)
    memos_before = [t.memo for t in ctx.scalars(select(Transfer).order_by(Transfer.id))]
    assert len(stored(documents)) == 2

    data_protection.erase_due(AT_DUE)
    ctx.expire_all()

    requests = ctx.scalars(select(SpendRequest).order_by(SpendRequest.id)).all()
    assert [(r.what_for, r.supplier, r.decline_reason, r.reversal_reason, r.document_name) for r in requests] == [
        ("Erased", "Erased", None, None, None)
    ] * 2
    assert [(r.amount_pence, r.category.value, r.status.value) for r in requests] == [
        (2_500, "tuition", "approved"),
        (4_000, "tuition", "declined"),
    ]
    assert all(r.decided_at is not None and r.created_at is not None for r in requests)
    assert stored(documents) == []  # the invoices are deleted once the erasure commits
    assert account.name == f"Learning budget {account.id}" and account.balance_pence == 10_000
    # transfers are never edited, and hold nothing that names the learner or the supplier
    memos = [t.memo for t in ctx.scalars(select(Transfer).order_by(Transfer.id))]
    assert memos == memos_before
    for memo in memos:
        assert legal_name not in memo and "Keys" not in memo and "Piano" not in memo
    assert ledger.verify().ok
    # running it again changes nothing more
    assert data_protection.SECTIONS["spending"].erase(data_protection.subject(mine.family)) == 0
