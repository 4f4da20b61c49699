"""The record of achievement: a PDF for a learner and a chosen period that a family can show a college.

It gathers the plan's goals and their status, hours of learning by subject area and by activity type (from the
log), the showcase portfolio items (images with thumbnails, embedded as ``data:`` URLs), the exhibitions and
their feedback, and the mentor's narrative summary for the period (:class:`AchievementNarrative`, written by
the learner's current mentor or an admin).
"""

from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import current_app
from sqlalchemy import func, or_, select

from virtualacademy import clock, pdf
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    AchievementNarrative,
    Evidence,
    EvidenceKind,
    Exhibition,
    Goal,
    Learner,
    LearningPlan,
    LogEntry,
    User,
)
from virtualacademy.models.learning import GOAL_STATUS_LABELS
from virtualacademy.services import audit, evidence, exhibitions, learning_log, mentoring
from virtualacademy.services.exams import results as exam_results
from virtualacademy.services.learning_log import Breakdown, may_correct

LONDON = clock.LONDON
NARRATIVE_MAX = 8000
#: The longest period one record can cover.
MAX_PERIOD_DAYS = 3 * 366
THUMBNAIL_PIXELS = 480


def default_period(today: date | None = None) -> tuple[date, date]:
    """The academic year so far: from 1 September to today."""
    today = today or clock.today()
    year = today.year if today.month >= 9 else today.year - 1
    return date(year, 9, 1), today


def check_period(start: date | None, end: date | None, today: date | None = None) -> tuple[date, date]:
    today = today or clock.today()
    if start is None:
        raise ValidationError("Enter the first day of the period", field="start")
    if end is None:
        raise ValidationError("Enter the last day of the period", field="end")
    if start > end:
        raise ValidationError("The first day must be before the last day", field="end")
    if start > today:
        raise ValidationError("The period must have started: choose a first day today or earlier", field="start")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationError("A record can cover at most 3 years", field="start")
    return start, end


# --- the mentor's narrative -------------------------------------------------------------------------------


def narrative_for(learner: Learner, start: date, end: date) -> AchievementNarrative | None:
    """The narrative written for exactly this period, or else the latest one written for a period inside it."""
    exact = db.session.scalar(
        select(AchievementNarrative).where(
            AchievementNarrative.learner_id == learner.id,
            AchievementNarrative.starts_on == start,
            AchievementNarrative.ends_on == end,
        )
    )
    if exact is not None:
        return exact
    return db.session.scalar(
        select(AchievementNarrative)
        .where(
            AchievementNarrative.learner_id == learner.id,
            AchievementNarrative.starts_on >= start,
            AchievementNarrative.ends_on <= end,
        )
        .order_by(AchievementNarrative.ends_on.desc(), AchievementNarrative.id.desc())
        .limit(1)
    )


def save_narrative(
    actor: User, learner: Learner, start: date | None, end: date | None, text: str | None, today: date | None = None
) -> AchievementNarrative:
    """Write (or rewrite) the narrative for this period: the learner's current mentor, or an admin."""
    if not may_correct(actor, learner):
        raise NotAllowed("Only the learner's mentor can write the summary for a record of achievement")
    start, end = check_period(start, end, today)
    body = (text or "").strip()
    if not body:
        raise ValidationError("Write the summary", field="text")
    if len(body) > NARRATIVE_MAX:
        raise ValidationError(f"The summary must be {NARRATIVE_MAX} characters or fewer", field="text")
    narrative = db.session.scalar(
        select(AchievementNarrative).where(
            AchievementNarrative.learner_id == learner.id,
            AchievementNarrative.starts_on == start,
            AchievementNarrative.ends_on == end,
        )
    )
    if narrative is None:
        narrative = AchievementNarrative(learner_id=learner.id, starts_on=start, ends_on=end, text=body)
        db.session.add(narrative)
    narrative.text = body
    narrative.author_id = actor.id
    db.session.flush()
    audit.record(
        "learning.narrative_saved",
        actor=actor,
        obj=learner,
        detail={"narrative": narrative.id, "starts_on": start.isoformat(), "ends_on": end.isoformat()},
    )
    return narrative


# --- the record -------------------------------------------------------------------------------------------


@dataclass
class ShowcaseItem:
    evidence: Evidence
    kind: str
    #: A ``data:`` URL of a small JPEG, for images that could be read.
    thumbnail: str | None


@dataclass
class ExhibitionSummary:
    exhibition: Exhibition
    averages: dict[str, float] | None


