"""The qualification catalogue, and exam series, centres, seats and the timetable: what the exams officer sets up."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import (
    CentreSeriesCapacityFactory,
    ExamCentreFactory,
    ExamSeriesFactory,
    LocalityFactory,
    QualificationFactory,
    ReadinessJudgementFactory,
    UserFactory,
    fund_exams_budget,
)
from virtualacademy.errors import DomainError, NotAllowed, ValidationError
from virtualacademy.models import (
    ArrangementType,
    AuditEvent,
    AwardingBody,
    ExamSession,
    FeeKind,
    Qualification,
    QualificationType,
    Role,
    Tier,
)
from virtualacademy.services.exams import catalogue, entries
from virtualacademy.services.exams import series as series_service
from virtualacademy.services.exams.catalogue import QualificationInput
from virtualacademy.services.exams.series import CentreInput, PaperInput, SeriesInput


@pytest.fixture
def officer(ctx):
    return UserFactory(roles=[Role.EXAMS_OFFICER])


# --- qualifications ----------------------------------------------------------------------------------------


def maths(**changes) -> QualificationInput:
    values = {
        "awarding_body": AwardingBody.AQA,
        "qualification_type": QualificationType.GCSE,
        "subject": " Mathematics ",
        "spec_code": "8300",
        "entry_fee_pence": 5_040,
        "tiered": True,
    }
    return QualificationInput(**{**values, **changes})


def test_the_exams_officer_adds_and_edits_a_qualification(ctx, officer):
    q = catalogue.save_qualification(officer, None, maths())
    assert (q.subject, q.spec_code, q.tiered, q.entry_fee_pence) == ("Mathematics", "8300", True, 5_040)
    assert q.title == "AQA GCSE Mathematics (8300)"
    catalogue.save_qualification(officer, q, maths(entry_fee_pence=5_200, needs_supervision=True))
    assert (q.entry_fee_pence, q.needs_supervision) == (5_200, True)
    actions = set(ctx.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "Qualification")))
    assert actions == {"exams.qualification_added", "exams.qualification_changed"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"subject": "  "}, "subject", "Enter the subject"),
        ({"spec_code": ""}, "spec_code", "Enter the specification code"),
        ({"spec_code": "83 00"}, "spec_code", "as the awarding body writes it"),
        ({"entry_fee_pence": -1}, "entry_fee_pence", "£0 or more"),
        ({"entry_fee_pence": 12.5}, "entry_fee_pence", "whole number of pence"),
        ({"awarding_body": "AQA"}, "awarding_body", "Choose the awarding body"),
    ],
)
def test_a_qualification_with_bad_details_is_refused(ctx, officer, changes, field, message):
    with pytest.raises(ValidationError, match=message) as refused:
        catalogue.save_qualification(officer, None, maths(**changes))
    assert refused.value.field == field


def test_the_same_specification_twice_is_refused_and_only_the_exams_staff_edit(ctx, officer):
    catalogue.save_qualification(officer, None, maths())
    with pytest.raises(ValidationError, match="AQA 8300 is already in the catalogue \\(Mathematics\\)"):
        catalogue.save_qualification(officer, None, maths(subject="Maths again"))
    # The same code from another awarding body is another qualification.
    catalogue.save_qualification(officer, None, maths(awarding_body=AwardingBody.OCR))
    with pytest.raises(NotAllowed):
        catalogue.save_qualification(UserFactory(roles=[Role.MENTOR]), None, maths(spec_code="9999"))


def test_a_retired_qualification_takes_no_new_judgements_or_entries(ctx, officer):
    judgement = ReadinessJudgementFactory()
    series = ExamSeriesFactory()
    centre = ExamCentreFactory()
    CentreSeriesCapacityFactory(centre=centre, series=series)
    catalogue.set_active(officer, judgement.qualification, False)
    with pytest.raises(DomainError, match="no longer in the catalogue"):
        entries.create_entry(officer, judgement.learner, judgement.qualification, series, centre)


CATALOGUE = (
    "Awarding body,Type,Subject,Spec code,Tiered,Needs supervision,Entry fee\n"
    "AQA,GCSE,Mathematics,8300,yes,no,50.40\n"
    "Pearson Edexcel,International GCSE,Mathematics A,4MA1,yes,,£49.00\n"
    "Cambridge International,IGCSE,First Language English,0500,no,no,52.10\n"
    "OCR,A level,Biology A,H420,no,yes,126.05\n"
)


def test_a_catalogue_file_adds_and_updates_qualifications(ctx, officer):
    report = catalogue.import_catalogue(officer, CATALOGUE.encode("utf-8-sig"))
    assert report.ok and (report.rows, report.added, report.changed) == (4, 4, 0)
    ctx.flush()
    biology = ctx.scalar(select(Qualification).where(Qualification.spec_code == "H420"))
    assert (biology.awarding_body, biology.qualification_type, biology.needs_supervision, biology.entry_fee_pence) == (
        AwardingBody.OCR,
        QualificationType.A_LEVEL,
        True,
        12_605,
    )
    again = catalogue.import_catalogue(officer, CATALOGUE.replace("50.40", "51.00").encode())
    assert (again.added, again.changed, again.unchanged) == (0, 1, 3)
    assert ctx.scalar(select(Qualification.entry_fee_pence).where(Qualification.spec_code == "8300")) == 5_100


def test_a_catalogue_file_with_problems_names_each_row_and_writes_nothing(ctx, officer):
    bad = (
        "awarding_body,type,subject,spec_code,tiered,needs_supervision,entry_fee\n"
        "AQA,GCSE,Mathematics,8300,yes,no,50.40\n"
        "Edexcel,GCSE,History,1HI0,no,no,5,00\n"
        "Examiners R Us,GCSE,Art,ART1,no,no,10\n"
        "AQA,Degree,Physics,8463,no,no,10\n"
        "AQA,GCSE,Maths again,8300,no,no,10\n"
        "\n"
        "OCR,GCSE,Computing,J277,maybe,no,10\n"
        "WJEC,GCSE,,C100,no,no,10\n"
    )
    report = catalogue.import_catalogue(officer, bad.encode())
    assert not report.ok
    assert [str(e) for e in report.errors] == [
        "Row 3: it has 8 cells but the header names 7",
        "Row 4: the awarding body “Examiners R Us” is not one of AQA, Pearson Edexcel, OCR, WJEC Eduqas, "
        "Cambridge International, Other",
        "Row 5: the type “Degree” is not one of GCSE, International GCSE, AS level, A level, Functional Skills, Other",
        "Row 6: AQA 8300 is also on row 2",
        "Row 8: tiered must be yes or no, not “maybe”",
        "Row 9: Enter the subject",
    ]
    assert ctx.scalar(select(func.count()).select_from(Qualification)) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"subject,spec_code\nMaths,8300\n", "missing: awarding_body, type, entry_fee"),
        (b"PK\x03\x04 workbook", "spreadsheet workbook"),
        (b"awarding_body,type,subject,spec_code,entry_fee\n\xff\xfe", "UTF-8"),
        (b"awarding_body,type,subject,spec_code,entry_fee\n", "no qualifications"),
    ],
)
def test_a_file_that_is_not_a_catalogue_is_refused(ctx, officer, data, message):
    with pytest.raises(ValidationError, match=message):
        catalogue.import_catalogue(officer, data)


# --- series ------------------------------------------------------------------------------------------------


def june(**changes) -> SeriesInput:
    values = {
        "name": "June 2027",
        "entry_deadline": date(2027, 2, 21),
        "late_entry_deadline": date(2027, 3, 21),
        "late_fee_pence": 5_000,
        "very_late_cutoff": date(2027, 4, 21),
        "very_late_fee_pence": 10_000,
        "changes_free_until": date(2027, 4, 21),
        "access_deadline": date(2027, 2, 21),
        "first_exam_on": date(2027, 5, 10),
        "last_exam_on": date(2027, 6, 25),
        "results_day": date(2027, 8, 19),
        "a_level_results_day": date(2027, 8, 12),
    }
    return SeriesInput(**{**values, **changes})


def test_a_series_is_saved_with_its_dates_and_fees(ctx, officer):
    series = series_service.save_series(officer, None, june())
    assert series.name == "June 2027" and series.entry_deadline == date(2027, 2, 21)
    assert series_service.fee_band(series, date(2027, 2, 21)) == (None, 0)
    assert series_service.fee_band(series, date(2027, 2, 22)) == (FeeKind.LATE, 5_000)
    assert series_service.fee_band(series, date(2027, 4, 21)) == (FeeKind.VERY_LATE, 10_000)
    with pytest.raises(DomainError, match="closed on 21 April 2027"):
        series_service.fee_band(series, date(2027, 4, 22))
    with pytest.raises(ValidationError, match="already a series called June 2027"):
        series_service.save_series(officer, None, june())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"late_entry_deadline": date(2027, 2, 20)}, "late_entry_deadline"),
        ({"very_late_cutoff": date(2027, 3, 1)}, "very_late_cutoff"),
        ({"changes_free_until": date(2027, 2, 1)}, "changes_free_until"),
        ({"access_deadline": date(2027, 5, 11)}, "first_exam_on"),
        ({"last_exam_on": date(2027, 5, 1)}, "last_exam_on"),
        ({"results_day": date(2027, 6, 1)}, "results_day"),
        ({"a_level_results_day": date(2027, 6, 1)}, "a_level_results_day"),
        ({"late_fee_pence": -5}, "late_fee_pence"),
        ({"name": ""}, "name"),
        ({"age_rule_min_age": 16}, "age_rule_on"),
        ({"age_rule_min_age": 16, "age_rule_on": date(2026, 8, 31)}, "age_rule_reason"),
        ({"age_rule_reason": "Because"}, "age_rule_min_age"),
    ],
)
def test_a_series_with_dates_out_of_order_or_half_an_age_rule_is_refused(ctx, officer, changes, field):
    with pytest.raises(ValidationError) as refused:
        series_service.save_series(officer, None, june(**changes))
    assert refused.value.field == field


def test_the_november_age_rule_is_data_with_its_reason(ctx, officer):
    november = series_service.save_series(
        officer,
        None,
        june(
            name="November 2026",
            entry_deadline=date(2026, 10, 4),
            late_entry_deadline=date(2026, 10, 11),
            very_late_cutoff=date(2026, 10, 18),
            changes_free_until=date(2026, 10, 25),
            access_deadline=date(2026, 10, 4),
            first_exam_on=date(2026, 11, 2),
            last_exam_on=date(2026, 11, 20),
            results_day=date(2027, 1, 14),
            a_level_results_day=None,
            age_rule_min_age=16,
            age_rule_on=date(2026, 8, 31),
            age_rule_applies_to=QualificationType.GCSE,
            age_rule_reason="GCSE English Language and maths in November are for candidates aged 16 or over.",
        ),
    )
    assert november.age_rule_min_age == 16 and "16 or over" in november.age_rule_reason


# --- centres, seats, the timetable -------------------------------------------------------------------------


def test_a_centre_is_saved_with_the_arrangements_it_provides(ctx, officer):
    locality = LocalityFactory()
    centre = series_service.save_centre(
        officer,
        None,
        CentreInput(
            name="Doncaster College",
            address="The Hub, Chappell Drive, Doncaster",
            postcode="DN1 2RF",
            centre_number="30123",
            locality_id=locality.id,
            admin_fee_pence=11_500,
            supervises_nea=True,
            provides=[ArrangementType.EXTRA_TIME_25, ArrangementType.SCRIBE],
        ),
    )
    assert centre.provides == {ArrangementType.EXTRA_TIME_25, ArrangementType.SCRIBE}
    series_service.save_centre(
        officer,
        centre,
        CentreInput(name="Doncaster College", centre_number="30123", provides=[ArrangementType.READER]),
    )
    assert centre.provides == {ArrangementType.READER} and centre.locality_id is None
    with pytest.raises(ValidationError, match="5 digits"):
        series_service.save_centre(officer, None, CentreInput(name="X", centre_number="1234"))
    with pytest.raises(ValidationError, match="30123 is already Doncaster College"):
        series_service.save_centre(officer, None, CentreInput(name="X", centre_number="30123"))
    own = series_service.save_centre(officer, None, CentreInput(name="Leeds Tutorial Centre", family_found=True))
    assert own.family_found and own.centre_number is None


def test_seats_and_the_centres_own_access_deadline(ctx, officer):
    series = ExamSeriesFactory()
    centre = ExamCentreFactory()
    row = series_service.set_capacity(officer, centre, series, 2, access_deadline=date(2027, 1, 24))
    assert (row.seats, row.seats_taken) == (2, 0)
    assert series_service.access_deadline(series, centre) == date(2027, 1, 24)
    assert series_service.access_deadline(series, ExamCentreFactory()) == date(2027, 2, 21)
    with pytest.raises(ValidationError, match="cannot be after the series' own"):
        series_service.set_capacity(officer, centre, series, 2, access_deadline=date(2027, 3, 1))
    fund_exams_budget()
    for _ in range(2):
        judgement = ReadinessJudgementFactory()
        entries.create_entry(officer, judgement.learner, judgement.qualification, series, centre)
    with pytest.raises(ValidationError, match="2 seats at .* are already taken"):
        series_service.set_capacity(officer, centre, series, 1)
    assert series_service.set_capacity(officer, centre, series, 5).seats == 5
    with pytest.raises(ValidationError, match="number of seats"):
        series_service.set_capacity(officer, centre, series, -1)


def test_the_timetable_gives_each_entry_the_papers_of_its_tier(ctx, officer):
    series = ExamSeriesFactory()
    maths = QualificationFactory(subject="Mathematics", tiered=True)
    for code, tier, day, session in [
        ("8300/1F", Tier.FOUNDATION, date(2027, 5, 14), ExamSession.AM),
        ("8300/1H", Tier.HIGHER, date(2027, 5, 14), ExamSession.AM),
        ("8300/2H", Tier.HIGHER, date(2027, 6, 4), ExamSession.AM),
        ("8300/3H", Tier.HIGHER, date(2027, 6, 11), ExamSession.PM),
    ]:
        series_service.save_paper(officer, maths, series, PaperInput(code, f"Paper {code}", day, session, 90, tier))
    with pytest.raises(ValidationError, match="between 10 May 2027 and 25 June 2027"):
        series_service.save_paper(officer, maths, series, PaperInput("X", "X", date(2027, 7, 1), ExamSession.AM, 90))
    with pytest.raises(ValidationError, match="already in the timetable"):
        series_service.save_paper(
            officer, maths, series, PaperInput("8300/1H", "Again", date(2027, 5, 14), ExamSession.AM, 90)
        )
    with pytest.raises(ValidationError, match="has no tiers"):
        series_service.save_paper(
            officer,
            QualificationFactory(),
            series,
            PaperInput("1", "One", date(2027, 5, 14), ExamSession.AM, 90, Tier.HIGHER),
        )
    fund_exams_budget()
    centre = ExamCentreFactory()
    CentreSeriesCapacityFactory(centre=centre, series=series)
    judgement = ReadinessJudgementFactory(qualification=maths, recommended_tier=Tier.HIGHER)
    entry = entries.create_entry(officer, judgement.learner, maths, series, centre)
    assert [p.paper_code for p in series_service.papers_for(entry)] == ["8300/1H", "8300/2H", "8300/3H"]
    assert series_service.upcoming_series() == [series]
