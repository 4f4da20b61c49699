"""Spend requests from learning budgets, locality spending, statements, and the family's and coordinator's views.

Who may see what is in ``virtualacademy/policies/funding.py``; an object out of reach is a 404.
"""

from __future__ import annotations

import contextlib
from datetime import date

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from virtualacademy import clock, csv_export, dashboards, money, uploads
from virtualacademy.blueprints.fields import date_parts
from virtualacademy.blueprints.forms_common import flash_linked
from virtualacademy.blueprints.funding import bp
from virtualacademy.blueprints.funding.charts import locality_spending_chart
from virtualacademy.blueprints.funding.spending_forms import (
    ApproveForm,
    DeclineForm,
    LocalitySpendForm,
    ReverseForm,
    SendForm,
    SpendRequestForm,
    StatementPeriodForm,
)
from virtualacademy.errors import DomainError
from virtualacademy.inputs import page_arg, paginate
from virtualacademy.models import AccountKind, Learner, LedgerAccount, Locality, Role, SpendRequest, SpendStatus
from virtualacademy.models.funding import SPENDING_CATEGORY_LABELS
from virtualacademy.policies import can, get_or_404, requires_roles
from virtualacademy.policies.relations import SEES, Relation, is_related, oversees_every_locality, reaches_everyone
from virtualacademy.services import families, funding, spending
from virtualacademy.unit_of_work import unit_of_work

FAMILY_ROLES = (Role.GUARDIAN, Role.LEARNER)
DECIDER_ROLES = (Role.MENTOR, Role.COORDINATOR, Role.ADMIN)


# --- the family's view ---------------------------------------------------------------------------


@bp.route("/family")
@requires_roles(Role.GUARDIAN)
def family_budgets():
    return render_template(
        "funding/budget_family.html",
        budgets=spending.family_budgets(current_user),
        plan=funding.learning_budget_plan(clock.today()),
        statuses=spending.status_labels(current_user),
    )


@bp.route("/my-budget")
@requires_roles(Role.LEARNER)
def my_budget():
    learner = families.learner_for_user(current_user)
    if learner is None:
        abort(404)
    return redirect(url_for("funding.learner_budget", learner_id=learner.id))


@bp.route("/learners/<int:learner_id>/budget")
@requires_roles(*FAMILY_ROLES, *DECIDER_ROLES)
def learner_budget(learner_id: int):
    learner = get_or_404(Learner, learner_id, "budget")
    budget = spending.budget(learner)
    return render_template(
        "funding/budget_learner.html",
        learner=learner,
        budget=budget,
        own=is_related(current_user, learner, Relation.SELF),
        # the family's page of learning budgets lists a guardian's children
        back_to_family=current_user.has_role(Role.GUARDIAN) and is_related(current_user, learner, Relation.GUARDIAN),
        may_request=can(current_user, "request_spend", learner),
        may_see_statement=budget.account is not None and can(current_user, "statement", budget.account),
        plan=funding.learning_budget_plan(clock.today()),
        statuses=spending.status_labels(current_user),
        categories=SPENDING_CATEGORY_LABELS,
    )


# --- asking to spend ---------------------------------------------------------------------------------


#: The session's note of an invoice held for the "Ask to pay" form (its token and name; never its content).
HELD_KEY = "spend_request_invoice"


@bp.route("/learners/<int:learner_id>/requests/new", methods=["GET", "POST"])
@requires_roles(*FAMILY_ROLES)
def new_spend_request(learner_id: int):
    learner = get_or_404(Learner, learner_id, "request_spend")
    if request.method == "GET":
        _release_held()  # a fresh form starts without a file
    held = _held_for(learner)
    form = SpendRequestForm()
    form.keeps_document = held is not None
    if form.validate_on_submit():
        filename = None
        if form.document_bytes is None and held is not None:
            form.document_bytes, filename = held
        draft = _save_draft(form, learner, filename=filename)
        if draft is not None:
            _release_held()
            return redirect(url_for("funding.check_spend_request", request_id=draft.id))
    elif request.method == "POST" and form.document_bytes is not None:
        # The file passed its checks but another answer did not: keep it, so it need not be chosen again.
        _release_held()
        session[HELD_KEY] = {
            "token": spending.hold_document(form.document_bytes),
            "filename": form.document.data.filename,
            "learner_id": learner.id,
        }
        held = _held_for(learner)
        form.keeps_document = True
    return _request_form(
        form,
        learner,
        url_for("funding.new_spend_request", learner_id=learner.id),
        held_name=held[1] if held else None,
    )


