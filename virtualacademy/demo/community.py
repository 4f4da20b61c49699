"""Demo locality community: events (an academy-wide trip full, with a waiting list), bookings, a placement, an
announcement and a conversation."""

from __future__ import annotations

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.demo.core import Demo, step
from virtualacademy.errors import DomainError
from virtualacademy.extensions import db

#: (key, locality key or None for academy-wide, title, type, days from today, London hour, hours, places,
#: venue, guardians attend, subject areas, description)
DEMO_EVENTS = [
    (
        "forest-school",
        "north",
        "Forest school morning",
        "enrichment_club",
        9,
        10,
        3,
        12,
        "Sandall Beat Wood, Doncaster",
        False,
        ("Sciences", "Physical"),
        "Shelter building, **tree identification** and a campfire snack.\n\n- wellies\n- waterproofs",
    ),
    (
        "museum-trip",
        None,
        "Science museum trip",
        "trip",
        16,
        9,
        7,
        2,
        "National Science and Media Museum, Bradford",
        True,
        ("Sciences", "Technology"),
        "A coach from Doncaster Interchange at 09:00. Places are few: join the waiting list if it is full.",
    ),
    (
        "coding-club",
        "south",
        "Coding club",
        "online_session",
        5,
        16,
        1,
        8,
        None,
        False,
        ("Technology",),
        "Making a platform game together in Python. Beginners welcome.",
    ),
]
#: (event key, guardian key, learner's legal name): in this order, so the trip's last two wait.
DEMO_BOOKINGS = [
    ("museum-trip", "guardian.jones", "Ella Jones"),
    ("museum-trip", "guardian.jones", "Noah Jones"),
    ("museum-trip", "guardian.ali", "Zara Ali"),
    ("museum-trip", "guardian.novak", "Jakub Novak"),
    ("forest-school", "guardian.jones", "Ella Jones"),
    ("coding-club", "guardian.novak", "Jakub Novak"),
]


@step(70)
def community(demo: Demo) -> None:
    """Events (an academy-wide trip that is full, with a waiting list), bookings, an opportunity with Ellie's
    interest, an announcement and a conversation between the Joneses and Ellie's mentor, all through the
    community services. Each is added only if missing."""
    made = {spec[0]: _demo_event(demo, spec) for spec in DEMO_EVENTS}
    _demo_bookings(demo, made)
    _demo_opportunity(demo)
    _demo_announcement(demo)
    _demo_conversation(demo)


def _demo_event(demo: Demo, spec: tuple):
    from datetime import datetime, timedelta

    from virtualacademy.models import Event, EventType, SubjectArea
    from virtualacademy.services.community import events

    key, place, title, kind, days, hour, hours, places, venue, together, subject_names, text = spec
    found = demo.find(f"community-event:{key}", Event)
    if found is not None:
        return found
    actor = demo.users.get(f"coordinator.{place}") if place else demo.users.get("admin")
    locality = demo.localities.get(place) if place else None
    if actor is None or (place and locality is None):
        demo.skipped(f"The event {title}: its coordinator or locality is not there.")
        return None
    day = clock.today() + timedelta(days=days)
    starts = datetime(day.year, day.month, day.day, hour, tzinfo=clock.LONDON)
    subjects = db.session.scalars(select(SubjectArea.id).where(SubjectArea.name.in_(subject_names))).all()
    data = events.EventInput(
        title=title,
        event_type=EventType(kind),
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        capacity=places,
        booking_closes_at=starts - timedelta(days=1),
        cancel_closes_at=starts - timedelta(days=2),
        locality_id=locality.id if locality else None,
        description=text,
        venue=venue,
        online_link="https://meet.example.org/coding-club" if kind == "online_session" else None,
        guardians_attend=together,
        subject_ids=list(subjects),
        suitable_for="Anyone curious; no experience needed.",
        accessibility="Step-free access; tell us about anything else you need.",
    )
    try:
        with db.session.begin_nested():
            event = events.create_event(actor, data)
            events.publish(actor, event)
    except DomainError as error:
        demo.skipped(f"The event {title}: not made, because {error.message}.")
        return None
    demo.remember(f"community-event:{key}", event)
    demo.added(f"The event {title} ({places} places).")
    return event


