"""Forms of the exam pages. Amounts are typed in pounds (parsed by ``Pounds`` into ``field.pence``); dates are
GOV.UK date inputs. Rules across fields are the services'."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from virtualacademy.blueprints.fields import GovDateField, text_field
from virtualacademy.blueprints.forms_common import Form
from virtualacademy.blueprints.funding.years_forms import Pounds
from virtualacademy.models.exams import (
    ARRANGEMENT_EVIDENCE_LABELS,
    ARRANGEMENT_TYPE_LABELS,
    AWARDING_BODY_LABELS,
    QUALIFICATION_TYPE_LABELS,
    READINESS_LABELS,
    TIER_LABELS,
)


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices; enum members by their value."""
    return [SelectChoice(getattr(value, "value", value), label) for value, label in pairs]


BODY_CHOICES = choices(AWARDING_BODY_LABELS.items())
TYPE_CHOICES = choices(QUALIFICATION_TYPE_LABELS.items())
TIER_CHOICES = choices(TIER_LABELS.items())
ARRANGEMENT_CHOICES = choices(ARRANGEMENT_TYPE_LABELS.items())
EVIDENCE_CHOICES = choices(ARRANGEMENT_EVIDENCE_LABELS.items())
#: How many mock or past-paper results one judgement form takes.
MOCK_SLOTS = 3
CATALOGUE_MAX_BYTES = 1024 * 1024


def _date(label: str, description: str | None = None, required: bool = True):
    validators = [InputRequired(message=f"Enter the {label.lower()}")] if required else [Optional()]
    return GovDateField(label, validators=validators, description=description)


def _money(label: str, noun: str, optional: bool = True, description: str | None = None):
    return StringField(
        label,
        widget=GovTextInput(),
        validators=[Pounds(noun, optional=optional)],
        description=description or "In pounds, like 45.50",
    )


class ActionForm(Form):
    """A button that posts: only the CSRF token."""


class QualificationForm(Form):
    awarding_body = SelectField(
        "Awarding body",
        choices=BODY_CHOICES,
        widget=GovSelect(),
        validators=[InputRequired("Choose the awarding body")],
    )
    qualification_type = SelectField(
        "Type of qualification",
        choices=TYPE_CHOICES,
        widget=GovSelect(),
        validators=[InputRequired("Choose the type of qualification")],
    )
    subject = text_field("Subject", missing="Enter the subject", limit=120)
    spec_code = text_field(
        "Specification code", missing="Enter the specification code", limit=20, description="For example, 8300"
    )
    entry_fee = _money("Entry fee per series", "entry fee", optional=False)
    tiered = BooleanField("Sat at foundation or higher tier", widget=GovCheckboxInput())
    needs_supervision = BooleanField(
        "Has non-exam assessment or an endorsement the centre must supervise", widget=GovCheckboxInput()
    )
    active = BooleanField("In the catalogue (takes new entries)", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save qualification", widget=GovSubmitInput())


class CatalogueImportForm(Form):
    file = FileField(
        "CSV file",
        widget=GovFileInput(),
        validators=[
            FileRequired("Choose the CSV file to upload"),
            FileAllowed(["csv"], "The file must be a CSV file (its name ends in .csv)"),
            FileSize(CATALOGUE_MAX_BYTES, message="The file must be smaller than 1 MB"),
        ],
        description="Columns: awarding_body, type, subject, spec_code, tiered, needs_supervision, entry_fee (pounds).",
    )
    submit = SubmitField("Import the catalogue", widget=GovSubmitInput())


class SeriesForm(Form):
    name = text_field("Name", missing="Enter the name of the series, like June 2027", limit=80)
    entry_deadline = _date("Entry deadline", "Entries up to this day pay no late fee. For example, 21 2 2027")
    late_entry_deadline = _date("Late-entry deadline")
    late_fee = _money("Late fee per entry", "late fee")
    very_late_cutoff = _date("Very-late cutoff", "After this day no entries can be made")
    very_late_fee = _money("Very late fee per entry", "very late fee")
    changes_free_until = _date("Fee-free changes and refunds end")
    access_deadline = _date(
        "Access-arrangement deadline", "The awarding bodies' deadline; a centre may set an earlier one"
    )
    first_exam_on = _date("First exam")
    last_exam_on = _date("Last exam")
    results_day = _date("Results day")
    a_level_results_day = _date("A level and AS results day (if earlier)", required=False)
    age_rule_min_age = IntegerField(
        "Age rule: minimum age (optional)",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(min=1, max=99, message="Enter an age from 1 to 99")],
        description="Only where an awarding body's own rule restricts the series by age. It never refuses an entry.",
    )
    age_rule_on = _date("Age rule: counted on", required=False)
    age_rule_applies_to = SelectField(
        "Age rule: applies to",
        choices=[SelectChoice("", "Every entry"), *TYPE_CHOICES],
        widget=GovSelect(),
        validators=[Optional()],
    )
    age_rule_reason = text_field("Age rule: the awarding body's reason", limit=1000, area=True)
    submit = SubmitField("Save series", widget=GovSubmitInput())


