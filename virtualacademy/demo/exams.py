"""Demo exam entry: a small catalogue, two series, centres, judgements and entries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.demo.core import Demo, step
from virtualacademy.errors import DomainError
from virtualacademy.extensions import db
from virtualacademy.models import User

DEMO_QUALIFICATIONS = [
    ("aqa", "gcse", "Mathematics", "8300", True, False, 5_290),
    ("aqa", "gcse", "English Language", "8700", False, True, 5_290),
    ("aqa", "a_level", "Psychology", "7182", False, False, 13_145),
    ("pearson_edexcel", "igcse", "Mathematics A", "4MA1", True, False, 5_150),
    ("pearson_edexcel", "igcse", "English Language A", "4EA1", False, False, 5_150),
    ("ocr", "gcse", "Ancient History", "J198", False, False, 5_265),
    ("ocr", "a_level", "Biology A", "H420", False, True, 13_210),
    ("wjec_eduqas", "gcse", "Film Studies", "C680", False, True, 5_230),
    ("cambridge", "igcse", "First Language English", "0500", False, False, 6_020),
    ("cambridge", "igcse", "Computer Science", "0478", False, False, 6_020),
    ("cambridge", "igcse", "Biology", "0610", False, False, 6_020),
]

#: (key, name, entry deadline, late deadline, very-late cutoff, fee-free changes end, access deadline, first exam,
#: last exam, results day, A level results day, age rule: (age, on, applies to, reason) or None)
DEMO_SERIES = [
    (
        "november-2026",
        "November 2026",
        "2026-10-04",
        "2026-10-11",
        "2026-10-18",
        "2026-10-25",
        "2026-10-04",
        "2026-11-02",
        "2026-11-20",
        "2027-01-14",
        None,
        (
            16,
            "2026-08-31",
            "gcse",
            "The awarding bodies offer GCSE English Language and mathematics in November only to candidates aged 16 "
            "or over on 31 August, as a resit series (JCQ). International GCSEs have no such rule.",
        ),
    ),
    (
        "june-2027",
        "June 2027",
        "2027-02-21",
        "2027-03-21",
        "2027-04-21",
        "2027-04-21",
        "2027-02-21",
        "2027-05-10",
        "2027-06-25",
        "2027-08-19",
        "2027-08-12",
        None,
    ),
]

#: (key, name, centre number, address, postcode, locality key, admin fee, supervises NEA, family found,
#: arrangements provided, {series key: (seats, own access deadline)})
DEMO_CENTRES = [
    (
        "college",
        "Doncaster College (demo)",
        "99001",
        "The Hub, Chappell Drive, Doncaster",
        "DN1 2RF",
        "south",
        11_500,
        True,
        False,
        (
            "extra_time_25",
            "extra_time_more",
            "rest_breaks",
            "reader",
            "scribe",
            "word_processor",
            "separate_room",
        ),
        {"november-2026": (10, None), "june-2027": (20, "2027-01-24")},
    ),
    (
        "hub",
        "Thorne Learning Hub (demo)",
        "99002",
        "Fieldside, Thorne, Doncaster",
        "DN8 4BQ",
        "north",
        9_500,
        False,
        False,
        ("extra_time_25", "rest_breaks", "separate_room"),
        {"june-2027": (12, "2027-01-17")},
    ),
    (
        "sheffield",
        "Sheffield Tutorial Centre (found by the family)",
        None,
        "Ecclesall Road, Sheffield",
        "S11 8PR",
        None,
        7_500,
        False,
        True,
        ("extra_time_25",),
        {},
    ),
]

#: The timetable of the qualifications the demo enters: (series key, body, spec code, paper code, title, tier, date,
#: session, minutes, room).
DEMO_PAPERS = [
    ("november-2026", "cambridge", "0478", "0478/12", "Computer Systems", None, "2026-11-05", "pm", 105, None),
    (
        "november-2026",
        "cambridge",
        "0478",
        "0478/22",
        "Algorithms, Programming and Logic",
        None,
        "2026-11-10",
        "am",
        105,
        None,
    ),
    ("june-2027", "ocr", "J198", "J198/01", "Greek history", None, "2027-05-20", "pm", 105, "Main hall"),
    ("june-2027", "ocr", "J198", "J198/02", "Roman history", None, "2027-06-08", "am", 105, "Main hall"),
    ("june-2027", "cambridge", "0500", "0500/12", "Reading", None, "2027-05-12", "am", 120, "Room 4"),
    (
        "june-2027",
        "cambridge",
        "0500",
        "0500/22",
        "Directed Writing and Composition",
        None,
        "2027-05-19",
        "pm",
        120,
        "Room 4",
    ),
    ("june-2027", "aqa", "8300", "8300/1F", "Paper 1 (non-calculator)", "foundation", "2027-05-14", "am", 90, None),
    ("june-2027", "aqa", "8300", "8300/1H", "Paper 1 (non-calculator)", "higher", "2027-05-14", "am", 90, None),
    ("june-2027", "aqa", "8300", "8300/2F", "Paper 2 (calculator)", "foundation", "2027-06-03", "am", 90, None),
    ("june-2027", "aqa", "8300", "8300/2H", "Paper 2 (calculator)", "higher", "2027-06-03", "am", 90, None),
]


@step(60)
def exams(demo: Demo) -> None:
    """A small exam catalogue; the November 2026 and June 2027 series with their real-world dates (and November's
    age rule, as data); two centres and one a family found; an exams budget; readiness judgements (Ellie, 13,
    ready for GCSE Ancient History; Zara ready for IGCSE English with extra time; Kuba, 14, who sat IGCSE Computer
    Science in November at a centre his family found, and is not yet ready for GCSE maths); and their entries.
    Each part is added only if missing; an entry the series' dates no longer allow is skipped and said so."""
    officer = demo.users.get("exams") or demo.users["admin"]
    if officer is None:
        demo.skipped("The exams demo: neither the exams officer's nor the admin's account is there.")
        return
    qualifications = _exam_catalogue(demo, officer)
    series = _exam_series(demo, officer)
    centres = _exam_centres(demo, officer, series)
    _exam_timetable(demo, officer, qualifications, series)
    _exams_budget(demo)
    people = _ExamCandidates(demo, officer, qualifications, series, centres, clock.today())
    _ellie_sits_ancient_history(people)
    _zara_sits_english_with_arrangements(people)
    _kuba_sat_computer_science(people)


