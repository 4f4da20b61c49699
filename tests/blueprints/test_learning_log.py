"""The learning log over HTTP: quick entry (and every bad input refused with a message, nothing saved), the week
view, the 14-day lock and the mentor's correction, uploads checked by content, downloads only to those who may
see the learner (another learner's file id is a 404) with safe headers, attendance and the gap tag, exhibitions,
the showcase and critique, and the record of achievement PDF."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.chart_pages import chart_on, chart_table, svg_words
from tests.conftest import post_form, sign_in
from tests.factories import (
    EvidenceFactory,
    GuardianFactory,
    LearnerFactory,
    LogEntryFactory,
    SubjectAreaFactory,
    UserFactory,
    png_bytes,
)
from tests.services.test_evidence import PDF, SVG_WITH_SCRIPT
from virtualacademy import clock
from virtualacademy.models import (
    AuditEvent,
    Evidence,
    EvidenceComment,
    Exhibition,
    ExhibitionFeedback,
    LocalityRole,
    LocalityStaff,
    LogEntry,
    Role,
)
from virtualacademy.services import mentoring

HTML_AS_PNG = b"<html><body><script>alert('hi')</script></body></html>"


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    path = tmp_path / "evidence"
    monkeypatch.setitem(app.config, "EVIDENCE_FOLDER", str(path))
    return path


@pytest.fixture
def family(app, db_session, folder):
    """Robin's guardian, Robin's mentor and coordinator; and another family's child, Sam, with their own file."""
    today = clock.today()
    learner = LearnerFactory(legal_name="Robin Example", preferred_name="Robbie", enrolled=today - timedelta(days=60))
    guardian = GuardianFactory(family=learner.family).user
    admin = UserFactory(roles=[Role.ADMIN])
    mentor = UserFactory(roles=[Role.MENTOR], name="Mo Mentor")
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    db_session.add(
        LocalityStaff(user_id=coordinator.id, locality_id=learner.locality_id, role=LocalityRole.COORDINATOR)
    )
    mentoring.assign(admin, learner, mentor, today - timedelta(days=60))
    maths = SubjectAreaFactory(name="Maths", position=1)
    sciences = SubjectAreaFactory(name="Sciences", position=2)
    other = LearnerFactory(legal_name="Sam Other")
    other_guardian = GuardianFactory(family=other.family).user
    db_session.commit()
    return {
        "today": today,
        "learner": learner,
        "guardian": guardian,
        "mentor": mentor,
        "coordinator": coordinator,
        "admin": admin,
        "maths": maths,
        "sciences": sciences,
        "other": other,
        "other_guardian": other_guardian,
    }


