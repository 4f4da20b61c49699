"""Reports per series (aggregated in the database), the statement of entry PDF and a centre's entry list CSV."""

import csv
import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from tests.factories import (
    CentreSeriesCapacityFactory,
    ExamCentreFactory,
    ExamSeriesFactory,
    LearnerFactory,
    LocalityFactory,
    QualificationFactory,
    ReadinessJudgementFactory,
    UserFactory,
    fund_exams_budget,
)
from virtualacademy import clock
from virtualacademy.errors import DomainError, NotAllowed
from virtualacademy.models import (
    ArrangementEvidence,
    ArrangementType,
    AwardingBody,
    ExamPaper,
    ExamSession,
    FeeKind,
    LocalityRole,
    LocalityStaff,
    PaidFrom,
    QualificationType,
    Role,
    Tier,
)
from virtualacademy.services.exams import arrangements, documents, entries, reports, results


@pytest.fixture
def series_with_entries(ctx, travel):
    """June 2027 at two centres: three learners aged 12, 15 and 17 in two localities; one withdrawn entry; two
    results."""
    travel(datetime(2027, 2, 1, 10, 0, tzinfo=clock.LONDON))
    officer = UserFactory(roles=[Role.EXAMS_OFFICER])
    series = ExamSeriesFactory(name="June 2027")
    college = ExamCentreFactory(name="Doncaster College", centre_number="30123")
    school = ExamCentreFactory(name="Hall Cross Academy", centre_number="30456")
    for centre in (college, school):
        CentreSeriesCapacityFactory(centre=centre, series=series)
    north, south = LocalityFactory(name="Doncaster North"), LocalityFactory(name="Doncaster South")
    maths = QualificationFactory(subject="Mathematics", spec_code="8300", tiered=True)
    english = QualificationFactory(
        awarding_body=AwardingBody.CAMBRIDGE,
        qualification_type=QualificationType.IGCSE,
        subject="First Language English",
        spec_code="0500",
        entry_fee_pence=5_210,
    )
    fund_exams_budget(200_000)
    ellie = LearnerFactory(legal_name="Ella Mae Jones", date_of_birth=date(2014, 9, 30), locality=north)
    zara = LearnerFactory(legal_name="Zara Ali", date_of_birth=date(2011, 11, 30), locality=south)
    sam = LearnerFactory(legal_name="Sam Reed", date_of_birth=date(2009, 6, 1), locality=south)
    made = {}
    for learner, qualification, centre, tier in [
        (ellie, maths, college, Tier.HIGHER),
        (zara, english, college, None),
        (zara, maths, school, Tier.FOUNDATION),
        (sam, english, school, None),
    ]:
        ReadinessJudgementFactory(learner=learner, qualification=qualification, recommended_tier=tier)
        made[(learner.legal_name, qualification.subject)] = entries.create_entry(
            officer, learner, qualification, series, centre
        )
    entries.withdraw(officer, made[("Sam Reed", "First Language English")], "Moved away")
    return officer, series, college, school, north, south, maths, english, made


def test_entries_by_qualification_centre_and_locality(ctx, series_with_entries):
    _officer, series, *_rest = series_with_entries
    assert [(c.label, c.count) for c in reports.entries_by_qualification(series)] == [
        ("AQA GCSE Mathematics (8300)", 2),
        ("Cambridge IGCSE First Language English (0500)", 1),
    ]
    assert [(c.label, c.count) for c in reports.entries_by_centre(series)] == [
        ("Doncaster College", 2),
        ("Hall Cross Academy", 1),
    ]
    assert [(c.label, c.count) for c in reports.entries_by_locality(series)] == [
        ("Doncaster South", 2),
        ("Doncaster North", 1),
    ]


