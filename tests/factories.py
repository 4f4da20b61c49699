"""factory_boy factories writing through the app's session."""

from __future__ import annotations

from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import insert

from tests.conftest import PASSWORD
from virtualacademy.extensions import db
from virtualacademy.models import (
    ActionOwner,
    AgreedAction,
    Application,
    ApplicationStatus,
    EheReason,
    Enrolment,
    EnrolmentStatus,
    Family,
    Guardian,
    Learner,
    Locality,
    LocalityDistrict,
    Notification,
    ReportRun,
    Role,
    RunStatus,
    User,
    UserRole,
)
from virtualacademy.models.base import utcnow
from virtualacademy.passwords import hash_password

_HASH = hash_password(PASSWORD)  # hashed once: argon2 is deliberately slow


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"  # like real data: there before the request


def person_name() -> str:
    """A made-up name. An apostrophe (O'Neill) becomes a typographic one (O’Neill): the pages escape a plain
    apostrophe as ``&#39;``, so tests that look for a name in a page's HTML would otherwise fail now and then."""
    # factory_boy's own generator, so its seeding (``factory.random.reseed_random``) applies.
    return factory.Faker._get_faker(locale="en_GB").name().replace("'", "\u2019")


class UserFactory(BaseFactory):
    class Meta:
        model = User

    name = factory.LazyFunction(person_name)
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password_hash = _HASH
    active = True

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            self.role_links.append(UserRole(role=Role(role)))
        if create:
            db.session.flush()


def _district_for(n: int) -> str:
    """A unique 4-character district code for a test locality (``Z`` and the id in base 36)."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    code = ""
    while True:
        n, rem = divmod(n, 36)
        code = digits[rem] + code
        if n == 0:
            return "Z" + code.rjust(3, "0")


class LocalityFactory(BaseFactory):
    class Meta:
        model = Locality

    name = factory.Sequence(lambda n: f"Locality {n}")
    active = True

    @factory.post_generation
    def districts(self, create, extracted, **kwargs):
        codes = extracted if extracted is not None else [_district_for(self.id)]
        for code in codes:
            self.districts.append(LocalityDistrict(district=code))
        if create:
            db.session.commit()


def application_answers(name: str = "Pat Parent", email: str = "pat.parent@example.com", children: int = 1) -> dict:
    return {
        "guardian": {"name": name, "email": email, "phone": "07700 900982"},
        "address": {"line_1": "1 High Street", "line_2": "", "town": "Doncaster", "postcode": "DN4 5HX"},
        "second_guardian": None,
        "children": [
            {
                "legal_name": f"Child{n} Parent",
                "preferred_name": "",
                "date_of_birth": f"201{n}-03-0{n + 1}",
                "previous_school": "Hill Primary",
                "previous_school_urn": "106789",
                "date_left_school": None,
                "reason": "health",
                "send_status": "none",
                "ehcp_review_date": None,
                "fsm_eligible": True,
                "young_carer": False,
                "needs": "",
                "photo_consent": False,
            }
            for n in range(children)
        ],
        "privacy_consent": True,
        "consented_at": "2026-11-01T10:00:00+00:00",
    }


class ApplicationFactory(BaseFactory):
    class Meta:
        model = Application

    reference = factory.Sequence(lambda n: f"VA-T{n:05d}")
    email = factory.Sequence(lambda n: f"applicant{n}@example.com")
    status = ApplicationStatus.SUBMITTED
    answers = factory.LazyAttribute(lambda o: application_answers(email=o.email))
    submitted_at = factory.LazyFunction(utcnow)


class FamilyFactory(BaseFactory):
    class Meta:
        model = Family

    reference = factory.Sequence(lambda n: f"FT{n:05d}")
    address_line_1 = "2 Station Road"
    town = "Doncaster"
    postcode = "DN4 5HX"


class GuardianFactory(BaseFactory):
    class Meta:
        model = Guardian

    family = factory.SubFactory(FamilyFactory)
    user = factory.SubFactory(UserFactory, roles=[Role.GUARDIAN])
    name = factory.SelfAttribute("user.name")
    email = factory.SelfAttribute("user.email")
    is_primary = True


class LearnerFactory(BaseFactory):
    class Meta:
        model = Learner

    family = factory.SubFactory(FamilyFactory)
    legal_name = factory.LazyFunction(person_name)
    date_of_birth = date(2013, 6, 1)
    reason = EheReason.PHILOSOPHICAL
    locality = factory.SubFactory(LocalityFactory)

    @factory.post_generation
    def enrolled(self, create, extracted, **kwargs):
        """``LearnerFactory(enrolled=date(...))`` adds an enrolment from that date (default: 1 Sept 2026)."""
        if extracted is False:
            return
        start = extracted if isinstance(extracted, date) else date(2026, 9, 1)
        self.enrolments.append(
            Enrolment(locality_id=self.locality.id, status=EnrolmentStatus.ENROLLED, start_date=start)
        )
        if create:
            db.session.commit()


_many = iter(range(1, 10**9))


def many_learners(locality: Locality, count: int, enrolled: date = date(2026, 9, 1)) -> list[int]:
    """``count`` learners, each in a family of their own, on roll in ``locality`` from ``enrolled``; their ids.
    Written in bulk (a few statements however many), for the paths that must cope with more learners than one
    statement may bind (the suite's parameter guard allows 1,000 values)."""
    batch = next(_many)
    family_ids = db.session.scalars(
        insert(Family).returning(Family.id, sort_by_parameter_order=True),
        [
            {
                "reference": f"M{batch:03d}{n:05d}",
                "address_line_1": f"{n + 1} Long Road",
                "town": "Doncaster",
                "postcode": "DN4 5HX",
            }
            for n in range(count)
        ],
    ).all()
    learner_ids = db.session.scalars(
        insert(Learner).returning(Learner.id, sort_by_parameter_order=True),
        [
            {
                "family_id": family_id,
                "legal_name": f"Learner {n + 1:05d} Many",
                "date_of_birth": date(2013, 6, 1),
                "reason": EheReason.PHILOSOPHICAL,
                "locality_id": locality.id,
            }
            for n, family_id in enumerate(family_ids)
        ],
    ).all()
    db.session.execute(
        insert(Enrolment),
        [
            {
                "learner_id": learner_id,
                "locality_id": locality.id,
                "status": EnrolmentStatus.ENROLLED,
                "start_date": enrolled,
            }
            for learner_id in learner_ids
        ],
    )
    db.session.commit()
    return list(learner_ids)


def many_staff(role: Role, count: int) -> list[int]:
    """``count`` active people with ``role`` (mentors, say), written in bulk; their ids."""
    batch = next(_many)
    user_ids = db.session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True),
        [
            {"name": f"Staff {batch:03d}-{n + 1:05d}", "email": f"staff{batch}-{n + 1}@example.com", "active": True}
            for n in range(count)
        ],
    ).all()
    db.session.execute(insert(UserRole), [{"user_id": user_id, "role": role} for user_id in user_ids])
    db.session.commit()
    return list(user_ids)


