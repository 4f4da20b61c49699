"""The unit of work (virtualacademy/unit_of_work.py): one commit at the end, a rollback on any exception, and a
broken rule shown on the form or as a flash message. A request or command that fails leaves nothing written."""

from __future__ import annotations

import click
import pytest
from flask import get_flashed_messages
from sqlalchemy import func, select
from wtforms import StringField

from tests.conftest import post_form, sign_in
from tests.factories import UserFactory
from virtualacademy.blueprints.forms_common import Form
from virtualacademy.errors import DomainError, InvalidToken, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import AuditEvent, Locality, Role, User
from virtualacademy.services import accounts, localities
from virtualacademy.unit_of_work import unit_of_work


class NameForm(Form):
    class Meta:
        csrf = False

    name = StringField("Name")


def _count(model, **where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def _add(name: str) -> None:
    db.session.add(Locality(name=name))
    db.session.flush()


# --- the helper ----------------------------------------------------------------------------------------------


def test_commits_once_at_the_end(ctx):
    with unit_of_work() as work:
        _add("Kept")
    assert work.ok and work.error is None
    db.session.rollback()  # a later rollback cannot take back what was committed
    assert _count(Locality, name="Kept") == 1


def test_a_broken_rule_rolls_back_and_goes_on_the_field_it_names(app, db_session):
    with app.test_request_context(method="POST", data={"name": "Typed"}):
        form = NameForm()
        with unit_of_work(form) as work:
            _add("Half written")
            raise ValidationError("Enter a shorter name", field="name")
        assert not work.ok and work.error.message == "Enter a shorter name"
        assert form.name.errors == ["Enter a shorter name"] and form.name.data == "Typed"
        assert get_flashed_messages() == []  # the error summary links to the field; no banner as well
        assert _count(Locality, name="Half written") == 0


def test_a_broken_rule_with_no_field_goes_in_the_error_summary_and_a_banner(app, db_session):
    with app.test_request_context(method="POST", data={"name": "Typed"}):
        form = NameForm()
        with unit_of_work(form):
            _add("Half written")
            raise DomainError("The register is closed today")
        assert form.form_errors == ["The register is closed today"]
        assert get_flashed_messages(with_categories=True) == [("error", "The register is closed today")]
        assert _count(Locality, name="Half written") == 0


def test_without_a_form_the_broken_rule_is_flashed_in_the_words_asked_for(ctx):
    with unit_of_work(message="{message}. Nothing was posted.") as work:
        _add("Half written")
        raise DomainError("The census has been recorded")
    assert not work.ok
    assert get_flashed_messages(with_categories=True) == [
        ("error", "The census has been recorded. Nothing was posted.")
    ]
    assert _count(Locality, name="Half written") == 0


def test_quiet_leaves_the_showing_to_the_caller(ctx):
    with unit_of_work(quiet=True) as work:
        raise DomainError("Shown on the page")
    assert work.error.message == "Shown on the page" and get_flashed_messages() == []


def test_any_other_exception_rolls_back_and_goes_on(ctx):
    with pytest.raises(RuntimeError), unit_of_work():
        _add("Half written")
        raise RuntimeError("a bug")
    assert _count(Locality, name="Half written") == 0


def test_an_error_passed_through_is_rolled_back_and_raised_for_the_caller(ctx):
    with pytest.raises(InvalidToken), unit_of_work(passthrough=(InvalidToken,)):
        _add("Half written")
        raise InvalidToken("This link has expired")
    assert _count(Locality, name="Half written") == 0 and get_flashed_messages() == []


def test_discard_writes_nothing(ctx):
    with unit_of_work() as work:
        _add("Previewed")
        work.discard()
    assert work.ok and _count(Locality, name="Previewed") == 0


def test_keep_failure_commits_what_the_failure_recorded(ctx):
    with unit_of_work(keep_failure=True) as work:
        _add("Counted failure")
        raise DomainError("Wrong password")
    assert not work.ok
    db.session.rollback()
    assert _count(Locality, name="Counted failure") == 1


def test_a_command_raises_the_broken_rule_as_its_own_error(ctx):
    with pytest.raises(click.ClickException) as raised, unit_of_work(raise_as=click.ClickException):
        _add("Half written")
        raise DomainError("No such year")
    assert raised.value.message == "No such year" and isinstance(raised.value.__cause__, DomainError)
    assert _count(Locality, name="Half written") == 0


def test_the_same_unit_of_work_starts_afresh_each_time(ctx):
    work = unit_of_work()
    with work:
        raise DomainError("First")
    assert not work.ok
    with work:
        _add("Second")
    assert work.ok and _count(Locality, name="Second") == 1


# --- a failed request or command leaves nothing written -------------------------------------------------------


def _saves_then_fails(error: Exception):
    """``localities.save_locality`` that does all its work (the locality, its districts, the audit entry, all
    flushed) and then fails."""
    real = localities.save_locality

    def save_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        db.session.flush()
        raise error

    return save_then_fail


def _new_locality(client):
    return post_form(client, "/localities/new", {"name": "Half Written", "districts": "DN9"}, "/localities/new")


def test_a_request_failing_on_a_broken_rule_after_its_first_flush_writes_nothing(client, db_session, monkeypatch):
    admin = UserFactory(roles=[Role.ADMIN])
    sign_in(client, admin.email)
    audited = _count(AuditEvent)
    monkeypatch.setattr(localities, "save_locality", _saves_then_fails(DomainError("The register is closed today")))

    response = _new_locality(client)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and "The register is closed today" in page
    assert 'value="Half Written"' in page and 'value="DN9"' in page  # what was entered is shown again
    db_session.expire_all()
    assert _count(Locality, name="Half Written") == 0 and _count(AuditEvent) == audited


def test_a_broken_rule_naming_a_field_is_shown_on_that_field_and_writes_nothing(client, db_session, monkeypatch):
    admin = UserFactory(roles=[Role.ADMIN])
    sign_in(client, admin.email)
    monkeypatch.setattr(
        localities, "save_locality", _saves_then_fails(ValidationError("DN9 is not ours", field="districts"))
    )

    page = _new_locality(client).get_data(as_text=True)

    assert 'href="#districts"' in page and "DN9 is not ours" in page
    db_session.expire_all()
    assert _count(Locality, name="Half Written") == 0


def test_a_request_failing_on_a_bug_after_its_first_flush_writes_nothing(client, db_session, monkeypatch, caplog):
    caplog.allow_unhandled = True
    admin = UserFactory(roles=[Role.ADMIN])
    sign_in(client, admin.email)
    audited = _count(AuditEvent)
    monkeypatch.setattr(localities, "save_locality", _saves_then_fails(RuntimeError("a bug")))

    response = _new_locality(client)

    assert response.status_code == 500
    assert "Nothing you entered has been saved" in response.get_data(as_text=True)
    db_session.expire_all()
    assert _count(Locality, name="Half Written") == 0 and _count(AuditEvent) == audited


def test_a_command_failing_after_its_first_flush_writes_nothing(runner, db_session, monkeypatch):
    real = accounts.create_user

    def create_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise DomainError("The academy is closed to new admins")

    monkeypatch.setattr(accounts, "create_user", create_then_fail)
    result = runner.invoke(
        args=["create-admin", "head@academy.example.org", "--name", "Head", "--password", "good long passphrase"]
    )
    assert result.exit_code != 0 and "The academy is closed to new admins" in result.output
    assert _count(User, email="head@academy.example.org") == 0
    assert _count(AuditEvent, action="user.created") == 0
