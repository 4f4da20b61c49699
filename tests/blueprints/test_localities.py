"""Admin pages for localities."""

from sqlalchemy import select

from tests.conftest import post_form, sign_in
from tests.factories import LocalityFactory, UserFactory
from virtualacademy.models import Locality, LocalityRole, Role
from virtualacademy.services import localities


def test_admin_adds_and_edits_a_locality(client, db_session):
    admin = UserFactory(roles=[Role.ADMIN])
    sign_in(client, admin.email)
    response = post_form(
        client, "/localities/new", {"name": "Thorne", "districts": "dn8, DN7", "active": "y"}, "/localities/new"
    )
    assert response.status_code == 302
    locality = db_session.scalar(select(Locality).where(Locality.name == "Thorne"))
    assert locality.district_list == ["DN7", "DN8"] and locality.active
    page = client.get("/localities/").get_data(as_text=True)
    assert "Thorne" in page and "DN7, DN8" in page

    path = f"/localities/{locality.id}"
    response = post_form(client, path, {"name": "Thorne and Moorends", "districts": "DN8"}, path)
    assert response.status_code == 302
    db_session.expire_all()
    locality = db_session.get(Locality, locality.id)
    assert locality.name == "Thorne and Moorends" and locality.district_list == ["DN8"]
    assert locality.active is False  # box unticked


def test_bad_locality_input_is_shown_on_the_form_and_nothing_saved(client, db_session):
    admin = UserFactory(roles=[Role.ADMIN])
    LocalityFactory(name="North", districts=["DN5"])
    sign_in(client, admin.email)
    response = post_form(client, "/localities/new", {"name": "South", "districts": "DN5, DN4 5HX"}, "/localities/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "5HX is not a postcode district" in page
    assert 'value="DN5, DN4 5HX"' in page  # nothing typed is lost
    response = post_form(client, "/localities/new", {"name": "South", "districts": "DN5"}, "/localities/new")
    assert "DN5 is already covered by North" in response.get_data(as_text=True)
    assert db_session.scalar(select(Locality).where(Locality.name == "South")) is None


def test_admin_attaches_staff(client, db_session):
    admin = UserFactory(roles=[Role.ADMIN])
    coordinator = UserFactory(name="Cora Ordinator", roles=[Role.COORDINATOR])
    mentor = UserFactory(name="Men Tor", roles=[Role.MENTOR])
    locality = LocalityFactory()
    sign_in(client, admin.email)
    path = f"/localities/{locality.id}/staff"
    page = client.get(path).get_data(as_text=True)
    assert "Cora Ordinator" in page and "Men Tor" in page
    response = post_form(client, path, {"coordinators": [coordinator.id], "mentors": [mentor.id]}, path)
    assert response.status_code == 302
    db_session.expire_all()
    locality = db_session.get(Locality, locality.id)
    assert localities.staff_of(locality, LocalityRole.COORDINATOR) == [coordinator]
    assert localities.staff_of(locality, LocalityRole.MENTOR) == [mentor]
    # a coordinator of another locality cannot be added here too
    other = LocalityFactory()
    other_path = f"/localities/{other.id}/staff"
    response = post_form(client, other_path, {"coordinators": [coordinator.id]}, other_path)
    assert "already coordinates" in response.get_data(as_text=True)
