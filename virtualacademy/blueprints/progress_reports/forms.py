"""Forms of the progress-report pages."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput
from wtforms import SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

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
