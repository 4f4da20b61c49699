"""Forms for the learning log, portfolio evidence, exhibitions and the record of achievement."""

from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from virtualacademy.blueprints.fields import GovDateField
from virtualacademy.blueprints.forms_common import Form
from virtualacademy.models.learning import ACTIVITY_TYPE_LABELS
from virtualacademy.services.exhibitions import SCORE_LABELS
from virtualacademy.services.learning_log import DESCRIPTION_MAX


def hours_field() -> IntegerField:
    """How long something took, in the hours and minutes boxes every learning form shares (the service checks the
    total); called in a form's body, so each form keeps its own field order."""
    return IntegerField(
        "Hours",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(min=0, max=24, message="Hours must be a whole number from 0 to 24")],
    )


def minutes_field() -> IntegerField:
    return IntegerField(
        "Minutes",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(min=0, max=59, message="Minutes must be a whole number from 0 to 59")],
    )


def subjects_field() -> SelectMultipleField:
    """The subject areas a piece of learning counts under (checkboxes; choices are set by the view)."""
    return SelectMultipleField(
        "Subject areas",
        coerce=int,
        widget=GovCheckboxesInput(),
        validators=[InputRequired(message="Select at least one subject area")],
        description="Select all that apply.",
    )


class LogEntryForm(Form):
    on_date = GovDateField(
        "Date",
        validators=[InputRequired(message="Enter the date of the learning")],
        description="For example, 27 3 2026",
    )
    hours = hours_field()
    minutes = minutes_field()
    activity = RadioField(
        "What kind of activity was it?",
        choices=[SelectChoice(k.value, v) for k, v in ACTIVITY_TYPE_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the type of activity")],
    )
    subjects = subjects_field()
    description = TextAreaField(
        "What was the learning?",
        widget=GovCharacterCount(),
        validators=[
            InputRequired(message="Describe the learning in a sentence or two"),
            Length(max=DESCRIPTION_MAX, message=f"The description must be {DESCRIPTION_MAX} characters or fewer"),
        ],
        description="A sentence or two: what was done, and what was learned.",
    )
    goal_id = SelectField("Which goal did it help with? (optional)", widget=GovSelect(), validators=[Optional()])
    submit = SubmitField("Save", widget=GovSubmitInput())


class ConfirmForm(Form):
    """A consequential POST with nothing to fill in (delete, ...)."""

    submit = SubmitField("Yes, delete it", widget=GovSubmitInput())


class EvidenceForm(Form):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter a title for the evidence"), Length(max=200)],
        description="For example, \u201cBird survey poster\u201d.",
    )
    file = FileField("A file", widget=GovFileInput())
    url = StringField(
        "Or a link to a web page instead",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=2000)],
        description="For example, a blog post or a video online. Starting https://",
    )
    goal_id = SelectField("Which goal is it evidence for? (optional)", widget=GovSelect(), validators=[Optional()])
    log_entry_id = HiddenField()
    is_draft = RadioField(
        "Is it finished?",
        choices=[SelectChoice("no", "Yes, it is finished"), SelectChoice("yes", "No, it is a draft for comments")],
        default="no",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether it is finished")],
    )
    submit = SubmitField("Add to portfolio", widget=GovSubmitInput())


class EvidenceEditForm(Form):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter a title for the evidence"), Length(max=200)],
    )
    is_draft = RadioField(
        "Is it finished?",
        choices=[SelectChoice("no", "Yes, it is finished"), SelectChoice("yes", "No, it is a draft for comments")],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether it is finished")],
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class CommentForm(Form):
    body = TextAreaField(
        "Add a comment",
        widget=GovTextArea(),
        validators=[InputRequired(message="Enter a comment"), Length(max=4000)],
        description="What works well, and what could make it better.",
    )
    add_comment = SubmitField("Add comment", widget=GovSubmitInput())


class ShowcaseForm(Form):
    show = HiddenField(validators=[InputRequired()])


def _scores() -> list[SelectChoice]:
    return [SelectChoice(str(n), label) for n, label in SCORE_LABELS.items()]


class ExhibitionForm(Form):
    held_on = GovDateField(
        "Date",
        validators=[InputRequired(message="Enter the date of the exhibition")],
        description="For example, 14 5 2027",
    )
    mode = RadioField(
        "In person or online?",
        choices=[SelectChoice("in_person", "In person"), SelectChoice("online", "Online")],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether the exhibition is in person or online")],
    )
    where = StringField(
        "Where",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=2000)],
        description="The place, or for an online exhibition the link to join (starting https://).",
    )
    description = TextAreaField(
        "What will be shown (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=4000)]
    )
    audience = TextAreaField(
        "Who is invited",
        widget=GovTextArea(),
        validators=[InputRequired(message="Enter who is invited"), Length(max=2000)],
        description="Family, the mentor, community experts: names or roles.",
    )
    items = SelectMultipleField(
        "Portfolio items to show (optional)", coerce=int, widget=GovCheckboxesInput(), validators=[Optional()]
    )
    submit = SubmitField("Save exhibition", widget=GovSubmitInput())


class FeedbackForm(Form):
    reviewer_name = StringField(
        "Name of the person giving feedback",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the name of the person giving feedback"), Length(max=200)],
    )
    reviewer_role = StringField(
        "Who they are (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=100)],
        description="For example, grandparent, mentor, local archaeologist.",
    )
    content = RadioField(
        "Content",
        choices=_scores(),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select a score for content")],
    )
    explanation = RadioField(
        "How it was explained",
        choices=_scores(),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select a score for how it was explained")],
    )
    reflection = RadioField(
        "Reflection on the journey",
        choices=_scores(),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select a score for reflection on the journey")],
    )
    comments = TextAreaField("Comments (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=4000)])
    submit = SubmitField("Save feedback", widget=GovSubmitInput())


class PeriodForm(Form):
    class Meta:
        csrf = False  # a GET form

    start = GovDateField("From", validators=[Optional()], description="For example, 1 9 2026")
    end = GovDateField("To", validators=[Optional()], description="For example, 20 7 2027")
    show = SubmitField("Show this period", widget=GovSubmitInput())


class NarrativeForm(Form):
    start = GovDateField("From", validators=[InputRequired(message="Enter the first day of the period")])
    end = GovDateField("To", validators=[InputRequired(message="Enter the last day of the period")])
    text = TextAreaField(
        "Summary",
        widget=GovCharacterCount(),
        validators=[InputRequired(message="Write the summary"), Length(max=8000)],
        description="The learner's journey over the period: strengths, progress, what they are proud of, next steps. "
        "Written for the family and for a college to read.",
    )
    submit = SubmitField("Save summary", widget=GovSubmitInput())
