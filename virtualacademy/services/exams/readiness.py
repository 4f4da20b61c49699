"""Readiness: a mentor judges, on evidence, whether a learner is ready to sit a qualification; the learner and a
guardian confirm they want to sit it. Like a music grade or a driving test, and never by age: nothing here reads
a date of birth."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.errors import DomainError, NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    Guardian,
    Learner,
    MockResult,
    Qualification,
    Readiness,
    ReadinessJudgement,
    Tier,
    User,
)
from virtualacademy.services import audit, notifications
from virtualacademy.services.exams import access
from virtualacademy.services.exams.common import clean_text, long_date, who


@dataclass
class MockInput:
    sat_on: date
    paper: str
    result: str


def current_judgement(learner_id: int, qualification_id: int) -> ReadinessJudgement | None:
    """The latest judgement for a learner and qualification: the one that counts."""
    return db.session.scalar(
        select(ReadinessJudgement)
        .where(ReadinessJudgement.learner_id == learner_id, ReadinessJudgement.qualification_id == qualification_id)
        .order_by(ReadinessJudgement.id.desc())
        .limit(1)
    )


def judgements_of(learner: Learner) -> list[ReadinessJudgement]:
    """Every judgement for a learner, newest first (each qualification's first one is its current one)."""
    return list(
        db.session.scalars(
            select(ReadinessJudgement)
            .where(ReadinessJudgement.learner_id == learner.id)
            .order_by(ReadinessJudgement.id.desc())
        )
    )


def record_judgement(
    actor: User,
    learner: Learner,
    qualification: Qualification,
    *,
    judgement: Readiness,
    evidence: str,
    still_needed: str | None = None,
    recommended_tier: Tier | None = None,
    mocks: Sequence[MockInput] = (),
    judged_on: date | None = None,
) -> ReadinessJudgement:
    """Record the mentor's judgement. A "ready" judgement asks the learner and their family to confirm (they are
    told in the app); "not yet" says what is still needed. A new judgement replaces the last as the current one,
    and needs confirming afresh."""
    if not access.may_judge(actor, learner):
        raise NotAllowed(f"Only {who(learner)}'s mentor (or an admin) can judge their readiness")
    if not qualification.active:
        raise ValidationError(f"{qualification.title} is no longer in the catalogue", field="qualification")
    if not isinstance(judgement, Readiness):
        raise ValidationError("Say whether they are ready", field="judgement")
    today = clock.today()
    judged_on = judged_on or today
    if judged_on > today:
        raise ValidationError("The date of the judgement cannot be in the future", field="judged_on")
    evidence = clean_text(
        evidence,
        "evidence",
        "Give the evidence: mock or past-paper results, a tutor's report, work from the learning plan",
        5000,
    )
    still_needed = clean_text(still_needed, "still_needed", None, 2000)
    if judgement is Readiness.NOT_YET and not still_needed:
        raise ValidationError("Say what is still needed before they are ready", field="still_needed")
    if recommended_tier is not None and not qualification.tiered:
        raise ValidationError(f"{qualification.subject} has no tiers", field="recommended_tier")
    if judgement is Readiness.READY and qualification.tiered and recommended_tier is None:
        raise ValidationError("Recommend a tier: foundation or higher", field="recommended_tier")
    row = ReadinessJudgement(
        learner_id=learner.id,
        qualification_id=qualification.id,
        mentor_id=actor.id,
        evidence=evidence,
        judgement=judgement,
        still_needed=still_needed,
        recommended_tier=recommended_tier,
        judged_on=judged_on,
    )
    for number, mock in enumerate(mocks, start=1):
        paper = clean_text(mock.paper, f"mocks-{number}-paper", "Say which paper it was", 200)
        result = clean_text(mock.result, f"mocks-{number}-result", "Give the result, like 64/80", 100)
        if not isinstance(mock.sat_on, date) or mock.sat_on > today:
            raise ValidationError("Give the date it was sat (not in the future)", field=f"mocks-{number}-sat_on")
        row.mocks.append(MockResult(sat_on=mock.sat_on, paper=paper, result=result))
    db.session.add(row)
    db.session.flush()
    audit.record(
        "exams.readiness_judged",
        actor=actor,
        obj=row,
        detail={"learner": learner.id, "qualification": qualification.id, "judgement": judgement.value},
    )
    if judgement is Readiness.READY:
        _ask_family_to_confirm(learner, qualification, row)
    return row


def _family_accounts(learner: Learner) -> list[tuple[User, bool]]:
    """(account, is the learner's own) for the learner's own account and each guardian with one."""
    people = [
        (user, False)
        for user in db.session.scalars(
            select(User).join(Guardian, Guardian.user_id == User.id).where(Guardian.family_id == learner.family_id)
        )
    ]
    if learner.user_id is not None:
        own = db.session.get(User, learner.user_id)
        if own is not None:
            people.append((own, True))
    return [(u, own) for u, own in people if u.active]


def _ask_family_to_confirm(learner: Learner, qualification: Qualification, judgement: ReadinessJudgement) -> None:
    subject = f"{qualification.subject} ({qualification.spec_code})"
    notifications.notify_many(
        notifications.Notice(
            user,
            f"exam-readiness:{judgement.id}:{user.id}",
            "exam_readiness",
            (
                f"Your mentor thinks you are ready to sit {subject}"
                if own
                else f"{who(learner)}'s mentor thinks they are ready to sit {subject}"
            ),
            body="Confirm that you want to sit it, and the exams officer will look for an exam series and a centre.",
            link=f"/exams/learners/{learner.id}",
            email_template="notification",
        )
        for user, own in _family_accounts(learner)
    )


def _current_ready(judgement: ReadinessJudgement) -> None:
    latest = current_judgement(judgement.learner_id, judgement.qualification_id)
    if latest is None or latest.id != judgement.id:
        raise DomainError(
            f"A newer judgement was recorded on {long_date(latest.judged_on) if latest else ''}: confirm that one"
        )
    if judgement.judgement is not Readiness.READY:
        raise DomainError("The mentor has not judged them ready yet: there is nothing to confirm")


def confirm_as_learner(actor: User, judgement: ReadinessJudgement) -> ReadinessJudgement:
    """The learner wants to sit it: said from their own account, or by a guardian for them."""
    learner = judgement.learner
    if not access.may_confirm_as_learner(actor, learner):
        raise NotAllowed(f"Only {who(learner)} or their family can confirm this")
    _current_ready(judgement)
    if judgement.learner_confirmed_at is None:
        judgement.learner_confirmed_at = clock.now()
        judgement.learner_confirmed_by_id = actor.id
        audit.record("exams.readiness_confirmed", actor=actor, obj=judgement, detail={"as": "learner"})
    return judgement


def confirm_as_guardian(actor: User, judgement: ReadinessJudgement) -> ReadinessJudgement:
    """A parent or carer agrees that the learner sits it."""
    learner = judgement.learner
    if not access.may_confirm_as_guardian(actor, learner):
        raise NotAllowed(f"Only a parent or carer of {who(learner)} can confirm this")
    _current_ready(judgement)
    if judgement.guardian_confirmed_at is None:
        judgement.guardian_confirmed_at = clock.now()
        judgement.guardian_confirmed_by_id = actor.id
        audit.record("exams.readiness_confirmed", actor=actor, obj=judgement, detail={"as": "guardian"})
    return judgement


def entry_ready(learner: Learner, qualification: Qualification) -> ReadinessJudgement:
    """The judgement an entry is made from: the current one, ready, and confirmed by the learner and a guardian.
    Otherwise a :class:`DomainError` naming what is missing."""
    judgement = current_judgement(learner.id, qualification.id)
    name = who(learner)
    if judgement is None:
        raise DomainError(
            f"{name} has no readiness judgement for {qualification.subject}: their mentor records one first",
            field="qualification",
        )
    if judgement.judgement is not Readiness.READY:
        raise DomainError(
            f"{name} is not judged ready for {qualification.subject} (judged \u201cnot yet\u201d on "
            f"{long_date(judgement.judged_on)}): no entry without a ready judgement",
            field="qualification",
        )
    missing = []
    if judgement.learner_confirmed_at is None:
        missing.append(name)
    if judgement.guardian_confirmed_at is None:
        missing.append("a parent or carer")
    if missing:
        raise DomainError(
            f"{' and '.join(missing)} {'has' if len(missing) == 1 else 'have'} not yet confirmed that {name} wants "
            f"to sit {qualification.subject}",
            field="qualification",
        )
    return judgement