def test_the_age_at_entry_of_each_candidate(ctx, series_with_entries):
    _officer, series, *_rest = series_with_entries
    assert [(c.label, c.count) for c in reports.ages_at_entry(series)] == [("12", 1), ("15", 2)]
    rows = ctx.execute(reports.candidate_ages(series)).all()
    assert [(r.legal_name, r.subject, r.age_at_entry) for r in rows] == [
        ("Ella Mae Jones", "Mathematics", 12),
        ("Zara Ali", "First Language English", 15),
        ("Zara Ali", "Mathematics", 15),
    ]


def test_results_by_qualification_and_fees_spent(ctx, series_with_entries, travel):
    officer, series, _college, _school, _n, _s, maths, english, made = series_with_entries
    for key in [("Ella Mae Jones", "Mathematics"), ("Zara Ali", "First Language English")]:
        entry = made[key]
        entries.confirm_entered(officer, entry, f"00{entry.id:02d}", f"30123A7{entry.id:06d}")
    travel(datetime(2027, 6, 1, 10, 0, tzinfo=clock.LONDON))
    for key in [("Ella Mae Jones", "Mathematics"), ("Zara Ali", "First Language English")]:
        entries.mark_sat(officer, made[key])
    travel(datetime(2027, 8, 19, 10, 0, tzinfo=clock.LONDON))
    results.record_result(officer, made[("Ella Mae Jones", "Mathematics")], "8")
    results.record_result(officer, made[("Zara Ali", "First Language English")], "6")
    assert [(g.qualification, g.grade, g.count) for g in reports.results_by_qualification(series)] == [
        ("Cambridge IGCSE First Language English (0500)", "6", 1),
        ("AQA GCSE Mathematics (8300)", "8", 1),
    ]
    spent = reports.fees_spent(series)
    assert spent.by_kind == {FeeKind.ENTRY: 4_500 * 2 + 5_210, FeeKind.CENTRE: 11_500 * 3}
    assert spent.by_payer == {PaidFrom.CENTRAL: spent.total_pence}
    assert spent.refunded_pence == 5_210 + 11_500  # Sam's withdrawal before the deadline


def test_coordinators_see_only_their_localitys_count(ctx, series_with_entries):
    _officer, series, _c, _s, north, south, *_rest = series_with_entries
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    ctx.add(LocalityStaff(user_id=coordinator.id, locality_id=south.id, role=LocalityRole.COORDINATOR))
    ctx.flush()
    assert reports.locality_entry_count(coordinator, south, series) == 2
    assert reports.locality_entry_count(coordinator, south) == 2
    with pytest.raises(NotAllowed):
        reports.locality_entry_count(coordinator, north, series)
    with pytest.raises(NotAllowed):
        reports.locality_entry_count(UserFactory(roles=[Role.MENTOR]), south, series)


# --- documents ---------------------------------------------------------------------------------------------


def test_the_statement_of_entry_lists_papers_arrangements_and_what_to_bring(app, ctx, series_with_entries):
    officer, series, college, _school, _n, _s, maths, _english, made = series_with_entries
    entry = made[("Ella Mae Jones", "Mathematics")]
    learner = entry.learner
    with pytest.raises(DomainError, match="has not confirmed any entry of Ella"):
        documents.statement(learner, series)
    ctx.add_all(
        [
            ExamPaper(
                qualification_id=maths.id,
                series_id=series.id,
                paper_code="8300/1H",
                title="Paper 1 (non-calculator)",
                tier=Tier.HIGHER,
                sits_on=date(2027, 5, 14),
                session=ExamSession.AM,
                duration_minutes=90,
                room="Sports hall",
            ),
            ExamPaper(
                qualification_id=maths.id,
                series_id=series.id,
                paper_code="8300/1F",
                title="Paper 1 (foundation)",
                tier=Tier.FOUNDATION,
                sits_on=date(2027, 5, 14),
                session=ExamSession.AM,
                duration_minutes=90,
            ),
        ]
    )
    entries.confirm_entered(officer, entry, "0042", "30123A7000421")
    arrangements.add_arrangement(
        officer, learner, series, ArrangementType.EXTRA_TIME_25, ArrangementEvidence.SPECIALIST_REPORT
    )
    made_statement = documents.statement(learner, series)
    assert made_statement.candidate_numbers == ["0042"] and made_statement.uci == "30123A7000421"
    assert [p.paper_code for p in made_statement.lines[0].papers] == ["8300/1H"]
    body = documents.statement_pdf(learner, series)
    assert body.startswith(b"%PDF-")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(body)).pages)
    for expected in (
        "Statement of entry",
        "Ella Mae Jones",
        "30 September 2014",
        "0042",
        "30123A7000421",
        "Doncaster College (centre 30123)",
        "AQA GCSE Mathematics (8300), higher tier",
        "8300/1H: Paper 1 (non-calculator)",
        "14 May 2027",
        "Morning",
        "1h 30m",
        "Sports hall",
        "25% extra time (draft)",
        "What to bring",
        "Black ink pens",
        "19 August 2027",
    ):
        assert expected in text, expected
    assert "Paper 1 (foundation)" not in text