def client_for(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def day_fields(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def log_form(f, day: date, hours="1", minutes="30", **changes) -> dict:
    return {
        "on_date": day_fields(day),
        "hours": hours,
        "minutes": minutes,
        "activity": "project_work",
        "subjects": [str(f["maths"].id), str(f["sciences"].id)],
        "description": "Built a water clock and timed it against the kitchen clock.",
        **changes,
    }


def entries(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(LogEntry))


# --- quick entry and the week view ------------------------------------------------------------------------


def test_a_guardian_logs_learning_and_sees_it_in_the_week(app, db_session, family):
    f = family
    client = client_for(app, f["guardian"])
    path = f"/learning/learners/{f['learner'].id}/log/new"
    page = client.get(path).get_data(as_text=True)
    today = f["today"]
    assert f'name="on_date" type="text" value="{today.day}"' in page or f'value="{today.day}"' in page
    response = post_form(client, path, log_form(f, today), path)
    assert response.status_code == 302 and f"/week?start={today.isoformat()}" in response.headers["Location"]
    week = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Logged 1 hour 30 minutes of project work" in week
    assert "Built a water clock" in week and "Maths, Sciences" in week
    assert "1 of 7" in week and "1 hour 30 minutes" in week
    [saved] = db_session.scalars(select(LogEntry)).all()
    assert (saved.minutes, saved.created_by_id) == (90, f["guardian"].id)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"on_date": "future"}, "The date of the learning must be today or in the past"),
        ({"hours": "", "minutes": ""}, "Enter how long the learning took, in hours and minutes"),
        ({"hours": "0", "minutes": "0"}, "Enter how long the learning took, in hours and minutes"),
        ({"hours": "25"}, "Hours must be a whole number from 0 to 24"),
        ({"minutes": "75"}, "Minutes must be a whole number from 0 to 59"),
        ({"hours": "24", "minutes": "1"}, "One entry cannot be more than 24 hours"),
        ({"subjects": []}, "Select at least one subject area"),
        ({"description": ""}, "Describe the learning in a sentence or two"),
        ({"description": "x" * 501}, "The description must be 500 characters or fewer"),
        ({"activity": ""}, "Select the type of activity"),
        ({"on_date": ["31", "2", "2026"]}, "Date must be a real date"),
    ],
)
def test_bad_log_entries_are_refused_with_a_message_and_nothing_saved(app, db_session, family, changes, message):
    f = family
    client = client_for(app, f["guardian"])
    path = f"/learning/learners/{f['learner'].id}/log/new"
    if changes.get("on_date") == "future":
        changes["on_date"] = day_fields(f["today"] + timedelta(days=1))
    response = post_form(client, path, log_form(f, f["today"], **changes), path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert entries(db_session) == 0


def test_more_than_24_hours_in_a_day_is_refused_naming_the_total(app, db_session, family):
    f = family
    LogEntryFactory(learner=f["learner"], on_date=f["today"], minutes=23 * 60, subjects=[f["maths"]])
    client = client_for(app, f["guardian"])
    path = f"/learning/learners/{f['learner'].id}/log/new"
    page = post_form(client, path, log_form(f, f["today"], hours="1", minutes="15"), path).get_data(as_text=True)
    assert "That would make 24 hours 15 minutes of learning logged on" in page
    assert entries(db_session) == 1


def test_the_week_view_moves_by_week(app, db_session, family):
    f = family
    monday = f["today"] - timedelta(days=f["today"].weekday())
    LogEntryFactory(learner=f["learner"], on_date=monday - timedelta(days=3), minutes=45, subjects=[f["maths"]])
    client = client_for(app, f["guardian"])
    this_week = client.get(f"/learning/learners/{f['learner'].id}/week").get_data(as_text=True)
    assert "Previous week" in this_week and "Next week" not in this_week
    last = client.get(f"/learning/learners/{f['learner'].id}/week?start={(monday - timedelta(days=7)).isoformat()}")
    text = last.get_data(as_text=True)
    assert "45 minutes" in text and "Next week" in text and "Built a model of a Roman fort." in text


# --- the 14-day lock and the mentor's correction -------------------------------------------------------------


def test_after_14_days_the_family_sees_the_entry_locked_and_the_mentor_corrects_it(app, db_session, family):
    f = family
    old = LogEntryFactory(learner=f["learner"], on_date=f["today"] - timedelta(days=15), subjects=[f["maths"]])
    fresh = LogEntryFactory(learner=f["learner"], on_date=f["today"] - timedelta(days=14), subjects=[f["maths"]])
    guardian = client_for(app, f["guardian"])
    assert "Change" in guardian.get(f"/learning/log/{fresh.id}/edit").get_data(as_text=True)
    locked = guardian.get(f"/learning/log/{old.id}/edit").get_data(as_text=True)
    assert "This entry is locked" in locked and "ask Robbie’s mentor to correct it" in locked
    assert "This entry is locked" in post_form(guardian, f"/learning/log/{old.id}/delete").get_data(as_text=True)
    assert db_session.get(LogEntry, old.id) is not None

    mentor = client_for(app, f["mentor"])
    path = f"/learning/log/{old.id}/edit"
    page = mentor.get(path).get_data(as_text=True)
    assert "Correct a log entry" in page and "Save correction" in page
    response = post_form(
        mentor, path, log_form(f, old.on_date, hours="2", minutes="0", subjects=[str(f["maths"].id)]), path
    )
    assert response.status_code == 302
    db_session.expire_all()
    corrected = db_session.get(LogEntry, old.id)
    assert (corrected.minutes, corrected.corrected_by_id) == (120, f["mentor"].id)
    assert "Corrected by the mentor on" in mentor.get(response.headers["Location"]).get_data(as_text=True)
    assert db_session.scalar(select(func.count()).where(AuditEvent.action == "learning.log_corrected")) == 1


def test_a_guardian_deletes_an_entry_in_its_window(app, db_session, family):
    f = family
    fresh = LogEntryFactory(learner=f["learner"], subjects=[f["maths"]])
    guardian = client_for(app, f["guardian"])
    assert "Delete this log entry?" in guardian.get(f"/learning/log/{fresh.id}/delete").get_data(as_text=True)
    response = post_form(guardian, f"/learning/log/{fresh.id}/delete", token_from=f"/learning/log/{fresh.id}/delete")
    assert response.status_code == 302 and entries(db_session) == 0


# --- uploads and downloads -------------------------------------------------------------------------------------


def upload(client, f, name: str, data: bytes, **fields):
    path = f"/learning/learners/{f['learner'].id}/portfolio/new"
    return post_form(
        client,
        path,
        {"title": "My work", "is_draft": "no", "file": (io.BytesIO(data), name), **fields},
        path,
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", b"Not a PDF, just words.", "is called report.pdf but it is not really a PDF"),
        ("drawing.svg", SVG_WITH_SCRIPT, "SVG and XML files are not allowed"),
        (
            "cat.png",
            HTML_AS_PNG,
            "web page, SVG or script, which cannot be accepted, even though its name ends in .png",
        ),
        ("empty.png", b"", "The selected file is empty"),
        ("", b"", "Choose a file to upload, or enter a link"),  # no file chosen
        ("nothing.pdf", b"%", "not really a PDF"),
    ],
)
def test_bad_uploads_are_refused_with_a_message_and_nothing_saved(app, db_session, family, folder, name, data, message):
    f = family
    response = upload(client_for(app, f["guardian"]), f, name, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert db_session.scalar(select(func.count()).select_from(Evidence)) == 0
    assert not folder.exists() or list(folder.iterdir()) == []


def test_an_oversized_file_is_refused(app, db_session, family, folder, monkeypatch):
    f = family
    client = client_for(app, f["guardian"])
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 1024)
    page = upload(client, f, "big.pdf", PDF + b"0" * 2048 + b"%%EOF").get_data(as_text=True)
    assert "The selected file must be smaller than 1 KB" in page
    assert db_session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_an_upload_is_stored_and_served_only_to_those_who_may_see_the_learner(app, db_session, family, folder):
    f = family
    guardian = client_for(app, f["guardian"])
    response = upload(guardian, f, "fort.png", png_bytes(), title="The fort")
    assert response.status_code == 302
    item = db_session.scalars(select(Evidence)).one()
    detail = guardian.get(response.headers["Location"]).get_data(as_text=True)
    assert "has been added to Robbie" in detail and "Download fort.png" in detail
    [stored] = list(folder.iterdir())
    assert stored.name == item.stored_name

    url = f"/learning/evidence/{item.id}/file"
    download = guardian.get(url)
    assert download.status_code == 200 and download.data == png_bytes()
    assert (
        download.headers["Content-Disposition"].startswith("attachment;")
        and "fort.png" in download.headers["Content-Disposition"]
    )
    assert download.headers["Content-Type"] == "image/png"
    assert download.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]
    inline = guardian.get(url + "?inline=1")
    assert inline.headers["Content-Disposition"].startswith("inline;") and inline.headers["Content-Type"] == "image/png"
    assert inline.headers["Content-Security-Policy"].startswith("default-src 'none'")

    # Everyone who may see Robin gets it; another family, even with a valid file id of their own, does not.
    for user in (f["mentor"], f["coordinator"], f["admin"]):
        assert client_for(app, user).get(url).status_code == 200
    others = client_for(app, f["other_guardian"])
    assert others.get(url).status_code == 404
    assert others.get(url + "?inline=1").status_code == 404
    assert others.get(f"/learning/evidence/{item.id}").status_code == 404
    theirs = EvidenceFactory(learner=f["other"])
    assert others.get(f"/learning/evidence/{theirs.id}/file").status_code == 200
    assert guardian.get(f"/learning/evidence/{theirs.id}/file").status_code == 404
    assert guardian.get("/learning/evidence/999999/file").status_code == 404


