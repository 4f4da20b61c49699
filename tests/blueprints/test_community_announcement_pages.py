"""The announcement pages and community email choices: a coordinator posts to the localities they coordinate (an
admin also to every family), the page says how many were told and emailed, only those who opted in are emailed
(through a real SMTP server); families read what is for them, newest first; each person chooses announcement
emails and the weekly digest, and a parent or carer the neighbouring localities their family follows. Bad input
comes back on the form, never a 500."""

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from tests import community_world as cw
from tests.conftest import banners, post_form, sign_in
from tests.factories import UserFactory
from virtualacademy import clock, mail
from virtualacademy.extensions import db
from virtualacademy.models import Announcement, CommunityPreference, FollowedLocality, Notification, Role
from virtualacademy.services.community import announcements

NEW = "/community/announcements/new"


@pytest.fixture
def world(db_session):
    made = cw.build(families=3)
    db.session.commit()
    return made


def _signed_in(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _title(page: str) -> str:
    return re.search(r"<title[^>]*>(.*?)</title>", page, re.S).group(1).strip()


def test_a_coordinator_posts_and_only_opted_in_guardians_are_emailed(app, world, smtp_server):
    keen, quiet = world.family(0).guardian, world.family(1).guardian
    outsider = cw.make_family(world.other_locality)
    announcements.set_preferences(keen, announcement_emails=True, weekly_digest=True)
    announcements.set_preferences(outsider.guardian, announcement_emails=True, weekly_digest=True)
    db.session.commit()
    coordinator = _signed_in(app, world.coordinator)

    form = _text(coordinator.get(NEW))
    assert f"{world.locality.name} families" in form
    assert world.other_locality.name not in form and "Every family" not in form
    response = post_form(
        coordinator,
        NEW,
        {"locality": world.locality.id, "title": "Allotment open day", "body": "Come **along** on Saturday."},
    )
    assert response.status_code == 302
    made = db.session.scalar(select(Announcement).where(Announcement.title == "Allotment open day"))
    assert made.locality_id == world.locality.id and made.author_id == world.coordinator.id
    assert response.headers["Location"].endswith(f"/community/announcements/{made.id}")
    page = coordinator.get(response.headers["Location"])
    [banner] = banners(page.get_data(as_text=True))
    assert banner == (
        f"Announcement [Allotment open day](/community/announcements/{made.id}) posted: 3 families told in the app "
        "(3 parents and carers); 1 of them asked for announcements by email and was emailed."
    )
    assert "<strong>along</strong>" in page.get_data(as_text=True)

    mail.deliver_pending()
    assert [m["Subject"] for m in smtp_server.inbox.to(keen.email)] == ["Allotment open day"]
    assert smtp_server.inbox.to(quiet.email) == [] and smtp_server.inbox.to(outsider.guardian.email) == []
    told = db.session.scalar(select(func.count()).where(Notification.kind == "community_announcement"))
    assert told == 3


def test_a_coordinator_cannot_post_to_another_locality(app, world):
    coordinator = _signed_in(app, world.coordinator)
    for value in (world.other_locality.id, "all", "2147483648", "99999999999999999999", "1\x00"):
        response = post_form(coordinator, NEW, {"locality": value, "title": "Hello", "body": "News"})
        page = _text(response)
        assert response.status_code == 200, value
        assert "Choose who the announcement is for from the list" in page
        assert _title(page).startswith("Error: ")
        assert 'value="Hello"' in page and "News</textarea>" in page
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 0
    outsider = _signed_in(app, UserFactory(roles=[Role.GUARDIAN]))
    assert outsider.get(NEW).status_code == 403


def test_an_admin_may_tell_every_family(app, world):
    outsider = cw.make_family(world.other_locality)
    db.session.commit()
    admin = _signed_in(app, world.admin)
    assert "Every family in the academy" in _text(admin.get(NEW))
    response = post_form(admin, NEW, {"locality": "all", "title": "Academy news", "body": "For everyone"})
    assert response.status_code == 302
    made = db.session.scalar(select(Announcement).where(Announcement.title == "Academy news"))
    assert made.locality_id is None
    page = _text(_signed_in(app, outsider.guardian).get("/community/announcements"))
    assert "Academy news" in page and "For every family" in page


def test_an_empty_or_hostile_announcement_comes_back_with_errors(app, world):
    coordinator = _signed_in(app, world.coordinator)
    empty = post_form(coordinator, NEW, {})
    page = _text(empty)
    assert empty.status_code == 200 and _title(page).startswith("Error: ")
    for message in ("Enter the announcement's title", "Write the announcement"):
        assert message in page
    long = post_form(coordinator, NEW, {"locality": world.locality.id, "title": "x" * 201, "body": "y" * 10_001})
    assert "Write 200 characters or fewer" in _text(long) and "Write 10,000 characters or fewer" in _text(long)
    only_script = post_form(
        coordinator, NEW, {"locality": world.locality.id, "title": "\x00\u202e", "body": "<script>x</script>"}
    )
    assert only_script.status_code == 200 and "govuk-error-summary" in _text(only_script)
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 0


def test_families_read_what_is_for_them_newest_first(app, world):
    family = world.family(0)
    outsider = cw.make_family(world.other_locality)
    first = announcements.post(world.coordinator, world.locality, "First news", "One")
    first.created_at = clock.now().replace(hour=8)
    announcements.post(world.coordinator, world.locality, "Second news", "Two")
    elsewhere = announcements.post(world.other_coordinator, world.other_locality, "Elsewhere news", "Three")
    db.session.commit()
    guardian = _signed_in(app, family.guardian)
    page = _text(guardian.get("/community/announcements"))
    assert page.index("Second news") < page.index("First news")
    assert "Elsewhere news" not in page
    assert "/community/settings" in page
    assert guardian.get(f"/community/announcements/{elsewhere.id}").status_code == 404
    assert guardian.get("/community/announcements/2147483648").status_code == 404
    detail = _text(guardian.get(f"/community/announcements/{first.id}"))
    assert "First news" in detail and f"For {world.locality.name} families" in detail
    assert "Elsewhere news" in _text(_signed_in(app, outsider.guardian).get("/community/announcements"))
    far = _text(guardian.get("/community/announcements?page=99999999999"))
    assert "There are no more announcements" in far


def test_the_list_is_paginated(app, world):
    for n in range(23):
        announcements.post(world.coordinator, world.locality, f"News number {n:02d}", "Body")
    db.session.commit()
    guardian = _signed_in(app, world.family(0).guardian)
    first = _text(guardian.get("/community/announcements"))
    assert first.count("News number") == 20 and "govuk-pagination" in first
    assert _text(guardian.get("/community/announcements?page=2")).count("News number") == 3


def test_a_guardian_chooses_emails_and_localities_to_follow(app, world):
    family = world.family(0)
    third = cw.LocalityFactory(name="Thorne")
    db.session.commit()
    guardian = _signed_in(app, family.guardian)
    page = _text(guardian.get("/community/settings"))
    assert world.other_locality.name in page and "Thorne" in page
    assert world.locality.name not in page  # their own locality is not offered
    for question in ("Do you want announcements by email as well?", "Neighbouring localities your family follows"):
        assert re.search(rf"<legend[^>]*>\s*{re.escape(question)}", page), question
    response = post_form(
        guardian,
        "/community/settings",
        {"announcement_emails": "yes", "weekly_digest": "no", "following": [str(world.other_locality.id)]},
    )
    assert response.status_code == 302
    choice = db.session.get(CommunityPreference, family.guardian.id)
    assert choice.announcement_emails is True and choice.weekly_digest is False
    followed = set(db.session.scalars(select(FollowedLocality.locality_id)))
    assert followed == {world.other_locality.id}
    again = _text(guardian.get("/community/settings"))
    assert re.search(rf'value="{world.other_locality.id}"[^>]*checked', again)
    post_form(
        guardian,
        "/community/settings",
        {"announcement_emails": "no", "weekly_digest": "yes", "following": [str(third.id)]},
    )
    assert set(db.session.scalars(select(FollowedLocality.locality_id))) == {third.id}
    assert db.session.get(CommunityPreference, family.guardian.id).announcement_emails is False


def test_settings_errors_keep_what_was_chosen(app, world):
    family = world.family(0)
    guardian = _signed_in(app, family.guardian)
    empty = post_form(guardian, "/community/settings", {})
    page = _text(empty)
    assert empty.status_code == 200 and _title(page).startswith("Error: ")
    assert "Say whether you want announcements by email" in page and "Say whether you want the weekly digest" in page
    for bad in (str(world.locality.id), "2147483648", "999999999999999999999999", "1\x00x", "<x-hostile>"):
        response = post_form(
            guardian,
            "/community/settings",
            {"announcement_emails": "yes", "weekly_digest": "no", "following": [str(world.other_locality.id), bad]},
        )
        page = _text(response)
        assert response.status_code == 200, bad
        assert "Choose localities from the list" in page and _title(page).startswith("Error: ")
        assert re.search(r'value="yes"[^>]*checked', page)
    assert db.session.get(CommunityPreference, family.guardian.id) is None
    assert db.session.scalar(select(func.count()).select_from(FollowedLocality)) == 0


def test_a_learner_chooses_their_own_emails_only(app, world):
    learner_user = UserFactory(roles=[Role.LEARNER])
    world.family(0).children[0].user_id = learner_user.id
    db.session.commit()
    learner = _signed_in(app, learner_user)
    page = _text(learner.get("/community/settings"))
    assert "Neighbouring localities" not in page
    response = post_form(
        learner,
        "/community/settings",
        {"announcement_emails": "yes", "weekly_digest": "yes", "following": [str(world.other_locality.id)]},
    )
    assert response.status_code == 302
    assert db.session.get(CommunityPreference, learner_user.id).announcement_emails is True
    assert db.session.scalar(select(func.count()).select_from(FollowedLocality)) == 0


def test_the_pages_statements_do_not_grow_with_the_announcements_shown(app, world):
    from tests.blueprints.test_exams_scale import counting

    family = world.family(0)
    guardian = _signed_in(app, family.guardian)
    pages = ["/community/announcements", "/community/settings", "/community/calendar"]

    def statements() -> dict[str, int]:
        found = {}
        for path in pages:
            with counting() as seen:
                assert guardian.get(path).status_code == 200
            found[path] = len(seen)
        return found

    announcements.post(world.coordinator, world.locality, "Only one", "Body")
    db.session.commit()
    few = statements()
    for n in range(19):
        announcements.post(world.coordinator if n % 2 else world.admin, world.locality if n % 2 else None, f"N{n}", "B")
    for _ in range(5):
        place = cw.LocalityFactory()
        announcements.follow(family.guardian, family.guardian_row.family, place)
    db.session.commit()
    assert statements() == few
