"""The opportunity and placement pages: families search by interest and locality and say a child is interested;
coordinators curate opportunities for their own localities and decide placements (the host becomes one of the
learner's named other adults; the family is told either way); the learner or family logs sessions in the learning
log. Other localities' coordinators and other families get 404; bad input comes back on the form with what was
typed; the list runs the same statements for 3 opportunities as for 30."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests import community_world as cw
from tests.blueprints.test_exams_scale import counting
from tests.conftest import banners, post_form, sign_in
from tests.factories import UserFactory
from virtualacademy import clock
from virtualacademy.extensions import db
from virtualacademy.models import (
    ActivityType,
    LogEntry,
    Notification,
    Opportunity,
    OpportunityKind,
    OtherAdult,
    OtherAdultRole,
    Placement,
    PlacementState,
    Role,
)
from virtualacademy.models.community import placement_log_entry
from virtualacademy.services.community import opportunities

LIST = "/community/opportunities"


@pytest.fixture
def world(db_session):
    made = cw.build(families=2)
    db.session.commit()
    return made


def _opportunity(world, actor=None, **changes) -> Opportunity:
    values = dict(
        title="Animal care at Bentley Farm",
        kind=OpportunityKind.INTERNSHIP,
        host_organisation="Bentley City Farm",
        contact_name="Jo Fields",
        contact_email="jo@bentley.example",
        contact_phone="01302 555 0101",
        interests="animals, farming",
        locality_id=world.locality.id,
        host_checked_on=clock.today() - timedelta(days=30),
        places=2,
        location="Bentley",
        time_commitment="Tuesday mornings for six weeks",
    )
    values.update(changes)
    made = opportunities.save_opportunity(actor or world.coordinator, None, opportunities.OpportunityInput(**values))
    db.session.commit()
    return made


def _interest(world, opportunity, family=0, child=0) -> Placement:
    fam = world.family(family)
    placement = opportunities.express_interest(fam.guardian, opportunity, fam.children[child], "Loves goats")
    db.session.commit()
    return placement


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


# --- finding opportunities ---------------------------------------------------------------------------------------


def test_families_search_by_interest_prefix_and_locality(client, world):
    farm = _opportunity(world)
    _opportunity(world, title="Coding masterclass", kind=OpportunityKind.MASTERCLASS, interests="coding, games")
    _opportunity(world, actor=world.admin, title="Museum volunteering", interests="history", locality_id=None)
    _opportunity(world, actor=world.other_coordinator, title="Elsewhere farm", locality_id=world.other_locality.id)
    closed = _opportunity(world, title="Closed beekeeping", interests="animals, bees", open=False)
    opportunities.approve(world.coordinator, _interest(world, farm))
    db.session.commit()

    sign_in(client, world.family(0).guardian.email)
    page = _page(client, LIST)
    assert "Animal care at Bentley Farm" in page and "Coding masterclass" in page and "Museum volunteering" in page
    assert "Elsewhere farm" not in page and "Closed beekeeping" not in page
    assert "Add an opportunity" not in page
    assert "1 of 2" in page  # places left: one approved of two
    assert ">animals</strong>" in page and ">farming</strong>" in page  # interests as tags
    assert "Tuesday mornings for six weeks" in page and "Bentley City Farm" in page

    found = _page(client, f"{LIST}?q=Anim")
    assert "Animal care at Bentley Farm" in found and "Coding masterclass" not in found
    assert "Museum volunteering" not in found
    assert "Coding masterclass" in _page(client, f"{LIST}?q=cod")
    assert "No opportunities found" in _page(client, f"{LIST}?q=arming")  # a tag's prefix, not inside it
    # narrowed to a locality: that locality's and the academy-wide ones
    north = _page(client, f"{LIST}?locality={world.locality.id}&q=")
    assert "Animal care at Bentley Farm" in north and "Museum volunteering" in north

    post_form(client, "/sign-out")
    sign_in(client, world.coordinator.email)
    staff = _page(client, f"{LIST}?locality={world.other_locality.id}")
    assert "Elsewhere farm" in staff and "Museum volunteering" in staff and "Animal care" not in staff
    own = _page(client, f"{LIST}?q=animals")
    assert "Closed beekeeping" in own and "Closed</strong>" in own  # their own locality's closed one
    assert "Add an opportunity" in own
    assert f"/community/opportunities/{closed.id}" in own


def test_another_localitys_coordinator_does_not_see_its_closed_opportunities(client, world):
    _opportunity(world, title="Closed beekeeping", open=False)
    sign_in(client, world.other_coordinator.email)
    assert "Closed beekeeping" not in _page(client, LIST)


def test_host_contact_details_only_for_those_who_manage_it(client, world):
    farm = _opportunity(world)
    path = f"{LIST}/{farm.id}"
    sign_in(client, world.family(0).guardian.email)
    page = _page(client, path)
    assert "Bentley City Farm" in page and "jo@bentley.example" not in page and "01302 555 0101" not in page
    assert "Express interest" in page
    post_form(client, "/sign-out")
    sign_in(client, world.coordinator.email)
    page = _page(client, path)
    assert "jo@bentley.example" in page and "01302 555 0101" in page and "Express interest" not in page


# --- curating ----------------------------------------------------------------------------------------------------


def _form(world, **changes) -> dict:
    data = {
        "locality_id": str(world.locality.id),
        "title": "Pottery with the Clay Co-op",
        "kind": "masterclass",
        "description": "Throw a **pot**.",
        "host_organisation": "Clay Co-op",
        "contact_name": "Pat Potter",
        "contact_email": "pat@clay.example",
        "contact_phone": "01302 555 0199",
        "host_checked_on": _day(date(2027, 1, 15)),
        "interests": "Art, pottery",
        "location": "Bentley",
        "time_commitment": "Two Saturdays",
        "places": "4",
        "open": "y",
    }
    data.update(changes)
    return data


def test_a_coordinator_adds_and_changes_an_opportunity_for_their_own_locality(client, world):
    sign_in(client, world.coordinator.email)
    path = f"{LIST}/new"
    page = _page(client, path)
    assert world.locality.name in page and world.other_locality.name not in page  # only their own
    assert "Anywhere (academy-wide)" not in page
    response = post_form(client, path, _form(world), path)
    assert response.status_code == 302
    made = db.session.scalar(select(Opportunity).where(Opportunity.title == "Pottery with the Clay Co-op"))
    assert (made.locality_id, made.places, made.host_checked_on, made.open) == (
        world.locality.id,
        4,
        date(2027, 1, 15),
        True,
    )
    assert [i.interest for i in made.interests] == ["art", "pottery"]
    assert "<strong>pot</strong>" in made.description_html
    edit = f"{LIST}/{made.id}/edit"
    page = _page(client, edit)
    assert 'value="art, pottery"' in page and 'value="pat@clay.example"' in page
    response = post_form(client, edit, _form(world, places="6", open=""), edit)
    assert response.status_code == 302
    db.session.expire_all()
    made = db.session.get(Opportunity, made.id)
    assert (made.places, made.open) == (6, False)
    # an admin may also place one anywhere
    post_form(client, "/sign-out")
    sign_in(client, world.admin.email)
    assert "Anywhere (academy-wide)" in _page(client, path)
    response = post_form(client, path, _form(world, locality_id="anywhere", title="Online mentoring"), path)
    assert response.status_code == 302
    assert db.session.scalar(select(Opportunity.locality_id).where(Opportunity.title == "Online mentoring")) is None


@pytest.mark.parametrize(
    ("changes", "message", "kept"),
    [
        ({"contact_email": "pat at clay"}, "Enter an email address in the correct format", 'value="pat at clay"'),
        ({"places": "0"}, "Enter the number of places, from 1 to 1,000", 'value="0"'),
        ({"places": str(10**20)}, "Enter the number of places, from 1 to 1,000", f'value="{10**20}"'),
        ({"host_checked_on": ["1", "2", "99999"]}, "must be a real date", 'value="99999"'),
        ({"host_checked_on": _day(date(2027, 3, 3))}, "today or in the past", 'value="2027"'),
        ({"interests": " , "}, "Enter at least one interest", 'value="Pottery with the Clay Co-op"'),
        ({"title": "\x00\x1b"}, "Enter the opportunity&#39;s title", 'value="Clay Co-op"'),
        ({"locality_id": "999999"}, "Not a valid choice", 'value="Pottery with the Clay Co-op"'),
    ],
)
def test_bad_input_comes_back_on_the_form_with_what_was_typed(client, world, changes, message, kept):
    sign_in(client, world.coordinator.email)
    path = f"{LIST}/new"
    response = post_form(client, path, _form(world, **changes), path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in page and "There is a problem" in page
    assert message in page and kept in page
    assert 'value="Pottery with the Clay Co-op"' in page or changes.get("title")
    assert db.session.scalar(select(Opportunity.id)) is None


def test_control_characters_are_taken_out_of_what_is_saved(client, world):
    sign_in(client, world.coordinator.email)
    path = f"{LIST}/new"
    response = post_form(client, path, _form(world, title="Pottery\x00 with\x1b the Clay Co-op"), path)
    assert response.status_code == 302
    assert db.session.scalar(select(Opportunity.title)) == "Pottery with the Clay Co-op"


def test_another_localitys_coordinator_gets_404_on_the_edit_and_the_decision(client, world):
    farm = _opportunity(world)
    placement = _interest(world, farm)
    sign_in(client, world.other_coordinator.email)
    assert client.get(f"{LIST}/{farm.id}/edit").status_code == 404
    response = post_form(client, f"{LIST}/{farm.id}/edit", _form(world))
    assert response.status_code == 404
    response = post_form(client, f"/community/placements/{placement.id}/decide", {"decision": "approve"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).state is PlacementState.INTERESTED
    assert db.session.get(Opportunity, farm.id).title == "Animal care at Bentley Farm"


# --- saying a child is interested, and the decision ---------------------------------------------------------------


def test_a_guardian_chooses_which_child_and_the_learner_speaks_for_themself(client, world):
    farm = _opportunity(world)
    family = world.family(0)  # two children
    first, second = sorted(family.children, key=lambda c: c.legal_name)
    path = f"{LIST}/{farm.id}/interest"
    sign_in(client, family.guardian.email)
    page = _page(client, path)
    assert first.known_as in page and second.known_as in page and "the coordinator will decide" in page.lower()
    response = post_form(client, path, {"note": "Keen on animals"}, path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Choose who is interested" in page and "Keen on animals" in page
    response = post_form(client, path, {"learner_id": str(second.id), "note": "Keen on animals"}, path)
    assert response.status_code == 302
    placement = db.session.scalar(select(Placement).where(Placement.learner_id == second.id))
    assert (placement.state, placement.note) == (PlacementState.INTERESTED, "Keen on animals")
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The coordinator will decide" in follow
    # the same child again: the service's refusal, on the page
    response = post_form(client, path, {"learner_id": str(second.id)}, path)
    assert "already said they are interested" in response.get_data(as_text=True)
    # another family's child is not a choice
    response = post_form(client, path, {"learner_id": str(world.family(1).children[0].id)}, path)
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)

    # a learner with their own account: no choice to make
    post_form(client, "/sign-out")
    learner_user = UserFactory(roles=[Role.LEARNER])
    first.user_id = learner_user.id
    db.session.commit()
    sign_in(client, learner_user.email)
    page = _page(client, path)
    assert 'name="learner_id"' not in page and f"For <strong>{first.known_as}</strong>" in page
    assert post_form(client, path, {"note": ""}, path).status_code == 302
    assert db.session.scalar(select(Placement.id).where(Placement.learner_id == first.id)) is not None


def test_approving_records_the_host_as_a_named_other_adult_and_tells_the_family(client, world):
    farm = _opportunity(world)
    placement = _interest(world, farm)
    learner = placement.learner
    sign_in(client, world.coordinator.email)
    waiting = _page(client, "/community/placements")
    assert learner.legal_name in waiting and "1 waiting for a decision" in waiting
    path = f"/community/placements/{placement.id}/decide"
    response = post_form(client, path, {"decision": "approve", "starts_on": ["99", "3", "2027"]})
    assert response.status_code == 200 and "must be a real date" in response.get_data(as_text=True)
    response = post_form(client, path, {"decision": "approve", "starts_on": _day(date(2027, 3, 9))})
    assert response.status_code == 302
    assert any("Approved" in b for b in banners(client.get(response.headers["Location"]).get_data(as_text=True)))
    db.session.expire_all()
    placement = db.session.get(Placement, placement.id)
    assert (placement.state, placement.starts_on) == (PlacementState.APPROVED, date(2027, 3, 9))
    adult = db.session.get(OtherAdult, placement.other_adult_id)
    assert (adult.learner_id, adult.name, adult.organisation, adult.role) == (
        learner.id,
        "Jo Fields",
        "Bentley City Farm",
        OtherAdultRole.INTERNSHIP_HOST,
    )
    told = db.session.scalars(select(Notification).where(Notification.user_id == world.family(0).guardian.id)).all()
    assert [n.link for n in told] == [f"/community/placements/{placement.id}"]
    assert "Nothing is waiting for a decision" in _page(client, "/community/placements")


def test_declining_tells_the_family_and_refusals_are_messages(client, world):
    unchecked = _opportunity(world, title="Unchecked host", host_checked_on=None)
    placement = _interest(world, unchecked)
    sign_in(client, world.coordinator.email)
    path = f"/community/placements/{placement.id}/decide"
    response = post_form(client, path, {"decision": "approve"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "safeguarding check before approving" in page
    response = post_form(client, path, {"decision": "decline", "next": f"{LIST}/{unchecked.id}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{LIST}/{unchecked.id}")
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).state is PlacementState.DECLINED
    told = db.session.scalars(select(Notification).where(Notification.user_id == world.family(0).guardian.id)).all()
    assert len(told) == 1 and "Unchecked host" in told[0].title
    # no places left
    full = _opportunity(world, title="One place", places=1)
    opportunities.approve(world.coordinator, _interest(world, full, family=0))
    later = _interest(world, full, family=1)
    response = post_form(client, f"/community/placements/{later.id}/decide", {"decision": "approve"})
    assert "All 1 places on One place are taken" in response.get_data(as_text=True)


def test_a_family_cannot_see_another_familys_placement(client, world):
    placement = _interest(world, _opportunity(world))
    sign_in(client, world.family(1).guardian.email)
    assert client.get(f"/community/placements/{placement.id}").status_code == 404
    assert client.get(f"/community/placements/{placement.id}/sessions/new").status_code == 404
    assert "Animal care" not in _page(client, "/community/placements")
    post_form(client, "/sign-out")
    sign_in(client, world.family(0).guardian.email)
    page = _page(client, "/community/placements")
    assert "Animal care at Bentley Farm" in page and "Interest expressed" in page


# --- sessions ----------------------------------------------------------------------------------------------------


def test_logging_a_session_makes_a_learning_log_entry(client, world):
    placement = _interest(world, _opportunity(world))
    opportunities.approve(world.coordinator, placement)
    db.session.commit()
    sign_in(client, world.family(0).guardian.email)
    assert "Log a session" in _page(client, "/dashboard")  # the family's panel
    path = f"/community/placements/{placement.id}/sessions/new"
    data = {
        "on_date": _day(clock.today()),
        "hours": "2",
        "minutes": "30",
        "subjects": str(world.subject_ids[1]),
        "description": "Mucked out the goats; learned about hoof care",
    }
    for changes, message, kept in [
        ({"hours": "", "minutes": ""}, "Enter how long the session took", "hoof care"),
        ({"hours": str(10**20)}, "Hours must be a whole number from 0 to 24", f'value="{10**20}"'),
        ({"on_date": ["1", "2", "99999"]}, "must be a real date", 'value="99999"'),
        ({"on_date": _day(clock.today() + timedelta(days=1))}, "today or in the past", "hoof care"),
        ({"description": "\x00\x1b"}, "Describe the learning", 'value="30"'),
    ]:
        response = post_form(client, path, {**data, **changes}, path)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "<title>Error: " in page, changes
        assert message in page and kept in page, changes
    assert db.session.scalar(select(LogEntry.id).where(LogEntry.learner_id == placement.learner_id)) is None
    response = post_form(client, path, data, path)
    assert response.status_code == 302
    entry = db.session.scalar(select(LogEntry).where(LogEntry.learner_id == placement.learner_id))
    assert (entry.minutes, entry.activity, entry.on_date) == (150, ActivityType.INTERNSHIP, clock.today())
    assert [s.id for s in entry.subjects] == [world.subject_ids[1]]
    linked = db.session.scalar(
        select(placement_log_entry.c.placement_id).where(placement_log_entry.c.log_entry_id == entry.id)
    )
    assert linked == placement.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "hoof care" in page and "1 session logged" in page


def test_sessions_are_for_approved_placements_only(client, world):
    placement = _interest(world, _opportunity(world))
    sign_in(client, world.family(0).guardian.email)
    assert "Log a session" not in _page(client, f"/community/placements/{placement.id}")
    path = f"/community/placements/{placement.id}/sessions/new"
    data = {"on_date": _day(clock.today()), "hours": "1", "subjects": str(world.subject_ids[0]), "description": "x"}
    response = post_form(client, path, data, path)
    assert "Sessions are logged for an approved placement" in response.get_data(as_text=True)


# --- national scale ----------------------------------------------------------------------------------------------


def _statements(client, path: str) -> int:
    with counting() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


@pytest.mark.parametrize("who", ["guardian", "coordinator"])
def test_the_list_runs_the_same_statements_for_3_opportunities_as_for_30(client, world, who):
    def add(n):
        for i in range(n):
            made = _opportunity(world, title=f"Opportunity {i:02d}", interests=f"topic{i}, shared")
            if i % 3 == 0:
                opportunities.approve(world.coordinator, _interest(world, made, family=i % 2))
            elif i % 3 == 1:
                _interest(world, made, family=i % 2)
        db.session.commit()

    user = world.family(0).guardian if who == "guardian" else world.coordinator
    sign_in(client, user.email)
    add(3)
    few = _statements(client, LIST)
    few_waiting = _statements(client, "/community/placements")
    add(27)
    assert _statements(client, LIST) == few
    assert _statements(client, "/community/placements") == few_waiting
