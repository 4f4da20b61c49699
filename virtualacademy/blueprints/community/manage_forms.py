"""Forms of the coordinator's event pages: the event (with an optional weekly repeat), cancelling it, and the
register. Times are typed as London dates and times (a date box and a time box each); the view turns them into
UTC. Rules across fields (end after start, booking closing before the start...) are the service's."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
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
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, StopValidation

from virtualacademy import clock
from virtualacademy.blueprints.fields import GovDateField, text_field
from virtualacademy.blueprints.forms_common import Form
from virtualacademy.blueprints.funding.years_forms import Pounds
from virtualacademy.blueprints.safeguarding.forms import GovTimeField
from virtualacademy.models.community import EVENT_TYPE_LABELS, PLACE_PAID_FROM_LABELS, PlacePaidFrom
from virtualacademy.services.community.events import MAX_CAPACITY, MAX_COST_PENCE, MAX_OCCURRENCES

#: The Markdown the description may use (the service renders exactly this subset, docs/community.md).
MARKDOWN_HELP = (
    "You can use Markdown: a blank line between paragraphs, # for a heading, - or 1. for a list, **bold**, "
    "*emphasis*, `code` and [link text](https://example.org). Anything else (HTML, images) is removed."
)
REPEAT_ONCE, REPEAT_WEEKS, REPEAT_UNTIL = "once", "weeks", "until"


class ChoiceSelect(SelectField):
    """A select whose value must be one of its choices, with a plain-English error."""

    def __init__(self, *args, invalid: str = "Choose from the list", **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid = invalid

    def pre_validate(self, form):
        if self.data not in {str(c[0]) for c in self.iter_choices()}:
            raise StopValidation(self.invalid)


class ChoiceCheckboxes(SelectMultipleField):
    def pre_validate(self, form):
        wanted = {str(c[0]) for c in self.iter_choices()}
        if any(value not in wanted for value in self.data or []):
            raise StopValidation("Select subject areas from the list")


def _date(label: str, required: str | None = None, description: str | None = None):
    return GovDateField(
        label,
        validators=[InputRequired(message=required)] if required else [Optional()],
        description=description or "For example, 27 3 2027",
    )


def _time(label: str, required: str | None = None):
    return GovTimeField(
        label,
        validators=[InputRequired(message=required)] if required else [Optional()],
        description="London time, for example 10:00 or 2:30pm",
    )


def london_moment(day: date | None, at: time | None) -> datetime | None:
    """A London date and time as an aware UTC moment (None when the date is blank)."""
    if day is None or at is None:
        return None
    return datetime.combine(day, at, tzinfo=clock.LONDON).astimezone(UTC)


class EventForm(Form):
    locality_id = ChoiceSelect("Locality", coerce=str, widget=GovSelect(), invalid="Choose a locality from the list")
    title = text_field("Title", missing="Enter the event's title", limit=200)
    event_type = RadioField(
        "Type of event",
        choices=[SelectChoice(t.value, label) for t, label in EVENT_TYPE_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose the type of event")],
    )
    description = text_field("Description", limit=10_000, area=True, description=MARKDOWN_HELP)
    starts_on = _date("Start date", "Enter the date the event starts")
    starts_time = _time("Start time", "Enter the time the event starts")
    ends_on = _date("End date", "Enter the date the event ends", "The same as the start date unless it runs over days")
    ends_time = _time("End time", "Enter the time the event ends")
    venue = text_field("Venue", limit=200, description="Where it is, like Bentley Library. Not for an online session")
    address = text_field("Address", limit=1000, area=True)
    online_link = text_field(
        "Online link", limit=500, description="For an online session: the link families join with, https://..."
    )
    capacity = IntegerField(
        "Places",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the number of places"),
            NumberRange(min=1, max=MAX_CAPACITY, message=f"Enter the number of places, from 1 to {MAX_CAPACITY:,}"),
        ],
    )
    booking_opens_on = _date("Booking opens: date (optional)", description="Leave blank to open booking at once")
    booking_opens_time = _time("Booking opens: time (optional)")
    booking_closes_on = _date("Booking closes: date (optional)", description="Leave blank to close at the start")
    booking_closes_time = _time("Booking closes: time (optional)")
    cancel_closes_on = _date(
        "Families can cancel until: date (optional)", description="Leave blank for when booking closes"
    )
    cancel_closes_time = _time("Families can cancel until: time (optional)")
    cost = StringField(
        "Cost of a place (optional)",
        widget=GovTextInput(),
        validators=[Pounds("cost of a place", optional=True, most_pence=MAX_COST_PENCE)],
        description="In pounds, like 4.50. Leave blank if it is free",
    )
    paid_from = RadioField(
        "Who pays for a place",
        choices=[SelectChoice(p.value, label) for p, label in PLACE_PAID_FROM_LABELS.items()],
        widget=GovRadioInput(),
        default=PlacePaidFrom.LOCALITY.value,
        validators=[InputRequired("Choose who pays for a place")],
    )
    suitable_for = text_field(
        "Suitable for (optional)",
        limit=1000,
        area=True,
        description="In words, like 'confident readers' or 'anyone who likes being outdoors'. Never an age limit",
    )
    accessibility = text_field("Accessibility (optional)", limit=2000, area=True)
    guardians_attend = BooleanField(
        "Parents and carers attend too (and book their own places)", widget=GovCheckboxInput()
    )
    subjects = ChoiceCheckboxes(
        "Subject areas",
        coerce=str,
        widget=GovCheckboxesInput(),
        validators=[InputRequired("Select at least one subject area (attendance is logged under them)")],
        description="Attendance is logged in each learner's learning log under these",
    )
    repeat = RadioField(
        "Does it repeat?",
        choices=[
            SelectChoice(REPEAT_ONCE, "No, it happens once"),
            SelectChoice(REPEAT_WEEKS, "Weekly, for a number of weeks"),
            SelectChoice(REPEAT_UNTIL, "Weekly, until a date"),
        ],
        widget=GovRadioInput(),
        default=REPEAT_ONCE,
        validators=[Optional()],
    )
    repeat_weeks = IntegerField(
        "How many weeks (for weekly)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            NumberRange(min=2, max=MAX_OCCURRENCES, message=f"Enter a number of weeks from 2 to {MAX_OCCURRENCES}"),
        ],
    )
    repeat_until = _date("Until (for weekly until a date)", description="The last date it may happen")
    submit = SubmitField("Save as a draft", widget=GovSubmitInput())

    def _pair(self, day_field, time_field) -> None:
        if day_field.data is not None and time_field.data is None and not time_field.errors:
            time_field.errors = [*time_field.errors, f"Enter the time for {day_field.label.text.split(':')[0].lower()}"]
        if time_field.data is not None and day_field.data is None and not day_field.errors:
            day_field.errors = [*day_field.errors, f"Enter the date for {day_field.label.text.split(':')[0].lower()}"]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for day, at in (
            (self.booking_opens_on, self.booking_opens_time),
            (self.booking_closes_on, self.booking_closes_time),
            (self.cancel_closes_on, self.cancel_closes_time),
        ):
            self._pair(day, at)
        if "repeat" in self._fields:
            if self.repeat.data == REPEAT_WEEKS and self.repeat_weeks.data is None and not self.repeat_weeks.errors:
                self.repeat_weeks.errors = [*self.repeat_weeks.errors, "Enter how many weeks it runs"]
            if self.repeat.data == REPEAT_UNTIL and self.repeat_until.data is None and not self.repeat_until.errors:
                self.repeat_until.errors = [*self.repeat_until.errors, "Enter the last date it may happen"]
        return ok and not any(f.errors for f in self)

    def moment(self, name: str) -> datetime | None:
        return london_moment(getattr(self, f"{name}_on").data, getattr(self, f"{name}_time").data)

    def repeat_rule(self) -> str | None:
        """The RFC 5545 rule for a weekly repeat, or None for a one-off event."""
        if "repeat" not in self._fields or self.repeat.data in (None, "", REPEAT_ONCE):
            return None
        if self.repeat.data == REPEAT_WEEKS:
            return f"FREQ=WEEKLY;COUNT={self.repeat_weeks.data}"
        return f"FREQ=WEEKLY;UNTIL={self.repeat_until.data:%Y%m%d}T235959"


class CancelEventForm(Form):
    reason = text_field(
        "Why is it cancelled?",
        missing="Say why the event is cancelled (families are told)",
        limit=1000,
        area=True,
        description="Every family with a place or on the waiting list is told this, by email and in the app",
    )
    submit = SubmitField("Cancel the event", widget=GovSubmitInput(), render_kw={"class": "govuk-button--warning"})


class ActionForm(Form):
    """A button that posts: only the CSRF token."""


class ManageFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter

    status = ChoiceSelect("State", coerce=str, widget=GovSelect(), validators=[Optional()])
    locality = ChoiceSelect("Locality", coerce=str, widget=GovSelect(), validators=[Optional()])
    when = ChoiceSelect(
        "When",
        coerce=str,
        widget=GovSelect(),
        choices=[SelectChoice("upcoming", "Not yet ended"), SelectChoice("past", "Ended")],
        validators=[Optional()],
    )
    submit = SubmitField("Show events", widget=GovSubmitInput(), render_kw={"class": "govuk-button--secondary"})
