"""Funding years, census runs, central and locality money, year-end and the academy overview."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from virtualacademy import clock, money
from virtualacademy.blueprints.forms_common import show_domain_error
from virtualacademy.blueprints.funding import bp
from virtualacademy.blueprints.funding.charts import overview_charts
from virtualacademy.blueprints.funding.years_forms import (
    CensusDateForm,
    ConfirmCensusDateForm,
    ConfirmForm,
    EditYearForm,
    MoveForm,
    ReverseForm,
    YearForm,
)
from virtualacademy.errors import DomainError, ValidationError
from virtualacademy.extensions import db
from virtualacademy.inputs import int_arg, text_arg
from virtualacademy.models import FundingYear, Role, Transfer, TransferKind
from virtualacademy.models.funding import SPENDING_CATEGORY_LABELS
from virtualacademy.paging import PER_PAGE, ListPage, keyset_paginate
from virtualacademy.policies import get_or_404, requires_roles
from virtualacademy.policies.relations import overseen_localities, oversees_every_locality
from virtualacademy.services import funding, spending
from virtualacademy.unit_of_work import unit_of_work


@bp.route("/")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def index():
    return render_template(
        "funding/index.html",
        years=funding.years(),
        is_admin=current_user.has_role(Role.ADMIN),
        every_locality=oversees_every_locality(current_user),
        recorded=funding.recorded_censuses,
        waiting=spending.waiting_for(current_user),
    )


# --- funding years --------------------------------------------------------------------------------------


@bp.route("/years/new", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def new_year():
    form = YearForm()
    if request.method == "GET":
        form.start_year.data = str(funding.suggested_start_year())
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            year = funding.create_year(current_user, int(form.start_year.data), form.settings())
        if work.ok:
            flash(f"Funding year {year.label} set up.", "success")
            return redirect(url_for("funding.year", year_id=year.id))
    return render_template("funding/year_form.html", form=form, year=None)


@bp.route("/years/<int:year_id>")
@requires_roles(Role.ADMIN)
def year(year_id: int):
    year = get_or_404(FundingYear, year_id, "manage")
    today = clock.today()
    return render_template(
        "funding/year.html",
        year=year,
        recorded=funding.recorded_censuses(year),
        labels=funding.CENSUS_LABELS,
        policies=funding.YEAR_END_POLICY_LABELS,
        percent=funding.percent,
        due={census.key: funding.census_due(census.on_date, today) for census in year.census_dates},
    )


@bp.route("/years/<int:year_id>/edit", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def edit_year(year_id: int):
    year = get_or_404(FundingYear, year_id, "manage")
    if year.closed_at is not None:
        flash(f"{year.label} is closed: its settings can no longer change.", "error")
        return redirect(url_for("funding.year", year_id=year.id))
    form = EditYearForm()
    if request.method == "GET":
        form.fill(year)
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            funding.update_year(current_user, year, form.settings())
        if work.ok:
            flash("Changes saved.", "success")
            return redirect(url_for("funding.year", year_id=year.id))
    return render_template(
        "funding/year_form.html", form=form, year=year, rates_fixed=bool(funding.recorded_censuses(year))
    )


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError("That is not a date") from None


def _census_or_404(year: FundingYear, key: str):
    census = funding.census_of(year, key)
    if census is None:
        abort(404)
    return census


@bp.route("/years/<int:year_id>/census/<key>/date", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def edit_census_date(year_id: int, key: str):
    year = get_or_404(FundingYear, year_id, "manage")
    census = _census_or_404(year, key)
    if census.recorded_at is not None or year.closed_at is not None:
        flash(f"The {key} census date can no longer change: it has been recorded or the year is closed.", "error")
        return redirect(url_for("funding.year", year_id=year.id))
    label = funding.CENSUS_LABELS[key]
    if "confirm" in request.form:
        # The second step: move the day that was checked and shown.
        confirm = ConfirmCensusDateForm()
        if not confirm.validate_on_submit():
            abort(400)
        with unit_of_work(message="{message}. The census date was not changed.") as work:
            funding.set_census_date(current_user, census, _iso_date(confirm.on_date.data))
        if not work.ok:
            return redirect(url_for("funding.edit_census_date", year_id=year.id, key=key))
        flash(f"The {key} census date is now {census.on_date.strftime('%-d %B %Y')}.", "success")
        return redirect(url_for("funding.year", year_id=year.id))
    form = CensusDateForm()
    if request.method == "GET":
        form.on_date.data = census.on_date
    if form.validate_on_submit():
        try:
            change = funding.preview_census_date(census, form.on_date.data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            # Nothing changes yet: the admin sees what the census would record and confirms separately.
            return render_template(
                "funding/census_date_check.html",
                form=ConfirmCensusDateForm(formdata=None, data={"on_date": change.after.isoformat()}),
                year=year,
                census=census,
                change=change,
                label=label,
            )
    return render_template("funding/census_date.html", form=form, year=year, census=census, label=label)


# --- census runs ----------------------------------------------------------------------------------------


@bp.route("/years/<int:year_id>/census/<key>", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def census(year_id: int, key: str):
    """The preview of a census run (every posting), then a confirmation that posts exactly that."""
    year = get_or_404(FundingYear, year_id, "manage")
    census = _census_or_404(year, key)
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work(message="{message}. Nothing was posted.") as work:
            result = funding.record_census(current_user, census, expected_digest=form.digest.data or "")
        if work.ok:
            flash(f"{result.message}.", "info" if result.already_recorded else "success")
            return redirect(url_for("funding.census", year_id=year.id, key=key))
    plan = funding.plan_census(census)
    form.digest.data = plan.digest
    page = request.args.get("page", 1, type=int)
    return render_template(
        "funding/census.html",
        year=year,
        census=census,
        label=funding.CENSUS_LABELS[key],
        plan=plan,
        form=form,
        # A page of the transfers at a time: at national size a census posts over 100,000.
        postings=ListPage(plan.postings, page),
        transfers=db.paginate(funding.census_transfers_query(census), page=page, per_page=PER_PAGE, error_out=False)
        if plan.recorded
        else None,
        recorded_by=funding.recorded_by(census),
        percent=funding.percent,
    )


# --- year-end -------------------------------------------------------------------------------------------


@bp.route("/years/<int:year_id>/year-end", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def year_end(year_id: int):
    year = get_or_404(FundingYear, year_id, "manage")
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work(message="{message}. Nothing was moved.") as work:
            result = funding.close_year(current_user, year, expected_digest=form.digest.data or "")
        if work.ok:
            flash(f"{result.message}.", "info" if result.already_closed else "success")
            return redirect(url_for("funding.year", year_id=year.id))
    plan = funding.plan_year_end(year)
    form.digest.data = plan.digest
    return render_template(
        "funding/year_end.html", year=year, plan=plan, form=form, policies=funding.YEAR_END_POLICY_LABELS
    )


# --- the overview -----------------------------------------------------------------------------------------


@bp.route("/years/<int:year_id>/overview")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def overview(year_id: int):
    year = db.get_or_404(FundingYear, year_id)
    data = funding.overview(year, overseen_localities(current_user))
    return render_template(
        "funding/overview.html",
        year=year,
        data=data,
        charts=overview_charts(data),
        years=funding.years(),
        labels=funding.CENSUS_LABELS,
        category_labels=SPENDING_CATEGORY_LABELS,
    )


# --- moving money -------------------------------------------------------------------------------------------


@bp.route("/move", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def move():
    form = MoveForm()
    accounts = [
        SelectChoice(key, f"{name} ({money.pounds(funding.balance_of(key))})")
        for key, name in funding.movable_accounts()
    ]
    form.from_account.choices = [SelectChoice("", "Choose an account"), *accounts]
    form.to_account.choices = [SelectChoice("", "Choose an account"), *accounts]
    years = funding.open_years()
    form.year.choices = [SelectChoice("", "Choose a year")] + [SelectChoice(str(y.id), y.label) for y in years]
    if request.method == "GET":
        form.token.data = funding.new_token()
        current = funding.year_covering(clock.today())
        if current not in years:
            current = years[0] if len(years) == 1 else None
        if current is not None:
            form.year.data = str(current.id)
    if years and form.validate_on_submit():
        with unit_of_work(form) as work:
            result = funding.move_money(
                current_user,
                form.from_account.data,
                form.to_account.data,
                form.amount.pence,
                form.reason.data,
                form.token.data,
                db.session.get(FundingYear, int(form.year.data)),
            )
        if work.ok:
            transfer = result.transfer
            if result.already:
                flash("This form had already been sent: the money was moved once, by the transfer below.", "info")
            else:
                flash(
                    f"{money.pounds(transfer.amount_pence)} moved from {transfer.from_account.name} "
                    f"to {transfer.to_account.name}.",
                    "success",
                )
            return redirect(url_for("funding.transfer", transfer_id=transfer.id))
        form.token.data = funding.new_token()
    return render_template("funding/move.html", form=form, years=years)


# --- the journal and reversals ---------------------------------------------------------------------------------


@bp.route("/transfers")
@requires_roles(Role.ADMIN)
def transfers():
    year_id = int_arg("year")
    year = db.session.get(FundingYear, year_id) if year_id else None
    kind = request.args.get("kind")
    kind = TransferKind(kind) if kind in {k.value for k in TransferKind} else None
    account = funding.account_by_key(text_arg("account"))
    page = keyset_paginate(
        funding.transfers_query(year, kind), funding.TRANSFER_ORDER, per_page=50, parts=funding.account_sides(account)
    )
    return render_template(
        "funding/transfers.html",
        page=page,
        years=funding.years(),
        year=year,
        kind=kind,
        kinds=list(TransferKind),
        account=account,
    )


def _transfer_page(transfer: Transfer, form: ReverseForm, status: int = 200):
    return (
        render_template(
            "funding/transfer.html",
            transfer=transfer,
            form=form,
            reverses=db.session.get(Transfer, transfer.reverses_id) if transfer.reverses_id else None,
            reversal=funding.reversal_of(transfer),
            year=db.session.get(FundingYear, transfer.year_id) if transfer.year_id else None,
            not_reversible=funding.why_not_reversible(transfer),
        ),
        status,
    )


@bp.route("/transfers/<int:transfer_id>")
@requires_roles(Role.ADMIN)
def transfer(transfer_id: int):
    return _transfer_page(get_or_404(Transfer, transfer_id, "manage"), ReverseForm())


@bp.route("/transfers/<int:transfer_id>/reverse", methods=["POST"])
@requires_roles(Role.ADMIN)
def reverse_transfer(transfer_id: int):
    transfer = get_or_404(Transfer, transfer_id, "manage")
    form = ReverseForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            reversal = funding.reverse_transfer(current_user, transfer, form.reason.data)
        if work.ok:
            flash(f"Transfer {transfer.id} reversed by transfer {reversal.id}.", "success")
            return redirect(url_for("funding.transfer", transfer_id=reversal.id))
    return _transfer_page(transfer, form)