def _held_for(learner: Learner) -> tuple[bytes, str] | None:
    """The invoice held for this learner's form (its bytes and file name), if there is one."""
    note = session.get(HELD_KEY)
    if not note or note.get("learner_id") != learner.id:
        return None
    data = spending.held_document(note.get("token"))
    return (data, note.get("filename") or "invoice") if data is not None else None


def _release_held() -> None:
    note = session.pop(HELD_KEY, None)
    if note:
        spending.release_document(note.get("token"))


def _save_draft(
    form: SpendRequestForm, learner: Learner, draft: SpendRequest | None = None, filename: str | None = None
) -> SpendRequest | None:
    """Keep the answers as a draft (committed), or put the problem on the form and return None."""
    upload = form.document.data
    with unit_of_work(form) as work:
        draft = spending.save_draft(
            current_user,
            learner,
            what_for=form.what_for.data,
            category=form.category.data,
            amount_pence=form.amount.data,
            supplier=form.supplier.data,
            document=form.document_bytes,
            filename=filename or getattr(upload, "filename", None),
            draft=draft,
        )
    return draft if work.ok else None


def _request_form(
    form: SpendRequestForm,
    learner: Learner,
    action: str,
    draft: SpendRequest | None = None,
    held_name: str | None = None,
):
    return render_template(
        "funding/spend_request_new.html",
        form=form,
        learner=learner,
        draft=draft,
        held_name=held_name,
        action=action,
        budget=spending.budget(learner, with_requests=False),
        max_mb=spending.max_document_bytes() // (1024 * 1024),
    )


def _draft_or_404(request_id: int) -> SpendRequest:
    """A draft the signed-in family may send; anyone else gets a 404, like any request out of reach."""
    spend = get_or_404(SpendRequest, request_id, "view")
    if not can(current_user, "request_spend", spend.learner):
        abort(404)
    return spend


@bp.route("/requests/<int:request_id>/check")
@requires_roles(*FAMILY_ROLES)
def check_spend_request(request_id: int):
    spend = _draft_or_404(request_id)
    if spend.status is not SpendStatus.DRAFT:
        return redirect(url_for("funding.spend_request", request_id=spend.id))
    return _check_page(spend, SendForm(formdata=None))


def _check_page(spend: SpendRequest, form: SendForm, problem: DomainError | None = None):
    return render_template(
        "funding/spend_request_check.html",
        spend=spend,
        learner=spend.learner,
        send_form=form,
        problem=problem,
        has_document=spending.document_file(spend) is not None,
        categories=SPENDING_CATEGORY_LABELS,
    )


@bp.route("/requests/<int:request_id>/send", methods=["POST"])
@requires_roles(*FAMILY_ROLES)
def send_spend_request(request_id: int):
    spend = _draft_or_404(request_id)
    form = SendForm()
    if not form.validate_on_submit():
        return redirect(url_for("funding.check_spend_request", request_id=spend.id))
    with unit_of_work(quiet=True) as work:  # the check page shows the problem
        sent = spending.send_request(current_user, spend)
    if not work.ok:
        return _check_page(spend, form, problem=work.error)
    if sent.new:
        flash_linked(
            "Your request {link} has been sent.",
            url_for("funding.spend_request", request_id=spend.id),
            f"to pay {money.pounds(sent.request.amount_pence)} to {sent.request.supplier}",
        )
    else:
        flash("This request had already been sent.", "success")
    return redirect(url_for("funding.spend_request", request_id=spend.id))


