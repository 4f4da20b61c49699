"""Wellbeing as learners describe it at check-ins (1 very low to 5 very good), per locality: how the scores
recorded in a period are spread, and the learners whose latest score in the period is lower than the one before."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import case, delete, event, func, inspect, select
from sqlalchemy.orm import Session

from virtualacademy import clock
from virtualacademy.database import chunked
from virtualacademy.extensions import db
from virtualacademy.models import CheckIn, LatestWellbeing, Learner, WellbeingDay
from virtualacademy.services.overview.attendance import learners_changing
from virtualacademy.services.overview.common import Period, chosen

SCORES = (1, 2, 3, 4, 5)


@dataclass
class LocalityWellbeing:
    #: score -> check-ins in the period that recorded it
    scores: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))
    #: learners whose latest score in the period is lower than their score before it
    fell: int = 0

    @property
    def recorded(self) -> int:
        return sum(self.scores.values())

    @property
    def low(self) -> int:
        """Scores of 1 or 2."""
        return self.scores[1] + self.scores[2]


@dataclass
class Wellbeing:
    period: Period
    by_locality: dict[int, LocalityWellbeing] = field(default_factory=dict)

    def total(self, locality_ids=None) -> LocalityWellbeing:
        result = LocalityWellbeing()
        for locality_id, row in chosen(self.by_locality, locality_ids):
            if locality_ids is None or locality_id in locality_ids:
                for score, n in row.scores.items():
                    result.scores[score] += n
                result.fell += row.fell
        return result


def ranked_scores(period: Period):
    """Each learner's check-ins with a wellbeing score up to the end of the period, newest first (``n`` = 1 is the
    latest), as a subquery."""
    _, finish = period.bounds()
    return (
        select(
            CheckIn.learner_id,
            CheckIn.occurred_at,
            CheckIn.wellbeing,
            func.row_number()
            .over(partition_by=CheckIn.learner_id, order_by=(CheckIn.occurred_at.desc(), CheckIn.id.desc()))
            .label("n"),
        )
        .where(CheckIn.wellbeing.is_not(None), CheckIn.occurred_at < finish)
        .subquery()
    )


def fell_learner_ids(period: Period):
    """A select of the learners whose latest score in the period is lower than the score before it: each learner's
    latest two scores up to the period's end, read in one pass (``ix_check_in_wellbeing``)."""
    begin, _ = period.bounds()
    ranked = ranked_scores(period)
    latest = (
        select(
            ranked.c.learner_id,
            func.max(case((ranked.c.n == 1, ranked.c.occurred_at))).label("latest_at"),
            func.max(case((ranked.c.n == 1, ranked.c.wellbeing))).label("latest"),
            func.max(case((ranked.c.n == 2, ranked.c.wellbeing))).label("before"),
        )
        .where(ranked.c.n <= 2)
        .group_by(ranked.c.learner_id)
        .subquery()
    )
    return select(latest.c.learner_id).where(
        latest.c.latest_at >= begin, latest.c.before.is_not(None), latest.c.latest < latest.c.before
    )


def _ends_after_every_score(period: Period) -> bool:
    """No score was recorded at or after the period's end (true of a period that ends today), so each learner's
    latest two scores up to its end are their latest two of all, kept in ``latest_wellbeing``."""
    _, finish = period.bounds()
    later = select(CheckIn.id).where(CheckIn.wellbeing.is_not(None), CheckIn.occurred_at >= finish)
    return not db.session.scalar(select(later.exists()))


def _fell_from_latest(period: Period):
    """:func:`fell_learner_ids` read from each learner's latest two scores as kept (``latest_wellbeing``)."""
    begin, _ = period.bounds()
    return select(LatestWellbeing.learner_id).where(
        LatestWellbeing.latest_at >= begin,
        LatestWellbeing.previous.is_not(None),
        LatestWellbeing.latest < LatestWellbeing.previous,
    )


def wellbeing(period: Period) -> Wellbeing:
    """Per locality (the learner's): the scores recorded in the period (from the summary :class:`WellbeingDay`, a
    row per locality, day and score, kept below), and the learners whose wellbeing fell. Two grouped statements."""
    result = Wellbeing(period)

    def row(locality_id: int) -> LocalityWellbeing:
        return result.by_locality.setdefault(locality_id, LocalityWellbeing())

    for locality_id, score, count in db.session.execute(
        select(WellbeingDay.locality_id, WellbeingDay.score, func.sum(WellbeingDay.check_ins))
        .where(WellbeingDay.on_date.between(period.start, period.end))
        .group_by(WellbeingDay.locality_id, WellbeingDay.score)
    ):
        if score in SCORES and count:
            row(locality_id).scores[score] = int(count)
    fell = (_fell_from_latest(period) if _ends_after_every_score(period) else fell_learner_ids(period)).subquery()
    for locality_id, count in db.session.execute(
        select(Learner.locality_id, func.count())
        .join(fell, fell.c.learner_id == Learner.id)
        .group_by(Learner.locality_id)
    ):
        if locality_id is not None:
            row(locality_id).fell = count
    return result


# --- each learner's latest two scores, kept in step with their check-ins -------------------------------------

_CHANGED = "overview.latest_wellbeing.learners"


