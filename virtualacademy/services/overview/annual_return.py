"""The yearly return to the local authority: for an academic year (1 September to 31 August), the learners on roll
at its start and end, joiners and leavers with their reasons, SEND and free-school-meals counts, exam entries and
results, and the funding received and spent, for the academy (an admin) or a coordinator's localities.

Every figure comes from the overview's own sections (``roll``, ``cohort``, ``exams``, ``money``) over the year, so
the return and ``/overview`` agree for the same period; what the sections do not break down (joiners by reason,
exams by qualification and grade) is one more grouped statement each in the section's own module, counting what
the section counts. Money is kept in pence; pages, the PDF and the CSV show pounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from virtualacademy import clock
from virtualacademy.errors import ValidationError
from virtualacademy.inputs import to_int
from virtualacademy.models import Locality
from virtualacademy.models.families import SEND_STATUS_LABELS, SendStatus
from virtualacademy.models.funding import SPENDING_CATEGORY_LABELS, SpendingCategory
from virtualacademy.services.cohort import academic_year_start
from virtualacademy.services.overview.cohort import LocalityCohort, cohort
from virtualacademy.services.overview.common import Period, localities
from virtualacademy.services.overview.exams import LocalityExams, QualificationCount, by_qualification, exams
from virtualacademy.services.overview.money import LocalityMoney, money
from virtualacademy.services.overview.roll import joiner_reasons, roll

#: The earliest academic year a return can be made for (the year it starts).
FIRST_YEAR = 2000


@dataclass(frozen=True)
class AcademicYear:
    """The academic year starting on 1 September of ``start_year``."""

    start_year: int

    @property
    def start(self) -> date:
        return date(self.start_year, 9, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 8, 31)

    @property
    def name(self) -> str:
        return f"{self.start_year} to {self.start_year + 1}"


def current_year(today: date) -> AcademicYear:
    """The academic year ``today`` is in."""
    return AcademicYear(academic_year_start(today).year)


def default_year(today: date) -> AcademicYear:
    """The year a return is made for unless another is chosen: the last complete one."""
    return AcademicYear(current_year(today).start_year - 1)


def years_offered(today: date, count: int = 10) -> list[AcademicYear]:
    """The current year and those before it, newest first."""
    latest = current_year(today).start_year
    return [AcademicYear(y) for y in range(latest, max(FIRST_YEAR, latest - count + 1) - 1, -1)]


def academic_year(value, today: date) -> AcademicYear:
    """The academic year starting in ``value`` (a whole number, or its text), if a return can be made for it: from
    ``FIRST_YEAR`` to the year ``today`` is in. Anything else is a :class:`ValidationError` on ``year``."""
    latest = current_year(today).start_year
    start_year = to_int(value, least=0, most=9999) if value is not None else None
    if start_year is None:
        raise ValidationError("Enter the year the academic year starts, for example 2026", field="year")
    if start_year < FIRST_YEAR:
        raise ValidationError(f"Choose a year from {FIRST_YEAR} onwards", field="year")
    if start_year > latest:
        raise ValidationError(
            f"The {start_year} to {start_year + 1} academic year has not started yet: choose {latest} or earlier",
            field="year",
        )
    return AcademicYear(start_year)


@dataclass(frozen=True)
class Line:
    """One figure of the return: what it measures, its value, and how it reads ("number" or "pounds": pence)."""

    measure: str
    value: int
    format: str = "number"


@dataclass(frozen=True)
class Section:
    name: str
    lines: list[Line]


@dataclass
class AnnualReturn:
    year: AcademicYear
    #: the year, to today if it is not over
    period: Period
    today: date
    #: None: the whole academy (an admin); otherwise the localities the viewer coordinates
    locality_ids: list[int] | None
    shown: list[Locality]
    on_roll_start: int
    on_roll_end: int
    joiners: int
    leavers: int
    joiner_reasons: list[tuple[str, int]]
    leaver_reasons: list[tuple[str, int]]
    #: the learners on roll at the end of the period: SEND status, free school meals, phase
    cohort: LocalityCohort
    exams: LocalityExams
    exam_entries: list[QualificationCount]
    exam_results: list[QualificationCount]
    money: LocalityMoney
    #: the academy's income (admins only)
    income: int | None

    @property
    def is_academy(self) -> bool:
        return self.locality_ids is None

    @property
    def complete(self) -> bool:
        return self.period.end == self.year.end

    def scope(self) -> str:
        if self.is_academy:
            return "The academy"
        return ", ".join(locality.name for locality in self.shown) or "No locality"

    def title(self) -> str:
        return f"Annual return {self.year.name}: {self.scope()}"

    def sections(self) -> list[Section]:
        """The return as sections of figures, in the order the page, the PDF and the CSV give them."""
        end = "at the end of the year" if self.complete else f"on {clock.long_date(self.period.end)}"
        c = self.cohort
        received = [Line("Allocated to budgets", self.money.allocated, "pounds")]
        if self.income is not None:
            received.insert(0, Line("Income received by the academy", self.income, "pounds"))
        return [
            Section(
                "Numbers on roll",
                [
                    Line("On roll at the start of the year", self.on_roll_start),
                    Line("Joined in the year", self.joiners),
                    Line("Left in the year", self.leavers),
                    Line(f"On roll {end}", self.on_roll_end),
                ],
            ),
            Section("Joiners by reason for education other than at school", self._lines(self.joiner_reasons)),
            Section("Leavers by reason for leaving", self._lines(self.leaver_reasons)),
            Section(
                f"Special educational needs (on roll {end})",
                [Line(SEND_STATUS_LABELS[s], c.send[s]) for s in SendStatus],
            ),
            Section(
                f"Free school meals (on roll {end})",
                [
                    Line("Eligible for free school meals", c.fsm_eligible),
                    Line("Primary age: on roll", c.fsm["primary"][1]),
                    Line("Primary age: eligible", c.fsm["primary"][0]),
                    Line("Secondary age: on roll", c.fsm["secondary"][1]),
                    Line("Secondary age: eligible", c.fsm["secondary"][0]),
                ],
            ),
            Section(
                "Exam entries",
                [
                    Line("Entries made", self.exams.entries),
                    Line("Learners entered", self.exams.learners),
                    *(Line(row.qualification, row.count) for row in self.exam_entries),
                ],
            ),
            Section(
                "Exam results",
                [
                    Line("Results recorded", self.exams.results),
                    *(
                        Line(f"{row.qualification}: {f'grade {row.grade}' if row.grade else 'no grade'}", row.count)
                        for row in self.exam_results
                    ),
                ],
            ),
            Section("Funding received", received),
            Section(
                "Funding spent",
                [
                    *(Line(SPENDING_CATEGORY_LABELS[c], self.money.spent[c], "pounds") for c in SpendingCategory),
                    Line("Spent in all", self.money.spent_total, "pounds"),
                ],
            ),
        ]

    @staticmethod
    def _lines(counts: list[tuple[str, int]]) -> list[Line]:
        return [Line(label, n) for label, n in counts]


def annual_return(locality_ids: list[int] | None, year: AcademicYear, today: date) -> AnnualReturn:
    """The return for ``year`` (to ``today`` if it is not over) for the localities ``locality_ids`` (every locality
    when None): the overview's sections over the year, and a few grouped statements more, whatever the size of the
    academy."""
    if year.start > today:
        raise ValidationError(f"The {year.name} academic year has not started yet", field="year")
    period = Period(year.start, min(year.end, today))
    ids = locality_ids
    the_roll = roll(period)
    at_start = cohort(period.start - timedelta(days=1)).total(ids)
    at_end = cohort(period.end).total(ids)
    entries, results = by_qualification(period, ids)
    cash = money(period)
    return AnnualReturn(
        year=year,
        period=period,
        today=today,
        locality_ids=ids,
        shown=localities(ids) if ids is not None else [],
        on_roll_start=at_start.on_roll,
        on_roll_end=the_roll.total(the_roll.on_roll, ids)[-1],
        joiners=sum(the_roll.total(the_roll.joiners, ids)),
        leavers=sum(the_roll.total(the_roll.leavers, ids)),
        joiner_reasons=joiner_reasons(period, ids),
        leaver_reasons=the_roll.reasons_total(ids),
        cohort=at_end,
        exams=exams(period).total(ids),
        exam_entries=entries,
        exam_results=results,
        money=cash.total(ids),
        income=cash.income if ids is None else None,
    )
