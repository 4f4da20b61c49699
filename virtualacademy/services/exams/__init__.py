"""Exam entry by readiness (capacity 3 of the academy): the domain operations, one module per area.

* :mod:`.catalogue` - qualifications, edited by the exams officer or imported from a CSV file.
* :mod:`.series` - exam series with their deadlines and fees, centres, their seats per series, the timetable.
* :mod:`.readiness` - a mentor's readiness judgement on evidence; the learner's and a guardian's confirmation.
* :mod:`.entries` - entries made from a ready, confirmed judgement; withdrawal; sitting.
* :mod:`.fees` - every fee posted through the one ledger (``services/ledger.py``), each with its idempotency key.
* :mod:`.arrangements` - access arrangements for an entry or for a candidate across a series.
* :mod:`.results` - results, and each learner's results for the record of achievement.
* :mod:`.reminders` - what is due now (level-triggered, idempotent), sent through the one notification path.
* :mod:`.reports` - entries, ages at entry, results and fees per series, aggregated in the database.
* :mod:`.documents` - the candidate's statement of entry (PDF) and a centre's entry list (CSV).
* :mod:`.access` - who may see and do what; registered as policy rules by ``virtualacademy/policies/exams.py``.

Services flush and never commit: the caller commits once. A broken rule raises a
:class:`~virtualacademy.errors.DomainError` whose message names the reason. Nothing gates on age or year group.
See docs/exams.md.
"""
