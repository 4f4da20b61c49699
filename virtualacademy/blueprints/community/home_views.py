"""The community hub, the coordinator's locality page (their home for the community), the community report (page
and CSV) and the coordinator's dashboard panel. Read-only pages: each asks the policy, calls the services in
``services/community/home.py`` and ``reports.py``, and gives the template what it shows."""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template, request
from flask_login import current_user, login_required

from virtualacademy import clock, csv_export, dashboards, navigation
from virtualacademy.blueprints.community import bp
from virtualacademy.blueprints.community.home_forms import ReportPeriodForm
from virtualacademy.blueprints.community.report_charts import charts_for, shown_lines
from virtualacademy.errors import DomainError
from virtualacademy.inputs import int_arg, page_arg, paginate, text_arg
from virtualacademy.models import Locality, Role
from virtualacademy.paging import ListPage
from virtualacademy.policies import get_or_404, requires_roles
from virtualacademy.policies.relations import overseen_localities
from virtualacademy.services.community import home, reports
from virtualacademy.services.learning_log import term_of

COORDINATORS_AND_ADMINS = (Role.COORDINATOR, Role.ADMIN)
#: Localities on a page of the admin's list, and rows on a page of the report.
PER_PAGE = 25

navigation.register(
    navigation.NavItem(
        "Community",
        "community.index",
        roles=(Role.GUARDIAN, Role.LEARNER, Role.MENTOR, Role.COORDINATOR, Role.ADMIN),
        order=54,
        # every community page but the messages, which have their own entry
        sections=(r"/community/(?!conversations|learners/\d+/conversations|attachments)",),
    )
)


def _coordinator_panel(user) -> dict:
    return {"counts": home.coordinator_counts(user)}


dashboards.register(
    dashboards.Panel(
        Role.COORDINATOR,
        "Your locality's community",
        "dashboard/community_coordinator.html",
        _coordinator_panel,
        order=35,
    )
)


@bp.route("/")
@login_required
def index():
    """The community hub: a coordinator's localities, an admin's search of every locality, and for everyone what
    the community offers."""
    coordinating = home.coordinated_localities(current_user) if current_user.has_role(Role.COORDINATOR) else []
    search = (text_arg("q") or "").strip()[:100]
    found = paginate(home.locality_search(search), per_page=PER_PAGE) if current_user.has_role(Role.ADMIN) else None
    return render_template("community/index.html", coordinating=coordinating, found=found, search=search)


@bp.route("/localities/<int:locality>")
@requires_roles(*COORDINATORS_AND_ADMINS)
def locality_home(locality: int):
    place = get_or_404(Locality, locality, "community_manage")
    return render_template("community/home/locality.html", home=home.locality_home(current_user, place))


def _default_period(today: date) -> tuple[date, date]:
    """This term so far; in a term's first four weeks, the last three months instead."""
    start = term_of(today).start
    if (today - start).days < 28:
        start = today - timedelta(days=91)
    return start, today


def _report(form: ReportPeriodForm):
    """The period asked for (or the default), the one locality asked for (404 if out of reach), and the report;
    ``None`` for the report when the dates are wrong (the form says why)."""
    chosen = int_arg("locality")
    place = get_or_404(Locality, chosen, "community_report") if chosen is not None else None
    start, end = _default_period(clock.today())
    if request.args and form.validate():
        start = form.start.data or start
        end = form.end.data or end
    found = None
    if not form.errors:
        try:
            ids = [place.id] if place is not None else overseen_localities(current_user)
            found = reports.community_report(start, end, ids)
        except DomainError as error:
            form.end.errors = [*form.end.errors, error.message]
    return place, found


def _report_page(form: ReportPeriodForm, place: Locality | None, found, status: int = 200):
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    lines = ListPage(found.lines, page_arg(), PER_PAGE) if found else None
    shown = shown_lines(found, lines) if found else []
    return render_template(
        "community/reports/index.html",
        form=form,
        report=found,
        lines=lines,
        shown=shown,
        charts=charts_for(shown) if found else {},
        place=place,
        page_args=args,
        choices=home.report_localities(current_user),
    ), status


@bp.route("/reports", endpoint="reports")
@requires_roles(*COORDINATORS_AND_ADMINS)
def report_page():
    """Events held, places, bookings, attendance, reach and cost per locality for a period: a chart and a table."""
    form = ReportPeriodForm(request.args)
    place, found = _report(form)
    return _report_page(form, place, found)


@bp.route("/reports.csv", endpoint="reports_csv")
@requires_roles(*COORDINATORS_AND_ADMINS)
def report_csv():
    """The same rows as the page, as a spreadsheet; dates that cannot be read give the page with its messages."""
    form = ReportPeriodForm(request.args)
    place, found = _report(form)
    if found is None:
        return _report_page(form, place, found, 400)
    name = f"community-report-{found.start.isoformat()}-to-{found.end.isoformat()}.csv"
    download = csv_export.response(reports.csv_rows(found), name)
    # A row per locality (a few hundred at most): written out whole here, so no stream is left holding this
    # request's context when a client reads only the headers.
    download.make_sequence()
    return download
