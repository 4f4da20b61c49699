"""The overview's choice of period: a term, or dates."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField
from wtforms.validators import Optional

from virtualacademy.blueprints.fields import GovDateField
from virtualacademy.blueprints.forms_common import Form


class PeriodForm(Form):
    class Meta:
        csrf = False  # a GET form

    term = SelectField("Term", widget=GovSelect(), validators=[Optional()], validate_choice=False)
    start = GovDateField("Or from", validators=[Optional()], description="For example, 1 9 2026")
    end = GovDateField("To", validators=[Optional()], description="For example, 31 12 2026")


class ReturnYearForm(Form):
    """The academic year of the yearly return, by the calendar year it starts in (checked by the service)."""

    class Meta:
        csrf = False  # a GET form

    year = SelectField(
        "Academic year",
        widget=GovSelect(),
        validators=[Optional()],
        validate_choice=False,
        description="From 1 September to 31 August",
    )
