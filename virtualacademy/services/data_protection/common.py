"""What replaces personal data, and which roles, keys and columns are personal."""

from __future__ import annotations

from virtualacademy import clock
from virtualacademy.models import Role

LONDON = clock.LONDON
#: Replaces a required piece of personal text (a name, an address line, a message body).
ERASED = "Erased"
#: Replaces personal data inside an audit event's detail.
REDACTED = "[erased]"
#: ``.invalid`` can never be delivered to (RFC 2606), so no email reaches anyone at these addresses.
ERASED_DOMAIN = "erased.invalid"
#: Roles that exist only because someone belongs to a family; an account with any other role is kept.
FAMILY_ROLES = frozenset({Role.GUARDIAN, Role.LEARNER})
#: Detail keys that hold personal data whatever their value.
PERSONAL_KEYS = frozenset({"email", "name", "phone", "address", "postcode", "legal_name", "preferred_name", "to"})
#: Columns never exported: secrets, and staff identities (third parties in a subject-access request).
NOT_EXPORTED = frozenset({"password_hash", "security_stamp", "decided_by_id", "author_id", "dedupe_key", "last_error"})
