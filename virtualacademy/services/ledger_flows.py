"""The ledger's flow summary (:class:`LedgerFlow`): money moved each London day, summed by what its two sides are.
:mod:`virtualacademy.services.ledger` adds every transfer to it in the same transaction as the transfer (as it keeps
each account's balance); ``funding verify`` proves it equals the transfers (:func:`flow_problems`); data loaded
around the ledger (the benchmarks' bulk transfers) is summed afresh by :func:`rebuild_flows`."""

from __future__ import annotations

from dataclasses import asdict, astuple, dataclass, replace
from datetime import date, datetime

from sqlalchemy import Date, func, select

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import LedgerAccount, LedgerFlow, LedgerFlowMonth, Transfer


def _text(value) -> str | None:
    return None if value is None else str(value.value if hasattr(value, "value") else value)


@dataclass(frozen=True)
class Flow:
    """One row of the flow summary (:class:`LedgerFlow`) without its sums: what a transfer adds to."""

    day: date
    year_id: int | None
    kind: str
    reversal: bool
    from_kind: str
    from_locality_id: int | None
    from_category: str | None
    to_kind: str
    to_locality_id: int | None
    to_category: str | None

    @classmethod
    def of(cls, at: datetime, year_id, kind, reversal: bool, source, target, amount_pence: int) -> tuple[Flow, int]:
        """A transfer made at ``at`` between ``source`` and ``target`` (anything with ``kind``, ``locality_id`` and
        ``category``), and its amount."""
        flow = cls(
            clock.today(at),
            year_id,
            _text(kind),
            bool(reversal),
            _text(source.kind),
            source.locality_id,
            _text(source.category),
            _text(target.kind),
            target.locality_id,
            _text(target.category),
        )
        return flow, amount_pence

    @property
    def key(self) -> str:
        return "|".join("" if v is None else str(int(v) if isinstance(v, bool) else v) for v in astuple(self))


def _month_rows(rows: list[dict]) -> list[dict]:
    """Daily summary rows (as written to :class:`LedgerFlow`) summed into rows of :class:`LedgerFlowMonth`."""
    months: dict[Flow, dict] = {}
    for row in rows:
        flow = Flow(**{name: row[name] for name in Flow.__dataclass_fields__})
        flow = replace(flow, day=flow.day.replace(day=1))
        if flow in months:
            months[flow]["transfers"] += row["transfers"]
            months[flow]["amount_pence"] += row["amount_pence"]
        else:
            fields = asdict(flow)
            months[flow] = {
                "key": flow.key,
                "month": fields.pop("day"),
                **fields,
                "transfers": row["transfers"],
                "amount_pence": row["amount_pence"],
            }
    return list(months.values())


def _add_to(table, rows: list[dict]) -> None:
    """Add ``rows`` to a flow summary ``table``: one upsert, its rows in key order (so two transactions adding to the
    same rows take their locks in the same order)."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "transfers": table.c.transfers + stmt.excluded.transfers,
            "amount_pence": table.c.amount_pence + stmt.excluded.amount_pence,
        },
    )
    db.session.execute(stmt, sorted(rows, key=lambda row: row["key"]))


def count_flows(flows) -> None:
    """Add transfers (``(Flow, pence)`` pairs) to the flow summary, by day and by month, in the caller's
    transaction: one upsert into each."""
    totals: dict[Flow, list[int]] = {}
    for flow, pence in flows:
        sums = totals.setdefault(flow, [0, 0])
        sums[0] += 1
        sums[1] += pence
    if not totals:
        return
    rows = [
        {"key": flow.key, **asdict(flow), "transfers": count, "amount_pence": pence}
        for flow, (count, pence) in totals.items()
    ]
    _add_to(LedgerFlow.__table__, rows)
    _add_to(LedgerFlowMonth.__table__, _month_rows(rows))


#: The summary's columns besides the day (or month) and the sums.
_SUMMED_BY = (
    "year_id",
    "kind",
    "reversal",
    "from_kind",
    "from_locality_id",
    "from_category",
    "to_kind",
    "to_locality_id",
    "to_category",
)


def _flow_columns(source, target, transfer):
    return (
        transfer.c.year_id,
        transfer.c.kind,
        transfer.c.reverses_id.is_not(None),
        source.c.kind,
        source.c.locality_id,
        source.c.category,
        target.c.kind,
        target.c.locality_id,
        target.c.category,
    )


def _transfer_flows():
    """A select of every transfer's time, its flow's columns (but the day) and amount, as :class:`Flow.of` takes
    them."""
    transfer = Transfer.__table__
    source, target = LedgerAccount.__table__.alias("source"), LedgerAccount.__table__.alias("target")
    return (
        select(transfer.c.created_at, *_flow_columns(source, target, transfer), transfer.c.amount_pence)
        .join(source, source.c.id == transfer.c.from_account_id)
        .join(target, target.c.id == transfer.c.to_account_id)
    )


class _Side:
    __slots__ = ("kind", "locality_id", "category")

    def __init__(self, kind, locality_id, category):
        self.kind, self.locality_id, self.category = kind, locality_id, category


def rebuild_flows() -> int:
    """Rebuild the flow summary (by day and by month) from the transfers, in the session's transaction (for data
    written around the ledger, such as the benchmarks' bulk-loaded transfers). Returns the daily rows written."""
    db.session.execute(LedgerFlow.__table__.delete())
    db.session.execute(LedgerFlowMonth.__table__.delete())
    totals: dict[Flow, list[int]] = {}
    result = db.session.execute(_transfer_flows().execution_options(yield_per=50_000))
    for at, year_id, kind, reversal, fk, fl, fc, tk, tl, tc, pence in result:
        flow, _ = Flow.of(at, year_id, kind, reversal, _Side(fk, fl, fc), _Side(tk, tl, tc), pence)
        sums = totals.setdefault(flow, [0, 0])
        sums[0] += 1
        sums[1] += pence
    rows = [
        {"key": flow.key, **asdict(flow), "transfers": count, "amount_pence": pence}
        for flow, (count, pence) in totals.items()
    ]
    for table, written in ((LedgerFlow.__table__, rows), (LedgerFlowMonth.__table__, _month_rows(rows))):
        for start in range(0, len(written), 10_000):
            db.session.execute(table.insert(), written[start : start + 10_000])
    return len(rows)