def _day(text: str):
    from datetime import date

    return date.fromisoformat(text)


def _exam_catalogue(demo: Demo, officer: User) -> dict:
    """The demo's qualifications by (awarding body, specification code), added if missing."""
    from virtualacademy.models import AwardingBody, Qualification, QualificationType
    from virtualacademy.services.exams import catalogue

    qualifications, new = {}, 0
    for body, kind, subject, code, tiered, supervised, fee in DEMO_QUALIFICATIONS:
        found = db.session.scalar(
            select(Qualification).where(
                Qualification.awarding_body == AwardingBody(body), Qualification.spec_code == code
            )
        )
        if found is None:
            found = catalogue.save_qualification(
                officer,
                None,
                catalogue.QualificationInput(
                    AwardingBody(body), QualificationType(kind), subject, code, fee, tiered, supervised
                ),
            )
            new += 1
        qualifications[(body, code)] = found
    if new:
        demo.added(f"An exam catalogue of {new} qualifications (AQA, Pearson Edexcel, OCR, WJEC Eduqas, Cambridge).")
    return qualifications


def _exam_series(demo: Demo, officer: User) -> dict:
    """The demo's series by key, added if missing (November's age rule as data)."""
    from virtualacademy.models import ExamSeries, QualificationType
    from virtualacademy.services.exams import series as series_service

    series = {}
    for key, name, entry, late, cutoff, changes, aa, first, last, results_day, a_level, rule in DEMO_SERIES:
        found = demo.find(f"exam-series:{key}", ExamSeries) or db.session.scalar(
            select(ExamSeries).where(ExamSeries.name == name)
        )
        if found is None:
            age, on, applies, reason = rule or (None, None, None, None)
            found = series_service.save_series(
                officer,
                None,
                series_service.SeriesInput(
                    name=name,
                    entry_deadline=_day(entry),
                    late_entry_deadline=_day(late),
                    late_fee_pence=5_000,
                    very_late_cutoff=_day(cutoff),
                    very_late_fee_pence=10_000,
                    changes_free_until=_day(changes),
                    access_deadline=_day(aa),
                    first_exam_on=_day(first),
                    last_exam_on=_day(last),
                    results_day=_day(results_day),
                    a_level_results_day=_day(a_level) if a_level else None,
                    age_rule_min_age=age,
                    age_rule_on=_day(on) if on else None,
                    age_rule_applies_to=QualificationType(applies) if applies else None,
                    age_rule_reason=reason,
                ),
            )
            demo.added(f"The {name} exam series (entries close {entry}).")
        demo.remember(f"exam-series:{key}", found)
        series[key] = found
    return series