def test_a_pdf_is_never_shown_inline(app, db_session, family):
    f = family
    guardian = client_for(app, f["guardian"])
    assert upload(guardian, f, "report.pdf", PDF).status_code == 302
    item = db_session.scalars(select(Evidence)).one()
    response = guardian.get(f"/learning/evidence/{item.id}/file?inline=1")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_a_link_and_a_draft_get_comments_and_the_learner_chooses_the_showcase(app, db_session, family):
    f = family
    guardian = client_for(app, f["guardian"])
    path = f"/learning/learners/{f['learner'].id}/portfolio/new"
    bad = post_form(guardian, path, {"title": "Blog", "url": "javascript:alert(1)", "is_draft": "yes"}, path)
    assert "Enter a web address starting with https:// or http://" in bad.get_data(as_text=True)
    both = post_form(
        guardian,
        path,
        {"title": "Blog", "url": "https://robin.example.org", "file": (io.BytesIO(PDF), "a.pdf"), "is_draft": "no"},
        path,
        content_type="multipart/form-data",
    )
    assert "Add a file or a link, not both" in both.get_data(as_text=True)
    response = post_form(guardian, path, {"title": "Blog", "url": "https://robin.example.org", "is_draft": "yes"}, path)
    item = db_session.scalars(select(Evidence)).one()
    assert item.is_draft and item.url == "https://robin.example.org"
    detail_path = response.headers["Location"]
    mentor = client_for(app, f["mentor"])
    post_form(mentor, f"/learning/evidence/{item.id}/comments", {"body": "Add a photo of the clock."}, detail_path)
    assert "Add a photo of the clock." in guardian.get(detail_path).get_data(as_text=True)
    coordinator = client_for(app, f["coordinator"])
    assert "Add a photo" in coordinator.get(detail_path).get_data(as_text=True)  # reads
    assert (
        post_form(coordinator, f"/learning/evidence/{item.id}/comments", {"body": "x"}, detail_path).status_code == 404
    )
    assert db_session.scalar(select(func.count()).select_from(EvidenceComment)) == 1
    # A draft cannot go in the showcase; the mentor cannot choose the showcase at all.
    post_form(guardian, f"/learning/evidence/{item.id}/showcase", {"show": "yes"}, detail_path)
    db_session.expire_all()
    assert not db_session.get(Evidence, item.id).in_showcase
    edit = f"/learning/evidence/{item.id}/edit"
    post_form(guardian, edit, {"title": "My blog", "is_draft": "no"}, edit)
    assert post_form(mentor, f"/learning/evidence/{item.id}/showcase", {"show": "yes"}, detail_path).status_code == 404
    post_form(guardian, f"/learning/evidence/{item.id}/showcase", {"show": "yes"}, detail_path)
    db_session.expire_all()
    assert db_session.get(Evidence, item.id).in_showcase
    showcase = guardian.get(f"/learning/learners/{f['learner'].id}/portfolio?showcase=1").get_data(as_text=True)
    assert "My blog" in showcase


