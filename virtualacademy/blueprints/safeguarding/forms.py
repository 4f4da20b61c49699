from __future__ import annotations

import re
from datetime import time

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectChoice, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from virtualacademy.blueprints.fields import GovDateField
from virtualacademy.blueprints.forms_common import Form
from virtualacademy.models.mentoring import CONCERN_ENTRY_LABELS, ConcernEntryKind
from virtualacademy.services.safeguarding import MAX_TEXT

_TIME_RE = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$", re.IGNORECASE)
_TIME_WORDS = {"midday": time(12, 0), "noon": time(12, 0), "12 noon": time(12, 0), "midnight": time(0, 0)}


def parse_time(text: str) -> time:
    """A time of day as people type it: ``14:30``, ``2:30pm``, ``2.30 pm``, ``9am``, ``midday``.

    A bare hour without am or pm (``9``) is refused as ambiguous. Raises ``ValueError``.
    """
    value = " ".join((text or "").strip().lower().split())
    if value in _TIME_WORDS:
        return _TIME_WORDS[value]
    match = _TIME_RE.match(value)
    if not match:
        raise ValueError(text)
    hour, minute, meridiem = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if minute > 59:
        raise ValueError(text)
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
    elif match.group(2) is None or hour > 23:
        raise ValueError(text)
    return time(hour, minute)


_MAX_LENGTH = Length(max=MAX_TEXT, message=f"Write {MAX_TEXT:,} characters or fewer")


class GovTimeField(StringField):
    """A time of day in one text input (GOV.UK has no time pattern; a short text input with an example is
    what services use). What was typed is shown again when it is not a time, so nothing is lost."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        try:
            self.data = parse_time(valuelist[0])
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real time, like 14:30 or 2:30pm") from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if isinstance(self.data, time) else ""


class LearnerSearchForm(Form):
    class Meta:
        csrf = False  # a GET search

    q = StringField(
        "Learner's name or family reference",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the learner's name or family reference"), Length(max=200)],
        description="For example, Sam Smith, or part of the name.",
    )


class ConcernForm(Form):
    observed_on = GovDateField(
        "Date it was seen or heard",
        validators=[InputRequired(message="Enter the date it was seen or heard")],
        description="For example, 27 3 2026",
    )
    observed_time = GovTimeField(
        "Time it was seen or heard",
        validators=[InputRequired(message="Enter the time it was seen or heard")],
        description="For example, 14:30 or 2:30pm. Give your best estimate if you are not sure.",
    )
    what_happened = TextAreaField(
        "What was seen or heard",
        widget=GovTextArea(),
        validators=[InputRequired(message="Enter what was seen or heard"), _MAX_LENGTH],
        description="Write what you saw or heard, using the child's own words where you can. "
        "Stick to the facts; say who else was there.",
    )
    immediate_action = TextAreaField(
        "Immediate action taken (optional)",
        widget=GovTextArea(),
        validators=[Optional(), _MAX_LENGTH],
        description="For example, who you told, or what you did to keep the child safe.",
    )
    submit = SubmitField("Send to the safeguarding leads", widget=GovSubmitInput())


class EntryForm(Form):
    kind = RadioField(
        "What was done or decided",
        choices=[
            SelectChoice(k.value, CONCERN_ENTRY_LABELS[k])
            for k in (
                ConcernEntryKind.MONITOR,
                ConcernEntryKind.EARLY_HELP,
                ConcernEntryKind.REFERRAL,
                ConcernEntryKind.NOTE,
                ConcernEntryKind.CLOSED,
            )
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose what was done or decided")],
        description="Choose Closed to close the concern, and give the outcome in the details.",
    )
    text = TextAreaField(
        "Details",
        widget=GovTextArea(),
        validators=[InputRequired(message="Enter what was done or decided"), _MAX_LENGTH],
        description="Who did what, and why.",
    )
    add = SubmitField("Add to the chronology", widget=GovSubmitInput())


class ReopenForm(Form):
    reason = TextAreaField(
        "Why it is being reopened",
        widget=GovTextArea(),
        validators=[InputRequired(message="Enter why the concern is being reopened"), _MAX_LENGTH],
    )
    reopen = SubmitField("Reopen concern", widget=GovSubmitInput())