@dataclass
class Record:
    learner: Learner
    start: date
    end: date
    issued_on: date
    goals: list[Goal]
    total_minutes: int
    days_with_learning: int
    weeks: int
    by_subject: list[Breakdown]
    by_activity: list[Breakdown]
    showcase: list[ShowcaseItem]
    exhibitions: list[ExhibitionSummary]
    narrative: AchievementNarrative | None
    #: Who wrote the narrative (it is signed with their name).
    narrative_author: str | None
    mentor_name: str | None
    #: Exam results recorded by the end of the period (every one so far: a record of achievement is complete).
    exam_results: list = field(default_factory=list)

    @property
    def average_days_per_week(self) -> float:
        return self.days_with_learning / self.weeks if self.weeks else 0.0


def _goals(learner: Learner, start: date) -> list[Goal]:
    """Goals of the plan that were not already archived before the period began."""
    began = datetime.combine(start, time.min, LONDON)
    return list(
        db.session.scalars(
            select(Goal)
            .join(LearningPlan, LearningPlan.id == Goal.plan_id)
            .where(LearningPlan.learner_id == learner.id, or_(Goal.archived_at.is_(None), Goal.archived_at >= began))
            .order_by(Goal.id)
        )
    )


def thumbnail(item: Evidence) -> str | None:
    """A small JPEG of an image as a ``data:`` URL (None if it is not an image we can read)."""
    if item.kind is not EvidenceKind.FILE or item.content_type not in evidence.INLINE_IMAGES:
        return None
    data = evidence.read_bytes(item)
    if not data:
        return None
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)
                picture = ImageOps.exif_transpose(image)
                picture.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
                if picture.mode not in ("RGB", "L"):
                    rgba = picture.convert("RGBA")
                    background = Image.new("RGB", rgba.size, (255, 255, 255))
                    background.paste(rgba, mask=rgba.getchannel("A"))
                    picture = background
                out = io.BytesIO()
                picture.convert("RGB").save(out, "JPEG", quality=82)
    except Exception:  # a damaged image is listed without a picture rather than breaking the record
        return None
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _kind(item: Evidence) -> str:
    if item.kind is EvidenceKind.LINK:
        return "Link"
    found = evidence.ACCEPTED.get(item.content_type or "")
    return found.label if found else "File"


def _in_period(moment: datetime, start: date, end: date) -> bool:
    return start <= moment.astimezone(LONDON).date() <= end


def record(learner: Learner, start: date, end: date, today: date | None = None) -> Record:
    today = today or clock.today()
    in_period = (LogEntry.learner_id == learner.id, LogEntry.on_date >= start, LogEntry.on_date <= end)
    total = db.session.scalar(select(func.coalesce(func.sum(LogEntry.minutes), 0)).where(*in_period)) or 0
    days = db.session.scalar(select(func.count(func.distinct(LogEntry.on_date))).where(*in_period)) or 0
    showcase = [
        ShowcaseItem(item, _kind(item), thumbnail(item))
        for item in reversed(evidence.portfolio(learner, showcase_only=True))
        if not item.is_draft and _in_period(item.created_at, start, end)
    ]
    mentor = mentoring.current_mentor(learner)
    narrative = narrative_for(learner, start, end)
    author = db.session.get(User, narrative.author_id) if narrative and narrative.author_id else None
    return Record(
        learner=learner,
        start=start,
        end=end,
        issued_on=today,
        goals=_goals(learner, start),
        total_minutes=int(total),
        days_with_learning=int(days),
        weeks=max(1, -(-((min(end, today) - start).days + 1) // 7)),
        by_subject=learning_log.hours_by_subject(learner, start, end),
        by_activity=learning_log.hours_by_activity(learner, start, end),
        showcase=showcase,
        exhibitions=[
            ExhibitionSummary(e, exhibitions.averages(e)) for e in reversed(exhibitions.of_learner(learner, start, end))
        ],
        narrative=narrative,
        narrative_author=author.name if author else None,
        mentor_name=mentor.name if mentor else None,
        exam_results=[r for r in exam_results.results_of(learner) if r.result_on <= end],
    )


def render(learner: Learner, start: date, end: date, today: date | None = None) -> bytes:
    """The record of achievement as a PDF."""
    data = record(learner, start, end, today)
    return pdf.render_pdf(
        "pdf/achievement.html",
        record=data,
        academy_name=current_app.config["ACADEMY_NAME"],
        goal_labels=GOAL_STATUS_LABELS,
        rubric=exhibitions.RUBRIC,
        mode_labels=exhibitions.MODE_LABELS,
        duration=learning_log.duration,
        hours=learning_log.hours,
    )
