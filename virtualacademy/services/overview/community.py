"""Community reach per locality (the learner's): learners who attended a community event in a period (present or
late at an event that started in it, wherever it was held), attendances, and placements with local hosts approved
in the period."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from virtualacademy.extensions import db
from virtualacademy.models import Attendance, AttendanceMark, Event, EventStatus, Learner, Placement, PlacementState
from virtualacademy.services.overview.common import Period, chosen


@dataclass
class LocalityCommunity:
    learners_attended: int = 0
    attendances: int = 0
    placements: int = 0


@dataclass
class Community:
    period: Period
    by_locality: dict[int, LocalityCommunity] = field(default_factory=dict)

    def total(self, locality_ids=None) -> LocalityCommunity:
        result = LocalityCommunity()
        for locality_id, row in chosen(self.by_locality, locality_ids):
            if locality_ids is None or locality_id in locality_ids:
                result.learners_attended += row.learners_attended
                result.attendances += row.attendances
                result.placements += row.placements
        return result


def community(period: Period) -> Community:
    """Two grouped statements: attendance at events that started in the period, and placements approved in it."""
    begin, finish = period.bounds()
    result = Community(period)

    def row(locality_id: int) -> LocalityCommunity:
        return result.by_locality.setdefault(locality_id, LocalityCommunity())

    for locality_id, learners, attendances in db.session.execute(
        select(Learner.locality_id, func.count(func.distinct(Attendance.learner_id)), func.count())
        .select_from(Attendance)
        .join(Learner, Learner.id == Attendance.learner_id)
        .join(Event, Event.id == Attendance.event_id)
        .where(
            Attendance.mark.in_((AttendanceMark.PRESENT, AttendanceMark.LATE)),
            Event.status != EventStatus.CANCELLED,
            Event.starts_at >= begin,
            Event.starts_at < finish,
        )
        .group_by(Learner.locality_id)
    ):
        if locality_id is not None:
            row(locality_id).learners_attended, row(locality_id).attendances = learners, attendances
    for locality_id, placements in db.session.execute(
        select(Learner.locality_id, func.count())
        .select_from(Placement)
        .join(Learner, Learner.id == Placement.learner_id)
        .where(Placement.state == PlacementState.APPROVED, Placement.decided_at >= begin, Placement.decided_at < finish)
        .group_by(Learner.locality_id)
    ):
        if locality_id is not None:
            row(locality_id).placements = placements
    return result
