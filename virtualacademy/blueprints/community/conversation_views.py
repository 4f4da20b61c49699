"""Conversations about a learner: the person's threads (unread ones counted), a learner's threads, starting a
thread, reading and replying (the safeguarding lead reads, audited, and does not reply), and attachments.

The rules are the community's (``policies/community.py``): the family, the learner's current mentor and the
locality's coordinator talk; the safeguarding lead reads."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from virtualacademy import dashboards, navigation, uploads
from virtualacademy.blueprints.community import bp
from virtualacademy.blueprints.community.conversation_forms import ConversationForm, FindLearnerForm, ReplyForm
from virtualacademy.errors import DomainError
from virtualacademy.inputs import paginate
from virtualacademy.models import Conversation, Learner, MessageAttachment, Role
from virtualacademy.policies import can, get_or_404, requires_roles
from virtualacademy.services import evidence, safeguarding
from virtualacademy.services.community import access, conversations
from virtualacademy.services.community.common import when
from virtualacademy.unit_of_work import show_domain_error, unit_of_work

#: Who talks about learners (the rule then says about which).
TALKERS = (Role.GUARDIAN, Role.LEARNER, Role.MENTOR, Role.COORDINATOR)
#: And the safeguarding lead, who reads.
READERS = (*TALKERS, Role.SAFEGUARDING_LEAD)
PER_PAGE = 25


def _unread(user) -> int:
    """Unread messages for the header, counted once per request (one statement)."""
    if "community_unread" not in g:
        g.community_unread = conversations.unread_count(user)
    return g.community_unread


def _panel(user) -> dict:
    return {"threads": conversations.unread_threads(user), "when": when}


navigation.register(
    navigation.NavItem(
        "Messages",
        "community.conversations",
        roles=TALKERS,
        order=59,
        sections=(r"/community/conversations", r"/community/learners/\d+/conversations"),
        count=_unread,
    )
)
for _role in (Role.GUARDIAN, Role.MENTOR):
    dashboards.register(dashboards.Panel(_role, "Messages", "dashboard/community_messages.html", _panel, order=48))


def _uploads(field) -> list[conversations.Upload]:
    """The files chosen in a file input, read up to the size limit (the service checks each)."""
    files = [f for f in (field.data or []) if getattr(f, "filename", "")]
    limit = evidence.max_bytes() + 1
    return [conversations.Upload(f.filename, f.read(limit)) for f in files[: conversations.MAX_ATTACHMENTS + 1]]


def _upload_hint() -> str:
    size = f"{evidence.max_bytes() // (1024 * 1024)} MB"
    return f"Each can be {evidence.ACCEPTED_DESCRIPTION}, up to {size}."


# --- lists -----------------------------------------------------------------------------------------------------


@bp.route("/conversations", endpoint="conversations")
@requires_roles(*READERS)
def inbox():
    page = paginate(conversations.inbox(current_user), per_page=PER_PAGE)
    unread = conversations.unread_in(current_user, [c.id for c in page.items])
    search, found = None, None
    if access.may_read_any_thread(current_user):
        search = FindLearnerForm(request.args)
        if (search.q.data or "").strip() and search.validate():
            try:
                found = safeguarding.find_learners(current_user, search.q.data)
            except DomainError as error:
                show_domain_error(search, error)
    return render_template(
        "community/conversations/index.html",
        page=page,
        unread=unread,
        when=when,
        children=conversations.family_learners(current_user)
        if current_user.has_role(Role.GUARDIAN, Role.LEARNER)
        else [],
        form=search,
        found=found,
        limit=safeguarding.SEARCH_LIMIT,
    )


@bp.route("/learners/<int:learner>/conversations")
@requires_roles(*READERS)
def learner_conversations(learner: int):
    child = get_or_404(Learner, learner, "community_read")
    page = paginate(conversations.learner_threads(child), per_page=PER_PAGE)
    unread = conversations.unread_in(current_user, [c.id for c in page.items])
    return render_template(
        "community/conversations/learner.html",
        learner=child,
        page=page,
        unread=unread,
        when=when,
        may_start=can(current_user, "community_talk", child),
    )


@bp.route("/learners/<int:learner>/conversations/new", methods=["GET", "POST"])
@requires_roles(*TALKERS)
def new_conversation(learner: int):
    child = get_or_404(Learner, learner, "community_talk")
    form = ConversationForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            thread = conversations.start(
                current_user, child, form.subject.data, form.body.data, _uploads(form.attachments)
            )
        if work.ok:
            flash("Your message has been sent.", "success")
            return redirect(url_for("community.conversation", conversation=thread.id))
    return render_template("community/conversations/new.html", form=form, learner=child, upload_hint=_upload_hint())


# --- a thread --------------------------------------------------------------------------------------------------


def _thread_page(thread: Conversation, form: ReplyForm | None):
    messages = conversations.open_thread(current_user, thread)  # marks it read, or audits the lead's view
    roles = conversations.author_roles(thread.learner, messages)
    return render_template(
        "community/conversations/thread.html",
        thread=thread,
        learner=thread.learner,
        messages=messages,
        roles=roles,
        when=when,
        form=form,
        upload_hint=_upload_hint(),
    )


@bp.route("/conversations/<int:conversation>", methods=["GET", "POST"])
@requires_roles(*READERS)
def conversation(conversation: int):
    thread = get_or_404(Conversation, conversation, "view")
    may_post = can(current_user, "post", thread)
    if request.method == "POST" and not may_post:
        abort(403)  # the safeguarding lead reads; nobody else reaches the thread
    form = ReplyForm() if may_post else None
    if form is not None and form.validate_on_submit():
        with unit_of_work(form) as work:
            conversations.post(current_user, thread, form.body.data, _uploads(form.attachments))
        if work.ok:
            flash("Your reply has been sent.", "success")
            return redirect(url_for("community.conversation", conversation=thread.id, _anchor="latest"))
    with unit_of_work() as work:
        page = _thread_page(thread, form)
    if not work.ok:
        abort(404)
    return page


@bp.route("/attachments/<int:attachment>")
@requires_roles(*READERS)
def attachment(attachment: int):
    item = get_or_404(MessageAttachment, attachment, "download")
    with unit_of_work(quiet=True) as work:
        data, item = conversations.attachment_for(current_user, item)  # audits the lead's download
    if not work.ok:
        abort(404)
    return uploads.file_response(data, item.content_type, item.filename or "attachment")
