"""factory_boy factories writing through the app's session."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from tests.conftest import PASSWORD
from virtualacademy.extensions import db
from virtualacademy.models import Locality, LocalityDistrict, Role, User, UserRole
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


class LocalityFactory(BaseFactory):
    class Meta:
        model = Locality

    name = factory.Sequence(lambda n: f"Locality {n}")
    active = True

    @factory.post_generation
    def districts(self, create, extracted, **kwargs):
        codes = extracted if extracted is not None else [f"ZZ{self.name.split()[-1][-2:]}"]
        for code in codes:
            self.districts.append(LocalityDistrict(district=code))
        if create:
            db.session.commit()
