"""The community report's period (a GET form): from and to, as GOV.UK date inputs named ``from`` and ``to``."""

from __future__ import annotations

from wtforms.validators import Optional

from virtualacademy.blueprints.fields import GovDateField
from virtualacademy.blueprints.forms_common import Form


class ReportPeriodForm(Form):
    class Meta:
        csrf = False  # a GET form

    start = GovDateField("From", validators=[Optional()], description="For example, 1 1 2027", name="from")
    end = GovDateField("To", validators=[Optional()], description="For example, 31 3 2027", name="to")
