"""Access-matrix rows for the conversation pages (see ``tests/access_community/__init__.py``).

As ``services/community/access.py`` says: a learner's family, their CURRENT mentor (not one who handed over, even
within the 30 days the learner's record stays readable) and their locality's coordinator read and post; the
safeguarding lead reads any thread and its files (each view audited) but neither posts nor starts one; admins
and exams officers take no part. Everyone else who may use the pages gets 404 for someone else's thread."""

from __future__ import annotations

#: A small valid PDF for the attachments the rows download.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

#: Path names in ``learner_routes()`` that are one child's (or one locality's) things.
CHILD_OBJECTS: set[str] = {"conversation", "conversation_attachment"}


def _roles():
    from virtualacademy.models import Role

    talkers = frozenset({Role.GUARDIAN, Role.LEARNER, Role.MENTOR, Role.COORDINATOR})
    return talkers, talkers | {Role.SAFEGUARDING_LEAD}


def routes() -> list:
    from tests.access import ANONYMOUS, ROLES, SIGN_IN_REDIRECT, Route, roles, scoped_roles
    from virtualacademy.models import Role

    talkers, readers = _roles()
    lead = {Role.SAFEGUARDING_LEAD}
    thread = "/community/conversations/{conversation}"
    new = "/community/learners/{learner}/conversations/new"
    talker_names = {r.value for r in talkers}
    return [
        roles("community.conversations", "/community/conversations", set(readers)),
        scoped_roles("community.learner_conversations", "/community/learners/{learner}/conversations", readers, lead),
        scoped_roles("community.new_conversation", new, talkers, set()),
        scoped_roles("community.new_conversation", new, talkers, set(), method="POST"),
        scoped_roles("community.conversation", thread, readers, lead),
        # the lead reaches the thread but may not post in it (403); those who talk, about other children (404)
        Route(
            "community.conversation",
            "POST",
            thread,
            {ANONYMOUS: SIGN_IN_REDIRECT, **{r: 404 if r in talker_names else 403 for r in ROLES}},
        ),
        scoped_roles("community.attachment", "/community/attachments/{conversation_attachment}", readers, lead),
    ]


_folder: list[str] = []


def _use_test_folder() -> None:
    """Attachments go to a temporary folder for the test run (never the instance folder), unless a test has
    pointed them somewhere already."""
    import atexit
    import shutil
    import tempfile

    from flask import current_app

    if not current_app.config.get("COMMUNITY_ATTACHMENT_FOLDER"):
        if not _folder:
            _folder.append(tempfile.mkdtemp(prefix="va-messages-"))
            atexit.register(shutil.rmtree, _folder[0], ignore_errors=True)
        current_app.config["COMMUNITY_ATTACHMENT_FOLDER"] = _folder[0]


def _thread(learner, author) -> dict[str, int]:
    from virtualacademy.services.community import conversations

    _use_test_folder()

    thread = conversations.start(
        author, learner, "The summer term", "Can we talk?", [conversations.Upload("plan.pdf", PDF)]
    )
    return {"conversation": thread.id, "conversation_attachment": thread.messages[0].attachments[0].id}


def objects(learner, other_user) -> dict[str, int]:
    """A thread about ``learner`` started by their parent, with a PDF."""
    return _thread(learner, next(g.user for g in learner.family.guardians if g.user is not None))


def learner_routes() -> list:
    from tests.access_relations import COORDINATOR, FAMILY, LEAD, MENTOR, r, rule

    talkers, readers = _roles()
    talk = rule("conversations: talk", *FAMILY, MENTOR, COORDINATOR)
    read = rule("conversations: read", *FAMILY, MENTOR, COORDINATOR, LEAD)
    c = "/community/learners/{learner}/conversations"
    thread = "/community/conversations/{conversation}"
    # fmt: off
    return [
        r("community.learner_conversations", "GET", c, read, readers),
        r("community.new_conversation", "GET", c + "/new", talk, talkers),
        r("community.new_conversation", "POST", c + "/new", talk, talkers),
        r("community.conversation", "GET", thread, read, readers),
        r("community.conversation", "POST", thread, talk, readers, reached_by=read),
        r("community.attachment", "GET", "/community/attachments/{conversation_attachment}", read, readers),
    ]
    # fmt: on


def academy_objects(users: dict, learners: dict, localities: dict) -> dict[str, dict[str, int]]:
    """For each child, a thread started by the first parent of their family, with a PDF."""
    from tests.access_relations import CHILDREN, FAMILIES

    return {
        key: _thread(learner, users[FAMILIES[CHILDREN[key].family].guardians[0]]) for key, learner in learners.items()
    }
