"""Locality community: events and bookings with waiting lists, registers that feed attendance in learning,
calendar feeds, learning-through-interest opportunities, announcements and digests, conversations, and reports.

One module per part: :mod:`.access` (who may do what, registered by ``policies/community.py``), :mod:`.events`,
:mod:`.bookings`, :mod:`.registers`, :mod:`.feeds`, :mod:`.opportunities`, :mod:`.announcements`,
:mod:`.conversations`, :mod:`.reports` and :mod:`.privacy` (the data-protection section); :mod:`.common` holds
the shared helpers (Markdown made safe with nh3, times in words, a family's accounts). See docs/community.md.
"""
