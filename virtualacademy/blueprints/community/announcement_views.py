"""Announcements (a coordinator's to their locality's families, an admin's to every family), and each person's
community email choices: announcements by email, the weekly digest, and the neighbouring localities a family
follows."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from virtualacademy.blueprints.community import bp
from virtualacademy.blueprints.community.settings_forms import EVERY_FAMILY, AnnouncementForm, SettingsForm, choices
from virtualacademy.blueprints.forms_common import flash_linked
from virtualacademy.extensions import db
from virtualacademy.inputs import paginate, to_int
from virtualacademy.models import Announcement, Locality, Role
from virtualacademy.policies import get_or_404, requires_roles
from virtualacademy.services.community import access, announcements
from virtualacademy.unit_of_work import unit_of_work

PER_PAGE = 20
POSTERS = (Role.COORDINATOR, Role.ADMIN)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


@bp.route("/announcements", endpoint="announcements")
@login_required
def announcements_list():
    """What the person may see, newest first."""
    found = paginate(announcements.announcements_for(current_user), per_page=PER_PAGE)
    return render_template(
        "community/announcements/index.html",
        page=found,
        can_post=current_user.has_role(*POSTERS),
        has_choices=current_user.has_role(Role.GUARDIAN, Role.LEARNER),
    )


@bp.route("/announcements/<int:announcement>")
@login_required
def announcement(announcement: int):
    item = get_or_404(Announcement, announcement, "view")
    return render_template(
        "community/announcements/detail.html",
        item=item,
        has_choices=current_user.has_role(Role.GUARDIAN, Role.LEARNER),
    )


@bp.route("/announcements/new", methods=["GET", "POST"])
@requires_roles(*POSTERS)
def new_announcement():
    """Post to a locality the person coordinates (an admin: any, or every family)."""
    form = AnnouncementForm()
    everyone = access.manages_locality(current_user, None)
    form.locality.choices = choices(
        [("", "Choose who it is for")]
        + ([(EVERY_FAMILY, "Every family in the academy")] if everyone else [])
        + [(place.id, f"{place.name} families") for place in announcements.postable_localities(current_user)]
    )
    if request.method == "GET" and len(form.locality.choices) == 2:
        form.locality.data = form.locality.choices[1].value
    if form.validate_on_submit():
        place = None
        if form.locality.data != EVERY_FAMILY:
            place = db.session.get(Locality, to_int(form.locality.data) or 0)
        with unit_of_work(form) as work:
            posted = announcements.post_counted(current_user, place, form.title.data, form.body.data)
        if work.ok:
            told = _plural(posted.families, "family", "families")
            people = _plural(posted.people, "parent or carer", "parents and carers")
            emailed = _plural(
                posted.emailed,
                "of them asked for announcements by email and was emailed",
                "of them asked for announcements by email and were emailed",
            )
            flash_linked(
                f"Announcement {{link}} posted: {told} told in the app ({people}); {emailed}.",
                url_for("community.announcement", announcement=posted.announcement.id),
                posted.announcement.title,
            )
            return redirect(url_for("community.announcement", announcement=posted.announcement.id))
    return render_template("community/announcements/new.html", form=form, can_post_anywhere=everyone)


@bp.route("/settings", methods=["GET", "POST"])
@requires_roles(Role.GUARDIAN, Role.LEARNER)
def settings():
    """The person's community email choices, and (for a parent or carer) the localities their family follows."""
    mine = announcements.choices_for(current_user)
    form = SettingsForm(
        data={
            "announcement_emails": "yes" if mine.preference.announcement_emails else "no",
            "weekly_digest": "yes" if mine.preference.weekly_digest else "no",
            "following": [str(i) for i in sorted(mine.followed_ids)],
        }
        if request.method == "GET"
        else None
    )
    if mine.families:
        form.following.choices = choices((place.id, place.name) for place in mine.localities)
    else:
        del form.following  # a learner (or someone with no family yet) has no localities to follow
    if form.validate_on_submit():
        following = None
        if mine.families:
            following = {to_int(value) for value in form.following.data or ()} - {None}
        with unit_of_work(form) as work:
            announcements.save_choices(
                current_user,
                announcement_emails=form.announcement_emails.data == "yes",
                weekly_digest=form.weekly_digest.data == "yes",
                following=following,
            )
        if work.ok:
            flash("Your community choices have been saved.", "success")
            return redirect(url_for("community.settings"))
    return render_template("community/settings.html", form=form, choices=mine)
