"""Forms for personal learning plans, goals, reviews and the subject-area list."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from virtualacademy.blueprints.fields import GovDateField
from virtualacademy.blueprints.forms_common import Form
from virtualacademy.inputs import to_int
from virtualacademy.models import Goal, SubjectArea
from virtualacademy.models.learning import GOAL_STATUS_LABELS
from virtualacademy.services.learning_plans import MAX_REVIEW_WEEKS, MAX_TEXT, MAX_TITLE, MIN_REVIEW_WEEKS

#: Slots for new goals agreed at a review.
NEW_GOAL_SLOTS = 2
STATUS_CHOICES = [SelectChoice(k.value, v) for k, v in GOAL_STATUS_LABELS.items()]
WEEKS_MESSAGE = f"Enter a number of weeks from {MIN_REVIEW_WEEKS} to {MAX_REVIEW_WEEKS}"


def _text_area(label: str, description: str = "") -> TextAreaField:
    return TextAreaField(
        label,
        widget=GovTextArea(),
        validators=[Optional(), Length(max=MAX_TEXT, message=f"{label} must be {MAX_TEXT} characters or fewer")],
        description=description,
    )


def _version_number(value):
    """The plan version a form was filled in from (0: an empty plan); None if it is not one."""
    return to_int(value, least=0)


class PlanForm(Form):
    """The plan's shared text; ``staff_notes`` is removed for anyone who may not write it."""

    interests = _text_area("Interests and passions", "What they love doing, or want to find out about.")
    aspirations = _text_area("Aspirations", "What they hope to do or become, soon or one day.")
    strengths = _text_area("Strengths", "What they are good at, and how they learn best.")
    support_needs = _text_area(
        "Support needs and adjustments", "What helps, what gets in the way, and any adjustments that are agreed."
    )
    staff_notes = _text_area("Staff notes (staff only: never shown to the family)")
    #: The version the form was filled in from (to spot someone else's change in the meantime).
    based_on = HiddenField(filters=[_version_number])
    submit = SubmitField("Save the plan", widget=GovSubmitInput())


def subject_field(label: str = "Subject areas") -> SelectMultipleField:
    return SelectMultipleField(
        label,
        coerce=int,
        widget=GovCheckboxesInput(),
        validators=[InputRequired(message="Choose at least one subject area")],
        description="Choose all that apply.",
    )


class GoalForm(Form):
    title = StringField(
        "Goal",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the goal"),
            Length(max=MAX_TITLE, message=f"The goal must be {MAX_TITLE} characters or fewer"),
        ],
        description="For example, ‘Build a model of the solar system’.",
    )
    success = _text_area("What success looks like (optional)", "How will you all know the goal has been reached?")
    subjects = subject_field()
    target_date = GovDateField("Target date (optional)", validators=[Optional()], description="For example, 27 3 2027")
    status = RadioField(
        "Where is this goal now?",
        choices=STATUS_CHOICES,
        default="not_started",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose where the goal is now")],
    )
    based_on = HiddenField(filters=[_version_number])
    submit = SubmitField("Save goal", widget=GovSubmitInput())


def set_subject_choices(field: SelectMultipleField, areas: list[SubjectArea]) -> None:
    field.choices = [SelectChoice(a.id, a.name if a.active else f"{a.name} (no longer offered)") for a in areas]


class SharePlanForm(Form):
    message = TextAreaField(
        "A message for the family (optional)",
        validators=[Optional(), Length(max=1000, message="Your message must be 1000 characters or fewer")],
        description="For example, what you would like them to look at. It is sent with the link to the plan.",
        widget=GovTextArea(),
    )
    share = SubmitField("Share with the family for comment", widget=GovSubmitInput())


class ArchiveGoalForm(Form):
    archive = SubmitField("Archive this goal", widget=GovSubmitInput())


class ScheduleForm(Form):
    review_every_weeks = IntegerField(
        "Review every … weeks",
        widget=GovTextInput(),
        validators=[
            InputRequired(message=WEEKS_MESSAGE),
            NumberRange(min=MIN_REVIEW_WEEKS, max=MAX_REVIEW_WEEKS, message=WEEKS_MESSAGE),
        ],
    )
    next_review_on = GovDateField(
        "Next review (optional)",
        validators=[Optional()],
        description="Leave blank for one interval after the last review. For example, 27 3 2027",
    )
    submit = SubmitField("Save review dates", widget=GovSubmitInput())


class _ReviewFormBase(Form):
    held_on = GovDateField(
        "Date of the review",
        validators=[InputRequired(message="Enter the date of the review")],
        description="For example, 27 3 2027",
    )
    summary = _text_area("Summary (optional)", "What you talked about together. The family can read this.")
    review_every_weeks = IntegerField(
        "Review every … weeks",
        widget=GovTextInput(),
        validators=[
            InputRequired(message=WEEKS_MESSAGE),
            NumberRange(min=MIN_REVIEW_WEEKS, max=MAX_REVIEW_WEEKS, message=WEEKS_MESSAGE),
        ],
    )
    next_review_on = GovDateField(
        "Next review (optional)",
        validators=[Optional()],
        description="Leave blank for one interval after this review. For example, 8 5 2027",
    )
    submit = SubmitField("Save review", widget=GovSubmitInput())


def review_form(goals: list[Goal], areas: list[SubjectArea], **kwargs) -> Form:
    """A review form with progress, next steps and status for each of ``goals`` and slots for new goals."""
    attrs = {}
    for goal in goals:
        attrs[f"progress_{goal.id}"] = _text_area("Progress")
        attrs[f"next_steps_{goal.id}"] = _text_area("Next steps")
        attrs[f"status_{goal.id}"] = RadioField(
            "Where is this goal now?",
            choices=STATUS_CHOICES,
            widget=GovRadioInput(),
            validators=[InputRequired(message=f"Choose where the goal ‘{goal.title}’ is now")],
        )
    for n in range(1, NEW_GOAL_SLOTS + 1):
        attrs[f"new_{n}_title"] = StringField(
            f"New goal {n}",
            widget=GovTextInput(),
            validators=[Optional(), Length(max=MAX_TITLE, message=f"The goal must be {MAX_TITLE} characters or fewer")],
        )
        attrs[f"new_{n}_success"] = _text_area("What success looks like (optional)")
        attrs[f"new_{n}_subjects"] = SelectMultipleField(
            "Subject areas", coerce=int, widget=GovCheckboxesInput(), validators=[Optional()]
        )
        attrs[f"new_{n}_target_date"] = GovDateField("Target date (optional)", validators=[Optional()])
    form_class = type("ReviewForm", (_ReviewFormBase,), attrs)
    form = form_class(**kwargs)
    for n in range(1, NEW_GOAL_SLOTS + 1):
        set_subject_choices(form[f"new_{n}_subjects"], areas)
    return form


class SubjectAreaForm(Form):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the subject area's name"), Length(max=80)],
    )
    position = IntegerField(
        "Position in the list (optional)",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(min=0, max=999, message="Enter a number from 0 to 999")],
        description="Lower numbers come first. Leave blank to add at the end.",
    )
    active = BooleanField("Offered for new goals and log entries", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save subject area", widget=GovSubmitInput())
