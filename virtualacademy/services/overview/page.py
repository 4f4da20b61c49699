"""The overview page's figures for one viewer and period: each section for the localities they oversee, the
academy's total beside them, and each measure's spread across every locality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from virtualacademy.models import Locality
from virtualacademy.models.families import SendStatus
from virtualacademy.services.overview.attendance import Attendance, attendance
from virtualacademy.services.overview.cohort import Cohort, cohort
from virtualacademy.services.overview.common import Period, Spread, localities, share
from virtualacademy.services.overview.community import Community, community
from virtualacademy.services.overview.contact import Contact, contact
from virtualacademy.services.overview.exams import Exams, exams
from virtualacademy.services.overview.money import Money, money
from virtualacademy.services.overview.reviews import Reviews, reviews
from virtualacademy.services.overview.roll import Roll, roll
from virtualacademy.services.overview.wellbeing import Wellbeing, wellbeing


@dataclass(frozen=True)
class Measure:
    """One row of a comparison: the figure for what the viewer oversees, and its spread across localities."""

    name: str
    value: float | int | None
    spread: Spread
    #: How the value reads: "number", "percent" or "rate" (a number with one decimal place).
    format: str = "number"
    #: Query arguments of the learner list behind the figure, if there is one.
    learners: dict | None = None


@dataclass(frozen=True)
class LocalityRow:
    """One locality's figures, for the table that compares the localities the viewer oversees."""

    id: int
    name: str
    on_roll: int
    joiners: int
    leavers: int
    ehcp: int
    fsm: int
    hours_per_week: float | None
    without_learning: int


