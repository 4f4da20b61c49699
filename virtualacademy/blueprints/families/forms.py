from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)
from wtforms.validators import EqualTo, InputRequired, Length, Optional

from virtualacademy.blueprints.fields import GovDateField
from virtualacademy.blueprints.forms_common import Form
from virtualacademy.models.families import (
    EHE_REASON_LABELS,
    SEND_STATUS_LABELS,
    WITHDRAWAL_REASON_LABELS,
)

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]


class GuardianForm(Form):
    name = StringField(
        "Full name", widget=GovTextInput(), validators=[InputRequired(message="Enter your full name"), Length(max=200)]
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter your email address"), Length(max=254)],
        description="We will send a link to this address so you can come back to your application.",
    )
    phone = TelField(
        "Phone number",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=32)],
        description="Optional. For example, 07700 900982.",
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class AddressFields(Form):
    """The address fields, shared by the application and the family's contact details."""

    line_1 = StringField(
        "Address line 1",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the first line of the address"), Length(max=200)],
    )
    line_2 = StringField("Address line 2 (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    town = StringField(
        "Town or city",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the town or city"), Length(max=100)],
    )
    postcode = StringField(
        "Postcode", widget=GovTextInput(), validators=[InputRequired(message="Enter a postcode"), Length(max=10)]
    )


class AddressForm(AddressFields):
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class SecondGuardianForm(Form):
    name = StringField("Their full name", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    email = EmailField("Their email address", widget=GovTextInput(), validators=[Optional(), Length(max=254)])
    phone = TelField("Their phone number (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=32)])
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class ChildForm(Form):
    legal_name = StringField(
        "Full legal name",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the child's full legal name"), Length(max=200)],
    )
    preferred_name = StringField(
        "Preferred name (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=100)],
        description="The name they like to be called, if different.",
    )
    date_of_birth = GovDateField(
        "Date of birth",
        validators=[InputRequired(message="Enter the child's date of birth")],
        description="For example, 27 3 2014",
    )
    previous_school = StringField(
        "Previous school (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=200)]
    )
    previous_school_urn = StringField(
        "Previous school's URN (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=6)],
        description="The school's 6-digit Unique Reference Number, if you know it.",
    )
    date_left_school = GovDateField(
        "Date they left school (optional)", validators=[Optional()], description="For example, 20 7 2025"
    )
    reason = RadioField(
        "Main reason for education other than at school",
        choices=[SelectChoice(k.value, v) for k, v in EHE_REASON_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the main reason for education other than at school")],
    )
    send_status = RadioField(
        "Special educational needs (SEND)",
        choices=[SelectChoice(k.value, v) for k, v in SEND_STATUS_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the child's special educational needs status")],
    )
    ehcp_review_date = GovDateField(
        "If they have an EHCP: date of its next annual review",
        validators=[Optional()],
        description="For example, 14 2 2027",
    )
    fsm_eligible = BooleanField("Eligible for free school meals", widget=GovCheckboxInput())
    young_carer = BooleanField("Young carer", widget=GovCheckboxInput())
    needs = TextAreaField(
        "Anything the academy should know (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=4000)],
        description="For example, interests, health needs, or what helps them learn.",
    )
    photo_consent = BooleanField(
        "I agree to photos of this child being used in academy materials (optional)", widget=GovCheckboxInput()
    )
    submit = SubmitField("Save child", widget=GovSubmitInput())


class DeclarationForm(Form):
    privacy_consent = BooleanField(
        "I have read the privacy notice and agree to the academy holding this information",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SubmitApplicationForm(Form):
    submit = SubmitField("Send application", widget=GovSubmitInput())


class SetPasswordForm(Form):
    password = PasswordField(
        "Create a password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter a password")],
        description="At least 10 characters. A few unrelated words make a strong password.",
    )
    confirm = PasswordField(
        "Confirm your password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Confirm your password"),
            EqualTo("password", message="The passwords do not match"),
        ],
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())


class AcceptForm(Form):
    start_date = GovDateField(
        "Start date", validators=[InputRequired(message="Enter the start date")], description="For example, 1 9 2026"
    )
    locality_id = SelectField(
        "Locality", coerce=int, widget=GovSelect(), validators=[InputRequired(message="Choose a locality")]
    )
    accept = SubmitField("Accept and enrol", widget=GovSubmitInput())


class QuestionForm(Form):
    question = TextAreaField(
        "Your question for the family",
        widget=GovTextArea(),
        validators=[InputRequired(message="Enter your question for the family"), Length(max=4000)],
    )
    ask = SubmitField("Send question", widget=GovSubmitInput())


class DeclineForm(Form):
    reason = TextAreaField(
        "Reason (sent to the family)",
        widget=GovTextArea(),
        validators=[InputRequired(message="Enter the reason, which will be sent to the family"), Length(max=4000)],
    )
    decline = SubmitField("Decline application", widget=GovSubmitInput())


class AnswerForm(Form):
    answer = TextAreaField(
        "Your answer", widget=GovTextArea(), validators=[InputRequired(message="Enter your answer"), Length(max=4000)]
    )
    submit = SubmitField("Send answer", widget=GovSubmitInput())


class WithdrawForm(Form):
    withdrawal_date = GovDateField(
        "First day off roll",
        validators=[InputRequired(message="Enter the date they leave")],
        description="For example, 1 4 2027",
    )
    reason = RadioField(
        "Reason",
        choices=[SelectChoice(k.value, v) for k, v in WITHDRAWAL_REASON_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the reason for leaving")],
    )
    note = TextAreaField("Note (required for other)", widget=GovTextArea(), validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Withdraw", widget=GovSubmitInput())


class ReEnrolForm(Form):
    start_date = GovDateField(
        "Start date", validators=[InputRequired(message="Enter the start date")], description="For example, 1 9 2027"
    )
    locality_id = SelectField(
        "Locality", coerce=int, widget=GovSelect(), validators=[InputRequired(message="Choose a locality")]
    )
    submit = SubmitField("Re-enrol", widget=GovSubmitInput())


class ContactForm(AddressFields):
    phone = TelField("Your phone number", widget=GovTextInput(), validators=[Optional(), Length(max=32)])
    submit = SubmitField("Save", widget=GovSubmitInput())


class LearnerDetailsForm(Form):
    preferred_name = StringField("Preferred name", widget=GovTextInput(), validators=[Optional(), Length(max=100)])
    needs = TextAreaField(
        "Needs and anything the academy should know", widget=GovTextArea(), validators=[Optional(), Length(max=4000)]
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class JoinFamilyForm(Form):
    join = SubmitField("Join the family", widget=GovSubmitInput())


class InviteGuardianForm(Form):
    name = StringField(
        "Their full name",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter their full name"), Length(max=200)],
    )
    email = EmailField(
        "Their email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter their email address"), Length(max=254)],
    )
    invite = SubmitField("Send invitation", widget=GovSubmitInput())


class InviteLearnerForm(Form):
    email = EmailField(
        "Their email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the learner's own email address"), Length(max=254)],
        description="The learner will get a link to set their own password. They will see only their own records.",
    )
    invite = SubmitField("Send invitation", widget=GovSubmitInput())


class CohortDateForm(Form):
    class Meta:
        csrf = False  # a GET form

    on = GovDateField("On roll on", validators=[Optional()], description="For example, 1 10 2026")