def latest_two(learner_ids=None):
    """A select of each learner's latest score, its time, and the score before it (``learner_ids``: a select or list
    of ids to narrow it to; every learner when None)."""
    ranked = select(
        CheckIn.learner_id,
        CheckIn.occurred_at,
        CheckIn.wellbeing,
        func.row_number()
        .over(partition_by=CheckIn.learner_id, order_by=(CheckIn.occurred_at.desc(), CheckIn.id.desc()))
        .label("n"),
    ).where(CheckIn.wellbeing.is_not(None))
    if learner_ids is not None:
        ranked = ranked.where(CheckIn.learner_id.in_(learner_ids))
    ranked = ranked.subquery()
    return (
        select(
            ranked.c.learner_id,
            func.max(case((ranked.c.n == 1, ranked.c.occurred_at))),
            func.max(case((ranked.c.n == 1, ranked.c.wellbeing))),
            func.max(case((ranked.c.n == 2, ranked.c.wellbeing))),
        )
        .where(ranked.c.n <= 2)
        .group_by(ranked.c.learner_id)
    )


def _columns():
    return ["learner_id", "latest_at", "latest", "previous"]


@event.listens_for(Session, "after_flush")
def _note_check_ins(session: Session, _context) -> None:
    changed = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CheckIn):
            changed.update(v for v in inspect(obj).attrs.learner_id.history.sum() if v is not None)
            if obj.learner_id is not None:
                changed.add(obj.learner_id)
    if changed:
        session.info.setdefault(_CHANGED, set()).update(changed)


@event.listens_for(Session, "after_flush_postexec")
def _keep_latest_wellbeing(session: Session, _context) -> None:
    """In the same transaction as any flush that adds, changes or deletes check-ins: those learners' latest two
    scores read again."""
    learner_ids = session.info.pop(_CHANGED, None)
    if not learner_ids:
        return
    table = LatestWellbeing.__table__
    connection = session.connection()
    for some in chunked(sorted(learner_ids)):
        connection.execute(delete(table).where(table.c.learner_id.in_(some)))
        connection.execute(table.insert().from_select(_columns(), latest_two(some)))


def rebuild_latest_wellbeing() -> None:
    """Every learner's latest two scores from the check-ins, in the session's transaction (after bulk loads)."""
    table = LatestWellbeing.__table__
    db.session.execute(delete(table))
    db.session.execute(table.insert().from_select(_columns(), latest_two()))


# --- scores a day per locality, kept in step with the check-ins ------------------------------------------------
#
# As ``learning_day`` (:mod:`virtualacademy.services.overview.attendance`): each flush that adds, changes or deletes
# check-ins, or moves (or deletes) a learner, notes those learners' scores a London day and their locality before it
# writes, reads them again after, and adds the difference to ``wellbeing_day`` in the same transaction.

_SCORES_BEFORE = "overview.wellbeing_days.before"


def _scores_of(connection, learner_ids: set[int]) -> dict[int, tuple[int | None, Counter]]:
    """Each learner's locality and their scores counted by London day and score, as the database holds them now."""
    check_in, learner = CheckIn.__table__, Learner.__table__
    found: dict[int, tuple[int | None, Counter]] = {}
    for some in chunked(sorted(learner_ids)):
        for learner_id, locality_id in connection.execute(
            select(learner.c.id, learner.c.locality_id).where(learner.c.id.in_(some))
        ):
            found[learner_id] = (locality_id, Counter())
        for learner_id, at, score in connection.execute(
            select(check_in.c.learner_id, check_in.c.occurred_at, check_in.c.wellbeing).where(
                check_in.c.learner_id.in_(some), check_in.c.wellbeing.is_not(None)
            )
        ):
            found.setdefault(learner_id, (None, Counter()))[1][(clock.today(at), score)] += 1
    return found


@event.listens_for(Session, "before_flush")
def _note_scores(session: Session, _context, _instances) -> None:
    learners = learners_changing(session, CheckIn)
    session.info[_SCORES_BEFORE] = _scores_of(session.connection(), learners) if learners else {}


@event.listens_for(Session, "after_flush_postexec")
def _keep_wellbeing_days(session: Session, _context) -> None:
    before = session.info.pop(_SCORES_BEFORE, None)
    if not before:
        return
    after = _scores_of(session.connection(), set(before))
    change: Counter = Counter()
    for learner_id, (locality_id, scores) in before.items():
        if locality_id is not None:
            change.subtract({(locality_id, *key): n for key, n in scores.items()})
        locality_id, scores = after.get(learner_id, (None, Counter()))
        if locality_id is not None:
            change.update({(locality_id, *key): n for key, n in scores.items()})
    rows = [
        {"locality_id": locality_id, "on_date": on_date, "score": score, "check_ins": n}
        for (locality_id, on_date, score), n in sorted(change.items())
        if n
    ]
    if rows:
        session.connection().execute(_add_scores(), rows)


def _add_scores():
    table = WellbeingDay.__table__
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.locality_id, table.c.on_date, table.c.score],
        set_={"check_ins": table.c.check_ins + stmt.excluded.check_ins},
    )


def wellbeing_days_from_the_check_ins() -> Counter:
    """The summary's rows worked out from the check-ins: (locality, London day, score) -> check-ins."""
    counts: Counter = Counter()
    for locality_id, at, score in db.session.execute(
        select(Learner.locality_id, CheckIn.occurred_at, CheckIn.wellbeing)
        .join(Learner, Learner.id == CheckIn.learner_id)
        .where(CheckIn.wellbeing.is_not(None), Learner.locality_id.is_not(None))
        .execution_options(yield_per=50_000)
    ):
        counts[(locality_id, clock.today(at), score)] += 1
    return counts


def rebuild_wellbeing_days() -> None:
    """Count the summary afresh from the check-ins, in the session's transaction (after bulk loads that bypass the
    ORM)."""
    table = WellbeingDay.__table__
    db.session.execute(delete(table))
    rows = [
        {"locality_id": locality_id, "on_date": on_date, "score": score, "check_ins": n}
        for (locality_id, on_date, score), n in wellbeing_days_from_the_check_ins().items()
    ]
    for start in range(0, len(rows), 10_000):
        db.session.execute(table.insert(), rows[start : start + 10_000])
