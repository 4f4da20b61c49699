from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from virtualacademy.blueprints.fields import GovDateField, days_field
from virtualacademy.blueprints.forms_common import Form
from virtualacademy.models.mentoring import (
    ACTION_OWNER_LABELS,
    CONTACT_METHOD_LABELS,
    CONTACT_WITH_LABELS,
    OTHER_ADULT_ROLE_LABELS,
    SUPPORT_LEVEL_LABELS,
)

SCORES = [
    SelectChoice(str(n), label)
    for n, label in [(1, "1 (very low)"), (2, "2"), (3, "3"), (4, "4"), (5, "5 (very good)")]
]
ACTION_SLOTS = 3


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(k.value, v) for k, v in labels.items()]


class CheckInForm(Form):
    occurred_on = GovDateField(
        "Date",
        validators=[InputRequired(message="Enter the date of the contact")],
        description="For example, 23 11 2026",
    )
    occurred_time = StringField(
        "Time",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the time of the contact"),
            Regexp(r"^([01]?\d|2[0-3])[:.][0-5]\d$", message="Enter a time like 14:30"),
        ],
        description="24-hour clock, for example 14:30",
    )
    method = RadioField(
        "How",
        choices=_choices(CONTACT_METHOD_LABELS),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select how you made contact")],
    )
    with_whom = RadioField(
        "With whom",
        choices=_choices(CONTACT_WITH_LABELS),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select who you spoke with")],
    )
    contact_made = RadioField(
        "Was contact made?",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No, this was an attempt")],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether contact was made")],
    )
    wellbeing = RadioField(
        "Wellbeing (as the learner describes it)", choices=SCORES, widget=GovRadioInput(), validators=[Optional()]
    )
    engagement = RadioField("Engagement with learning", choices=SCORES, widget=GovRadioInput(), validators=[Optional()])
    notes = TextAreaField(
        "Notes (staff only: never shown to the family)", widget=GovTextArea(), validators=[Optional(), Length(max=8000)]
    )
    submit = SubmitField("Save check-in", widget=GovSubmitInput())


for _n in range(1, ACTION_SLOTS + 1):
    setattr(
        CheckInForm,
        f"action_{_n}_text",
        StringField(f"Action {_n}", widget=GovTextInput(), validators=[Optional(), Length(max=500)]),
    )
    setattr(
        CheckInForm,
        f"action_{_n}_owner",
        SelectField(
            f"Who will do action {_n}",
            choices=_choices(ACTION_OWNER_LABELS),
            widget=GovSelect(),
            validators=[Optional()],
        ),
    )
    setattr(CheckInForm, f"action_{_n}_due", GovDateField(f"Action {_n} due by (optional)", validators=[Optional()]))


class AssignForm(Form):
    # Any active mentor may be chosen, not only the few the page shows: the view and the service check the id.
    mentor_id = RadioField(
        "Mentor",
        widget=GovRadioInput(),
        validate_choice=False,
        validators=[InputRequired(message="Choose a mentor")],
    )
    starts_on = GovDateField(
        "From",
        validators=[InputRequired(message="Enter the date the mentor starts")],
        description="For example, 1 12 2026",
    )
    handover_note = TextAreaField(
        "Handover note for the new mentor (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=4000)],
        description="What they should know: how the learner likes to be contacted, what is going on.",
    )
    confirm_over_limit = BooleanField(
        "I know this takes the mentor over their caseload limit", widget=GovCheckboxInput()
    )
    submit = SubmitField("Assign mentor", widget=GovSubmitInput())


class SupportForm(Form):
    level = RadioField(
        "Support level",
        choices=_choices(SUPPORT_LEVEL_LABELS),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select a support level")],
    )
    override_days = IntegerField(
        "Individual cadence in days (optional)",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(min=1, max=90, message="Enter a number of days from 1 to 90")],
        description="Leave blank to use the level's cadence.",
    )
    save_support = SubmitField("Save support level", widget=GovSubmitInput())


class OtherAdultForm(Form):
    name = StringField(
        "Name", widget=GovTextInput(), validators=[InputRequired(message="Enter the person's name"), Length(max=200)]
    )
    role = SelectField(
        "Role",
        choices=_choices(OTHER_ADULT_ROLE_LABELS),
        widget=GovSelect(),
        validators=[InputRequired(message="Choose their role")],
    )
    organisation = StringField(
        "Organisation (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=200)]
    )
    starts_on = GovDateField("From", validators=[InputRequired(message="Enter the start date")])
    ends_on = GovDateField("Until (optional)", validators=[Optional()])
    add_adult = SubmitField("Add person", widget=GovSubmitInput())


class CadenceForm(Form):
    standard = days_field("Standard: every … days", missing="Enter the standard cadence", most=90)
    enhanced = days_field("Enhanced: every … days", missing="Enter the enhanced cadence", most=90)
    intensive = days_field("Intensive: every … days", missing="Enter the intensive cadence", most=90)
    save_cadence = SubmitField("Save cadences", widget=GovSubmitInput())


class CaseloadLimitForm(Form):
    caseload_limit = IntegerField(
        "Caseload limit",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter a caseload limit"),
            NumberRange(min=1, max=200, message="Enter a number from 1 to 200"),
        ],
    )
    save_limit = SubmitField("Save limit", widget=GovSubmitInput())
