"""Who may read, download and comment on a learner's termly progress reports (registered into the policies
package). The rules live in ``services/progress_reports/access.py`` (the services enforce the same ones).

* Reading a learner's reports (``Learner``, ``"progress_reports_view"``): whoever sees the learner (the learner
  ``view`` rule). A report before it is published: only those who write its comment.
* Writing the comment (``Learner``, ``"progress_report_comment"``): the current mentor, or an admin.
"""

from __future__ import annotations

from virtualacademy.models import Learner, User
from virtualacademy.policies import rule
from virtualacademy.services.progress_reports import access


@rule(Learner, "progress_reports_view")
def _view(user: User, learner: Learner) -> bool:
    return access.may_view(user, learner)


@rule(Learner, "progress_report_comment")
def _comment(user: User, learner: Learner) -> bool:
    return access.may_comment(user, learner)
