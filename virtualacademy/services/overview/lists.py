"""The learners behind an overview figure: the learner list narrowed by the same conditions the figure counted,
so that every number on the overview links to the learners it counts (within what the viewer may see).

:class:`LearnerFilter` is read from a page's query (``?locality=3&send=ehcp``) and turned into conditions on a
select of learners; anything that is not a known value is ignored, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import Select, select

from virtualacademy.inputs import to_int
from virtualacademy.models import Enrolment, Learner, LearningPlan, MentorAssignment
from virtualacademy.models.families import EHE_REASON_LABELS, SEND_STATUS_LABELS, EheReason, SendStatus
from virtualacademy.services.localities import on_roll_filter
from virtualacademy.services.mentoring.variation import current_mentor_join, without_contact_filter
from virtualacademy.services.mentoring.variation import overdue_filter as contact_overdue_filter
from virtualacademy.services.overview.attendance import without_learning_filter
from virtualacademy.services.overview.cohort import secondary_born_by
from virtualacademy.services.overview.reviews import overdue_filter

PHASE_LABELS = {"primary": "primary age (under 11)", "secondary": "secondary age (11 and over)"}


def _choice(value: str | None, allowed) -> str | None:
    return value if value in allowed else None


@dataclass(frozen=True)
class LearnerFilter:
    locality: int | None = None
    on_roll: str | None = None
    reason: str | None = None
    send: str | None = None
    fsm: str | None = None
    phase: str | None = None
    without_learning: str | None = None
    review_overdue: str | None = None
    contact_overdue: str | None = None
    without_contact: str | None = None

    @classmethod
    def from_args(cls, args) -> LearnerFilter:
        return cls(
            locality=to_int(args.get("locality")),
            on_roll=_choice(args.get("on_roll"), {"yes"}),
            reason=_choice(args.get("reason"), {r.value for r in EheReason}),
            send=_choice(args.get("send"), {s.value for s in SendStatus}),
            fsm=_choice(args.get("fsm"), {"yes"}),
            phase=_choice(args.get("phase"), PHASE_LABELS),
            without_learning=_choice(args.get("without_learning"), {"yes"}),
            review_overdue=_choice(args.get("review_overdue"), {"yes"}),
            contact_overdue=_choice(args.get("contact_overdue"), {"yes"}),
            without_contact=_choice(args.get("without_contact"), {"yes"}),
        )

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def args(self) -> dict[str, str | int]:
        """The filter as query arguments (for links and for the next page)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def describe(self, locality_name: str | None = None) -> str:
        """The filter in words: "on roll in North, with an EHCP, eligible for free school meals"."""
        parts = ["on roll today"]
        if self.locality is not None:
            parts.append(f"in {locality_name or 'the chosen locality'}")
        if self.reason:
            parts.append(f"whose reason is “{EHE_REASON_LABELS[EheReason(self.reason)]}”")
        if self.send:
            parts.append(f"with SEND status “{SEND_STATUS_LABELS[SendStatus(self.send)]}”")
        if self.fsm:
            parts.append("eligible for free school meals")
        if self.phase:
            parts.append(f"of {PHASE_LABELS[self.phase]}")
        if self.without_learning:
            parts.append("with no learning logged for 14 days")
        if self.review_overdue:
            parts.append("whose plan review is overdue")
        if self.contact_overdue:
            parts.append("with a mentor, whose check-in is overdue")
        if self.without_contact:
            parts.append("without contact for more than 14 days")
        return ", ".join(parts)

    def apply(self, stmt: Select, today: date) -> Select:
        """``stmt`` (a select of learners) narrowed to those this filter counts, on roll ``today``."""
        if not self.active:
            return stmt
        conditions = [on_roll_filter(today)]
        if self.locality is not None:
            conditions.append(Enrolment.locality_id == self.locality)
        if self.without_learning:
            conditions.append(without_learning_filter(today))
        on_roll = select(Enrolment.learner_id).join(Learner, Learner.id == Enrolment.learner_id).where(*conditions)
        stmt = stmt.where(Learner.id.in_(on_roll))
        if self.reason:
            stmt = stmt.where(Learner.reason == EheReason(self.reason))
        if self.send:
            stmt = stmt.where(Learner.send_status == SendStatus(self.send))
        if self.fsm:
            stmt = stmt.where(Learner.fsm_eligible.is_(True))
        if self.review_overdue:
            stmt = stmt.where(Learner.id.in_(select(LearningPlan.learner_id).where(overdue_filter(today))))
        if self.contact_overdue:
            mentored = select(MentorAssignment.learner_id).where(MentorAssignment.ends_on.is_(None))
            stmt = stmt.where(Learner.id.in_(mentored), contact_overdue_filter(today))
        if self.without_contact:
            silent = (
                select(Learner.id)
                .outerjoin(MentorAssignment, current_mentor_join())
                .where(without_contact_filter(today))
                .correlate(None)  # its own learners, not the outer list's
            )
            stmt = stmt.where(Learner.id.in_(silent))
        if self.phase:
            born_by = secondary_born_by(today)
            stmt = stmt.where(
                Learner.date_of_birth <= born_by if self.phase == "secondary" else Learner.date_of_birth > born_by
            )
        return stmt
