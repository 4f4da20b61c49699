"""factory_boy factories writing through the app's session."""

from __future__ import annotations

from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory

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
    Role,
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


class UserFactory(BaseFactory):
    class Meta:
        model = User

    name = factory.Faker("name", locale="en_GB")
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
    legal_name = factory.Faker("name", locale="en_GB")
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