@bp.route("/requests/<int:request_id>/change", methods=["GET", "POST"])
@requires_roles(*FAMILY_ROLES)
def change_spend_request(request_id: int):
    spend = _draft_or_404(request_id)
    if spend.status is not SpendStatus.DRAFT:
        return redirect(url_for("funding.spend_request", request_id=spend.id))
    if request.method == "GET":
        form = SpendRequestForm(
            formdata=None,
            data={
                "what_for": spend.what_for,
                "category": spend.category.value,
                "amount": spend.amount_pence,
                "supplier": spend.supplier,
            },
        )
    else:
        form = SpendRequestForm()
    form.keeps_document = spending.document_file(spend) is not None
    if form.validate_on_submit() and _save_draft(form, spend.learner, spend) is not None:
        return redirect(url_for("funding.check_spend_request", request_id=spend.id))
    action = url_for("funding.change_spend_request", request_id=spend.id)
    return _request_form(form, spend.learner, action, draft=spend)


# --- deciding ------------------------------------------------------------------------------------------


@bp.route("/requests")
@requires_roles(*DECIDER_ROLES)
def spend_requests():
    status = spending.queue_filter(request.args.get("status"))
    page = paginate(spending.decider_queue(current_user, spending.QUEUE_FILTERS[status]), per_page=50)
    return render_template(
        "funding/spend_requests.html",
        page=page,
        # the queue holds the requests of the learners whose budgets the user sees (spending.visible_requests)
        every_learner=reaches_everyone(current_user, SEES),
        status=status,
        statuses=spending.STATUS_LABELS,
        filter_args={"status": status},
    )


def _request_page(spend: SpendRequest, approve_form=None, decline_form=None, reverse_form=None):
    approve_form = approve_form or ApproveForm(formdata=None)
    decline_form = decline_form or DeclineForm(formdata=None)
    reverse_form = reverse_form or ReverseForm(formdata=None)
    shown = next((f for f in (decline_form, reverse_form) if f.errors), None)
    learner = spend.learner
    budget = spending.budget(learner, with_requests=False)
    reversal = spending.reversal_of(spend)
    return render_template(
        "funding/spend_request.html",
        spend=spend,
        learner=learner,
        budget=budget,
        cannot_pay=budget.cannot_pay(spend),
        asked_for_besides=budget.asked_for_besides(spend),
        can_decide=spending.can_decide_now(current_user, spend),
        first_approval_given=spend.status is SpendStatus.AWAITING_SECOND_APPROVAL
        and can(current_user, "approval_stages", spend),
        needs_second=spending.needs_second_approval(spend),
        second_approval_over=spending.second_approval_over(),
        can_reverse=spending.can_reverse_now(current_user, spend, reversal),
        reversal=reversal,
        has_document=spending.document_file(spend) is not None,
        approve_form=approve_form,
        decline_form=decline_form,
        reverse_form=reverse_form,
        form=shown,
        statuses=spending.status_labels(current_user),
        categories=SPENDING_CATEGORY_LABELS,
    )


@bp.route("/requests/<int:request_id>")
@login_required
def spend_request(request_id: int):
    spend = get_or_404(SpendRequest, request_id, "view")
    if spend.status is SpendStatus.DRAFT:  # only its family gets here: the answers wait to be checked and sent
        return redirect(url_for("funding.check_spend_request", request_id=spend.id))
    return _request_page(spend)


@bp.route("/requests/<int:request_id>/approve", methods=["POST"])
@login_required
def approve_spend_request(request_id: int):
    spend = get_or_404(SpendRequest, request_id, "decide")
    form = ApproveForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            spend = spending.approve(current_user, spend)
        if work.ok:
            if spend.status is SpendStatus.APPROVED:
                flash(f"Approved: {money.pounds(spend.amount_pence)} has been paid to {spend.supplier}.", "success")
            else:
                flash("Approved. An admin now needs to give the second approval before it is paid.", "success")
    return redirect(url_for("funding.spend_request", request_id=request_id))


@bp.route("/requests/<int:request_id>/decline", methods=["POST"])
@login_required
def decline_spend_request(request_id: int):
    spend = get_or_404(SpendRequest, request_id, "decide")
    form = DeclineForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            spending.decline(current_user, spend, form.reason.data)
        if work.ok:
            flash("The request has been declined and the family told why.", "success")
        elif work.error.field == "reason":
            return _request_page(spend, decline_form=form)
        return redirect(url_for("funding.spend_request", request_id=request_id))
    return _request_page(spend, decline_form=form)


