"""Who may read, download and comment on a learner's progress reports (registered as rules by
``policies/progress_reports.py``).

* Read and download a published report: whoever sees the learner (the learner ``view`` rule: the learner, their
  guardians, their mentor and for 30 days after handing over, their locality's coordinator, admins).
* Write the comment, and see (download) a draft before it is published: the learner's current mentor, or an admin.
"""

from __future__ import annotations

from virtualacademy.models import Learner, ProgressReport, User
from virtualacademy.policies.relations import SEES, Relation, is_related

#: Write the mentor's comment; download a report before it is published.
COMMENTS = Relation.MENTOR | Relation.ADMIN


def may_view(user: User, learner: Learner) -> bool:
    return is_related(user, learner, SEES)


def may_comment(user: User, learner: Learner) -> bool:
    return is_related(user, learner, COMMENTS)


def may_download(user: User, learner: Learner, report: ProgressReport | None) -> bool:
    """A published report: whoever sees the learner; a draft: the mentor or an admin."""
    if report is not None and report.published_at is not None:
        return may_view(user, learner)
    return may_comment(user, learner)
