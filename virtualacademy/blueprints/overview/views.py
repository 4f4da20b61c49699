"""The overview page and its tables as CSV."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from virtualacademy import clock, csv_export
from virtualacademy.blueprints.overview import bp
from virtualacademy.blueprints.overview.charts import charts_for
from virtualacademy.blueprints.overview.forms import PeriodForm
from virtualacademy.errors import DomainError
from virtualacademy.inputs import to_int
from virtualacademy.models import Role
from virtualacademy.policies import requires_roles
from virtualacademy.policies.relations import overseen_localities
from virtualacademy.services.learning_log.attendance import Term, term_from_key, term_of
from virtualacademy.services.overview import contact, tables
from virtualacademy.services.overview.common import Period
from virtualacademy.services.overview.page import overview

#: How many terms back the term list offers.
TERMS_OFFERED = 6


def _terms(today) -> list[Term]:
    terms = [term_of(today)]
    while len(terms) < TERMS_OFFERED:
        terms.append(terms[-1].previous)
    return terms


def _period(form: PeriodForm) -> tuple[Period | None, str | None]:
    """The period asked for (dates win over a term; the current term to date by default), or an error."""
    today = clock.today()
    terms = _terms(today)
    form.term.choices = [(t.key, t.name) for t in terms]
    if request.args and not form.validate():
        return None, None
    try:
        if form.start.data or form.end.data:
            return Period(form.start.data or form.end.data, form.end.data or today), None
        term = term_from_key(form.term.data) or terms[0]
        return Period(term.start, min(term.end, today) if term.start <= today else term.end), None
    except DomainError as error:
        (form.end if error.field == "end" else form.start).errors = [error.message]
        return None, error.message


@bp.route("/")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def index():
    form = PeriodForm(request.args)
    period, _ = _period(form)
    page = overview(overseen_localities(current_user), period, clock.today()) if period else None
    return render_template("overview/index.html", form=form, page=page, charts=charts_for(page) if page else {})


@bp.route("/mentors")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def mentors():
    form = PeriodForm(request.args)
    period, _ = _period(form)
    found = None
    if period is not None:
        found = contact.mentor_page(
            period, clock.today(), overseen_localities(current_user), to_int(request.args.get("page")) or 1
        )
    return render_template("overview/mentors.html", form=form, period=period, mentors=found)


@bp.route("/mentors.csv")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def mentors_csv():
    form = PeriodForm(request.args)
    period, _ = _period(form)
    if period is None:
        period = Period(term_of(clock.today()).start, clock.today())
    rows = tables.mentors(contact.every_mentor(period, clock.today(), overseen_localities(current_user)))
    return csv_export.response(rows, f"overview-mentors-{period.start.isoformat()}-{period.end.isoformat()}.csv")


@bp.route("/<any(comparison, roll, cohort, contact, wellbeing, attendance, reviews, exams, money):table>.csv")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def table_csv(table: str):
    form = PeriodForm(request.args)
    period, _ = _period(form)
    if period is None:
        period = Period(term_of(clock.today()).start, clock.today())
    page = overview(overseen_localities(current_user), period, clock.today())
    rows = getattr(tables, table)(page)
    return csv_export.response(rows, f"overview-{table}-{period.start.isoformat()}-{period.end.isoformat()}.csv")
