"""Forms for spend requests, decisions, locality spending and statement periods."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectChoice, StringField, SubmitField, TextAreaField
from wtforms import ValidationError as FormError
from wtforms.validators import InputRequired, Length, Optional

from virtualacademy.blueprints.fields import GovDateField
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
        return f"{self.data // 100}.{self.data % 100:02d}" if isinstance(self.data, int) else ""


def _choices(categories) -> list[SelectChoice]:
    return [SelectChoice(c.value, SPENDING_CATEGORY_LABELS[c]) for c in categories]


class SpendRequestForm(FlaskForm):
    what_for = TextAreaField(
        "What is the money for?",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter what the money is for"),
            Length(max=spending.MAX_WHAT_FOR, message=f"Write {spending.MAX_WHAT_FOR:,} characters or fewer"),
        ],
        description="For example, 10 weekly maths lessons from January to March.",
    )
    category = RadioField(
        "What kind of spending is it?",
        choices=_choices(spending.PERSONAL_CATEGORIES),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose what kind of spending it is")],
    )
    amount = PoundsField(
        "Amount",
        validators=[InputRequired(message="Enter the amount in pounds, like 45.50")],
        description="In pounds and pence, for example 45.50.",
    )
    supplier = StringField(
        "Who is being paid?",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter who is being paid"),
            Length(max=spending.MAX_SUPPLIER, message=f"Write {spending.MAX_SUPPLIER} characters or fewer"),
        ],
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


class SendForm(FlaskForm):
    send = SubmitField("Send request", widget=GovSubmitInput())


class ApproveForm(FlaskForm):
    approve = SubmitField("Approve", widget=GovSubmitInput())


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Why is the request declined?",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter why the request is declined"),
            Length(max=spending.MAX_REASON, message=f"Write {spending.MAX_REASON:,} characters or fewer"),
        ],
        description="The family will see this.",
    )
    decline = SubmitField("Decline the request", widget=GovSubmitInput())


class ReverseForm(FlaskForm):
    reverse_reason = TextAreaField(
        "Why is the payment being reversed?",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter why the payment is being reversed"),
            Length(max=spending.MAX_REASON, message=f"Write {spending.MAX_REASON:,} characters or fewer"),
        ],
        description="For example, the supplier refunded it. The money goes back into the learner's budget.",
    )
    reverse = SubmitField("Reverse the payment", widget=GovSubmitInput())


class LocalitySpendForm(FlaskForm):
    category = RadioField(
        "What kind of spending is it?",
        choices=_choices(spending.LOCALITY_CATEGORIES),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose what kind of spending it is")],
    )
    amount = PoundsField(
        "Amount",
        validators=[InputRequired(message="Enter the amount in pounds, like 45.50")],
        description="In pounds and pence, for example 45.50.",
    )
    what_for = TextAreaField(
        "What was the money spent on?",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter what the money was spent on"),
            Length(max=spending.MAX_WHAT_FOR, message=f"Write {spending.MAX_WHAT_FOR:,} characters or fewer"),
        ],
        description="For example, room hire for the spring science day.",
    )
    supplier = StringField(
        "Who was paid (optional)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=spending.MAX_SUPPLIER, message=f"Write {spending.MAX_SUPPLIER} characters or fewer"),
        ],
    )
    #: Made when the form is first shown: sending the same form twice records the spending once.
    key = HiddenField()
    submit = SubmitField("Record the spending", widget=GovSubmitInput())


class StatementPeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    start = GovDateField(
        "From", validators=[Optional()], description="For example, 1 9 2026. Leave blank for the start."
    )
    end = GovDateField("To", validators=[Optional()], description="For example, 31 8 2027. Leave blank for today.")

    def validate_end(self, field):
        if self.start.data and field.data and self.start.data > field.data:
            raise FormError("The end of the period must be on or after its start")