def flow_problems() -> list[str]:
    """How the flow summary differs from the transfers, summed over days (so the database can do both sums)."""
    transfer = Transfer.__table__
    source, target = LedgerAccount.__table__.alias("source"), LedgerAccount.__table__.alias("target")
    columns = _flow_columns(source, target, transfer)
    live = {
        tuple(_text(v) if i not in (0, 2, 4, 7) else v for i, v in enumerate(row[:-2])): (row[-2], int(row[-1]))
        for row in db.session.execute(
            select(*columns, func.count(), func.sum(transfer.c.amount_pence))
            .join(source, source.c.id == transfer.c.from_account_id)
            .join(target, target.c.id == transfer.c.to_account_id)
            .group_by(*columns)
        )
    }
    live = {(k[0], k[1], bool(k[2]), *k[3:]): v for k, v in live.items()}
    f = LedgerFlow.__table__.c
    kept_columns = tuple(f[name] for name in _SUMMED_BY)
    kept = {
        (row[0], row[1], bool(row[2]), *row[3:-2]): (int(row[-2]), int(row[-1]))
        for row in db.session.execute(
            select(*kept_columns, func.sum(f.transfers), func.sum(f.amount_pence)).group_by(*kept_columns)
        )
    }
    differ = {k for k in live.keys() | kept.keys() if live.get(k, (0, 0)) != kept.get(k, (0, 0))}
    problems = []
    if differ:
        problems.append(
            f"The flow summary differs from the transfers in {len(differ)} of its groups "
            "(rebuild it with ledger.rebuild_flows after loading transfers around the ledger)"
        )
    months = _months_differing()
    if months:
        problems.append(
            f"The flow summary by month differs from its daily rows in {months} of its groups "
            "(rebuild it with ledger.rebuild_flows)"
        )
    return problems


def _month_of(day):
    """The first day of ``day``'s month, in SQL."""
    if db.engine.dialect.name == "postgresql":
        return func.cast(func.date_trunc("month", day), Date)
    return func.date(day, "start of month")


def _months_differing() -> int:
    """How many groups of the summary by month differ from the daily rows summed by month (both summed in the
    database, a row per month and combination)."""
    daily, monthly = LedgerFlow.__table__.c, LedgerFlowMonth.__table__.c

    def sums(table, month):
        columns = [month, *(table[name] for name in _SUMMED_BY)]
        return {
            (str(row[0])[:10], *row[1:-2]): (int(row[-2]), int(row[-1]))
            for row in db.session.execute(
                select(*columns, func.sum(table.transfers), func.sum(table.amount_pence)).group_by(*columns)
            )
        }

    by_day, by_month = sums(daily, _month_of(daily.day)), sums(monthly, monthly.month)
    return sum(1 for k in by_day.keys() | by_month.keys() if by_day.get(k, (0, 0)) != by_month.get(k, (0, 0)))
