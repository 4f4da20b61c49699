"""One unit of work per request, job or command: commit once at the end, roll back on any exception, and turn a
broken rule (:class:`~virtualacademy.errors.DomainError`) into something the user sees.

Services flush and never commit; the caller wraps the call::

    if form.validate_on_submit():
        with unit_of_work(form) as work:
            locality = localities.save_locality(current_user, None, form.name.data, ...)
        if work.ok:
            flash(f"{locality.name} has been added.", "success")
            return redirect(url_for("localities.detail", locality_id=locality.id))
    return render_template("localities/form.html", form=form)  # shown again with what was entered

At the end of the ``with`` block:

- nothing raised: the session is committed (or rolled back, if the block called :meth:`UnitOfWork.discard`,
  as a preview or a dry run does);
- a ``DomainError`` was raised: the session is rolled back, so nothing the service flushed is kept, and the
  error is shown: on the form's field it names, else as a form-level error in the GOV.UK error summary and a
  flash message (:func:`show_domain_error`); without a form, as a flash message. The exception is
  swallowed and kept in ``work.error``, and the view goes on to show the page again;
- any other exception: the session is rolled back and the exception goes on (to the 500 page, or the command's
  exit).

A commit that fails rolls back and raises as well. Commands pass ``raise_as=click.ClickException``: the error
is raised again as that type with its message, after the rollback.
"""

from __future__ import annotations

from types import TracebackType

from flask import flash

from virtualacademy.errors import DomainError
from virtualacademy.extensions import db


class UnitOfWork:
    """The context manager :func:`unit_of_work` returns (see the module's docstring)."""

    def __init__(
        self,
        form=None,
        *,
        message: str = "{message}",
        quiet: bool = False,
        raise_as: type[Exception] | None = None,
        keep_failure: bool = False,
        passthrough: tuple[type[DomainError], ...] = (),
    ):
        self.form = form
        self.message = message
        self.quiet = quiet
        self.raise_as = raise_as
        self.keep_failure = keep_failure
        self.passthrough = passthrough
        #: The broken rule, when the block raised one; ``None`` when it ran through.
        self.error: DomainError | None = None
        self._discarded = False

    @property
    def ok(self) -> bool:
        """The block ran through and its work is committed (or discarded, as asked)."""
        return self.error is None

    def discard(self) -> None:
        """Write nothing: roll back at the end instead of committing (a preview, a dry run)."""
        self._discarded = True

    def __enter__(self) -> UnitOfWork:
        self.error = None
        self._discarded = False
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _traceback: TracebackType | None
    ) -> bool:
        if kind is None:
            if self._discarded:
                db.session.rollback()
            else:
                _commit()
            return False
        if not isinstance(error, DomainError) or isinstance(error, self.passthrough):
            db.session.rollback()
            return False
        if self.keep_failure:
            _commit()  # what the failure itself recorded (a failed sign-in's count, its audit entry) is kept
        else:
            db.session.rollback()
        self.error = error
        text = self.message.format(message=error.message)
        if self.raise_as is not None:
            raise self.raise_as(text) from error
        if not self.quiet:
            self._show(error, text)
        return True

    def _show(self, error: DomainError, text: str) -> None:
        if self.form is None:
            flash(text, "error")
        else:
            show_domain_error(self.form, error)


def show_domain_error(form, error: DomainError) -> None:
    """Put a domain error on the form's field it names, or on the form itself (shown in the GOV.UK error summary,
    which ``base.html`` puts above every form with errors) and as a flash message."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    else:
        form.form_errors.append(error.message)
        flash(error.message, "error")


def _commit() -> None:
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def unit_of_work(
    form=None,
    *,
    message: str = "{message}",
    quiet: bool = False,
    raise_as: type[Exception] | None = None,
    keep_failure: bool = False,
    passthrough: tuple[type[DomainError], ...] = (),
) -> UnitOfWork:
    """A unit of work: commit at the end of the ``with`` block, roll back on any exception (module docstring).

    ``form``: where a ``DomainError`` is shown (its field, else the error summary); without one it is flashed.
    ``message``: the flashed (or raised) text, ``{message}`` being the error's own, e.g.
    ``"{message}. Nothing was posted."``. ``quiet``: show nothing; the caller shows ``work.error`` itself.
    ``raise_as``: raise the error again as this type (``click.ClickException`` in commands).
    ``keep_failure``: commit, not roll back, on a ``DomainError``: for a failure that is itself recorded (a wrong
    password counts towards the sign-in delay). ``passthrough``: ``DomainError`` types that are rolled back and
    raised on, for the caller to handle (an invalid link gets its own page).
    """
    return UnitOfWork(
        form,
        message=message,
        quiet=quiet,
        raise_as=raise_as,
        keep_failure=keep_failure,
        passthrough=passthrough,
    )
