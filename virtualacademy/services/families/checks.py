"""What a family's details must be (a guardian, an address, a child), checked the same way for an application
and for an imported list; ages, and the first school day."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from virtualacademy.errors import ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import EheReason, SendStatus
from virtualacademy.services import accounts, localities

#: Eligibility at application only: statutory school age up to 18 (nothing else gates on age).
ELIGIBLE_MIN_AGE = 4
ELIGIBLE_MAX_AGE = 18
#: A guardian may invite a learner account for a child of at least this age.
LEARNER_ACCOUNT_MIN_AGE = 11

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I


def _reference(prefix: str, model, column) -> str:
    while True:
        ref = prefix + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
        if db.session.scalar(select(model.id).where(column == ref)) is None:
            return ref


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def next_school_day(today: date) -> date:
    """The next weekday after ``today``: the default start date of an accepted application."""
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _clean(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def check_person(data: dict, *, required: bool = True, prefix: str = "") -> dict:
    """Name, email and phone of a guardian; field names in errors carry ``prefix``."""
    name = _clean(data.get("name") or "")
    email = _clean(data.get("email") or "")
    phone = _clean(data.get("phone") or "")
    if not required and not (name or email or phone):
        return {}
    if not name:
        raise ValidationError("Enter the full name", field=f"{prefix}name")
    if not email:
        raise ValidationError("Enter an email address", field=f"{prefix}email")
    try:
        email = accounts.check_email(email)
    except ValidationError as error:
        raise ValidationError(error.message, field=f"{prefix}email") from error
    digits = "".join(c for c in phone if c.isdigit())
    if phone and not (10 <= len(digits) <= 13):
        raise ValidationError("Enter a UK phone number, like 07700 900982 or 01302 123456", field=f"{prefix}phone")
    return {"name": name, "email": email, "phone": phone}


def check_address(data: dict) -> dict:
    line_1 = _clean(data.get("line_1") or "")
    town = _clean(data.get("town") or "")
    if not line_1:
        raise ValidationError("Enter the first line of the address", field="line_1")
    if not town:
        raise ValidationError("Enter the town or city", field="town")
    postcode = localities.normalise_postcode(data.get("postcode") or "")
    return {"line_1": line_1, "line_2": _clean(data.get("line_2") or ""), "town": town, "postcode": postcode}


def check_child(data: dict, today: date) -> dict:
    legal_name = _clean(data.get("legal_name") or "")
    if not legal_name:
        raise ValidationError("Enter the child's full legal name", field="legal_name")
    born = data.get("date_of_birth")
    if not isinstance(born, date):
        raise ValidationError("Enter the child's date of birth", field="date_of_birth")
    if born > today:
        raise ValidationError("Date of birth must be in the past", field="date_of_birth")
    age = age_on(born, today)
    if not ELIGIBLE_MIN_AGE <= age <= ELIGIBLE_MAX_AGE:
        raise ValidationError(
            f"The academy is for children of statutory school age up to 18: a child must be between "
            f"{ELIGIBLE_MIN_AGE} and {ELIGIBLE_MAX_AGE} years old (this date of birth makes them {age})",
            field="date_of_birth",
        )
    urn = _clean(data.get("previous_school_urn") or "")
    if urn and not (urn.isdigit() and len(urn) == 6):
        raise ValidationError("A school URN is 6 digits, like 106789", field="previous_school_urn")
    left = data.get("date_left_school")
    if left is not None and (left > today or left < born):
        raise ValidationError(
            "Date left school must be in the past and after the date of birth", field="date_left_school"
        )
    try:
        reason = EheReason(data.get("reason"))
    except ValueError:
        raise ValidationError("Select the main reason for education other than at school", field="reason") from None
    try:
        send = SendStatus(data.get("send_status"))
    except ValueError:
        raise ValidationError("Select the child's special educational needs status", field="send_status") from None
    review = data.get("ehcp_review_date")
    if send is SendStatus.EHCP and review is None:
        raise ValidationError("Enter the date of the EHCP's next annual review", field="ehcp_review_date")
    return {
        "legal_name": legal_name,
        "preferred_name": _clean(data.get("preferred_name") or ""),
        "date_of_birth": born.isoformat(),
        "previous_school": _clean(data.get("previous_school") or ""),
        "previous_school_urn": urn,
        "date_left_school": left.isoformat() if left else None,
        "reason": reason.value,
        "send_status": send.value,
        "ehcp_review_date": review.isoformat() if (review and send is SendStatus.EHCP) else None,
        "fsm_eligible": bool(data.get("fsm_eligible")),
        "young_carer": bool(data.get("young_carer")),
        "needs": _clean(data.get("needs") or ""),
        "photo_consent": bool(data.get("photo_consent")),
    }
