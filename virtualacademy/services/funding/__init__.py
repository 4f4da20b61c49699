"""Funding years, census runs, central and locality money, year-end and the academy overview.

Every penny moves through :mod:`virtualacademy.services.ledger`; this package decides *what* to post. The scheme
and its rounding are described in ``docs/funding.md``; in short, for one census of a year:

1. **Income**: ``learners on roll × base rate × academy share ÷ 3``, computed on whole numbers (pence and basis
   points) and rounded *down* to a whole penny once, for the census as a whole. It is posted from the funding
   source to core provision.
2. **Allocations** out of core provision, each a separate transfer: the mentor top-slice; a third of the yearly
   coordinator grant to each locality; a third of the yearly learning budget to each learner on roll; and the
   *remainder* to localities in proportion to the learners on roll there (largest-remainder rounding). Core keeps
   its own top-slice. The summer census carries the odd pennies of the thirds, so the three add up to the year.
3. Top-slices are rounded down; their odd pennies fall into the remainder. So the allocations always add up to the
   income exactly, and every transfer has an idempotency key derived from the census (``census:<id>:...``).

Services flush; the caller commits once. The package's modules, each importable from here:

- :mod:`.year_settings`: funding years, their rates and settings, and finding a year;
- :mod:`.census_dates`: a year's census days, and moving one;
- :mod:`.census` and :mod:`.census_records`: census runs, planned, then recorded;
- :mod:`.transfers`: money moved by hand between central accounts and localities, the journal and reversals;
- :mod:`.year_end`: closing a year;
- :mod:`.year_overview`: the academy overview, the year in figures;
- :mod:`.common`: what they share (census names, limits, percentages, the row lock).
"""

from __future__ import annotations

from virtualacademy.services.funding.census import (
    CensusPlan,
    LocalityLine,
    OnRoll,
    Posting,
    learners_on_roll,
    plan_census,
)
from virtualacademy.services.funding.census_dates import (
    CensusDateChange,
    census_of,
    find_census,
    preview_census_date,
    set_census_date,
)
from virtualacademy.services.funding.census_records import (
    CensusResult,
    census_transfers,
    census_transfers_query,
    record_census,
    recorded_by,
)
from virtualacademy.services.funding.common import (
    CENSUS_KEYS,
    CENSUS_LABELS,
    CENTRAL_KINDS,
    FIRST_YEAR,
    LAST_YEAR,
    LONDON,
    MAX_PER_LEARNER_PENCE,
    YEAR_END_POLICY_LABELS,
    StalePreview,
    census_due,
    parse_percent,
    percent,
    year_label,
)
from virtualacademy.services.funding.transfers import (
    TRANSFER_ORDER,
    MoveResult,
    account_by_key,
    account_sides,
    balance_of,
    movable_account,
    movable_accounts,
    move_money,
    new_token,
    reversal_of,
    reverse_transfer,
    transfers_query,
    why_not_reversible,
)
from virtualacademy.services.funding.year_end import YearEndLine, YearEndPlan, YearEndResult, close_year, plan_year_end
from virtualacademy.services.funding.year_overview import (
    CensusLine,
    HolderLine,
    Overview,
    overview,
)
from virtualacademy.services.funding.year_settings import (
    FORM_FIELD,
    RATE_FIELDS,
    SETTING_FIELDS,
    LearningBudgetPlan,
    YearSettings,
    create_year,
    default_census_dates,
    find_year,
    learning_budget_plan,
    open_years,
    recorded_censuses,
    suggested_start_year,
    update_year,
    year_covering,
    year_starting,
    years,
)

__all__ = [
    "CENSUS_KEYS",
    "CENSUS_LABELS",
    "CENTRAL_KINDS",
    "CensusDateChange",
    "CensusLine",
    "CensusPlan",
    "CensusResult",
    "FIRST_YEAR",
    "FORM_FIELD",
    "HolderLine",
    "LAST_YEAR",
    "LONDON",
    "LearningBudgetPlan",
    "LocalityLine",
    "MAX_PER_LEARNER_PENCE",
    "MoveResult",
    "OnRoll",
    "Overview",
    "Posting",
    "RATE_FIELDS",
    "SETTING_FIELDS",
    "StalePreview",
    "YEAR_END_POLICY_LABELS",
    "YearEndLine",
    "YearEndPlan",
    "YearEndResult",
    "YearSettings",
    "account_by_key",
    "account_sides",
    "balance_of",
    "census_due",
    "census_of",
    "census_transfers",
    "census_transfers_query",
    "close_year",
    "create_year",
    "default_census_dates",
    "find_census",
    "find_year",
    "learners_on_roll",
    "learning_budget_plan",
    "movable_account",
    "movable_accounts",
    "move_money",
    "new_token",
    "open_years",
    "overview",
    "parse_percent",
    "percent",
    "plan_census",
    "plan_year_end",
    "preview_census_date",
    "record_census",
    "recorded_by",
    "recorded_censuses",
    "reversal_of",
    "reverse_transfer",
    "set_census_date",
    "suggested_start_year",
    "TRANSFER_ORDER",
    "transfers_query",
    "update_year",
    "why_not_reversible",
    "year_covering",
    "year_label",
    "year_starting",
    "years",
]
