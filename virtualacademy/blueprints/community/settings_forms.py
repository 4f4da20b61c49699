"""Forms of the calendar, announcement and community-settings pages. The rules (who may post where, which
localities may be followed) are the services'; these forms only read what was sent, with plain-English errors."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSelect, GovSubmitInput
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import InputRequired, Optional, ValidationError

from virtualacademy.blueprints.fields import text_field
from virtualacademy.blueprints.forms_common import Form

#: The value of the "every family" choice of an admin's announcement.
EVERY_FAMILY = "all"
YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class _Choice(SelectField):
    """A select whose value must be one of its choices, with the field's own message (never the value sent)."""

    def __init__(self, *args, invalid: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid = invalid

    def pre_validate(self, form):
        if self.data not in {str(choice.value) for choice in self.choices or ()}:
            raise ValidationError(self.invalid)


class _Choices(SelectMultipleField):
    """Checkboxes whose values must each be one of the choices, with the field's own message."""

    def __init__(self, *args, invalid: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid = invalid

    def pre_validate(self, form):
        offered = {str(choice.value) for choice in self.choices or ()}
        if any(value not in offered for value in self.data or ()):
            raise ValidationError(self.invalid)


class ResetFeedForm(Form):
    """Make a new private calendar link for one of the person's families."""

    family = HiddenField()
    submit = SubmitField("Make a new private link", widget=GovSubmitInput())


class AnnouncementForm(Form):
    locality = _Choice(
        "Who is it for?",
        widget=GovSelect(),
        validators=[InputRequired("Choose who the announcement is for")],
        invalid="Choose who the announcement is for from the list",
    )
    title = text_field("Title", missing="Enter the announcement's title", limit=200)
    body = text_field(
        "Announcement",
        missing="Write the announcement",
        limit=10_000,
        area=True,
        description="You can use Markdown: a blank line starts a new paragraph, **bold**, *emphasis*, "
        "lists starting with - and links written [like this](https://example.org).",
    )
    submit = SubmitField("Post the announcement", widget=GovSubmitInput())


class SettingsForm(Form):
    announcement_emails = RadioField(
        "Do you want announcements by email as well?",
        choices=YES_NO,
        widget=GovRadioInput(),
        validators=[InputRequired("Say whether you want announcements by email")],
        description="Announcements are always shown in the app.",
    )
    weekly_digest = RadioField(
        "Do you want the weekly digest email?",
        choices=YES_NO,
        widget=GovRadioInput(),
        validators=[InputRequired("Say whether you want the weekly digest")],
        description="Sent on Sunday evenings: new events near you and your family's bookings in the next two weeks.",
    )
    following = _Choices(
        "Neighbouring localities your family follows",
        widget=GovCheckboxesInput(),
        validators=[Optional()],
        invalid="Choose localities from the list",
        description="You will see their events (and can book them), and their new events will be in your digest. "
        "Select all that apply.",
    )
    submit = SubmitField("Save your choices", widget=GovSubmitInput())