# --- attendance, the gap tag and the staff list ------------------------------------------------------------------


def test_the_mentor_sees_attendance_as_a_chart_and_table_and_the_gap_tag(app, db_session, family):
    f = family
    LogEntryFactory(learner=f["learner"], on_date=f["today"] - timedelta(days=20), minutes=90, subjects=[f["maths"]])
    mentor = client_for(app, f["mentor"])
    page = mentor.get(f"/learning/learners/{f['learner'].id}/attendance").get_data(as_text=True)
    assert "No learning logged for 20 days" in page
    assert "Days with logged learning, week by week" in page and "Week by week" in page
    # the chart: an SVG image saying each week's days in words, each drawn on its bar, and the same as a table
    alt, svg = chart_on(page, "Days with logged learning, week by week")
    assert alt == (
        "Days with logged learning, week by week. Week of 1 Jan (part): 0; Week of 4 Jan: 0; Week of 11 Jan: 0; "
        "Week of 18 Jan: 0; Week of 25 Jan: 0; Week of 1 Feb: 0; Week of 8 Feb: 1; Week of 15 Feb: 0; "
        "Week of 22 Feb: 0; Week of 1 Mar (part): 0."
    )
    assert {"Week of 1 Jan (part)", "Week of 8 Feb", "1"} <= svg_words(svg)
    assert chart_table(page, "Days with logged learning, week by week")["Week of 8 Feb"] == ["1"]
    home = mentor.get("/learning/log").get_data(as_text=True)
    assert "Robbie Example" in home and "No learning logged for 20 days" in home
    # A term with a bad key falls back to this term; an earlier term can be chosen.
    assert mentor.get(f"/learning/learners/{f['learner'].id}/attendance?term=nonsense").status_code == 200
    assert "Summer term 2020" in mentor.get(
        f"/learning/learners/{f['learner'].id}/attendance?term=2020-summer"
    ).get_data(as_text=True)


