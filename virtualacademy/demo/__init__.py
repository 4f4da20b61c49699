"""Demo data for ``flask --app wsgi seed-demo``.

Each module adds a step with ``@step(order)``; a step must be safe to run twice (get-or-create). The seed
recognises its own records by a key that never changes (``user:admin``, ``locality:north``, kept in the
``demo_record`` table), so a locality renamed or an account whose name or email was changed since is found
again and left as it is now, never made twice. What a run added, what it found changed and kept, and what it
skipped (for example a family erased under data protection, which is not brought back) is reported through
:meth:`Demo.added`, :meth:`Demo.kept` and :meth:`Demo.skipped`, and printed by the command.
"""

from __future__ import annotations

from virtualacademy.demo.community import *  # noqa: F403
from virtualacademy.demo.core import *  # noqa: F403
from virtualacademy.demo.core import DEMO_DOMAIN, DEMO_PASSWORD, Demo, seed, step  # noqa: F401
from virtualacademy.demo.exams import *  # noqa: F403
from virtualacademy.demo.families import *  # noqa: F403
from virtualacademy.demo.funding import *  # noqa: F403
from virtualacademy.demo.learning_plans import *  # noqa: F403
from virtualacademy.demo.mentoring import *  # noqa: F403

# Each module's steps register themselves on import, in the order their ``@step(n)`` says.
from virtualacademy.demo.staff import *  # noqa: F403
