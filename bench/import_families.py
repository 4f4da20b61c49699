"""How long the import of an authority's list of families takes: a dry run and a real import of
an authority-sized list (300 families) and of a 10,000-row file, on the configured database.

    .venv/bin/python bench/import_families.py                 # a throwaway SQLite file
    .venv/bin/python bench/import_families.py postgresql+psycopg://postgres@127.0.0.1:5432/va_bench

The database is brought up to date by the migrations; what the benchmark adds (families whose
``family_ref`` starts ``BENCH-``, and the two localities if it made them) is deleted afterwards.
Use a database you can spare all the same.
"""

from __future__ import annotations

import csv
import io
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

#: Localities the generated postcodes fall in (the demo data's, so the sample also works there).
LOCALITIES = {"Doncaster North": ["DN5", "DN6", "DN7"], "Doncaster South": ["DN4", "DN11", "DN12"]}
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_REASONS = ["philosophical", "health", "unmet_send", "left under pressure", "other", "prefer not to say"]


def generate(families: int, rows: int, today: date | None = None, prefix: str = "BENCH") -> bytes:
    """A valid import file: ``rows`` children spread over ``families`` families (1 to 4 each).

    ``prefix`` starts every family_ref and makes names and emails its own: files with different
    prefixes can be imported into the same database."""
    today = today or date.today()
    if not families <= rows <= families * 4:
        raise ValueError("each family has between 1 and 4 children")
    districts = [d for ds in LOCALITIES.values() for d in ds]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "family_ref",
            "guardian_name",
            "guardian_email",
            "guardian_phone",
            "address_line_1",
            "town",
            "postcode",
            "child_legal_name",
            "date_of_birth",
            "reason",
            "send_status",
            "ehcp_review_date",
            "fsm_eligible",
        ]
    )
    extra = rows - families  # children beyond the first, spread over the families
    child = 0
    for f in range(families):
        children = 1 + min(3, extra * (f + 1) // families - extra * f // families)
        district = districts[f % len(districts)]
        unit = _UNIT_LETTERS[f % 20] + _UNIT_LETTERS[(f // 20) % 20]
        for _ in range(children):
            age = 5 + (child % 11)
            born = date(today.year - age - 1, 1 + child % 12, 1 + child % 28)
            ehcp = child % 17 == 0
            writer.writerow(
                [
                    f"{prefix}-{f:06d}",
                    f"Parent {f} Example",
                    f"parent{f}@{prefix.lower()}.example.org",
                    f"07700 9{f % 100000:05d}",
                    f"{1 + f % 200} Bench Street",
                    "Doncaster",
                    f"{district} {f % 10}{unit}",
                    f"Child {child} {prefix.title()}",
                    born.strftime("%d/%m/%Y") if child % 2 else born.isoformat(),
                    _REASONS[child % len(_REASONS)],
                    "ehcp" if ehcp else "none",
                    date(today.year + 1, 2, 14).strftime("%d/%m/%Y") if ehcp else "",
                    "yes" if child % 3 == 0 else "no",
                ]
            )
            child += 1
    assert child == rows, (child, rows)
    return out.getvalue().encode("utf-8")


def main(url: str | None) -> None:
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    from flask_migrate import upgrade
    from sqlalchemy import delete, select

    from virtualacademy import create_app
    from virtualacademy.extensions import db
    from virtualacademy.models import Family, Locality
    from virtualacademy.services import family_import, localities

    if url is None:
        url = "sqlite:///" + str(Path(tempfile.mkdtemp()) / "bench.sqlite")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        made = []
        for name, districts in LOCALITIES.items():
            if db.session.scalar(select(Locality).where(Locality.name == name)) is None:
                made.append(localities.save_locality(None, None, name, " ".join(districts)).id)
        db.session.commit()
        print(f"Database: {db.engine.url.render_as_string(hide_password=True)} ({db.engine.dialect.name})")
        try:
            for label, families, rows, prefix in [
                ("300 families", 300, 750, "BENCH-A"),
                ("10,000 rows", 4000, 10_000, "BENCH-B"),
            ]:
                data = generate(families, rows, prefix=prefix)
                started = time.perf_counter()
                plan = family_import.check(data)
                dry = time.perf_counter() - started
                assert plan.report.ok, plan.report.errors[:5]
                db.session.rollback()
                started = time.perf_counter()
                report = family_import.import_families(data)
                db.session.commit()
                real = time.perf_counter() - started
                assert report.imported and report.new_children == rows
                started = time.perf_counter()
                again = family_import.import_families(data)
                db.session.commit()
                rerun = time.perf_counter() - started
                assert again.new_families == 0 and again.skipped_children == rows
                print(
                    f"{label:>13} ({families} families, {rows} rows, {len(data) / 1024:.0f} KB): "
                    f"dry run {dry:.2f} s, import {real:.2f} s, second run (adds nothing) {rerun:.2f} s"
                )
        finally:
            db.session.rollback()
            db.session.execute(delete(Family).where(Family.external_ref.like("BENCH-%")))
            for locality_id in made:
                db.session.delete(db.session.get(Locality, locality_id))
            db.session.commit()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