def test_staff_see_their_learners_on_roll_longest_without_logged_learning_first(app, db_session, family):
    f = family
    today = f["today"]
    # Robin logged 3 days ago; Ada 20 days ago; Ben never; Cy (not on the mentor's caseload) never; Di left.
    LogEntryFactory(learner=f["learner"], on_date=today - timedelta(days=3), subjects=[f["maths"]])
    ada = LearnerFactory(legal_name="Ada Byron", locality=f["learner"].locality, enrolled=today - timedelta(days=60))
    ben = LearnerFactory(legal_name="Ben Ng", locality=f["learner"].locality, enrolled=today - timedelta(days=60))
    LearnerFactory(legal_name="Cy Other", locality=f["learner"].locality, enrolled=today - timedelta(days=60))
    di = LearnerFactory(legal_name="Di Gone", locality=f["learner"].locality, enrolled=today - timedelta(days=60))
    LogEntryFactory(learner=ada, on_date=today - timedelta(days=20), subjects=[f["maths"]])
    for child in (ada, ben, di):
        mentoring.assign(f["admin"], child, f["mentor"], today - timedelta(days=60))
    di.enrolments[0].end_date = today - timedelta(days=5)
    db_session.commit()

    def order(user) -> list[str]:
        page = client_for(app, user).get("/learning/log").get_data(as_text=True)
        names = ["Robbie Example", "Ada Byron", "Ben Ng", "Cy Other", "Di Gone"]
        return sorted((n for n in names if n in page), key=page.index)

    assert order(f["mentor"]) == ["Ben Ng", "Ada Byron", "Robbie Example"]
    assert order(f["coordinator"]) == ["Ben Ng", "Cy Other", "Ada Byron", "Robbie Example"]
    # Logging learning today moves Ben to the end.
    LogEntryFactory(learner=ben, on_date=today, subjects=[f["maths"]])
    db_session.commit()
    assert order(f["mentor"]) == ["Ada Byron", "Robbie Example", "Ben Ng"]


def test_a_family_with_one_child_goes_straight_to_their_week(app, db_session, family):
    response = client_for(app, family["guardian"]).get("/learning/log")
    assert (
        response.status_code == 302
        and f"/learning/learners/{family['learner'].id}/week" in response.headers["Location"]
    )


# --- exhibitions ---------------------------------------------------------------------------------------------


