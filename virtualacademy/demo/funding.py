"""Demo funding: the year, its census and budgets."""

from __future__ import annotations

from virtualacademy import clock
from virtualacademy.demo.core import Demo, step


@step(40)
def funding(demo: Demo) -> None:
    """The 2026/27 funding year with its rates, and the autumn census recorded, so budgets have balances."""
    from virtualacademy.services import funding as service

    admin = demo.users["admin"]
    year = service.year_starting(2026)
    if year is None:
        year = service.create_year(
            admin,
            2026,
            service.YearSettings(
                base_rate_pence=500_000,  # £5,000 a learner
                academy_share_bp=5_000,  # 50%
                core_topslice_bp=1_000,  # 10%
                mentor_topslice_bp=2_000,  # 20%
                coordinator_grant_pence=120_000,  # £1,200 a locality (a small demo academy)
                personal_budget_pence=30_000,  # £300 a learner
            ),
        )
        demo.added(f"The funding year {year.label}.")
    autumn = service.census_of(year, "autumn")
    if autumn.recorded_at is None and autumn.on_date <= clock.today():
        service.record_census(admin, autumn)
        demo.added(f"The {year.label} autumn census, so the budgets have money in them.")


#: Each demo learner's learning plan: (guardian key, legal name, mentor key, plan text, staff notes, goals as
#: (title, success, subject areas, target in days from today or None, status), review: None, "held" (Ellie's,
#: today, with new goals), "soon" (due in five days) or "overdue" (four days ago)).
