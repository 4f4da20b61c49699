"""Who may see and do what with personal learning plans.

Written in terms of :mod:`virtualacademy.policies.relations`. Who may read a plan is decided here; who may
change it is ``learning_plans.may_edit`` / ``may_review`` / ``sees_staff_notes``, which the service enforces
too.

* ``plan_view`` on a learner (``SEES``): the learner, their guardians, their mentor (and for 30 days after a handover),
  the coordinator of their locality (read-only), admins.
* ``plan_edit``: the learner, their guardians, their current mentor, admins.
* ``plan_review`` (record a review, set the review dates): the current mentor, admins.
* ``plan_staff_notes``: see the staff-only notes: the mentor (as for ``plan_view``) and admins; never the
  family, nor coordinators.
* A goal (``edit``) and a review (``view``) follow the plan they belong to.
"""

from __future__ import annotations

from virtualacademy.models import Goal, Learner, PlanReview, User
from virtualacademy.policies.registry import rule
from virtualacademy.policies.relations import SEES, is_related
from virtualacademy.services import learning_plans


@rule(Learner, "plan_view")
def _view_plan(user: User, learner: Learner) -> bool:
    return is_related(user, learner, SEES)


@rule(Learner, "plan_edit")
def _edit_plan(user: User, learner: Learner) -> bool:
    return learning_plans.may_edit(user, learner)


@rule(Learner, "plan_review")
def _review_plan(user: User, learner: Learner) -> bool:
    return learning_plans.may_review(user, learner)


@rule(Learner, "plan_staff_notes")
def _plan_staff_notes(user: User, learner: Learner) -> bool:
    return learning_plans.sees_staff_notes(user, learner)


@rule(Goal, "edit")
def _edit_goal(user: User, goal: Goal) -> bool:
    return learning_plans.may_edit(user, goal.plan.learner)


@rule(PlanReview, "view")
def _view_review(user: User, review: PlanReview) -> bool:
    return is_related(user, learning_plans.plan_of_review(review).learner, SEES)
