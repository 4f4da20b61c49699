"""Importing an authority's list of known families (admin): upload a CSV file, read the
check (a dry run that writes nothing), then confirm to import.

Between the two steps the file waits in the instance folder under a random name; the
session holds only that name (never the content), and the file is deleted once imported,
when another is uploaded, or after a day.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from datetime import date
from pathlib import Path

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from wtforms import SubmitField
from wtforms.validators import Optional

from virtualacademy import dashboards
from virtualacademy.blueprints.families import bp
from virtualacademy.blueprints.fields import GovDateField
from virtualacademy.blueprints.forms_common import Form, show_domain_error
from virtualacademy.errors import DomainError
from virtualacademy.models import Role
from virtualacademy.policies import requires_roles
from virtualacademy.services import family_import
from virtualacademy.unit_of_work import unit_of_work

SESSION_KEY = "family_import"
#: An uploaded file not imported within this many seconds is deleted.
KEEP_SECONDS = 24 * 60 * 60
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_MB = family_import.MAX_FILE_BYTES // (1024 * 1024)

dashboards.register(dashboards.Panel(Role.ADMIN, "Known families", "families/import_panel.html", None, order=11))


class ImportUploadForm(Form):
    file = FileField(
        "CSV file",
        widget=GovFileInput(),
        validators=[
            FileRequired("Choose the CSV file to upload"),
            FileAllowed(["csv"], "The file must be a CSV file (its name ends in .csv)"),
            FileSize(family_import.MAX_FILE_BYTES, message=f"The file must be smaller than {_MB} MB"),
        ],
        description=f"Saved from a spreadsheet as \u201cCSV UTF-8 (Comma delimited)\u201d, at most {_MB} MB.",
    )
    start_date = GovDateField(
        "Enrolment start date (optional)",
        validators=[Optional()],
        description="Used for children whose row has no start_date. Leave blank for today. For example, 1 9 2026",
    )
    submit = SubmitField("Check the file", widget=GovSubmitInput())


class ImportConfirmForm(Form):
    submit = SubmitField("Import these families", widget=GovSubmitInput())


# --- the uploaded file, kept between the check and the confirmation ----------------------


def _folder() -> Path:
    return Path(current_app.instance_path) / "family-imports"


def _store(data: bytes) -> str:
    folder = _folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stale = time.time() - KEEP_SECONDS
    for old in folder.glob("*.csv"):
        if old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    fd = os.open(folder / f"{token}.csv", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return token


def _path(token: object) -> Path | None:
    return _folder() / f"{token}.csv" if isinstance(token, str) and _TOKEN.match(token) else None


def _pending() -> tuple[dict, bytes] | None:
    """This admin's uploaded file awaiting confirmation, if it is still there."""
    pending = session.get(SESSION_KEY)
    if not isinstance(pending, dict) or pending.get("user") != current_user.id:
        return None
    path = _path(pending.get("token"))
    if path is None or not path.is_file():
        return None
    return pending, path.read_bytes()


def _discard() -> None:
    pending = session.pop(SESSION_KEY, None)
    path = _path(pending.get("token")) if isinstance(pending, dict) else None
    if path is not None:
        path.unlink(missing_ok=True)


def _start_date(pending: dict) -> date | None:
    return date.fromisoformat(pending["start_date"]) if pending.get("start_date") else None


def _upload_again():
    flash("Upload the file again: the one you checked is no longer here.", "error")
    return redirect(url_for("families.import_families"))


# --- the pages ------------------------------------------------------------------------------


@bp.route("/families/import", methods=["GET", "POST"])
@requires_roles(Role.ADMIN)
def import_families():
    form = ImportUploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            family_import.read(data)  # a wrong encoding or header is shown here, on the form
        except DomainError as error:
            show_domain_error(form, error)
        else:
            _discard()
            session[SESSION_KEY] = {
                "token": _store(data),
                "user": current_user.id,
                "name": (form.file.data.filename or "")[:100],
                "start_date": form.start_date.data.isoformat() if form.start_date.data else None,
            }
            return redirect(url_for("families.import_check"))
    return render_template("families/import_upload.html", form=form, columns=family_import.COLUMNS)


@bp.route("/families/import/check")
@requires_roles(Role.ADMIN)
def import_check():
    found = _pending()
    if found is None:
        return _upload_again()
    pending, data = found
    with unit_of_work() as work:
        plan = family_import.check(data, start_date=_start_date(pending))
        work.discard()  # a check writes nothing; end its read
    return render_template(
        "families/import_check.html",
        report=plan.report,
        file_name=pending.get("name"),
        start_date=_start_date(pending),
        confirm_form=ImportConfirmForm(),
        limit=family_import.REPORT_LIMIT,
    )


@bp.route("/families/import/confirm", methods=["POST"])
@requires_roles(Role.ADMIN)
def import_confirm():
    found = _pending()
    if found is None:
        return _upload_again()
    pending, data = found
    if not ImportConfirmForm().validate_on_submit():
        return redirect(url_for("families.import_check"))
    with unit_of_work() as work:
        report = family_import.import_families(data, current_user, start_date=_start_date(pending))
        if not report.imported:
            work.discard()
    if not work.ok:
        return redirect(url_for("families.import_check"))
    if not report.imported:
        flash("Nothing was imported: the file has problems, listed below.", "error")
        return redirect(url_for("families.import_check"))
    _discard()
    message = f"Imported {report.new_families} famil{'y' if report.new_families == 1 else 'ies'} "
    message += f"and {report.new_children} child{'' if report.new_children == 1 else 'ren'}."
    if report.skipped_families:
        message += f" {report.skipped_families} already imported before were skipped."
    flash(message, "success")
    return redirect(url_for("families.learners"))
