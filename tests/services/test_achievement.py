"""Exhibitions (planning, feedback against the rubric) and the record of achievement: what it gathers for a
period, the mentor's narrative, and the PDF itself (it opens, and its text says what it should)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import insert

from tests.factories import (
    EvidenceFactory,
    GuardianFactory,
    LearnerFactory,
    LogEntryFactory,
    SubjectAreaFactory,
    UserFactory,
    png_bytes,
)
from virtualacademy.errors import NotAllowed, ValidationError
from virtualacademy.models import (
    ActivityType,
    Evidence,
    EvidenceKind,
    Exhibition,
    ExhibitionMode,
    Goal,
    GoalStatus,
    LearningPlan,
    Role,
)
from virtualacademy.services import achievement, exhibitions, mentoring
from virtualacademy.services.exhibitions import ExhibitionInput, FeedbackInput

TODAY = date(2027, 7, 20)
START, END = date(2026, 9, 1), date(2027, 7, 20)


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_FOLDER", str(tmp_path / "evidence"))


@pytest.fixture
def family(ctx, folder):
    learner = LearnerFactory(legal_name="Robin Example", preferred_name="Robbie", enrolled=date(2026, 9, 1))
    guardian = GuardianFactory(family=learner.family).user
    admin = UserFactory(roles=[Role.ADMIN])
    mentor = UserFactory(roles=[Role.MENTOR], name="Mo Mentor")
    mentoring.assign(admin, learner, mentor, date(2026, 9, 1))
    ctx.commit()
    return {"learner": learner, "guardian": guardian, "admin": admin, "mentor": mentor}


def show(f, **changes) -> ExhibitionInput:
    values = {
        "held_on": date(2027, 6, 12),
        "mode": ExhibitionMode.IN_PERSON,
        "where": "Doncaster Central Library",
        "description": "The Romans project",
        "audience": "Family, Mo, and Dr Ada Digger (archaeologist)",
        "item_ids": [],
    }
    return ExhibitionInput(**{**values, **changes})


def feedback(name: str, scores: tuple[int, int, int], comments: str | None = None) -> FeedbackInput:
    return FeedbackInput(name, "Archaeologist", *scores, comments)


# --- exhibitions ------------------------------------------------------------------------------------


def test_an_exhibition_needs_a_place_or_a_link_and_the_learners_own_items(ctx, family):
    f = family
    theirs = EvidenceFactory(kind=EvidenceKind.LINK, url="https://example.org", stored_name=None)
    ours = EvidenceFactory(learner=f["learner"])
    with pytest.raises(ValidationError, match="Enter where the exhibition will be held"):
        exhibitions.create(f["guardian"], f["learner"], show(f, where=" "), today=TODAY)
    with pytest.raises(ValidationError, match="link to the online exhibition"):
        exhibitions.create(f["guardian"], f["learner"], show(f, mode=ExhibitionMode.ONLINE, where="Zoom"), today=TODAY)
    with pytest.raises(ValidationError, match="Enter who is invited"):
        exhibitions.create(f["guardian"], f["learner"], show(f, audience=""), today=TODAY)
    with pytest.raises(ValidationError, match="own portfolio"):
        exhibitions.create(f["guardian"], f["learner"], show(f, item_ids=[theirs.id]), today=TODAY)
    with pytest.raises(ValidationError, match="within the next 2 years"):
        exhibitions.create(f["guardian"], f["learner"], show(f, held_on=TODAY + timedelta(days=800)), today=TODAY)
    online = exhibitions.create(
        f["guardian"],
        f["learner"],
        show(f, mode=ExhibitionMode.ONLINE, where="https://meet.example.org/robin", item_ids=[ours.id]),
        today=TODAY,
    )
    assert online.where == "https://meet.example.org/robin" and [i.id for i in online.items] == [ours.id]
    with pytest.raises(NotAllowed):
        exhibitions.create(UserFactory(roles=[Role.COORDINATOR]), f["learner"], show(f), today=TODAY)


def test_an_exhibition_of_more_items_than_one_statement_may_bind(ctx, family):
    """The items are ticked from the learner's portfolio, which grows over the years: any number of them, once
    bound into one IN list. 1,200 are more than the suite's parameter guard allows in one statement."""
    f = family
    ids = ctx.scalars(
        insert(Evidence).returning(Evidence.id, sort_by_parameter_order=True),
        [
            {
                "learner_id": f["learner"].id,
                "kind": EvidenceKind.LINK,
                "title": f"Link {n}",
                "url": "https://example.org",
            }
            for n in range(1_200)
        ],
    ).all()
    shown = exhibitions.create(f["guardian"], f["learner"], show(f, item_ids=list(reversed(ids))), today=TODAY)
    assert sorted(i.id for i in shown.items) == sorted(ids)
    other = EvidenceFactory(kind=EvidenceKind.LINK, url="https://example.org", stored_name=None)
    with pytest.raises(ValidationError, match="own portfolio"):
        exhibitions.create(f["guardian"], f["learner"], show(f, item_ids=[*ids, other.id]), today=TODAY)


