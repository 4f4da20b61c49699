"""Commands: ``flask --app wsgi <command>``."""

from __future__ import annotations

from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from virtualacademy import money
from virtualacademy.errors import DomainError
from virtualacademy.unit_of_work import unit_of_work


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_scale)
    app.cli.add_command(create_admin)
    app.cli.add_command(import_families_command)
    app.cli.add_command(invite_guardians_command)
    app.cli.add_command(erase_due_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_group)
    app.cli.add_command(funding_group)


def _refuse_in_production(command: str) -> None:
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException(
            f"{command} refuses to run in production: it creates accounts with a known password."
        )


def _demo_seeded():
    from virtualacademy import demo

    with unit_of_work(raise_as=click.ClickException):
        return demo.seed()


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Create (or refresh) a small demo academy and print its accounts."""
    _refuse_in_production("seed-demo")
    result = _demo_seeded()
    headings = {
        "added": "Added:",
        "kept": "Already there, changed since (kept as it is now):",
        "skipped": "Skipped:",
    }
    for heading, title in headings.items():
        lines = result.lines(heading)
        if lines:
            click.echo(title)
            for line in lines:
                click.echo(f"  {line}")
    if not result.lines("added"):
        click.echo("Nothing new to add: the demo academy is already there.")
    _echo_demo_accounts(result)


def _echo_demo_accounts(result) -> None:
    click.echo("Demo accounts (all share one password):")
    width = max(len(roles) for roles, _e, _p in result.accounts)
    for roles, email, password in result.accounts:
        click.echo(f"  {roles:<{width}}  {email:<44} {password}")


# --- seed-scale: the national data set for the page benchmarks (bench/pages.py) ---------------------------------


@click.command("seed-scale")
@with_appcontext
@click.option(
    "--learners",
    type=click.IntRange(min=1),
    default=115_000,
    show_default=True,
    help="Learners to seed; mentors and localities scale with them (about 14 and 770 a learner).",
)
def seed_scale(learners: int):
    """Build the national data set in this database for the benchmarks, then add the demo academy.

    The learners, families, staff and five weeks of check-ins of bench/seed_national.py, a term of learning log,
    the funding year 2026/27 with its censuses and the learners' spending, and the demo accounts, so every role
    can sign in with the demo password. Refuses a database that already holds bench data.
    """
    _refuse_in_production("seed-scale")
    try:
        from bench.seed_national import Scale, build
    except ImportError as exc:  # bench/ is beside the package in a checkout, not in an installed copy
        raise click.ClickException("seed-scale needs the bench/ folder of a checkout: run it from there.") from exc
    from flask_migrate import upgrade

    upgrade()
    demo = []
    report = build(
        Scale.for_learners(learners),
        echo=click.echo,
        between=("Demo academy", lambda: demo.append(_demo_seeded())),
    )
    click.echo(
        f"Built {report.national.learners:,} learners, {report.log_entries:,} log entries and "
        f"{report.transfers:,} transfers."
    )
    _echo_demo_accounts(demo[0])


# --- end of seed-scale ---------------------------------------------------------------------------------------------


@click.command("create-admin")
@with_appcontext
@click.argument("email")
@click.option("--name", prompt="Full name", help="The admin's full name.")
@click.password_option(help="The admin's password (asked for if not given).")
def create_admin(email: str, name: str, password: str):
    """Create the first admin account for a real deployment."""
    from virtualacademy.models import Role
    from virtualacademy.services import accounts

    with unit_of_work(raise_as=click.ClickException):
        user = accounts.create_user(email, name, [Role.ADMIN], password=password)
    click.echo(f"Admin account created for {user.email}.")


@click.command("import-families")
@with_appcontext
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Check the file and report what would be added; write nothing.")
@click.option(
    "--start-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Enrolment start date (YYYY-MM-DD) for rows without a start_date. Default: today.",
)
def import_families_command(file, dry_run: bool, start_date: datetime | None):
    """Import an authority's list of known families from a CSV file (see docs/import-format.md).

    The whole file is checked first; if any row has a problem nothing is imported. Families
    whose family_ref was imported before are skipped, so running it twice adds nothing.
    """
    from virtualacademy.services import family_import

    with unit_of_work(raise_as=click.ClickException) as work:
        plan = family_import.check(file.read(), start_date=start_date.date() if start_date else None)
        report = plan.report
        if report.rows:
            click.echo(
                f"Checked {report.rows} row{'' if report.rows == 1 else 's'}: "
                f"{report.new_families} new famil{'y' if report.new_families == 1 else 'ies'} "
                f"({report.new_children} children, {report.new_guardians} guardians, "
                f"{report.linked_accounts} with an existing account) to add; "
                f"{report.skipped_families} already imported ({report.skipped_children} rows skipped)."
            )
        if report.errors:
            shown = report.errors[: family_import.REPORT_LIMIT]
            click.echo(f"{len(report.errors)} problem{'' if len(report.errors) == 1 else 's'}:", err=True)
            for error in shown:
                click.echo(f"  {error}", err=True)
            if len(report.errors) > len(shown):
                click.echo(f"  ... and {len(report.errors) - len(shown)} more", err=True)
            raise click.ClickException("Nothing was imported. Correct the file and run the command again.")
        if dry_run:
            work.discard()
            click.echo("Dry run: nothing was written. Run again without --dry-run to import.")
            return
        if not plan.families:
            work.discard()
            click.echo("Nothing to import: every family in the file has been imported before.")
            return
        with click.progressbar(length=report.new_children, label="Importing families", show_pos=True) as bar:
            family_import.apply(plan, progress=bar.update)
    click.echo(f"Imported {report.new_families} families and {report.new_children} children.")


@click.command("invite-guardians")
@with_appcontext
@click.option("--admin", "admin_email", required=True, help="The admin sending the invitations (named in the emails).")
@click.option("--dry-run", is_flag=True, help="Say how many would be invited; send nothing.")
def invite_guardians_command(admin_email: str, dry_run: bool):
    """Invite every parent or carer without an account (in a family with a child on roll) to sign in.

    Each gets an email with a set-password link; an address that already signs in is linked to the family
    instead. Invitations are committed 500 at a time, so an interrupted run keeps what it sent, and running
    it again invites nobody twice.
    """
    from virtualacademy import clock
    from virtualacademy.models import Role
    from virtualacademy.services import accounts, families

    with unit_of_work(raise_as=click.ClickException) as work:
        admin = accounts.get_by_email(admin_email)
        if admin is None or not admin.active or not admin.has_role(Role.ADMIN):
            raise click.ClickException(f"{admin_email} is not an active admin's email address.")
        today = clock.today()
        summary = families.uninvited_summary(today)
        click.echo(
            f"{summary.to_invite:,} parent(s) or carer(s) in {summary.families:,} famil{'y' if summary.families == 1 else 'ies'} "
            f"to invite; {summary.no_email:,} without an email address (not invited)."
        )
        if dry_run or not summary.to_invite:
            work.discard()
            return
    total = families.InvitationRun()
    with click.progressbar(length=summary.to_invite, label="Inviting", show_pos=True) as bar:
        while True:
            with unit_of_work(raise_as=click.ClickException):  # each batch of 500 is kept as it is sent
                run = families.invite_uninvited(admin, today, limit=500)
            done = run.invited + run.asked_to_accept
            if not done:
                break
            total.invited += run.invited
            total.asked_to_accept += run.asked_to_accept
            bar.update(done)
    click.echo(
        f"Invited {total.invited:,}; asked {total.asked_to_accept:,} with an existing account to accept, "
        "signed in as themselves."
    )


@click.command("erase-due")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="List the families that are due for erasure; change nothing.")
def erase_due_command(dry_run: bool):
    """Anonymise the families marked for erasure whose retention period has ended (docs/data-protection.md).

    The same as the scheduler's daily erase-due job; running it again erases nothing more.
    """
    from virtualacademy.services import data_protection

    if dry_run:
        with unit_of_work(raise_as=click.ClickException) as work:
            due = data_protection.due_for_erasure()
            work.discard()
        for family in due:
            click.echo(f"Would erase family {family.reference}.")
        click.echo(f"Dry run: {len(due)} famil{'y' if len(due) == 1 else 'ies'} due for erasure; nothing was changed.")
        return
    with unit_of_work(raise_as=click.ClickException):
        run = data_protection.erase_due()
    for reference in run.erased:
        click.echo(f"Erased family {reference}.")
    if not run.erased and not run.failed:
        click.echo("No family is due for erasure.")
    if run.failed:
        raise click.ClickException(
            f"Could not erase {', '.join(run.failed)} (see the log); they were left untouched. "
            f"{len(run.erased)} other famil{'y was' if len(run.erased) == 1 else 'ies were'} erased."
        )


@click.group("scheduler")
def scheduler_group():
    """The scheduler process and its jobs."""


# with_appcontext: the commands need the app however they are invoked (the ``flask``
# command pushes a context; ``app.test_cli_runner()`` does not).
@scheduler_group.command("run")
@with_appcontext
def scheduler_run():
    """Run the scheduler (one process; a second one waits for the lock)."""
    from virtualacademy.scheduler import LockLost, run_forever

    try:
        run_forever(current_app._get_current_object(), echo=click.echo)
    except LockLost as exc:
        raise click.ClickException(str(exc)) from exc


@scheduler_group.command("list")
def scheduler_list():
    """Name the jobs and when they run."""
    from virtualacademy.jobs import JOBS

    schedules = {job.name: job.schedule_for(current_app.config) for job in JOBS.values()}
    name_width = max(map(len, schedules), default=0)
    when_width = max(map(len, schedules.values()), default=0)
    for job in JOBS.values():
        click.echo(f"{job.name:<{name_width}}  {schedules[job.name]:<{when_width}}  {job.description}")


@scheduler_group.command("run-once")
@with_appcontext
@click.argument("job_name")
@click.option("--at", "at", default=None, help="Run as if it were this time (ISO 8601, with zone), for testing.")
@click.option("--wait", default=60.0, show_default=True, help="Seconds to wait for the scheduler lock.")
def scheduler_run_once(job_name: str, at: str | None, wait: float):
    """Run one job now, holding the scheduler lock while it runs."""
    from virtualacademy.jobs import JOBS
    from virtualacademy.scheduler import lock_for, run_job

    job = JOBS.get(job_name)
    if job is None:
        raise click.ClickException(f"No job called {job_name!r}. Jobs: {', '.join(JOBS)}")
    now = None
    if at:
        try:
            now = datetime.fromisoformat(at)
        except ValueError as exc:
            raise click.ClickException(f"--at must be an ISO 8601 time, like 2026-11-23T07:00:00+00:00: {exc}") from exc
        if now.tzinfo is None:
            raise click.ClickException("--at needs a time zone, like 2026-11-23T07:00:00+00:00")
    app = current_app._get_current_object()
    lock = lock_for(app)
    if not lock.acquire(timeout=wait, poll=0.5, on_wait=lambda: click.echo("Waiting for the scheduler lock...")):
        raise click.ClickException("Another scheduler process holds the lock; try again later.")
    try:
        result = run_job(app, job, now=now)
    finally:
        lock.release()
    click.echo(f"{job.name}: {result}")


@click.group("funding")
def funding_group():
    """The funding ledger."""


@funding_group.command("verify")
@with_appcontext
def funding_verify():
    """Prove the ledger's invariants; exit non-zero if any fails."""
    from virtualacademy.services import ledger

    result = ledger.verify()
    if result.ok:
        click.echo(
            f"Ledger verified: {result.transfers} transfers across {result.accounts} accounts; all invariants hold."
        )
        return
    for problem in result.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    raise click.ClickException(f"{len(result.problems)} ledger problem(s) found")