def test_a_centres_entry_list_has_a_row_per_live_entry_with_its_arrangements(app, ctx, series_with_entries):
    officer, series, college, school, _n, _s, _maths, _english, made = series_with_entries
    entries.confirm_entered(officer, made[("Zara Ali", "First Language English")], "0007", "30123A7000071")
    arrangements.add_arrangement(
        officer,
        made[("Zara Ali", "Mathematics")].learner,
        series,
        ArrangementType.SEPARATE_ROOM,
        ArrangementEvidence.EHCP,
    )
    rows = list(documents.entry_list_rows(college, series))
    assert rows[0] == documents.ENTRY_LIST_HEADER
    assert [(r[0], r[2], r[3], r[7], r[9], r[10], r[11]) for r in rows[1:]] == [
        ("0007", "Ali", "Zara", "0500", "", "Separate room (draft)", "Entered"),
        (None, "Jones", "Ella Mae", "8300", "Higher", "", "Requested"),
    ]
    # The withdrawn entry is not on the list; the other centre has its own.
    assert [r[2] for r in documents.entry_list_rows(school, series)][1:] == ["Ali"]
    response = documents.entry_list_response(college, series)
    assert response.mimetype == "text/csv" and "entries-June 2027-30123.csv" in response.headers["Content-Disposition"]
    parsed = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert parsed[1][:4] == ["0007", "30123A7000071", "Ali", "Zara"] and len(parsed) == 3


# --- data protection ---------------------------------------------------------------------------------------


def test_exam_records_are_in_the_subject_access_export_and_their_free_text_is_erased(ctx, series_with_entries):
    from virtualacademy.services import data_protection
    from virtualacademy.services.exams import privacy

    officer, series, _college, _school, _n, _s, _maths, english, made = series_with_entries
    entry = made[("Zara Ali", "First Language English")]
    entries.confirm_entered(officer, entry, "0007", "30123A7000071")
    arrangements.add_arrangement(
        officer,
        entry.learner,
        series,
        ArrangementType.SEPARATE_ROOM,
        ArrangementEvidence.EHCP,
        evidence_note="Zara's EHCP, section F",
    )
    subject = data_protection.subject(entry.learner.family)
    assert "exams" in data_protection.SECTIONS
    rows = privacy.export(subject)
    assert [r["record"] for r in rows] == [
        "readiness judgement",
        "readiness judgement",
        "exam entry",
        "exam entry",
        "access arrangement",
    ]
    exported = next(r for r in rows if r["record"] == "exam entry" and r["id"] == entry.id)
    assert exported["uci"] == "30123A7000071" and exported["series"] == "June 2027"
    assert "created_by_id" not in exported and len(exported["fees"]) == 2
    assert all(r["judged_by"] == "academy staff" and "mentor_id" not in r for r in rows[:2])
    assert privacy.erase(subject) == 4  # two judgements, the confirmed entry, the arrangement
    assert (entry.candidate_number, entry.uci) == (None, None) and entry.age_at_entry == 15
    assert all(r["evidence"] == "Erased" for r in privacy.export(subject)[:2])
    assert privacy.erase(subject) == 0