def test_feedback_is_recorded_after_the_exhibition_against_the_rubric(ctx, family):
    f = family
    planned = exhibitions.create(f["guardian"], f["learner"], show(f, held_on=TODAY + timedelta(days=3)), today=TODAY)
    with pytest.raises(ValidationError, match="from the day of the exhibition"):
        exhibitions.add_feedback(f["guardian"], planned, feedback("Ada", (4, 4, 4)), today=TODAY)
    held = exhibitions.create(f["guardian"], f["learner"], show(f), today=TODAY)
    with pytest.raises(ValidationError, match="Give a score of 1 to 4 for reflection on the journey") as refused:
        exhibitions.add_feedback(f["mentor"], held, FeedbackInput("Ada", None, 3, 3, 5, None), today=TODAY)
    assert refused.value.field == "reflection"
    with pytest.raises(ValidationError, match="Enter the name"):
        exhibitions.add_feedback(f["mentor"], held, feedback(" ", (3, 3, 3)), today=TODAY)
    exhibitions.add_feedback(
        f["mentor"], held, feedback("Ada Digger", (4, 3, 2), "Knew the fort inside out."), today=TODAY
    )
    exhibitions.add_feedback(f["guardian"], held, feedback("Grandma", (3, 3, 3)), today=TODAY)
    assert exhibitions.averages(held) == {"content": 3.5, "explanation": 3.0, "reflection": 2.5}
    assert exhibitions.averages(planned) is None
    assert exhibitions.exhibited_recently(f["learner"], TODAY)
    assert not exhibitions.exhibited_recently(f["learner"], TODAY + timedelta(days=400))


# --- the mentor's narrative -----------------------------------------------------------------------------------


def test_only_the_current_mentor_or_an_admin_writes_the_narrative_one_per_period(ctx, family):
    f = family
    with pytest.raises(NotAllowed):
        achievement.save_narrative(f["guardian"], f["learner"], START, END, "I think it went well", today=TODAY)
    with pytest.raises(ValidationError, match="first day must be before the last day"):
        achievement.save_narrative(f["mentor"], f["learner"], END, START, "Text", today=TODAY)
    with pytest.raises(ValidationError, match="Write the summary"):
        achievement.save_narrative(f["mentor"], f["learner"], START, END, "  ", today=TODAY)
    first = achievement.save_narrative(f["mentor"], f["learner"], START, END, "A year of digging.", today=TODAY)
    again = achievement.save_narrative(f["mentor"], f["learner"], START, END, "A great year of digging.", today=TODAY)
    assert first.id == again.id and again.text == "A great year of digging." and again.author_id == f["mentor"].id
    # A longer period finds the one written inside it; a period that does not contain it does not.
    assert achievement.narrative_for(f["learner"], date(2026, 8, 1), date(2027, 8, 31)).id == first.id
    assert achievement.narrative_for(f["learner"], date(2027, 1, 1), END) is None


# --- the record ---------------------------------------------------------------------------------------------


def with_a_year_of_learning(ctx, f):
    """A year with hand-countable hours, goals, a showcase (and things that must stay out of it), an exhibition
    with feedback, and the narrative."""
    learner = f["learner"]
    maths, sciences = SubjectAreaFactory(name="Maths", position=1), SubjectAreaFactory(name="Sciences", position=2)
    plan = LearningPlan(learner_id=learner.id)
    ctx.add(plan)
    ctx.flush()
    ctx.add_all(
        [
            Goal(plan_id=plan.id, title="Build a Roman fort model", status=GoalStatus.ACHIEVED, subjects=[maths]),
            Goal(plan_id=plan.id, title="Read ten history books", status=GoalStatus.WORKING_ON_IT, subjects=[sciences]),
        ]
    )
    # 120 + 45 (shared: 23 Maths, 22 Sciences) + 90 Sciences museum = 255 minutes on 2 days; one entry outside.
    LogEntryFactory(learner=learner, on_date=date(2026, 10, 5), minutes=120, subjects=[maths])
    LogEntryFactory(learner=learner, on_date=date(2026, 10, 5), minutes=45, subjects=[sciences, maths])
    LogEntryFactory(
        learner=learner,
        on_date=date(2027, 3, 2),
        minutes=90,
        subjects=[sciences],
        activity=ActivityType.MUSEUM_OR_GALLERY,
    )
    LogEntryFactory(learner=learner, on_date=date(2026, 8, 30), minutes=600, subjects=[maths])  # before the period
    photo = EvidenceFactory(learner=learner, title="The finished fort", in_showcase=True, content=png_bytes((60, 40)))
    EvidenceFactory(
        learner=learner,
        kind=EvidenceKind.LINK,
        url="https://robin.example.org/fort",
        title="Fort blog post",
        in_showcase=True,
    )
    EvidenceFactory(learner=learner, title="Not chosen for the showcase")
    EvidenceFactory(learner=learner, title="A draft", is_draft=True, in_showcase=True)
    held = exhibitions.create(f["guardian"], learner, show(f, item_ids=[photo.id]), today=TODAY)
    exhibitions.add_feedback(
        f["mentor"], held, feedback("Dr Ada Digger", (4, 3, 4), "Explained the ramparts brilliantly."), today=TODAY
    )
    achievement.save_narrative(
        f["mentor"], learner, START, END, "Robin has grown into a confident young historian.", today=TODAY
    )
    ctx.commit()


