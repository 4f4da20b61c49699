"""Learning through interest: coordinators curate opportunities with local hosts (internships, placements,
volunteering, masterclasses); learners and families find them by interest and locality and say they are
interested; the coordinator approves a placement, and the host becomes one of the learner's named other adults
(:func:`virtualacademy.services.mentoring.add_other_adult`, as an internship host); the learner then logs each
session and what they learned in their learning log.

An opportunity's interests are kept lower-case, one row each, so a search by interest is an indexed query in
the database. A placement is approved only while the host's safeguarding check is recorded and places remain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, false, func, insert, or_, select, true
from sqlalchemy.orm import selectinload

from virtualacademy import clock
from virtualacademy.errors import DomainError, NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import (
    ActivityType,
    Learner,
    Locality,
    LogEntry,
    Opportunity,
    OpportunityInterest,
    OpportunityKind,
    OtherAdultRole,
    Placement,
    PlacementState,
    Role,
    User,
)
from virtualacademy.models.community import placement_log_entry
from virtualacademy.policies.relations import FAMILY, coordinated_localities, only_related
from virtualacademy.services import accounts, audit, learning_log, mentoring, notifications
from virtualacademy.services.community import access
from virtualacademy.services.community.common import (
    clean_markdown,
    family_users,
    optional_text,
    render_markdown,
    require_text,
)

MAX_INTERESTS = 20
_WORD = re.compile(r"[^a-z0-9 &'-]+")
ACTIVITY = {
    OpportunityKind.INTERNSHIP: ActivityType.INTERNSHIP,
    OpportunityKind.PLACEMENT: ActivityType.INTERNSHIP,
    OpportunityKind.VOLUNTEERING: ActivityType.VOLUNTEERING,
    OpportunityKind.MASTERCLASS: ActivityType.OTHER,
}


@dataclass
class OpportunityInput:
    title: str
    kind: OpportunityKind
    host_organisation: str
    contact_name: str
    interests: list[str] | str
    locality_id: int | None = None
    description: str = ""
    contact_email: str | None = None
    contact_phone: str | None = None
    host_checked_on: date | None = None
    location: str | None = None
    time_commitment: str | None = None
    places: int = 1
    #: Families can find it and say they are interested (None: as it was; a new one is open).
    open: bool | None = None


def clean_interest(text: str) -> str:
    return " ".join(_WORD.sub(" ", (text or "").lower()).split())[:60]


def _interests(value: list[str] | str) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    cleaned = sorted({clean_interest(i) for i in items} - {""})
    if not cleaned:
        raise ValidationError("Enter at least one interest it suits, like animals or coding", field="interests")
    if len(cleaned) > MAX_INTERESTS:
        raise ValidationError(f"Enter at most {MAX_INTERESTS} interests", field="interests")
    return cleaned


def _contact_email(value: str | None) -> str | None:
    text = optional_text(value, "contact_email", 254)
    if text is None:
        return None
    try:
        return accounts.check_email(text)
    except ValidationError as error:
        raise ValidationError(error.message, field="contact_email") from error


def save_opportunity(actor: User, opportunity: Opportunity | None, data: OpportunityInput) -> Opportunity:
    """Create (``opportunity`` None) or change an opportunity for a locality the actor coordinates."""
    if data.locality_id is not None and db.session.get(Locality, data.locality_id) is None:
        raise ValidationError("Choose a locality from the list", field="locality_id")
    if not access.manages_locality(actor, data.locality_id) or (
        opportunity is not None and not access.may_manage_opportunity(actor, opportunity)
    ):
        raise NotAllowed("You can only curate opportunities for a locality you coordinate")
    title = require_text(data.title, "title", "Enter the opportunity's title", 200)
    if not isinstance(data.kind, OpportunityKind):
        raise ValidationError("Choose the kind of opportunity", field="kind")
    host = require_text(data.host_organisation, "host_organisation", "Enter the host organisation", 200)
    contact = require_text(data.contact_name, "contact_name", "Enter the name of the host's contact", 200)
    places = data.places
    if isinstance(places, bool) or not isinstance(places, int) or not 0 < places <= 1000:
        raise ValidationError("Enter the number of places, from 1 to 1,000", field="places")
    if data.host_checked_on is not None and data.host_checked_on > clock.today():
        raise ValidationError("The safeguarding check date must be today or in the past", field="host_checked_on")
    interests = _interests(data.interests)
    source = clean_markdown(data.description)
    if opportunity is None:
        opportunity = Opportunity(created_by_id=actor.id)
        db.session.add(opportunity)
    opportunity.locality_id, opportunity.title, opportunity.kind = data.locality_id, title, data.kind
    opportunity.description, opportunity.description_html = source, render_markdown(source)
    opportunity.host_organisation, opportunity.contact_name, opportunity.places = host, contact, places
    opportunity.contact_email = _contact_email(data.contact_email)
    opportunity.contact_phone = optional_text(data.contact_phone, "contact_phone", 32)
    opportunity.host_checked_on = data.host_checked_on
    if data.open is not None:
        opportunity.open = bool(data.open)
    opportunity.location = optional_text(data.location, "location", 200)
    opportunity.time_commitment = optional_text(data.time_commitment, "time_commitment", 200)
    opportunity.interests = [OpportunityInterest(interest=i) for i in interests]
    db.session.flush()
    audit.record("community.opportunity_saved", actor=actor, obj=opportunity)
    return opportunity


def search(
    user: User, interest: str | None = None, locality_id: int | None = None, *, with_closed: bool = False
) -> Select:
    """Open opportunities ``user`` may see, matching an interest (a tag starting with it, or in the title) and a
    locality if given; a select for the page to paginate (title order). ``with_closed``: also the closed ones
    the user manages (every one for an admin, their localities' for a coordinator)."""
    shown = Opportunity.open.is_(True)
    if with_closed:
        shown = or_(shown, _managed(user))
    stmt = access.narrow_by_locality(user, select(Opportunity).where(shown), Opportunity.locality_id)
    term = clean_interest(interest or "")
    if term:
        pattern = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        tagged = select(OpportunityInterest.opportunity_id).where(
            OpportunityInterest.interest.like(pattern, escape="\\")
        )
        stmt = stmt.where(
            or_(Opportunity.id.in_(tagged), func.lower(Opportunity.title).like("%" + pattern, escape="\\"))
        )
    if locality_id is not None:
        stmt = stmt.where(or_(Opportunity.locality_id == locality_id, Opportunity.locality_id.is_(None)))
    return stmt.order_by(Opportunity.title, Opportunity.id)


def _managed(user: User):
    """SQL: the opportunities ``user`` manages (as :func:`access.may_manage_opportunity`)."""
    if not user.is_active:
        return false()
    if user.has_role(Role.ADMIN):
        return true()
    return Opportunity.locality_id.in_(coordinated_localities(user))


def manages_any(user: User) -> bool:
    """Whether ``user`` curates opportunities anywhere (shows "Add an opportunity")."""
    return bool(user.is_active and (user.has_role(Role.ADMIN) or _coordinated(user)))


def _coordinated(user: User) -> list[Locality]:
    return list(
        db.session.scalars(
            select(Locality).where(Locality.id.in_(coordinated_localities(user))).order_by(Locality.name).limit(500)
        )
    )


def curated_localities(user: User) -> list[Locality]:
    """The localities ``user`` may put an opportunity in (every active one for an admin, who may also choose
    "anywhere"; a coordinator's own), for the form's picker."""
    if user.has_role(Role.ADMIN):
        return list(
            db.session.scalars(select(Locality).where(Locality.active.is_(True)).order_by(Locality.name).limit(500))
        )
    return _coordinated(user)


def search_localities(user: User) -> list[Locality]:
    """The localities to narrow a search to: every active one for staff; a family's own and those it follows."""
    stmt = select(Locality).where(Locality.active.is_(True))
    if not access.is_staff(user):
        stmt = stmt.where(Locality.id.in_(access.visible_locality_ids(user)))
    return list(db.session.scalars(stmt.order_by(Locality.name).limit(500)))


def with_details(stmt: Select) -> Select:
    """An opportunity list with what each row shows (its locality and interests) loaded with it."""
    return stmt.options(selectinload(Opportunity.locality), selectinload(Opportunity.interests))


def places_taken(opportunity_ids: list[int]) -> dict[int, int]:
    """Approved placements per opportunity, for one page of opportunities (one grouped query)."""
    if not opportunity_ids:
        return {}
    rows = db.session.execute(
        select(Placement.opportunity_id, func.count())
        .where(Placement.opportunity_id.in_(opportunity_ids), Placement.state == PlacementState.APPROVED)
        .group_by(Placement.opportunity_id)
    ).all()
    return {opportunity_id: count for opportunity_id, count in rows}


def places_left(opportunity: Opportunity) -> int:
    return max(opportunity.places - places_taken([opportunity.id]).get(opportunity.id, 0), 0)


def children_for(user: User) -> list[Learner]:
    """The learners ``user`` may say are interested: their children, or themselves (a family's few)."""
    return list(
        db.session.scalars(
            only_related(select(Learner), Learner.id, user, FAMILY).order_by(Learner.legal_name).limit(50)
        )
    )


def _placement_list(stmt: Select) -> Select:
    return stmt.options(
        selectinload(Placement.learner), selectinload(Placement.opportunity).selectinload(Opportunity.locality)
    )


def placements_of(opportunity: Opportunity) -> Select:
    """The opportunity's placements for those who manage it: interest waiting first, then by when expressed."""
    waiting_first = (Placement.state != PlacementState.INTERESTED).asc()
    return _placement_list(
        select(Placement)
        .where(Placement.opportunity_id == opportunity.id)
        .order_by(waiting_first, Placement.created_at, Placement.id)
    )


def waiting_for(user: User) -> Select:
    """Expressions of interest waiting for ``user``'s decision (the localities they manage), oldest first."""
    return _placement_list(
        select(Placement)
        .join(Opportunity, Opportunity.id == Placement.opportunity_id)
        .where(Placement.state == PlacementState.INTERESTED, _managed(user))
        .order_by(Placement.created_at, Placement.id)
    )


def family_placements(user: User, opportunity: Opportunity | None = None) -> Select:
    """The placements of ``user``'s children (or their own), newest first; of one opportunity if given."""
    stmt = only_related(select(Placement), Placement.learner_id, user, FAMILY)
    if opportunity is not None:
        stmt = stmt.where(Placement.opportunity_id == opportunity.id)
    return _placement_list(stmt.order_by(Placement.created_at.desc(), Placement.id.desc()))


def approved_for_family(user: User, limit: int = 5) -> list[Placement]:
    """The family's approved placements, most recently started first (the dashboard's "log a session")."""
    stmt = only_related(
        select(Placement).where(Placement.state == PlacementState.APPROVED), Placement.learner_id, user, FAMILY
    )
    return list(
        db.session.scalars(_placement_list(stmt.order_by(Placement.starts_on.desc(), Placement.id.desc()).limit(limit)))
    )


def express_interest(actor: User, opportunity: Opportunity, learner: Learner, note: str | None = None) -> Placement:
    if not access.may_book_learner(actor, learner):
        raise NotAllowed("You can only say so for yourself or your own children")
    if not access.may_see_opportunity(actor, opportunity) or not opportunity.open:
        raise DomainError("This opportunity is not open")
    placement = db.session.scalar(
        select(Placement).where(Placement.opportunity_id == opportunity.id, Placement.learner_id == learner.id)
    )
    if placement is not None and placement.state in (PlacementState.INTERESTED, PlacementState.APPROVED):
        raise DomainError(f"{learner.known_as} has already said they are interested in {opportunity.title}")
    if placement is None:
        placement = Placement(opportunity_id=opportunity.id, learner_id=learner.id)
        db.session.add(placement)
    placement.state, placement.expressed_by_id = PlacementState.INTERESTED, actor.id
    placement.note = optional_text(note, "note", 2000, multiline=True)
    placement.decided_by_id = placement.decided_at = None
    db.session.flush()
    audit.record("community.interest_expressed", actor=actor, obj=placement)
    return placement


def _lock(opportunity: Opportunity) -> None:
    db.session.execute(select(Opportunity.id).where(Opportunity.id == opportunity.id).with_for_update())


def approve(actor: User, placement: Placement, starts_on: date | None = None) -> Placement:
    """Approve the placement: the host is recorded as one of the learner's other adults, the family is told."""
    opportunity = placement.opportunity
    if not access.may_decide_placement(actor, placement):
        raise NotAllowed("Only the opportunity's coordinator (or an admin) can approve placements")
    if placement.state is not PlacementState.INTERESTED:
        raise DomainError("Only an expression of interest can be approved")
    if opportunity.host_checked_on is None:
        raise DomainError(f"Record {opportunity.host_organisation}'s safeguarding check before approving placements")
    _lock(opportunity)
    taken = db.session.scalar(
        select(func.count())
        .select_from(Placement)
        .where(Placement.opportunity_id == opportunity.id, Placement.state == PlacementState.APPROVED)
    )
    if taken >= opportunity.places:
        raise DomainError(f"All {opportunity.places} places on {opportunity.title} are taken")
    starts_on = starts_on or clock.today()
    adult = mentoring.add_other_adult(
        actor,
        placement.learner,
        opportunity.contact_name,
        OtherAdultRole.INTERNSHIP_HOST,
        opportunity.host_organisation,
        starts_on,
        None,
    )
    placement.state, placement.decided_by_id, placement.decided_at = PlacementState.APPROVED, actor.id, clock.now()
    placement.starts_on, placement.other_adult_id = starts_on, adult.id
    db.session.flush()
    _tell_family(placement, f"{placement.learner.known_as}'s placement with {opportunity.host_organisation}")
    audit.record("community.placement_approved", actor=actor, obj=placement)
    return placement


def decline(actor: User, placement: Placement) -> Placement:
    if not access.may_decide_placement(actor, placement):
        raise NotAllowed("Only the opportunity's coordinator (or an admin) can decide placements")
    if placement.state is not PlacementState.INTERESTED:
        raise DomainError("Only an expression of interest can be declined")
    placement.state, placement.decided_by_id, placement.decided_at = PlacementState.DECLINED, actor.id, clock.now()
    db.session.flush()
    _tell_family(placement, f"About {placement.learner.known_as}'s interest in {placement.opportunity.title}")
    audit.record("community.placement_declined", actor=actor, obj=placement)
    return placement


def _tell_family(placement: Placement, title: str) -> None:
    for user in family_users(placement.learner.family_id, learner_id=placement.learner_id):
        notifications.notify(
            user,
            f"community-placement:{placement.id}:{placement.state.value}:{user.id}",
            "community_placement",
            title,
            body=f"The coordinator has decided: {placement.state.value}.",
            link=f"/community/placements/{placement.id}",
            email_template="notification",
        )


def log_session(
    actor: User, placement: Placement, on_date: date, minutes: int, learned: str, subject_ids: list[int]
) -> LogEntry:
    """The learner (or their family, or mentor) logs a session of an approved placement and what they learned,
    in the learning log (the log's own rules apply)."""
    if placement.state is not PlacementState.APPROVED:
        raise DomainError("Sessions are logged for an approved placement")
    data = learning_log.LogInput(
        on_date=on_date,
        minutes=minutes,
        activity=ACTIVITY[placement.opportunity.kind],
        subject_ids=subject_ids,
        description=learned,
    )
    entry = learning_log.add_entry(actor, placement.learner, data)
    db.session.execute(insert(placement_log_entry).values(placement_id=placement.id, log_entry_id=entry.id))
    return entry


def sessions(placement: Placement) -> list[LogEntry]:
    return list(
        db.session.scalars(
            select(LogEntry)
            .join(placement_log_entry, placement_log_entry.c.log_entry_id == LogEntry.id)
            .where(placement_log_entry.c.placement_id == placement.id)
            .order_by(LogEntry.on_date, LogEntry.id)
        )
    )