class CentreForm(Form):
    name = text_field("Name", missing="Enter the centre's name", limit=200)
    centre_number = text_field("JCQ centre number (optional)", limit=8, description="5 digits, like 12345")
    address = text_field("Address", limit=1000, area=True)
    postcode = text_field("Postcode", limit=8)
    locality_id = SelectField("Locality", coerce=str, widget=GovSelect(), validators=[Optional()])
    accepts_private_candidates = BooleanField("Takes private candidates", widget=GovCheckboxInput(), default=True)
    admin_fee = _money("Centre administration fee per entry", "administration fee")
    supervises_nea = BooleanField(
        "Supervises non-exam assessment and endorsements for private candidates", widget=GovCheckboxInput()
    )
    family_found = BooleanField("A centre the family found themselves", widget=GovCheckboxInput())
    provides = SelectMultipleField(
        "Access arrangements it can provide",
        choices=ARRANGEMENT_CHOICES,
        widget=GovCheckboxesInput(),
        validators=[Optional()],
    )
    submit = SubmitField("Save centre", widget=GovSubmitInput())


class SeatsForm(Form):
    seats = IntegerField(
        "Seats for the academy's candidates",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the number of seats"),
            NumberRange(min=0, max=100_000, message="Enter the number of seats, 0 or more"),
        ],
    )
    access_deadline = _date(
        "The centre's own access-arrangement deadline (optional)",
        "If earlier than the series' own: for June, often mid to late January",
        required=False,
    )
    submit = SubmitField("Save seats", widget=GovSubmitInput())


class JudgementForm(Form):
    qualification_id = SelectField(
        "Qualification", coerce=str, widget=GovSelect(), validators=[InputRequired("Choose the qualification")]
    )
    judgement = RadioField(
        "Judgement",
        choices=choices(READINESS_LABELS.items()),
        widget=GovRadioInput(),
        validators=[InputRequired("Say whether they are ready")],
    )
    evidence = text_field(
        "Evidence",
        missing="Give the evidence: mock or past-paper results, a tutor's report, work from the learning plan",
        limit=5000,
        area=True,
        description="A tutor's report, portfolio items from the learning plan, what you have seen",
    )
    still_needed = text_field("What is still needed (for not yet)", limit=2000, area=True)
    recommended_tier = RadioField(
        "Recommended tier (tiered qualifications)",
        choices=TIER_CHOICES,
        widget=GovRadioInput(),
        validators=[Optional()],
    )
    judged_on = _date("Date of the judgement")
    submit = SubmitField("Record the judgement", widget=GovSubmitInput())


for _n in range(1, MOCK_SLOTS + 1):
    setattr(JudgementForm, f"mock_{_n}_sat_on", _date(f"Mock {_n}: date sat", required=False))
    setattr(JudgementForm, f"mock_{_n}_paper", text_field(f"Mock {_n}: paper", limit=200))
    setattr(JudgementForm, f"mock_{_n}_result", text_field(f"Mock {_n}: result", limit=100))