def test_the_record_gathers_the_period(ctx, family):
    f = family
    with_a_year_of_learning(ctx, f)
    record = achievement.record(f["learner"], START, END, today=TODAY)
    assert (record.total_minutes, record.days_with_learning) == (255, 2)
    assert [(b.label, b.minutes) for b in record.by_subject] == [("Maths", 143), ("Sciences", 112)]
    assert [(b.label, b.minutes) for b in record.by_activity] == [("Project work", 165), ("Museum or gallery", 90)]
    assert [g.title for g in record.goals] == ["Build a Roman fort model", "Read ten history books"]
    assert [s.evidence.title for s in record.showcase] == ["The finished fort", "Fort blog post"]
    assert record.showcase[0].thumbnail.startswith("data:image/jpeg;base64,")
    assert record.showcase[1].thumbnail is None and record.showcase[1].kind == "Link"
    assert record.exhibitions[0].averages == {"content": 4, "explanation": 3, "reflection": 4}
    assert record.narrative.text.startswith("Robin has grown") and record.narrative_author == "Mo Mentor"
    assert record.weeks == 47  # 1 September 2026 to 20 July 2027 is 323 days: 46 weeks and a day


def test_a_period_must_make_sense(ctx):
    with pytest.raises(ValidationError, match="The first day must be before the last day"):
        achievement.check_period(END, START, today=TODAY)
    with pytest.raises(ValidationError, match="must have started"):
        achievement.check_period(TODAY + timedelta(days=1), TODAY + timedelta(days=5), today=TODAY)
    with pytest.raises(ValidationError, match="at most 3 years"):
        achievement.check_period(date(2020, 1, 1), TODAY, today=TODAY)
    assert achievement.default_period(date(2027, 3, 4)) == (date(2026, 9, 1), date(2027, 3, 4))
    assert achievement.default_period(date(2026, 9, 4)) == (date(2026, 9, 1), date(2026, 9, 4))


def test_the_pdf_opens_and_says_what_it_should(app, ctx, family):
    f = family
    with_a_year_of_learning(ctx, f)
    body = achievement.render(f["learner"], START, END, today=TODAY)
    assert body.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) >= 4
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]  # wrapped lines joined
    text = "\n".join(pages)
    cover = pages[0]
    assert app.config["ACADEMY_NAME"] in cover and "Robin Example" in cover
    assert "record of achievement" in cover.lower() and "1 September 2026 to 20 July 2027" in cover
    assert "4.2hours of learning logged" in cover.replace("4.2 hours", "4.2hours")  # 255 minutes
    assert "1 of 2" in cover and "goals achieved" in cover
    for expected in [
        "Build a Roman fort model",
        "Achieved",
        "Working on it",
        "By subject area",
        "Maths",
        "2.4",  # 143 minutes
        "Museum or gallery",
        "1.5",  # 90 minutes
        "Portfolio highlights",
        "The finished fort",
        "Fort blog post",
        "Exhibitions",
        "12 June 2027",
        "Explained the ramparts brilliantly.",
        "Dr Ada Digger",
        "Mentor’s summary",
        "Robin has grown into a confident young historian.",
        "Mo Mentor, mentor",
        "Page 2 of",
    ]:
        assert expected in text, expected
    for absent in ["Not chosen for the showcase", "A draft"]:
        assert absent not in text
    # The photograph is in the document, as an image.
    assert sum(len(page.images) for page in reader.pages) >= 1
    assert reader.metadata.title.startswith("Record of achievement: Robin Example")


def test_an_empty_record_still_renders(app, ctx, family):
    body = achievement.render(family["learner"], START, END, today=TODAY)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "No learning was logged in this period." in text
    assert "The mentor has not written a summary for this period." in text


def test_an_exhibition_after_today_is_planned():
    today = date(2027, 3, 2)
    assert exhibitions.is_planned(Exhibition(held_on=today + timedelta(days=1)), today)
    assert not exhibitions.is_planned(Exhibition(held_on=today), today)
    assert not exhibitions.is_planned(Exhibition(held_on=today - timedelta(days=1)), today)
