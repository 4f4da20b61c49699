"""Statements of any account, any period: an opening balance, every transfer in or out with a running balance,
and a closing balance, all derived from the transfers themselves (never from the stored running balance, so a
statement also checks it); as pages, CSV rows and a PDF."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, and_, case, false, func, literal_column, or_, select, union_all

from virtualacademy import clock, csv_export
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import LedgerAccount, Transfer, TransferKind
from virtualacademy.paging import PageNumbers

#: The most transfers one PDF statement shows (a longer period is refused: choose a shorter one, or the CSV).
MAX_PDF_LINES = 2_000
STATEMENT_PAGE_SIZE = 50


# --- statements ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    id: int
    created_at: datetime
    description: str
    kind: TransferKind
    #: The other account: where the money came from, or went to.
    other: str
    money_in: int
    money_out: int
    balance: int


@dataclass
class Statement(PageNumbers):
    account: LedgerAccount
    start: date | None
    end: date | None
    opening: int
    money_in: int
    money_out: int
    count: int
    lines: list[StatementLine]
    page: int = 1
    per_page: int = STATEMENT_PAGE_SIZE

    @property
    def closing(self) -> int:
        return self.opening + self.money_in - self.money_out

    @property
    def total(self) -> int:
        """For the page numbers (``PageNumbers``): every transfer in the period."""
        return self.count


def _period_bounds(start: date | None, end: date | None) -> tuple[int, int | None]:
    """The period as a range of transfer ids ``[low, high)``: transfers are numbered in the order they are
    posted, so consecutive periods share a boundary and every transfer is in exactly one of them."""
    london = clock.LONDON

    def first_id_from(day: date) -> int | None:
        moment = datetime.combine(day, time(0), london).astimezone(UTC)
        return db.session.scalar(
            select(Transfer.id).where(Transfer.created_at >= moment).order_by(Transfer.created_at, Transfer.id).limit(1)
        )

    low = 0
    if start is not None:
        found = first_id_from(start)
        low = found if found is not None else (db.session.scalar(select(func.max(Transfer.id))) or 0) + 1
    high = None
    if end is not None:
        high = first_id_from(end + timedelta(days=1))
    return low, high


def _side(account_id: int, incoming: bool, low: int, high: int | None, *, details: bool = False) -> Select:
    """One side of the account (money in, or money out) in ``[low, high)``, in id order, read through its index
    (``ix_transfer_to`` or ``ix_transfer_from``), as (id, signed amount, other account id[, created_at, memo,
    kind, the other account's name])."""
    t = Transfer.__table__
    column, other = (t.c.to_account_id, t.c.from_account_id) if incoming else (t.c.from_account_id, t.c.to_account_id)
    signed = t.c.amount_pence if incoming else -t.c.amount_pence
    stmt = select(t.c.id, signed.label("signed"), other.label("other")).where(column == account_id, t.c.id >= low)
    if details:
        names = LedgerAccount.__table__.alias("other_account")
        stmt = stmt.add_columns(t.c.created_at, t.c.memo, t.c.kind, names.c.name).join(names, names.c.id == other)
    if high is not None:
        stmt = stmt.where(t.c.id < high)
    return stmt.order_by(t.c.id)


def _streamed(account_id: int, low: int, high: int | None):
    """Every transfer of the account in ``[low, high)`` with its details, in id order: both sides streamed in
    their indexes' order and merged as they are read (nothing sorted, nothing held in memory)."""
    sides = [
        db.session.execute(_side(account_id, incoming, low, high, details=True).execution_options(yield_per=2_000))
        for incoming in (True, False)
    ]
    return heapq.merge(*sides, key=lambda row: row[0])


def _page(account_id: int, low: int, high: int | None, limit: int, offset: int):
    """One page of both sides of the account merged in id order, in SQL: SQLite merges the two index-ordered
    sides of a compound query as it reads them; PostgreSQL is given each side cut off at ``offset + limit``
    (so it reads them through their indexes and merges them, whatever it estimates)."""
    sides = [_side(account_id, incoming, low, high) for incoming in (True, False)]
    if db.engine.dialect.name == "postgresql":
        sides = [select(side.limit(offset + limit).subquery()) for side in sides]
    else:
        sides = [side.order_by(None) for side in sides]
    stmt = union_all(*sides).order_by(literal_column("id")).limit(limit).offset(offset)
    return db.session.execute(stmt).all()


def _line(row, balance: int, created_at, memo, kind, other: str) -> StatementLine:
    signed = row[1]
    return StatementLine(
        id=row[0],
        created_at=created_at,
        description=memo,
        kind=TransferKind(kind),
        other=other,
        money_in=signed if signed > 0 else 0,
        money_out=-signed if signed < 0 else 0,
        balance=balance,
    )


def _lines(rows, balance: int) -> list[StatementLine]:
    """Statement lines for a page of rows (id, signed, other), the running balance starting from ``balance``."""
    if not rows:
        return []
    t = Transfer.__table__
    details = {
        r.id: r
        for r in db.session.execute(
            select(t.c.id, t.c.created_at, t.c.memo, t.c.kind).where(t.c.id.in_([r[0] for r in rows]))
        )
    }
    names = dict(
        db.session.execute(
            select(LedgerAccount.id, LedgerAccount.name).where(LedgerAccount.id.in_({r[2] for r in rows}))
        ).all()
    )
    lines = []
    for row in rows:
        balance += row[1]
        detail = details[row[0]]
        lines.append(_line(row, balance, detail.created_at, detail.memo, detail.kind, names[row[2]]))
    return lines


def _totals(account_id: int, low: int, high: int | None, page_start: int | None) -> tuple[int, int, int, int, int]:
    """(opening, money in, money out, count, net of the period's transfers before ``page_start``), in one
    pass over the account's transfers below ``high`` (one statement, so one snapshot on PostgreSQL)."""
    t = Transfer.__table__
    is_in = t.c.to_account_id == account_id
    signed = case((is_in, t.c.amount_pence), else_=-t.c.amount_pence)
    in_period = t.c.id >= low
    before_page = and_(in_period, t.c.id < page_start) if page_start is not None else false()

    def total(condition, value):
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    stmt = select(
        total(t.c.id < low, signed),
        total(and_(in_period, is_in), t.c.amount_pence),
        total(and_(in_period, ~is_in), t.c.amount_pence),
        total(in_period, 1),
        total(before_page, signed),
    ).where(or_(t.c.to_account_id == account_id, t.c.from_account_id == account_id))
    if high is not None:
        stmt = stmt.where(t.c.id < high)
    return tuple(int(v) for v in db.session.execute(stmt).one())


def check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValidationError("The start of the period must be on or before its end", field="start")


def statement(
    account: LedgerAccount, start: date | None, end: date | None, page: int = 1, per_page: int = STATEMENT_PAGE_SIZE
) -> Statement:
    """One page of the account's statement for the period (either end may be open), oldest first."""
    check_period(start, end)
    low, high = _period_bounds(start, end)
    page = min(max(1, page), 10_000_000)  # any page number typed into the address is safe
    offset = (page - 1) * per_page
    rows = _page(account.id, low, high, per_page, offset)
    page_start = rows[0][0] if rows else None
    opening, money_in, money_out, count, before = _totals(account.id, low, high, page_start)
    lines = _lines(rows, opening + before)
    return Statement(account, start, end, opening, money_in, money_out, count, lines, page, per_page)


def statement_lines(
    account: LedgerAccount, start: date | None, end: date | None
) -> tuple[int, Iterator[StatementLine]]:
    """The opening balance of the period, and an iterator over every line of it (both sides of the account
    streamed in id order and merged) for CSV and PDF. Their totals are added up from the lines
    themselves, so what a file shows always adds up, even while money is moving."""
    check_period(start, end)
    low, high = _period_bounds(start, end)
    opening = _totals(account.id, low, low, None)[0]

    def lines() -> Iterator[StatementLine]:
        balance = opening
        for row in _streamed(account.id, low, high):
            balance += row[1]
            yield _line(row, balance, *row[3:])

    return opening, lines()


TRANSFER_KIND_LABELS = {
    TransferKind.INCOME: "Income",
    TransferKind.ALLOCATION: "Allocation",
    TransferKind.SPEND: "Payment",
    TransferKind.MOVE: "Move",
    TransferKind.REVERSAL: "Reversal",
    TransferKind.CARRY_FORWARD: "Carried forward",
    TransferKind.RETURN: "Returned",
}

CSV_HEADER = ["Date", "Transfer", "Description", "Type", "From or to", "Money in", "Money out", "Balance"]


def statement_csv_rows(account: LedgerAccount, start: date | None, end: date | None) -> Iterator[list]:
    """The statement as CSV rows (:func:`csv_export.row`): a header, the opening balance, every transfer with its
    running balance, and a closing row carrying the period's totals in and out. Amounts are numbers in pounds
    (``12.50``, ``-3.00``); text that a spreadsheet could read as a formula is quoted."""
    opening, lines = statement_lines(account, start, end)
    london = clock.LONDON
    pounds = csv_export.pounds

    def rows() -> Iterator[list]:
        yield csv_export.row(CSV_HEADER)
        yield csv_export.row(
            [start.isoformat() if start else "", "", "Opening balance", "", "", "", "", pounds(opening)]
        )
        money_in = money_out = 0
        for line in lines:
            money_in += line.money_in
            money_out += line.money_out
            yield csv_export.row(
                [
                    line.created_at.astimezone(london).strftime("%Y-%m-%d %H:%M"),
                    line.id,
                    line.description,
                    TRANSFER_KIND_LABELS[line.kind],
                    line.other,
                    pounds(line.money_in) if line.money_in else "",
                    pounds(line.money_out) if line.money_out else "",
                    pounds(line.balance),
                ]
            )
        yield csv_export.row(
            [
                (end or clock.today()).isoformat(),
                "",
                "Closing balance",
                "",
                "",
                pounds(money_in),
                pounds(money_out),
                pounds(opening + money_in - money_out),
            ]
        )

    return rows()


def statement_pdf(account: LedgerAccount, start: date | None, end: date | None) -> bytes:
    """The statement as a PDF document (at most :data:`MAX_PDF_LINES` transfers: choose a shorter period)."""
    from virtualacademy import pdf

    check_period(start, end)
    low, high = _period_bounds(start, end)
    count = _totals(account.id, low, high, None)[3]
    if count > MAX_PDF_LINES:
        raise ValidationError(
            f"This period has {count:,} transfers, too many for a PDF (the most is {MAX_PDF_LINES:,}). "
            "Choose a shorter period, or download the CSV file."
        )
    opening, lines = statement_lines(account, start, end)
    lines = list(lines)
    money_in, money_out = sum(x.money_in for x in lines), sum(x.money_out for x in lines)
    summary = Statement(account, start, end, opening, money_in, money_out, len(lines), [], 1, max(len(lines), 1))
    return pdf.render_pdf(
        "pdf/statement.html",
        statement=summary,
        lines=lines,
        kinds=TRANSFER_KIND_LABELS,
        generated_at=clock.now(),
        today=clock.today(),
    )
