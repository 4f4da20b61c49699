"""Localities: the areas of the academy, the postcode districts they cover, and their staff."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import Select, and_, func, or_, select

from virtualacademy.database import chunked
from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    Enrolment,
    EnrolmentStatus,
    Locality,
    LocalityDistrict,
    LocalityRole,
    LocalityStaff,
    Role,
    User,
)
from virtualacademy.services import audit

#: The UK postcode format (as published for the Bulk Data Transfer standard), spaces removed.
_POSTCODE = re.compile(
    r"^(GIR0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def normalise_postcode(raw: str, field: str = "postcode") -> str:
    """A UK postcode in its standard form (``dn45hx`` -> ``DN4 5HX``), or a ValidationError."""
    compact = re.sub(r"\s+", "", (raw or "")).upper()
    if not compact:
        raise ValidationError("Enter a postcode", field=field)
    if not _POSTCODE.match(compact):
        raise ValidationError("Enter a real UK postcode, like DN4 5HX", field=field)
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_district(postcode: str) -> str:
    """The outward code of a normalised postcode: ``DN4 5HX`` -> ``DN4``."""
    return postcode.split(" ", 1)[0]


def locality_for_postcode(postcode: str) -> Locality | None:
    """The active locality covering this postcode's district, if any."""
    district = postcode_district(normalise_postcode(postcode))
    return db.session.scalar(
        select(Locality).join(LocalityDistrict).where(LocalityDistrict.district == district, Locality.active.is_(True))
    )


def parse_districts(text: str) -> list[str]:
    """``"dn1, DN4 dn5"`` -> ``["DN1", "DN4", "DN5"]``; a ValidationError names anything that is not a district."""
    items = [t for t in re.split(r"[\s,;]+", (text or "").upper()) if t]
    if not items:
        raise ValidationError("Enter at least one postcode district, like DN4", field="districts")
    bad = [t for t in items if not _DISTRICT.match(t)]
    if bad:
        raise ValidationError(
            f"{', '.join(bad)} {'is not a postcode district' if len(bad) == 1 else 'are not postcode districts'}"
            " (a district is the first part of a postcode, like DN4)",
            field="districts",
        )
    return sorted(set(items))


