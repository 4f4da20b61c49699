"""Forms for funding years, census runs, moving money, reversals and year-end.

Amounts are typed in pounds and percentages as numbers; the validators below turn them into pence
(:func:`ledger.parse_pounds`) and basis points (:func:`funding.parse_percent`), so every field's problem is
shown at once, on the field, in the GOV.UK style. Rules across fields are the service's.
"""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Regexp, StopValidation

from virtualacademy import money
from virtualacademy.blueprints.fields import GovDateField
from virtualacademy.blueprints.forms_common import Form
from virtualacademy.errors import DomainError
from virtualacademy.models import YearEndPolicy
from virtualacademy.services import funding, ledger


class Pounds:
    """Parse the field's text into ``field.pence``. ``optional``: blank or £0 means 0 (not set)."""

    def __init__(self, noun: str, optional: bool = False, most_pence: int | None = None):
        self.noun = noun
        self.optional = optional
        self.most_pence = most_pence

    def __call__(self, form, field) -> None:
        text = (field.data or "").strip()
        field.pence = None
        if self.optional and not text:
            field.pence = 0
            return
        too_large = f"The {self.noun} is too large: the most is {money.pounds(self.most_pence or 0)}"
        try:
            field.pence = ledger.parse_pounds(text, field.name, allow_zero=self.optional)
        except DomainError as error:
            if self.most_pence is not None and "too large" in error.message:
                raise StopValidation(too_large) from None
            message = error.message.replace("Enter an amount", f"Enter the {self.noun}", 1)
            message = message.replace("The amount", f"The {self.noun}", 1)
            raise StopValidation(message) from None
        if self.most_pence is not None and field.pence > self.most_pence:
            raise StopValidation(too_large)


class Percent:
    """Parse the field's text into basis points, ``field.bp``."""

    def __init__(self, noun: str):
        self.noun = noun

    def __call__(self, form, field) -> None:
        field.bp = None
        try:
            field.bp = funding.parse_percent(field.data, field.name, self.noun)
        except DomainError as error:
            raise StopValidation(error.message) from None


def percent_text(bp: int) -> str:
    return funding.percent(bp).rstrip("%")


POLICY_CHOICES = [SelectChoice(p.value, label) for p, label in funding.YEAR_END_POLICY_LABELS.items()]


class YearForm(Form):
    start_year = StringField(
        "Year it starts",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the year the funding year starts, like 2026"),
            Regexp(r"^\s*\d{4}\s*$", message="Enter the year it starts as 4 digits, like 2026"),
        ],
        description="A funding year runs from 1 September to 31 August. For 2026/27, enter 2026.",
    )
    base_rate = StringField(
        "Base rate per learner for the year",
        widget=GovTextInput(),
        validators=[Pounds("base rate", optional=True, most_pence=funding.MAX_PER_LEARNER_PENCE), Length(max=20)],
        description="In pounds, before the academy's share. Leave it blank until it is known: census income "
        "cannot be recorded without it.",
    )
    academy_share = StringField(
        "Share of the base rate the academy receives",
        widget=GovTextInput(),
        default="50",
        validators=[Percent("the academy's share"), Length(max=20)],
        description="A percentage, like 50.",
    )
    core_topslice = StringField(
        "Top-slice for core provision",
        widget=GovTextInput(),
        default="0",
        validators=[Percent("the core provision top-slice"), Length(max=20)],
        description="A percentage of the income, kept by core provision.",
    )
    mentor_topslice = StringField(
        "Top-slice for the mentor team",
        widget=GovTextInput(),
        default="0",
        validators=[Percent("the mentor team top-slice"), Length(max=20)],
        description="A percentage of the income, given to the mentor team.",
    )
    coordinator_grant = StringField(
        "Coordinator grant per locality for the year",
        widget=GovTextInput(),
        validators=[Pounds("coordinator grant", optional=True), Length(max=20)],
        description="In pounds; each locality gets a third at each census. Leave blank for none.",
    )
    personal_budget = StringField(
        "Learning budget per learner for the year",
        widget=GovTextInput(),
        validators=[
            Pounds("learning budget", optional=True, most_pence=funding.MAX_PER_LEARNER_PENCE),
            Length(max=20),
        ],
        description="In pounds; each learner on roll gets a third at each census. Leave blank for none.",
    )
    year_end_policy = RadioField(
        "At the end of the year",
        choices=POLICY_CHOICES,
        default=YearEndPolicy.CARRY_FORWARD.value,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose what happens to unspent money at the end of the year")],
    )
    submit = SubmitField("Save funding year", widget=GovSubmitInput())

    def settings(self) -> funding.YearSettings:
        return funding.YearSettings(
            base_rate_pence=self.base_rate.pence,
            academy_share_bp=self.academy_share.bp,
            core_topslice_bp=self.core_topslice.bp,
            mentor_topslice_bp=self.mentor_topslice.bp,
            coordinator_grant_pence=self.coordinator_grant.pence,
            personal_budget_pence=self.personal_budget.pence,
            year_end_policy=YearEndPolicy(self.year_end_policy.data),
        )

    def fill(self, year) -> None:
        self.base_rate.data = money.pounds_typed(year.base_rate_pence)
        self.academy_share.data = percent_text(year.academy_share_bp)
        self.core_topslice.data = percent_text(year.core_topslice_bp)
        self.mentor_topslice.data = percent_text(year.mentor_topslice_bp)
        self.coordinator_grant.data = money.pounds_typed(year.coordinator_grant_pence)
        self.personal_budget.data = money.pounds_typed(year.personal_budget_pence)
        self.year_end_policy.data = year.year_end_policy.value


class EditYearForm(YearForm):
    start_year = None


class CensusDateForm(Form):
    on_date = GovDateField(
        "Census date",
        validators=[InputRequired(message="Enter the census date")],
        description="For example, 1 10 2026",
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ConfirmCensusDateForm(Form):
    """The second step of moving a census day: ``on_date`` is the checked day (ISO), shown on the page before."""

    on_date = HiddenField(validators=[InputRequired(), Regexp(r"^\d{4}-\d{2}-\d{2}$")])
    confirm = SubmitField("Move the census date", widget=GovSubmitInput())


class ConfirmForm(Form):
    """Confirms a preview: ``digest`` is the preview's fingerprint, so only what was shown is posted."""

    digest = HiddenField()
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class MoveForm(Form):
    from_account = SelectField(
        "Move from",
        widget=GovSelect(),
        validators=[InputRequired(message="Choose the account to move money from")],
    )
    to_account = SelectField(
        "Move to",
        widget=GovSelect(),
        validators=[InputRequired(message="Choose the account to move money to")],
    )
    amount = StringField(
        "Amount",
        widget=GovTextInput(),
        validators=[Pounds("amount"), Length(max=20)],
        description="In pounds, like 250 or 1250.50",
    )
    year = SelectField(
        "Funding year",
        widget=GovSelect(),
        validators=[InputRequired(message="Choose the funding year")],
    )
    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        validators=[InputRequired(message="Give the reason for moving the money"), Length(max=500)],
        description="Shown on both accounts' statements and in the audit log.",
    )
    token = HiddenField()
    submit = SubmitField("Move money", widget=GovSubmitInput())


class ReverseForm(Form):
    reason = TextAreaField(
        "Reason for the reversal",
        widget=GovTextArea(),
        validators=[InputRequired(message="Give the reason for the reversal"), Length(max=400)],
    )
    submit = SubmitField("Reverse this transfer", widget=GovSubmitInput())
