"""Forms of the progress-report pages."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length
from wtforms.validators import ValidationError as FieldError

from virtualacademy.blueprints.forms_common import Form
from virtualacademy.services.progress_reports import COMMENT_MAX


class CommentForm(Form):
    comment = TextAreaField(
        "Mentor’s comment",
        widget=GovCharacterCount(),
        validators=[
            InputRequired(message="Write the comment"),
            Length(max=COMMENT_MAX, message=f"Write {COMMENT_MAX:,} characters or fewer"),
        ],
        description="The learner’s term in your words: what went well, progress towards their goals, what comes "
        "next. Written for the family to read and keep.",
    )
    submit = SubmitField("Save comment", widget=GovSubmitInput())


class PublishForm(Form):
    submit = SubmitField("Publish the reports", widget=GovSubmitInput())


#: The scope choice meaning every learner of the academy (the others are locality ids).
ACADEMY = "academy"


class BuildForm(Form):
    scope = SelectField(
        "Whose reports to build",
        widget=GovSelect(),
        validate_choice=False,
        validators=[InputRequired(message="Choose whose reports to build")],
        description="Every learner on roll in the term, or those of one locality.",
    )
    submit = SubmitField("Build the reports", widget=GovSubmitInput())

    def validate_scope(self, field):
        if field.data not in {value for value, *_ in field.choices}:
            raise FieldError("Choose the whole academy or one of its open localities")