def _demo_bookings(demo: Demo, made: dict) -> None:
    from virtualacademy.models import Booking, BookingState
    from virtualacademy.services.community import bookings

    for event_key, guardian_key, legal_name in DEMO_BOOKINGS:
        event, guardian, learner = (
            made.get(event_key),
            demo.users.get(guardian_key),
            demo.learner(guardian_key, legal_name),
        )
        if event is None or guardian is None or learner is None:
            continue
        exists = db.session.scalar(
            select(Booking.id).where(Booking.event_id == event.id, Booking.learner_id == learner.id)
        )
        if exists is not None:
            continue
        try:
            with db.session.begin_nested():
                booking = bookings.book(guardian, event, learner=learner)
        except DomainError as error:
            demo.skipped(f"{learner.known_as}'s place at {event.title}: not booked, because {error.message}.")
            continue
        how = "on the waiting list for" if booking.state is BookingState.WAITING else "booked for"
        demo.added(f"{learner.known_as} {how} {event.title}.")


def _demo_opportunity(demo: Demo) -> None:
    from datetime import timedelta

    from virtualacademy.models import Opportunity, OpportunityKind
    from virtualacademy.services.community import opportunities

    coordinator, north = demo.users.get("coordinator.north"), demo.localities.get("north")
    if demo.find("community-opportunity:farm", Opportunity) is not None or coordinator is None or north is None:
        return
    opportunity = opportunities.save_opportunity(
        coordinator,
        None,
        opportunities.OpportunityInput(
            title="Animal care at Bentley City Farm",
            kind=OpportunityKind.INTERNSHIP,
            host_organisation="Bentley City Farm",
            contact_name="Jo Fields",
            contact_email="jo.fields@farm.example.org",
            interests="animals, farming, outdoors, science",
            locality_id=north.id,
            description="Help the keepers with feeding, mucking out and health checks.",
            host_checked_on=clock.today() - timedelta(days=90),
            location="Bentley, DN5",
            time_commitment="Tuesday mornings for six weeks",
            places=2,
        ),
    )
    demo.remember("community-opportunity:farm", opportunity)
    demo.added("The opportunity Animal care at Bentley City Farm.")
    ellie, parent = demo.learner("guardian.jones", "Ella Jones"), demo.users.get("guardian.jones")
    if ellie is not None and parent is not None:
        opportunities.express_interest(parent, opportunity, ellie, "Ellie wants to be a vet.")
        demo.added("Ellie's interest in the farm placement, waiting for the coordinator.")


def _demo_announcement(demo: Demo) -> None:
    from virtualacademy.models import Announcement
    from virtualacademy.services.community import announcements

    coordinator, north = demo.users.get("coordinator.north"), demo.localities.get("north")
    if demo.find("community-announcement:welcome", Announcement) is not None or coordinator is None or north is None:
        return
    made = announcements.post(
        coordinator,
        north,
        "Spring programme is out",
        "Forest school, a museum trip and more: see **Events**. Tell me what you would like next term.",
    )
    demo.remember("community-announcement:welcome", made)
    demo.added("An announcement to Doncaster North's families.")


def _demo_conversation(demo: Demo) -> None:
    from virtualacademy.models import Conversation
    from virtualacademy.services.community import access, conversations

    parent, mentor = demo.users.get("guardian.jones"), demo.users.get("mentor.amara")
    ellie = demo.learner("guardian.jones", "Ella Jones")
    if demo.find("community-conversation:ellie", Conversation) is not None or None in (parent, mentor, ellie):
        return
    if not access.may_talk(mentor, ellie):
        demo.skipped("The conversation about Ellie: Amara is not her mentor now.")
        return
    thread = conversations.start(
        parent, ellie, "The museum trip", "Ellie would love to go on the museum trip. Is it suitable for her?"
    )
    conversations.post(mentor, thread, "It would suit her well: there is a quiet room. I'll mention it to Priya.")
    demo.remember("community-conversation:ellie", thread)
    demo.added("A conversation between the Joneses and Ellie's mentor.")