class EntryForm(Form):
    qualification_id = SelectField(
        "Qualification", coerce=str, widget=GovSelect(), validators=[InputRequired("Choose the qualification")]
    )
    series_id = SelectField(
        "Exam series", coerce=str, widget=GovSelect(), validators=[InputRequired("Choose the series")]
    )
    centre_id = SelectField("Centre", coerce=str, widget=GovSelect(), validators=[InputRequired("Choose the centre")])
    tier = SelectField(
        "Tier",
        choices=[SelectChoice("", "As the mentor recommends"), *TIER_CHOICES],
        widget=GovSelect(),
        validators=[Optional()],
    )
    family_pays = BooleanField(
        "The family pays the centre themselves (only at a centre they found)", widget=GovCheckboxInput()
    )
    check = SubmitField("Check the fees", widget=GovSubmitInput())
    confirm = SubmitField("Make the entry", widget=GovSubmitInput())


class CandidateForm(Form):
    candidate_number = text_field("Candidate number", missing="Enter the centre's 4-digit candidate number", limit=4)
    uci = text_field(
        "Unique Candidate Identifier (UCI)",
        missing="Enter the 13-character Unique Candidate Identifier",
        limit=13,
        description="Exactly as the centre gives it",
    )
    submit = SubmitField("Record the centre's details", widget=GovSubmitInput())


class WithdrawForm(Form):
    reason = text_field(
        "Reason for withdrawing", missing="Give the reason for withdrawing the entry", limit=1000, area=True
    )
    submit = SubmitField("Withdraw the entry", widget=GovSubmitInput(), render_kw={"class": "govuk-button--warning"})


class ResultForm(Form):
    grade = text_field("Grade", missing="Enter the grade as the awarding body gives it, like 7 or A*", limit=16)
    result_on = _date("Date of the result (optional: results day)", required=False)
    submit = SubmitField("Record the result", widget=GovSubmitInput())


class ArrangementForm(Form):
    series_id = SelectField(
        "Exam series", coerce=str, widget=GovSelect(), validators=[InputRequired("Choose the series")]
    )
    entry_id = SelectField("For", coerce=str, widget=GovSelect(), validators=[Optional()])
    arrangement_type = RadioField(
        "Access arrangement",
        choices=ARRANGEMENT_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose the access arrangement")],
    )
    detail = text_field("What it is (for other)", limit=1000)
    evidence_kind = RadioField(
        "Evidence", choices=EVIDENCE_CHOICES, widget=GovRadioInput(), validators=[InputRequired("Choose the evidence")]
    )
    evidence_note = text_field("About the evidence", limit=5000, area=True)
    cost = _money("Cost, if any", "cost", description="For example a scribe's hours, in pounds. Leave blank if none")
    submit = SubmitField("Save the arrangement", widget=GovSubmitInput())


class PaperForm(Form):
    qualification_id = SelectField(
        "Qualification", coerce=str, widget=GovSelect(), validators=[InputRequired("Choose the qualification")]
    )
    paper_code = text_field("Paper code", missing="Enter the paper code, like 8300/1H", limit=20)
    title = text_field("Title", missing="Enter the paper's title", limit=200)
    sits_on = _date("Date")
    session = RadioField(
        "Session",
        choices=[SelectChoice("am", "Morning"), SelectChoice("pm", "Afternoon")],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose morning or afternoon")],
    )
    duration_minutes = IntegerField(
        "Length in minutes",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the length in minutes, like 90"),
            NumberRange(min=1, max=600, message="Enter the length in minutes, like 90"),
        ],
    )
    tier = SelectField(
        "Tier", choices=[SelectChoice("", "Every tier"), *TIER_CHOICES], widget=GovSelect(), validators=[Optional()]
    )
    room = text_field("Room (if known)", limit=100)
    submit = SubmitField("Add the paper", widget=GovSubmitInput())


class TierForm(Form):
    tier = RadioField(
        "Tier", choices=TIER_CHOICES, widget=GovRadioInput(), validators=[InputRequired("Choose the tier")]
    )
    submit = SubmitField("Change the tier", widget=GovSubmitInput(), render_kw={"class": "govuk-button--secondary"})
