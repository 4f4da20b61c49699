"""The exam pages: the officer's catalogue, series and centres; the mentor's judgement; the family's confirmation;
entries with their fees quoted and posted; what happens to an entry after; access arrangements; statements (real
PDFs) and entry lists (CSV); reports; the dashboard panel. Bad input is shown on the form with what was entered,
and every refusal is a message, never a 500."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from tests.chart_pages import chart_on, chart_table, svg_words
from tests.conftest import banners, post_form, sign_in
from tests.factories import (
    CentreSeriesCapacityFactory,
    ExamCentreFactory,
    ExamSeriesFactory,
    GuardianFactory,
    LearnerFactory,
    QualificationFactory,
    ReadinessJudgementFactory,
    UserFactory,
    fund_exams_budget,
)
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import (
    AccessArrangement,
    ArrangementEvidence,
    ArrangementStatus,
    ArrangementType,
    CentreSeriesCapacity,
    EntryState,
    ExamCentre,
    ExamEntry,
    ExamSeries,
    MentorAssignment,
    Qualification,
    Readiness,
    ReadinessJudgement,
    Role,
    Tier,
)
from virtualacademy.services.exams import arrangements, entries

BEFORE_DEADLINE = datetime(2027, 2, 10, 10, 0, tzinfo=clock.LONDON)
AFTER_CUTOFF = datetime(2027, 4, 22, 10, 0, tzinfo=clock.LONDON)
EXAMS_START = datetime(2027, 5, 11, 9, 0, tzinfo=clock.LONDON)
RESULTS = datetime(2027, 8, 19, 9, 0, tzinfo=clock.LONDON)


#: A page with a form (and its CSRF token) for every signed-in user.
ANY_FORM = "/account/password"


@pytest.fixture
def officer(db_session):
    return UserFactory(name="Eve Exams", roles=[Role.EXAMS_OFFICER])


def _setting(seats=10, budget=100_000, **judgement):
    series = ExamSeriesFactory(name="June 2027")
    centre = ExamCentreFactory(name="Doncaster College")
    CentreSeriesCapacityFactory(centre=centre, series=series, seats=seats)
    found = ReadinessJudgementFactory(**judgement)
    if budget:
        fund_exams_budget(budget)
    return found, series, centre


def _entry_form(judgement, series, centre, **more):
    return {
        "qualification_id": judgement.qualification_id,
        "series_id": series.id,
        "centre_id": centre.id,
        **more,
    }


# --- the catalogue, series and centres ---------------------------------------------------------------------


def test_officer_adds_and_edits_a_qualification_and_bad_input_keeps_what_was_typed(client, officer):
    sign_in(client, officer.email)
    path = "/exams/qualifications/new"
    data = {"awarding_body": "aqa", "qualification_type": "gcse", "subject": "Mathematics", "spec_code": "8300"}
    response = post_form(client, path, {**data, "entry_fee": "forty"}, path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page
    assert 'value="Mathematics"' in page and 'value="forty"' in page
    response = post_form(client, path, {**data, "entry_fee": "45.50", "tiered": "y"}, path)
    assert response.status_code == 302
    found = db.session.scalar(select(Qualification).where(Qualification.spec_code == "8300"))
    assert found.entry_fee_pence == 4_550 and found.tiered
    # the same code again: the service's refusal on the field
    response = post_form(client, path, {**data, "entry_fee": "45"}, path)
    assert "AQA 8300 is already in the catalogue" in response.get_data(as_text=True)
    edit = f"/exams/qualifications/{found.id}"
    assert 'value="45.50"' in client.get(edit).get_data(as_text=True)
    response = post_form(client, edit, {**data, "entry_fee": "50"}, edit)  # "active" unticked: retired
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Qualification, found.id).active is False
    listing = client.get("/exams/qualifications?q=8300").get_data(as_text=True)
    assert "AQA GCSE Mathematics (8300)" in listing and "Retired" in listing


def test_catalogue_import_reports_each_bad_row_and_imports_nothing_then_imports(client, officer):
    sign_in(client, officer.email)
    path = "/exams/qualifications/import"
    bad = b"awarding_body,type,subject,spec_code,tiered,needs_supervision,entry_fee\nAQA,GCSE,Maths,8300,maybe,no,45\n"
    response = post_form(client, path, {"file": (__import__("io").BytesIO(bad), "c.csv")}, path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Row 2: tiered must be yes or no" in page
    assert db.session.scalar(select(Qualification).where(Qualification.spec_code == "8300")) is None
    good = bad.replace(b"maybe", b"yes")
    response = post_form(client, path, {"file": (__import__("io").BytesIO(good), "c.csv")}, path)
    assert response.status_code == 302
    assert db.session.scalar(select(Qualification).where(Qualification.spec_code == "8300")).tiered


def _day(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _series_data(**changes):
    dates = {
        "entry_deadline": date(2027, 2, 21),
        "late_entry_deadline": date(2027, 3, 21),
        "very_late_cutoff": date(2027, 4, 21),
        "changes_free_until": date(2027, 4, 21),
        "access_deadline": date(2027, 2, 21),
        "first_exam_on": date(2027, 5, 10),
        "last_exam_on": date(2027, 6, 25),
        "results_day": date(2027, 8, 19),
        **changes,
    }
    data = {"name": "June 2028", "late_fee": "50", "very_late_fee": "100"}
    for name, day in dates.items():
        data[name] = _day(day)
    return data


def test_officer_adds_a_series_and_the_service_refuses_dates_out_of_order(client, officer):
    sign_in(client, officer.email)
    path = "/exams/series/new"
    response = post_form(client, path, _series_data(late_entry_deadline=date(2027, 2, 1)), path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "The late-entry deadline must be on or after the entry deadline" in page
    assert 'value="June 2028"' in page
    response = post_form(client, path, _series_data(), path)
    assert response.status_code == 302
    series = db.session.scalar(select(ExamSeries).where(ExamSeries.name == "June 2028"))
    assert series.late_fee_pence == 5_000
    page = client.get(f"/exams/series/{series.id}").get_data(as_text=True)
    assert "21 February 2027" in page and "£50.00" in page


def test_officer_adds_a_centre_with_arrangements_and_sets_its_seats(client, officer):
    series = ExamSeriesFactory(name="June 2027")
    sign_in(client, officer.email)
    path = "/exams/centres/new"
    data = {"name": "Thorne Learning Hub", "admin_fee": "95", "accepts_private_candidates": "y"}
    response = post_form(client, path, {**data, "centre_number": "12"}, path)
    assert "Enter the centre number as 5 digits" in response.get_data(as_text=True)
    response = post_form(client, path, {**data, "provides": ["scribe", "extra_time_25"]}, path)
    assert response.status_code == 302
    centre = db.session.scalar(select(ExamCentre).where(ExamCentre.name == "Thorne Learning Hub"))
    assert centre.provides == {ArrangementType.SCRIBE, ArrangementType.EXTRA_TIME_25}
    seats = f"/exams/centres/{centre.id}/series/{series.id}"
    response = post_form(client, seats, {"seats": "-1"}, seats)
    assert "Enter the number of seats, 0 or more" in response.get_data(as_text=True)
    late = {"seats": "12", "access_deadline": ["1", "3", "2027"]}
    response = post_form(client, seats, late, seats)
    assert "cannot be after the series" in response.get_data(as_text=True)
    response = post_form(client, seats, {"seats": "12"}, seats)
    assert response.status_code == 302
    assert (
        db.session.scalar(select(CentreSeriesCapacity.seats).where(CentreSeriesCapacity.centre_id == centre.id)) == 12
    )


# --- readiness and confirmation ----------------------------------------------------------------------------


def _mentored(mentor=None):
    learner = LearnerFactory(preferred_name="Ellie")
    mentor = mentor or UserFactory(roles=[Role.MENTOR])
    db.session.add(MentorAssignment(learner_id=learner.id, mentor_id=mentor.id, starts_on=date(2026, 9, 1)))
    db.session.commit()
    return learner, mentor


def test_mentor_records_a_judgement_and_the_family_confirms(client, db_session):
    learner, mentor = _mentored()
    guardian = GuardianFactory(family=learner.family)
    qualification = QualificationFactory(subject="Ancient History", tiered=True)
    sign_in(client, mentor.email)
    path = f"/exams/learners/{learner.id}/readiness/new"
    base = {"qualification_id": qualification.id, "evidence": "Two past papers at grade 7", "judgement": "ready"}
    base["judged_on"] = ["1", "3", "2027"]
    response = post_form(client, path, base, path)
    page = response.get_data(as_text=True)
    assert "Recommend a tier: foundation or higher" in page and "Two past papers at grade 7" in page
    mock = {
        "mock_1_sat_on": ["1", "2", "2027"],
        "mock_1_paper": "Paper 1",
    }
    response = post_form(client, path, {**base, **mock, "recommended_tier": "higher"}, path)
    assert "Give the result, like 64/80" in response.get_data(as_text=True)
    response = post_form(client, path, {**base, **mock, "mock_1_result": "64/80", "recommended_tier": "higher"}, path)
    assert response.status_code == 302
    judgement = db.session.scalar(select(ReadinessJudgement).where(ReadinessJudgement.learner_id == learner.id))
    assert judgement.judgement is Readiness.READY and judgement.mocks[0].result == "64/80"
    caseload = client.get(f"/caseload/learners/{learner.id}").get_data(as_text=True)
    assert "Ancient History" in caseload and "waiting for Ellie and a parent or carer to confirm" in caseload

    post_form(client, "/sign-out", token_from=ANY_FORM)
    sign_in(client, guardian.user.email)
    page = client.get(f"/exams/learners/{learner.id}").get_data(as_text=True)
    assert "Ellie wants to sit it" in page and "I agree, as a parent or carer" in page
    for who in ("learner", "guardian"):
        response = post_form(
            client, f"/exams/judgements/{judgement.id}/confirm", {"as": who}, f"/exams/learners/{learner.id}"
        )
        assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ReadinessJudgement, judgement.id).confirmed
    page = client.get(f"/exams/learners/{learner.id}").get_data(as_text=True)
    assert "Ready and confirmed" in page


def test_a_mentor_of_another_learner_cannot_judge_and_the_family_cannot_confirm_a_not_yet(client, db_session):
    learner, _mentor = _mentored()
    stranger = UserFactory(roles=[Role.MENTOR])
    sign_in(client, stranger.email)
    assert client.get(f"/exams/learners/{learner.id}/readiness/new").status_code == 404
    guardian = GuardianFactory(family=learner.family)
    not_yet = ReadinessJudgementFactory(
        learner=learner, judgement=Readiness.NOT_YET, still_needed="Paper 2", confirmed=False
    )
    post_form(client, "/sign-out", token_from=ANY_FORM)
    sign_in(client, guardian.user.email)
    response = post_form(client, f"/exams/judgements/{not_yet.id}/confirm", {"as": "guardian"}, follow_redirects=True)
    assert response.status_code == 200
    assert "The mentor has not judged them ready yet" in " ".join(banners(response.get_data(as_text=True)))


# --- entries -----------------------------------------------------------------------------------------------


def test_officer_checks_the_fees_then_makes_the_entry_and_it_is_posted(client, officer, travel):
    travel(BEFORE_DEADLINE)
    judgement, series, centre = _setting()
    sign_in(client, officer.email)
    assert judgement.learner.legal_name in client.get("/exams/ready").get_data(as_text=True)
    path = f"/exams/learners/{judgement.learner_id}/entries/new"
    response = post_form(client, path, {**_entry_form(judgement, series, centre), "check": "y"}, path)
    page = response.get_data(as_text=True)
    assert "Entry fee" in page and "£45.00" in page and "£115.00" in page and "£160.00" in page
    assert db.session.scalar(select(ExamEntry)) is None  # checking writes nothing
    response = post_form(client, path, {**_entry_form(judgement, series, centre), "confirm": "y"}, path)
    assert response.status_code == 302
    entry = db.session.scalar(select(ExamEntry))
    assert entry.state is EntryState.REQUESTED and sum(f.amount_pence for f in entry.fees) == 16_000
    page = client.get(f"/exams/entries/{entry.id}").get_data(as_text=True)
    assert "Fees posted through the ledger" in page and "£160.00 spent" in page


def test_after_the_deadline_the_quote_shows_the_late_fee_and_the_shortfall(client, officer):
    judgement, series, centre = _setting(budget=10_000)  # the suite's day: after the entry deadline
    sign_in(client, officer.email)
    path = f"/exams/learners/{judgement.learner_id}/entries/new"
    page = post_form(client, path, {**_entry_form(judgement, series, centre), "check": "y"}, path).get_data(
        as_text=True
    )
    assert "Late entry fee" in page and "£50.00" in page and "£110.00 short" in page
    response = post_form(client, path, {**_entry_form(judgement, series, centre), "confirm": "y"}, path)
    assert response.status_code == 200 and "£110.00 short of the £210.00" in response.get_data(as_text=True)
    assert db.session.scalar(select(ExamEntry)) is None


@pytest.mark.parametrize(
    "case, message",
    [
        ("not_confirmed", "have not yet confirmed"),
        ("full", "is full for June 2027"),
        ("no_private", "does not take private candidates"),
        ("duplicate", "is already entered for"),
        ("cutoff", "Entries for June 2027 closed on 21 April 2027"),
    ],
)
def test_each_refused_entry_is_a_message_on_the_form(client, officer, travel, case, message):
    judgement, series, centre = _setting(seats=0 if case == "full" else 10, confirmed=case != "not_confirmed")
    if case == "no_private":
        centre.accepts_private_candidates = False
        db.session.commit()
    if case == "duplicate":
        entries.create_entry(officer, judgement.learner, judgement.qualification, series, centre)
        db.session.commit()
    if case == "cutoff":
        travel(AFTER_CUTOFF)
    sign_in(client, officer.email)
    path = f"/exams/learners/{judgement.learner_id}/entries/new"
    response = post_form(client, path, {**_entry_form(judgement, series, centre), "confirm": "y"}, path)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_centre_details_sat_and_result_with_each_refusal_shown(client, officer, travel):
    travel(BEFORE_DEADLINE)
    judgement, series, centre = _setting()
    entry = entries.create_entry(officer, judgement.learner, judgement.qualification, series, centre)
    db.session.commit()
    sign_in(client, officer.email)
    path = f"/exams/entries/{entry.id}"
    response = post_form(client, f"{path}/result", {"grade": "7"}, ANY_FORM)
    assert "A result can only be recorded for an entry that was sat: this one is requested" in response.get_data(
        as_text=True
    )
    response = post_form(client, f"{path}/candidate", {"candidate_number": "42", "uci": "52311A1234567"}, path)
    page = response.get_data(as_text=True)
    assert "Enter the centre&#39;s 4-digit candidate number" in page and 'value="52311A1234567"' in page
    response = post_form(client, f"{path}/candidate", {"candidate_number": "0042", "uci": "52311A1234567"}, path)
    assert response.status_code == 302
    response = post_form(client, f"{path}/sat", {}, ANY_FORM, follow_redirects=True)
    assert "starts on 10 May 2027: nothing is sat yet" in " ".join(banners(response.get_data(as_text=True)))
    travel(EXAMS_START)
    sign_in(client, officer.email)  # months later: a new session
    assert post_form(client, f"{path}/sat", {}, ANY_FORM).status_code == 302
    travel(RESULTS)
    sign_in(client, officer.email)
    response = post_form(client, f"{path}/result", {"grade": "7"}, ANY_FORM)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ExamEntry, entry.id).grade == "7"
    # on the record of achievement, for the family: the page and the PDF
    guardian = GuardianFactory(family=judgement.learner.family)
    post_form(client, "/sign-out", token_from=ANY_FORM)
    sign_in(client, guardian.user.email)
    path = f"/learning/learners/{judgement.learner_id}/achievement"
    record = client.get(path).get_data(as_text=True)
    assert f"{judgement.qualification.title}: grade 7 (June 2027)" in record
    assert client.get(f"{path}.pdf").data.startswith(b"%PDF")


def test_withdrawal_page_says_whether_fees_are_refunded(client, officer, travel):
    travel(BEFORE_DEADLINE)
    judgement, series, centre = _setting()
    entry = entries.create_entry(officer, judgement.learner, judgement.qualification, series, centre)
    db.session.commit()
    sign_in(client, officer.email)
    path = f"/exams/entries/{entry.id}/withdraw"
    assert "will be refunded" in client.get(path).get_data(as_text=True)
    response = post_form(client, path, {"reason": ""}, path)
    assert "Give the reason for withdrawing the entry" in response.get_data(as_text=True)
    response = post_form(client, path, {"reason": "Not well"}, path, follow_redirects=True)
    assert "£160.00 in fees refunded" in " ".join(banners(response.get_data(as_text=True)))
    db.session.expire_all()
    assert db.session.get(ExamEntry, entry.id).state is EntryState.WITHDRAWN
    assert "cannot be withdrawn" in client.get(path).get_data(as_text=True)


# --- arrangements --------------------------------------------------------------------------------------------


def test_mentor_drafts_an_arrangement_the_centre_cannot_provide_and_is_told(client, officer, travel):
    travel(BEFORE_DEADLINE)
    judgement, series, centre = _setting()
    learner = judgement.learner
    mentor = UserFactory(roles=[Role.MENTOR])
    db.session.add(MentorAssignment(learner_id=learner.id, mentor_id=mentor.id, starts_on=date(2026, 9, 1)))
    entries.create_entry(officer, learner, judgement.qualification, series, centre)
    db.session.commit()
    sign_in(client, mentor.email)
    path = f"/exams/learners/{learner.id}/arrangements/new"
    data = {"series_id": series.id, "arrangement_type": "scribe", "evidence_kind": "ehcp"}
    response = post_form(client, path, data, path)
    assert "Doncaster College cannot provide scribe" in response.get_data(as_text=True)
    response = post_form(client, path, {**data, "arrangement_type": "extra_time_25"}, path)
    assert response.status_code == 302
    found = db.session.scalar(select(AccessArrangement))
    assert found.status is ArrangementStatus.DRAFT

    post_form(client, "/sign-out", token_from=ANY_FORM)
    sign_in(client, officer.email)
    assert "25% extra time" in client.get("/exams/arrangements").get_data(as_text=True)
    assert post_form(client, f"/exams/arrangements/{found.id}/apply", {}, "/exams/arrangements").status_code == 302
    response = post_form(
        client, f"/exams/arrangements/{found.id}/apply", {}, "/exams/arrangements", follow_redirects=True
    )
    assert "already been applied for" in " ".join(banners(response.get_data(as_text=True)))
    data = {"decision": "approved"}
    assert post_form(client, f"/exams/arrangements/{found.id}/decide", data, "/exams/arrangements").status_code == 302
    db.session.expire_all()
    assert db.session.get(AccessArrangement, found.id).status is ArrangementStatus.APPROVED


def test_the_learner_page_says_when_a_centre_cannot_provide_an_arrangement(client, officer, travel):
    travel(BEFORE_DEADLINE)
    judgement, series, centre = _setting()
    learner = judgement.learner
    arrangement = arrangements.add_arrangement(
        officer, learner, series, ArrangementType.SCRIBE, ArrangementEvidence.EHCP
    )
    entries_centre = ExamCentreFactory(name="Other Centre", provides=[ArrangementType.SCRIBE])
    CentreSeriesCapacityFactory(centre=entries_centre, series=series)
    entries.create_entry(officer, learner, judgement.qualification, series, entries_centre)
    entries_centre.arrangements.clear()  # the centre stops providing it
    db.session.commit()
    sign_in(client, officer.email)
    page = client.get(f"/exams/learners/{learner.id}").get_data(as_text=True)
    assert arrangement.id and "Other Centre cannot provide this" in page


# --- documents and reports -----------------------------------------------------------------------------------


def test_statement_of_entry_is_a_real_pdf_for_the_family_and_refused_until_confirmed(client, officer, travel):
    travel(BEFORE_DEADLINE)
    judgement, series, centre = _setting()
    learner = judgement.learner
    guardian = GuardianFactory(family=learner.family)
    entry = entries.create_entry(officer, learner, judgement.qualification, series, centre)
    db.session.commit()
    sign_in(client, guardian.user.email)
    path = f"/exams/learners/{learner.id}/series/{series.id}/statement.pdf"
    response = client.get(path, follow_redirects=True)
    assert "has not confirmed any entry" in " ".join(banners(response.get_data(as_text=True)))
    entries.confirm_entered(officer, entry, "0042", "52311A1234567")
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    other = GuardianFactory()
    post_form(client, "/sign-out", token_from=ANY_FORM)
    sign_in(client, other.user.email)
    assert client.get(path).status_code == 404


def test_centre_entry_list_csv_results_summary_and_reports(client, officer, travel):
    travel(BEFORE_DEADLINE)
    judgement, series, centre = _setting()
    entry = entries.create_entry(officer, judgement.learner, judgement.qualification, series, centre)
    entries.confirm_entered(officer, entry, "0042", "52311A1234567")
    db.session.commit()
    sign_in(client, officer.email)
    response = client.get(f"/exams/series/{series.id}/centres/{centre.id}/entries.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "0042" in response.get_data(as_text=True) and "52311A1234567" in response.get_data(as_text=True)
    page = client.get(f"/exams/series/{series.id}/reports").get_data(as_text=True)
    assert "Entries by qualification" in page and "Age at entry" in page and "£160.00" in page
    # each chart is an SVG image saying its figures in words, with the same numbers as a table
    place = judgement.learner.locality.name if judgement.learner.locality else "No locality"
    for caption, label in (
        ("Entries by qualification", entry.qualification.title),
        ("Entries by centre", centre.name),
        ("Entries by locality", place),
        ("Entries by age at entry", str(entry.age_at_entry)),
    ):
        alt, svg = chart_on(page, caption)
        assert alt == f"{caption}. {label}: 1.", alt
        assert {label, "1"} <= svg_words(svg)
        assert chart_table(page, caption) == {label: ["1"]}
    assert "No results recorded yet" in client.get(f"/exams/series/{series.id}/results").get_data(as_text=True)
    page = client.get(f"/exams/series/{series.id}?state=entered&centre={centre.id}").get_data(as_text=True)
    assert judgement.learner.legal_name in page


def test_officer_dashboard_panel_names_what_to_do(client, officer, travel):
    travel(BEFORE_DEADLINE)
    judgement, series, centre = _setting()
    sign_in(client, officer.email)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Ready, not entered (1)" in page and judgement.learner.legal_name in page
    assert "entry deadline" in page  # 21 February is within the month


def test_coordinator_sees_counts_for_their_locality_only(client, officer, travel):
    from tests.factories import LocalityFactory
    from virtualacademy.models import LocalityRole, LocalityStaff

    travel(BEFORE_DEADLINE)
    judgement, series, centre = _setting()
    mine, theirs = LocalityFactory(name="Northfield"), LocalityFactory(name="Southmoor")
    judgement.learner.locality_id = mine.id
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    db.session.add(LocalityStaff(user_id=coordinator.id, locality_id=mine.id, role=LocalityRole.COORDINATOR))
    entries.create_entry(officer, judgement.learner, judgement.qualification, series, centre)
    db.session.commit()
    sign_in(client, coordinator.email)
    page = client.get("/exams/localities").get_data(as_text=True)
    assert "Northfield" in page and "Southmoor" not in page and theirs.id
    assert judgement.learner.legal_name not in page
    assert client.get(f"/exams/learners/{judgement.learner_id}").status_code == 403


def test_the_fee_check_shows_the_series_age_rule_with_its_reason_and_never_refuses(client, officer):
    judgement, series, centre = _setting()
    series.age_rule_min_age, series.age_rule_on = 16, date(2026, 8, 31)
    series.age_rule_reason = "November is a resit series for candidates aged 16 or over."
    judgement.learner.date_of_birth = date(2014, 5, 1)
    db.session.commit()
    sign_in(client, officer.email)
    path = f"/exams/learners/{judgement.learner_id}/entries/new"
    page = post_form(client, path, {**_entry_form(judgement, series, centre), "check": "y"}, path).get_data(
        as_text=True
    )
    assert "aged 16 or over on 31 August 2026" in page and "November is a resit series" in page
    assert "does not refuse an entry because of age" in page
    response = post_form(client, path, {**_entry_form(judgement, series, centre), "confirm": "y"}, path)
    assert response.status_code == 302


def test_coordinator_dashboard_counts_their_locality_entries(client, officer, travel):
    from tests.factories import LocalityFactory
    from virtualacademy.models import LocalityRole, LocalityStaff

    travel(BEFORE_DEADLINE)
    judgement, series, centre = _setting()
    mine = LocalityFactory(name="Northfield")
    judgement.learner.locality_id = mine.id
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    db.session.add(LocalityStaff(user_id=coordinator.id, locality_id=mine.id, role=LocalityRole.COORDINATOR))
    entries.create_entry(officer, judgement.learner, judgement.qualification, series, centre)
    db.session.commit()
    sign_in(client, coordinator.email)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Northfield, June 2027: 1 entry" in page and judgement.learner.legal_name not in page


def test_officer_adds_a_paper_to_the_timetable_and_the_family_sees_it(client, officer, travel):
    travel(BEFORE_DEADLINE)
    judgement, series, centre = _setting()
    entry = entries.create_entry(officer, judgement.learner, judgement.qualification, series, centre)
    entries.confirm_entered(officer, entry, "0042", "52311A1234567")
    db.session.commit()
    sign_in(client, officer.email)
    path = f"/exams/series/{series.id}/papers"
    data = {
        "qualification_id": judgement.qualification_id,
        "paper_code": "T1/01",
        "title": "Paper 1",
        "sits_on": ["1", "4", "2027"],
        "session": "am",
        "duration_minutes": "90",
    }
    response = post_form(client, path, data, path)
    page = response.get_data(as_text=True)
    assert "The paper must be sat between 10 May 2027 and 25 June 2027" in page and 'value="T1/01"' in page
    response = post_form(client, path, {**data, "sits_on": ["14", "5", "2027"], "room": "Hall"}, path)
    assert response.status_code == 302
    assert "T1/01: Paper 1" in client.get(path).get_data(as_text=True)
    guardian = GuardianFactory(family=judgement.learner.family)
    post_form(client, "/sign-out", token_from=ANY_FORM)
    sign_in(client, guardian.user.email)
    page = client.get(f"/exams/learners/{judgement.learner_id}").get_data(as_text=True)
    assert "14 May 2027, morning" in page and "T1/01: Paper 1" in page and "Hall" in page


def test_the_tier_changes_while_changes_are_free(client, officer, travel):
    travel(BEFORE_DEADLINE)
    qualification = QualificationFactory(tiered=True)
    judgement, series, centre = _setting(qualification=qualification, recommended_tier=Tier.HIGHER)
    entry = entries.create_entry(officer, judgement.learner, qualification, series, centre)
    db.session.commit()
    sign_in(client, officer.email)
    path = f"/exams/entries/{entry.id}"
    assert "Changes are free until 21 April 2027" in client.get(path).get_data(as_text=True)
    response = post_form(client, f"{path}/tier", {}, path)
    assert response.status_code == 200 and "Choose the tier" in response.get_data(as_text=True)
    response = post_form(client, f"{path}/tier", {"tier": "foundation"}, path)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ExamEntry, entry.id).tier is Tier.FOUNDATION
    travel(AFTER_CUTOFF)
    sign_in(client, officer.email)
    assert "Changes are free until" not in client.get(path).get_data(as_text=True)
    response = post_form(client, f"{path}/tier", {"tier": "higher"}, ANY_FORM)
    assert "Fee-free changes for June 2027 ended on 21 April 2027" in response.get_data(as_text=True)
