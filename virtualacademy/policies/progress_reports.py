"""Who may read, download and comment on a learner's termly progress reports (registered into the policies
package). The rules live in ``services/progress_reports/access.py`` (the services enforce the same ones).

* Reading a learner's reports (``Learner``, ``"progress_reports_view"``): whoever sees the learner (the learner
  ``view`` rule). A report before it is published: only those who write its comment.
* Writing the comment (``Learner``, ``"progress_report_comment"``): the current mentor, or an admin.
* A build of a term's reports started from the browser (``ReportRun``, ``"view"``): admins, who start them.
"""

from __future__ import annotations

from virtualacademy.models import Learner, ReportRun, User
from virtualacademy.policies import admin_only, rule
from virtualacademy.services.progress_reports import access


@rule(Learner, "progress_reports_view")
def _view(user: User, learner: Learner) -> bool:
    return access.may_view(user, learner)


@rule(Learner, "progress_report_comment")
def _comment(user: User, learner: Learner) -> bool:
    return access.may_comment(user, learner)


#: A build of a term's report PDFs started from the browser, and its progress: admins only.
admin_only(ReportRun, "view")
