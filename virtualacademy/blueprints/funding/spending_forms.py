"""Forms for spend requests, decisions, locality spending and statement periods."""

from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectChoice, StringField, SubmitField
from wtforms import ValidationError as FormError
from wtforms.validators import InputRequired, Optional

from virtualacademy import money
from virtualacademy.blueprints.fields import GovDateField, text_field
from virtualacademy.blueprints.forms_common import Form
from virtualacademy.errors import DomainError
from virtualacademy.models.funding import SPENDING_CATEGORY_LABELS
from virtualacademy.services import ledger, spending


class PoundsField(StringField):
    """An amount typed in pounds (``45.50``, ``£1,250``), as integer pence in ``data``. Negative, zero,
    fractional-penny and absurd amounts are refused with the ledger's own messages."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not (valuelist[0] or "").strip():
            return
        try:
            self.data = ledger.parse_pounds(valuelist[0])
        except DomainError as error:
            raise ValueError(error.message) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return money.pounds_typed(self.data, always_pence=True) if isinstance(self.data, int) else ""


def _choices(categories) -> list[SelectChoice]:
    return [SelectChoice(c.value, SPENDING_CATEGORY_LABELS[c]) for c in categories]


def _category_field(categories) -> RadioField:
    return RadioField(
        "What kind of spending is it?",
        choices=_choices(categories),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose what kind of spending it is")],
    )


def _amount_field() -> PoundsField:
    return PoundsField(
        "Amount",
        validators=[InputRequired(message="Enter the amount in pounds, like 45.50")],
        description="In pounds and pence, for example 45.50.",
    )


class SpendRequestForm(Form):
    what_for = text_field(
        "What is the money for?",
        missing="Enter what the money is for",
        limit=spending.MAX_WHAT_FOR,
        area=True,
        description="For example, 10 weekly maths lessons from January to March.",
    )
    category = _category_field(spending.PERSONAL_CATEGORIES)
    amount = _amount_field()
    supplier = text_field(
        "Who is being paid?",
        missing="Enter who is being paid",
        limit=spending.MAX_SUPPLIER,
        description="The tutor, shop or organisation named on the invoice or receipt.",
    )
    document = FileField(
        "Invoice or receipt",
        widget=GovFileInput(),
        description="A PDF, JPG, PNG, Word or Excel file, smaller than 10 MB.",
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    #: The uploaded file's bytes once validated (read once, here).
    document_bytes: bytes | None = None
    #: Changing a draft that already has its invoice: a new file only replaces it.
    keeps_document: bool = False

    def validate_document(self, field):
        upload = field.data
        if upload is None or not getattr(upload, "filename", None):
            if self.keeps_document:
                return
            raise FormError("Select the invoice or receipt")
        data = upload.read(spending.max_document_bytes() + 1)
        try:
            spending.check_document(data, upload.filename)
        except DomainError as error:
            raise FormError(error.message) from None
        self.document_bytes = data


class SendForm(Form):
    send = SubmitField("Send request", widget=GovSubmitInput())


class ApproveForm(Form):
    approve = SubmitField("Approve", widget=GovSubmitInput())


class DeclineForm(Form):
    reason = text_field(
        "Why is the request declined?",
        missing="Enter why the request is declined",
        limit=spending.MAX_REASON,
        area=True,
        description="The family will see this.",
    )
    decline = SubmitField("Decline the request", widget=GovSubmitInput())


class ReverseForm(Form):
    reverse_reason = text_field(
        "Why is the payment being reversed?",
        missing="Enter why the payment is being reversed",
        limit=spending.MAX_REASON,
        area=True,
        description="For example, the supplier refunded it. The money goes back into the learner's learning budget.",
    )
    reverse = SubmitField("Reverse the payment", widget=GovSubmitInput())


class LocalitySpendForm(Form):
    category = _category_field(spending.LOCALITY_CATEGORIES)
    amount = _amount_field()
    what_for = text_field(
        "What was the money spent on?",
        missing="Enter what the money was spent on",
        limit=spending.MAX_WHAT_FOR,
        area=True,
        description="For example, room hire for the spring science day.",
    )
    supplier = text_field("Who was paid (optional)", limit=spending.MAX_SUPPLIER)
    #: Made when the form is first shown: sending the same form twice records the spending once.
    key = HiddenField()
    submit = SubmitField("Record the spending", widget=GovSubmitInput())


class StatementPeriodForm(Form):
    class Meta:
        csrf = False  # a GET filter

    start = GovDateField(
        "From", validators=[Optional()], description="For example, 1 9 2026. Leave blank for the start."
    )
    end = GovDateField("To", validators=[Optional()], description="For example, 31 8 2027. Leave blank for today.")

    def validate_end(self, field):
        if self.start.data and field.data and self.start.data > field.data:
            raise FormError("The end of the period must be on or after its start")