def _exam_centres(demo: Demo, officer: User, series: dict) -> dict:
    """The demo's centres by key, with their seats per series, added if missing."""
    from virtualacademy.models import ArrangementType, ExamCentre
    from virtualacademy.services.exams import series as series_service

    centres = {}
    for key, name, number, address, postcode, locality, fee, nea, family, provides, seats in DEMO_CENTRES:
        found = demo.find(f"exam-centre:{key}", ExamCentre) or db.session.scalar(
            select(ExamCentre).where(ExamCentre.name == name)
        )
        if found is None:
            place = demo.localities.get(locality) if locality else None
            found = series_service.save_centre(
                officer,
                None,
                series_service.CentreInput(
                    name=name,
                    address=address,
                    postcode=postcode,
                    centre_number=number,
                    locality_id=place.id if place is not None else None,
                    admin_fee_pence=fee,
                    supervises_nea=nea,
                    family_found=family,
                    provides=[ArrangementType(p) for p in provides],
                ),
            )
            demo.added(f"The exam centre {name}.")
        demo.remember(f"exam-centre:{key}", found)
        centres[key] = found
        for series_key, (count, own_deadline) in seats.items():
            if series_service.capacity(found, series[series_key]) is None:
                series_service.set_capacity(
                    officer, found, series[series_key], count, _day(own_deadline) if own_deadline else None
                )
    return centres


def _exam_timetable(demo: Demo, officer: User, qualifications: dict, series: dict) -> None:
    """The demo's papers, added if missing."""
    from virtualacademy.models import ExamPaper, ExamSession, Tier
    from virtualacademy.services.exams import series as series_service

    papers = 0
    for series_key, body, code, paper_code, title, tier, on, session, minutes, room in DEMO_PAPERS:
        qualification = qualifications[(body, code)]
        exists = db.session.scalar(
            select(ExamPaper.id).where(
                ExamPaper.qualification_id == qualification.id,
                ExamPaper.series_id == series[series_key].id,
                ExamPaper.paper_code == paper_code,
            )
        )
        if exists is None:
            series_service.save_paper(
                officer,
                qualification,
                series[series_key],
                series_service.PaperInput(
                    paper_code, title, _day(on), ExamSession(session), minutes, Tier(tier) if tier else None, room
                ),
            )
            papers += 1
    if papers:
        demo.added(f"The timetable: {papers} exam papers.")