@funding_group.command("census")
@with_appcontext
@click.argument("year")
@click.argument("census", type=click.Choice(["autumn", "spring", "summer"], case_sensitive=False))
@click.option("--preview", is_flag=True, help="Show what would be posted; post nothing.")
def funding_census(year: str, census: str, preview: bool):
    """Record census income for YEAR (the year it starts, e.g. 2026) and CENSUS: counts learners on roll on the
    census date, posts the income and every allocation in one transaction. Running it again posts nothing."""
    from virtualacademy.services import funding

    with unit_of_work(raise_as=click.ClickException, message="{message}. Nothing was posted.") as work:
        found = funding.find_census(year, census)
        plan = funding.plan_census(found)
        if plan.recorded:
            work.discard()
            click.echo(funding.CensusResult(plan, already_recorded=True).message + ".")
            return
        if plan.problem:
            raise DomainError(plan.problem)
        click.echo(
            f"{funding.CENSUS_LABELS[found.key]} census {found.year.label}, {found.on_date:%-d %B %Y}: "
            f"{plan.learners} learners on roll, income {money.pounds(plan.income_pence)}."
        )
        for line in plan.localities:
            click.echo(
                f"  {line.locality.name}: {line.learners} learners, grant {money.pounds(line.grant_pence)}, "
                f"share {money.pounds(line.share_pence)}, learning budgets {money.pounds(line.personal_pence)}"
            )
        click.echo(
            f"  Core provision keeps {money.pounds(plan.core_pence)}; mentor team {money.pounds(plan.mentor_pence)}."
        )
        if preview:
            work.discard()
            click.echo(f"Preview: {len(plan.postings)} transfers would be posted; nothing was posted.")
            return
        result = funding.record_census(None, found)
    click.echo(result.message + ".")


