"""Data-protection requests: a family's subject-access export, and erasure once retention ends.

*Subject access*: :func:`export` gathers every record the academy holds about a family and its
children (the family, guardians, learners, their accounts, enrolments, applications and their
messages, the audit events about any of these, and the emails sent to the family's addresses)
into ``family.json`` plus a readable ``family.pdf``, zipped. The export itself is audited.

*Erasure*: admin marks a withdrawn family for erasure (:func:`request_erasure`); it can be
cancelled until it happens. It becomes due on the youngest child's ``RETENTION_AGE_YEARS``th
birthday (25 by default). The daily ``erase-due`` job (:func:`erase_due`) anonymises every family
whose erasure is requested and due: personal data is replaced or cleared, while the rows
themselves, and the non-identifying facts that statistics and money records rely on, are kept
(see ``docs/data-protection.md`` for the field-by-field list). Nobody can erase early.

Other modules that hold personal data about a family join in with :func:`register` (a section
of the export and its part of the erasure).

The package's modules, each importable from here: :mod:`.subjects` (whose records), :mod:`.sections` (the
registry), :mod:`.exports` (subject access), :mod:`.retention` (when erasure is due), :mod:`.anonymising`
(what is kept) and :mod:`.erasure` (erasing); :mod:`.common` holds what replaces personal data.
"""

from __future__ import annotations

from virtualacademy.services.data_protection.common import (
    ERASED,
    ERASED_DOMAIN,
    FAMILY_ROLES,
    LONDON,
    NOT_EXPORTED,
    PERSONAL_KEYS,
    REDACTED,
)
from virtualacademy.services.data_protection.erasure import ErasureCounts, ErasureRun, erase_due, erase_family, log
from virtualacademy.services.data_protection.exports import (
    CORE_SECTIONS,
    LABELS,
    Export,
    export,
    holdings,
    readable,
    record,
    section_titles,
    subject_access,
)
from virtualacademy.services.data_protection.retention import (
    ErasureState,
    birthday,
    cancel_erasure,
    due_for_erasure,
    erasure_due_on,
    erasure_state,
    request_erasure,
    retention_age_years,
    why_not_erasable,
)
from virtualacademy.services.data_protection.sections import SECTIONS, Section, register
from virtualacademy.services.data_protection.subjects import MIN_IDENTIFIER_IN_TEXT, Subject, subject

__all__ = [
    "CORE_SECTIONS",
    "ERASED",
    "ERASED_DOMAIN",
    "ErasureCounts",
    "ErasureRun",
    "ErasureState",
    "Export",
    "FAMILY_ROLES",
    "LABELS",
    "LONDON",
    "MIN_IDENTIFIER_IN_TEXT",
    "NOT_EXPORTED",
    "PERSONAL_KEYS",
    "REDACTED",
    "SECTIONS",
    "Section",
    "Subject",
    "birthday",
    "cancel_erasure",
    "due_for_erasure",
    "erase_due",
    "erase_family",
    "erasure_due_on",
    "erasure_state",
    "export",
    "holdings",
    "log",
    "readable",
    "record",
    "register",
    "request_erasure",
    "retention_age_years",
    "section_titles",
    "subject",
    "subject_access",
    "why_not_erasable",
]