def _exams_budget(demo: Demo) -> None:
    """An exams budget: a grant for exam fees, posted once."""
    from virtualacademy.models import AccountKind, Transfer, TransferKind
    from virtualacademy.services import ledger

    budget_key = "demo:exams-grant:2026"
    if db.session.scalar(select(Transfer.id).where(Transfer.idempotency_key == budget_key)) is None:
        ledger.post(
            demo.users["admin"],
            ledger.funding_source(),
            ledger.central(AccountKind.CENTRAL_EXAMS),
            200_000,
            TransferKind.INCOME,
            "Exam fees grant 2026/27",
            budget_key,
        )
        demo.added("An exams budget of £2,000 (a grant for exam fees).")


@dataclass
class _ExamCandidates:
    """What the demo's candidates need: the officer, the catalogue, series and centres, and today."""

    demo: Demo
    officer: User
    qualifications: dict
    series: dict
    centres: dict
    today: object

    def judged(self, guardian_key, legal_name, mentor_key, qualification, ready, evidence, still, on, mocks):
        """The learner's current judgement for the qualification, recorded (and confirmed by the family) if there
        is none; (learner, None) if the judgement could not be made, (None, None) if the learner is not there."""
        from virtualacademy.models import Readiness
        from virtualacademy.services.exams import readiness

        learner = self.demo.learner(guardian_key, legal_name)
        if learner is None:
            return None, None
        current = readiness.current_judgement(learner.id, qualification.id)
        if current is not None:
            return learner, current
        try:
            with db.session.begin_nested():
                current = readiness.record_judgement(
                    self.demo.users.get(mentor_key),
                    learner,
                    qualification,
                    judgement=Readiness.READY if ready else Readiness.NOT_YET,
                    evidence=evidence,
                    still_needed=still,
                    mocks=[readiness.MockInput(min(_day(d), self.today), p, r) for d, p, r in mocks],
                    judged_on=min(_day(on), self.today),
                )
                parent = self.demo.users.get(guardian_key)
                if ready and parent is not None:
                    readiness.confirm_as_learner(parent, current)
                    readiness.confirm_as_guardian(parent, current)
        except DomainError as error:
            self.demo.skipped(
                f"{learner.known_as}'s readiness for {qualification.subject}: not recorded, because {error.message}."
            )
            return learner, None
        word = "ready" if ready else "not yet ready"
        self.demo.added(f"{learner.known_as} judged {word} for {qualification.title}.")
        return learner, current

    def entered(self, learner, qualification, series_key, centre_key, *, on=None):
        """(the learner's entry in any state for the qualification in the series, whether it was made now), made
        if there is none; (None, False) if the series' dates or rules no longer allow it."""
        from virtualacademy.models import ExamEntry
        from virtualacademy.services.exams import entries

        target, centre = self.series[series_key], self.centres[centre_key]
        existing = db.session.scalar(
            select(ExamEntry)
            .where(
                ExamEntry.learner_id == learner.id,
                ExamEntry.qualification_id == qualification.id,
                ExamEntry.series_id == target.id,
            )
            .order_by(ExamEntry.id.desc())
        )
        if existing is not None:
            return existing, False
        try:
            with db.session.begin_nested():
                entry = entries.create_entry(self.officer, learner, qualification, target, centre, today=on)
        except DomainError as error:
            self.demo.skipped(
                f"{learner.known_as}'s entry for {qualification.subject} in {target.name}: not made, because "
                f"{error.message}."
            )
            return None, False
        self.demo.added(f"{learner.known_as} entered for {qualification.title} in {target.name} at {centre.name}.")
        return entry, True


