"""Recording a census: posting what :func:`~virtualacademy.services.funding.census.plan_census` worked out, once, and
what a recorded census posted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from virtualacademy import clock, money
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import AccountKind, CensusDate, FundingYear, Transfer, TransferKind, User
from virtualacademy.services import audit, ledger
from virtualacademy.services.funding.census import CensusPlan, Posting, plan_census
from virtualacademy.services.funding.common import CENSUS_LABELS, LONDON, StalePreview, _lock


@dataclass
class CensusResult:
    plan: CensusPlan
    #: The transfers posted, by id in posting order (none if the census had already been recorded).
    transfer_ids: list[int] = field(default_factory=list)
    #: True when the census had already been recorded: nothing was posted.
    already_recorded: bool = False

    @cached_property
    def transfers(self) -> list[Transfer]:
        """The transfers posted, loaded when asked for: at national size there are over 100,000."""
        return census_transfers(self.plan.census) if self.transfer_ids else []

    @property
    def message(self) -> str:
        census = self.plan.census
        name = f"{CENSUS_LABELS[census.key]} census {self.plan.year.label}"
        if self.already_recorded:
            when = census.recorded_at.astimezone(LONDON).strftime("%-d %B %Y at %H:%M")
            return f"The {name.lower()} was already recorded on {when}: nothing was posted"
        income, n = money.pounds(self.plan.income_pence, ascii_minus=True), self.plan.learners
        learners = f"{n} learner{'' if n == 1 else 's'}"
        return f"{name} recorded: {income} income for {learners}, in {len(self.transfer_ids)} transfers"


def _target(posting: Posting, personal: dict[int, int]) -> int:
    """The id of the account a posting pays (``personal``: each learner's personal account id)."""
    if posting.to == "locality":
        return ledger.locality_account(posting.locality).id
    if posting.to == "personal":
        return personal[posting.learner.id]
    return ledger.central(AccountKind(posting.to)).id


def record_census(
    actor: User | None, census: CensusDate, *, expected_digest: str | None = None, on: date | None = None
) -> CensusResult:
    """Post a census's income and allocations in the caller's transaction, or nothing if already recorded.

    Two admins (or a command and an admin) at once: the year and census rows are locked first, so the second
    waits, then finds the census recorded and posts nothing; the idempotency keys would refuse a double post
    even without the lock. ``expected_digest`` (the preview's) makes a changed plan a :class:`StalePreview`.
    The transfers are made by :func:`ledger.post_many`: a fixed number of statements however many learners.
    """
    year = _lock(FundingYear, census.year_id)
    census = _lock(CensusDate, census.id)
    if census.recorded_at is not None:
        return CensusResult(CensusPlan(census=census, year=year, recorded=True), already_recorded=True)
    plan = plan_census(census, on)
    if plan.problem:
        raise ValidationError(plan.problem)
    if expected_digest is not None and expected_digest != plan.digest:
        raise StalePreview(
            "The figures have changed since the preview (enrolments or rates were updated): "
            "check them again before recording"
        )
    source, core = ledger.funding_source(), ledger.central(AccountKind.CENTRAL_CORE)
    personal = ledger.personal_account_ids([p.learner for p in plan.postings if p.to == "personal"])
    posted = ledger.post_many(
        actor,
        [
            ledger.Movement(
                (source if posting.kind is TransferKind.INCOME else core).id,
                _target(posting, personal),
                posting.amount_pence,
                posting.kind,
                posting.memo,
                posting.key,
            )
            for posting in plan.postings
        ],
        year=year,
    )
    census.recorded_at = clock.now()
    census.recorded_by_id = actor.id if actor else None
    db.session.flush()
    audit.record(
        "funding.census_recorded",
        actor=actor,
        obj=census,
        detail={
            "year": year.label,
            "census": census.key,
            "on_date": census.on_date.isoformat(),
            "learners": plan.learners,
            "income_pence": plan.income_pence,
            "core_pence": plan.core_pence,
            "mentor_pence": plan.mentor_pence,
            "localities": {
                str(line.locality.id): {
                    "learners": line.learners,
                    "grant_pence": line.grant_pence,
                    "share_pence": line.share_pence,
                    "personal_pence": line.personal_pence,
                }
                for line in plan.localities
            },
            "transfers": len(posted),
        },
    )
    return CensusResult(plan, posted)


def census_transfers_query(census: CensusDate):
    """A query of what a recorded census posted, in posting order, with both accounts of each (for a page of it:
    at national size a census posts over 100,000 transfers)."""
    return (
        select(Transfer)
        .where(Transfer.idempotency_key.like(f"census:{census.id}:%"))
        .order_by(Transfer.id)
        .options(joinedload(Transfer.from_account), joinedload(Transfer.to_account))
    )


def census_transfers(census: CensusDate) -> list[Transfer]:
    """What a recorded census posted, in posting order."""
    return list(
        db.session.scalars(
            select(Transfer).where(Transfer.idempotency_key.like(f"census:{census.id}:%")).order_by(Transfer.id)
        )
    )


def recorded_by(census: CensusDate) -> User | None:
    return db.session.get(User, census.recorded_by_id) if census.recorded_by_id else None
