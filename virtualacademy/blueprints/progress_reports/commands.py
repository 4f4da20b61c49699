"""``flask --app wsgi reports build --term 2027-spring [--locality ID] [--workers N]``."""

from __future__ import annotations

import click

from virtualacademy import clock
from virtualacademy.blueprints.progress_reports import bp
from virtualacademy.services.learning_log.attendance import term_from_key
from virtualacademy.services.progress_reports import batch


@bp.cli.command("build")
@click.option("--term", "term_key", required=True, help="The term, like 2027-spring.")
@click.option("--locality", "locality_id", type=click.IntRange(1, 2**63 - 1), help="Only this locality's learners.")
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes (default: one per CPU).")
def build_command(term_key: str, locality_id: int | None, workers: int | None):
    """Build every learner's progress report for a term (skipping those already built)."""
    term = term_from_key(term_key)
    if term is None or term.start > clock.today():
        raise click.BadParameter(
            f"{term_key!r} is not a term that has begun (write it like 2027-spring)", param_hint="--term"
        )

    def bar(done, total):
        with click.progressbar(done, length=total, label=f"Building the {term.name.lower()} reports") as shown:
            yield from shown

    result = batch.build(term, clock.today(), locality_id=locality_id, workers=workers, progress=bar)
    click.echo(f"Built {len(result.built)}, skipped {result.skipped} already built, {len(result.failed)} failed.")
    for learner_id, error in sorted(result.failed.items()):
        click.echo(f"  learner {learner_id}: {error}", err=True)
    if result.failed:
        raise click.ClickException("Some reports could not be built: run the command again to retry them.")