def save_locality(
    actor: User, locality: Locality | None, name: str, districts_text: str, active: bool = True
) -> Locality:
    """Create (``locality=None``) or update a locality and the districts it covers."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("Enter the locality's name", field="name")
    districts = parse_districts(districts_text)
    same_name = db.session.scalar(select(Locality).where(func.lower(Locality.name) == name.lower()))
    if same_name is not None and same_name is not locality:
        raise ValidationError("There is already a locality with this name", field="name")
    taken = [
        row
        for some in chunked(districts)  # as typed: a locality could cover any number of districts
        for row in db.session.execute(
            select(LocalityDistrict.district, Locality.name)
            .join(Locality)
            .where(LocalityDistrict.district.in_(some), Locality.id != (locality.id if locality else -1))
            .order_by(LocalityDistrict.district)
        )
    ]
    if taken:
        raise ValidationError("; ".join(f"{d} is already covered by {n}" for d, n in taken), field="districts")
    created = locality is None
    if created:
        locality = Locality(name=name, active=active)
        db.session.add(locality)
    before = {"name": locality.name, "districts": locality.district_list, "active": locality.active}
    locality.name = name
    locality.active = active
    keep = [d for d in locality.districts if d.district in districts]
    locality.districts = keep + [LocalityDistrict(district=d) for d in districts if d not in {k.district for k in keep}]
    db.session.flush()
    after = {"name": name, "districts": districts, "active": active}
    audit.record(
        "locality.created" if created else "locality.updated",
        actor=actor,
        obj=locality,
        detail=after if created else {k: v for k, v in after.items() if before.get(k) != v},
    )
    return locality


def set_staff(actor: User, locality: Locality, coordinator_ids: list[int], mentor_ids: list[int]) -> None:
    """Attach coordinators (each to this one locality only) and mentors (to several, if need be)."""
    chosen = sorted({*coordinator_ids, *mentor_ids})  # as many as were ticked: at national size, thousands
    users = {u.id: u for some in chunked(chosen) for u in db.session.scalars(select(User).where(User.id.in_(some)))}
    for uid in coordinator_ids:
        user = users.get(uid)
        if user is None or not user.has_role(Role.COORDINATOR):
            raise ValidationError("Choose coordinators from people with the coordinator role", field="coordinators")
        elsewhere = db.session.scalar(
            select(Locality.name)
            .join(LocalityStaff)
            .where(
                LocalityStaff.user_id == uid,
                LocalityStaff.role == LocalityRole.COORDINATOR,
                LocalityStaff.locality_id != locality.id,
            )
        )
        if elsewhere:
            raise ValidationError(
                f"{user.name} already coordinates {elsewhere}; a coordinator runs one locality", field="coordinators"
            )
    for uid in mentor_ids:
        user = users.get(uid)
        if user is None or not user.has_role(Role.MENTOR):
            raise ValidationError("Choose mentors from people with the mentor role", field="mentors")
    wanted = {(uid, LocalityRole.COORDINATOR) for uid in coordinator_ids} | {
        (uid, LocalityRole.MENTOR) for uid in mentor_ids
    }
    current = {(s.user_id, s.role): s for s in locality.staff}
    for key, link in current.items():
        if key not in wanted:
            locality.staff.remove(link)
    for uid, role in wanted - set(current):
        locality.staff.append(LocalityStaff(user_id=uid, role=role))
    db.session.flush()
    audit.record(
        "locality.staff_changed",
        actor=actor,
        obj=locality,
        detail={"coordinators": sorted(coordinator_ids), "mentors": sorted(mentor_ids)},
    )


def staff_of(locality: Locality, role: LocalityRole) -> list[User]:
    return sorted((s.user for s in locality.staff if s.role is role), key=lambda u: u.name)


def staff_names(role: LocalityRole) -> dict[int, list[str]]:
    """Each locality's staff in ``role`` by name (locality id -> names, sorted): one statement for every locality,
    for lists that show them all."""
    names: dict[int, list[str]] = {}
    for locality_id, name in db.session.execute(
        select(LocalityStaff.locality_id, User.name)
        .join(User, User.id == LocalityStaff.user_id)
        .where(LocalityStaff.role == role)
    ):
        names.setdefault(locality_id, []).append(name)
    return {locality_id: sorted(each) for locality_id, each in names.items()}


def coordinated_by(user: User) -> Select:
    """The ids of the localities ``user`` is attached to as coordinator: a select of ``LocalityStaff.locality_id``
    to use as a subquery (or narrow with ``.where(LocalityStaff.locality_id == ...)``), never a list.

    This is the one answer to "which localities does this person coordinate". It says nothing about the
    person's roles: whether they act as a coordinator (they hold the coordinator role too) is for
    :mod:`virtualacademy.policies.relations` to add."""
    return select(LocalityStaff.locality_id).where(
        LocalityStaff.user_id == user.id, LocalityStaff.role == LocalityRole.COORDINATOR
    )


def localities_of(user: User, role: LocalityRole | None = None) -> list[Locality]:
    stmt = select(Locality).join(LocalityStaff).where(LocalityStaff.user_id == user.id)
    if role is not None:
        stmt = stmt.where(LocalityStaff.role == role)
    return list(db.session.scalars(stmt.order_by(Locality.name)).unique())


def on_roll_filter(on: date):
    """SQL condition: an enrolment that has the learner on roll on ``on``."""
    return and_(
        Enrolment.status != EnrolmentStatus.APPLIED,
        Enrolment.start_date <= on,
        or_(Enrolment.end_date.is_(None), Enrolment.end_date > on),
    )


def on_roll_or_starting_filter(on: date):
    """SQL condition: an enrolment that has the learner on roll on ``on``, or that starts after it."""
    return and_(
        Enrolment.status != EnrolmentStatus.APPLIED,
        or_(Enrolment.end_date.is_(None), Enrolment.end_date > on),
    )


def numbers_on_roll(on: date, within: Select | list[int] | None = None) -> dict[int, int]:
    """Learners on roll per locality id on a date, counted from enrolment dates: of every locality, or only of the
    localities ``within`` (their ids, or a select of them), which reads those localities' enrolments by
    ``ix_enrolment_dates`` rather than the academy's."""
    stmt = select(Enrolment.locality_id, func.count(func.distinct(Enrolment.learner_id))).where(on_roll_filter(on))
    if within is not None:
        stmt = stmt.where(Enrolment.locality_id.in_(within))
    rows = db.session.execute(stmt.group_by(Enrolment.locality_id)).all()
    return {locality_id: count for locality_id, count in rows}


def all_localities(active_only: bool = False) -> list[Locality]:
    stmt = select(Locality).order_by(Locality.name)
    if active_only:
        stmt = stmt.where(Locality.active.is_(True))
    return list(db.session.scalars(stmt))
