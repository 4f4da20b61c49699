"""Devolved funding: funding years and rates, a double-entry ledger of accounts and transfers,
census runs, and spending requests from learning budgets."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from virtualacademy.models.accounts import User
from virtualacademy.models.base import Base, TimestampMixin, enum_type, utcnow
from virtualacademy.models.families import Learner
from virtualacademy.models.localities import Locality


class YearEndPolicy(enum.StrEnum):
    CARRY_FORWARD = "carry_forward"
    RETURN_TO_CENTRAL = "return_to_central"


class FundingYear(TimestampMixin, Base):
    """1 September to 31 August, with the rates and the allocation policy admin sets for it.

    Percentages are stored in basis points (1% = 100) so all arithmetic is on integers.
    """

    __tablename__ = "funding_year"
    __table_args__ = (
        CheckConstraint("academy_share_bp BETWEEN 0 AND 10000", name="academy_share_range"),
        CheckConstraint("core_topslice_bp BETWEEN 0 AND 10000", name="core_topslice_range"),
        CheckConstraint("mentor_topslice_bp BETWEEN 0 AND 10000", name="mentor_topslice_range"),
        CheckConstraint("core_topslice_bp + mentor_topslice_bp <= 10000", name="topslices_total"),
        CheckConstraint("base_rate_pence >= 0", name="base_rate_non_negative"),
        CheckConstraint("coordinator_grant_pence >= 0", name="coordinator_grant_non_negative"),
        CheckConstraint("personal_budget_pence >= 0", name="personal_budget_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 1 September of the year it starts, e.g. 2026-09-01 for 2026/27.
    starts_on: Mapped[date] = mapped_column(unique=True)
    #: The base per-learner rate (AWPU-style) for the whole year, in pence.
    base_rate_pence: Mapped[int] = mapped_column(BigInteger)
    #: The share of the base rate the academy receives (default 50%).
    academy_share_bp: Mapped[int] = mapped_column(default=5000)
    #: Top-sliced from income for core provision and for the mentor team.
    core_topslice_bp: Mapped[int] = mapped_column(default=0)
    mentor_topslice_bp: Mapped[int] = mapped_column(default=0)
    #: A fixed yearly grant per locality for its coordinator (paid a third at each census).
    coordinator_grant_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    #: The learning budget per learner for the year (a third at each census).
    personal_budget_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    year_end_policy: Mapped[YearEndPolicy] = mapped_column(
        enum_type(YearEndPolicy, "year_end_policy", 24), default=YearEndPolicy.CARRY_FORWARD
    )
    closed_at: Mapped[datetime | None]

    census_dates: Mapped[list[CensusDate]] = relationship(
        back_populates="year", cascade="all, delete-orphan", order_by="CensusDate.on_date"
    )

    @property
    def label(self) -> str:
        return f"{self.starts_on.year}/{str(self.starts_on.year + 1)[-2:]}"

    @property
    def ends_on(self) -> date:
        return date(self.starts_on.year + 1, 8, 31)


class CensusDate(Base):
    """A census day: learners on roll that day bring a third of the year's income."""

    __tablename__ = "census_date"
    __table_args__ = (UniqueConstraint("year_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("funding_year.id", ondelete="CASCADE"))
    #: ``autumn``, ``spring`` or ``summer``.
    key: Mapped[str] = mapped_column(String(16))
    on_date: Mapped[date]
    #: Set when the census income has been recorded (a second run posts nothing).
    recorded_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    year: Mapped[FundingYear] = relationship(back_populates="census_dates")


class AccountKind(enum.StrEnum):
    FUNDING_SOURCE = "funding_source"  # the outside source the income comes from
    CENTRAL_CORE = "central_core"
    CENTRAL_MENTOR = "central_mentor"
    CENTRAL_EXAMS = "central_exams"
    LOCALITY = "locality"
    PERSONAL = "personal"
    SPENDING = "spending"


class SpendingCategory(enum.StrEnum):
    TUITION = "tuition"
    RESOURCES = "resources"
    EXAM_FEES = "exam_fees"
    ACCESS_ARRANGEMENTS = "access_arrangements"
    EVENTS = "events"
    COORDINATOR_COSTS = "coordinator_costs"
    OTHER = "other"


SPENDING_CATEGORY_LABELS = {
    SpendingCategory.TUITION: "Tuition",
    SpendingCategory.RESOURCES: "Resources and equipment",
    SpendingCategory.EXAM_FEES: "Exam entry fees",
    SpendingCategory.ACCESS_ARRANGEMENTS: "Access arrangements",
    SpendingCategory.EVENTS: "Events and trips",
    SpendingCategory.COORDINATOR_COSTS: "Coordinator costs",
    SpendingCategory.OTHER: "Other",
}

#: Budget accounts can never go below zero; the source and spending accounts are the ledger's edges.
BUDGET_KINDS = frozenset(
    {
        AccountKind.CENTRAL_CORE,
        AccountKind.CENTRAL_MENTOR,
        AccountKind.CENTRAL_EXAMS,
        AccountKind.LOCALITY,
        AccountKind.PERSONAL,
    }
)


class LedgerAccount(Base):
    """One account in the ledger. Its balance is derived from transfers; ``balance_pence`` is a running
    balance kept in the same transaction as every transfer, and ``funding verify`` proves it matches.

    Named ``LedgerAccount`` so that "account" on its own means a person's sign-in account (a ``User``); the
    table keeps its name, ``account``, so the rename needed no migration."""

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("balance_pence >= 0 OR kind IN ('funding_source', 'spending')", name="budget_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One account per key: ``central_core``, ``locality:<id>``, ``personal:<learner id>``, ``spending:tuition``.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[AccountKind] = mapped_column(enum_type(AccountKind, "account_kind", 24))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"), index=True)
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("learner.id"), index=True)
    category: Mapped[SpendingCategory | None] = mapped_column(enum_type(SpendingCategory, "spending_category", 24))
    name: Mapped[str] = mapped_column(String(200))
    balance_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    locality: Mapped[Locality | None] = relationship()
    learner: Mapped[Learner | None] = relationship()