@dataclass
class Overview:
    """Each section is counted when first read (a CSV of one section counts only that section; the page and the
    comparison read them all), once."""

    period: Period
    today: date
    #: None: the whole academy (an admin); otherwise the localities the viewer coordinates.
    locality_ids: list[int] | None

    @cached_property
    def shown(self) -> list[Locality]:
        return localities(self.locality_ids)

    @cached_property
    def roll(self) -> Roll:
        return roll(self.period)

    @cached_property
    def cohort(self) -> Cohort:
        on = min(self.period.end, self.today)
        # On today, the same pass over the learners on roll counts the attendance section's gaps in learning.
        return cohort(on, with_gaps=on == self.today)

    @cached_property
    def attendance(self) -> Attendance:
        # The roll and the cohort, when already counted, hold each locality's learners on roll at the period's end
        # and those without learning for 14 days today: shared rather than counted again.
        roll, cohort = self.__dict__.get("roll"), self.__dict__.get("cohort")
        on_roll = None if roll is None else {i: months[-1] for i, months in roll.on_roll.items() if months[-1]}
        gaps = None if cohort is None else cohort.without_learning
        return attendance(self.period, self.today, on_roll=on_roll, without_learning=gaps)

    @cached_property
    def wellbeing(self) -> Wellbeing:
        return wellbeing(self.period)

    @cached_property
    def contact(self) -> Contact:
        return contact(self.period, self.today)

    @cached_property
    def exams(self) -> Exams:
        return exams(self.period)

    @cached_property
    def reviews(self) -> Reviews:
        return reviews(self.period, self.today)

    @cached_property
    def money(self) -> Money:
        return money(self.period)

    @cached_property
    def community(self) -> Community:
        return community(self.period)

    @property
    def is_academy(self) -> bool:
        return self.locality_ids is None

    def title(self) -> str:
        if self.is_academy:
            return "Academy overview"
        return "Overview: " + ", ".join(locality.name for locality in self.shown)

    @property
    def _all_ids(self) -> set[int]:
        return set(self.roll.on_roll) | set(self.cohort.by_locality) | set(self.attendance.by_locality)

    def _scope_args(self) -> dict:
        return {"locality": self.locality_ids[0]} if self.locality_ids and len(self.locality_ids) == 1 else {}

    # --- each measure, for some localities (every one when None) ------------------------------------------------

    def _on_roll(self, ids):
        return self.roll.total(self.roll.on_roll, ids)[-1]

    def _joiners(self, ids):
        return sum(self.roll.total(self.roll.joiners, ids))

    def _leavers(self, ids):
        return sum(self.roll.total(self.roll.leavers, ids))

    def _cohort_share(self, part):
        def measure(ids):
            row = self.cohort.total(ids)
            return share(part(row), row.on_roll)

        return measure

    def _per_week(self, index: int):
        def measure(ids):
            return self.attendance.total(ids).per_learner_week(self.period.weeks)[index]

        return measure

    def _without_learning(self, ids):
        row = self.attendance.total(ids)
        return share(row.without_learning, row.on_roll)

    def _low_wellbeing(self, ids):
        row = self.wellbeing.total(ids)
        return share(row.low, row.recorded)

    def _wellbeing_fell(self, ids):
        return self.wellbeing.total(ids).fell

    def _on_time(self, ids):
        return self.contact.total(ids).on_time_percent

    def _contact_overdue(self, ids):
        row = self.contact.total(ids)
        return share(row.overdue, row.mentored)

    def _without_contact(self, ids):
        return self.contact.total(ids).without_contact

    def _exam_entries(self, ids):
        return self.exams.total(ids).entries

    def _exam_results(self, ids):
        return self.exams.total(ids).results

    def _reviews_on_time(self, ids):
        row = self.reviews.total(ids)
        return share(row.on_time, row.with_due_date)

    def _reviews_overdue(self, ids):
        return self.reviews.total(ids).overdue

    def _spent_per_learner(self, ids):
        on_roll = self._on_roll(ids)
        return round(self.money.total(ids).spent_total / on_roll) if on_roll else None

    def _community_reach(self, ids):
        on_roll = self._on_roll(ids)
        return share(self.community.total(ids).learners_attended, on_roll) if on_roll else None

    def _placements(self, ids):
        return self.community.total(ids).placements

    def _measures(self) -> list[tuple[str, object, str, dict | None]]:
        """(name, measure, format, the learner list's filter)."""
        scope = self._scope_args()
        return [
            ("Learners on roll", self._on_roll, "number", {**scope, "on_roll": "yes"}),
            ("Joiners in the period", self._joiners, "number", None),
            ("Leavers in the period", self._leavers, "number", None),
            (
                "With an EHCP (per cent)",
                self._cohort_share(lambda r: r.send[SendStatus.EHCP]),
                "percent",
                {**scope, "send": "ehcp"},
            ),
            (
                "Eligible for free school meals (per cent)",
                self._cohort_share(lambda r: r.fsm_eligible),
                "percent",
                {**scope, "fsm": "yes"},
            ),
            (
                "Secondary age (per cent)",
                self._cohort_share(lambda r: r.secondary),
                "percent",
                {**scope, "phase": "secondary"},
            ),
            ("Check-ins made on time (per cent)", self._on_time, "percent", None),
            (
                "Check-ins overdue today (per cent of learners with a mentor)",
                self._contact_overdue,
                "percent",
                {**scope, "contact_overdue": "yes"},
            ),
            (
                "Without contact for more than 14 days",
                self._without_contact,
                "number",
                {**scope, "without_contact": "yes"},
            ),
            ("Wellbeing scores of 1 or 2 (per cent of scores recorded)", self._low_wellbeing, "percent", None),
            ("Learners whose wellbeing fell", self._wellbeing_fell, "number", None),
            ("Days of learning per learner per week", self._per_week(0), "rate", None),
            ("Hours of learning per learner per week", self._per_week(1), "rate", None),
            (
                "No learning logged for 14 days (per cent)",
                self._without_learning,
                "percent",
                {**scope, "without_learning": "yes"},
            ),
            ("Plan reviews held on time (per cent)", self._reviews_on_time, "percent", None),
            ("Plan reviews overdue today", self._reviews_overdue, "number", {**scope, "review_overdue": "yes"}),
            ("Learners at a community event (per cent of those on roll)", self._community_reach, "percent", None),
            ("Placements with local hosts approved", self._placements, "number", None),
            ("Exam entries made in the period", self._exam_entries, "number", None),
            ("Exam results recorded in the period", self._exam_results, "number", None),
            ("Spent from budgets per learner on roll", self._spent_per_learner, "pounds", None),
        ]

    def locality_rows(self) -> list[LocalityRow]:
        """Each locality shown, by name, with its figures."""
        rows = []
        for locality in self.shown:
            one = {locality.id}
            cohort = self.cohort.total(one)
            attendance = self.attendance.total(one)
            rows.append(
                LocalityRow(
                    locality.id,
                    locality.name,
                    self._on_roll(one),
                    self._joiners(one),
                    self._leavers(one),
                    cohort.send[SendStatus.EHCP],
                    cohort.fsm_eligible,
                    attendance.per_learner_week(self.period.weeks)[1],
                    attendance.without_learning,
                )
            )
        return rows

    def comparisons(self) -> list[Measure]:
        """The viewer's figures beside the academy's and the spread across every locality (worked out once: the
        page's table, its charts and the CSV all read them)."""
        return self._comparisons

    @cached_property
    def _comparisons(self) -> list[Measure]:
        mine = None if self.locality_ids is None else set(self.locality_ids)
        each = [{i} for i in sorted(self._all_ids)]
        return [
            Measure(name, measure(mine), Spread.of([measure(one) for one in each], measure(None)), fmt, learners)
            for name, measure, fmt, learners in self._measures()
        ]


def overview(locality_ids: list[int] | None, period: Period, today: date) -> Overview:
    """The figures for the localities ``locality_ids`` (every locality when None) over ``period``; the spread is
    always across every locality. A handful of grouped statements per section, whatever the size of the academy."""
    return Overview(period, today, locality_ids)