@funding_group.command("year-end")
@with_appcontext
@click.argument("year")
@click.option("--preview", is_flag=True, help="Show what would happen; change nothing.")
def funding_year_end(year: str, preview: bool):
    """Close YEAR (the year it starts, e.g. 2026) by its year-end setting: carry unspent money in learning and
    locality budgets forward, or return it to core provision. Running it again changes nothing."""
    from virtualacademy.services import funding

    with unit_of_work(raise_as=click.ClickException, message="{message}. Nothing was changed.") as work:
        found = funding.find_year(year)
        plan = funding.plan_year_end(found)
        if plan.closed:
            work.discard()
            click.echo(funding.YearEndResult(plan, already_closed=True).message + ".")
            return
        if plan.problem:
            raise DomainError(plan.problem)
        action = "return to core provision" if plan.returns else "carry forward"
        click.echo(
            f"{found.label}: {money.pounds(plan.personal_pence)} in learning budgets and "
            f"{money.pounds(plan.locality_pence)} in locality budgets to {action} ({len(plan.lines)} accounts)."
        )
        if preview:
            work.discard()
            click.echo("Preview: nothing was changed.")
            return
        result = funding.close_year(None, found)
    click.echo(result.message + ".")


# --- the work queue's worker -----------------------------------------------------------------------------


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Run the jobs queued now, then stop (for tests and one-off runs).")
@click.option("--name", default=None, help="The worker's name in Redis (default: host and process id).")
def worker_command(burst: bool, name: str | None):
    """Run the jobs the scheduler queued on Redis (REDIS_URL); start as many as you like, on any machine."""
    from virtualacademy import work_queue

    app = current_app._get_current_object()
    if not work_queue.enabled(app):
        raise click.ClickException(
            "REDIS_URL is not set: there is no work queue, and `flask --app wsgi scheduler run` runs the jobs itself."
        )
    click.echo(
        f"Worker taking jobs from queue {app.config['QUEUE_NAME']!r}" + (" until it is empty." if burst else ".")
    )
    work_queue.work(app, burst=burst, name=name)
