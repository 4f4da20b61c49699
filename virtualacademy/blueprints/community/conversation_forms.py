"""Forms for conversations about a learner: a new thread, a reply, and the safeguarding lead's search."""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovFileInput, GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from virtualacademy.blueprints.forms_common import Form
from virtualacademy.services.community.conversations import BODY_MAX, MAX_ATTACHMENTS


def _attachments() -> MultipleFileField:
    return MultipleFileField(f"Attach files (optional, up to {MAX_ATTACHMENTS})", widget=GovFileInput(multiple=True))


def _body() -> TextAreaField:
    return TextAreaField(
        "Message",
        widget=GovCharacterCount(),
        validators=[
            InputRequired(message="Write your message"),
            Length(max=BODY_MAX, message=f"The message must be {BODY_MAX:,} characters or fewer"),
        ],
    )


class ConversationForm(Form):
    subject = StringField(
        "What is it about?",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter what the conversation is about"),
            Length(max=200, message="The subject must be 200 characters or fewer"),
        ],
        description="For example, \u201cPlans for the summer term\u201d.",
    )
    body = _body()
    attachments = _attachments()
    submit = SubmitField("Send", widget=GovSubmitInput())


class ReplyForm(Form):
    body = _body()
    attachments = _attachments()
    submit = SubmitField("Send reply", widget=GovSubmitInput())


class FindLearnerForm(Form):
    """The safeguarding lead finds a learner whose conversations to read (a GET form: no CSRF token)."""

    class Meta(Form.Meta):
        csrf = False

    q = StringField(
        "Learner\u2019s name or family reference",
        widget=GovTextInput(),
        validators=[Length(max=100, message="Enter 100 characters or fewer")],
    )