class TransferKind(enum.StrEnum):
    INCOME = "income"
    ALLOCATION = "allocation"
    SPEND = "spend"
    MOVE = "move"
    REVERSAL = "reversal"
    CARRY_FORWARD = "carry_forward"
    RETURN = "return"


class Transfer(Base):
    """A movement of money between two accounts. Never edited or deleted: a mistake is undone by a
    reversing transfer that points to the original."""

    __tablename__ = "transfer"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint("from_account_id <> to_account_id", name="distinct_accounts"),
        Index("ix_transfer_from", "from_account_id", "id"),
        Index("ix_transfer_to", "to_account_id", "id"),
        # The census transfers of a year (the funding overview's census lines), read from the index alone.
        Index(
            "ix_transfer_census",
            "year_id",
            "idempotency_key",
            "amount_pence",
            sqlite_where=text("idempotency_key LIKE 'census:%'"),
            postgresql_where=text("idempotency_key LIKE 'census:%'"),
        ),
        Index(
            "uq_transfer_reverses",
            "reverses_id",
            unique=True,
            sqlite_where=text("reverses_id IS NOT NULL"),
            postgresql_where=text("reverses_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    to_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[TransferKind] = mapped_column(enum_type(TransferKind, "transfer_kind", 16))
    memo: Mapped[str] = mapped_column(String(500))
    #: Caller-chosen and unique: a retry with the same key never moves money twice.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    #: For a reversal, the transfer it undoes (each transfer can be reversed once).
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"))
    year_id: Mapped[int | None] = mapped_column(ForeignKey("funding_year.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    from_account: Mapped[LedgerAccount] = relationship(foreign_keys=[from_account_id])
    to_account: Mapped[LedgerAccount] = relationship(foreign_keys=[to_account_id])
    created_by: Mapped[User | None] = relationship()


class FlowSides:
    """What a row of the ledger's flow summaries sums (by day or by month): the transfer's kind and funding year,
    whether it reverses another, each side's kind, locality and spending category; and the sums."""

    year_id: Mapped[int | None] = mapped_column(ForeignKey("funding_year.id"))
    kind: Mapped[str] = mapped_column(String(16))
    #: The transfers reverse others (``Transfer.reverses_id`` is set).
    reversal: Mapped[bool]
    from_kind: Mapped[str] = mapped_column(String(24))
    from_locality_id: Mapped[int | None]
    from_category: Mapped[str | None] = mapped_column(String(24))
    to_kind: Mapped[str] = mapped_column(String(24))
    to_locality_id: Mapped[int | None]
    to_category: Mapped[str | None] = mapped_column(String(24))
    transfers: Mapped[int]
    amount_pence: Mapped[int] = mapped_column(BigInteger)


class LedgerFlow(FlowSides, Base):
    """Money moved on one London day, summed by what the two sides are (their kind, locality and spending
    category), the transfer's kind, whether it reverses another, and its funding year: a summary of the transfer
    table for the overview and the funding overview, which otherwise sum millions of transfers.

    Kept by :mod:`virtualacademy.services.ledger` in the same transaction as every transfer (as it keeps
    ``LedgerAccount.balance_pence``), and proven by ``funding verify``: the sums here equal the transfers'. The
    sides are described by kind, locality and category rather than by account, so a year holds a few hundred
    rows a day however many learners' budgets there are."""

    __tablename__ = "ledger_flow"
    __table_args__ = (Index("ix_ledger_flow_day", "day"), Index("ix_ledger_flow_year_id", "year_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Every other column but the sums, joined: one row for each combination (NULLs included).
    key: Mapped[str] = mapped_column(String(200), unique=True)
    #: The London day the transfers were made.
    day: Mapped[date]


class LedgerFlowMonth(FlowSides, Base):
    """:class:`LedgerFlow` summed by London month (``month`` is its first day): a month of the overview's money reads
    a few thousand rows here rather than a few hundred a day. Kept beside the daily rows in the same statement
    (:mod:`virtualacademy.services.ledger_flows`), and proven equal to them by ``funding verify``."""

    __tablename__ = "ledger_flow_month"
    __table_args__ = (Index("ix_ledger_flow_month_month", "month"), Index("ix_ledger_flow_month_year_id", "year_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Every other column but the sums, joined (as :attr:`LedgerFlow.key`, with the month's first day).
    key: Mapped[str] = mapped_column(String(200), unique=True)
    #: The first day of the London month the transfers were made in.
    month: Mapped[date]


class SpendStatus(enum.StrEnum):
    #: Filled in by the family but not sent yet (on its "check your answers" page): nobody else sees it.
    DRAFT = "draft"
    PENDING = "pending"
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval"
    APPROVED = "approved"
    DECLINED = "declined"


class SpendRequest(TimestampMixin, Base):
    """A family's request to pay for something from a learner's learning budget."""

    __tablename__ = "spend_request"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        Index("ix_spend_request_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    what_for: Mapped[str] = mapped_column(Text)
    category: Mapped[SpendingCategory] = mapped_column(enum_type(SpendingCategory, "spending_category", 24))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    supplier: Mapped[str] = mapped_column(String(200))
    #: The invoice or receipt, stored outside static/ under a random name.
    document_path: Mapped[str | None] = mapped_column(String(300))
    document_name: Mapped[str | None] = mapped_column(String(255))
    document_type: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[SpendStatus] = mapped_column(enum_type(SpendStatus, "spend_status", 32), default=SpendStatus.PENDING)
    first_approver_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    second_approver_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)
    #: Why an admin reversed the payment (the family sees it). The ledger's memo names only the request.
    reversal_reason: Mapped[str | None] = mapped_column(Text)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"), index=True)

    learner: Mapped[Learner] = relationship()