def _ellie_sits_ancient_history(people: _ExamCandidates) -> None:
    """Ellie, 13: ready for GCSE Ancient History (the Romans) and entered in June; not yet for maths."""
    history = people.qualifications[("ocr", "J198")]
    ellie, judgement = people.judged(
        "guardian.jones",
        "Ella Jones",
        "mentor.amara",
        history,
        True,
        "Ellie's Romans project covers the Roman history paper in depth; two past papers under timed conditions, "
        "marked by her tutor.",
        None,
        "2027-01-12",
        [("2026-12-08", "June 2024 J198/02 Roman history", "61/90"), ("2027-01-05", "June 2023 J198/01", "58/90")],
    )
    if ellie is not None and judgement is not None:
        people.entered(ellie, history, "june-2027", "hub")
    people.judged(
        "guardian.jones",
        "Ella Jones",
        "mentor.amara",
        people.qualifications[("aqa", "8300")],
        False,
        "Working through the foundation topics with her tutor.",
        "Fractions, ratio and algebra: revisit in the spring.",
        "2027-01-12",
        [],
    )


def _zara_sits_english_with_arrangements(people: _ExamCandidates) -> None:
    """Zara: ready for IGCSE First Language English, with 25% extra time and a separate room (EHCP), entered and
    confirmed by the centre."""
    from virtualacademy.models import ArrangementEvidence, ArrangementType
    from virtualacademy.services.exams import arrangements, entries

    english = people.qualifications[("cambridge", "0500")]
    zara, judgement = people.judged(
        "guardian.ali",
        "Zara Ali",
        "mentor.chloe",
        english,
        True,
        "A vivid writer: two directed-writing mocks marked by an examiner, and her story portfolio.",
        None,
        "2027-01-20",
        [("2026-12-15", "Specimen 0500/12 Reading", "52/80"), ("2027-01-14", "Specimen 0500/22 Writing", "60/80")],
    )
    if zara is None or judgement is None:
        return
    june = people.series["june-2027"]
    if not arrangements.arrangements_of(zara, june):
        for kind, note in (
            (ArrangementType.EXTRA_TIME_25, "EHCP section F: 25% extra time in all timed assessments."),
            (ArrangementType.SEPARATE_ROOM, "EHCP: anxiety in large groups; works best in a small room."),
        ):
            arrangements.add_arrangement(people.officer, zara, june, kind, ArrangementEvidence.EHCP, evidence_note=note)
        people.demo.added("Zara's access arrangements for June 2027 (25% extra time, a separate room).")
    entry, made = people.entered(zara, english, "june-2027", "college")
    if entry is not None and made:
        entries.confirm_entered(people.officer, entry, "0107", "99001A2701070")


def _kuba_sat_computer_science(people: _ExamCandidates) -> None:
    """Kuba, 14: sat IGCSE Computer Science in November 2026 at a centre his family found (the academy paid), with
    his grade once results day has passed; not yet ready for GCSE maths."""
    from virtualacademy.services.exams import entries, results

    computing = people.qualifications[("cambridge", "0478")]
    kuba, judgement = people.judged(
        "guardian.novak",
        "Jakub Novak",
        "mentor.ben",
        computing,
        True,
        "Kuba's platform game and two past papers; his coding is well beyond the specification.",
        None,
        "2026-09-10",
        [("2026-09-03", "June 2025 0478/12", "68/75")],
    )
    november = people.series["november-2026"]
    if kuba is not None and judgement is not None:
        entry, made = people.entered(kuba, computing, "november-2026", "sheffield", on=_day("2026-09-20"))
        if entry is not None and made:
            entries.confirm_entered(people.officer, entry, "0311", "99003A2603111")
            if people.today >= november.first_exam_on:
                entries.mark_sat(people.officer, entry, today=_day("2026-11-10"))
            if people.today >= november.results_day:
                results.record_result(people.officer, entry, "7", result_on=november.results_day)
                people.demo.added("Kuba's IGCSE Computer Science result (grade 7), on his record of achievement.")
    people.judged(
        "guardian.novak",
        "Jakub Novak",
        "mentor.ben",
        people.qualifications[("aqa", "8300")],
        False,
        "Fractions with Helen on Tuesdays; good progress on number.",
        "Fractions and algebra; a full past paper under timed conditions.",
        "2027-01-15",
        [],
    )
