from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import EmailField, SelectChoice, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from virtualacademy.blueprints.fields import GovDateField
from virtualacademy.blueprints.forms_common import Form
from virtualacademy.models.accounts import ROLE_LABELS, STAFF_ROLES, Role

STAFF_ROLE_CHOICES = [SelectChoice(r.value, ROLE_LABELS[r]) for r in STAFF_ROLES]
ALL_ROLE_CHOICES = [SelectChoice(r.value, ROLE_LABELS[r]) for r in Role]


class InviteStaffForm(Form):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the person's full name"), Length(max=200)],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the person's email address"), Length(max=254)],
    )
    roles = SelectMultipleField(
        "Roles",
        choices=STAFF_ROLE_CHOICES,
        widget=GovCheckboxesInput(),
        validators=[InputRequired(message="Select at least one role")],
        description="Select all that apply. A person may hold several roles.",
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class EditUserForm(Form):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the person's full name"), Length(max=200)],
    )
    roles = SelectMultipleField(
        "Roles",
        choices=ALL_ROLE_CHOICES,
        widget=GovCheckboxesInput(),
        validators=[Optional()],
        description="Family roles (guardian, learner) are normally given through enrolment.",
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class ConfirmForm(Form):
    """A button-only form (CSRF-protected) for actions such as deactivating an account."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET search form

    action = SelectField("Action", widget=GovSelect(), validators=[Optional()])
    actor_email = StringField("Done by (email)", widget=GovTextInput(), validators=[Optional(), Length(max=254)])
    object_type = StringField("Object type", widget=GovTextInput(), validators=[Optional(), Length(max=64)])
    object_id = StringField("Object ID", widget=GovTextInput(), validators=[Optional(), Length(max=64)])
    date_from = GovDateField("From", validators=[Optional()], description="For example, 27 3 2026")
    date_to = GovDateField("To", validators=[Optional()], description="For example, 31 3 2026")
    submit = SubmitField("Filter", widget=GovSubmitInput())