@bp.route("/requests/<int:request_id>/reverse", methods=["POST"])
@requires_roles(Role.ADMIN)
def reverse_spend_request(request_id: int):
    spend = get_or_404(SpendRequest, request_id, "view")
    form = ReverseForm()
    if form.validate_on_submit():
        with unit_of_work() as work:
            spending.reverse_payment(current_user, spend, form.reverse_reason.data)
        if work.ok:
            flash(f"Reversed: {money.pounds(spend.amount_pence)} is back in the learner's learning budget.", "success")
        return redirect(url_for("funding.spend_request", request_id=request_id))
    return _request_page(spend, reverse_form=form)


@bp.route("/requests/<int:request_id>/document")
@login_required
def spend_document(request_id: int):
    """The invoice or receipt: only for those who may see the request; always a download, never shown inline."""
    spend = get_or_404(SpendRequest, request_id, "view")
    path = spending.document_file(spend)
    if path is None:
        abort(404)
    # read whole (at most SPEND_DOCUMENT_MAX_BYTES): no file left open
    return uploads.file_response(path.read_bytes(), spend.document_type, spend.document_name or path.name)


# --- localities -------------------------------------------------------------------------------------------


@bp.route("/localities")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def locality_budgets():
    localities = spending.managed_localities(current_user)
    if len(localities) == 1 and not oversees_every_locality(current_user):
        return redirect(url_for("funding.locality_budget", locality_id=localities[0].id))
    return render_template(
        "funding/locality_budgets.html",
        summaries=spending.locality_budgets(localities),
    )


@bp.route("/localities/<int:locality_id>")
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def locality_budget(locality_id: int):
    locality = get_or_404(Locality, locality_id, "budget")
    summary = spending.locality_budget(locality)
    waiting = spending.waiting_in_locality(current_user, locality, limit=20)
    return render_template(
        "funding/locality_budget.html",
        locality=locality,
        link_to_every_locality=oversees_every_locality(current_user),
        summary=summary,
        waiting=waiting,
        statuses=spending.STATUS_LABELS,
        chart=locality_spending_chart(summary),
    )


@bp.route("/localities/<int:locality_id>/spend", methods=["GET", "POST"])
@requires_roles(Role.ADMIN, Role.COORDINATOR)
def record_locality_spend(locality_id: int):
    locality = get_or_404(Locality, locality_id, "budget")
    form = LocalitySpendForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            recorded = spending.record_locality_spend(
                current_user,
                locality,
                category=form.category.data,
                amount_pence=form.amount.data,
                what_for=form.what_for.data,
                supplier=form.supplier.data,
                key=form.key.data,
            )
        if work.ok:
            amount = money.pounds(recorded.transfer.amount_pence)
            if recorded.new:
                flash_linked(
                    f"{{link}} has been recorded against the {locality.name} budget.",
                    url_for("funding.transfer", transfer_id=recorded.transfer.id),
                    amount,
                )
            else:
                flash(f"This spending of {amount} was already recorded. Nothing more has been taken.", "success")
            return redirect(url_for("funding.locality_budget", locality_id=locality.id))
    if not form.key.data:
        form.key.data = spending.new_form_key()
    return render_template(
        "funding/locality_spend.html",
        form=form,
        locality=locality,
        summary=spending.locality_budget(locality),
    )


# --- statements ---------------------------------------------------------------------------------------------


def _period_query() -> MultiDict:
    """The period in the query: each date as the form's day, month and year boxes send it, or as one ISO date
    (``start=2026-09-01``), which is how the page's own links (CSV, PDF, other pages) carry it."""
    query = MultiDict()
    for key in ("start", "end"):
        values = request.args.getlist(key)
        if len(values) == 1 and values[0].strip():
            with contextlib.suppress(ValueError):  # otherwise left as typed: the form says what is wrong
                values = list(date_parts(date.fromisoformat(values[0].strip())))
        if values:
            query.setlist(key, values)
    return query


def _link_args(start: date | None, end: date | None) -> dict[str, str]:
    """The period for a link, each date once: ``start`` is always there (empty for "from the first transfer",
    which differs from leaving it out: that means this funding year); ``end`` only when it is not today."""
    return {"start": start.isoformat() if start else "", **({"end": end.isoformat()} if end else {})}