def test_an_exhibition_is_planned_and_feedback_recorded(app, db_session, family):
    f = family
    photo = EvidenceFactory(learner=f["learner"], title="Fort photo")
    guardian = client_for(app, f["guardian"])
    path = f"/learning/learners/{f['learner'].id}/exhibitions/new"
    bad = post_form(guardian, path, {"held_on": day_fields(f["today"]), "mode": "online", "where": "Zoom"}, path)
    text = bad.get_data(as_text=True)
    assert "Enter who is invited" in text
    bad = post_form(
        guardian,
        path,
        {"held_on": day_fields(f["today"]), "mode": "online", "where": "Zoom", "audience": "Family"},
        path,
    )
    assert "Enter the link to the online exhibition" in bad.get_data(as_text=True)
    response = post_form(
        guardian,
        path,
        {
            "held_on": day_fields(f["today"]),
            "mode": "in_person",
            "where": "The village hall",
            "audience": "Family and Mo",
            "items": [str(photo.id)],
        },
        path,
    )
    assert response.status_code == 302
    show = db_session.scalars(select(Exhibition)).one()
    assert [i.id for i in show.items] == [photo.id]
    feedback = f"/learning/exhibitions/{show.id}/feedback"
    bad = post_form(guardian, feedback, {"reviewer_name": "Grandma", "content": "3"}, feedback).get_data(as_text=True)
    assert "Select a score for how it was explained" in bad
    post_form(
        guardian,
        feedback,
        {"reviewer_name": "Grandma", "content": "3", "explanation": "4", "reflection": "2", "comments": "So proud."},
        feedback,
    )
    page = guardian.get(f"/learning/exhibitions/{show.id}").get_data(as_text=True)
    assert "So proud." in page and "Grandma" in page and "Fort photo" in page
    assert db_session.scalar(select(func.count()).select_from(ExhibitionFeedback)) == 1
    # Deleting a piece of evidence takes it out of the exhibition too.
    delete = f"/learning/evidence/{photo.id}/delete"
    assert post_form(guardian, delete, token_from=delete).status_code == 302
    db_session.expire_all()
    assert db_session.get(Exhibition, show.id).items == []
    assert "Fort photo" not in guardian.get(f"/learning/exhibitions/{show.id}").get_data(as_text=True)


# --- the record of achievement -------------------------------------------------------------------------------


def test_the_mentor_writes_the_summary_and_the_family_downloads_the_pdf(app, db_session, family):
    f = family
    LogEntryFactory(learner=f["learner"], minutes=150, subjects=[f["maths"]])
    start, end = f["today"] - timedelta(days=30), f["today"]
    mentor = client_for(app, f["mentor"])
    path = f"/learning/learners/{f['learner'].id}/achievement/summary?start={start.isoformat()}&end={end.isoformat()}"
    response = post_form(
        mentor,
        path,
        {"start": day_fields(start), "end": day_fields(end), "text": "Robbie has worked with real determination."},
        path,
    )
    assert response.status_code == 302
    guardian = client_for(app, f["guardian"])
    assert guardian.get(path).status_code == 403  # families read the summary; mentors write it
    page = guardian.get(response.headers["Location"]).get_data(as_text=True)
    assert "Robbie has worked with real determination." in page
    link = re.search(r'href="(/learning/learners/\d+/achievement\.pdf\?[^"]+)"', page).group(1).replace("&amp;", "&")
    pdf = guardian.get(link)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith('attachment; filename="record-of-achievement-robbie-')
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert "Robin Example" in text and "Robbie has worked with real determination." in text and "2.5" in text
    # The period form: a bad period is refused with a message.
    bad = guardian.get(
        f"/learning/learners/{f['learner'].id}/achievement",
        query_string=[("start", "1"), ("start", "9"), ("start", "2030"), ("end", "1"), ("end", "9"), ("end", "2029")],
    ).get_data(as_text=True)
    assert "The first day must be before the last day" in bad
    assert client_for(app, f["other_guardian"]).get(link).status_code == 404
