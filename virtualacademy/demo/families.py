"""Demo families and their children."""

from __future__ import annotations

from sqlalchemy import select

from virtualacademy import clock
from virtualacademy.demo.core import DEMO_DOMAIN, Demo, step
from virtualacademy.extensions import db
from virtualacademy.models import Guardian

DEMO_FAMILIES = [
    # (guardian key, locality key, address, children: (legal name, preferred, born, reason, send, fsm))
    (
        "guardian.jones",
        "north",
        ("14 Church Lane", "Bentley", "DN5 9QR"),
        [
            ("Ella Jones", "Ellie", "2013-05-14", "health", "sen_support", True),
            ("Noah Jones", "", "2016-09-02", "philosophical", "none", True),
        ],
    ),
    (
        "guardian.ali",
        "south",
        ("7 Balby Road", "Doncaster", "DN4 0RB"),
        [
            ("Zara Ali", "", "2011-11-30", "left_under_pressure", "ehcp", False),
        ],
    ),
    (
        "guardian.novak",
        "south",
        ("22 Station Street", "Tickhill", "DN11 9AB"),
        [
            ("Jakub Novak", "Kuba", "2012-02-08", "unmet_send", "sen_support", False),
        ],
    ),
]


@step(20)
def families(demo: Demo) -> None:
    """Families enrolled through the real application path, in both localities, plus one waiting."""
    admin = demo.users["admin"]
    for number, entry in enumerate(DEMO_FAMILIES, start=1):
        _enrolled_family(demo, admin, number, entry)
    _waiting_application(demo)
    _families_from_the_authority(demo, admin)


def _child_answers(children) -> list[dict]:
    return [
        {
            "legal_name": name,
            "preferred_name": preferred,
            "date_of_birth": born,
            "previous_school": "",
            "previous_school_urn": "",
            "date_left_school": None,
            "reason": reason,
            "send_status": send,
            "ehcp_review_date": "2027-03-01" if send == "ehcp" else None,
            "fsm_eligible": fsm,
            "young_carer": False,
            "needs": "",
            "photo_consent": True,
        }
        for name, preferred, born, reason, send, fsm in children
    ]


def _enrolled_family(demo: Demo, admin, number: int, entry) -> None:
    """One family, applied for and accepted through the real path (or found again)."""
    from datetime import date

    from virtualacademy.models import Application, ApplicationStatus
    from virtualacademy.services import families as service

    key, locality_key, (line_1, town, postcode), children = entry
    user = demo.users[key]
    reference = f"VA-DEMO{number:02d}"
    if user is None:
        demo.skipped(f"The family of {key}@{DEMO_DOMAIN}: the account was erased, so the family is not made again.")
        return
    if db.session.scalar(select(Guardian.id).where(Guardian.user_id == user.id)) is not None:
        for child in children:
            demo.learner(key, child[0])
        return
    if db.session.scalar(select(Application.id).where(Application.reference == reference)) is not None:
        demo.skipped(f"The family of {user.email}: its application {reference} is already there for another account.")
        return
    locality = demo.localities.get(locality_key)
    if locality is None:
        demo.skipped(f"The family of {user.email}: its locality was not made.")
        return
    answers = {
        "guardian": {"name": user.name, "email": user.email, "phone": "07700 900123"},
        "address": {"line_1": line_1, "line_2": "", "town": town, "postcode": postcode},
        "second_guardian": None,
        "children": _child_answers(children),
        "privacy_consent": True,
    }
    application = Application(
        reference=reference,
        email=user.email,
        answers=answers,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=clock.now(),
        user_id=user.id,
    )
    db.session.add(application)
    db.session.flush()
    service.accept(admin, application, date(2026, 9, 1), locality)
    for child in children:
        demo.learner(key, child[0])
    names = " and ".join(child[0] for child in children)
    demo.added(f"The family of {user.email} ({names}), enrolled in {locality.name}.")


def _waiting_application(demo: Demo) -> None:
    """An application sent and waiting for a decision."""
    from datetime import date

    from virtualacademy.models import Application
    from virtualacademy.services import families as service

    waiting_email = f"new.family@{DEMO_DOMAIN}"
    waiting = demo.find("application:waiting", Application) or db.session.scalar(
        select(Application).where(Application.email == waiting_email)
    )
    if waiting is None:
        draft = service.start_application({"name": "Morgan Reed", "email": waiting_email, "phone": ""})
        service.save_address(draft, {"line_1": "5 Quarry Hill", "town": "Conisbrough", "postcode": "DN12 3AA"})
        service.save_second_guardian(draft, {})
        service.save_child(
            draft,
            None,
            {
                "legal_name": "Alex Reed",
                "date_of_birth": date(2012, 7, 19),
                "reason": "health",
                "send_status": "none",
                "needs": "Anxiety about groups.",
            },
            clock.today(),
        )
        service.save_declaration(draft, True)
        service.submit(draft)
        waiting = draft
        demo.added(f"An application from {waiting_email} waiting for a decision.")
    demo.remember("application:waiting", waiting)


def _families_from_the_authority(demo: Demo, admin) -> None:
    # Two families from the authority's list, imported as an authority's file would be: no accounts yet, no
    # mentor yet (they show on the unassigned list and on "Invite parents and carers to sign in").
    from virtualacademy.services import family_import

    header = (
        "family_ref,guardian_name,guardian_email,guardian_phone,address_line_1,town,postcode,"
        "child_legal_name,date_of_birth,reason,send_status,start_date"
    )
    rows = [
        f"DEMO-LA-1,Priya Shah,priya.shah@{DEMO_DOMAIN},07700 900311,3 Mill Lane,Bentley,DN5 0AA,"
        "Ravi Shah,2011-04-14,philosophical,none,2026-09-01",
        f"DEMO-LA-2,Tom Kelly,tom.kelly@{DEMO_DOMAIN},07700 900312,9 Low Road,Balby,DN4 8PX,"
        "Niamh Kelly,2014-10-02,health,sen_support,2026-09-01",
        "DEMO-LA-2,Tom Kelly,,,9 Low Road,Balby,DN4 8PX,Cara Kelly,2017-01-23,health,none,2026-09-01",
    ]
    imported = family_import.import_families("\n".join([header, *rows]).encode(), admin)
    if not imported.ok:
        problems = "; ".join(str(e) for e in imported.errors[:3])
        demo.skipped(f"The families from the authority's list: not imported, because of problems ({problems}).")
    elif imported.new_families:
        demo.added(f"{imported.new_families} families from an authority's list, whose parents have no accounts yet.")


#: Each demo learner's mentor and contact history. Days are counted back from the day the demo is seeded, so
#: the caseloads show a mix of statuses whenever it is run: Ellie due soon (enhanced support, every 3 days),
#: Noah on track, Kuba due today, Zara overdue. Check-ins: (days ago, hour, method, with whom, contact made,
#: wellbeing, engagement, staff notes, [(action, owner, due in days from the check-in, closed)]).