def _period():
    """The period asked for, or this funding year so far; returns (form, start, end, query args for links), or
    args None when the period asked for is not valid."""
    if "start" in request.args or "end" in request.args:
        form = StatementPeriodForm(_period_query())
        if form.validate():
            return form, form.start.data, form.end.data, _link_args(form.start.data, form.end.data)
        return form, None, None, None
    start = spending.funding_year_start(clock.today())
    form = StatementPeriodForm(formdata=None, data={"start": start})
    return form, start, None, _link_args(start, None)


def _back(account: LedgerAccount) -> tuple[str, str]:
    if account.kind is AccountKind.PERSONAL and account.learner_id is not None:
        learner = account.learner
        return f"Back to {learner.known_as}'s learning budget", url_for("funding.learner_budget", learner_id=learner.id)
    if account.kind is AccountKind.LOCALITY and account.locality_id is not None:
        return "Back to the locality budget", url_for("funding.locality_budget", locality_id=account.locality_id)
    return "Back to funding", url_for("funding.index")


@bp.route("/accounts/<int:account_id>/statement")
@login_required
def statement(account_id: int):
    account = get_or_404(LedgerAccount, account_id, "statement")
    form, start, end, args = _period()
    page = page_arg()
    result = spending.statement(account, start, end, page) if args is not None else None
    back_text, back_href = _back(account)
    return render_template(
        "funding/statement.html",
        account=account,
        form=form,
        statement=result,
        args=args or {},
        back_text=back_text,
        back_href=back_href,
        max_pdf_lines=spending.MAX_PDF_LINES,
    )


def _filename(account: LedgerAccount, start, end, extension: str) -> str:
    period = f"{start.isoformat() if start else 'start'}-to-{end.isoformat() if end else 'today'}"
    return f"statement-{account.key.replace(':', '-')}-{period}.{extension}"


@bp.route("/accounts/<int:account_id>/statement.csv")
@login_required
def statement_csv(account_id: int):
    account = get_or_404(LedgerAccount, account_id, "statement")
    _form, start, end, args = _period()
    if args is None:
        abort(400)
    rows = spending.statement_csv_rows(account, start, end)
    return csv_export.response(rows, _filename(account, start, end, "csv"))


@bp.route("/accounts/<int:account_id>/statement.pdf")
@login_required
def statement_pdf(account_id: int):
    account = get_or_404(LedgerAccount, account_id, "statement")
    _form, start, end, args = _period()
    if args is None:
        abort(400)
    try:
        document = spending.statement_pdf(account, start, end)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("funding.statement", account_id=account.id, **args))
    response = Response(document, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment", filename=_filename(account, start, end, "pdf"))
    return response


# --- dashboard panels --------------------------------------------------------------------------------------------


def _guardian_panel(user) -> dict:
    return {"budgets": spending.family_budgets(user, with_requests=False)}


def _learner_panel(user) -> dict:
    learner = families.learner_for_user(user)
    return {"budget": spending.budget(learner, with_requests=False) if learner else None}


def _decider_panel(user) -> dict:
    return {"waiting": spending.waiting_for(user)}


def _coordinator_panel(user) -> dict:
    return {
        "waiting": spending.waiting_for(user),
        "summaries": spending.locality_budgets(spending.managed_localities(user)),
    }


dashboards.register(
    dashboards.Panel(Role.GUARDIAN, "Learning budgets", "dashboard/funding_guardian.html", _guardian_panel, order=20)
)
dashboards.register(
    dashboards.Panel(Role.LEARNER, "Your learning budget", "dashboard/funding_learner.html", _learner_panel, order=20)
)
dashboards.register(
    dashboards.Panel(Role.MENTOR, "Spending requests", "dashboard/funding_decider.html", _decider_panel, order=30)
)
dashboards.register(
    dashboards.Panel(
        Role.COORDINATOR, "Locality budget", "dashboard/funding_coordinator.html", _coordinator_panel, order=30
    )
)
dashboards.register(
    dashboards.Panel(Role.ADMIN, "Spending requests", "dashboard/funding_decider.html", _decider_panel, order=30)
)