class NotificationFactory(BaseFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    key = factory.Sequence(lambda n: f"test-notification:{n}")
    kind = "test"
    title = "Something happened"
    link = "/dashboard"


class AgreedActionFactory(BaseFactory):
    class Meta:
        model = AgreedAction

    learner = factory.SubFactory(LearnerFactory)
    text = "Visit the library"
    owner = ActionOwner.LEARNER


# --- safeguarding ---------------------------------------------------------------------

from datetime import timedelta  # noqa: E402

from virtualacademy.models import SafeguardingConcern  # noqa: E402


class SafeguardingConcernFactory(BaseFactory):
    """A concern about a learner, raised by a mentor, about something seen two hours ago."""

    class Meta:
        model = SafeguardingConcern

    learner = factory.SubFactory(LearnerFactory)
    raised_by = factory.SubFactory(UserFactory, roles=[Role.MENTOR])
    observed_at = factory.LazyFunction(lambda: utcnow() - timedelta(hours=2))
    what_happened = "Said they were frightened to go home."
    immediate_action = "Listened, and said I would pass it on."


# --- funding: spend requests -----------------------------------------------------------------

from virtualacademy.models import SpendingCategory, SpendRequest, SpendStatus  # noqa: E402


class SpendRequestFactory(BaseFactory):
    """A family's request for £25 of tuition from a learner's personal budget, waiting for a decision. It has
    no invoice file: tests that need one make the request through ``services.spending.request_spend``."""

    class Meta:
        model = SpendRequest

    learner = factory.SubFactory(LearnerFactory)
    what_for = "Ten maths lessons"
    category = SpendingCategory.TUITION
    amount_pence = 2_500
    supplier = "Maths Tutors Ltd"
    status = SpendStatus.PENDING


# --- funding: years and the ledger -----------------------------------------------------------

from itertools import count  # noqa: E402

from virtualacademy.models import CensusDate, FundingYear  # noqa: E402

_income_keys = count(1)


class FundingYearFactory(BaseFactory):
    """A funding year with rates set and its three census dates at their defaults (none recorded). Tests of
    the census arithmetic make years through ``services.funding.create_year`` instead."""

    class Meta:
        model = FundingYear

    starts_on = factory.Sequence(lambda n: date(2060 + n % 40, 9, 1))
    base_rate_pence = 600_000
    academy_share_bp = 5_000
    core_topslice_bp = 1_000
    mentor_topslice_bp = 2_000
    coordinator_grant_pence = 300_000
    personal_budget_pence = 30_000

    @factory.post_generation
    def census_dates(self, create, extracted, **kwargs):
        from virtualacademy.services.funding import default_census_dates

        for key, on in default_census_dates(self.starts_on.year).items():
            self.census_dates.append(CensusDate(key=key, on_date=on))
        if create:
            db.session.commit()


def income_transfer(amount_pence: int = 10_000, key: str | None = None):
    """Money from the funding source into core provision, posted through the ledger and committed."""
    from virtualacademy.models import AccountKind, TransferKind
    from virtualacademy.services import ledger

    transfer = ledger.post(
        None,
        ledger.funding_source(),
        ledger.central(AccountKind.CENTRAL_CORE),
        amount_pence,
        TransferKind.INCOME,
        "Test income",
        key or f"test-income:{next(_income_keys)}",
    )
    db.session.commit()
    return transfer


# --- learning: plans, goals and reviews -------------------------------------------------------

from virtualacademy.models import Goal, GoalStatus, LearningPlan, PlanReview, PlanVersion, SubjectArea  # noqa: E402


class SubjectAreaFactory(BaseFactory):
    """A subject area, the existing one if the name is taken. The migration seeds the defaults, but tests that
    commit empty every table afterwards, so a test makes the subject areas it needs."""

    class Meta:
        model = SubjectArea
        sqlalchemy_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Subject {n}")
    position = factory.Sequence(lambda n: 100 + n)
    active = True


class LearningPlanFactory(BaseFactory):
    """A learner's plan with its first version written, as ``services.learning_plans`` would."""

    class Meta:
        model = LearningPlan

    learner = factory.SubFactory(LearnerFactory)
    interests = "Astronomy, and drawing the planets."
    staff_notes = "Staff only: mum works nights."
    version = 1
    review_every_weeks = 6
    next_review_on = date(2027, 1, 11)

    @factory.post_generation
    def first_version(self, create, extracted, **kwargs):
        from virtualacademy.services.learning_plans import snapshot

        db.session.flush()
        self.versions.append(PlanVersion(version=1, snapshot={**snapshot(self), "change": "Plan edited"}))
        if create:
            db.session.commit()


class GoalFactory(BaseFactory):
    """A goal (tagged Humanities) on a plan. It is not written into the plan's versions: tests of the history
    make goals through ``services.learning_plans``."""

    class Meta:
        model = Goal

    plan = factory.SubFactory(LearningPlanFactory)
    title = "Finish the Romans project"
    status = GoalStatus.NOT_STARTED

    @factory.post_generation
    def subjects(self, create, extracted, **kwargs):
        subjects = extracted or [SubjectAreaFactory(name="Humanities")]  # made (and committed) first
        self.subjects.extend(subjects)
        if create:
            db.session.commit()


class PlanReviewFactory(BaseFactory):
    class Meta:
        model = PlanReview

    plan_id = factory.LazyFunction(lambda: LearningPlanFactory().id)
    held_on = date(2026, 11, 30)
    summary = "A good half-term: the Romans project is nearly done."
    next_review_on = date(2027, 1, 11)


# --- learning: the log, portfolio evidence and exhibitions ------------------------------------

import atexit  # noqa: E402
import io  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

from flask import current_app  # noqa: E402

from virtualacademy import clock  # noqa: E402
from virtualacademy.models import (  # noqa: E402
    ActivityType,
    Evidence,
    EvidenceKind,
    Exhibition,
    ExhibitionMode,
    LogEntry,
)

_evidence_folder: list[str] = []


def use_test_evidence_folder() -> str:
    """Point the app's evidence storage at a temporary folder for the test run (never the instance folder),
    unless a test has already pointed it somewhere (e.g. its own ``tmp_path``)."""
    if not current_app.config.get("EVIDENCE_FOLDER"):
        if not _evidence_folder:
            _evidence_folder.append(tempfile.mkdtemp(prefix="va-evidence-"))
            atexit.register(shutil.rmtree, _evidence_folder[0], ignore_errors=True)
        current_app.config["EVIDENCE_FOLDER"] = _evidence_folder[0]
    return current_app.config["EVIDENCE_FOLDER"]


def png_bytes(size: tuple[int, int] = (8, 6), colour: tuple[int, int, int] = (29, 112, 184)) -> bytes:
    """A real (small) PNG image."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


class LogEntryFactory(BaseFactory):
    """An hour of project work (Humanities), today."""

    class Meta:
        model = LogEntry

    learner = factory.SubFactory(LearnerFactory)
    on_date = factory.LazyFunction(clock.today)
    minutes = 60
    activity = ActivityType.PROJECT_WORK
    description = "Built a model of a Roman fort."

    @factory.post_generation
    def subjects(self, create, extracted, **kwargs):
        # Made (and committed) before the collection is loaded, so the commit does not expire it mid-change.
        chosen = extracted or [SubjectAreaFactory(name="Humanities")]
        self.subjects.extend(chosen)
        if create:
            db.session.commit()


class EvidenceFactory(BaseFactory):
    """A finished piece of evidence: a small PNG file, stored where the app keeps evidence (a temporary folder
    in tests). ``EvidenceFactory(kind=EvidenceKind.LINK, url=...)`` makes a link instead."""

    class Meta:
        model = Evidence

    learner = factory.SubFactory(LearnerFactory)
    kind = EvidenceKind.FILE
    title = "Fort photograph"
    stored_name = factory.LazyAttribute(lambda o: secrets.token_hex(16) if o.kind is EvidenceKind.FILE else None)
    original_name = factory.LazyAttribute(lambda o: "fort.png" if o.kind is EvidenceKind.FILE else None)
    content_type = factory.LazyAttribute(lambda o: "image/png" if o.kind is EvidenceKind.FILE else None)
    size_bytes = factory.LazyAttribute(lambda o: len(png_bytes()) if o.kind is EvidenceKind.FILE else None)

    @factory.post_generation
    def content(self, create, extracted, **kwargs):
        """Write the file (``content=b"..."`` to choose its bytes)."""
        if self.kind is EvidenceKind.FILE and self.stored_name:
            from pathlib import Path

            folder = Path(use_test_evidence_folder())
            folder.mkdir(parents=True, exist_ok=True)
            (folder / self.stored_name).write_bytes(extracted if extracted is not None else png_bytes())


class ExhibitionFactory(BaseFactory):
    """An exhibition held in person a week ago."""

    class Meta:
        model = Exhibition

    class Params:
        learner = factory.SubFactory(LearnerFactory)

    learner_id = factory.SelfAttribute("learner.id")
    held_on = factory.LazyFunction(lambda: clock.today() - timedelta(days=7))
    mode = ExhibitionMode.IN_PERSON
    where = "Doncaster Central Library"
    description = "The Romans project: the fort model and the timeline."
    audience = "Family, the mentor and a local archaeologist"


# --- exams: the catalogue, series, centres, readiness ------------------------------------------------------

from virtualacademy.models import (  # noqa: E402
    ArrangementType,
    AwardingBody,
    CentreArrangement,
    CentreSeriesCapacity,
    ExamCentre,
    ExamSeries,
    Qualification,
    QualificationType,
    Readiness,
    ReadinessJudgement,
)


class QualificationFactory(BaseFactory):
    """An untiered AQA GCSE with a £45 entry fee and no assessment the centre must supervise."""

    class Meta:
        model = Qualification

    awarding_body = AwardingBody.AQA
    qualification_type = QualificationType.GCSE
    subject = factory.Sequence(lambda n: f"Subject {n}")
    spec_code = factory.Sequence(lambda n: f"T{n:04d}")
    tiered = False
    needs_supervision = False
    entry_fee_pence = 4_500


class ExamSeriesFactory(BaseFactory):
    """A June 2027 series with the realistic dates: entries by 21 February, late (£50 more) to 21 March, very late
    (£100 more) to 21 April, when fee-free changes end too; exams 10 May to 25 June; results 19 August (A level
    12 August)."""

    class Meta:
        model = ExamSeries

    name = factory.Sequence(lambda n: f"June 2027 ({n})")
    entry_deadline = date(2027, 2, 21)
    late_entry_deadline = date(2027, 3, 21)
    late_fee_pence = 5_000
    very_late_cutoff = date(2027, 4, 21)
    very_late_fee_pence = 10_000
    changes_free_until = date(2027, 4, 21)
    access_deadline = date(2027, 2, 21)
    first_exam_on = date(2027, 5, 10)
    last_exam_on = date(2027, 6, 25)
    results_day = date(2027, 8, 19)
    a_level_results_day = date(2027, 8, 12)


class ExamCentreFactory(BaseFactory):
    """A centre taking private candidates, with a £115 administration fee per entry, supervising non-exam
    assessment, and providing 25% extra time, rest breaks and a separate room (``provides=[...]`` to choose)."""

    class Meta:
        model = ExamCentre

    name = factory.Sequence(lambda n: f"Exam Centre {n}")
    centre_number = factory.Sequence(lambda n: f"7{n:04d}")
    address = "1 College Road, Doncaster"
    postcode = "DN1 3EX"
    accepts_private_candidates = True
    admin_fee_pence = 11_500
    supervises_nea = True
    family_found = False

    @factory.post_generation
    def provides(self, create, extracted, **kwargs):
        kinds = (
            extracted
            if extracted is not None
            else [ArrangementType.EXTRA_TIME_25, ArrangementType.REST_BREAKS, ArrangementType.SEPARATE_ROOM]
        )
        for kind in kinds:
            self.arrangements.append(CentreArrangement(arrangement_type=kind))
        if create:
            db.session.commit()


class CentreSeriesCapacityFactory(BaseFactory):
    class Meta:
        model = CentreSeriesCapacity

    centre = factory.SubFactory(ExamCentreFactory)
    series = factory.SubFactory(ExamSeriesFactory)
    seats = 10
    seats_taken = 0


class ReadinessJudgementFactory(BaseFactory):
    """A mentor's "ready" judgement, confirmed by the learner and a guardian (``confirmed=False`` for neither)."""

    class Meta:
        model = ReadinessJudgement

    class Params:
        confirmed = True

    learner = factory.SubFactory(LearnerFactory)
    qualification = factory.SubFactory(QualificationFactory)
    mentor = factory.SubFactory(UserFactory, roles=[Role.MENTOR])
    evidence = "Past papers: 68/80 and 71/80; the tutor's report says the whole course is covered."
    judgement = Readiness.READY
    judged_on = date(2027, 1, 15)
    learner_confirmed_at = factory.Maybe("confirmed", factory.LazyFunction(utcnow), None)
    guardian_confirmed_at = factory.Maybe("confirmed", factory.LazyFunction(utcnow), None)


def fund_exams_budget(pence: int = 100_000, key: str | None = None):
    """Money from the funding source into the central exams budget, posted through the ledger and committed."""
    from virtualacademy.models import AccountKind, TransferKind
    from virtualacademy.services import ledger

    account = ledger.central(AccountKind.CENTRAL_EXAMS)
    ledger.post(
        None,
        ledger.funding_source(),
        account,
        pence,
        TransferKind.INCOME,
        "Exams budget",
        key or f"test-exams-income:{next(_income_keys)}",
    )
    db.session.commit()
    return account


class ReportRunFactory(BaseFactory):
    """A build of a term's report PDFs, asked for by an admin (queued; nothing built yet)."""

    class Meta:
        model = ReportRun

    term_key = "2027-spring"
    requested_by = factory.SubFactory(UserFactory, roles=[Role.ADMIN])
    requested_at = factory.LazyFunction(utcnow)
    status = RunStatus.QUEUED
    active_key = factory.LazyAttribute(
        lambda run: (
            f"{run.term_key}:{'academy' if run.locality is None else f'locality-{run.locality.id}'}"
            if run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
            else None
        )
    )
    locality = None
