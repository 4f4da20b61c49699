"""Localities: postcodes and districts, staff, and numbers on roll from enrolment dates."""

from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import LocalityFactory, UserFactory, many_staff
from virtualacademy.errors import ValidationError
from virtualacademy.models import (
    EheReason,
    Enrolment,
    EnrolmentStatus,
    Family,
    Learner,
    Locality,
    LocalityRole,
    Role,
    WithdrawalReason,
)
from virtualacademy.services import localities


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("dn45hx", "DN4 5HX"),
        (" DN4  5HX ", "DN4 5HX"),
        ("sw1a1aa", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("b33 8th", "B33 8TH"),
        ("cr2 6xh", "CR2 6XH"),
        ("GIR 0AA", "GIR 0AA"),
    ],
)
def test_postcodes_are_normalised(raw, normal):
    assert localities.normalise_postcode(raw) == normal


@pytest.mark.parametrize("raw", ["", "DN4", "12345", "DN4 5H", "DN44 5HXX", "Q1 1AA", "DN4 5CI"])
def test_bad_postcodes_get_a_clear_message(raw):
    with pytest.raises(ValidationError) as error:
        localities.normalise_postcode(raw)
    assert error.value.field == "postcode"
    assert "postcode" in error.value.message


def test_districts_are_parsed_and_checked():
    assert localities.parse_districts("dn1, DN4 dn4;dn5") == ["DN1", "DN4", "DN5"]
    with pytest.raises(ValidationError, match="DN4 5HX|5HX is not a postcode district"):
        localities.parse_districts("DN1, DN4 5HX")
    with pytest.raises(ValidationError, match="at least one"):
        localities.parse_districts(" , ")


def test_a_postcode_suggests_its_locality(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    north = localities.save_locality(admin, None, "North", "DN5, DN6")
    localities.save_locality(admin, None, "Closed", "DN9", active=False)
    assert localities.locality_for_postcode("dn5 7ab") == north
    assert localities.locality_for_postcode("DN9 1AA") is None  # inactive localities are not suggested
    assert localities.locality_for_postcode("LS1 4AP") is None


def test_a_district_belongs_to_one_locality_and_names_are_unique(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    localities.save_locality(admin, None, "North", "DN5")
    with pytest.raises(ValidationError, match="DN5 is already covered by North"):
        localities.save_locality(admin, None, "South", "DN4, DN5")
    with pytest.raises(ValidationError, match="already a locality with this name"):
        localities.save_locality(admin, None, "north", "DN7")


def test_editing_districts_keeps_unchanged_ones_and_is_audited(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    north = localities.save_locality(admin, None, "North", "DN5, DN6")
    localities.save_locality(admin, north, "North", "DN6, DN7")
    assert north.district_list == ["DN6", "DN7"]
    from sqlalchemy import select

    from virtualacademy.models import AuditEvent

    last = ctx.scalars(select(AuditEvent).where(AuditEvent.action == "locality.updated")).one()
    assert last.detail == {"districts": ["DN6", "DN7"]}


def test_a_coordinator_runs_one_locality_and_a_mentor_may_work_in_several(ctx):
    admin = UserFactory(roles=[Role.ADMIN])
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    mentor = UserFactory(roles=[Role.MENTOR])
    north, south = LocalityFactory(), LocalityFactory()
    localities.set_staff(admin, north, [coordinator.id], [mentor.id])
    localities.set_staff(admin, south, [], [mentor.id])
    assert localities.staff_of(north, LocalityRole.COORDINATOR) == [coordinator]
    assert {loc.id for loc in localities.localities_of(mentor)} == {north.id, south.id}
    with pytest.raises(ValidationError, match="already coordinates"):
        localities.set_staff(admin, south, [coordinator.id], [])
    with pytest.raises(ValidationError, match="coordinator role"):
        localities.set_staff(admin, south, [mentor.id], [])
    with pytest.raises(ValidationError, match="mentor role"):
        localities.set_staff(admin, south, [], [coordinator.id])


def test_a_locality_with_more_districts_and_staff_than_one_statement_may_bind(ctx):
    """Districts are typed and staff ticked: any number of them, each once bound into one IN list. 1,200 are more
    than the suite's parameter guard allows in one statement."""
    admin = UserFactory(roles=[Role.ADMIN])
    letters = [a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    districts = [f"{pair}{n}" for pair in letters[:120] for n in range(10)]
    north = localities.save_locality(admin, None, "North", ", ".join(districts))
    assert len(north.district_list) == 1_200
    localities.save_locality(admin, None, "South", "ZZ1")
    with pytest.raises(ValidationError) as error:
        localities.save_locality(admin, None, "Elsewhere", ", ".join([*districts, "ZZ1"]))
    taken = error.value.message.split("; ")
    assert (len(taken), taken[0], taken[-1]) == (
        1_201,
        "AA0 is already covered by North",
        "ZZ1 is already covered by South",
    )

    mentors = many_staff(Role.MENTOR, 1_200)
    localities.set_staff(admin, north, [], mentors)
    assert len(localities.staff_of(north, LocalityRole.MENTOR)) == 1_200


def _learner(ctx, locality, name="Sam Learner"):
    family = Family(
        reference=f"F{name[:3].upper()}{locality.id}", address_line_1="1 High St", town="Doncaster", postcode="DN4 5HX"
    )
    learner = Learner(family=family, legal_name=name, date_of_birth=date(2014, 5, 1), reason=EheReason.HEALTH)
    ctx.add(family)
    ctx.flush()
    return learner


def test_numbers_on_roll_come_from_enrolment_dates(ctx):
    north, south = LocalityFactory(), LocalityFactory()
    a, b, c = _learner(ctx, north, "Ann"), _learner(ctx, north, "Bob"), _learner(ctx, south, "Cat")
    ctx.add_all(
        [
            Enrolment(learner=a, locality_id=north.id, status=EnrolmentStatus.ENROLLED, start_date=date(2026, 9, 1)),
            # withdrawn on 1 Jan: on roll up to 31 Dec
            Enrolment(
                learner=b,
                locality_id=north.id,
                status=EnrolmentStatus.WITHDRAWN,
                start_date=date(2026, 9, 1),
                end_date=date(2027, 1, 1),
                withdrawal_reason=WithdrawalReason.RETURNED_TO_SCHOOL,
            ),
            # re-enrolled later in the other locality
            Enrolment(learner=b, locality_id=south.id, status=EnrolmentStatus.ENROLLED, start_date=date(2027, 3, 1)),
            Enrolment(learner=c, locality_id=south.id, status=EnrolmentStatus.APPLIED, start_date=date(2026, 9, 1)),
        ]
    )
    ctx.flush()
    assert localities.numbers_on_roll(date(2026, 8, 31)) == {}
    assert localities.numbers_on_roll(date(2026, 12, 31)) == {north.id: 2}
    assert localities.numbers_on_roll(date(2027, 1, 1)) == {north.id: 1}
    assert localities.numbers_on_roll(date(2027, 3, 1)) == {north.id: 1, south.id: 1}
    # Only the localities asked about, by their ids or by a select of them
    assert localities.numbers_on_roll(date(2027, 3, 1), within=[south.id]) == {south.id: 1}
    assert localities.numbers_on_roll(date(2027, 3, 1), within=select(Locality.id).where(Locality.id == north.id)) == {
        north.id: 1
    }
    assert localities.numbers_on_roll(date(2027, 3, 1), within=[]) == {}
