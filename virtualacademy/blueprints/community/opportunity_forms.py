"""Forms of the opportunity and placement pages. The rules across fields (a locality the person coordinates, a
valid email address, the safeguarding check before approving, places left, the learning log's own checks) are
the services'; these read and bound what was typed."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
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
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from virtualacademy.blueprints.fields import GovDateField, text_field
from virtualacademy.blueprints.forms_common import Form
from virtualacademy.blueprints.learning.log_forms import hours_field, minutes_field, subjects_field
from virtualacademy.models.community import OPPORTUNITY_KIND_LABELS
from virtualacademy.services.learning_log import DESCRIPTION_MAX

KIND_CHOICES = [SelectChoice(kind.value, label) for kind, label in OPPORTUNITY_KIND_LABELS.items()]
#: The locality picker's value for an academy-wide opportunity (admins only).
ANYWHERE = "anywhere"


class OpportunityForm(Form):
    locality_id = SelectField(
        "Locality", coerce=str, widget=GovSelect(), validators=[InputRequired("Choose the locality")]
    )
    title = text_field("Title", missing="Enter the opportunity's title", limit=200)
    kind = RadioField(
        "Kind of opportunity",
        choices=KIND_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose the kind of opportunity")],
    )
    description = text_field(
        "Description",
        limit=10_000,
        area=True,
        description="What the learner will do and learn. You can use **bold**, lists and links.",
    )
    host_organisation = text_field("Host organisation", missing="Enter the host organisation", limit=200)
    contact_name = text_field(
        "Host's contact name",
        missing="Enter the name of the host's contact",
        limit=200,
        description="The adult who works with the learner: recorded as one of the learner's other adults",
    )
    contact_email = text_field("Host's contact email (optional)", limit=254)
    contact_phone = text_field("Host's contact phone (optional)", limit=32)
    host_checked_on = GovDateField(
        "Date of the host's safeguarding check",
        validators=[Optional()],
        description="A DBS or equivalent check. Placements can be approved only once it is recorded. "
        "For example, 27 1 2027",
    )
    interests = text_field(
        "Interests it suits",
        missing="Enter at least one interest it suits, like animals or coding",
        limit=1_000,
        description="Separate them with commas, like animals, farming, outdoors",
    )
    location = text_field("Location (optional)", limit=200)
    time_commitment = text_field(
        "Time commitment (optional)", limit=200, description="For example, Tuesday mornings for six weeks"
    )
    places = IntegerField(
        "Places",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the number of places, from 1 to 1,000"),
            NumberRange(min=1, max=1_000, message="Enter the number of places, from 1 to 1,000"),
        ],
    )
    open = BooleanField("Open: families can find it and say they are interested", widget=GovCheckboxInput())
    submit = SubmitField("Save the opportunity", widget=GovSubmitInput())


class InterestForm(Form):
    learner_id = RadioField(
        "Who is interested?",
        coerce=str,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose who is interested")],
    )
    note = TextAreaField(
        "Why does it interest them? (optional)",
        widget=GovCharacterCount(),
        validators=[Optional(), Length(max=2_000, message="Write 2,000 characters or fewer")],
        description="The coordinator reads this when deciding.",
    )
    submit = SubmitField("Say they are interested", widget=GovSubmitInput())


class DecideForm(Form):
    decision = RadioField(
        "Decision",
        choices=[SelectChoice("approve", "Approve the placement"), SelectChoice("decline", "Decline")],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose approve or decline")],
    )
    starts_on = GovDateField(
        "Start date (if approved; optional)",
        validators=[Optional()],
        description="Leave blank to start today. For example, 9 3 2027",
    )
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


class SessionForm(Form):
    on_date = GovDateField(
        "Date of the session",
        validators=[InputRequired(message="Enter the date of the session")],
        description="For example, 27 3 2027",
    )
    hours = hours_field()
    minutes = minutes_field()
    subjects = subjects_field()
    description = TextAreaField(
        "What did they learn?",
        widget=GovCharacterCount(),
        validators=[
            InputRequired(message="Describe what was learned in a sentence or two"),
            Length(max=DESCRIPTION_MAX, message=f"Write {DESCRIPTION_MAX} characters or fewer"),
        ],
        description="A sentence or two: what was done, and what was learned.",
    )
    submit = SubmitField("Log the session", widget=GovSubmitInput())
