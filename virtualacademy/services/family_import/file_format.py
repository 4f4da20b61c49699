"""The file's format (``docs/import-format.md``): its columns, and the words accepted for a reason or a SEND
status; and the import's limits."""

from __future__ import annotations

import re

from virtualacademy.models import EheReason, SendStatus
from virtualacademy.models.families import EHE_REASON_LABELS, SEND_STATUS_LABELS

#: The largest file the upload page accepts (the command line takes any size).
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Families written per batch of INSERTs, and values per ``IN (...)`` list in the bulk look-ups.
BATCH_SIZE = 500
#: Problems listed in a report (the rest are counted); a file with more has a systematic fault.
REPORT_LIMIT = 200
#: How ``source`` marks families that came from an import.
SOURCE = "import"
#: The columns: name -> (must be in the header, longest value allowed).
COLUMNS: dict[str, tuple[bool, int | None]] = {
    "family_ref": (True, 64),
    "guardian_name": (True, 200),
    "guardian_email": (True, 254),
    "guardian_phone": (False, 32),
    "guardian_2_name": (False, 200),
    "guardian_2_email": (False, 254),
    "guardian_2_phone": (False, 32),
    "address_line_1": (True, 200),
    "address_line_2": (False, 200),
    "town": (True, 100),
    "postcode": (True, 10),
    "locality": (False, 120),
    "child_legal_name": (True, 200),
    "child_preferred_name": (False, 100),
    "date_of_birth": (True, 20),
    "reason": (True, 100),
    "send_status": (False, 100),
    "ehcp_review_date": (False, 20),
    "fsm_eligible": (False, 10),
    "young_carer": (False, 10),
    "start_date": (False, 20),
}
REQUIRED_COLUMNS = [name for name, (required, _) in COLUMNS.items() if required]
OPTIONAL_COLUMNS = [name for name, (required, _) in COLUMNS.items() if not required]
#: Columns about the family rather than the child: the same on every row of a family (or blank after the first).
FAMILY_COLUMNS = [
    "guardian_name",
    "guardian_email",
    "guardian_phone",
    "guardian_2_name",
    "guardian_2_email",
    "guardian_2_phone",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
]


def _key(text: str) -> str:
    """``"Health, including anxiety"`` -> ``"health including anxiety"``: for matching words people type."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", (text or "").lower()).split())


_REASON_ALIASES = {
    EheReason.PHILOSOPHICAL: ["philosophical", "preference", "philosophical or preference", "lifestyle", "choice"],
    EheReason.UNMET_SEND: ["unmet send", "send", "sen", "unmet sen", "special educational needs", "send needs not met"],
    EheReason.LEFT_UNDER_PRESSURE: [
        "left under pressure",
        "pressure",
        "off rolled",
        "off rolling",
        "exclusion",
        "risk of exclusion",
        "at risk of exclusion",
    ],
    EheReason.HEALTH: ["health", "medical", "anxiety", "mental health", "physical health", "emotional health"],
    EheReason.OTHER: ["other"],
    EheReason.PREFER_NOT_TO_SAY: ["prefer not to say", "not given", "not stated", "declined to say"],
}
REASONS: dict[str, EheReason] = {
    **{_key(r.value): r for r in EheReason},
    **{_key(label): r for r, label in EHE_REASON_LABELS.items()},
    **{_key(alias): r for r, aliases in _REASON_ALIASES.items() for alias in aliases},
}
_SEND_ALIASES = {
    SendStatus.NONE: ["none", "no", "n", "no send", "not applicable", "n a"],
    # K and E are the SEN provision codes of the school census.
    SendStatus.SEN_SUPPORT: ["sen support", "k", "sen", "send support"],
    SendStatus.EHCP: ["ehcp", "e", "ehc plan", "education health and care plan"],
}
SEND_STATUSES: dict[str, SendStatus] = {
    **{_key(s.value): s for s in SendStatus},
    **{_key(label): s for s, label in SEND_STATUS_LABELS.items()},
    **{_key(alias): s for s, aliases in _SEND_ALIASES.items() for alias in aliases},
}
