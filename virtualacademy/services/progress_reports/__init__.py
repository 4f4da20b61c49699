"""Termly progress reports: for each learner and term (autumn, spring, summer: ``learning_log.Term``), a PDF of
their plan goals and progress, attendance in learning week by week, check-ins held, exhibitions and community
events attended, exam entries and results, and their mentor's narrative comment.

* :mod:`.common` - terms as they appear in addresses, the learners a term's reports are for.
* :mod:`.access` - who may read, download (drafts too) and comment (registered by ``policies/progress_reports``).
* :mod:`.gather` - the report's data for one learner, in a fixed number of queries.
* :mod:`.comments` - the mentor's comment.
* :mod:`.publishing` - publishing a term's reports to families (each family told once).
* :mod:`.lists` - the families' and mentors' lists.
* :mod:`.documents` - the PDF.
* :mod:`.batch` - building a term's PDFs in worker processes (``flask reports build``).
* :mod:`.runs` - such a build started from the browser, carried out by the scheduler, with its progress.
"""

from virtualacademy.services.progress_reports.access import may_comment, may_download, may_view
from virtualacademy.services.progress_reports.comments import COMMENT_MAX, save_comment
from virtualacademy.services.progress_reports.common import report_for, term_or_none, terms_open
from virtualacademy.services.progress_reports.documents import filename, render
from virtualacademy.services.progress_reports.gather import ReportData, gather
from virtualacademy.services.progress_reports.lists import caseload_reports, family_reports, reports_due
from virtualacademy.services.progress_reports.publishing import PublishSummary, publish, publish_summary

__all__ = [
    "COMMENT_MAX",
    "PublishSummary",
    "ReportData",
    "caseload_reports",
    "family_reports",
    "filename",
    "gather",
    "may_comment",
    "may_download",
    "may_view",
    "publish",
    "publish_summary",
    "render",
    "report_for",
    "reports_due",
    "save_comment",
    "term_or_none",
    "terms_open",
]
