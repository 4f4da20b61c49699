from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovCheckboxInput, GovSubmitInput, GovTextInput
from wtforms import BooleanField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from virtualacademy.blueprints.forms_common import Form


class LocalityForm(Form):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the locality's name"), Length(max=120)],
        description="For example, a town or district: Doncaster North",
    )
    districts = StringField(
        "Postcode districts",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter at least one postcode district, like DN4"), Length(max=500)],
        description="The first part of the postcodes it covers, separated by commas: DN1, DN4, DN5",
    )
    active = BooleanField("Active (families can be placed in this locality)", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save locality", widget=GovSubmitInput())


class LocalityStaffForm(Form):
    coordinators = SelectMultipleField(
        "Coordinators",
        coerce=int,
        widget=GovCheckboxesInput(),
        validators=[Optional()],
        description="A coordinator runs one locality.",
    )
    mentors = SelectMultipleField(
        "Mentors",
        coerce=int,
        widget=GovCheckboxesInput(),
        validators=[Optional()],
        description="A mentor may work in several localities.",
    )
    submit = SubmitField("Save staff", widget=GovSubmitInput())
