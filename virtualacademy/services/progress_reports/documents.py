"""The progress report as a PDF (WeasyPrint, through ``virtualacademy.pdf``)."""

from __future__ import annotations

import re
from datetime import date

from flask import current_app

from virtualacademy import pdf
from virtualacademy.models import Learner
from virtualacademy.services import learning_log
from virtualacademy.services.learning_log.attendance import Term
from virtualacademy.services.progress_reports.gather import ReportData, gather


def render_data(data: ReportData) -> bytes:
    return pdf.render_pdf(
        "pdf/progress_report.html",
        report=data,
        academy_name=current_app.config["ACADEMY_NAME"],
        hours=learning_log.hours,
    )


def render(learner: Learner, term: Term, today: date | None = None) -> bytes:
    """``learner``'s report for ``term`` as a PDF (marked as a draft until the term's reports are published)."""
    return render_data(gather(learner, term, today))


def filename(learner: Learner, term: Term) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "-", learner.legal_name).strip("-") or f"learner-{learner.id}"
    return f"Progress-report-{name}-{term.key}.pdf"
