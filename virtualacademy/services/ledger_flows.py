"""The ledger's flow summary (:class:`LedgerFlow`): money moved each London day, summed by what its two sides are.
:mod:`virtualacademy.services.ledger` adds every transfer to it in the same transaction as the transfer (as it keeps
each account's balance); ``funding verify`` proves it equals the transfers (:func:`flow_problems`); data loaded
around the ledger (the benchmarks' bulk transfers) is summed afresh by :func:`rebuild_flows`."""

from __future__ import annotations

from dataclasses import asdict, astuple, dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import LedgerAccount, LedgerFlow, Transfer


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


def count_flows(flows) -> None:
    """Add transfers (``(Flow, pence)`` pairs) to the flow summary, in the caller's transaction: one upsert, its rows
    in key order (so two transactions adding to the same rows take their locks in the same order)."""
    totals: dict[Flow, list[int]] = {}
    for flow, pence in flows:
        sums = totals.setdefault(flow, [0, 0])
        sums[0] += 1
        sums[1] += pence
    if not totals:
        return
    table = LedgerFlow.__table__
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
    rows = [
        {"key": flow.key, **asdict(flow), "transfers": count, "amount_pence": pence}
        for flow, (count, pence) in totals.items()
    ]
    db.session.execute(stmt, sorted(rows, key=lambda row: row["key"]))


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
    """Rebuild the flow summary from the transfers, in the session's transaction (for data written around the
    ledger, such as the benchmarks' bulk-loaded transfers). Returns the rows written."""
    db.session.execute(LedgerFlow.__table__.delete())
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
    for start in range(0, len(rows), 10_000):
        db.session.execute(LedgerFlow.__table__.insert(), rows[start : start + 10_000])
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
    kept_columns = (
        f.year_id,
        f.kind,
        f.reversal,
        f.from_kind,
        f.from_locality_id,
        f.from_category,
        f.to_kind,
        f.to_locality_id,
        f.to_category,
    )
    kept = {
        (row[0], row[1], bool(row[2]), *row[3:-2]): (int(row[-2]), int(row[-1]))
        for row in db.session.execute(
            select(*kept_columns, func.sum(f.transfers), func.sum(f.amount_pence)).group_by(*kept_columns)
        )
    }
    differ = {k for k in live.keys() | kept.keys() if live.get(k, (0, 0)) != kept.get(k, (0, 0))}
    if not differ:
        return []
    return [
        f"The flow summary differs from the transfers in {len(differ)} of its groups "
        "(rebuild it with ledger.rebuild_flows after loading transfers around the ledger)"
    ]
