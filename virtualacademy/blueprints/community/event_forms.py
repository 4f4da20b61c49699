"""Forms of the family's event pages: the filter of the events list (a GET form), choosing whom to book, and the
buttons that cancel a booking or confirm an offered place."""

from __future__ import annotations

import re

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import HiddenField, SelectChoice, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import Optional, ValidationError

from virtualacademy.blueprints.fields import GovDateField
from virtualacademy.blueprints.forms_common import Form
from virtualacademy.models.community import EVENT_TYPE_LABELS
from virtualacademy.services.community.browse import FIRST_YEAR, LAST_YEAR

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$", re.ASCII)
TYPE_CHOICES = [SelectChoice("", "Any type")] + [SelectChoice(t.value, label) for t, label in EVENT_TYPE_LABELS.items()]


class EventFilterForm(Form):
    class Meta:
        csrf = False  # a GET search form

    type = SelectField("Type of event", choices=TYPE_CHOICES, widget=GovSelect(), validators=[Optional()])
    date_from = GovDateField("From", validators=[Optional()], description="For example, 27 3 2027")
    date_to = GovDateField("To", validators=[Optional()], description="For example, 30 4 2027")
    view = HiddenField()
    month = StringField(
        "Month", widget=GovTextInput(), validators=[Optional()], description="Year and month, for example 2027-03"
    )

    @property
    def year_month(self) -> tuple[int, int] | None:
        """The month asked for, once validated (None: none asked for, or not one we can read)."""
        found = _MONTH.match((self.month.data or "").strip())
        return (int(found[1]), int(found[2])) if found and not self.month.errors else None

    def validate_month(self, field):
        text = (field.data or "").strip()
        found = _MONTH.match(text)
        if not found or not 1 <= int(found[2]) <= 12:
            raise ValidationError("Enter the month as a year and month, like 2027-03")
        if not FIRST_YEAR <= int(found[1]) <= LAST_YEAR:
            raise ValidationError(f"Enter a month between {FIRST_YEAR} and {LAST_YEAR}")

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The ‘to’ date must be the same as or after the ‘from’ date")


class AttendeesField(SelectMultipleField):
    """Checkboxes of who to book; anything not offered is refused in words, not "Not a valid choice"."""

    def pre_validate(self, form):
        offered = {str(choice.value) for choice in self.choices or []}
        if self.data and any(str(value) not in offered for value in self.data):
            raise ValidationError("Choose from the people listed")


class BookForm(Form):
    attendees = AttendeesField(
        "Who are the places for?",
        choices=[],
        widget=GovCheckboxesInput(),
        description="Select all that apply.",
    )
    submit = SubmitField("Book places", widget=GovSubmitInput())

    def validate_attendees(self, field):
        if not field.data:
            raise ValidationError("Choose who the places are for")


class CancelBookingForm(Form):
    submit = SubmitField("Cancel this booking", widget=GovSubmitInput(), render_kw={"class": "govuk-button--warning"})


class ConfirmOfferForm(Form):
    submit = SubmitField("Confirm the place", widget=GovSubmitInput())
