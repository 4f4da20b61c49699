"""The yearly return to the local authority: a page with a choice of academic year, and the same figures as one
CSV file (section, measure, value) and as a PDF."""

from __future__ import annotations

from flask import make_response, render_template, request
from flask_login import current_user

from virtualacademy import clock, csv_export
from virtualacademy.blueprints.overview import bp
from virtualacademy.blueprints.overview.forms import ReturnYearForm
from virtualacademy.errors import DomainError
from virtualacademy.models import Role
from virtualacademy.pdf import render_pdf
from virtualacademy.policies import requires_roles
from virtualacademy.policies.relations import overseen_localities
from virtualacademy.services.overview.annual_return import (
    AnnualReturn,
    academic_year,
    annual_return,
    default_year,
    years_offered,
)


def _return(form: ReturnYearForm) -> AnnualReturn | None:
    """The return for the year asked for (the last complete year by default), or None with the error on the form."""
    today = clock.today()
    form.year.choices = [(str(y.start_year), y.name) for y in years_offered(today)]
    try:
        year = academic_year(form.year.data, today) if form.year.data else default_year(today)
        if year.start_year < years_offered(today)[-1].start_year:  # an earlier year asked for by its address
            form.year.choices.append((str(year.start_year), year.name))
        return annual_return(overseen_localities(current_user), year, today)
    except DomainError as error:
        form.year.errors = [error.message]
        return None


def _page(form: ReturnYearForm, report: AnnualReturn | None):
    if report and not form.year.data:
        form.year.data = str(report.year.start_year)
    return render_template("overview/return.html", form=form, report=report)


@bp.route("/return")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def annual_return_page():
    form = ReturnYearForm(request.args)
    return _page(form, _return(form))


def _filename(report: AnnualReturn, extension: str) -> str:
    return f"annual-return-{report.year.start_year}-{report.year.start_year + 1}.{extension}"


@bp.route("/return.csv")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def annual_return_csv():
    form = ReturnYearForm(request.args)
    report = _return(form)
    if report is None:
        return _page(form, None)
    rows: list[list] = [
        ["section", "measure", "value"],
        ["Return", "Academic year", report.year.name],
        ["Return", "For", report.scope()],
        ["Return", "From", report.period.start],
        ["Return", "To", report.period.end],
    ]
    for section in report.sections():
        for line in section.lines:
            if line.format == "pounds":
                rows.append([section.name, f"{line.measure} (£)", csv_export.pounds(line.value)])
            else:
                rows.append([section.name, line.measure, line.value])
    return csv_export.response(rows, _filename(report, "csv"))


@bp.route("/return.pdf")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def annual_return_pdf():
    form = ReturnYearForm(request.args)
    report = _return(form)
    if report is None:
        return _page(form, None)
    body = render_pdf("pdf/annual_return.html", report=report, generated_at=clock.now())
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(report, "pdf")}"'
    return response
