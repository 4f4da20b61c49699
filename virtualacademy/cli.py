"""Commands: ``flask --app wsgi <command>``."""

from __future__ import annotations

from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from virtualacademy.errors import DomainError
from virtualacademy.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_admin)
    app.cli.add_command(scheduler_group)


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Create (or refresh) a small demo academy and print its accounts."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("seed-demo refuses to run in production: it creates accounts with a known password.")
    from virtualacademy import demo

    result = demo.seed()
    db.session.commit()
    click.echo("Demo accounts (all share one password):")
    width = max(len(roles) for roles, _e, _p in result.accounts)
    for roles, email, password in result.accounts:
        click.echo(f"  {roles:<{width}}  {email:<44} {password}")


@click.command("create-admin")
@with_appcontext
@click.argument("email")
@click.option("--name", prompt="Full name", help="The admin's full name.")
@click.password_option(help="The admin's password (asked for if not given).")
def create_admin(email: str, name: str, password: str):
    """Create the first admin account for a real deployment."""
    from virtualacademy.models import Role
    from virtualacademy.services import accounts

    try:
        user = accounts.create_user(email, name, [Role.ADMIN], password=password)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Admin account created for {user.email}.")


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

    for job in JOBS.values():
        click.echo(f"{job.name:<20} {job.schedule:<40} {job.description}")


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
