"""Importing a checked file in one go (all or nothing), in batches of multi-row INSERTs."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from virtualacademy.errors import DomainError, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Enrolment, EnrolmentStatus, Family, Guardian, Learner, Role, User, UserRole
from virtualacademy.services import audit
from virtualacademy.services.families.checks import _REFERENCE_ALPHABET
from virtualacademy.services.family_import.checking import check
from virtualacademy.services.family_import.file_format import BATCH_SIZE, SOURCE
from virtualacademy.services.family_import.reading import _chunks
from virtualacademy.services.family_import.report import ImportReport, Plan, _Family


def _new_references(count: int) -> list[str]:
    """``count`` unused family references (``F`` + 6 characters), checked in bulk."""
    chosen: set[str] = set()
    while len(chosen) < count:
        wanted = count - len(chosen)
        fresh = {"F" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6)) for _ in range(wanted)} - chosen
        for chunk in _chunks(sorted(fresh)):
            fresh -= set(db.session.scalars(select(Family.reference).where(Family.reference.in_(chunk))))
        chosen |= fresh
    return list(chosen)


def apply(plan: Plan, actor: User | None = None, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import a checked file: every new family, its guardians, children and enrolments, in one go.

    Refuses (a ValidationError, nothing written) if the check found any problem. ``progress``
    is called with the number of children added after each batch. The caller commits.
    """
    report = plan.report
    if not report.ok:
        raise ValidationError(f"The file has {len(report.errors)} problem(s), so nothing was imported", field="file")
    references = _new_references(len(plan.families))
    try:
        with db.session.begin_nested():
            for start in range(0, len(plan.families), BATCH_SIZE):
                batch = plan.families[start : start + BATCH_SIZE]
                _insert(batch, references[start : start + BATCH_SIZE], plan.user_ids)
                if progress is not None:
                    progress(sum(len(f.children) for f in batch))
            _grant_guardian_role(set(plan.user_ids.values()))
    except IntegrityError as exc:
        raise DomainError(
            "The academy's records changed while importing (perhaps another import of the same list ran at "
            "the same time), so nothing was imported. Run the import again.",
            field="file",
        ) from exc
    report.dry_run = False
    report.imported = True
    audit.record(
        "families.imported",
        actor=actor,
        object_type="Family",
        detail={
            "rows": report.rows,
            "families": report.new_families,
            "children": report.new_children,
            "guardians": report.new_guardians,
            "linked_accounts": report.linked_accounts,
            "skipped_families": report.skipped_families,
            "skipped_children": report.skipped_children,
            "file_sha256": plan.digest,
        },
    )
    return report


def _insert(batch: Sequence[_Family], references: Sequence[str], user_ids: dict[str, int]) -> None:
    """One batch as four multi-row INSERTs (families, guardians, learners, enrolments).

    ORM bulk inserts, not one object per row: the unit of work takes seconds per thousand families.
    """
    family_ids = db.session.scalars(
        insert(Family).returning(Family.id, sort_by_parameter_order=True),
        [
            {
                "reference": reference,
                "address_line_1": planned.address["line_1"],
                "address_line_2": planned.address["line_2"] or None,
                "town": planned.address["town"],
                "postcode": planned.address["postcode"],
                "source": SOURCE,
                "external_ref": planned.ref,
            }
            for planned, reference in zip(batch, references, strict=True)
        ],
    ).all()
    db.session.execute(
        insert(Guardian),
        [
            {
                "family_id": family_id,
                "name": g["name"],
                "email": g["email"],
                "phone": g["phone"] or None,
                "is_primary": index == 0,
                "user_id": user_ids.get(g["email"]),
            }
            for planned, family_id in zip(batch, family_ids, strict=True)
            for index, g in enumerate(planned.guardians)
        ],
    )
    children = [
        (child, family_id) for planned, family_id in zip(batch, family_ids, strict=True) for child in planned.children
    ]
    learner_ids = db.session.scalars(
        insert(Learner).returning(Learner.id, sort_by_parameter_order=True),
        [
            {
                "family_id": family_id,
                "legal_name": child.legal_name,
                "preferred_name": child.preferred_name,
                "date_of_birth": child.date_of_birth,
                "reason": child.reason,
                "send_status": child.send_status,
                "ehcp_review_date": child.ehcp_review_date,
                "fsm_eligible": child.fsm_eligible,
                "young_carer": child.young_carer,
                "locality_id": child.locality_id,
            }
            for child, family_id in children
        ],
    ).all()
    db.session.execute(
        insert(Enrolment),
        [
            {
                "learner_id": learner_id,
                "locality_id": child.locality_id,
                "status": EnrolmentStatus.ENROLLED,
                "start_date": child.start_date,
            }
            for (child, _family_id), learner_id in zip(children, learner_ids, strict=True)
        ],
    )


def _grant_guardian_role(user_ids: set[int]) -> None:
    if not user_ids:
        return
    have: set[int] = set()
    ids = sorted(user_ids)
    for chunk in _chunks(ids):
        have.update(
            db.session.scalars(
                select(UserRole.user_id).where(UserRole.user_id.in_(chunk), UserRole.role == Role.GUARDIAN)
            )
        )
    db.session.add_all(UserRole(user_id=uid, role=Role.GUARDIAN) for uid in ids if uid not in have)
    db.session.flush()


def import_families(
    data: bytes,
    actor: User | None = None,
    *,
    start_date: date | None = None,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check the whole file, then import it if (and only if) it has no problems.

    Returns the report: ``imported`` is False and ``errors`` lists the problems if nothing was written.
    """
    plan = check(data, start_date=start_date, today=today)
    if not plan.report.ok:
        plan.report.dry_run = False
        return plan.report
    return apply(plan, actor, progress)
