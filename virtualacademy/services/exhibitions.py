"""Exhibitions: a learner presents their learning to an audience (family, mentor, invited community experts), in
person or online, at least once a year. An exhibition has a date, a place or a link, what will be shown (items
from the learner's portfolio) and who is invited; afterwards each audience member's feedback is recorded
against a short rubric (content, how it was explained, reflection on the journey; each 1 to 4).

Who: anyone who may read the learner's log sees their exhibitions; the learner, their guardians, their current
mentor and admins plan them and record feedback. ``event_id`` is kept for when exhibitions can be part of a
locality event (the events module).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.database import chunked
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Evidence, Exhibition, ExhibitionFeedback, ExhibitionMode, Learner, User
from virtualacademy.services.evidence import check_url
from virtualacademy.services.learning_log import may_write

#: The rubric: (field, heading, what it asks about).
RUBRIC = [
    ("content", "Content", "What was shown: the learning, the work and what it demonstrates"),
    (
        "explanation",
        "How it was explained",
        "How clearly and confidently the learner explained it and answered questions",
    ),
    (
        "reflection",
        "Reflection on the journey",
        "How well the learner reflected on how they learned, what was hard and what is next",
    ),
]
SCORE_LABELS = {1: "1 – Just starting", 2: "2 – Developing", 3: "3 – Secure", 4: "4 – Excellent"}
MODE_LABELS = {ExhibitionMode.IN_PERSON: "In person", ExhibitionMode.ONLINE: "Online"}
#: A learner should exhibit at least this often.
EXHIBIT_EVERY_DAYS = 365
#: How far ahead an exhibition can be planned.
PLAN_AHEAD_DAYS = 2 * 365


@dataclass
class ExhibitionInput:
    held_on: date | None
    mode: ExhibitionMode | None
    where: str | None
    description: str | None
    audience: str | None
    item_ids: list[int]


def _require_write(actor: User, learner: Learner) -> None:
    if not may_write(actor, learner):
        raise NotAllowed("Only the learner, their parents or carers and their mentor can do this")


def _text(value: str | None, limit: int, field: str, label: str) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationError(f"{label} must be {limit} characters or fewer", field=field)
    return text or None


def create(actor: User, learner: Learner, data: ExhibitionInput, today: date | None = None) -> Exhibition:
    today = today or clock.today()
    _require_write(actor, learner)
    if data.held_on is None:
        raise ValidationError("Enter the date of the exhibition", field="held_on")
    if data.held_on > today + timedelta(days=PLAN_AHEAD_DAYS):
        raise ValidationError("The exhibition must be within the next 2 years", field="held_on")
    if data.held_on < learner.date_of_birth:
        raise ValidationError("The date must be after the learner was born", field="held_on")
    if data.mode is None:
        raise ValidationError("Select whether the exhibition is in person or online", field="mode")
    if data.mode is ExhibitionMode.ONLINE:
        try:
            where = check_url(data.where)
        except ValidationError:
            raise ValidationError(
                "Enter the link to the online exhibition, starting with https:// or http://", field="where"
            ) from None
    else:
        where = _text(data.where, 500, "where", "The place")
        if not where:
            raise ValidationError("Enter where the exhibition will be held", field="where")
    description = _text(data.description, 4000, "description", "What will be shown")
    audience = _text(data.audience, 2000, "audience", "The audience")
    if not audience:
        raise ValidationError("Enter who is invited", field="audience")
    ids = sorted({int(i) for i in data.item_ids or []})
    items = [
        item
        for some in chunked(ids)  # as many as were ticked: a portfolio grows over the years
        for item in db.session.scalars(
            select(Evidence).where(Evidence.id.in_(some), Evidence.learner_id == learner.id).order_by(Evidence.id)
        )
    ]
    if len(items) != len(ids):
        raise ValidationError("Choose items from the learner's own portfolio", field="items")
    exhibition = Exhibition(
        learner_id=learner.id,
        held_on=data.held_on,
        mode=data.mode,
        where=where,
        description=description,
        audience=audience,
        items=items,
    )
    db.session.add(exhibition)
    db.session.flush()
    return exhibition


@dataclass
class FeedbackInput:
    reviewer_name: str | None
    reviewer_role: str | None
    content: int | None
    explanation: int | None
    reflection: int | None
    comments: str | None


def is_planned(exhibition: Exhibition, today: date) -> bool:
    """Still to come: held after ``today``. Its feedback is recorded from the day it is held."""
    return exhibition.held_on > today


def add_feedback(
    actor: User, exhibition: Exhibition, data: FeedbackInput, today: date | None = None
) -> ExhibitionFeedback:
    """One audience member's feedback, recorded on or after the day of the exhibition."""
    today = today or clock.today()
    learner = db.session.get(Learner, exhibition.learner_id)
    _require_write(actor, learner)
    if is_planned(exhibition, today):
        raise ValidationError(
            f"Feedback can be recorded from the day of the exhibition, {exhibition.held_on:%-d %B %Y}"
        )
    name = _text(data.reviewer_name, 200, "reviewer_name", "The name")
    if not name:
        raise ValidationError("Enter the name of the person giving feedback", field="reviewer_name")
    role = _text(data.reviewer_role, 100, "reviewer_role", "Who they are")
    scores = {}
    for key, heading, _about in RUBRIC:
        value = getattr(data, key)
        if value is None or int(value) not in SCORE_LABELS:
            raise ValidationError(f"Give a score of 1 to 4 for {heading.lower()}", field=key)
        scores[key] = int(value)
    feedback = ExhibitionFeedback(
        exhibition_id=exhibition.id,
        reviewer_name=name,
        reviewer_role=role,
        comments=_text(data.comments, 4000, "comments", "Comments"),
        recorded_by_id=actor.id,
        **scores,
    )
    db.session.add(feedback)
    db.session.flush()
    return feedback


def averages(exhibition: Exhibition) -> dict[str, float] | None:
    """The mean score for each rubric line, or None before any feedback."""
    if not exhibition.feedback:
        return None
    count = len(exhibition.feedback)
    return {key: sum(getattr(f, key) for f in exhibition.feedback) / count for key, _h, _a in RUBRIC}


def of_learner(learner: Learner, start: date | None = None, end: date | None = None) -> list[Exhibition]:
    stmt = select(Exhibition).where(Exhibition.learner_id == learner.id)
    if start is not None:
        stmt = stmt.where(Exhibition.held_on >= start)
    if end is not None:
        stmt = stmt.where(Exhibition.held_on <= end)
    return list(db.session.scalars(stmt.order_by(Exhibition.held_on.desc(), Exhibition.id.desc())))


def exhibited_recently(learner: Learner, today: date | None = None) -> bool:
    """Whether the learner has exhibited (or has one planned) within a year either side of today."""
    today = today or clock.today()
    window = timedelta(days=EXHIBIT_EVERY_DAYS)
    return (
        db.session.scalar(
            select(Exhibition.id)
            .where(
                Exhibition.learner_id == learner.id,
                Exhibition.held_on > today - window,
                Exhibition.held_on <= today + window,
            )
            .limit(1)
        )
        is not None
    )
