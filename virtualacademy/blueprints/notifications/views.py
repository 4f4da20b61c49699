from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from virtualacademy.blueprints.forms_common import Form, safe_next
from virtualacademy.blueprints.notifications import bp
from virtualacademy.extensions import db
from virtualacademy.inputs import paginate
from virtualacademy.models import Notification
from virtualacademy.services import notifications
from virtualacademy.unit_of_work import unit_of_work


@bp.route("/")
@login_required
def index():
    page = paginate(notifications.inbox(current_user), per_page=30)
    return render_template("notifications/index.html", page=page)


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_notification(notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    if not Form().validate_on_submit():
        abort(400)
    with unit_of_work():
        notifications.mark_read(current_user, notification)
    return redirect(safe_next(notification.link, url_for("notifications.index")))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    if not Form().validate_on_submit():
        abort(400)
    with unit_of_work():
        notifications.mark_all_read(current_user)
    return redirect(url_for("notifications.index"))
