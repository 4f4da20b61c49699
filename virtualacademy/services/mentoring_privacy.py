"""Mentoring records in subject-access exports and erasure (see docs/data-protection.md)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from virtualacademy.extensions import db
from virtualacademy.models import AgreedAction, CheckIn, MentorAssignment, OtherAdult
from virtualacademy.services import data_protection
from virtualacademy.services.data_protection import Section, Subject, record

STAFF = "academy staff"


def _learner_ids(subject: Subject) -> list[int]:
    return [learner.id for learner in subject.learners]


def export(subject: Subject) -> list[dict[str, Any]]:
    ids = _learner_ids(subject)
    rows: list[dict[str, Any]] = []
    for a in db.session.scalars(select(MentorAssignment).where(MentorAssignment.learner_id.in_(ids))):
        rows.append(
            {"record": "mentor assignment", **record(a, exclude={"mentor_id", "assigned_by_id"}), "mentor": STAFF}
        )
    for c in db.session.scalars(select(CheckIn).where(CheckIn.learner_id.in_(ids)).order_by(CheckIn.occurred_at)):
        rows.append({"record": "check-in", **record(c, exclude={"mentor_id"}), "recorded_by": STAFF})
    for action in db.session.scalars(select(AgreedAction).where(AgreedAction.learner_id.in_(ids))):
        rows.append({"record": "agreed action", **record(action, exclude={"closed_by_id"})})
    for adult in db.session.scalars(select(OtherAdult).where(OtherAdult.learner_id.in_(ids))):
        rows.append({"record": "other adult", **record(adult)})
    return rows


def erase(subject: Subject) -> int:
    """Free text goes; dates, scores and counts stay (they identify nobody and feed the reports)."""
    ids = _learner_ids(subject)
    changed = 0
    for c in db.session.scalars(select(CheckIn).where(CheckIn.learner_id.in_(ids), CheckIn.notes.is_not(None))):
        c.notes = None
        changed += 1
    for action in db.session.scalars(select(AgreedAction).where(AgreedAction.learner_id.in_(ids))):
        if action.text != "Erased":
            action.text = "Erased"
            changed += 1
    for adult in db.session.scalars(select(OtherAdult).where(OtherAdult.learner_id.in_(ids))):
        if adult.name != "Erased" or adult.organisation:
            adult.name, adult.organisation = "Erased", None
            changed += 1
    for a in db.session.scalars(
        select(MentorAssignment).where(
            MentorAssignment.learner_id.in_(ids), MentorAssignment.handover_note.is_not(None)
        )
    ):
        a.handover_note = None
        changed += 1
    return changed


data_protection.register(Section("mentoring", "Mentoring and contact", export, erase))
